//! The interior-point iteration on an [`Inner`] problem: barrier subproblems, primal–dual
//! Newton steps from the KKT system, fraction-to-the-boundary rule, μ updates and the
//! termination tests. The line search lives in `line_search.rs`, the restoration phase in
//! `restoration.rs`.

use super::filter::Filter;
use super::inner::Inner;
use super::kkt::Kkt;
use crate::nlp::lbfgs::Lbfgs;
use crate::nlp::observer::{Control, IterInfo, Observer};
use crate::nlp::options::{HessianApproximation, LinearSolver, MuStrategy, Options};

/// Largest acceptable relative residual of a sparse Newton-step solve (after refinement).
const SOLVE_TOL: f64 = 1e-4;
/// s_max of the scaled optimality error (IPOPT eq. 5).
const S_MAX: f64 = 100.0;

/// Primal–dual iterate: `w`, constraint multipliers `y`, bound multipliers `zl`, `zu`
/// (zero where the bound is infinite).
#[derive(Clone, Debug)]
pub(crate) struct Iterate {
    pub w: Vec<f64>,
    pub y: Vec<f64>,
    pub zl: Vec<f64>,
    pub zu: Vec<f64>,
}

/// Problem functions at one point.
#[derive(Clone, Debug)]
pub(crate) struct Evals {
    pub f: f64,
    pub grad: Vec<f64>,
    pub c: Vec<f64>,
    pub jac: Vec<f64>,
}

/// A search direction.
pub(crate) struct Direction {
    pub dw: Vec<f64>,
    pub dy: Vec<f64>,
    pub dzl: Vec<f64>,
    pub dzu: Vec<f64>,
    /// First block of the right-hand side, `−(∇φ + Jᵀy)` (reused by second-order corrections).
    pub rhs_w: Vec<f64>,
}

/// How a run of the engine ended.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum EngineStatus {
    Solved,
    Acceptable,
    MaxIter,
    Diverging,
    /// Restoration mode only: the restoration predicate holds.
    ReturnToRegular,
    /// The line search failed in restoration mode, or restoration failed.
    RestorationFailed,
    LocallyInfeasible,
    /// The observer asked to stop.
    UserStop,
    /// An internal failure (ordering / symbolic factorization).
    Internal(String),
}

/// The iteration state shared by the regular and restoration modes.
pub(crate) struct Engine<'a> {
    pub p: &'a dyn Inner,
    pub opt: &'a Options,
    pub n: usize,
    pub m: usize,
    pub hl: Vec<bool>,
    pub hu: Vec<bool>,
    pub kkt: Kkt,
    hess: Vec<f64>,
    lbfgs: Option<Lbfgs>,
    dense_b: Vec<f64>,
    pub mu: f64,
    pub tau: f64,
    pub filter: Filter,
    pub theta_min: f64,
    pub adaptive: bool,
    pub restoration: bool,
    pub kkt_err_hist: Vec<f64>,
}

/// Max norm.
pub(crate) fn norm_inf(v: &[f64]) -> f64 {
    v.iter().fold(0.0, |a, x| a.max(x.abs()))
}

/// 1-norm (the filter's constraint violation θ).
pub(crate) fn norm_1(v: &[f64]) -> f64 {
    v.iter().map(|x| x.abs()).sum()
}

impl<'a> Engine<'a> {
    /// Sets up the KKT pattern for `p` (exact Hessian if available and asked for, else a dense
    /// L-BFGS block on the first `n_curv` variables).
    pub fn new(p: &'a dyn Inner, opt: &'a Options, mu0: f64) -> Result<Self, String> {
        let (n, m) = (p.n(), p.m());
        let (lo, up) = (p.lower(), p.upper());
        let hl: Vec<bool> = lo.iter().map(|v| v.is_finite()).collect();
        let hu: Vec<bool> = up.iter().map(|v| v.is_finite()).collect();
        let exact =
            opt.hessian_approximation == HessianApproximation::Exact && p.hess_pattern().is_some();
        let (hr, hc): (Vec<usize>, Vec<usize>) = match (exact, p.hess_pattern()) {
            (true, Some((r, c))) => (r.to_vec(), c.to_vec()),
            _ => {
                let nc = p.n_curv();
                let mut r = Vec::with_capacity(nc * (nc + 1) / 2);
                let mut c = Vec::with_capacity(nc * (nc + 1) / 2);
                for i in 0..nc {
                    for j in 0..=i {
                        r.push(i);
                        c.push(j);
                    }
                }
                (r, c)
            }
        };
        let dim = n + m;
        let sparse = match opt.linear_solver {
            LinearSolver::Dense => false,
            LinearSolver::Sparse => true,
            LinearSolver::Auto => dim > opt.dense_max_dim,
        };
        let bounded: Vec<bool> = (0..n).map(|i| hl[i] || hu[i]).collect();
        let method = sparse.then_some(opt.sparse_method);
        let dependent = p.dependent().filter(|_| opt.reduced_space);
        let mut kkt = Kkt::new(
            n,
            m,
            (&hr, &hc),
            p.jac_pattern(),
            &bounded,
            method,
            dependent,
        )?;
        kkt.set_threads(opt.linear_solver_threads);
        let lbfgs = if exact {
            None
        } else {
            Some(Lbfgs::new(p.n_curv(), opt.limited_memory_max_history))
        };
        let nc = p.n_curv();
        Ok(Self {
            p,
            opt,
            n,
            m,
            hl,
            hu,
            kkt,
            hess: vec![0.0; hr.len()],
            dense_b: if exact {
                Vec::new()
            } else {
                vec![0.0; nc * nc]
            },
            lbfgs,
            mu: mu0,
            tau: opt.tau_min.max(1.0 - mu0),
            filter: Filter::new(f64::INFINITY),
            theta_min: 0.0,
            adaptive: opt.mu_strategy == MuStrategy::Adaptive,
            restoration: false,
            kkt_err_hist: Vec::new(),
        })
    }

