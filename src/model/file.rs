//! [`Model`]: load, save and predict.

use super::error::ModelError;
use super::spec::{Coefficients, Scaling, SolverSpec};
use super::MAX_DIM;
use super::TRAINABLE;
use crate::nn::{Activation, Mlp};
use crate::report::write_atomic;
use crate::{solve_at, SolveError, State, Trajectory};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The `format` tag of model files.
pub const FORMAT_TAG: &str = "nodal-model";
/// The model-file version this build writes and reads.
pub const FORMAT_VERSION: u64 = 1;

/// How the model was trained (informational; not needed to predict).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainingSummary {
    /// Optimizer iterations performed (Adam and L-BFGS).
    pub iterations: u64,
    /// Final training loss (MSE in scaled units).
    pub loss: f64,
    /// Final validation loss (MSE in scaled units), if there was a validation set.
    pub validation_loss: Option<f64>,
    /// Where the data came from.
    pub data: String,
    /// Wall-clock training time in seconds.
    pub seconds: f64,
    /// `|Σb − 1|` of a trained tableau after its last projection (absent for presets).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sum_b_residual: Option<f64>,
}

/// A trained neural ODE: `dz/dt = f_θ(t, z)` on scaled states, with its solver.
#[derive(Clone, Debug)]
pub struct Model {
    /// The vector field (`d_in = d_out =` number of states).
    pub network: Mlp<f64>,
    /// Name of the time column of the data.
    pub time_name: String,
    /// Names of the states (their number is the dimension).
    pub state_names: Vec<String>,
    /// The integrator.
    pub solver: SolverSpec,
    /// Data scaling (see [`Scaling`]).
    pub scaling: Scaling,
    /// Training record, if any.
    pub training: Option<TrainingSummary>,
}

