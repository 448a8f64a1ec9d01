//! The neural-ODE fitting problem: solve through the ODE from each trajectory's first
//! observation, compare with the observations (masked MSE), and get the gradient with the
//! discrete (default) or continuous adjoint. Trajectories of a batch are solved in parallel (rayon), each task on its
//! own clone of the field.

use super::data::{validate_set, TimeSeries};
use super::error::{check_len, gradient_error, TrainError};
use super::loss::squared_error;
use super::objective::{GradCache, Objective};
use crate::sensitivity::{gradient, Sensitivity};
use crate::{solve_at, ParamField, State, Stepping, Tableau, Trajectory};
use argmin::core::{CostFunction, Gradient};
use rayon::prelude::*;

/// Fit the parameters θ of a field `F` to observed trajectories.
///
/// The loss is the mean squared error over all observed entries of the trajectories in a
/// batch (each solve starts at the trajectory's first time from its first value). Parameters
/// are the field's flat θ, optionally followed by trainable initial states (see
/// [`NodeProblem::with_trainable_y0`]; length [`NodeProblem::n_params`]). Implements [`Objective`] (for
/// [`super::Adam`], with trajectories as samples) and argmin's `CostFunction` + `Gradient`
/// (full batch, for [`super::Lbfgs`]).
///
/// argmin's line searches (More–Thuente, Hager–Zhang) ask for the cost and then the gradient
/// at the same point; `cost` therefore computes both and keeps the gradient for the next
/// `gradient` call at bit-identical parameters, saving one forward solve per point.
#[derive(Debug)]
pub struct NodeProblem<const S: usize, const D: usize, F> {
    tab: Tableau<S>,
    field: F,
    data: Vec<TimeSeries<D>>,
    stepping: Stepping<f64>,
    sensitivity: Sensitivity,
    train_y0: bool,
    cache: GradCache,
}

impl<const S: usize, const D: usize, F: Clone> Clone for NodeProblem<S, D, F> {
    fn clone(&self) -> Self {
        Self {
            tab: self.tab,
            field: self.field.clone(),
            data: self.data.clone(),
            stepping: self.stepping,
            sensitivity: self.sensitivity,
            train_y0: self.train_y0,
            cache: GradCache::default(),
        }
    }
}

/// Per-trajectory result of a batch evaluation.
struct Part<const D: usize> {
    value: f64,
    grad: Vec<f64>,
    gy0: State<D>,
}

