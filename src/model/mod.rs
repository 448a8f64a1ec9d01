//! Trained models as files: a neural vector field, the solver that integrates it, and the
//! data scaling, saved as JSON and loaded back for prediction.
//!
//! `nodal train` writes `model.json`; `nodal predict` and Rust code read it:
//!
//! ```no_run
//! use nodal::model::Model;
//! let model = Model::load("runs/vdp/model.json")?;
//! let times: Vec<f64> = (0..=100).map(|i| 0.1 * i as f64).collect();
//! let pred = model.predict(0.0, &[2.0, 0.0], &times)?;
//! println!("y(10) = {:?}, {} evaluations", pred.states[100], pred.nfe);
//! # Ok::<(), nodal::model::ModelError>(())
//! ```
//!
//! # File format (version [`FORMAT_VERSION`])
//! ```json
//! { "format": "nodal-model", "version": 1, "nodal_version": "0.1.0",
//!   "time_name": "t", "state_names": ["x", "v"],
//!   "network": { "widths": [2, 32, 2], "hidden_activation": "tanh",
//!                "output_activation": "identity", "time_input": false,
//!                "n_params": 162, "params": [ ... ] },
//!   "solver": { "method": "dopri5", "stepping": { "adaptive": { "rtol": 1e-6, "atol": 1e-8,
//!               "max_steps": 100000 } } },
//!   "tableau": { "a": [[...]], "b": [...], "c": [...] },
//!   "scaling": { "mean": [...], "scale": [...] },
//!   "training": { ... } }
//! ```
//! The network models the scaled state `z = (y − mean) / scale`: `dz/dt = f_θ(t, z)` (time is
//! not scaled). `tableau` records the preset's coefficients for readers of the file; loading
//! uses `solver.method`. A model trained with a trainable tableau (`nodal train` with
//! `[solver] trainable = {...}`) has `solver.method = "trainable"` ([`TRAINABLE`]), fixed
//! stepping, and its learned coefficients in `tableau`, which loading then uses
//! ([`SolverSpec::tableau`]). Floats round-trip bit for bit.

mod dispatch;
mod error;
mod file;
mod spec;

pub use error::ModelError;
pub use file::{Model, Prediction, TrainingSummary, FORMAT_TAG, FORMAT_VERSION};
pub use spec::{Coefficients, Scaling, SolverSpec, SteppingSpec};

/// Names of the Runge–Kutta presets a model may use (`solver.method`).
pub const METHODS: &[&str] = &[
    "euler", "midpoint", "heun", "ralston", "rk4", "rk38", "bs3", "dopri5", "tsit5", "dop853",
];

/// Largest state dimension a model file may have: the dimension is a const generic of the
/// solvers, so it is dispatched over `1..=MAX_DIM` at run time (see [`crate::with_dim`]).
pub const MAX_DIM: usize = 8;

/// `solver.method` of a model whose tableau was trained (its coefficients are in the file).
pub const TRAINABLE: &str = "trainable";

/// Fewest stages of a trained tableau (see [`crate::with_stages`]).
pub const MIN_STAGES: usize = 2;

/// Most stages of a trained tableau: the stage count is a const generic, dispatched over
/// `MIN_STAGES..=MAX_STAGES` at run time (see [`crate::with_stages`]).
pub const MAX_STAGES: usize = 10;
