//! Typed errors of model files and prediction.

use crate::nn::NnError;
use crate::report::ReportError;
use crate::SolveError;
use std::path::PathBuf;
use thiserror::Error;

/// Why a model could not be loaded, saved or run.
#[derive(Debug, Error)]
pub enum ModelError {
    /// The file could not be read.
    #[error("cannot read model file `{}`: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating-system error.
        source: std::io::Error,
    },
    /// Writing the file failed.
    #[error(transparent)]
    Write(#[from] ReportError),
    /// The file is not valid JSON or lacks a field.
    #[error("{}:{line}:{column}: invalid model file: {message}", path.display())]
    Json {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// `serde_json`'s description.
        message: String,
    },
    /// The file is JSON but not a nodal model.
    #[error("`{}` is not a nodal model file: format tag {found:?}, expected {expected:?}", path.display())]
    WrongFormat {
        /// The file.
        path: PathBuf,
        /// The tag found.
        found: String,
        /// The tag this version reads.
        expected: &'static str,
    },
    /// The file was written by an incompatible version of the format.
    #[error("`{}` has model format version {found} (written by nodal {written_by}); this nodal {this} reads version {supported}", path.display())]
    Version {
        /// The file.
        path: PathBuf,
        /// Format version in the file.
        found: u64,
        /// The `nodal_version` in the file (`"?"` if absent).
        written_by: String,
        /// The version this build reads.
        supported: u64,
        /// This crate's version.
        this: &'static str,
    },
    /// The network in the file is invalid (wrong parameter count for its widths, zero width,
    /// non-finite parameter when saving, ...).
    #[error("model network: {0}")]
    Network(#[from] NnError),
    /// Two parts of the model disagree on a dimension.
    #[error("inconsistent model: {what} has {got} entries, expected {expected}")]
    Inconsistent {
        /// Which part.
        what: &'static str,
        /// Size required.
        expected: usize,
        /// Size found.
        got: usize,
    },
    /// The state dimension is above what the dispatch supports.
    #[error("the model has {got} states; at most {max} are supported")]
    TooManyStates {
        /// Dimension of the model.
        got: usize,
        /// [`super::MAX_DIM`].
        max: usize,
    },
    /// The solver names an unknown method.
    #[error("unknown method `{name}`; known methods: {known}")]
    UnknownMethod {
        /// The name given.
        name: String,
        /// Known names.
        known: String,
    },
    /// A solver option is out of range.
    #[error("invalid solver option {what}: {value}")]
    BadSolver {
        /// Which option and its range.
        what: &'static str,
        /// The value given.
        value: f64,
    },
    /// Adaptive stepping was asked of a method without an error estimate.
    #[error("method `{method}` has no embedded error estimate: use a fixed step h")]
    NeedsFixedStep {
        /// The method.
        method: String,
    },
    /// A scale is not finite and positive, or a mean not finite.
    #[error("invalid scaling of component {index}: {value}")]
    BadScaling {
        /// Component.
        index: usize,
        /// The value.
        value: f64,
    },
    /// The initial state has the wrong length.
    #[error("y0 has {got} components but the model has {expected} states ({names})")]
    Y0Length {
        /// States of the model.
        expected: usize,
        /// Components given.
        got: usize,
        /// State names, comma-separated.
        names: String,
    },
    /// A trained tableau (`solver.method = "trainable"`) that cannot be used: missing,
    /// stages out of range, or coefficients that are not an explicit, consistent tableau.
    #[error("trained tableau: {message}")]
    BadTableau {
        /// What is wrong, with the numbers.
        message: String,
    },
    /// The prediction's solve failed (including save times before `t0` or unsorted).
    #[error("prediction failed: {0}")]
    Solve(#[from] SolveError),
}
