//! A discretized optimal-control problem with nonlinear (cubic) dynamics, the nonlinear
//! companion of [`optimal_control`](super::optimal_control):
//!
//! ```text
//!   minimize   h Σ_{k=0}^{N-1} (x_k² + u_k²) + q x_N²
//!   subject to x_{k+1} = x_k + h (a x_k + c x_k³ + b u_k),   k = 0, …, N-1,   x_0 fixed,
//! ```
//!
//! with `T = 2`, `h = T/N`, `a = 1`, `c = -1` (the uncontrolled flow `ẋ = x - x³` is attracted
//! to `x = 1`, the control must pull the state towards the unstable `x = 0`), `b = 1`,
//! `q = 10`, `x_0 = 1`. Variables are interleaved as `z = (u_0, x_1, …, u_{N-1}, x_N)`: the
//! Jacobian is banded and the Hessian of the Lagrangian diagonal, with multiplier-dependent
//! entries `-6 h c x_k λ_k`.
//!
//! The optimum is computed in the constructor by differential dynamic programming with exact
//! second derivatives (Mayne 1966; Jacobson & Mayne 1970), a stagewise Newton method on the
//! controls that is independent of any NLP solver; the tests check the KKT and second-order
//! conditions of the result with a dense factorization.

use super::{Expect, TestProblem};
use crate::nlp::Nlp;

const T_END: f64 = 2.0;
const A_COEF: f64 = 1.0;
const C_COEF: f64 = -1.0;
const B_COEF: f64 = 1.0;
const Q_TERM: f64 = 10.0;
const X0: f64 = 1.0;

/// The discretized problem with `n_steps` steps.
struct NlControl {
    n_steps: usize,
    h: f64,
}

impl NlControl {
    /// Dynamics `F(x, u)` and its derivatives `F_x`, `F_xx` (`F_u = h b`, the rest vanish).
    fn dyn_f(&self, x: f64, u: f64) -> (f64, f64, f64) {
        let h = self.h;
        (
            x + h * (A_COEF * x + C_COEF * x * x * x + B_COEF * u),
            1.0 + h * (A_COEF + 3.0 * C_COEF * x * x),
            6.0 * h * C_COEF * x,
        )
    }

    fn state(&self, z: &[f64], k: usize) -> f64 {
        if k == 0 {
            X0
        } else {
            z.get(2 * k - 1).copied().unwrap_or(f64::NAN)
        }
    }

    /// Cost and trajectory of the controls `u` from `x_0`.
    fn rollout(&self, u: &[f64]) -> (f64, Vec<f64>) {
        let mut xs = Vec::with_capacity(u.len() + 1);
        let mut x = X0;
        let mut cost = 0.0;
        xs.push(x);
        for &uk in u {
            cost += self.h * (x * x + uk * uk);
            x = self.dyn_f(x, uk).0;
            xs.push(x);
        }
        (cost + Q_TERM * x * x, xs)
    }

    /// Differential dynamic programming from `u = 0`; `None` if it does not converge.
    fn ddp(&self) -> Option<(f64, Vec<f64>)> {
        let (n, h) = (self.n_steps, self.h);
        let fu = h * B_COEF;
        let mut u = vec![0.0; n];
        let (mut cost, mut xs) = self.rollout(&u);
        let (mut kff, mut kfb) = (vec![0.0; n], vec![0.0; n]);
        for _ in 0..200 {
            // Backward pass with exact second-order terms and a Levenberg shift if needed.
            let mut shift = 0.0;
            'backward: loop {
                let (mut vx, mut vxx) = (2.0 * Q_TERM * xs[n], 2.0 * Q_TERM);
                for k in (0..n).rev() {
                    let (_, fx, fxx) = self.dyn_f(xs[k], u[k]);
                    let qx = 2.0 * h * xs[k] + fx * vx;
                    let qu = 2.0 * h * u[k] + fu * vx;
                    let qxx = 2.0 * h + fx * fx * vxx + vx * fxx;
                    let quu = 2.0 * h + fu * fu * vxx + shift;
                    let qux = fu * vxx * fx;
                    if quu <= 0.0 || !quu.is_finite() {
                        shift = if shift == 0.0 { 1e-6 } else { 10.0 * shift };
                        if shift > 1e6 {
                            return None;
                        }
                        continue 'backward;
                    }
                    kff[k] = -qu / quu;
                    kfb[k] = -qux / quu;
                    vx = qx - qux * qu / quu;
                    vxx = qxx - qux * qux / quu;
                }
                break;
            }
            let step = kff.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
            if step < 1e-11 {
                let z = (0..n).flat_map(|k| [u[k], xs[k + 1]]).collect();
                return Some((cost, z));
            }
            // Forward pass with a backtracking line search on the cost.
            let mut alpha = 1.0;
            loop {
                let mut un = vec![0.0; n];
                let mut x = X0;
                for k in 0..n {
                    un[k] = u[k] + alpha * kff[k] + kfb[k] * (x - xs[k]);
                    x = self.dyn_f(x, un[k]).0;
                }
                let (c, xn) = self.rollout(&un);
                if c.is_finite() && c <= cost + 1e-14 * cost.abs() {
                    (u, cost, xs) = (un, c, xn);
                    break;
                }
                alpha *= 0.5;
                if alpha < 1e-12 {
                    return None;
                }
            }
        }
        None
    }
}

