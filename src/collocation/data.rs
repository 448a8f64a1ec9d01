//! The forced Van der Pol case-study data (`vdp_forced.json`, see SCIENCE.md §3).

use super::error::CollocationError;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The forced Van der Pol data set: training nodes with noisy and true states, and a test
/// stretch with true states only. States are `[y₀, y₁]`; times in the ODE's time unit.
#[derive(Clone, Debug, PartialEq)]
pub struct VdpData {
    /// Training times (200 Chebyshev second-kind nodes on [0, 15], ascending).
    pub t_nodes: Vec<f64>,
    /// Noise-free states at `t_nodes`.
    pub y_true: Vec<[f64; 2]>,
    /// Observations at `t_nodes` (truth plus Gaussian noise, σ = `noise_sigma`).
    pub y_noisy: Vec<[f64; 2]>,
    /// Test times (uniform on [15, 30]).
    pub t_test: Vec<f64>,
    /// Noise-free states at `t_test`.
    pub y_test_true: Vec<[f64; 2]>,
    /// Standard deviation of the observation noise.
    pub noise_sigma: f64,
    /// Van der Pol damping μ.
    pub mu: f64,
}

impl VdpData {
    /// Parse a JSON file with the fields `t_nodes`, `y_true`, `y_noisy`, `t_test`,
    /// `y_test_true` (arrays; states as `[a, b]` pairs), `noise_sigma` and `mu` (numbers).
    ///
    /// Errors: [`CollocationError::Io`] (with the path; `NotFound` for a missing file),
    /// [`CollocationError::Json`], [`CollocationError::Field`] for a missing or mistyped field,
    /// [`CollocationError::Mismatch`] when states and times differ in length.
    pub fn load(path: impl AsRef<Path>) -> Result<Self, CollocationError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| CollocationError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(&text).map_err(|e| match e {
            CollocationError::Json {
                line,
                column,
                message,
                ..
            } => CollocationError::Json {
                path: path.to_path_buf(),
                line,
                column,
                message,
            },
            other => other,
        })
    }

    /// Parse the JSON text (errors as in [`load`](Self::load), with an empty path).
    pub fn parse(text: &str) -> Result<Self, CollocationError> {
        let v: Value = serde_json::from_str(text).map_err(|e| CollocationError::Json {
            path: PathBuf::new(),
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        })?;
        let data = VdpData {
            t_nodes: vector(&v, "t_nodes")?,
            y_true: pairs(&v, "y_true")?,
            y_noisy: pairs(&v, "y_noisy")?,
            t_test: vector(&v, "t_test")?,
            y_test_true: pairs(&v, "y_test_true")?,
            noise_sigma: number(&v, "noise_sigma")?,
            mu: number(&v, "mu")?,
        };
        for (field, got) in [
            ("y_true", data.y_true.len()),
            ("y_noisy", data.y_noisy.len()),
        ] {
            if got != data.t_nodes.len() {
                return Err(CollocationError::Mismatch {
                    field,
                    got,
                    expected: data.t_nodes.len(),
                    other: "t_nodes",
                });
            }
        }
        if data.y_test_true.len() != data.t_test.len() {
            return Err(CollocationError::Mismatch {
                field: "y_test_true",
                got: data.y_test_true.len(),
                expected: data.t_test.len(),
                other: "t_test",
            });
        }
        Ok(data)
    }

    /// Load the copy shipped with the crate (`data/vdp_forced.json` under the crate root), or,
    /// if that is absent, `../shared/data/vdp_forced.json` beside the repository. Errors as in
    /// [`load`](Self::load), reporting the shipped path.
    pub fn load_default() -> Result<Self, CollocationError> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let shipped = root.join("data/vdp_forced.json");
        if shipped.exists() {
            return Self::load(shipped);
        }
        let shared = root.join("../shared/data/vdp_forced.json");
        if shared.exists() {
            return Self::load(shared);
        }
        Self::load(shipped)
    }

    /// Observations flattened row-major (`N × 2`), the layout the NLP takes.
    pub fn noisy_flat(&self) -> Vec<f64> {
        self.y_noisy.iter().flatten().copied().collect()
    }
}

fn number(v: &Value, field: &'static str) -> Result<f64, CollocationError> {
    v.get(field)
        .and_then(Value::as_f64)
        .ok_or(CollocationError::Field {
            field,
            expected: "a number",
        })
}

fn vector(v: &Value, field: &'static str) -> Result<Vec<f64>, CollocationError> {
    let err = || CollocationError::Field {
        field,
        expected: "an array of numbers",
    };
    let arr = v.get(field).and_then(Value::as_array).ok_or_else(err)?;
    arr.iter().map(|x| x.as_f64().ok_or_else(err)).collect()
}

fn pairs(v: &Value, field: &'static str) -> Result<Vec<[f64; 2]>, CollocationError> {
    let err = || CollocationError::Field {
        field,
        expected: "an array of [number, number] pairs",
    };
    let arr = v.get(field).and_then(Value::as_array).ok_or_else(err)?;
    arr.iter()
        .map(|row| match row.as_array().map(Vec::as_slice) {
            Some([a, b]) => Ok([a.as_f64().ok_or_else(err)?, b.as_f64().ok_or_else(err)?]),
            _ => Err(err()),
        })
        .collect()
}
