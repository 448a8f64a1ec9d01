//! Training with a solver-heuristic regularizer ([`crate::regularize`]): per trajectory, the
//! forward solve is recorded once ([`record`]), the data loss is backpropagated with the
//! chosen adjoint, and the regularizer works on the same tape ([`sample_gradient`]);
//! [`Regularized`] wraps a [`NodeProblem`] into an [`Objective`] `MSE + w(k)·mean R` with a
//! weight schedule and sampling seeded by (seed, iteration, trajectory), so a resumed run
//! draws the same times.

use super::error::TrainError;
use super::loss::squared_error;
use super::node::NodeProblem;
use super::objective::{sum_parts, Objective};
use crate::regularize::{
    Biased, FirstStage, Global, Local, LocalOptions, OneStep, Quantity, Reduction, RegularizeError,
    StepChoice, Unbiased, Weight,
};
use crate::sensitivity::{backsolve, backward, backward_continuous, record, Sensitivity};
use crate::{Adaptive, ParamField, State, Stepping, Tableau, Trajectory};
use rayon::prelude::*;
use std::sync::Mutex;

/// Which regularizer ([`crate::regularize`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RegKind {
    /// `Σ_steps q_n` over every accepted step, differentiated through the whole solve
    /// ([`Global`], [`Reduction::Sum`]).
    Global,
    /// `q(t_r)` at one step at `t_r ~ U[t0, t1]` ([`Local`] with [`Unbiased`]).
    LocalUnbiased,
    /// `q(t_r)` at `t_r` uniform over the accepted step starts ([`Local`] with [`Biased`]).
    LocalBiased,
    /// Labelled option, not the paper's definition: `q` of one step at `t_r ~ U[t0, t1]` whose
    /// `h` is the accepted step of the forward solve containing `t_r`
    /// ([`StepChoice::Accepted`]) and whose `k₁` is differentiated
    /// ([`FirstStage::Differentiated`]): the exact θ-derivative at fixed `z(t_r)` and `h`.
    LocalAccepted,
}

/// A regularization term: which regularizer, of which one-step quantity `q`
/// (`E_est·|h|` or `ρ·|h|`, [`Quantity`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RegTerm {
    /// Global, local unbiased or local biased.
    pub kind: RegKind,
    /// Error or stiffness estimate.
    pub quantity: Quantity,
}

impl RegTerm {
    /// The one-step quantity with the solve's tolerances.
    pub fn one_step(&self, opts: &Adaptive) -> OneStep {
        match self.quantity {
            Quantity::Error => OneStep::error(opts.rtol, opts.atol),
            Quantity::Stiffness => OneStep::stiffness(opts.rtol, opts.atol),
        }
    }
}

/// What [`sample_gradient`] returns for one trajectory.
#[derive(Clone, Debug, PartialEq)]
pub struct SampleGrad {
    /// The data loss as returned by the loss callback.
    pub loss: f64,
    /// The unweighted regularizer `R` (0 without a term).
    pub reg: f64,
    /// `∂(loss + weight·R)/∂θ`.
    pub params: Vec<f64>,
    /// Field evaluations of the forward solve.
    pub nfe: usize,
}

/// Everything fixed across the trajectories of one evaluation of [`sample_gradient`].
#[derive(Clone, Copy, Debug)]
pub struct SampleSetup<'a, const S: usize> {
    /// An embedded pair (tsit5, dopri5, bs3, ...).
    pub tab: &'a Tableau<S>,
    /// Tolerances of the solve; the regularizer's error norm and initial step use the same.
    pub opts: &'a Adaptive,
    /// Adjoint of the data loss.
    pub sensitivity: Sensitivity,
    /// The regularizer (`None`: data loss only).
    pub term: Option<RegTerm>,
    /// Its weight in this evaluation (divide `w(k)` by the batch size if the batch
    /// regularizer is a mean).
    pub weight: f64,
}

