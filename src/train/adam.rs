//! Adam (Kingma & Ba 2015) with seeded mini-batches over the samples of an [`Objective`].

use super::error::{check_finite, check_len, TrainError};
use super::objective::{Objective, TrainObserver, TrainResult};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

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

    /// Fresh optimizer state for `n_params` parameters and `n_samples` samples: zero moments,
    /// iteration 0, the batch RNG seeded with [`Adam::seed`].
    ///
    /// # Errors
    /// [`TrainError::InvalidOption`] for bad options, [`TrainError::Empty`] for no samples.
    pub fn start(&self, n_params: usize, n_samples: usize) -> Result<AdamState, TrainError> {
        self.check()?;
        if n_samples == 0 {
            return Err(TrainError::Empty("the objective has no samples"));
        }
        Ok(AdamState {
            iter: 0,
            m: vec![0.0; n_params],
            v: vec![0.0; n_params],
            perm: (0..n_samples).collect(),
            cursor: n_samples, // forces a shuffle before the first batch
            rng: ChaCha8Rng::seed_from_u64(self.seed),
        })
    }

    /// One iteration: evaluate loss and gradient of `obj` at `params` on the next batch, then
    /// update `params` and `state` in place. Returns the batch loss at the parameters *before*
    /// the update. Running `step` from a saved-and-restored [`AdamState`] gives bit-identical
    /// parameters to an uninterrupted run (checkpoint / resume).
    ///
    /// # Errors
    /// [`TrainError::ParamLength`] when `params`, the gradient or the state's moments do not
    /// have `obj.n_params()` entries, or the state's sample count differs from
    /// `obj.n_samples()`; the objective's error, or [`TrainError::NonFinite`]. On error neither
    /// `params` nor `state` is changed.
    pub fn step<O: Objective + ?Sized>(
        &self,
        obj: &O,
        params: &mut [f64],
        state: &mut AdamState,
    ) -> Result<f64, TrainError> {
        let n = obj.n_params();
        check_len("parameters", n, params.len())?;
        check_len("Adam moments", n, state.m.len())?;
        let n_samples = obj.n_samples();
        check_len("Adam sample permutation", n_samples, state.perm.len())?;
        let bs = self.batch_size.unwrap_or(n_samples).min(n_samples);
        // Draw the batch on a copy of the sampler so that a failed evaluation leaves the
        // state untouched.
        let (mut rng, mut perm, mut cursor) = (state.rng.clone(), None, state.cursor);
        let batch: Vec<usize> = if bs == n_samples {
            (0..n_samples).collect()
        } else {
            if cursor >= n_samples {
                let mut p = state.perm.clone();
                p.shuffle(&mut rng);
                perm = Some(p);
                cursor = 0;
            }
            let end = (cursor + bs).min(n_samples);
            let b = perm.as_ref().unwrap_or(&state.perm)[cursor..end].to_vec();
            cursor = end;
            b
        };
        let (loss, g) = obj.eval(params, &batch).and_then(|(l, g)| {
            check_len("gradient", n, g.len())?;
            check_finite(l, &g).map(|_| (l, g))
        })?;
        if let Some(p) = perm {
            state.perm = p;
        }
        state.rng = rng;
        state.cursor = cursor;
        state.apply(self, params, &g);
        Ok(loss)
    }

    /// Minimize `obj` from `init`, calling `observer` after each iteration with its loss.
    ///
    /// Iteration k evaluates loss and gradient at the current parameters (on its batch), then
    /// updates them ([`Adam::step`]). The result's `loss` is the full-data loss at the final
    /// parameters.
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
        let n = obj.n_params();
        check_len("initial parameters", n, init.len())?;
        let mut state = self.start(n, obj.n_samples())?;
        let mut p = init;
        let mut good = p.clone();
        let mut before = p.clone();
        let mut history = Vec::with_capacity(self.max_iters as usize);
        let stopped = |iter, params: &[f64], e| TrainError::Stopped {
            iter,
            params: params.to_vec(),
            source: Box::new(e),
        };
        for iter in 0..self.max_iters {
            before.copy_from_slice(&p);
            let loss = self
                .step(obj, &mut p, &mut state)
                .map_err(|e| stopped(iter, &good, e))?;
            good.copy_from_slice(&before);
            history.push(loss);
            if let Some(o) = observer.as_deref_mut() {
                o.observe_iter(iter, loss);
            }
        }
        let all: Vec<usize> = (0..obj.n_samples()).collect();
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

/// Adam's state between iterations: iteration count, first and second moment averages, and
/// the mini-batch sampler (permutation, position in the epoch, `ChaCha8Rng`).
///
/// Serializable (serde) so that a training run can be checkpointed and resumed bit for bit:
/// the RNG is stored as its seed, stream and word position, which restore it exactly. Get one
/// from [`Adam::start`]; advance it with [`Adam::step`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(into = "AdamStateFile", try_from = "AdamStateFile")]
pub struct AdamState {
    /// Number of completed iterations.
    pub iter: u64,
    m: Vec<f64>,
    v: Vec<f64>,
    perm: Vec<usize>,
    cursor: usize,
    rng: ChaCha8Rng,
}

