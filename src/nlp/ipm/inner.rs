//! The internal problem form every solver stage works on:
//!
//! ```text
//!   minimize f(w)  subject to  c(w) = 0,  l ≤ w ≤ u
//! ```
//!
//! [`Scaled`] turns a user [`Nlp`] into it: `w = (x, s)` with one slack per inequality row
//! (`c_i = d_i g_i(x) − s_k`, `d_i g_L ≤ s_k ≤ d_i g_U`), equality rows `c_i = d_i (g_i(x) − g_L)`,
//! gradient-based scaling `d_f`, `d_i` (IPOPT's `nlp_scaling_method gradient-based`) and
//! bounds relaxed by `bound_relax_factor`.

use crate::nlp::options::Options;
use crate::nlp::Nlp;
use std::cell::RefCell;

/// The internal problem form (see the module docs).
pub(crate) trait Inner {
    /// Number of variables `w`.
    fn n(&self) -> usize;
    /// Number of equality constraints.
    fn m(&self) -> usize;
    /// Leading variables that carry curvature (an L-BFGS approximation acts on these only).
    fn n_curv(&self) -> usize;
    /// Lower bounds (may be −∞).
    fn lower(&self) -> &[f64];
    /// Upper bounds (may be +∞).
    fn upper(&self) -> &[f64];
    /// Objective.
    fn f(&self, w: &[f64]) -> f64;
    /// Gradient.
    fn grad(&self, w: &[f64], g: &mut [f64]);
    /// Constraint residuals.
    fn cons(&self, w: &[f64], c: &mut [f64]);
    /// Jacobian pattern (rows, cols).
    fn jac_pattern(&self) -> (&[usize], &[usize]);
    /// Jacobian values.
    fn jac_values(&self, w: &[f64], v: &mut [f64]);
    /// Lower-triangle Hessian pattern, `None` if no exact Hessian.
    fn hess_pattern(&self) -> Option<(&[usize], &[usize])>;
    /// Values of `σ∇²f + Σ y_i ∇²c_i`.
    fn hess_values(&self, w: &[f64], sigma: f64, y: &[f64], v: &mut [f64]);
    /// Unscaled constraint violation ‖c‖∞ in user units.
    fn viol_unscaled(&self, c: &[f64]) -> f64 {
        c.iter().fold(0.0, |a, v| a.max(v.abs()))
    }
    /// The objective scaling factor `d_f` (1 if unscaled).
    fn obj_scale(&self) -> f64 {
        1.0
    }
    /// `m` dependent variables for the reduced-space KKT factorization (see
    /// [`Nlp::dependent_variables`]), `None` if there is no such split.
    fn dependent(&self) -> Option<&[usize]> {
        None
    }
}

/// A user problem with slacks, scaling and relaxed bounds.
pub(crate) struct Scaled<'a> {
    pub nlp: &'a dyn Nlp,
    pub nx: usize,
    pub m: usize,
    pub obj_scale: f64,
    pub con_scale: Vec<f64>,
    /// Slack index (into w, ≥ nx) of each inequality row; `None` for equalities.
    pub slack: Vec<Option<usize>>,
    /// Equality right-hand sides g_L (unscaled).
    pub rhs: Vec<f64>,
    pub lower: Vec<f64>,
    pub upper: Vec<f64>,
    pub g_l: Vec<f64>,
    pub g_u: Vec<f64>,
    pub x_l: Vec<f64>,
    pub x_u: Vec<f64>,
    jrows: Vec<usize>,
    jcols: Vec<usize>,
    nj_user: usize,
    hrows: Vec<usize>,
    hcols: Vec<usize>,
    has_hess: bool,
    gbuf: RefCell<Vec<f64>>,
    lbuf: RefCell<Vec<f64>>,
    /// The user's dependent variables, kept only if the problem has no slacks.
    dependent: Option<Vec<usize>>,
}

