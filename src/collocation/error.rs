//! Typed errors of the `collocation` module.

use crate::nn::NnError;
use std::path::PathBuf;
use thiserror::Error;

/// Everything that can go wrong when building or using a collocation NLP or loading its data.
/// Each variant carries the numbers that explain it.
#[derive(Debug, Error)]
pub enum CollocationError {
    /// Fewer than two collocation nodes.
    #[error("collocation needs at least 2 nodes, got {got}")]
    TooFewNodes {
        /// Number of nodes requested.
        got: usize,
    },
    /// The time interval is empty, reversed or not finite.
    #[error("collocation interval [{t0}, {t1}] must be finite with t0 < t1")]
    BadInterval {
        /// Start time.
        t0: f64,
        /// End time.
        t1: f64,
    },
    /// A slice has the wrong length.
    #[error("{what}: expected length {expected}, got {got}")]
    Length {
        /// Which argument.
        what: &'static str,
        /// Length required.
        expected: usize,
        /// Length received.
        got: usize,
    },
    /// A number that must be finite and non-negative (or positive) is not.
    #[error("option {name} = {value} is invalid: {expected}")]
    InvalidOption {
        /// Option name.
        name: &'static str,
        /// Value given.
        value: f64,
        /// What is required.
        expected: &'static str,
    },
    /// The network does not map `ℝ^d → ℝ^d`.
    #[error("the network maps R^{d_in} -> R^{d_out}; a vector field needs d_in == d_out")]
    NotAVectorField {
        /// Input width.
        d_in: usize,
        /// Output width.
        d_out: usize,
    },
    /// Exact Hessians are implemented for one hidden layer with an identity output only.
    #[error(
        "exact Hessian needs an MLP with exactly one hidden layer and identity output \
         (got {hidden_layers} hidden layers, output activation {output:?}); \
         use HessianMode::QuasiNewton"
    )]
    UnsupportedHessian {
        /// Number of hidden layers of the network.
        hidden_layers: usize,
        /// Its output activation.
        output: crate::nn::Activation,
    },
    /// The kernel smoother found no data point inside a window.
    #[error("kernel smoother: no observation within bandwidth {bandwidth} of t = {t}")]
    EmptyWindow {
        /// Evaluation time.
        t: f64,
        /// Bandwidth used.
        bandwidth: f64,
    },
    /// An error from the network.
    #[error(transparent)]
    Nn(#[from] NnError),
    /// The data file cannot be read.
    #[error("cannot read data file {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Underlying error (`NotFound` for a missing file).
        #[source]
        source: std::io::Error,
    },
    /// The data file is not valid JSON.
    #[error("data file {} is not valid JSON (line {line}, column {column}): {message}", path.display())]
    Json {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// serde_json's message.
        message: String,
    },
    /// A required field is missing or has the wrong JSON type.
    #[error("data field {field:?} is missing or not {expected}")]
    Field {
        /// Field name.
        field: &'static str,
        /// The JSON shape expected.
        expected: &'static str,
    },
    /// Two fields that must have the same length do not.
    #[error("data field {field:?} has {got} rows, expected {expected} (the length of {other:?})")]
    Mismatch {
        /// The field with the wrong length.
        field: &'static str,
        /// Its length.
        got: usize,
        /// The length required.
        expected: usize,
        /// The field that fixes the length.
        other: &'static str,
    },
}
