//! One sample's training gradient with an optional solver-heuristic regularizer: the forward
//! solve is recorded once ([`crate::sensitivity::record`]), the data loss is backpropagated
//! with the discrete or continuous adjoint, and the regularizer works on the same tape (the
//! global one through the whole solve, the local one at one sampled step). Shared by the
//! digits and spiral experiments.

use crate::regularize::Quantity;
use crate::sensitivity::Sensitivity;
use crate::train::{RegKind, RegTerm, SampleSetup, TrainError};
use crate::{Adaptive, ParamField, State, Tableau, Trajectory};

/// The training variants compared by the experiments.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variant {
    /// Data loss only.
    Vanilla,
    /// `+ w·Σ_steps E_est·|h|` (sum over the accepted steps,
    /// [`Reduction::Sum`](crate::regularize::Reduction::Sum)), differentiated through the
    /// whole solve ([`Global`](crate::regularize::Global)).
    Global,
    /// `+ w·E_est(t_r)·|h(t_r)|`, `t_r ~ U[t0, t1]` ([`Local`](crate::regularize::Local) with
    /// [`Unbiased`](crate::regularize::Unbiased)).
    LocalUnbiased,
    /// `+ w·E_est(t_r)·|h(t_r)|`, `t_r` uniform over the accepted step starts
    /// ([`Biased`](crate::regularize::Biased)).
    LocalBiased,
    /// Labelled option, not the paper's definition: `+ w·E_est·|h|` of one step at
    /// `t_r ~ U[t0, t1]` whose `h` is the accepted step of the forward solve containing `t_r`
    /// ([`StepChoice::Accepted`](crate::regularize::StepChoice::Accepted)) and whose `k₁` is
    /// differentiated
    /// ([`FirstStage::Differentiated`](crate::regularize::FirstStage::Differentiated)): the
    /// exact θ-derivative of `R` at fixed `z(t_r)`, `h`.
    LocalAccepted,
    /// The paper's definition (as [`Variant::LocalUnbiased`]: `k₁`, `h`, `z(t_r)` frozen,
    /// automatic initial step) evaluated over the **whole mini-batch** as the reference code
    /// does: one `t_r ~ U[t0, t1)` per batch, one `h` from RMS norms over all states, one RMS
    /// error norm over the batch ([`OneStep::batch_value_and_grad_frozen`](crate::regularize::OneStep::batch_value_and_grad_frozen)).
    /// Only the digits classifier batches; for a single trajectory (spiral) it is
    /// [`Variant::LocalUnbiased`].
    LocalBatch,
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
    pub const KNOWN: [Variant; 6] = [
        Variant::Vanilla,
        Variant::Global,
        Variant::LocalUnbiased,
        Variant::LocalBiased,
        Variant::LocalAccepted,
        Variant::LocalBatch,
    ];

    /// Name used in tables and legends.
    pub fn name(self) -> &'static str {
        match self {
            Variant::Vanilla => "vanilla",
            Variant::Global => "global",
            Variant::LocalUnbiased => "local unbiased",
            Variant::LocalBiased => "local biased",
            Variant::LocalAccepted => "local accepted",
            Variant::LocalBatch => "local batch",
        }
    }
}

/// A sample's contribution to a batch: loss, regularizer value and θ-gradient of
/// `loss + weight·R` (the library's type).
pub use crate::train::SampleGrad;

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

impl Variant {
    /// The library's regularization term of this variant (`None` for vanilla): the error
    /// estimate, as in the experiments. [`Variant::LocalBatch`] maps to the per-sample local
    /// unbiased term (a batch of one); the classifier evaluates it over the batch instead.
    pub fn term(self) -> Option<RegTerm> {
        let kind = match self {
            Variant::Vanilla => return None,
            Variant::Global => RegKind::Global,
            Variant::LocalUnbiased | Variant::LocalBatch => RegKind::LocalUnbiased,
            Variant::LocalBiased => RegKind::LocalBiased,
            Variant::LocalAccepted => RegKind::LocalAccepted,
        };
        Some(RegTerm {
            kind,
            quantity: Quantity::Error,
        })
    }
}

/// Solve from `(t0, y0)` saving at `times`, evaluate `loss` on the trajectory (it returns the
/// value and `∂loss/∂y(t_i)`), backpropagate, and add the regularizer's gradient: the
/// library's [`crate::train::sample_gradient`] with the variant's [`Variant::term`].
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
    let lib = SampleSetup {
        tab: setup.tab,
        opts: setup.opts,
        sensitivity: setup.sensitivity,
        term: setup.variant.term(),
        weight: setup.weight,
    };
    crate::train::sample_gradient(&lib, f, t0, y0, times, sample, sampler_seed, loss)
}

/// A seed for sample `sample` at iteration `iter` of a run seeded `seed`, so every sample of
/// every iteration draws its own `t_r` independently of the order in which rayon runs them
/// (the library's [`crate::train::sample_seed`]).
pub fn mix_seed(seed: u64, iter: u64, sample: u64) -> u64 {
    crate::train::sample_seed(seed, iter, sample)
}
