//! The interface optimizers see: a differentiable objective over a flat `Vec<f64>`, optionally
//! split into samples for mini-batches, plus an observer hook and the result type.

use super::error::TrainError;
use argmin::core::{CostFunction, Gradient};

/// A differentiable objective `L(p)` over a flat parameter vector, made of `n_samples()`
/// samples (trajectories) so that optimizers can evaluate mini-batches.
///
/// `eval(p, batch)` returns the loss on the samples in `batch` and its gradient. Problems that
/// are not sums over samples report one sample and ignore `batch`.
pub trait Objective {
    /// Length of the parameter vector.
    fn n_params(&self) -> usize;
    /// Number of samples that batches index into (default 1).
    fn n_samples(&self) -> usize {
        1
    }
    /// Loss and gradient on the samples `batch` (indices `< n_samples()`).
    ///
    /// # Errors
    /// Whatever the problem reports: wrong parameter length, failed solve, ...
    fn eval(&self, params: &[f64], batch: &[usize]) -> Result<(f64, Vec<f64>), TrainError>;
    /// Loss only on the samples `batch`; the default calls [`Objective::eval`], problems with a
    /// cheaper forward pass override it.
    ///
    /// # Errors
    /// As [`Objective::eval`].
    fn loss(&self, params: &[f64], batch: &[usize]) -> Result<f64, TrainError> {
        self.eval(params, batch).map(|(l, _)| l)
    }
}

/// A borrowed objective is an objective, so adapters that own theirs (e.g. [`Cached`]) can
/// also wrap a reference.
impl<O: Objective + ?Sized> Objective for &O {
    fn n_params(&self) -> usize {
        (**self).n_params()
    }

    fn n_samples(&self) -> usize {
        (**self).n_samples()
    }

    fn eval(&self, params: &[f64], batch: &[usize]) -> Result<(f64, Vec<f64>), TrainError> {
        (**self).eval(params, batch)
    }

    fn loss(&self, params: &[f64], batch: &[usize]) -> Result<f64, TrainError> {
        (**self).loss(params, batch)
    }
}

/// Adapter that lets any argmin problem (`CostFunction` + `Gradient` over `Vec<f64>`) be
/// minimized by [`super::Adam`] as a one-sample [`Objective`].
#[derive(Clone, Debug)]
pub struct FullBatch<P> {
    /// The wrapped argmin problem.
    pub problem: P,
    /// Its parameter-vector length.
    pub n_params: usize,
}

impl<P> Objective for FullBatch<P>
where
    P: CostFunction<Param = Vec<f64>, Output = f64>
        + Gradient<Param = Vec<f64>, Gradient = Vec<f64>>,
{
    fn n_params(&self) -> usize {
        self.n_params
    }

    fn eval(&self, params: &[f64], _batch: &[usize]) -> Result<(f64, Vec<f64>), TrainError> {
        super::error::check_len("parameters", self.n_params, params.len())?;
        let p = params.to_vec();
        let cost = self.problem.cost(&p).map_err(from_argmin)?;
        let grad = self.problem.gradient(&p).map_err(from_argmin)?;
        Ok((cost, grad))
    }
}

/// Recover our error from an argmin error, or wrap its message.
pub(crate) fn from_argmin(e: argmin::core::Error) -> TrainError {
    match e.downcast::<TrainError>() {
        Ok(t) => t,
        Err(e) => TrainError::Optimizer(e.to_string()),
    }
}

/// Called once per optimizer iteration with the iteration number (0-based) and the loss of
/// that iteration (the batch loss for mini-batch Adam), like argmin's `Observe::observe_iter`.
/// Closures `FnMut(u64, f64)` are observers.
pub trait TrainObserver {
    /// Observe iteration `iter` with loss `loss`.
    fn observe_iter(&mut self, iter: u64, loss: f64);
}

impl<F: FnMut(u64, f64)> TrainObserver for F {
    fn observe_iter(&mut self, iter: u64, loss: f64) {
        self(iter, loss)
    }
}

/// What an optimizer returns.
#[derive(Clone, Debug, PartialEq)]
pub struct TrainResult {
    /// The final parameters.
    pub params: Vec<f64>,
    /// The loss at `params` on the full data (all samples).
    pub loss: f64,
    /// Number of iterations performed.
    pub iters: u64,
    /// Loss per iteration, as observed.
    pub history: Vec<f64>,
}

/// Sum per-sample `(value, gradient)` parts in order (so results repeat bit for bit) into a
/// loss and a gradient of length `n` (shorter part gradients fill its head).
pub(crate) fn sum_parts(n: usize, parts: Vec<(f64, Vec<f64>)>) -> (f64, Vec<f64>) {
    let mut value = 0.0;
    let mut grad = vec![0.0; n];
    for (v, g) in parts {
        value += v;
        for (a, b) in grad.iter_mut().zip(&g) {
            *a += b;
        }
    }
    (value, grad)
}

/// The gradient computed with the last `cost`, for the `gradient` call argmin's line searches
/// make next at bit-identical parameters.
#[derive(Debug, Default)]
pub(crate) struct GradCache(std::sync::Mutex<Option<(Vec<f64>, Vec<f64>)>>);

impl GradCache {
    /// Keep `g`, the gradient at `p`.
    pub(crate) fn store(&self, p: &[f64], g: Vec<f64>) {
        if let Ok(mut c) = self.0.lock() {
            *c = Some((p.to_vec(), g));
        }
    }

    /// The kept gradient if it was computed at exactly `p` (bit for bit); empties the cache.
    pub(crate) fn take(&self, p: &[f64]) -> Option<Vec<f64>> {
        let (cp, g) = self.0.lock().ok()?.take()?;
        (cp.len() == p.len() && cp.iter().zip(p).all(|(a, b)| a.to_bits() == b.to_bits()))
            .then_some(g)
    }
}

/// Any [`Objective`] as an argmin problem (full batch) for [`super::Lbfgs`]: `cost` evaluates
/// loss and gradient with [`Objective::eval`] on every sample and keeps the gradient for the
/// `gradient` call that argmin's line searches make next at bit-identical parameters (one
/// evaluation per point instead of two).
#[derive(Debug)]
pub struct Cached<O> {
    /// The wrapped objective.
    pub objective: O,
    cache: GradCache,
}

impl<O: Objective> Cached<O> {
    /// Wrap `objective`.
    pub fn new(objective: O) -> Self {
        Self {
            objective,
            cache: GradCache::default(),
        }
    }

    fn all(&self) -> Vec<usize> {
        (0..self.objective.n_samples()).collect()
    }
}

impl<O: Objective> CostFunction for Cached<O> {
    type Param = Vec<f64>;
    type Output = f64;

    fn cost(&self, p: &Vec<f64>) -> Result<f64, argmin::core::Error> {
        let (l, g) = self.objective.eval(p, &self.all())?;
        self.cache.store(p, g);
        Ok(l)
    }
}

impl<O: Objective> Gradient for Cached<O> {
    type Param = Vec<f64>;
    type Gradient = Vec<f64>;

    fn gradient(&self, p: &Vec<f64>) -> Result<Vec<f64>, argmin::core::Error> {
        match self.cache.take(p) {
            Some(g) => Ok(g),
            None => Ok(self.objective.eval(p, &self.all())?.1),
        }
    }
}
