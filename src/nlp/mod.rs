//! Nonlinear programming: the [`Nlp`] problem trait and a primal–dual interior-point solver in
//! the manner of IPOPT (Wächter & Biegler 2006). Knows nothing of ODEs.
//!
//! * [`InteriorPoint`] — the solver; [`Options`] — IPOPT-named options with IPOPT defaults;
//! * [`Solution`] / [`Status`] / [`InvalidProblem`] — results and typed failures;
//! * [`Observer`], [`IterInfo`], [`PrintObserver`] — the iteration log;
//! * [`linalg`] — dense Bunch–Kaufman and sparse LDLᵀ with inertia; [`Lbfgs`] — compact
//!   limited-memory BFGS.

// Index loops over several parallel arrays read more clearly in numerical code, and negated
// comparisons are deliberate where NaN must fall into the failure branch.
#![allow(clippy::needless_range_loop, clippy::neg_cmp_op_on_partial_ord)]

pub mod ipm;
pub mod lbfgs;
pub mod linalg;
pub mod observer;
pub mod options;
mod problem;
pub mod problems;
pub mod solution;

pub use ipm::InteriorPoint;
pub use lbfgs::Lbfgs;
pub use observer::{Control, IterInfo, IterateFn, NoObserver, Observer, PrintObserver};
pub use options::{HessianApproximation, LinearSolver, MuStrategy, Options, SparseMethod};
pub use problem::Nlp;
pub use solution::{Callback, InvalidProblem, Solution, Status};
