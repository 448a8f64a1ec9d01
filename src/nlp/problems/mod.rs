//! Classic nonlinear-programming test problems with published solutions, for testing and
//! benchmarking the interior-point solver independently of any ODE code.
//!
//! * Hock & Schittkowski (1981), "Test Examples for Nonlinear Programming Codes", Lecture Notes
//!   in Economics and Mathematical Systems 187, Springer: a selection of problems covering
//!   bounds, equalities and inequalities ([`all`] lists them as `"hs001"`, `"hs071"`, ...).
//! * Rosenbrock's function in chained form, `n = 2, 10, 100`, and an extended (pairwise) form
//!   with an active upper bound and an analytic optimum.
//! * Problems that are infeasible or unbounded, to test the solver's failure detection.
//! * [`optimal_control`]: a discretized linear–quadratic optimal-control problem of any size,
//!   banded and sparse, whose optimum is computed by a Riccati recursion, and
//!   [`optimal_control_nonlinear`], its companion with cubic dynamics (optimum by differential
//!   dynamic programming).
//!
//! Every problem supplies exact first and second derivatives: the small ones by the dense
//! forward-mode automatic differentiation in `ad` (exact chain rules, no finite differences),
//! the large ones by hand-written formulas.

mod ad;
mod hs_001_015;
mod hs_021_048;
mod hs_051_100;
mod hs_106_118;
mod lq_control;
mod nl_control;
mod pathological;
mod rosenbrock;
mod smooth;

use super::Nlp;

pub use lq_control::optimal_control;
pub use nl_control::optimal_control_nonlinear;

/// What a correct solver should report on a [`TestProblem`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// A (local) optimum exists; `f_opt` holds its published objective value.
    Optimal,
    /// The constraints cannot all be satisfied.
    Infeasible,
    /// The objective is unbounded below on the feasible set.
    Unbounded,
}

/// A test problem with its published solution, so solver tests can compare against it.
pub struct TestProblem {
    /// Short identifier, e.g. `"hs071"` or `"rosenbrock_10"`.
    pub name: &'static str,
    /// The problem itself, with exact derivatives.
    pub nlp: Box<dyn Nlp + Send + Sync>,
    /// Optimal objective value: the published one, or for constructed problems the value of
    /// an analytic derivation or a solver-independent direct method (`source` says which);
    /// `None` for infeasible or unbounded problems.
    pub f_opt: Option<f64>,
    /// An optimal point (as published, i.e. rounded to about 7 digits, or computed), where
    /// known. Some problems have several optimal points (hs008, hs009, hs108), so solver tests
    /// should compare objective values and feasibility rather than points.
    pub x_opt: Option<Vec<f64>>,
    /// IPOPT's iteration count (default options, from the given start) from a published log,
    /// `None` if none was found. Known: HS071, 8 iterations (IPOPT log in the Pyomo
    /// documentation, `doc/OnlineDocs/pyomo_modeling_components/Suffixes.rst`, warm-start
    /// example, "Without Warmstart").
    pub ipopt_iters: Option<usize>,
    /// What a correct solver reports.
    pub expect: Expect,
    /// Citation for the problem data and its solution.
    pub source: &'static str,
}

impl TestProblem {
    /// An optimal problem with published data and no known IPOPT iteration count.
    pub(crate) fn optimal(
        name: &'static str,
        nlp: Box<dyn Nlp + Send + Sync>,
        f_opt: f64,
        x_opt: Option<Vec<f64>>,
        source: &'static str,
    ) -> Self {
        TestProblem {
            name,
            nlp,
            f_opt: Some(f_opt),
            x_opt,
            ipopt_iters: None,
            expect: Expect::Optimal,
            source,
        }
    }

    /// Record IPOPT's published iteration count.
    pub(crate) fn with_ipopt_iters(mut self, iters: usize) -> Self {
        self.ipopt_iters = Some(iters);
        self
    }
}

/// Every fixed-size problem of the collection (all but [`optimal_control`] and
/// [`optimal_control_nonlinear`]), in a fixed order.
pub fn all() -> Vec<TestProblem> {
    let mut v = Vec::new();
    v.extend(hs_001_015::problems());
    v.extend(hs_021_048::problems());
    v.extend(hs_051_100::problems());
    v.extend(hs_106_118::problems());
    v.extend(rosenbrock::problems());
    v.extend(pathological::problems());
    v
}

/// The problem of [`all`] called `name`, if any.
pub fn by_name(name: &str) -> Option<TestProblem> {
    all().into_iter().find(|p| p.name == name)
}