    /// Evaluates f, ∇f, c, J at `w`; `None` if any value is not finite.
    pub fn eval(&self, w: &[f64]) -> Option<Evals> {
        let f = self.p.f(w);
        if !f.is_finite() {
            return None;
        }
        let mut c = vec![0.0; self.m];
        self.p.cons(w, &mut c);
        if c.iter().any(|v| !v.is_finite()) {
            return None;
        }
        let mut grad = vec![0.0; self.n];
        self.p.grad(w, &mut grad);
        let mut jac = vec![0.0; self.p.jac_pattern().0.len()];
        self.p.jac_values(w, &mut jac);
        if grad.iter().chain(&jac).any(|v| !v.is_finite()) {
            return None;
        }
        Some(Evals { f, grad, c, jac })
    }

    /// f and c only (line-search trials); `None` if not finite.
    pub fn eval_fc(&self, w: &[f64]) -> Option<(f64, Vec<f64>)> {
        let f = self.p.f(w);
        if !f.is_finite() {
            return None;
        }
        let mut c = vec![0.0; self.m];
        self.p.cons(w, &mut c);
        if c.iter().any(|v| !v.is_finite()) {
            return None;
        }
        Some((f, c))
    }

    /// Slacks to the lower/upper bounds.
    pub fn slacks(&self, w: &[f64]) -> (Vec<f64>, Vec<f64>) {
        let (lo, up) = (self.p.lower(), self.p.upper());
        let sl = (0..self.n)
            .map(|i| if self.hl[i] { w[i] - lo[i] } else { 1.0 })
            .collect();
        let su = (0..self.n)
            .map(|i| if self.hu[i] { up[i] - w[i] } else { 1.0 })
            .collect();
        (sl, su)
    }

    /// Barrier objective φ_μ(w) = f − μ Σ ln s + κ_d μ Σ (one-sided slacks).
    pub fn barrier(&self, w: &[f64], f: f64, mu: f64) -> f64 {
        let (sl, su) = self.slacks(w);
        let kd = self.opt.kappa_d * mu;
        let mut phi = f;
        for i in 0..self.n {
            if self.hl[i] {
                phi -= mu * sl[i].ln();
                if !self.hu[i] {
                    phi += kd * sl[i];
                }
            }
            if self.hu[i] {
                phi -= mu * su[i].ln();
                if !self.hl[i] {
                    phi += kd * su[i];
                }
            }
        }
        if phi.is_nan() {
            f64::INFINITY
        } else {
            phi
        }
    }

    /// ∇φ_μ(w).
    pub fn barrier_grad(&self, w: &[f64], grad: &[f64], mu: f64) -> Vec<f64> {
        let (sl, su) = self.slacks(w);
        let kd = self.opt.kappa_d * mu;
        (0..self.n)
            .map(|i| {
                let mut g = grad[i];
                if self.hl[i] {
                    g -= mu / sl[i];
                    if !self.hu[i] {
                        g += kd;
                    }
                }
                if self.hu[i] {
                    g += mu / su[i];
                    if !self.hl[i] {
                        g -= kd;
                    }
                }
                g
            })
            .collect()
    }

    /// Jᵀy added into `out`.
    pub fn jt_y(&self, jac: &[f64], y: &[f64], out: &mut [f64]) {
        let (jr, jc) = self.p.jac_pattern();
        for k in 0..jac.len() {
            out[jc[k]] += jac[k] * y[jr[k]];
        }
    }

