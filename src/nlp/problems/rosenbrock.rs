//! Rosenbrock's function in `n` variables, with hand-written exact derivatives.
//!
//! * Chained form (`rosenbrock_n`): `f = Σ_{i<n-1} 100 (x_{i+1} - x_i²)² + (1 - x_i)²`, no
//!   bounds; the global minimum is 0 at all ones. For `n >= 4` the chained form also has a
//!   local minimum near `(-1, 1, …, 1)` (Kok & Sandrock 2009, "Locating and characterizing
//!   the stationary points of the extended Rosenbrock function", Evol. Comput. 17(3)); a
//!   solver may legitimately stop there. The larger sizes start at `x_i = i/(n+1)` (the start
//!   of CUTEst's GENROSE, all coordinates in (0, 1)) rather than at `(-1.2, 1, -1.2, …)`;
//!   `n = 2` uses the classical start `(-1.2, 1)`. From these starts a damped Newton method
//!   reaches the global minimum (`tests/nlp_problems.rs`).
//! * Extended (pairwise) form with an active bound (`rosenbrock_bounded_n`): `n/2` independent
//!   pairs `100 (x_{2k+1} - x_{2k}²)² + (1 - x_{2k})²` (Moré, Garbow & Hillstrom 1981,
//!   problem 21) with upper bounds `x_{2k} <= 1/2`. Derivation of the optimum: for fixed
//!   `x_{2k}` a pair is minimized by `x_{2k+1} = x_{2k}²`, leaving `(1 - x_{2k})²`, which
//!   decreases on `x_{2k} <= 1/2`; so `x_{2k} = 1/2`, `x_{2k+1} = 1/4`, each pair contributes
//!   `1/4` and `f* = n/8`. The bound multiplier is `-∂f/∂x_{2k} = 1 > 0` (strict
//!   complementarity). Start: `(-1.2, 1, -1.2, 1, …)`.

use super::TestProblem;
use crate::nlp::Nlp;

/// Sum of Rosenbrock terms `100 (x_{i+1} - x_i²)² + (1 - x_i)²` over `i ∈ terms`.
struct Rosenbrock {
    n: usize,
    terms: Vec<usize>,
    x_u: Vec<f64>,
    x0: Vec<f64>,
}

impl Rosenbrock {
    fn term_ok(&self, i: usize, x: &[f64]) -> bool {
        i + 1 < self.n && i + 1 < x.len()
    }
}

impl Nlp for Rosenbrock {
    fn num_vars(&self) -> usize {
        self.n
    }
    fn num_cons(&self) -> usize {
        0
    }
    fn bounds(&self, x_l: &mut [f64], x_u: &mut [f64], _g_l: &mut [f64], _g_u: &mut [f64]) {
        x_l.iter_mut().for_each(|v| *v = f64::NEG_INFINITY);
        for (d, s) in x_u.iter_mut().zip(&self.x_u) {
            *d = *s;
        }
    }
    fn initial_point(&self, x: &mut [f64]) {
        for (d, s) in x.iter_mut().zip(&self.x0) {
            *d = *s;
        }
    }
    fn objective(&self, x: &[f64]) -> f64 {
        if x.len() != self.n {
            return f64::NAN;
        }
        let mut f = 0.0;
        for &i in &self.terms {
            if self.term_ok(i, x) {
                let r = x[i + 1] - x[i] * x[i];
                f += 100.0 * r * r + (1.0 - x[i]) * (1.0 - x[i]);
            }
        }
        f
    }
    fn gradient(&self, x: &[f64], grad: &mut [f64]) {
        grad.iter_mut().for_each(|v| *v = 0.0);
        for &i in &self.terms {
            if self.term_ok(i, x) && i + 1 < grad.len() {
                let r = x[i + 1] - x[i] * x[i];
                grad[i] += -400.0 * x[i] * r - 2.0 * (1.0 - x[i]);
                grad[i + 1] += 200.0 * r;
            }
        }
    }
    fn constraints(&self, _x: &[f64], _g: &mut [f64]) {}
    fn jacobian_structure(&self) -> Vec<(usize, usize)> {
        Vec::new()
    }
    fn jacobian_values(&self, _x: &[f64], _vals: &mut [f64]) {}
    /// Diagonal entries `(k, k)` first, then `(i+1, i)` for each term `i`.
    fn hessian_structure(&self) -> Option<Vec<(usize, usize)>> {
        let mut s: Vec<(usize, usize)> = (0..self.n).map(|k| (k, k)).collect();
        s.extend(self.terms.iter().map(|&i| (i + 1, i)));
        Some(s)
    }
    fn hessian_values(&self, x: &[f64], obj_factor: f64, _lambda: &[f64], vals: &mut [f64]) {
        vals.iter_mut().for_each(|v| *v = 0.0);
        let n = self.n;
        for (t, &i) in self.terms.iter().enumerate() {
            if self.term_ok(i, x) && n + t < vals.len() {
                vals[i] += obj_factor * (1200.0 * x[i] * x[i] - 400.0 * x[i + 1] + 2.0);
                vals[i + 1] += obj_factor * 200.0;
                vals[n + t] = obj_factor * (-400.0 * x[i]);
            }
        }
    }
}

fn chained(name: &'static str, n: usize) -> TestProblem {
    let x0 = if n == 2 {
        vec![-1.2, 1.0]
    } else {
        (1..=n).map(|i| i as f64 / (n as f64 + 1.0)).collect()
    };
    let nlp = Rosenbrock {
        n,
        terms: (0..n - 1).collect(),
        x_u: vec![f64::INFINITY; n],
        x0,
    };
    TestProblem::optimal(
        name,
        Box::new(nlp),
        0.0,
        Some(vec![1.0; n]),
        "Rosenbrock (1960), chained form; global minimum 0 at all ones",
    )
}

fn bounded(name: &'static str, n: usize) -> TestProblem {
    let x_u = (0..n)
        .map(|k| if k % 2 == 0 { 0.5 } else { f64::INFINITY })
        .collect();
    let x0 = (0..n)
        .map(|k| if k % 2 == 0 { -1.2 } else { 1.0 })
        .collect();
    let x_opt = (0..n)
        .map(|k| if k % 2 == 0 { 0.5 } else { 0.25 })
        .collect();
    let nlp = Rosenbrock {
        n,
        terms: (0..n).step_by(2).collect(),
        x_u,
        x0,
    };
    TestProblem::optimal(
        name,
        Box::new(nlp),
        n as f64 / 8.0,
        Some(x_opt),
        "Extended Rosenbrock (Moré, Garbow & Hillstrom 1981, problem 21), first variable of each pair <= 1/2; \
         optimum derived analytically (see module docs)",
    )
}

/// The Rosenbrock problems.
pub(crate) fn problems() -> Vec<TestProblem> {
    vec![
        chained("rosenbrock_2", 2),
        chained("rosenbrock_10", 10),
        chained("rosenbrock_100", 100),
        bounded("rosenbrock_bounded_2", 2),
        bounded("rosenbrock_bounded_10", 10),
        bounded("rosenbrock_bounded_100", 100),
    ]
}
