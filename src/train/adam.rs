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
        let (mut m, mut v) = (vec![0.0; n], vec![0.0; n]);
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
            let t = (iter + 1) as i32;
            let c1 = 1.0 - self.beta1.powi(t);
            let c2 = 1.0 - self.beta2.powi(t);
            for i in 0..n {
                m[i] = self.beta1 * m[i] + (1.0 - self.beta1) * g[i];
                v[i] = self.beta2 * v[i] + (1.0 - self.beta2) * g[i] * g[i];
                p[i] -= self.lr * (m[i] / c1) / ((v[i] / c2).sqrt() + self.eps);
            }
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
