//! Problems without an optimum, to test that the solver detects infeasibility and
//! unboundedness instead of reporting a false solution. Constructed for this collection; the
//! reason each has no optimum is proved in its documentation.

use super::smooth::{fill, free, AdNlp, Def};
use super::{Expect, TestProblem};

const INF: f64 = f64::INFINITY;

fn without_optimum(
    name: &'static str,
    def: Def,
    expect: Expect,
    source: &'static str,
) -> TestProblem {
    TestProblem {
        name,
        nlp: Box::new(AdNlp::new(def)),
        f_opt: None,
        x_opt: None,
        ipopt_iters: None,
        expect,
        source,
    }
}

/// `x1 + x2 <= 1` and `x1 + x2 >= 2`: inconsistent linear constraints.
fn infeasible_linear() -> TestProblem {
    let def = Def {
        x_l: free(2).0,
        x_u: free(2).1,
        g_l: vec![-INF, 2.0],
        g_u: vec![1.0, INF],
        x0: vec![0.0, 0.0],
        f: |x| x[0].sq() + x[1].sq(),
        g: |x, g| {
            g[0] = x[0] + x[1];
            g[1] = x[0] + x[1];
        },
    };
    without_optimum(
        "infeasible_linear",
        def,
        Expect::Infeasible,
        "constructed: x1 + x2 <= 1 and x1 + x2 >= 2 cannot both hold",
    )
}

/// The unit disk and the half-plane `x1 + x2 >= 2` do not meet: on the disk
/// `x1 + x2 <= sqrt(2) < 2` (Cauchy–Schwarz).
fn infeasible_disk() -> TestProblem {
    let def = Def {
        x_l: free(2).0,
        x_u: free(2).1,
        g_l: vec![-INF, 2.0],
        g_u: vec![1.0, INF],
        x0: vec![0.5, 0.5],
        f: |x| (x[0] - 2.0).sq() + (x[1] + 1.0).sq(),
        g: |x, g| {
            g[0] = x[0].sq() + x[1].sq();
            g[1] = x[0] + x[1];
        },
    };
    without_optimum(
        "infeasible_disk",
        def,
        Expect::Infeasible,
        "constructed: x1^2 + x2^2 <= 1 implies x1 + x2 <= sqrt(2) < 2 (Cauchy-Schwarz)",
    )
}

/// `min -x1 - x2` s.t. `x1 - x2 <= 1`, `x >= 0`: the ray `x1 = x2 = t` is feasible and
/// `f = -2t → -∞`.
fn unbounded_linear() -> TestProblem {
    let def = Def {
        x_l: fill(2, 0.0),
        x_u: fill(2, INF),
        g_l: vec![-INF],
        g_u: vec![1.0],
        x0: vec![1.0, 1.0],
        f: |x| -x[0] - x[1],
        g: |x, g| g[0] = x[0] - x[1],
    };
    without_optimum(
        "unbounded_linear",
        def,
        Expect::Unbounded,
        "constructed: feasible ray x1 = x2 = t >= 0 with f = -2t",
    )
}

/// `min -x1 - x2` s.t. `x1² - x2 <= 0`: the curve `x2 = x1²`, `x1 = t >= 0` is feasible and
/// `f = -t - t² → -∞`.
fn unbounded_convex() -> TestProblem {
    let def = Def {
        x_l: free(2).0,
        x_u: free(2).1,
        g_l: vec![-INF],
        g_u: vec![0.0],
        x0: vec![0.0, 1.0],
        f: |x| -x[0] - x[1],
        g: |x, g| g[0] = x[0].sq() - x[1],
    };
    without_optimum(
        "unbounded_convex",
        def,
        Expect::Unbounded,
        "constructed: feasible curve x1 = t, x2 = t^2 with f = -t - t^2",
    )
}

/// The problems of this file.
pub(crate) fn problems() -> Vec<TestProblem> {
    vec![
        infeasible_linear(),
        infeasible_disk(),
        unbounded_linear(),
        unbounded_convex(),
    ]
}
