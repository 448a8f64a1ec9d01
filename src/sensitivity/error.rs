//! Typed errors of the sensitivity (adjoint) module.

use crate::SolveError;
use thiserror::Error;

/// Why a gradient could not be computed.
///
/// Numbers are converted to `f64` so that the type does not depend on the scalar; creating an
/// error never allocates.
#[derive(Debug, Clone, Copy, PartialEq, Error)]
pub enum SensitivityError {
    /// The forward solve (or the adjoint solve of the continuous method) failed.
    #[error("solve failed: {0}")]
    Solve(#[from] SolveError),
    /// `dl_dy` must hold one cotangent per save time.
    #[error("dl_dy has {got} entries but the tape has {expected} save times")]
    LossGradientLength {
        /// Number of save times of the tape.
        expected: usize,
        /// Length of `dl_dy`.
        got: usize,
    },
    /// A component of a given `dL/dy(t_i)` is NaN or infinite.
    #[error("dl_dy[{index}] (save time t = {t}) has a non-finite component {component}")]
    NonFiniteLossGradient {
        /// Index of the save time.
        index: usize,
        /// The save time.
        t: f64,
        /// First offending component.
        component: usize,
    },
    /// The adjoint (dL/dy or dL/dθ) became NaN or infinite while walking back through step
    /// `step` (0-based accepted-step index), which starts at `t`.
    #[error("adjoint became non-finite in step {step} (starting at t = {t})")]
    NonFiniteAdjoint {
        /// Index of the accepted forward step.
        step: usize,
        /// Start time of that step.
        t: f64,
    },
    /// A parameter-sized vector does not match the field's `params().len()`.
    #[error("{what}: expected {expected} parameters, got {got}")]
    ParamLength {
        /// Which vector.
        what: &'static str,
        /// `params().len()` of the field.
        expected: usize,
        /// Length received.
        got: usize,
    },
    /// The tableau given to the backward pass is not the one the tape was recorded with.
    #[error("tableau `{given}` differs from the tableau `{recorded}` the tape was recorded with")]
    TableauMismatch {
        /// Name of the tableau the tape was recorded with.
        recorded: &'static str,
        /// Name of the tableau given to the backward pass.
        given: &'static str,
    },
}

/// Error of [`gradient`](super::gradient): the sensitivity computation, or the caller's loss.
#[derive(Debug, Error)]
pub enum GradientError<E> {
    /// Forward solve or backward pass failed.
    #[error(transparent)]
    Sensitivity(#[from] SensitivityError),
    /// The loss callback failed.
    #[error("loss callback failed: {0}")]
    Loss(E),
}
