//! [`AdNlp`]: an [`Nlp`] written once as formulas over [`Ad`], with exact derivatives and
//! sparsity structures derived from the formulas by automatic differentiation.

use super::ad::{hidx, Ad, MAXN};
use crate::nlp::Nlp;

/// Objective formula.
pub(crate) type ObjFn = fn(&[Ad]) -> Ad;
/// Constraint formulas, writing `m` values.
pub(crate) type ConFn = fn(&[Ad], &mut [Ad]);

/// The data of a small problem: sizes, bounds, start and formulas.
pub(crate) struct Def {
    /// Variable lower bounds (length n ≤ [`MAXN`]).
    pub x_l: Vec<f64>,
    /// Variable upper bounds.
    pub x_u: Vec<f64>,
    /// Constraint lower bounds (length m).
    pub g_l: Vec<f64>,
    /// Constraint upper bounds.
    pub g_u: Vec<f64>,
    /// Starting point.
    pub x0: Vec<f64>,
    /// Objective.
    pub f: ObjFn,
    /// Constraints.
    pub g: ConFn,
}

/// A small problem from a [`Def`], with exact derivatives by automatic differentiation.
pub(crate) struct AdNlp {
    def: Def,
    n: usize,
    m: usize,
    jac: Vec<(usize, usize)>,
    hess: Vec<(usize, usize)>,
}

/// Constraint function of an unconstrained or bound-constrained problem.
pub(crate) fn no_constraints(_x: &[Ad], _g: &mut [Ad]) {}

/// `n` unbounded variables' bounds.
pub(crate) fn free(n: usize) -> (Vec<f64>, Vec<f64>) {
    (vec![f64::NEG_INFINITY; n], vec![f64::INFINITY; n])
}

/// Bounds vector of `n` entries equal to `v`.
pub(crate) fn fill(n: usize, v: f64) -> Vec<f64> {
    vec![v; n]
}

impl AdNlp {
    /// Build the problem; the sparsity structures come from a pattern-mode evaluation.
    pub(crate) fn new(def: Def) -> Self {
        let n = def.x0.len().min(MAXN);
        let m = def.g_l.len();
        let x: Vec<Ad> = def
            .x0
            .iter()
            .take(n)
            .enumerate()
            .map(|(i, &v)| Ad::var(v, i, n, 2, true))
            .collect();
        let f = (def.f)(&x);
        let mut g = vec![Ad::cst(0.0); m];
        (def.g)(&x, &mut g);
        let mut jac = Vec::new();
        for (i, gi) in g.iter().enumerate() {
            for j in 0..n {
                if gi.g[j] != 0.0 {
                    jac.push((i, j));
                }
            }
        }
        let mut hess = Vec::new();
        for r in 0..n {
            for c in 0..=r {
                let k = hidx(r, c);
                if f.h[k] != 0.0 || g.iter().any(|gi| gi.h[k] != 0.0) {
                    hess.push((r, c));
                }
            }
        }
        AdNlp {
            def,
            n,
            m,
            jac,
            hess,
        }
    }

    /// The point as AD variables; empty (so evaluations give NaN) if its length is wrong.
    fn lift(&self, x: &[f64], order: u8) -> Vec<Ad> {
        if x.len() != self.n {
            return Vec::new();
        }
        x.iter()
            .enumerate()
            .map(|(i, &v)| Ad::var(v, i, self.n, order, false))
            .collect()
    }

    /// Constraint values; NaN if `x` has the wrong length (the callbacks must not panic).
    fn cons(&self, x: &[Ad]) -> Vec<Ad> {
        if x.len() == self.n {
            let mut g = vec![Ad::cst(0.0); self.m];
            (self.def.g)(x, &mut g);
            g
        } else {
            vec![Ad::nan(); self.m]
        }
    }

    /// Objective; NaN if `x` has the wrong length (the callbacks must not panic).
    fn obj(&self, x: &[Ad]) -> Ad {
        if x.len() == self.n {
            (self.def.f)(x)
        } else {
            Ad::nan()
        }
    }
}

impl Nlp for AdNlp {
    fn num_vars(&self) -> usize {
        self.n
    }
    fn num_cons(&self) -> usize {
        self.m
    }
    fn bounds(&self, x_l: &mut [f64], x_u: &mut [f64], g_l: &mut [f64], g_u: &mut [f64]) {
        for (d, s) in x_l.iter_mut().zip(&self.def.x_l) {
            *d = *s;
        }
        for (d, s) in x_u.iter_mut().zip(&self.def.x_u) {
            *d = *s;
        }
        for (d, s) in g_l.iter_mut().zip(&self.def.g_l) {
            *d = *s;
        }
        for (d, s) in g_u.iter_mut().zip(&self.def.g_u) {
            *d = *s;
        }
    }
    fn initial_point(&self, x: &mut [f64]) {
        for (d, s) in x.iter_mut().zip(&self.def.x0) {
            *d = *s;
        }
    }
    fn objective(&self, x: &[f64]) -> f64 {
        self.obj(&self.lift(x, 0)).v
    }
    fn gradient(&self, x: &[f64], grad: &mut [f64]) {
        let f = self.obj(&self.lift(x, 1));
        for (d, s) in grad.iter_mut().zip(&f.g) {
            *d = *s;
        }
    }
    fn constraints(&self, x: &[f64], g: &mut [f64]) {
        let c = self.cons(&self.lift(x, 0));
        for (d, s) in g.iter_mut().zip(&c) {
            *d = s.v;
        }
    }
    fn jacobian_structure(&self) -> Vec<(usize, usize)> {
        self.jac.clone()
    }
    fn jacobian_values(&self, x: &[f64], vals: &mut [f64]) {
        let c = self.cons(&self.lift(x, 1));
        for (d, &(i, j)) in vals.iter_mut().zip(&self.jac) {
            *d = c[i].g[j];
        }
    }
    fn hessian_structure(&self) -> Option<Vec<(usize, usize)>> {
        Some(self.hess.clone())
    }
    fn hessian_values(&self, x: &[f64], obj_factor: f64, lambda: &[f64], vals: &mut [f64]) {
        let xa = self.lift(x, 2);
        let f = self.obj(&xa);
        let c = self.cons(&xa);
        for (d, &(r, col)) in vals.iter_mut().zip(&self.hess) {
            let k = hidx(r, col);
            let mut s = obj_factor * f.h[k];
            for (ci, li) in c.iter().zip(lambda) {
                s += li * ci.h[k];
            }
            *d = s;
        }
    }
}