    /// ∇f + Jᵀy − zl + zu.
    pub fn dual_residual(&self, it: &Iterate, ev: &Evals) -> Vec<f64> {
        let mut d = ev.grad.clone();
        self.jt_y(&ev.jac, &it.y, &mut d);
        for i in 0..self.n {
            d[i] += it.zu[i] - it.zl[i];
        }
        d
    }

    /// Scaled optimality error E_μ (IPOPT eq. 5) and its parts (inf_pr, inf_du, compl).
    pub fn errors(&self, it: &Iterate, ev: &Evals, mu: f64) -> (f64, f64, f64, f64) {
        let dual = norm_inf(&self.dual_residual(it, ev));
        let pr = norm_inf(&ev.c);
        let (sl, su) = self.slacks(&it.w);
        let mut compl = 0.0f64;
        let mut zsum = 0.0;
        let mut nb = 0usize;
        for i in 0..self.n {
            if self.hl[i] {
                compl = compl.max((sl[i] * it.zl[i] - mu).abs());
                zsum += it.zl[i].abs();
                nb += 1;
            }
            if self.hu[i] {
                compl = compl.max((su[i] * it.zu[i] - mu).abs());
                zsum += it.zu[i].abs();
                nb += 1;
            }
        }
        let ysum: f64 = it.y.iter().map(|v| v.abs()).sum();
        let sd = (S_MAX.max((ysum + zsum) / ((self.m + nb).max(1) as f64))) / S_MAX;
        let sc = (S_MAX.max(zsum / (nb.max(1) as f64))) / S_MAX;
        let e = (dual / sd).max(pr).max(compl / sc);
        (e, pr, dual, compl)
    }

    /// Moves `w` strictly inside the bounds (IPOPT §3.6, κ₁ = bound_push, κ₂ = bound_frac).
    pub fn push_into_bounds(&self, w: &mut [f64]) {
        let (lo, up) = (self.p.lower(), self.p.upper());
        let (k1, k2) = (self.opt.bound_push, self.opt.bound_frac);
        for i in 0..self.n {
            let (l, u) = (lo[i], up[i]);
            if self.hl[i] && self.hu[i] {
                let pl = (k1 * l.abs().max(1.0)).min(k2 * (u - l));
                let pu = (k1 * u.abs().max(1.0)).min(k2 * (u - l));
                if w[i] < l + pl {
                    w[i] = l + pl;
                }
                if w[i] > u - pu {
                    w[i] = u - pu;
                }
                if !(w[i] > l && w[i] < u) {
                    w[i] = 0.5 * (l + u);
                }
            } else if self.hl[i] {
                w[i] = w[i].max(l + k1 * l.abs().max(1.0));
            } else if self.hu[i] {
                w[i] = w[i].min(u - k1 * u.abs().max(1.0));
            }
        }
    }

    /// Fills the Hessian values (exact or L-BFGS) at `(w, y)`.
    fn fill_hessian(&mut self, w: &[f64], y: &[f64], sigma: f64) {
        match &self.lbfgs {
            None => self.p.hess_values(w, sigma, y, &mut self.hess),
            Some(l) => {
                let nc = self.p.n_curv();
                l.dense(&mut self.dense_b);
                let mut k = 0;
                for i in 0..nc {
                    for j in 0..=i {
                        self.hess[k] = self.dense_b[i * nc + j];
                        k += 1;
                    }
                }
            }
        }
    }

    /// Least-squares constraint multipliers: solves `[I Jᵀ; J 0] [v; y] = [−(∇f − zl + zu); 0]`.
    /// Returns zeros if they exceed `constr_mult_init_max` or the system is singular.
    pub fn ls_multipliers(&mut self, it: &Iterate, ev: &Evals) -> Vec<f64> {
        if self.m == 0 {
            return Vec::new();
        }
        let zero_h = vec![0.0; self.hess.len()];
        self.kkt.set_values(&zero_h, &vec![1.0; self.n], &ev.jac);
        if !self.kkt.factor_plain() {
            return vec![0.0; self.m];
        }
        let mut rhs = vec![0.0; self.n + self.m];
        for i in 0..self.n {
            rhs[i] = -(ev.grad[i] - it.zl[i] + it.zu[i]);
        }
        self.kkt.solve(&mut rhs);
        let y = rhs[self.n..].to_vec();
        if y.iter().any(|v| !v.is_finite()) || norm_inf(&y) > self.opt.constr_mult_init_max {
            vec![0.0; self.m]
        } else {
            y
        }
    }