/// Solve from `(t0, y0)` saving at `times`, evaluate `loss` on the trajectory (value and
/// `∂loss/∂y(t_i)`), backpropagate it, and add `weight·∂R/∂θ` of the regularizer computed on
/// the same tape. `sampler_seed` seeds the local samplers (one fresh draw per call, so
/// parallel trajectories are reproducible, see [`sample_seed`]); `sample` labels errors.
///
/// # Errors
/// [`TrainError::Solve`], [`TrainError::Sensitivity`], [`TrainError::Regularize`] for the
/// trajectory, and whatever `loss` returns.
#[allow(clippy::too_many_arguments)]
pub fn sample_gradient<const S: usize, const D: usize, F, L>(
    setup: &SampleSetup<'_, S>,
    f: &F,
    t0: f64,
    y0: State<D>,
    times: &[f64],
    sample: usize,
    sampler_seed: u64,
    loss: L,
) -> Result<SampleGrad, TrainError>
where
    F: ParamField<D> + ?Sized,
    L: FnOnce(&Trajectory<D>) -> Result<(f64, Vec<State<D>>), TrainError>,
{
    let tab = setup.tab;
    let stepping = Stepping::Adaptive(*setup.opts);
    let tape = record(tab, f, t0, y0, times, &stepping).map_err(|source| TrainError::Solve {
        trajectory: sample,
        source,
    })?;
    let (value, dl) = loss(tape.trajectory())?;
    let mut g = match setup.sensitivity {
        // The regularizers need the step tape anyway, so the stored-stage variant runs the
        // same discrete adjoint on it (identical gradient to rounding).
        Sensitivity::Discrete | Sensitivity::DiscreteStored => backward(&tape, tab, f, &dl),
        Sensitivity::Continuous => backward_continuous(&tape, tab, f, &dl),
        Sensitivity::Backsolve => backsolve(tab, f, t0, tape.trajectory(), &dl, &stepping),
    }
    .map_err(|source| TrainError::Sensitivity {
        trajectory: sample,
        source,
    })?;
    let w = setup.weight;
    let gp = &mut g.params;
    let reg: Result<f64, RegularizeError> = match setup.term {
        None => Ok(0.0),
        Some(term) => {
            let one = term.one_step(setup.opts);
            match term.kind {
                RegKind::Global => Global {
                    one_step: one,
                    reduction: Reduction::Sum,
                }
                .value_and_grad(tab, f, &tape, w, gp)
                .map(|e| e.value),
                RegKind::LocalUnbiased => Local::new(one, Unbiased::new(sampler_seed))
                    .value_and_grad_on_tape(tab, f, &tape, w, gp)
                    .map(|e| e.value),
                RegKind::LocalBiased => Local::new(one, Biased::new(sampler_seed))
                    .value_and_grad_on_tape(tab, f, &tape, w, gp)
                    .map(|e| e.value),
                RegKind::LocalAccepted => Local::new(one, Unbiased::new(sampler_seed))
                    .with_options(LocalOptions {
                        step: StepChoice::Accepted,
                        first_stage: FirstStage::Differentiated,
                    })
                    .value_and_grad_on_tape(tab, f, &tape, w, gp)
                    .map(|e| e.value),
            }
        }
    };
    let reg = reg.map_err(|source| TrainError::Regularize {
        trajectory: sample,
        source,
    })?;
    Ok(SampleGrad {
        loss: value,
        reg,
        params: g.params,
        nfe: tape.stats().nfe,
    })
}

/// The sampler seed of trajectory `sample` at iteration `iter` of a run seeded `seed`
/// (SplitMix64 finalizer over the three): every trajectory of every iteration draws its own
/// `t_r`, independently of the order in which rayon runs them and of where a run resumed.
pub fn sample_seed(seed: u64, iter: u64, sample: u64) -> u64 {
    let mut z = seed
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add(iter.wrapping_mul(0xBF58_476D_1CE4_E5B9))
        .wrapping_add(sample.wrapping_mul(0x94D0_49BB_1331_11EB))
        .wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The regularization of a [`Regularized`] problem: term, weight schedule and seed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Regularization {
    /// Which regularizer of which quantity.
    pub term: RegTerm,
    /// `w(k)` at optimizer iteration `k`.
    pub weight: Weight,
    /// Seed of the local samplers (see [`sample_seed`]).
    pub seed: u64,
}

/// The regularizer's share of the last evaluation of a [`Regularized`] problem.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RegStats {
    /// Mean unweighted `R` over the batch's trajectories.
    pub value: f64,
    /// The weight `w(k)` it entered with.
    pub weight: f64,
}

/// A [`NodeProblem`] with adaptive stepping plus `w(k)·mean_batch R`: the objective optimizers
/// see is `MSE(batch) + w(k)·(1/|batch|)·Σ_batch R_j`, where `k` is the iteration set with
/// [`Regularized::set_iteration`] (the training loop sets it before each step; `None` switches
/// the regularizer off, e.g. for a deterministic L-BFGS polish). [`Objective::loss`] is the data
/// term alone. Trajectory `j` at iteration `k` samples with seed
/// [`sample_seed`]`(seed, k, j)`, so runs (and resumed runs) repeat bit for bit.
#[derive(Debug)]
pub struct Regularized<const S: usize, const D: usize, F> {
    node: NodeProblem<S, D, F>,
    opts: Adaptive,
    reg: Regularization,
    iteration: Mutex<Option<u64>>,
    last: Mutex<Option<RegStats>>,
}

