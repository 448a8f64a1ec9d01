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
//! * [`TrkProblem`]: the same fit with a trainable `S`-stage tableau ([`crate::trainable`])
//!   trained jointly with θ, optionally with a stability penalty.
//! * [`Regularized`]: a [`NodeProblem`] plus a solver-heuristic regularizer
//!   ([`crate::regularize`]) with a weight schedule and seeded sampling.
//! * [`Cached`]: any [`Objective`] as an argmin problem for [`Lbfgs`].
//!
//! Every random choice comes from a seeded `ChaCha8Rng`, so runs repeat bit for bit.

mod adam;
mod data;
mod error;
mod lbfgs;
pub mod loss;
mod node;
mod objective;
mod regularized;
mod trk;

pub use adam::{Adam, AdamState};
pub use data::{validate_set, TimeSeries};
pub(crate) use error::check_len;
pub use error::TrainError;
pub use lbfgs::{Lbfgs, LineSearch};
pub use loss::{mse, squared_error, HeadGrad, LinearHead, LossGrad};
pub use node::NodeProblem;
pub use objective::{Cached, FullBatch, Objective, TrainObserver, TrainResult};
pub use regularized::{
    sample_gradient, sample_seed, RegKind, RegStats, RegTerm, Regularization, Regularized,
    SampleGrad, SampleSetup,
};
pub use trk::{pad_stages, StabilityTerm, TrkProblem};
