//! What a solve returns: the point, the multipliers and a typed status.

use crate::nlp::options::LinearSolver;
use thiserror::Error;

/// Which user callback produced a non-finite value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Callback {
    /// [`crate::nlp::Nlp::initial_point`]
    InitialPoint,
    /// [`crate::nlp::Nlp::objective`]
    Objective,
    /// [`crate::nlp::Nlp::gradient`]
    Gradient,
    /// [`crate::nlp::Nlp::constraints`]
    Constraints,
    /// [`crate::nlp::Nlp::jacobian_values`]
    Jacobian,
    /// [`crate::nlp::Nlp::hessian_values`]
    Hessian,
    /// [`crate::nlp::Nlp::bounds`] (a NaN bound)
    Bounds,
}

/// Why a problem was rejected before the first iteration.
#[derive(Clone, Debug, PartialEq, Error)]
pub enum InvalidProblem {
    /// A callback returned NaN or ±∞ at the (bound-pushed) start point.
    #[error("callback {callback:?} returned the non-finite value {value} at entry {index} of the start point")]
    NonFinite {
        /// The callback.
        callback: Callback,
        /// The entry of its output.
        index: usize,
        /// The value it returned.
        value: f64,
    },
    /// `x_l[index] > x_u[index]` (or a lower bound of +∞ / upper bound of −∞).
    #[error("variable bounds inconsistent at {index}: x_l = {lower} > x_u = {upper}")]
    InconsistentVariableBounds {
        /// Variable index.
        index: usize,
        /// Lower bound.
        lower: f64,
        /// Upper bound.
        upper: f64,
    },
    /// `g_l[index] > g_u[index]` (or a lower bound of +∞ / upper bound of −∞).
    #[error("constraint bounds inconsistent at {index}: g_l = {lower} > g_u = {upper}")]
    InconsistentConstraintBounds {
        /// Constraint index.
        index: usize,
        /// Lower bound.
        lower: f64,
        /// Upper bound.
        upper: f64,
    },
    /// A Jacobian structure entry outside `m × n`.
    #[error("Jacobian entry {entry} = ({row}, {col}) out of range for m = {m}, n = {n}")]
    JacobianIndexOutOfRange {
        /// Position in the structure list.
        entry: usize,
        /// Its row.
        row: usize,
        /// Its column.
        col: usize,
        /// Number of constraints.
        m: usize,
        /// Number of variables.
        n: usize,
    },
    /// A Hessian structure entry outside `n × n`.
    #[error("Hessian entry {entry} = ({row}, {col}) out of range for n = {n}")]
    HessianIndexOutOfRange {
        /// Position in the structure list.
        entry: usize,
        /// Its row.
        row: usize,
        /// Its column.
        col: usize,
        /// Number of variables.
        n: usize,
    },
    /// A Hessian structure entry in the strict upper triangle (`row < col`).
    #[error("Hessian entry {entry} = ({row}, {col}) is in the upper triangle; give row >= col")]
    HessianUpperTriangle {
        /// Position in the structure list.
        entry: usize,
        /// Its row.
        row: usize,
        /// Its column.
        col: usize,
    },
}

/// How a solve ended.
#[derive(Clone, Debug, PartialEq)]
pub enum Status {
    /// The scaled optimality error is below `tol` and the unscaled tolerances hold.
    Solved,
    /// `acceptable_iter` consecutive iterates met the acceptable tolerances (or an iteration
    /// limit / failure happened at an acceptable point).
    SolvedToAcceptableLevel,
    /// `max_iter` iterations without convergence.
    MaxIterations,
    /// The feasibility restoration phase converged to a stationary point of the constraint
    /// violation that is not feasible: the problem is (locally) infeasible.
    LocallyInfeasible,
    /// ‖x‖∞ exceeded `diverging_iterates_tol`: the problem is probably unbounded below.
    DivergingIterates,
    /// The line search failed and the restoration phase could not find a better point.
    RestorationFailed,
    /// The observer returned [`Control::Stop`](crate::nlp::Control::Stop); `x` is the
    /// iterate at that point (the last regular-phase iterate if it stopped during
    /// restoration).
    UserStop,
    /// The problem was rejected before the first iteration.
    InvalidProblem(InvalidProblem),
}

/// Result of [`crate::nlp::InteriorPoint::solve`], in the user's (unscaled) units.
///
/// Multiplier signs follow IPOPT: `∇f(x) + ∇g(x)ᵀλ − z_l + z_u = 0` at a KKT point, with
/// `z_l, z_u ≥ 0` (zero for infinite bounds).
#[derive(Clone, Debug)]
pub struct Solution {
    /// Final primal point (length n).
    pub x: Vec<f64>,
    /// Constraint multipliers λ (length m).
    pub lambda: Vec<f64>,
    /// Lower-bound multipliers (length n).
    pub z_l: Vec<f64>,
    /// Upper-bound multipliers (length n).
    pub z_u: Vec<f64>,
    /// `f(x)`.
    pub objective: f64,
    /// Maximum violation of `g_l ≤ g(x) ≤ g_u` and `x_l ≤ x ≤ x_u` (unscaled).
    pub constr_viol: f64,
    /// Unscaled dual infeasibility ‖∇f + ∇gᵀλ − z_l + z_u‖∞.
    pub dual_inf: f64,
    /// Number of iterations (restoration iterations included).
    pub iterations: usize,
    /// Final barrier parameter.
    pub mu: f64,
    /// How the solve ended.
    pub status: Status,
    /// The factorization actually used for the KKT systems ([`LinearSolver::Dense`] or
    /// [`LinearSolver::Sparse`]; `Auto` resolved, and `Dense` if the sparse analysis failed).
    pub linear_solver: LinearSolver,
    /// Numeric factorizations of the KKT matrix in the main phase (inertia-correction
    /// retries and the multiplier estimate included; restoration phase not counted). The
    /// per-iteration cost of a large solve is roughly this times one factorization.
    pub factorizations: usize,
}

impl Solution {
    /// An empty solution carrying only a status (used for invalid problems).
    pub(crate) fn invalid(n: usize, m: usize, reason: InvalidProblem) -> Self {
        Self {
            x: vec![f64::NAN; n],
            lambda: vec![0.0; m],
            z_l: vec![0.0; n],
            z_u: vec![0.0; n],
            objective: f64::NAN,
            constr_viol: f64::NAN,
            dual_inf: f64::NAN,
            iterations: 0,
            mu: f64::NAN,
            status: Status::InvalidProblem(reason),
            linear_solver: LinearSolver::Dense,
            factorizations: 0,
        }
    }
}