impl<const S: usize, const D: usize, F> Regularized<S, D, F>
where
    F: ParamField<D, f64> + Clone + Send + Sync,
{
    /// Regularize `node`, which must step adaptively with an embedded pair that supports the
    /// quantity (checked here). The iteration starts at 0.
    ///
    /// # Errors
    /// [`TrainError::InvalidOption`] for fixed stepping; [`TrainError::Regularize`]
    /// (trajectory 0) for a tableau without an embedded pair (error quantity) or stiffness
    /// pair (stiffness quantity), bad tolerances or a bad weight schedule.
    pub fn new(node: NodeProblem<S, D, F>, reg: Regularization) -> Result<Self, TrainError> {
        let (tab, stepping, _) = node.solver();
        let Stepping::Adaptive(opts) = *stepping else {
            return Err(TrainError::InvalidOption {
                name: "stepping",
                value: f64::NAN,
                expected: "adaptive (the regularizers measure an adaptive solver's estimates)",
            });
        };
        let bad = |source| TrainError::Regularize {
            trajectory: 0,
            source,
        };
        reg.term.one_step(&opts).check(tab).map_err(bad)?;
        reg.weight.check().map_err(bad)?;
        Ok(Self {
            node,
            opts,
            reg,
            iteration: Mutex::new(Some(0)),
            last: Mutex::new(None),
        })
    }

    /// The wrapped data problem.
    pub fn node(&self) -> &NodeProblem<S, D, F> {
        &self.node
    }

    /// Set the optimizer iteration `k` (0-based) of the next evaluations: weight `w(k)` and
    /// sampler seeds; `None` evaluates the data loss only.
    pub fn set_iteration(&self, iter: Option<u64>) {
        if let Ok(mut i) = self.iteration.lock() {
            *i = iter;
        }
    }

    /// The regularizer's value and weight in the last evaluation (`None` if it was off).
    pub fn last_stats(&self) -> Option<RegStats> {
        self.last.lock().ok().and_then(|l| *l)
    }
}

impl<const S: usize, const D: usize, F> Objective for Regularized<S, D, F>
where
    F: ParamField<D, f64> + Clone + Send + Sync,
{
    fn n_params(&self) -> usize {
        self.node.n_theta()
    }

    fn n_samples(&self) -> usize {
        self.node.data().len()
    }

    fn eval(&self, params: &[f64], batch: &[usize]) -> Result<(f64, Vec<f64>), TrainError> {
        let iter = self.iteration.lock().ok().and_then(|i| *i);
        let Some(k) = iter else {
            if let Ok(mut l) = self.last.lock() {
                *l = None;
            }
            return self.node.eval(params, batch);
        };
        let wk = self
            .reg
            .weight
            .at(usize::try_from(k).unwrap_or(usize::MAX))
            .map_err(|source| TrainError::Regularize {
                trajectory: 0,
                source,
            })?;
        let f = self.node.field_with(params)?;
        let w = self.node.weight(batch)?;
        let (tab, _, sensitivity) = self.node.solver();
        let setup = SampleSetup {
            tab,
            opts: &self.opts,
            sensitivity,
            term: Some(self.reg.term),
            weight: wk / batch.len() as f64,
        };
        let parts: Vec<SampleGrad> = batch
            .par_iter()
            .map(|&j| {
                let ts = self.node.series(j)?;
                let seed = sample_seed(self.reg.seed, k, j as u64);
                sample_gradient(&setup, &f, ts.t0(), ts.y0(), ts.times(), j, seed, |tr| {
                    squared_error(&tr.y, ts.values(), ts.mask(), w).map(|l| (l.value, l.dl_dy))
                })
            })
            .collect::<Result<_, TrainError>>()?;
        let mean_r = parts.iter().map(|p| p.reg).sum::<f64>() / batch.len() as f64;
        if let Ok(mut l) = self.last.lock() {
            *l = Some(RegStats {
                value: mean_r,
                weight: wk,
            });
        }
        let (data, grad) = sum_parts(
            params.len(),
            parts.into_iter().map(|p| (p.loss, p.params)).collect(),
        );
        Ok((data + wk * mean_r, grad))
    }

    /// The data term only (masked MSE on `batch`).
    fn loss(&self, params: &[f64], batch: &[usize]) -> Result<f64, TrainError> {
        self.node.loss(params, batch)
    }
}
