//! Typed errors of the `nn` module.

use std::path::PathBuf;
use thiserror::Error;

/// Everything that can go wrong when building, evaluating, saving or loading an [`Mlp`](super::Mlp).
///
/// Each variant carries the numbers that explain it.
#[derive(Debug, Error)]
pub enum NnError {
    /// The width list `[d_in, h₁, …, d_out]` has fewer than two entries, so there is no layer.
    #[error("an MLP needs at least an input and an output width (got {got} widths, need >= 2)")]
    NoLayers {
        /// Number of widths given.
        got: usize,
    },
    /// A width is zero.
    #[error("width #{index} of the MLP is zero (widths are [d_in, hidden..., d_out])")]
    ZeroWidth {
        /// Position in the width list `[d_in, h₁, …, d_out]`.
        index: usize,
    },
    /// The parameter count of the architecture overflows `usize`.
    #[error("the parameter count overflows usize at layer {layer}")]
    TooLarge {
        /// Index of the dense layer where the count overflowed.
        layer: usize,
    },
    /// A parameter vector does not match the architecture.
    #[error("parameter vector has length {got}, the architecture needs {expected}")]
    ParamLength {
        /// Length the architecture requires.
        expected: usize,
        /// Length received.
        got: usize,
    },
    /// A runtime slice or const-generic dimension does not match the network.
    #[error("{what}: expected dimension {expected}, got {got}")]
    Dimension {
        /// Which argument (e.g. `"input y"`, `"output"`, `"const D vs d_in"`).
        what: &'static str,
        /// Dimension the network requires.
        expected: usize,
        /// Dimension received.
        got: usize,
    },
    /// A parameter is NaN or infinite, which JSON cannot represent.
    #[error("parameter #{index} is not finite ({value}); JSON cannot store it")]
    NonFinite {
        /// Index in the flat parameter vector.
        index: usize,
        /// The offending value.
        value: f64,
    },
    /// Reading or writing a model file failed (a missing file reports `NotFound` here).
    #[error("cannot access model file {}: {source}", path.display())]
    Io {
        /// The file involved.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The model file is not valid JSON or lacks a field.
    #[error("invalid model JSON at line {line}, column {column}: {message}")]
    Json {
        /// 1-based line reported by `serde_json` (0 if unknown).
        line: usize,
        /// 1-based column reported by `serde_json` (0 if unknown).
        column: usize,
        /// `serde_json`'s description.
        message: String,
    },
    /// The file is JSON but not a nodal MLP model (its `format` tag differs).
    #[error("not a nodal MLP model file: format tag is {found:?}, expected {expected:?}")]
    WrongFormat {
        /// The `format` tag found.
        found: String,
        /// The tag this version writes.
        expected: &'static str,
    },
    /// The model file was written by an unsupported format version.
    #[error(
        "model file format version {found} is not supported (this build reads version {supported})"
    )]
    Version {
        /// Version found in the file.
        found: u64,
        /// Version this build reads and writes.
        supported: u64,
    },
}

impl From<serde_json::Error> for NnError {
    fn from(e: serde_json::Error) -> Self {
        NnError::Json {
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        }
    }
}