/// A forecast: states (data units) at the requested times.
#[derive(Clone, Debug, PartialEq)]
pub struct Prediction {
    /// The times, as requested.
    pub times: Vec<f64>,
    /// `states[i]`: the state at `times[i]`.
    pub states: Vec<Vec<f64>>,
    /// Vector-field evaluations of the solve.
    pub nfe: usize,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct NetworkFile {
    widths: Vec<usize>,
    hidden_activation: Activation,
    output_activation: Activation,
    time_input: bool,
    n_params: usize,
    params: Vec<f64>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ModelFile {
    format: String,
    version: u64,
    nodal_version: String,
    time_name: String,
    state_names: Vec<String>,
    network: NetworkFile,
    solver: SolverSpec,
    tableau: Coefficients,
    scaling: Scaling,
    training: Option<TrainingSummary>,
}

#[derive(Deserialize)]
struct Header {
    format: String,
    version: u64,
    nodal_version: Option<String>,
}

impl Model {
    /// Number of states.
    pub fn dim(&self) -> usize {
        self.state_names.len()
    }

    /// Check that the parts agree: network widths `[D, ..., D]`, scaling of length `D`,
    /// `D ≤ MAX_DIM`, a known method with valid step options.
    ///
    /// # Errors
    /// [`ModelError::TooManyStates`], [`ModelError::Inconsistent`], and the errors of
    /// [`SolverSpec::validate`] and [`Scaling::validate`].
    pub fn validate(&self) -> Result<(), ModelError> {
        let d = self.dim();
        if d == 0 || d > MAX_DIM {
            return Err(ModelError::TooManyStates {
                got: d,
                max: MAX_DIM,
            });
        }
        for (what, got) in [
            ("network input width", self.network.d_in()),
            ("network output width", self.network.d_out()),
        ] {
            if got != d {
                return Err(ModelError::Inconsistent {
                    what,
                    expected: d,
                    got,
                });
            }
        }
        self.solver.validate()?;
        self.scaling.validate(d)
    }

    /// The model as pretty-printed JSON (format in the [module docs](super)).
    ///
    /// # Errors
    /// [`ModelError::Network`] for non-finite parameters, and [`Model::validate`]'s errors.
    pub fn to_json_string(&self) -> Result<String, ModelError> {
        self.validate()?;
        let net = &self.network;
        if let Some((index, &value)) = net
            .params()
            .iter()
            .enumerate()
            .find(|(_, p)| !p.is_finite())
        {
            return Err(crate::nn::NnError::NonFinite { index, value }.into());
        }
        let tableau = match &self.solver.tableau {
            Some(coef) if self.solver.method == TRAINABLE => coef.clone(),
            _ => crate::with_preset!(self.solver.method.as_str(), tab => Coefficients::of(&tab))
                .ok_or_else(|| ModelError::UnknownMethod {
                    name: self.solver.method.clone(),
                    known: super::METHODS.join(", "),
                })?,
        };
        let file = ModelFile {
            format: FORMAT_TAG.into(),
            version: FORMAT_VERSION,
            nodal_version: env!("CARGO_PKG_VERSION").into(),
            time_name: self.time_name.clone(),
            state_names: self.state_names.clone(),
            network: NetworkFile {
                widths: net.widths().to_vec(),
                hidden_activation: net.hidden_activation(),
                output_activation: net.output_activation(),
                time_input: net.time_input(),
                n_params: net.n_params(),
                params: net.params().to_vec(),
            },
            solver: self.solver.clone(),
            tableau,
            scaling: self.scaling.clone(),
            training: self.training.clone(),
        };
        serde_json::to_string_pretty(&file).map_err(|e| ModelError::Json {
            path: "(model being saved)".into(),
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        })
    }

    /// Write the model to `path` atomically (temporary file, then rename).
    ///
    /// # Errors
    /// As [`Model::to_json_string`], and [`ModelError::Write`] with the path.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<(), ModelError> {
        let text = self.to_json_string()?;
        Ok(write_atomic(path.as_ref(), text.as_bytes())?)
    }

    /// Parse a model from JSON text; `path` names it in errors.
    ///
    /// # Errors
    /// [`ModelError::Json`] with line and column, [`ModelError::WrongFormat`],
    /// [`ModelError::Version`] for another format version, [`ModelError::Network`] (e.g. a
    /// parameter count that does not match the widths), [`ModelError::Inconsistent`] (also
    /// when `n_params` disagrees with the parameters), and [`Model::validate`]'s errors.
    pub fn from_json_str(text: &str, path: &Path) -> Result<Self, ModelError> {
        let json = |e: serde_json::Error| ModelError::Json {
            path: path.to_path_buf(),
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        };
        let h: Header = serde_json::from_str(text).map_err(json)?;
        if h.format != FORMAT_TAG {
            return Err(ModelError::WrongFormat {
                path: path.to_path_buf(),
                found: h.format,
                expected: FORMAT_TAG,
            });
        }
        if h.version != FORMAT_VERSION {
            return Err(ModelError::Version {
                path: path.to_path_buf(),
                found: h.version,
                written_by: h.nodal_version.unwrap_or_else(|| "?".into()),
                supported: FORMAT_VERSION,
                this: env!("CARGO_PKG_VERSION"),
            });
        }
        let f: ModelFile = serde_json::from_str(text).map_err(json)?;
        let n = f.network;
        if n.n_params != n.params.len() {
            return Err(ModelError::Inconsistent {
                what: "network.params (vs network.n_params)",
                expected: n.n_params,
                got: n.params.len(),
            });
        }
        let network = Mlp::from_parts(
            n.widths,
            n.hidden_activation,
            n.output_activation,
            n.time_input,
            n.params,
        )?;
        let mut solver = f.solver;
        if solver.method == TRAINABLE {
            solver.tableau = Some(f.tableau);
        }
        let m = Model {
            network,
            time_name: f.time_name,
            state_names: f.state_names,
            solver,
            scaling: f.scaling,
            training: f.training,
        };
        m.validate()?;
        Ok(m)
    }

    /// Read a model file written by [`Model::save`] (or `nodal train`).
    ///
    /// # Errors
    /// [`ModelError::Io`] with the path, and everything [`Model::from_json_str`] reports.
    pub fn load(path: impl AsRef<Path>) -> Result<Self, ModelError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| ModelError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_json_str(&text, path)
    }

