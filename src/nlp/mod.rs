//! Nonlinear programming: the [`Nlp`] problem trait and a primal–dual interior-point solver in
//! the manner of IPOPT (Wächter & Biegler 2006). Knows nothing of ODEs.

mod problem;
pub mod problems;

pub use problem::Nlp;
