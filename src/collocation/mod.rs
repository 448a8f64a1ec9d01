//! Simultaneous (collocation) training of neural ODEs (SCIENCE.md §3).
//!
//! The trajectory is discretized by global spectral collocation ([`Nodes`]); node states and
//! network weights become the variables of one nonlinear program ([`CollocationNlp`]) whose
//! equality constraints are the ODE at the nodes. Any [`crate::nlp::Nlp`] solver can solve it.
//!
//! * [`nodes`]: Chebyshev (second kind), Legendre–Gauss–Radau and –Lobatto nodes, barycentric
//!   weights, the differentiation matrix and barycentric interpolation.
//! * [`problem`]: the NLP with exact sparse Jacobian and exact Hessian of the Lagrangian.
//! * [`hessian`]: the second-order backward pass through a one-hidden-layer MLP.
//! * [`smoother`]: Epanechnikov kernel smoothing for the starting states.
//! * [`residual`]: the ODE residual between the nodes of a solution.
//! * [`data`]: the forced Van der Pol case-study data file.
//! * [`admm`]: consensus ADMM across batches, each its own collocation NLP, solved in parallel.

pub mod admm;
pub mod data;
pub mod error;
pub mod hessian;
pub mod nodes;
pub mod problem;
pub mod residual;
pub mod smoother;

pub use admm::{
    Admm, AdmmConfig, AdmmError, AdmmIteration, AdmmResult, JointNlp, ResidualBalancing,
};
pub use data::VdpData;
pub use error::CollocationError;
pub use hessian::mlp_lagrangian_hessian;
pub use nodes::{NodeKind, Nodes};
pub use problem::{CollocationConfig, CollocationNlp, HessianMode};
pub use residual::{between_node_residual, OdeResidual};
pub use smoother::{default_bandwidth, epanechnikov_smooth};