impl Nlp for NlControl {
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
    /// Zero controls and `x_k = x_0` (infeasible for the nonlinear dynamics).
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
            let (x, u) = (self.state(z, k), z[2 * k]);
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
    /// Row k: `x_{k+1} - F(x_k, u_k)`.
    fn constraints(&self, z: &[f64], g: &mut [f64]) {
        for (k, gk) in g.iter_mut().enumerate().take(self.n_steps) {
            let u = z.get(2 * k).copied().unwrap_or(f64::NAN);
            *gk = self.state(z, k + 1) - self.dyn_f(self.state(z, k), u).0;
        }
    }
    /// Row k: `(k, x_k)` for `k >= 1`, `(k, u_k)`, `(k, x_{k+1})`.
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
    fn jacobian_values(&self, z: &[f64], vals: &mut [f64]) {
        let mut it = vals.iter_mut();
        let fu = self.h * B_COEF;
        for k in 0..self.n_steps {
            if k >= 1 {
                let fx = self.dyn_f(self.state(z, k), 0.0).1;
                if let Some(d) = it.next() {
                    *d = -fx;
                }
            }
            for v in [-fu, 1.0] {
                if let Some(d) = it.next() {
                    *d = v;
                }
            }
        }
    }
    fn hessian_structure(&self) -> Option<Vec<(usize, usize)>> {
        Some((0..2 * self.n_steps).map(|i| (i, i)).collect())
    }
    /// `2σh` for controls and states, `2σq` for `x_N`, and `-λ_k F_xx(x_k)` for `x_k`, k ≥ 1.
    fn hessian_values(&self, z: &[f64], obj_factor: f64, lambda: &[f64], vals: &mut [f64]) {
        let n = self.n_steps;
        for (i, v) in vals.iter_mut().enumerate().take(2 * n) {
            let w = if i == 2 * n - 1 { Q_TERM } else { self.h };
            *v = 2.0 * w * obj_factor;
            if i % 2 == 1 {
                // x_k with k = (i + 1) / 2 = ceil(i / 2) enters constraint k nonlinearly (if k < n).
                let k = i.div_ceil(2);
                if k < n {
                    let fxx = self.dyn_f(self.state(z, k), 0.0).2;
                    *v -= lambda.get(k).copied().unwrap_or(f64::NAN) * fxx;
                }
            }
        }
    }
}

/// The optimal-control problem with cubic dynamics and `n_steps` Euler steps (`2·n_steps`
/// variables, `n_steps` nonlinear equality constraints; `n_steps = 0` is treated as 1).
/// `f_opt` and `x_opt` come from differential dynamic programming (module docs); they are
/// `None` should that fail to converge.
pub fn optimal_control_nonlinear(n_steps: usize) -> TestProblem {
    let n_steps = n_steps.max(1);
    let p = NlControl {
        n_steps,
        h: T_END / n_steps as f64,
    };
    let sol = p.ddp();
    TestProblem {
        name: "optimal_control_nonlinear",
        f_opt: sol.as_ref().map(|s| s.0),
        x_opt: sol.map(|s| s.1),
        nlp: Box::new(p),
        ipopt_iters: None,
        expect: Expect::Optimal,
        source: "constructed: Euler-discretized scalar control problem with cubic dynamics; \
                 optimum by differential dynamic programming (Jacobson & Mayne, Differential \
                 Dynamic Programming, 1970)",
    }
}
