//! Typed errors of the ODE solvers.
//!
//! Every variant carries the numbers that explain it (converted to `f64` so that the error type
//! does not depend on the scalar type). Creating an error never allocates, so the solvers stay
//! allocation-free even on their error paths.

use crate::tableau::TableauError;
use thiserror::Error;

/// Why a solve could not start or could not finish.
#[derive(Debug, Clone, Copy, PartialEq, Error)]
pub enum SolveError {
    /// The tableau cannot be used by an explicit solver.
    #[error("invalid tableau: {0}")]
    Tableau(#[from] TableauError),
    /// Adaptive stepping needs an embedded pair (`b_hat`), which this tableau lacks.
    #[error("tableau `{method}` has no embedded error estimate (b_hat); use solve_fixed or an embedded pair")]
    NoErrorEstimate {
        /// Name of the tableau.
        method: &'static str,
    },
    /// A component of the initial state is NaN or infinite.
    #[error("initial state component {index} is not finite ({value})")]
    NonFiniteInitialState {
        /// Index of the first offending component.
        index: usize,
        /// Its value.
        value: f64,
    },
    /// A time argument (t0, t1, a save time) is NaN or infinite.
    #[error("time span is not finite: t0 = {t0}, t1 = {t1}")]
    NonFiniteTime {
        /// Start time.
        t0: f64,
        /// End time.
        t1: f64,
    },
    /// `t1 == t0`: there is nothing to integrate.
    #[error("empty time span: t0 = t1 = {t0}")]
    EmptySpan {
        /// The common value of t0 and t1.
        t0: f64,
    },
    /// The fixed step size is zero, negative or not finite (give its magnitude; the direction
    /// comes from the sign of `t1 − t0`).
    #[error("step size must be finite and > 0, got h = {h}")]
    InvalidStepSize {
        /// The step size given.
        h: f64,
    },
    /// Tolerances must be finite, `rtol ≥ 0`, `atol ≥ 0`, and not both zero.
    #[error("invalid tolerances: rtol = {rtol}, atol = {atol} (need finite, ≥ 0, not both 0)")]
    InvalidTolerance {
        /// Relative tolerance.
        rtol: f64,
        /// Absolute tolerance.
        atol: f64,
    },
    /// An option other than the tolerances is out of range.
    #[error("invalid option `{name}` = {value}: {expected}")]
    InvalidOption {
        /// Option name.
        name: &'static str,
        /// Value given.
        value: f64,
        /// What is expected.
        expected: &'static str,
    },
    /// The adaptive step size became too small to advance time in floating point.
    #[error("step size underflow at t = {t}: h = {h} is too small to advance t")]
    StepSizeUnderflow {
        /// Time reached.
        t: f64,
        /// Step size at failure.
        h: f64,
    },
    /// More steps (accepted + rejected) were needed than `max_steps` allows.
    #[error("maximum number of steps ({max_steps}) exceeded at t = {t} (t1 = {t1})")]
    MaxStepsExceeded {
        /// The limit.
        max_steps: usize,
        /// Time reached.
        t: f64,
        /// Target end time.
        t1: f64,
    },
    /// The state became NaN or infinite during the solve.
    #[error(
        "state became non-finite in step {step} from t = {t} with h = {h} (component {index})"
    )]
    NonFiniteState {
        /// Start time of the failing step.
        t: f64,
        /// Step size of the failing step.
        h: f64,
        /// Number of the step (0-based, accepted steps so far).
        step: usize,
        /// First non-finite component.
        index: usize,
    },
    /// Save times must lie in the span, in the direction of integration, non-decreasing.
    #[error("save time {index} (t = {t}) is out of order or outside [t0, t1] = [{t0}, {t1}]")]
    InvalidSaveTime {
        /// Index into the save-time slice.
        index: usize,
        /// The offending time.
        t: f64,
        /// Start time.
        t0: f64,
        /// End time.
        t1: f64,
    },
    /// No save times were given.
    #[error("no save times given")]
    NoSaveTimes,
}
