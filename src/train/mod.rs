//! Training neural ODEs by solving through the ODE ("sequential" training).
//!
//! * [`TimeSeries`]: observed trajectories with validation.
//! * [`loss`]: masked MSE on saved states and a softmax cross-entropy head, with exact
//!   gradients dL/dy(t_i) for the adjoint.
//! * [`Objective`]: the interface optimizers see (flat `Vec<f64>` parameters, mini-batches);
//!   [`Adam`] minimizes it with seeded batches; [`Lbfgs`] runs argmin's L-BFGS on any argmin
//!   `CostFunction + Gradient`.
//! * [`NodeProblem`]: fit a [`crate::ParamField`] to [`TimeSeries`] data through the solver,
//!   gradients by the discrete adjoint ([`crate::sensitivity`]), trajectories in parallel.
//!
//! Every random choice comes from a seeded `ChaCha8Rng`, so runs repeat bit for bit.

mod adam;
mod data;
mod error;
mod lbfgs;
pub mod loss;
mod node;
mod objective;

pub use adam::{Adam, AdamState};
pub use data::{validate_set, TimeSeries};
pub use error::TrainError;
pub use lbfgs::{Lbfgs, LineSearch};
pub use loss::{mse, squared_error, HeadGrad, LinearHead, LossGrad};
pub use node::NodeProblem;
pub use objective::{FullBatch, Objective, TrainObserver, TrainResult};
