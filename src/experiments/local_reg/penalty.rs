//! One sample's training gradient with an optional solver-heuristic regularizer: the forward
//! solve is recorded once ([`crate::sensitivity::record`]), the data loss is backpropagated
//! with the discrete or continuous adjoint, and the regularizer works on the same tape (the
//! global one through the whole solve, the local one at one sampled step). Shared by the
//! digits and spiral experiments.

use crate::regularize::{
    Biased, FirstStage, Global, Local, LocalOptions, OneStep, Reduction, StepChoice, Unbiased,
};
use crate::sensitivity::{backsolve, backward, backward_continuous, record, Sensitivity};
use crate::train::TrainError;
use crate::{Adaptive, ParamField, State, Stepping, Tableau, Trajectory};

/// The training variants compared by the experiments.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variant {
    /// Data loss only.
    Vanilla,
    /// `+ w·Σ_steps E_est·|h|` (sum over the accepted steps, [`Reduction::Sum`]),
    /// differentiated through the whole solve ([`Global`]).
    Global,
    /// `+ w·E_est(t_r)·|h(t_r)|`, `t_r ~ U[t0, t1]` ([`Local`] with [`Unbiased`]).
    LocalUnbiased,
    /// `+ w·E_est(t_r)·|h(t_r)|`, `t_r` uniform over the accepted step starts ([`Biased`]).
    LocalBiased,
    /// Labelled option, not the paper's definition: `+ w·E_est·|h|` of one step at
    /// `t_r ~ U[t0, t1]` whose `h` is the accepted step of the forward solve containing `t_r`
    /// ([`StepChoice::Accepted`]) and whose `k₁` is differentiated
    /// ([`FirstStage::Differentiated`]): the exact θ-derivative of `R` at fixed `z(t_r)`, `h`.
    LocalAccepted,
}

impl Variant {
    /// All four, in table order.
    pub const ALL: [Variant; 4] = [
        Variant::Vanilla,
        Variant::Global,
        Variant::LocalUnbiased,
        Variant::LocalBiased,
    ];

    /// Every variant the experiments know: [`Variant::ALL`] and the labelled options.
    pub const KNOWN: [Variant; 5] = [
        Variant::Vanilla,
        Variant::Global,
        Variant::LocalUnbiased,
        Variant::LocalBiased,
        Variant::LocalAccepted,
    ];

    /// Name used in tables and legends.
    pub fn name(self) -> &'static str {
        match self {
            Variant::Vanilla => "vanilla",
            Variant::Global => "global",
            Variant::LocalUnbiased => "local unbiased",
            Variant::LocalBiased => "local biased",
            Variant::LocalAccepted => "local accepted",
        }
    }
}

/// A sample's contribution to a batch: loss, regularizer value and θ-gradient of
/// `loss + weight·R`.
#[derive(Clone, Debug, PartialEq)]
pub struct SampleGrad {
    /// The data loss as returned by the loss callback.
    pub loss: f64,
    /// The unweighted regularizer `R` (0 for [`Variant::Vanilla`]).
    pub reg: f64,
    /// `∂(loss + weight·R)/∂θ`.
    pub params: Vec<f64>,
    /// Field evaluations of the forward solve.
    pub nfe: usize,
}

/// Everything fixed across the samples of one evaluation.
#[derive(Clone, Copy, Debug)]
pub struct PenaltySetup<'a, const S: usize> {
    /// The embedded pair (tsit5, dopri5, bs3, ...).
    pub tab: &'a Tableau<S>,
    /// Tolerances of the solve; the regularizer's error norm and initial step use the same.
    pub opts: &'a Adaptive,
    /// Adjoint of the data loss.
    pub sensitivity: Sensitivity,
    /// Which regularizer.
    pub variant: Variant,
    /// Its weight `w(k)` in this evaluation (already divided by the batch size if the batch
    /// loss is a mean).
    pub weight: f64,
}

/// Solve from `(t0, y0)` saving at `times`, evaluate `loss` on the trajectory (it returns the
/// value and `∂loss/∂y(t_i)`), backpropagate, and add the regularizer's gradient.
/// `sampler_seed` seeds the local samplers (one fresh seeded draw per call, so parallel
/// samples are reproducible); `sample` labels errors.
///
/// # Errors
/// [`TrainError::Solve`], [`TrainError::Sensitivity`], [`TrainError::Regularize`] for the
/// sample, and whatever `loss` returns.
#[allow(clippy::too_many_arguments)]
pub fn sample_gradient<const S: usize, const D: usize, F, L>(
    setup: &PenaltySetup<'_, S>,
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
    let tape =
        record(tab, f, t0, y0, times, &Stepping::Adaptive(*setup.opts)).map_err(|source| {
            TrainError::Solve {
                trajectory: sample,
                source,
            }
        })?;
    let (value, dl) = loss(tape.trajectory())?;
    let sens_err = |source| TrainError::Sensitivity {
        trajectory: sample,
        source,
    };
    let mut g = match setup.sensitivity {
        // The regularizers need the step tape anyway, so the stored-stage variant runs the
        // same discrete adjoint on it (identical gradient to rounding).
        Sensitivity::Discrete | Sensitivity::DiscreteStored => backward(&tape, tab, f, &dl),
        Sensitivity::Continuous => backward_continuous(&tape, tab, f, &dl),
        Sensitivity::Backsolve => backsolve(
            tab,
            f,
            t0,
            tape.trajectory(),
            &dl,
            &Stepping::Adaptive(*setup.opts),
        ),
    }
    .map_err(sens_err)?;
    let one = OneStep::error(setup.opts.rtol, setup.opts.atol);
    let w = setup.weight;
    let gp = &mut g.params;
    let reg = match setup.variant {
        Variant::Vanilla => Ok(0.0),
        Variant::Global => Global {
            one_step: one,
            reduction: Reduction::Sum,
        }
        .value_and_grad(tab, f, &tape, w, gp)
        .map(|e| e.value),
        Variant::LocalUnbiased => Local::new(one, Unbiased::new(sampler_seed))
            .value_and_grad_on_tape(tab, f, &tape, w, gp)
            .map(|e| e.value),
        Variant::LocalBiased => Local::new(one, Biased::new(sampler_seed))
            .value_and_grad_on_tape(tab, f, &tape, w, gp)
            .map(|e| e.value),
        Variant::LocalAccepted => Local::new(one, Unbiased::new(sampler_seed))
            .with_options(LocalOptions {
                step: StepChoice::Accepted,
                first_stage: FirstStage::Differentiated,
            })
            .value_and_grad_on_tape(tab, f, &tape, w, gp)
            .map(|e| e.value),
    }
    .map_err(|source| TrainError::Regularize {
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

/// A seed for sample `sample` at iteration `iter` of a run seeded `seed` (SplitMix64
/// finalizer over the three), so every sample of every iteration draws its own `t_r`
/// independently of the order in which rayon runs them.
pub fn mix_seed(seed: u64, iter: u64, sample: u64) -> u64 {
    let mut z = seed
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add(iter.wrapping_mul(0xBF58_476D_1CE4_E5B9))
        .wrapping_add(sample.wrapping_mul(0x94D0_49BB_1331_11EB))
        .wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