impl<const S: usize, const D: usize, F> NodeProblem<S, D, F>
where
    F: ParamField<D, f64> + Clone + Send + Sync,
{
    /// A problem on `data` solved with `tab` and `stepping`; `field` is the template whose
    /// parameters are replaced by the optimizer's (its own θ is the natural starting point,
    /// see [`NodeProblem::initial_params`]).
    ///
    /// # Errors
    /// [`TrainError::Empty`] for no trajectories.
    pub fn new(
        tab: Tableau<S>,
        field: F,
        data: Vec<TimeSeries<D>>,
        stepping: Stepping<f64>,
    ) -> Result<Self, TrainError> {
        validate_set(&data)?;
        Ok(Self {
            tab,
            field,
            data,
            stepping,
            sensitivity: Sensitivity::Discrete,
            train_y0: false,
            cache: GradCache::default(),
        })
    }

    /// Choose the adjoint: [`Sensitivity::Discrete`] (the default; the exact gradient of the
    /// computed loss, which keeps L-BFGS line searches consistent) or
    /// [`Sensitivity::Continuous`] (the interpolated continuous adjoint, accurate to about the
    /// solve tolerance).
    pub fn with_sensitivity(mut self, sensitivity: Sensitivity) -> Self {
        self.sensitivity = sensitivity;
        self
    }

    /// Also train each trajectory's initial state (default off: the solve starts from the
    /// first observation). When on, the parameter vector is θ followed by one initial state of
    /// `D` entries per trajectory, in data-set order; the first observation still enters the
    /// loss, which anchors y0 to the data.
    pub fn with_trainable_y0(mut self, on: bool) -> Self {
        self.train_y0 = on;
        self
    }

    /// Length of θ, the field's parameters.
    pub fn n_theta(&self) -> usize {
        self.field.params().len()
    }

    /// Length of the optimizer's parameter vector: θ, plus `D` per trajectory with trainable
    /// initial states.
    pub fn n_params(&self) -> usize {
        self.n_theta()
            + if self.train_y0 {
                D * self.data.len()
            } else {
                0
            }
    }

    /// A starting point for the optimizers: the template field's θ, followed (with trainable
    /// initial states) by each trajectory's first observation.
    pub fn initial_params(&self) -> Vec<f64> {
        let mut p = self.field.params().to_vec();
        if self.train_y0 {
            for ts in &self.data {
                p.extend(ts.y0().iter());
            }
        }
        p
    }

    /// Initial state of trajectory `k` under `params` (length already checked).
    pub(super) fn y0_of(&self, params: &[f64], k: usize, ts: &TimeSeries<D>) -> State<D> {
        if self.train_y0 {
            let o = self.n_theta() + D * k;
            State::<D>::from_column_slice(&params[o..o + D])
        } else {
            ts.y0()
        }
    }

    /// The data set.
    pub fn data(&self) -> &[TimeSeries<D>] {
        &self.data
    }

    /// The tableau, stepping and adjoint the problem was built with.
    pub fn solver(&self) -> (&Tableau<S>, &Stepping<f64>, Sensitivity) {
        (&self.tab, &self.stepping, self.sensitivity)
    }

    /// A clone of the field with θ = `params[..n_theta()]` (`params` is the full optimizer
    /// vector of length [`NodeProblem::n_params`]).
    ///
    /// # Errors
    /// [`TrainError::ParamLength`].
    pub fn field_with(&self, params: &[f64]) -> Result<F, TrainError> {
        check_len("parameters", self.n_params(), params.len())?;
        let mut f = self.field.clone();
        f.params_mut().copy_from_slice(&params[..self.n_theta()]);
        Ok(f)
    }

    /// Solve trajectory `index` with parameters `params`, saving at its observation times
    /// (the trajectory's `stats.nfe` is the cost of one forward solve).
    ///
    /// # Errors
    /// [`TrainError::ParamLength`], [`TrainError::InvalidOption`] for an index out of range,
    /// [`TrainError::Solve`].
    pub fn predict(&self, params: &[f64], index: usize) -> Result<Trajectory<D>, TrainError> {
        let f = self.field_with(params)?;
        let ts = self.series(index)?;
        let y0 = self.y0_of(params, index, ts);
        solve_at(&self.tab, &f, ts.t0(), y0, ts.times(), &self.stepping).map_err(|source| {
            TrainError::Solve {
                trajectory: index,
                source,
            }
        })
    }

    pub(super) fn series(&self, index: usize) -> Result<&TimeSeries<D>, TrainError> {
        self.data.get(index).ok_or(TrainError::InvalidOption {
            name: "trajectory index",
            value: index as f64,
            expected: "< number of trajectories",
        })
    }

    /// `1 / (observed entries in the batch)`, so the batch loss is a mean.
    pub(super) fn weight(&self, batch: &[usize]) -> Result<f64, TrainError> {
        let mut n = 0;
        for &k in batch {
            n += self.series(k)?.n_observed();
        }
        if n == 0 {
            return Err(TrainError::Empty("the batch observes no entry"));
        }
        Ok(1.0 / n as f64)
    }

    fn part(&self, params: &[f64], k: usize, w: f64, grad: bool) -> Result<Part<D>, TrainError> {
        let f = self.field_with(params)?;
        let ts = self.series(k)?;
        let y0 = self.y0_of(params, k, ts);
        let solve_err = |source| TrainError::Solve {
            trajectory: k,
            source,
        };
        if !grad {
            let tr = solve_at(&self.tab, &f, ts.t0(), y0, ts.times(), &self.stepping)
                .map_err(solve_err)?;
            let lg = squared_error(&tr.y, ts.values(), ts.mask(), w)?;
            return Ok(Part {
                value: lg.value,
                grad: Vec::new(),
                gy0: State::<D>::zeros(),
            });
        }
        let mut value = 0.0;
        let (_, g) = gradient(
            self.sensitivity,
            &self.tab,
            &f,
            ts.t0(),
            y0,
            ts.times(),
            &self.stepping,
            |tr| {
                squared_error(&tr.y, ts.values(), ts.mask(), w).map(|lg| {
                    value = lg.value;
                    lg.dl_dy
                })
            },
        )
        .map_err(|e| gradient_error(k, e))?;
        Ok(Part {
            value,
            grad: g.params,
            gy0: g.y0,
        })
    }

    /// Loss (and gradient if `grad`) on `batch`, trajectories in parallel, summed in batch
    /// order so results repeat bit for bit.
    fn batch(
        &self,
        params: &[f64],
        batch: &[usize],
        grad: bool,
    ) -> Result<(f64, Vec<f64>), TrainError> {
        check_len("parameters", self.n_params(), params.len())?;
        let w = self.weight(batch)?;
        let parts: Vec<Part<D>> = batch
            .par_iter()
            .map(|&k| self.part(params, k, w, grad))
            .collect::<Result<_, _>>()?;
        let mut value = 0.0;
        let mut g = vec![0.0; if grad { params.len() } else { 0 }];
        let n_theta = self.n_theta();
        for (p, &k) in parts.iter().zip(batch) {
            value += p.value;
            for (a, b) in g.iter_mut().zip(&p.grad) {
                *a += b;
            }
            if grad && self.train_y0 {
                let o = n_theta + D * k;
                for (a, b) in g[o..o + D].iter_mut().zip(p.gy0.iter()) {
                    *a += b;
                }
            }
        }
        Ok((value, g))
    }
}

