//! Errors of the trainable-solver experiments (`trk_stability`, `trk_forecast`).

use crate::report::ReportError;
use crate::sensitivity::{GradientError, SensitivityError};
use crate::train::TrainError;
use crate::trainable::TrainableError;
use crate::SolveError;
use thiserror::Error;

/// Why a trainable-solver experiment could not run or write its results.
#[derive(Debug, Error)]
pub enum TrkError {
    /// A configuration value is out of range.
    #[error("invalid configuration: {name} = {value} (expected {expected})")]
    Config {
        /// The field.
        name: &'static str,
        /// Its value.
        value: f64,
        /// What it must be.
        expected: &'static str,
    },
    /// A reference or evaluation solve failed.
    #[error(transparent)]
    Solve(#[from] SolveError),
    /// The discrete adjoint failed.
    #[error(transparent)]
    Sensitivity(#[from] SensitivityError),
    /// Tableau parameterisation, projection or penalty failed.
    #[error(transparent)]
    Trainable(#[from] TrainableError),
    /// Training failed.
    #[error(transparent)]
    Train(#[from] TrainError),
    /// The sparse-regression baseline failed.
    #[error(transparent)]
    Sindy(#[from] crate::sindy::SindyError),
    /// Building the neural field failed.
    #[error(transparent)]
    Nn(#[from] crate::nn::NnError),
    /// Stability analysis of a learned tableau failed.
    #[error(transparent)]
    Stability(#[from] crate::tableau::stability::StabilityError),
    /// Writing a table failed.
    #[error(transparent)]
    Report(#[from] ReportError),
    /// Writing a plot failed.
    #[cfg(feature = "plot")]
    #[error(transparent)]
    Plot(#[from] crate::trainable::plot::PlotError),
}

/// An adjoint gradient whose loss callback cannot fail (`Infallible`) fails only in the
/// sensitivity pass.
impl From<GradientError<std::convert::Infallible>> for TrkError {
    fn from(e: GradientError<std::convert::Infallible>) -> Self {
        match e {
            GradientError::Sensitivity(s) => TrkError::Sensitivity(s),
            GradientError::Loss(never) => match never {},
        }
    }
}

/// `Ok` if `value` is finite and > 0, else [`TrkError::Config`].
pub(crate) fn positive(name: &'static str, value: f64) -> Result<(), TrkError> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(TrkError::Config {
            name,
            value,
            expected: "finite and > 0",
        })
    }
}

/// `Ok` if `n ≥ 1`, else [`TrkError::Config`].
pub(crate) fn at_least_one(name: &'static str, n: usize) -> Result<(), TrkError> {
    if n >= 1 {
        Ok(())
    } else {
        Err(TrkError::Config {
            name,
            value: n as f64,
            expected: "≥ 1",
        })
    }
}
