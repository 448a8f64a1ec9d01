//! Typed errors of training: bad data, bad parameter vectors, failed solves and optimizer
//! stops that keep the last good parameters.

use crate::regularize::RegularizeError;
use crate::sensitivity::{GradientError, SensitivityError};
use crate::trainable::TrainableError;
use crate::SolveError;
use thiserror::Error;

/// Why a loss, a training problem or an optimizer could not do its work.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum TrainError {
    /// A parameter (or gradient, or head-weight) vector has the wrong length.
    #[error("{what}: expected length {expected}, got {got}")]
    ParamLength {
        /// Which vector.
        what: &'static str,
        /// The length required.
        expected: usize,
        /// The length given.
        got: usize,
    },
    /// Two sequences that must match in length do not (times vs values, mask vs values,
    /// predictions vs observations).
    #[error("trajectory {trajectory}: {what} has length {got}, expected {expected}")]
    LengthMismatch {
        /// Index of the trajectory in its data set (0 for a single one).
        trajectory: usize,
        /// Which sequence.
        what: &'static str,
        /// The length required.
        expected: usize,
        /// The length given.
        got: usize,
    },
    /// A time or a value of the data is NaN or infinite.
    #[error("trajectory {trajectory}: {what} at index {index} (component {component}) is not finite ({value})")]
    NonFiniteData {
        /// Index of the trajectory.
        trajectory: usize,
        /// `"time"` or `"value"`.
        what: &'static str,
        /// Index of the time point.
        index: usize,
        /// State component (0 for times).
        component: usize,
        /// The offending value.
        value: f64,
    },
    /// Observation times must be strictly increasing.
    #[error(
        "trajectory {trajectory}: times not strictly increasing at index {index}: {prev} then {t}"
    )]
    UnsortedTimes {
        /// Index of the trajectory.
        trajectory: usize,
        /// Index of the first time that is not larger than its predecessor.
        index: usize,
        /// The previous time.
        prev: f64,
        /// The offending time.
        t: f64,
    },
    /// A trajectory needs at least two time points (the first is the initial state), and its
    /// first value must be fully observed (it is the initial state of the solve).
    #[error("trajectory {trajectory}: {reason}")]
    BadTrajectory {
        /// Index of the trajectory.
        trajectory: usize,
        /// What is wrong.
        reason: &'static str,
    },
    /// The data set, a batch or a mask selects nothing to fit.
    #[error("nothing to fit: {0}")]
    Empty(&'static str),
    /// A class label is not below the number of classes.
    #[error("class label {label} out of range (number of classes {n_classes})")]
    Label {
        /// The label given.
        label: usize,
        /// Number of classes of the head.
        n_classes: usize,
    },
    /// An optimizer option is out of range.
    #[error("invalid option `{name}` = {value}: {expected}")]
    InvalidOption {
        /// Option name.
        name: &'static str,
        /// Value given.
        value: f64,
        /// What is allowed.
        expected: &'static str,
    },
    /// The loss or a gradient component evaluated to NaN or infinity.
    #[error("{what} is not finite ({value}) at index {index}")]
    NonFinite {
        /// `"loss"` or `"gradient"`.
        what: &'static str,
        /// Component index (0 for the loss).
        index: usize,
        /// The value.
        value: f64,
    },
    /// The forward solve failed.
    #[error("trajectory {trajectory}: solve failed: {source}")]
    Solve {
        /// Index of the trajectory.
        trajectory: usize,
        /// The solver's error.
        source: SolveError,
    },
    /// The backward (adjoint) pass failed.
    #[error("trajectory {trajectory}: sensitivity failed: {source}")]
    Sensitivity {
        /// Index of the trajectory.
        trajectory: usize,
        /// The adjoint's error.
        source: SensitivityError,
    },
    /// A regularization term could not be evaluated on a trajectory.
    #[error("trajectory {trajectory}: regularizer failed: {source}")]
    Regularize {
        /// Index of the trajectory (sample) in its data set.
        trajectory: usize,
        /// What the regularizer reported.
        source: RegularizeError,
    },
    /// A trainable tableau could not be built, projected or penalised.
    #[error("trainable tableau: {0}")]
    Tableau(#[from] TrainableError),
    /// The optimizer (argmin) reported an error that is not one of ours.
    #[error("optimizer error: {0}")]
    Optimizer(String),
    /// Training stopped at iteration `iter` because evaluating the objective failed; `params`
    /// are the last parameters whose loss and gradient were finite (the starting point if the
    /// very first evaluation failed).
    #[error("training stopped at iteration {iter}: {source}")]
    Stopped {
        /// Iteration (0-based) whose evaluation failed.
        iter: u64,
        /// The last good parameters.
        params: Vec<f64>,
        /// What failed.
        source: Box<TrainError>,
    },
}

/// Check that a vector has the expected length.
pub(crate) fn check_len(what: &'static str, expected: usize, got: usize) -> Result<(), TrainError> {
    if expected == got {
        Ok(())
    } else {
        Err(TrainError::ParamLength {
            what,
            expected,
            got,
        })
    }
}

/// Check that a loss value and its gradient are finite.
pub(crate) fn check_finite(loss: f64, grad: &[f64]) -> Result<(), TrainError> {
    if !loss.is_finite() {
        return Err(TrainError::NonFinite {
            what: "loss",
            index: 0,
            value: loss,
        });
    }
    if let Some(index) = grad.iter().position(|g| !g.is_finite()) {
        return Err(TrainError::NonFinite {
            what: "gradient",
            index,
            value: grad[index],
        });
    }
    Ok(())
}

/// Map an error of [`crate::sensitivity::gradient`] on trajectory `k` to ours: the loss's own
/// error, a failed forward solve, or a failed adjoint.
pub(crate) fn gradient_error(k: usize, e: GradientError<TrainError>) -> TrainError {
    match e {
        GradientError::Loss(e) => e,
        GradientError::Sensitivity(SensitivityError::Solve(source)) => TrainError::Solve {
            trajectory: k,
            source,
        },
        GradientError::Sensitivity(source) => TrainError::Sensitivity {
            trajectory: k,
            source,
        },
    }
}
