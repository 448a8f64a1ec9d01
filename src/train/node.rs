//! The neural-ODE fitting problem: solve through the ODE from each trajectory's first
//! observation, compare with the observations (masked MSE), and get the gradient with the
//! discrete adjoint. Trajectories of a batch are solved in parallel (rayon), each task on its
//! own clone of the field.

use super::data::{validate_set, TimeSeries};
use super::error::{check_len, TrainError};
use super::loss::squared_error;
use super::objective::Objective;
use crate::sensitivity::{backward, record};
use crate::{solve_at, ParamField, Stepping, Tableau, Trajectory};
use argmin::core::{CostFunction, Gradient};
use rayon::prelude::*;

/// Fit the parameters θ of a field `F` to observed trajectories.
///
/// The loss is the mean squared error over all observed entries of the trajectories in a
/// batch (each solve starts at the trajectory's first time from its first value). Parameters
/// are the field's flat θ (length [`NodeProblem::n_params`]). Implements [`Objective`] (for
/// [`super::Adam`], with trajectories as samples) and argmin's `CostFunction` + `Gradient`
/// (full batch, for [`super::Lbfgs`]).
#[derive(Clone, Debug)]
pub struct NodeProblem<const S: usize, const D: usize, F> {
    tab: Tableau<S>,
    field: F,
    data: Vec<TimeSeries<D>>,
    stepping: Stepping<f64>,
}

/// Per-trajectory result of a batch evaluation.
struct Part {
    value: f64,
    grad: Vec<f64>,
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
        })
    }

    /// Length of θ.
    pub fn n_params(&self) -> usize {
        self.field.params().len()
    }

    /// The template field's θ (a starting point for the optimizers).
    pub fn initial_params(&self) -> Vec<f64> {
        self.field.params().to_vec()
    }

    /// The data set.
    pub fn data(&self) -> &[TimeSeries<D>] {
        &self.data
    }

    /// A clone of the field with parameters `params`.
    ///
    /// # Errors
    /// [`TrainError::ParamLength`].
    pub fn field_with(&self, params: &[f64]) -> Result<F, TrainError> {
        check_len("parameters", self.n_params(), params.len())?;
        let mut f = self.field.clone();
        f.params_mut().copy_from_slice(params);
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
        solve_at(&self.tab, &f, ts.t0(), ts.y0(), ts.times(), &self.stepping).map_err(|source| {
            TrainError::Solve {
                trajectory: index,
                source,
            }
        })
    }

    fn series(&self, index: usize) -> Result<&TimeSeries<D>, TrainError> {
        self.data.get(index).ok_or(TrainError::InvalidOption {
            name: "trajectory index",
            value: index as f64,
            expected: "< number of trajectories",
        })
    }

    /// `1 / (observed entries in the batch)`, so the batch loss is a mean.
    fn weight(&self, batch: &[usize]) -> Result<f64, TrainError> {
        let mut n = 0;
        for &k in batch {
            n += self.series(k)?.n_observed();
        }
        if n == 0 {
            return Err(TrainError::Empty("the batch observes no entry"));
        }
        Ok(1.0 / n as f64)
    }

    fn part(&self, params: &[f64], k: usize, w: f64, grad: bool) -> Result<Part, TrainError> {
        let f = self.field_with(params)?;
        let ts = self.series(k)?;
        let solve_err = |source| TrainError::Solve {
            trajectory: k,
            source,
        };
        if !grad {
            let tr = solve_at(&self.tab, &f, ts.t0(), ts.y0(), ts.times(), &self.stepping)
                .map_err(solve_err)?;
            let lg = squared_error(&tr.y, ts.values(), ts.mask(), w)?;
            return Ok(Part {
                value: lg.value,
                grad: Vec::new(),
            });
        }
        let tape = record(&self.tab, &f, ts.t0(), ts.y0(), ts.times(), &self.stepping)
            .map_err(solve_err)?;
        let lg = squared_error(&tape.trajectory().y, ts.values(), ts.mask(), w)?;
        let g = backward(&tape, &self.tab, &f, &lg.dl_dy).map_err(|source| {
            TrainError::Sensitivity {
                trajectory: k,
                source,
            }
        })?;
        Ok(Part {
            value: lg.value,
            grad: g.params,
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
        let parts: Vec<Part> = batch
            .par_iter()
            .map(|&k| self.part(params, k, w, grad))
            .collect::<Result<_, _>>()?;
        let mut value = 0.0;
        let mut g = vec![0.0; if grad { params.len() } else { 0 }];
        for p in &parts {
            value += p.value;
            for (a, b) in g.iter_mut().zip(&p.grad) {
                *a += b;
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
        Ok(Objective::loss(self, p, &all)?)
    }
}

impl<const S: usize, const D: usize, F> Gradient for NodeProblem<S, D, F>
where
    F: ParamField<D, f64> + Clone + Send + Sync,
{
    type Param = Vec<f64>;
    type Gradient = Vec<f64>;

    fn gradient(&self, p: &Vec<f64>) -> Result<Vec<f64>, argmin::core::Error> {
        let all: Vec<usize> = (0..self.data.len()).collect();
        Ok(self.batch(p, &all, true)?.1)
    }
}
