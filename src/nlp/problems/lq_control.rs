//! A discretized linear–quadratic optimal-control problem of any size: the sparse benchmark.
//!
//! ```text
//!   minimize   h Σ_{k=0}^{N-1} (x_k² + u_k²) + q x_N²
//!   subject to x_{k+1} = x_k + h (a x_k + b u_k),   k = 0, …, N-1,   x_0 fixed,
//! ```
//!
//! (explicit Euler for `ẋ = a x + b u` on `[0, T]`, `h = T/N`) with `T = 2`, `a = 1` (unstable
//! without control), `b = 1`, `q = 10`, `x_0 = 1`. The `2N` variables are interleaved as
//! `z = (u_0, x_1, u_1, x_2, …, u_{N-1}, x_N)`, so the constraint Jacobian is banded (three
//! entries a row) and the Hessian of the Lagrangian is diagonal.
//!
//! The optimum is computed in the constructor by the backward Riccati recursion of discrete
//! LQ control, a direct method independent of any NLP solver: with `A = 1 + h a`, `B = h b`,
//! `P_N = q`, `P_k = h + A² P_{k+1} - (A B P_{k+1})² / (h + B² P_{k+1})`, the optimal feedback
//! is `u_k = -A B P_{k+1} x_k / (h + B² P_{k+1})` and the optimal value `P_0 x_0²`.

use super::{Expect, TestProblem};
use crate::nlp::Nlp;

const T_END: f64 = 2.0;
const A_COEF: f64 = 1.0;
const B_COEF: f64 = 1.0;
const Q_TERM: f64 = 10.0;
const X0: f64 = 1.0;

/// The discretized problem with `n_steps` steps.
struct LqControl {
    n_steps: usize,
    h: f64,
    a: f64,
    b: f64,
}

impl LqControl {
    fn new(n_steps: usize) -> Self {
        let h = T_END / n_steps as f64;
        LqControl {
            n_steps,
            h,
            a: 1.0 + h * A_COEF,
            b: h * B_COEF,
        }
    }

    /// `x_k` from the variables (`x_0` is the fixed initial state).
    fn state(&self, z: &[f64], k: usize) -> f64 {
        if k == 0 {
            X0
        } else {
            z.get(2 * k - 1).copied().unwrap_or(f64::NAN)
        }
    }

    /// Optimal objective and variables by the Riccati recursion (see the module docs).
    fn riccati(&self) -> (f64, Vec<f64>) {
        let n = self.n_steps;
        let (h, a, b) = (self.h, self.a, self.b);
        let mut p = vec![0.0; n + 1];
        p[n] = Q_TERM;
        let mut gain = vec![0.0; n];
        for k in (0..n).rev() {
            let s = h + b * b * p[k + 1];
            gain[k] = a * b * p[k + 1] / s;
            p[k] = h + a * a * p[k + 1] - (a * b * p[k + 1]).powi(2) / s;
        }
        let mut z = vec![0.0; 2 * n];
        let mut x = X0;
        for k in 0..n {
            let u = -gain[k] * x;
            x = a * x + b * u;
            z[2 * k] = u;
            z[2 * k + 1] = x;
        }
        (p[0] * X0 * X0, z)
    }
}

