//! Typed errors of the regularizers, samplers and weight schedules.

use crate::sensitivity::SensitivityError;
use crate::tableau::TableauError;
use thiserror::Error;

/// Why a regularizer, sampler or weight schedule could not be evaluated.
///
/// Every variant carries the numbers that explain it (as `f64`, whatever the scalar type).
#[derive(Debug, Clone, Copy, PartialEq, Error)]
pub enum RegularizeError {
    /// The discrete adjoint under the global regularizer failed.
    #[error("adjoint failed: {0}")]
    Sensitivity(#[from] SensitivityError),
    /// The tableau cannot be used by an explicit solver.
    #[error("invalid tableau: {0}")]
    Tableau(#[from] TableauError),
    /// The error regularizer needs an embedded pair (`b_hat`), which this tableau lacks.
    #[error("tableau `{method}` has no embedded error estimate (b_hat); use bs3, dopri5, tsit5 or dop853")]
    NoErrorEstimate {
        /// Name of the tableau.
        method: &'static str,
    },
    /// The stiffness regularizer needs two stages with the same node `c_i = c_j ≠ 0`.
    #[error("tableau `{method}` has no two stages with equal nodes, so no stiffness estimate")]
    NoStiffnessPair {
        /// Name of the tableau.
        method: &'static str,
    },
    /// Tolerances must be finite, `≥ 0`, and not both zero.
    #[error("invalid tolerances: rtol = {rtol}, atol = {atol} (need finite, ≥ 0, not both 0)")]
    InvalidTolerance {
        /// Relative tolerance.
        rtol: f64,
        /// Absolute tolerance.
        atol: f64,
    },
    /// The time span is empty or not finite.
    #[error("invalid time span [{t0}, {t1}]: need finite and t0 ≠ t1")]
    InvalidSpan {
        /// Start of the span.
        t0: f64,
        /// End of the span.
        t1: f64,
    },
    /// A sampled or given time lies outside the span of the solve.
    #[error("time t = {t} is outside the span [{t0}, {t1}]")]
    TimeOutsideSpan {
        /// The offending time.
        t: f64,
        /// Start of the span.
        t0: f64,
        /// End of the span.
        t1: f64,
    },
    /// A component of the state the regularizer starts from is NaN or infinite.
    #[error("state at t = {t} has non-finite component {index} ({value})")]
    NonFiniteState {
        /// Time of the state.
        t: f64,
        /// Index of the first bad component.
        index: usize,
        /// Its value.
        value: f64,
    },
    /// The regularizer value or its gradient came out NaN or infinite.
    #[error("regularizer at t = {t} with step h = {h} is not finite (value {value})")]
    NonFiniteValue {
        /// Start time of the regularized step.
        t: f64,
        /// Its step size.
        h: f64,
        /// The value computed.
        value: f64,
    },
    /// The gradient buffer does not have one entry per parameter.
    #[error("gradient buffer has {got} entries but the field has {expected} parameters")]
    ParamLength {
        /// `field.params().len()`.
        expected: usize,
        /// Length of the buffer given.
        got: usize,
    },
    /// The step record holds no accepted step (the biased sampler needs at least one).
    #[error("the step record holds no accepted step")]
    EmptyRecord,
    /// The record cannot interpolate at `t` (a Hermite tableau recorded without `f(t+h, y⁺)`,
    /// or a tableau whose stage count does not match its interpolant).
    #[error("no dense output at t = {t} from the step record")]
    NoDenseOutput {
        /// The requested time.
        t: f64,
    },
    /// A weight-schedule parameter is out of range.
    #[error("invalid weight schedule parameter `{name}` = {value}: {expected}")]
    InvalidWeight {
        /// Parameter name.
        name: &'static str,
        /// Its value.
        value: f64,
        /// What was expected.
        expected: &'static str,
    },
    /// The batch-level local regularizer needs at least one state.
    #[error("the batch-level local regularizer got an empty batch")]
    EmptyBatch,
    /// The batch-level local regularizer composes per-state RMS error norms; it does not
    /// apply to the stiffness estimate or a double error estimate (dop853).
    #[error("batch-level local regularization needs the error quantity of a single-estimate pair; `{method}` with {quantity} is not supported")]
    NotBatchable {
        /// Name of the tableau.
        method: &'static str,
        /// The quantity asked for.
        quantity: &'static str,
    },
    /// The states of a batch-level evaluation do not share one step size.
    #[error(
        "batch-level local regularization needs one common step; got h = {first} and h = {other}"
    )]
    BatchSteps {
        /// The first state's step.
        first: f64,
        /// A differing step.
        other: f64,
    },
}
