//! Adam (Kingma & Ba 2015) with seeded mini-batches over the samples of an [`Objective`].

use super::error::{check_finite, check_len, TrainError};
use super::objective::{Objective, TrainObserver, TrainResult};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// Adam's options. `Adam::new(lr)` gives β1 = 0.9, β2 = 0.999, ε = 1e-8, 100 iterations, full
/// batch, seed 0.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Adam {
    /// Learning rate (step size, > 0).
    pub lr: f64,
    /// Decay of the first-moment average, in [0, 1). Default 0.9.
    pub beta1: f64,
    /// Decay of the second-moment average, in [0, 1). Default 0.999.
    pub beta2: f64,
    /// Denominator guard ε (> 0). Default 1e-8.
    pub eps: f64,
    /// Number of iterations (parameter updates). Default 100.
    pub max_iters: u64,
    /// Samples per mini-batch; `None` uses all samples every iteration. Batches walk through a
    /// fresh seeded permutation of the samples each epoch (the last batch of an epoch may be
    /// smaller).
    pub batch_size: Option<usize>,
    /// Seed of the `ChaCha8Rng` that shuffles the samples. Default 0.
    pub seed: u64,
}

impl Adam {
    /// Adam with learning rate `lr` and the defaults above.
    pub fn new(lr: f64) -> Self {
        Self {
            lr,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            max_iters: 100,
            batch_size: None,
            seed: 0,
        }
    }

    fn check(&self) -> Result<(), TrainError> {
        let bad = |name, value, expected| {
            Err(TrainError::InvalidOption {
                name,
                value,
                expected,
            })
        };
        if !(self.lr.is_finite() && self.lr > 0.0) {
            return bad("lr", self.lr, "finite and > 0");
        }
        if !(0.0..1.0).contains(&self.beta1) {
            return bad("beta1", self.beta1, "in [0, 1)");
        }
        if !(0.0..1.0).contains(&self.beta2) {
            return bad("beta2", self.beta2, "in [0, 1)");
        }
        if !(self.eps.is_finite() && self.eps > 0.0) {
            return bad("eps", self.eps, "finite and > 0");
        }
        if self.batch_size == Some(0) {
            return bad("batch_size", 0.0, "≥ 1");
        }
        Ok(())
    }

    /// Minimize `obj` from `init`, calling `observer` after each iteration with its loss.
    ///
    /// Iteration k evaluates loss and gradient at the current parameters (on its batch), then
    /// updates them. The result's `loss` is the full-data loss at the final parameters.
    ///
    /// # Errors
    /// [`TrainError::InvalidOption`], [`TrainError::ParamLength`]; a failed or non-finite
    /// evaluation at iteration k returns [`TrainError::Stopped`] with k and the last
    /// parameters whose evaluation was finite.
    pub fn minimize<O: Objective + ?Sized>(
        &self,
        obj: &O,
        init: Vec<f64>,
        mut observer: Option<&mut dyn TrainObserver>,
    ) -> Result<TrainResult, TrainError> {
        self.check()?;
        let n = obj.n_params();
        check_len("initial parameters", n, init.len())?;
        let n_samples = obj.n_samples();
        if n_samples == 0 {
            return Err(TrainError::Empty("the objective has no samples"));
        }
        let all: Vec<usize> = (0..n_samples).collect();
        let bs = self.batch_size.unwrap_or(n_samples).min(n_samples);
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        let mut perm = all.clone();
        let mut cursor = n_samples; // forces a shuffle before the first batch
        let mut p = init;
        let mut good = p.clone();
        let mut state = AdamState::new(n);
        let mut history = Vec::with_capacity(self.max_iters as usize);
        let stopped = |iter, params: &[f64], e| TrainError::Stopped {
            iter,
            params: params.to_vec(),
            source: Box::new(e),
        };
        for iter in 0..self.max_iters {
            let batch: &[usize] = if bs == n_samples {
                &all
            } else {
                if cursor >= n_samples {
                    perm.shuffle(&mut rng);
                    cursor = 0;
                }
                let end = (cursor + bs).min(n_samples);
                let b = &perm[cursor..end];
                cursor = end;
                b
            };
            let (loss, g) = obj
                .eval(&p, batch)
                .and_then(|(l, g)| {
                    check_len("gradient", n, g.len())?;
                    check_finite(l, &g).map(|_| (l, g))
                })
                .map_err(|e| stopped(iter, &good, e))?;
            good.copy_from_slice(&p);
            history.push(loss);
            if let Some(o) = observer.as_deref_mut() {
                o.observe_iter(iter, loss);
            }
            state.step(self, &mut p, &g);
        }
        let loss = obj
            .loss(&p, &all)
            .and_then(|l| check_finite(l, &[]).map(|_| l))
            .map_err(|e| stopped(self.max_iters, &good, e))?;
        Ok(TrainResult {
            params: p,
            loss,
            iters: self.max_iters,
            history,
        })
    }
}

/// Adam's moment estimates, for callers that drive the iteration themselves (e.g. to project
/// parameters or select a model between steps): `state.step(&opts, p, g)` is exactly the
/// update [`Adam::minimize`] applies.
#[derive(Clone, Debug, PartialEq)]
pub struct AdamState {
    m: Vec<f64>,
    v: Vec<f64>,
    t: i32,
}

impl AdamState {
    /// Zero moments for `n` parameters.
    pub fn new(n: usize) -> Self {
        Self {
            m: vec![0.0; n],
            v: vec![0.0; n],
            t: 0,
        }
    }

    /// One bias-corrected Adam update of `p` with gradient `g` and the step options of
    /// `opts` (`lr`, `beta1`, `beta2`, `eps`; its iteration count and batching are ignored).
    /// Entries beyond the shorter of `p`, `g` and the state's length are left alone.
    pub fn step(&mut self, opts: &Adam, p: &mut [f64], g: &[f64]) {
        self.t = self.t.saturating_add(1);
        let c1 = 1.0 - opts.beta1.powi(self.t);
        let c2 = 1.0 - opts.beta2.powi(self.t);
        for (((p, g), m), v) in p.iter_mut().zip(g).zip(&mut self.m).zip(&mut self.v) {
            *m = opts.beta1 * *m + (1.0 - opts.beta1) * g;
            *v = opts.beta2 * *v + (1.0 - opts.beta2) * g * g;
            *p -= opts.lr * (*m / c1) / ((*v / c2).sqrt() + opts.eps);
        }
    }
}