impl<const S: usize, const D: usize, F> Objective for NodeProblem<S, D, F>
where
    F: ParamField<D, f64> + Clone + Send + Sync,
{
    fn n_params(&self) -> usize {
        NodeProblem::n_params(self)
    }

    fn n_samples(&self) -> usize {
        self.data.len()
    }

    fn eval(&self, params: &[f64], batch: &[usize]) -> Result<(f64, Vec<f64>), TrainError> {
        self.batch(params, batch, true)
    }

    fn loss(&self, params: &[f64], batch: &[usize]) -> Result<f64, TrainError> {
        self.batch(params, batch, false).map(|(l, _)| l)
    }
}

impl<const S: usize, const D: usize, F> CostFunction for NodeProblem<S, D, F>
where
    F: ParamField<D, f64> + Clone + Send + Sync,
{
    type Param = Vec<f64>;
    type Output = f64;

    fn cost(&self, p: &Vec<f64>) -> Result<f64, argmin::core::Error> {
        let all: Vec<usize> = (0..self.data.len()).collect();
        let (l, g) = self.batch(p, &all, true)?;
        self.cache.store(p, g);
        Ok(l)
    }
}

impl<const S: usize, const D: usize, F> Gradient for NodeProblem<S, D, F>
where
    F: ParamField<D, f64> + Clone + Send + Sync,
{
    type Param = Vec<f64>;
    type Gradient = Vec<f64>;

    fn gradient(&self, p: &Vec<f64>) -> Result<Vec<f64>, argmin::core::Error> {
        if let Some(g) = self.cache.take(p) {
            return Ok(g);
        }
        let all: Vec<usize> = (0..self.data.len()).collect();
        Ok(self.batch(p, &all, true)?.1)
    }
}
