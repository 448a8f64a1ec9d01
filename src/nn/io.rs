//! Saving and loading an [`Mlp<f64>`](Mlp) as JSON.
//!
//! File format (version [`FORMAT_VERSION`]):
//! ```json
//! { "format": "nodal-mlp", "version": 1, "widths": [2, 32, 2],
//!   "hidden_activation": "tanh", "output_activation": "identity",
//!   "time_input": false, "params": [ ... ] }
//! ```
//! `params` uses the layout documented on [`Mlp`]. Floats are written with the shortest
//! representation that round-trips and parsed with `serde_json`'s `float_roundtrip` feature, so
//! every `f64` comes back bit-exact.

use super::activation::Activation;
use super::error::NnError;
use super::mlp::Mlp;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The `format` tag of a model file.
pub const FORMAT_TAG: &str = "nodal-mlp";
/// The model-file version this build writes and reads.
pub const FORMAT_VERSION: u64 = 1;

#[derive(Serialize)]
struct FileOut<'a> {
    format: &'static str,
    version: u64,
    widths: &'a [usize],
    hidden_activation: Activation,
    output_activation: Activation,
    time_input: bool,
    params: &'a [f64],
}

/// Only the header, read first so a newer file reports its version, not a missing field.
#[derive(Deserialize)]
struct Header {
    format: String,
    version: u64,
}

#[derive(Deserialize)]
struct FileIn {
    widths: Vec<usize>,
    hidden_activation: Activation,
    output_activation: Activation,
    time_input: bool,
    params: Vec<f64>,
}

impl Mlp<f64> {
    /// The model as a pretty-printed JSON string (format in the [module docs](self)).
    ///
    /// Errors: [`NnError::NonFinite`] if some parameter is NaN or infinite (JSON has no such
    /// numbers; a diverged model should not be saved silently as `null`).
    pub fn to_json_string(&self) -> Result<String, NnError> {
        if let Some((index, &value)) = self.params.iter().enumerate().find(|(_, p)| !p.is_finite())
        {
            return Err(NnError::NonFinite { index, value });
        }
        let file = FileOut {
            format: FORMAT_TAG,
            version: FORMAT_VERSION,
            widths: &self.widths,
            hidden_activation: self.hidden_activation,
            output_activation: self.output_activation,
            time_input: self.time_input,
            params: &self.params,
        };
        Ok(serde_json::to_string_pretty(&file)?)
    }

    /// Parse a model from a JSON string written by [`to_json_string`](Self::to_json_string).
    ///
    /// Errors: [`NnError::Json`] (with line and column) for malformed JSON or missing fields,
    /// [`NnError::WrongFormat`], [`NnError::Version`], and the architecture errors of
    /// [`MlpBuilder`](super::MlpBuilder) including [`NnError::ParamLength`] when the parameter
    /// count does not match the widths.
    pub fn from_json_str(s: &str) -> Result<Self, NnError> {
        let header: Header = serde_json::from_str(s)?;
        if header.format != FORMAT_TAG {
            return Err(NnError::WrongFormat {
                found: header.format,
                expected: FORMAT_TAG,
            });
        }
        if header.version != FORMAT_VERSION {
            return Err(NnError::Version {
                found: header.version,
                supported: FORMAT_VERSION,
            });
        }
        let f: FileIn = serde_json::from_str(s)?;
        Mlp::from_parts(
            f.widths,
            f.hidden_activation,
            f.output_activation,
            f.time_input,
            f.params,
        )
    }

    /// Write the model to `path` (created or replaced). The file is written next to `path`
    /// under a temporary name and then renamed, so a crash never leaves a half-written model.
    ///
    /// Errors: [`NnError::NonFinite`], [`NnError::Io`] with the path.
    pub fn save_json(&self, path: impl AsRef<Path>) -> Result<(), NnError> {
        let path = path.as_ref();
        let text = self.to_json_string()?;
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(".tmp");
        let io_err = |source| NnError::Io {
            path: path.to_path_buf(),
            source,
        };
        std::fs::write(&tmp, text).map_err(io_err)?;
        std::fs::rename(&tmp, path).map_err(|e| {
            // Best effort: do not leave the temporary file behind.
            let _ = std::fs::remove_file(&tmp);
            io_err(e)
        })
    }

    /// Read a model from `path`.
    ///
    /// Errors: [`NnError::Io`] with the path (a missing file has kind `NotFound`), and
    /// everything [`from_json_str`](Self::from_json_str) reports.
    pub fn load_json(path: impl AsRef<Path>) -> Result<Self, NnError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| NnError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_json_str(&text)
    }
}
