//! Trainable explicit Runge–Kutta tableaus (SCIENCE §1, Ouala et al.).
//!
//! A [`TrainableTableau<S>`](TrainableTableau) holds the free parameters φ of an explicit
//! `S`-stage method and maps them to a [`Tableau`](crate::Tableau):
//!
//! * **Parameterisation (row sums).** `c₁ = 0`; the nodes `c₂..c_S` are free, the entries
//!   `a_ij` with `1 ≤ j < i` (0-based column index ≥ 1) are free, and the first column is
//!   derived, `a_i0 = c_i − Σ_{j≥1} a_ij`, so every row satisfies `Σ_j a_ij = c_i` exactly and
//!   the method is consistent in `t`. The weights `b` are free.
//! * **Projection.** After every optimizer step, [`TrainableTableau::project`] moves `b` to the
//!   Euclidean-nearest point satisfying the order conditions that are linear in `b` for fixed
//!   `A` (order 1: `Σb = 1`; order 2: `bᵀc = 1/2`; order 3: `bᵀc² = 1/3`, `bᵀAc = 1/6`),
//!   and reports the residuals.
//! * **Gradients.** [`TrainableTableau::grad_from_tableau`] maps `∂L/∂(A, b, c)` (from a
//!   discrete adjoint or dual numbers) to `∂L/∂φ` by the chain rule through the
//!   parameterisation. [`stability_penalty`] is the penalty
//!   `mean(max(0, |R(w)| − 1)²)` over user-chosen sample points with its analytic gradient in
//!   `(A, b)`.
//! * **Reports.** [`report`] gives achieved order, order-condition residuals, stability
//!   polynomial and real stability interval; `plot` (feature `plot`) draws stability regions.

mod error;
mod param;
mod penalty;
#[cfg(feature = "plot")]
pub mod plot;
mod project;
mod report;
mod samples;

pub use error::TrainableError;
pub use param::TrainableTableau;
pub use penalty::{stability_penalty, stability_penalty_value, StabilityPenalty};
pub use project::{project_weights, tangent_to_consistency, Projection, MAX_EXACT_ORDER};
pub use report::{report, TableauReport};
pub use samples::StabilitySamples;