    /// Newton direction of the barrier problem, with inertia correction. `None` if the
    /// correction failed.
    pub fn direction(&mut self, it: &Iterate, ev: &Evals) -> Option<(Direction, f64)> {
        let mu = self.mu;
        self.fill_hessian(&it.w, &it.y, 1.0);
        if self.hess.iter().any(|v| !v.is_finite()) {
            return None;
        }
        let (sl, su) = self.slacks(&it.w);
        let diag: Vec<f64> = (0..self.n)
            .map(|i| {
                let mut d = 0.0;
                if self.hl[i] {
                    d += it.zl[i] / sl[i];
                }
                if self.hu[i] {
                    d += it.zu[i] / su[i];
                }
                d
            })
            .collect();
        let hess = std::mem::take(&mut self.hess);
        self.kkt.set_values(&hess, &diag, &ev.jac);
        self.hess = hess;
        let mut dw_reg = self.kkt.factor_corrected(mu)?;
        let gphi = self.barrier_grad(&it.w, &ev.grad, mu);
        let mut rhs_w = gphi;
        self.jt_y(&ev.jac, &it.y, &mut rhs_w);
        rhs_w.iter_mut().for_each(|v| *v = -*v);
        // sparse path: an inaccurate solve (a tiny pivot of the unpivoted LDLᵀ) is treated
        // like wrong inertia, with more regularization; the dense Bunch–Kaufman
        // factorization is backward stable and needs no such check
        let (dw, dy) = loop {
            match self.solve_checked(&rhs_w, &ev.c) {
                Some((dw, dy, res))
                    if res <= SOLVE_TOL || !(self.kkt.is_sparse() || self.kkt.is_reduced()) =>
                {
                    break (dw, dy)
                }
                _ => dw_reg = self.kkt.factor_stronger()?,
            }
        };
        let (dzl, dzu) = self.dz(it, &dw);
        Some((
            Direction {
                dw,
                dy,
                dzl,
                dzu,
                rhs_w,
            },
            dw_reg,
        ))
    }

    /// Solves the factorized KKT system with right-hand side `[rhs_w; −c]`.
    pub fn solve_with(&mut self, rhs_w: &[f64], c: &[f64]) -> Option<(Vec<f64>, Vec<f64>)> {
        self.solve_checked(rhs_w, c).map(|(dw, dy, _)| (dw, dy))
    }

    /// As [`Engine::solve_with`], also returning the relative residual of the solve.
    pub fn solve_checked(&mut self, rhs_w: &[f64], c: &[f64]) -> Option<(Vec<f64>, Vec<f64>, f64)> {
        let mut rhs = Vec::with_capacity(self.n + self.m);
        rhs.extend_from_slice(rhs_w);
        rhs.extend(c.iter().map(|v| -v));
        let res = self.kkt.solve(&mut rhs);
        if rhs.iter().any(|v| !v.is_finite()) {
            return None;
        }
        let dy = rhs.split_off(self.n);
        Some((rhs, dy, res))
    }

    /// L-BFGS pair after an accepted step.
    pub fn update_lbfgs(
        &mut self,
        w_old: &[f64],
        ev_old: &Evals,
        w_new: &[f64],
        ev_new: &Evals,
        y: &[f64],
    ) {
        if self.lbfgs.is_none() {
            return;
        }
        let nc = self.p.n_curv();
        let mut g_old = ev_old.grad.clone();
        self.jt_y(&ev_old.jac, y, &mut g_old);
        let mut g_new = ev_new.grad.clone();
        self.jt_y(&ev_new.jac, y, &mut g_new);
        let s: Vec<f64> = (0..nc).map(|i| w_new[i] - w_old[i]).collect();
        let yv: Vec<f64> = (0..nc).map(|i| g_new[i] - g_old[i]).collect();
        if let Some(l) = &mut self.lbfgs {
            l.update(&s, &yv);
        }
    }

    /// Reports one iteration and the user part of the iterate (`w[..n_curv]`, the user's `x`: slacks and,
    /// in restoration, `p`, `n` are internal) to the observer; returns its decision.
    pub fn report(
        &self,
        obs: &mut dyn Observer,
        iter: usize,
        ev: &Evals,
        it: &Iterate,
        last: &IterInfo,
    ) -> Control {
        let (_, pr, du, _) = self.errors(it, ev, self.mu);
        let info = IterInfo {
            iter,
            objective: ev.f / self.p.obj_scale(),
            inf_pr: pr,
            inf_du: du,
            mu: self.mu,
            restoration: self.restoration,
            ..last.clone()
        };
        obs.observe(&info);
        obs.iterate(&info, &it.w[..self.p.n_curv()])
    }
}
