//! Barrier parameter updates: monotone Fiacco–McCormick and the adaptive LOQO rule.

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