impl<'a> Scaled<'a> {
    /// Builds the internal form. `jac`/`hess` are the validated user structures; `x0` is the
    /// user start point at which the scaling factors are computed.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        nlp: &'a dyn Nlp,
        opt: &Options,
        x_l: Vec<f64>,
        x_u: Vec<f64>,
        g_l: Vec<f64>,
        g_u: Vec<f64>,
        jac: &[(usize, usize)],
        hess: Option<&[(usize, usize)]>,
        x0: &[f64],
    ) -> Self {
        let nx = x_l.len();
        let m = g_l.len();
        // gradient-based scaling at x0
        let mut grad = vec![0.0; nx];
        nlp.gradient(x0, &mut grad);
        let gmax = grad.iter().fold(0.0f64, |a, v| a.max(v.abs()));
        let smin = opt.nlp_scaling_min_value;
        let maxg = opt.nlp_scaling_max_gradient;
        let obj_scale = if gmax > maxg {
            (maxg / gmax).max(smin)
        } else {
            1.0
        };
        let mut jv = vec![0.0; jac.len()];
        nlp.jacobian_values(x0, &mut jv);
        let mut rowmax = vec![0.0f64; m];
        for (k, &(r, _)) in jac.iter().enumerate() {
            if jv[k].is_finite() {
                rowmax[r] = rowmax[r].max(jv[k].abs());
            }
        }
        let con_scale: Vec<f64> = rowmax
            .iter()
            .map(|&g| if g > maxg { (maxg / g).max(smin) } else { 1.0 })
            .collect();
        let relax = |b: f64, sign: f64| {
            if b.is_finite() {
                b + sign * opt.bound_relax_factor * b.abs().max(1.0)
            } else {
                b
            }
        };
        let mut lower: Vec<f64> = x_l.iter().map(|&b| relax(b, -1.0)).collect();
        let mut upper: Vec<f64> = x_u.iter().map(|&b| relax(b, 1.0)).collect();
        let mut slack = vec![None; m];
        let mut rhs = vec![0.0; m];
        let mut jrows: Vec<usize> = jac.iter().map(|e| e.0).collect();
        let mut jcols: Vec<usize> = jac.iter().map(|e| e.1).collect();
        for i in 0..m {
            if g_l[i] == g_u[i] {
                rhs[i] = g_l[i];
            } else {
                let k = lower.len();
                slack[i] = Some(k);
                lower.push(relax(con_scale[i] * g_l[i], -1.0));
                upper.push(relax(con_scale[i] * g_u[i], 1.0));
                jrows.push(i);
                jcols.push(k);
            }
        }
        let (hrows, hcols) = match hess {
            Some(h) => (
                h.iter().map(|e| e.0).collect(),
                h.iter().map(|e| e.1).collect(),
            ),
            None => (Vec::new(), Vec::new()),
        };
        Self {
            nlp,
            nx,
            m,
            obj_scale,
            con_scale,
            rhs,
            lower,
            upper,
            g_l,
            g_u,
            x_l,
            x_u,
            jrows,
            jcols,
            nj_user: jac.len(),
            hrows,
            hcols,
            has_hess: hess.is_some(),
            gbuf: RefCell::new(vec![0.0; m]),
            lbuf: RefCell::new(vec![0.0; m]),
            dependent: nlp
                .dependent_variables()
                .filter(|_| slack.iter().all(Option::is_none)),
            slack,
        }
    }

    /// Unscaled constraint multipliers λ from internal ones.
    pub fn unscale_lambda(&self, y: &[f64]) -> Vec<f64> {
        (0..self.m)
            .map(|i| y[i] * self.con_scale[i] / self.obj_scale)
            .collect()
    }
}

impl Inner for Scaled<'_> {
    fn n(&self) -> usize {
        self.lower.len()
    }
    fn m(&self) -> usize {
        self.m
    }
    fn n_curv(&self) -> usize {
        self.nx
    }
    fn lower(&self) -> &[f64] {
        &self.lower
    }
    fn upper(&self) -> &[f64] {
        &self.upper
    }
    fn f(&self, w: &[f64]) -> f64 {
        self.obj_scale * self.nlp.objective(&w[..self.nx])
    }
    fn grad(&self, w: &[f64], g: &mut [f64]) {
        self.nlp.gradient(&w[..self.nx], &mut g[..self.nx]);
        for v in &mut g[..self.nx] {
            *v *= self.obj_scale;
        }
        for v in &mut g[self.nx..] {
            *v = 0.0;
        }
    }
    fn cons(&self, w: &[f64], c: &mut [f64]) {
        let mut g = self.gbuf.borrow_mut();
        self.nlp.constraints(&w[..self.nx], &mut g);
        for i in 0..self.m {
            c[i] = match self.slack[i] {
                Some(k) => self.con_scale[i] * g[i] - w[k],
                None => self.con_scale[i] * (g[i] - self.rhs[i]),
            };
        }
    }
    fn jac_pattern(&self) -> (&[usize], &[usize]) {
        (&self.jrows, &self.jcols)
    }
    fn viol_unscaled(&self, c: &[f64]) -> f64 {
        c.iter()
            .zip(&self.con_scale)
            .fold(0.0, |a, (v, d)| a.max(v.abs() / d))
    }
    fn obj_scale(&self) -> f64 {
        self.obj_scale
    }
    fn jac_values(&self, w: &[f64], v: &mut [f64]) {
        self.nlp
            .jacobian_values(&w[..self.nx], &mut v[..self.nj_user]);
        for k in 0..self.nj_user {
            v[k] *= self.con_scale[self.jrows[k]];
        }
        for x in &mut v[self.nj_user..] {
            *x = -1.0;
        }
    }
    fn dependent(&self) -> Option<&[usize]> {
        self.dependent.as_deref()
    }
    fn hess_pattern(&self) -> Option<(&[usize], &[usize])> {
        if self.has_hess {
            Some((&self.hrows, &self.hcols))
        } else {
            None
        }
    }
    fn hess_values(&self, w: &[f64], sigma: f64, y: &[f64], v: &mut [f64]) {
        let mut l = self.lbuf.borrow_mut();
        for i in 0..self.m {
            l[i] = y[i] * self.con_scale[i];
        }
        self.nlp
            .hessian_values(&w[..self.nx], sigma * self.obj_scale, &l, v);
    }
}