    /// Integrate the model from `y0` (data units, one entry per state) at time `t0` and
    /// return the states at `times` (non-decreasing, ≥ `t0`; may include `t0`).
    ///
    /// # Errors
    /// [`ModelError::Y0Length`], [`ModelError::Solve`] (bad save times, step-count limit,
    /// non-finite state), and [`Model::validate`]'s errors.
    pub fn predict(&self, t0: f64, y0: &[f64], times: &[f64]) -> Result<Prediction, ModelError> {
        self.validate()?;
        if y0.len() != self.dim() {
            return Err(ModelError::Y0Length {
                expected: self.dim(),
                got: y0.len(),
                names: self.state_names.join(", "),
            });
        }
        let z0 = self.scaling.to_model(y0);
        let stepping = self.solver.stepping();
        let run = crate::with_dim!(self.dim(), D => {
            let field = self.network.clone().into_field::<D>()?;
            let z0 = State::<D>::from_column_slice(&z0);
            let solve = |tr: Result<Trajectory<D>, SolveError>| {
                tr.map(|tr| (tr.y.iter().map(|z| z.as_slice().to_vec()).collect::<Vec<_>>(), tr.stats.nfe))
                    .map_err(ModelError::from)
            };
            match &self.solver.tableau {
                Some(coef) if self.solver.method == TRAINABLE => {
                    crate::with_stages!(coef.stages(), S => {
                        coef.to_tableau::<S>()
                            .and_then(|tab| solve(solve_at(&tab, &field, t0, z0, times, &stepping)))
                    })
                }
                _ => crate::with_preset!(self.solver.method.as_str(), tab => {
                    solve(solve_at(&tab, &field, t0, z0, times, &stepping))
                }),
            }
        });
        // `validate` guarantees the dimension and the method are supported.
        let (zs, nfe) = match run {
            Some(Some(r)) => r?,
            _ => {
                return Err(ModelError::TooManyStates {
                    got: self.dim(),
                    max: MAX_DIM,
                })
            }
        };
        Ok(Prediction {
            times: times.to_vec(),
            states: zs.iter().map(|z| self.scaling.to_data(z)).collect(),
            nfe,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::SteppingSpec;
    use crate::{solve_at, Tableau};

    fn model() -> Model {
        Model {
            network: Mlp::builder(&[2, 5, 2]).seed(4).build().unwrap(),
            time_name: "t".into(),
            state_names: vec!["x".into(), "v".into()],
            solver: SolverSpec {
                method: "tsit5".into(),
                stepping: SteppingSpec::Adaptive {
                    rtol: 1e-8,
                    atol: 1e-10,
                    max_steps: 10_000,
                },
                tableau: None,
            },
            scaling: Scaling {
                mean: vec![1.0, -2.0],
                scale: vec![2.0, 0.5],
            },
            training: None,
        }
    }

    #[test]
    fn json_round_trip_is_exact_and_predict_undoes_the_scaling() {
        let m = model();
        let text = m.to_json_string().unwrap();
        let back = Model::from_json_str(&text, Path::new("m.json")).unwrap();
        let bits = |m: &Model| {
            m.network
                .params()
                .iter()
                .map(|p| p.to_bits())
                .collect::<Vec<_>>()
        };
        assert_eq!(bits(&back), bits(&m));
        let times = [0.0, 0.5, 1.0];
        let p = back.predict(0.0, &[3.0, -1.0], &times).unwrap();
        // By hand: z0 = ((3 − 1)/2, (−1 + 2)/0.5) = (1, 2), solve, y = mean + scale·z.
        let f = m.network.clone().into_field::<2>().unwrap();
        let tr = solve_at(
            &Tableau::<7>::tsit5(),
            &f,
            0.0,
            State::<2>::new(1.0, 2.0),
            &times,
            &m.solver.stepping(),
        )
        .unwrap();
        for (y, z) in p.states.iter().zip(&tr.y) {
            assert_eq!(y[0], 1.0 + 2.0 * z[0]);
            assert_eq!(y[1], -2.0 + 0.5 * z[1]);
        }
        assert_eq!(p.nfe, tr.stats.nfe);
        assert!(matches!(
            m.predict(0.0, &[1.0], &times),
            Err(ModelError::Y0Length {
                expected: 2,
                got: 1,
                ..
            })
        ));
    }
}