impl AdamState {
    /// Zero moments for `n` parameters and a single-sample sampler, for callers that compute
    /// the gradient themselves (e.g. to project it or to select a model between steps) and
    /// update with [`AdamState::apply`].
    pub fn new(n: usize) -> Self {
        Self {
            iter: 0,
            m: vec![0.0; n],
            v: vec![0.0; n],
            perm: vec![0],
            cursor: 1,
            rng: ChaCha8Rng::seed_from_u64(0),
        }
    }

    /// One bias-corrected Adam update of `p` with gradient `g`, using the step options of
    /// `opts` (`lr`, `beta1`, `beta2`, `eps`); advances the iteration count. This is exactly
    /// the update [`Adam::step`] applies after drawing its batch. Entries beyond the shortest of
    /// `p`, `g` and the moments are left alone.
    pub fn apply(&mut self, opts: &Adam, p: &mut [f64], g: &[f64]) {
        let t = i32::try_from(self.iter + 1).unwrap_or(i32::MAX);
        let c1 = 1.0 - opts.beta1.powi(t);
        let c2 = 1.0 - opts.beta2.powi(t);
        for (((p, g), m), v) in p.iter_mut().zip(g).zip(&mut self.m).zip(&mut self.v) {
            *m = opts.beta1 * *m + (1.0 - opts.beta1) * g;
            *v = opts.beta2 * *v + (1.0 - opts.beta2) * g * g;
            *p -= opts.lr * (*m / c1) / ((*v / c2).sqrt() + opts.eps);
        }
        self.iter += 1;
    }
}

/// The serialized form of [`AdamState`].
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct AdamStateFile {
    iter: u64,
    m: Vec<f64>,
    v: Vec<f64>,
    perm: Vec<usize>,
    cursor: usize,
    rng_seed: [u8; 32],
    rng_stream: u64,
    /// The 68-bit word position as (high, low) 64-bit halves.
    rng_word_pos: [u64; 2],
}

impl From<AdamState> for AdamStateFile {
    fn from(s: AdamState) -> Self {
        let w = s.rng.get_word_pos();
        Self {
            iter: s.iter,
            rng_seed: s.rng.get_seed(),
            rng_stream: s.rng.get_stream(),
            rng_word_pos: [(w >> 64) as u64, w as u64],
            m: s.m,
            v: s.v,
            perm: s.perm,
            cursor: s.cursor,
        }
    }
}

impl TryFrom<AdamStateFile> for AdamState {
    type Error = TrainError;
    fn try_from(f: AdamStateFile) -> Result<Self, TrainError> {
        check_len("Adam second moments", f.m.len(), f.v.len())?;
        let mut rng = ChaCha8Rng::from_seed(f.rng_seed);
        rng.set_stream(f.rng_stream);
        rng.set_word_pos(((f.rng_word_pos[0] as u128) << 64) | f.rng_word_pos[1] as u128);
        Ok(Self {
            iter: f.iter,
            m: f.m,
            v: f.v,
            perm: f.perm,
            cursor: f.cursor,
            rng,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Σ_k ‖p − a_k‖² over samples a_k = (k, −k).
    struct Quad;
    impl Objective for Quad {
        fn n_params(&self) -> usize {
            2
        }
        fn n_samples(&self) -> usize {
            5
        }
        fn eval(&self, p: &[f64], batch: &[usize]) -> Result<(f64, Vec<f64>), TrainError> {
            let (mut l, mut g) = (0.0, vec![0.0; 2]);
            for &k in batch {
                let a = [k as f64, -(k as f64)];
                for i in 0..2 {
                    l += (p[i] - a[i]).powi(2);
                    g[i] += 2.0 * (p[i] - a[i]);
                }
            }
            Ok((l, g))
        }
    }

    #[test]
    fn state_saved_as_json_resumes_bit_for_bit() {
        let adam = Adam {
            max_iters: 12,
            batch_size: Some(2),
            seed: 3,
            ..Adam::new(0.1)
        };
        let full = adam.minimize(&Quad, vec![0.5, 0.5], None).unwrap();
        let mut p = vec![0.5, 0.5];
        let mut st = adam.start(2, 5).unwrap();
        for _ in 0..7 {
            adam.step(&Quad, &mut p, &mut st).unwrap();
        }
        let json = serde_json::to_string(&st).unwrap();
        let mut st: AdamState = serde_json::from_str(&json).unwrap();
        for _ in 7..12 {
            adam.step(&Quad, &mut p, &mut st).unwrap();
        }
        assert_eq!(st.iter, 12);
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&p), bits(&full.params));
    }
}