impl Nlp for LqControl {
    fn num_vars(&self) -> usize {
        2 * self.n_steps
    }
    fn num_cons(&self) -> usize {
        self.n_steps
    }
    fn bounds(&self, x_l: &mut [f64], x_u: &mut [f64], g_l: &mut [f64], g_u: &mut [f64]) {
        x_l.iter_mut().for_each(|v| *v = f64::NEG_INFINITY);
        x_u.iter_mut().for_each(|v| *v = f64::INFINITY);
        g_l.iter_mut().for_each(|v| *v = 0.0);
        g_u.iter_mut().for_each(|v| *v = 0.0);
    }
    /// Zero controls and the uncontrolled trajectory's first state everywhere (`x_k = x_0`).
    fn initial_point(&self, z: &mut [f64]) {
        for (i, v) in z.iter_mut().enumerate() {
            *v = if i % 2 == 0 { 0.0 } else { X0 };
        }
    }
    fn objective(&self, z: &[f64]) -> f64 {
        let n = self.n_steps;
        if z.len() != 2 * n {
            return f64::NAN;
        }
        let mut f = 0.0;
        for k in 0..n {
            let x = self.state(z, k);
            let u = z.get(2 * k).copied().unwrap_or(f64::NAN);
            f += self.h * (x * x + u * u);
        }
        let xn = self.state(z, n);
        f + Q_TERM * xn * xn
    }
    fn gradient(&self, z: &[f64], grad: &mut [f64]) {
        let n = self.n_steps;
        for (i, gi) in grad.iter_mut().enumerate().take(2 * n) {
            let v = z.get(i).copied().unwrap_or(f64::NAN);
            let w = if i == 2 * n - 1 { Q_TERM } else { self.h };
            *gi = 2.0 * w * v;
        }
    }
    /// Row k: `x_{k+1} - A x_k - B u_k`.
    fn constraints(&self, z: &[f64], g: &mut [f64]) {
        for (k, gk) in g.iter_mut().enumerate().take(self.n_steps) {
            let u = z.get(2 * k).copied().unwrap_or(f64::NAN);
            *gk = self.state(z, k + 1) - self.a * self.state(z, k) - self.b * u;
        }
    }
    /// Row k: `(k, u_k)`, `(k, x_{k+1})`, and `(k, x_k)` for `k >= 1`.
    fn jacobian_structure(&self) -> Vec<(usize, usize)> {
        let mut s = Vec::with_capacity(3 * self.n_steps);
        for k in 0..self.n_steps {
            if k >= 1 {
                s.push((k, 2 * k - 1));
            }
            s.push((k, 2 * k));
            s.push((k, 2 * k + 1));
        }
        s
    }
    fn jacobian_values(&self, _z: &[f64], vals: &mut [f64]) {
        let mut it = vals.iter_mut();
        for k in 0..self.n_steps {
            let row: &[f64] = if k >= 1 {
                &[-self.a, -self.b, 1.0]
            } else {
                &[-self.b, 1.0]
            };
            for &v in row {
                if let Some(d) = it.next() {
                    *d = v;
                }
            }
        }
    }
    fn hessian_structure(&self) -> Option<Vec<(usize, usize)>> {
        Some((0..2 * self.n_steps).map(|i| (i, i)).collect())
    }
    fn hessian_values(&self, _z: &[f64], obj_factor: f64, _lambda: &[f64], vals: &mut [f64]) {
        let n = self.n_steps;
        for (i, v) in vals.iter_mut().enumerate().take(2 * n) {
            let w = if i == 2 * n - 1 { Q_TERM } else { self.h };
            *v = 2.0 * w * obj_factor;
        }
    }
}

/// The linear–quadratic optimal-control problem with `n_steps` Euler steps (`2·n_steps`
/// variables, `n_steps` equality constraints; `n_steps = 0` is treated as 1), for benchmarking
/// the sparse path. `f_opt` and `x_opt` come from the Riccati recursion (module docs).
pub fn optimal_control(n_steps: usize) -> TestProblem {
    let p = LqControl::new(n_steps.max(1));
    let (f_opt, x_opt) = p.riccati();
    TestProblem {
        name: "optimal_control",
        nlp: Box::new(p),
        f_opt: Some(f_opt),
        x_opt: Some(x_opt),
        ipopt_iters: None,
        expect: Expect::Optimal,
        source: "constructed: Euler-discretized scalar LQ regulator; optimum by the discrete \
                 Riccati recursion (e.g. Anderson & Moore, Optimal Control, 1990, ch. 2)",
    }
}
