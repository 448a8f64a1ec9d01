//! Barrier parameter updates: monotone Fiacco–McCormick and the adaptive LOQO rule.

use super::engine::{Engine, Evals, Iterate};
use crate::nlp::options::Options;

/// Monotone decrease `μ⁺ = max(μ_min, min(κ_μ μ, μ^θ_μ))` (IPOPT eq. 7), with IPOPT's floor
/// `min(tol, compl_inf_tol) / (barrier_tol_factor + 1)` so μ never drops far below what the
/// tolerance needs.
pub(crate) fn monotone_next(mu: f64, opt: &Options) -> f64 {
    let floor = opt
        .mu_min
        .max(opt.tol.min(opt.compl_inf_tol) / (opt.barrier_tol_factor + 1.0));
    floor.max((opt.mu_linear_decrease_factor * mu).min(mu.powf(opt.mu_superlinear_decrease_power)))
}

/// LOQO rule: `μ = σ · avg`, `σ = 0.1 · min(0.05 (1 − ξ)/ξ, 2)³`, `ξ = min_i c_i / avg`, where
/// `c_i = s_i z_i` are the complementarity products and `avg` their mean. Returns `None`
/// without bounded variables.
pub(crate) fn loqo(products: &[f64], opt: &Options) -> Option<f64> {
    if products.is_empty() {
        return None;
    }
    let avg = products.iter().sum::<f64>() / products.len() as f64;
    let min = products.iter().cloned().fold(f64::INFINITY, f64::min);
    if !(avg > 0.0) {
        return Some(opt.mu_min);
    }
    let xi = (min / avg).max(1e-300);
    let sigma = 0.1 * (0.05 * (1.0 - xi) / xi).min(2.0).powi(3);
    Some((sigma * avg).max(opt.mu_min).min(1e5))
}

impl Engine<'_> {
    /// Complementarity products `s_i z_i` over the finite bounds.
    pub fn products(&self, it: &Iterate) -> Vec<f64> {
        let (sl, su) = self.slacks(&it.w);
        let mut p = Vec::new();
        for i in 0..self.n {
            if self.hl[i] {
                p.push(sl[i] * it.zl[i]);
            }
            if self.hu[i] {
                p.push(su[i] * it.zu[i]);
            }
        }
        p
    }

    /// Updates μ at the start of an iteration. Returns true if μ changed (the filter is then
    /// reset by the caller).
    pub fn update_mu(&mut self, it: &Iterate, ev: &Evals, e0: f64) -> bool {
        if self.adaptive {
            // free mode: LOQO; fall back to monotone when the KKT error stalls
            // (IPOPT: adaptive_mu_kkterror_red_iters = 4, red_fact = 0.9999)
            self.kkt_err_hist.push(e0);
            if self.kkt_err_hist.len() > 5 {
                self.kkt_err_hist.remove(0);
            }
            if self.kkt_err_hist.len() == 5 {
                let prev = self.kkt_err_hist[..4].iter().cloned().fold(0.0, f64::max);
                if e0 > 0.9999 * prev {
                    let p = self.products(it);
                    let avg = if p.is_empty() {
                        self.mu
                    } else {
                        p.iter().sum::<f64>() / p.len() as f64
                    };
                    self.adaptive = false;
                    self.mu = (0.8 * avg).max(monotone_next(0.0, self.opt));
                    self.tau = self.opt.tau_min.max(1.0 - self.mu);
                    return true;
                }
            }
            match loqo(&self.products(it), self.opt) {
                Some(m) => {
                    let floor = monotone_next(0.0, self.opt);
                    self.mu = m.max(floor);
                    self.tau = self.opt.tau_min.max(1.0 - self.mu);
                    true
                }
                None => false,
            }
        } else {
            let mut changed = false;
            let floor = monotone_next(0.0, self.opt);
            loop {
                let (emu, ..) = self.errors(it, ev, self.mu);
                if emu > self.opt.barrier_tol_factor * self.mu || self.mu <= floor {
                    break;
                }
                self.mu = monotone_next(self.mu, self.opt);
                self.tau = self.opt.tau_min.max(1.0 - self.mu);
                changed = true;
            }
            changed
        }
    }
}
