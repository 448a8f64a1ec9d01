//! Feasibility restoration (Wächter & Biegler 2006, §3.3): when the line search fails, the
//! same interior-point engine minimizes
//!
//! ```text
//!   ρ Σ (p_i + n_i) + ζ/2 ‖D_R (w − w_R)‖²   s.t.  c(w) − p + n = 0,  l ≤ w ≤ u,  p, n ≥ 0
//! ```
//!
//! with ρ = `resto_penalty_parameter`, ζ = √μ, D_R = diag(min(1, 1/|w_R,i|)), starting from
//! the analytic `p, n` of IPOPT eq. (33). It stops as soon as the original constraint
//! violation θ is reduced to 0.9·θ_R and the point is acceptable to the original filter. If
//! it instead converges (a stationary point of the ℓ₁ infeasibility) while θ is above
//! `constr_viol_tol`, the problem is declared locally infeasible.

use super::driver;
use super::engine::{norm_1, norm_inf, Engine, EngineStatus, Evals, Iterate};
use super::inner::Inner;
use crate::nlp::observer::Observer;

/// Required reduction of θ before returning (IPOPT `required_infeasibility_reduction`).
const KAPPA_RESTO: f64 = 0.9;
/// Bound multipliers above this are reset after restoration (IPOPT default 1000).
const BOUND_MULT_RESET: f64 = 1e3;

struct Resto<'a> {
    inner: &'a dyn Inner,
    n: usize,
    m: usize,
    wr: Vec<f64>,
    dr2: Vec<f64>,
    zeta: f64,
    rho: f64,
    lower: Vec<f64>,
    upper: Vec<f64>,
    jr: Vec<usize>,
    jc: Vec<usize>,
    nj: usize,
    hess: Option<(Vec<usize>, Vec<usize>)>,
    nh: usize,
}

impl Inner for Resto<'_> {
    fn n(&self) -> usize {
        self.n + 2 * self.m
    }
    fn m(&self) -> usize {
        self.m
    }
    fn n_curv(&self) -> usize {
        self.inner.n_curv()
    }
    fn lower(&self) -> &[f64] {
        &self.lower
    }
    fn upper(&self) -> &[f64] {
        &self.upper
    }
    fn f(&self, v: &[f64]) -> f64 {
        let pn: f64 = v[self.n..].iter().sum();
        let q: f64 = (0..self.n)
            .map(|i| self.dr2[i] * (v[i] - self.wr[i]).powi(2))
            .sum();
        self.rho * pn + 0.5 * self.zeta * q
    }
    fn grad(&self, v: &[f64], g: &mut [f64]) {
        for i in 0..self.n {
            g[i] = self.zeta * self.dr2[i] * (v[i] - self.wr[i]);
        }
        for x in &mut g[self.n..] {
            *x = self.rho;
        }
    }
    fn cons(&self, v: &[f64], c: &mut [f64]) {
        self.inner.cons(&v[..self.n], c);
        for i in 0..self.m {
            c[i] += -v[self.n + i] + v[self.n + self.m + i];
        }
    }
    fn jac_pattern(&self) -> (&[usize], &[usize]) {
        (&self.jr, &self.jc)
    }
    fn jac_values(&self, v: &[f64], vals: &mut [f64]) {
        self.inner.jac_values(&v[..self.n], &mut vals[..self.nj]);
        for i in 0..self.m {
            vals[self.nj + 2 * i] = -1.0;
            vals[self.nj + 2 * i + 1] = 1.0;
        }
    }
    fn hess_pattern(&self) -> Option<(&[usize], &[usize])> {
        self.hess.as_ref().map(|(r, c)| (&r[..], &c[..]))
    }
    fn hess_values(&self, v: &[f64], sigma: f64, y: &[f64], vals: &mut [f64]) {
        self.inner
            .hess_values(&v[..self.n], 0.0, y, &mut vals[..self.nh]);
        for i in 0..self.n {
            vals[self.nh + i] = sigma * self.zeta * self.dr2[i];
        }
    }
}

/// Runs the restoration phase from `it`. On success `it`/`ev` hold the new point (with
/// least-squares multipliers); otherwise the final status is returned.
pub(crate) fn restore(
    eng: &mut Engine,
    it: &mut Iterate,
    ev: &mut Evals,
    iter: &mut usize,
    obs: &mut dyn Observer,
) -> Result<(), EngineStatus> {
    let (n, m) = (eng.n, eng.m);
    let opt = eng.opt;
    if m == 0 {
        return Err(EngineStatus::RestorationFailed);
    }
    let theta_r = norm_1(&ev.c);
    let phi_r = eng.barrier(&it.w, ev.f, eng.mu);
    eng.filter.add(theta_r, phi_r);
    let mu = eng.mu.max(norm_inf(&ev.c));
    let rho = opt.resto_penalty_parameter;
    let p = eng.p;
    let (jr0, jc0) = p.jac_pattern();
    let nj = jr0.len();
    let mut jr = jr0.to_vec();
    let mut jc = jc0.to_vec();
    for i in 0..m {
        jr.push(i);
        jc.push(n + i);
        jr.push(i);
        jc.push(n + m + i);
    }
    let (hess, nh) = match p.hess_pattern() {
        Some((r, c)) => {
            let mut r = r.to_vec();
            let mut c = c.to_vec();
            let nh = r.len();
            r.extend(0..n);
            c.extend(0..n);
            (Some((r, c)), nh)
        }
        None => (None, 0),
    };
    let mut lower = p.lower().to_vec();
    let mut upper = p.upper().to_vec();
    lower.extend(std::iter::repeat_n(0.0, 2 * m));
    upper.extend(std::iter::repeat_n(f64::INFINITY, 2 * m));
    let resto = Resto {
        inner: p,
        n,
        m,
        wr: it.w.clone(),
        dr2: it
            .w
            .iter()
            .map(|v| (1.0 / v.abs()).min(1.0).powi(2))
            .collect(),
        zeta: mu.sqrt(),
        rho,
        lower,
        upper,
        jr,
        jc,
        nj,
        hess,
        nh,
    };
    // analytic p, n (IPOPT eq. 33)
    let mut v = it.w.clone();
    let mut pv = vec![0.0; m];
    let mut nv = vec![0.0; m];
    for i in 0..m {
        let c = ev.c[i];
        let a = (mu - rho * c) / (2.0 * rho);
        nv[i] = a + (a * a + mu * c / (2.0 * rho)).sqrt();
        pv[i] = c + nv[i];
        nv[i] = nv[i].max(1e-300);
        pv[i] = pv[i].max(1e-300);
    }
    v.extend_from_slice(&pv);
    v.extend_from_slice(&nv);
    let mut zl: Vec<f64> = it.zl.iter().map(|z| z.min(rho)).collect();
    zl.extend(pv.iter().map(|p| mu / p));
    zl.extend(nv.iter().map(|q| mu / q));
    let mut zu: Vec<f64> = it.zu.iter().map(|z| z.min(rho)).collect();
    zu.extend(std::iter::repeat_n(0.0, 2 * m));
    let mut rit = Iterate {
        w: v,
        y: vec![0.0; m],
        zl,
        zu,
    };
    let mut sub = match Engine::new(&resto, opt, mu) {
        Ok(s) => s,
        Err(e) => return Err(EngineStatus::Internal(e)),
    };
    sub.restoration = true;
    sub.adaptive = false;
    let Some(mut rev) = sub.eval(&rit.w) else {
        return Err(EngineStatus::RestorationFailed);
    };
    let status = {
        let eng_ref: &Engine = eng;
        let mut pred = |v: &[f64]| -> bool {
            let w = &v[..n];
            match eng_ref.eval_fc(w) {
                Some((f, c)) => {
                    let th = norm_1(&c);
                    let phi = eng_ref.barrier(w, f, eng_ref.mu);
                    th <= KAPPA_RESTO * theta_r && eng_ref.filter.acceptable(th, phi)
                }
                None => false,
            }
        };
        driver::run(&mut sub, &mut rit, &mut rev, iter, obs, Some(&mut pred))
    };
    let accept = |eng: &mut Engine, it: &mut Iterate, ev: &mut Evals| -> Result<(), EngineStatus> {
        it.w.copy_from_slice(&rit.w[..n]);
        it.zl.copy_from_slice(&rit.zl[..n]);
        it.zu.copy_from_slice(&rit.zu[..n]);
        let zmax = norm_inf(&it.zl).max(norm_inf(&it.zu));
        if zmax > BOUND_MULT_RESET {
            for i in 0..n {
                it.zl[i] = if eng.hl[i] {
                    opt.bound_mult_init_val
                } else {
                    0.0
                };
                it.zu[i] = if eng.hu[i] {
                    opt.bound_mult_init_val
                } else {
                    0.0
                };
            }
        }
        let Some(e) = eng.eval(&it.w) else {
            return Err(EngineStatus::RestorationFailed);
        };
        *ev = e;
        it.y = eng.ls_multipliers(it, ev);
        Ok(())
    };
    match status {
        EngineStatus::ReturnToRegular => accept(eng, it, ev),
        EngineStatus::Solved | EngineStatus::Acceptable => {
            let c = match eng.eval_fc(&rit.w[..n]) {
                Some((_, c)) => c,
                None => return Err(EngineStatus::RestorationFailed),
            };
            if eng.p.viol_unscaled(&c) > opt.constr_viol_tol {
                it.w.copy_from_slice(&rit.w[..n]);
                if let Some(e) = eng.eval(&it.w) {
                    *ev = e;
                }
                Err(EngineStatus::LocallyInfeasible)
            } else {
                // feasible but rejected by the filter: start afresh from here
                accept(eng, it, ev)?;
                eng.filter.reset();
                Ok(())
            }
        }
        EngineStatus::MaxIter => Err(EngineStatus::MaxIter),
        EngineStatus::Diverging => Err(EngineStatus::Diverging),
        EngineStatus::UserStop => Err(EngineStatus::UserStop),
        s => Err(match s {
            EngineStatus::Internal(e) => EngineStatus::Internal(e),
            _ => EngineStatus::RestorationFailed,
        }),
    }
}
