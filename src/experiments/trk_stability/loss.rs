//! trk-stability's training loss: the K-step forecast error from every training start
//! (combined per start as [`ForecastLoss`] says), the optional escape penalty, the
//! own-trajectory part and the stability penalty, with the gradient in φ through the discrete
//! adjoint.

use super::criterion::steps_in_bound;
use super::dissip::dissip_penalty;
use super::own::OwnStates;
use super::train::Data;
use super::{Config, ForecastLoss};
use crate::experiments::lorenz_data::KnownLorenz;
use crate::experiments::trk_error::TrkError;
use crate::sensitivity::{gradient_with, GradientOptions, TimeDerivative};
use crate::trainable::{stability_penalty, tangent_to_consistency, TrainableTableau};
use crate::{State, Stepping, Tableau};
use rayon::prelude::*;

type Trk4 = TrainableTableau<4>;

/// One training start's loss `l_i`, its unscaled adjoint gradient in φ and the factor that
/// scales that gradient (divided by `3Kσ²`) to `∇l_i`.
type StartTerm = (f64, Vec<f64>, f64);

impl ForecastLoss {
    /// One start's contribution `l(m)` and `dl/dm` for its forecast error `m = MSE_i / σ²`.
    fn combine(&self, m: f64) -> (f64, f64) {
        match *self {
            ForecastLoss::Mse => (m, 1.0),
            ForecastLoss::LogMse => (m.ln_1p(), 1.0 / (1.0 + m)),
            ForecastLoss::Capped(cap) if m < cap => (m, 1.0),
            ForecastLoss::Capped(cap) => (cap, 0.0),
        }
    }
}

/// Forecast loss over K = [`Config::k_at`]`(h)` steps from every training start and its
/// gradient in φ: the mean over starts of `l(MSE_i / σ²)` (`l` from `cfg.loss`, see
/// [`ForecastLoss`]) plus `escape_weight · mean_k (max(0, ‖y_k‖₂ − escape_radius) / σ)²`,
/// the escape penalty, which keeps a gradient on the starts whose accuracy term is capped.
///
/// A forecast that leaves `‖y‖ ≤ bound` after `m ≥ 1` steps counts its last in-bound step
/// for each of the remaining `K − m` steps (so leaving never lowers the loss); one that leaves
/// at the first step contributes `l(bound² / (3σ²))` plus the penalty at `‖y‖ = bound`,
/// without gradient.
pub(super) fn forecast_loss(
    cfg: &Config,
    h: f64,
    tab: &Tableau<4>,
    starts: &[State<3>],
    refs: &[Vec<State<3>>],
    var: f64,
) -> Result<(f64, Vec<f64>), TrkError> {
    let k_steps = cfg.k_at(h);
    let per = (k_steps * 3) as f64 * var;
    let per_escape = k_steps as f64 * var;
    let r_esc = cfg.escape_radius;
    let escape = |norm: f64| (norm - r_esc).max(0.0);
    // Per start: the loss `l_i`, the adjoint gradient of `Σ_k w_k (2 e_k + escape_k · per/f)`
    // and the factor `f / per` that scales it to `∇l_i` (`f = dl/dm`, or 1 where the cap
    // binds), so that without the escape penalty the arithmetic is that of the plain MSE.
    let parts: Vec<Result<StartTerm, TrkError>> = starts
        .par_iter()
        .zip(refs)
        .map(|(y0, r)| {
            let m = steps_in_bound(tab, &KnownLorenz, h, *y0, k_steps, cfg.bound);
            if m == 0 {
                let out = escape(cfg.bound);
                let v = cfg
                    .loss
                    .combine(k_steps as f64 * cfg.bound * cfg.bound / per)
                    .0
                    + cfg.escape_weight * out * out / var;
                return Ok((v, vec![0.0; Trk4::N_PARAMS], 0.0));
            }
            let times: Vec<f64> = (1..=m).map(|k| h * k as f64).collect();
            let opts = GradientOptions {
                time: TimeDerivative::Autonomous,
                ..GradientOptions::default()
            };
            let weight = |k: usize| {
                if k + 1 == m {
                    (1 + k_steps - m) as f64
                } else {
                    1.0
                }
            };
            let (mut value, mut factor) = (0.0, 1.0);
            let (_, g) = gradient_with(
                &opts,
                tab,
                &KnownLorenz,
                0.0,
                *y0,
                &times,
                &Stepping::Fixed(h),
                |traj| {
                    let mut sq = 0.0;
                    for (k, (y, yr)) in traj.y.iter().zip(r).enumerate() {
                        sq += weight(k) * (y - yr).norm_squared();
                    }
                    let (l, dl_dm) = cfg.loss.combine(sq / per);
                    value = l;
                    factor = if dl_dm > 0.0 { dl_dm } else { 1.0 };
                    let acc = dl_dm / factor;
                    let dl: Vec<State<3>> = (traj.y.iter().zip(r).enumerate())
                        .map(|(k, (y, yr))| {
                            let w = weight(k);
                            let norm = y.norm();
                            let out = escape(norm);
                            let mut d = (y - yr) * (2.0 * w * acc);
                            if out > 0.0 && cfg.escape_weight > 0.0 {
                                value += cfg.escape_weight * w * out * out / per_escape;
                                let c = 2.0 * cfg.escape_weight * w * out / (norm * per_escape);
                                d += y * (c * per / factor);
                            }
                            d
                        })
                        .collect();
                    Ok::<_, std::convert::Infallible>(dl)
                },
            )
            .map_err(TrkError::from)?;
            let gphi = Trk4::grad_from_tableau(&g.tableau.a, &g.tableau.b, &g.tableau.c);
            Ok((value, gphi, factor))
        })
        .collect();
    let n = starts.len().max(1) as f64;
    let mut value = 0.0;
    let mut grad = vec![0.0; Trk4::N_PARAMS];
    for p in parts {
        let (v, g, factor) = p?;
        value += v;
        for (a, b) in grad.iter_mut().zip(&g) {
            *a += factor * b / per;
        }
    }
    grad.iter_mut().for_each(|g| *g /= n);
    let value = value / n;
    Ok((value, grad))
}

/// Total loss `forecast + own_weight·forecast_own + dissip_weight·dissipativity + μ·penalty`
/// (forecast_own over the own-trajectory states, if any; the dissipativity penalty over the
/// attractor, shell and harvested states, if on), the part before μ, the penalty and the
/// gradient in φ,
/// made tangent to `Σb = 1`.
pub(super) fn loss(
    cfg: &Config,
    h: f64,
    trk: &Trk4,
    d: &Data<'_>,
    own: &OwnStates,
) -> Result<(f64, f64, Vec<f64>), TrkError> {
    let tab = trk.tableau();
    let (mut mse, mut grad) = forecast_loss(cfg, h, &tab, d.starts, d.refs, d.var)?;
    if !own.starts.is_empty() && cfg.own_weight > 0.0 {
        let (m, g) = forecast_loss(cfg, h, &tab, &own.starts, &own.refs, d.var)?;
        mse += cfg.own_weight * m;
        for (a, b) in grad.iter_mut().zip(&g) {
            *a += cfg.own_weight * b;
        }
    }
    if cfg.dissip_weight > 0.0 {
        let mut states = d.dissip.states.clone();
        states.extend_from_slice(&own.harvested);
        let (v, g) = dissip_penalty(&tab, h, &states, d.dissip.level, cfg.dissip_steps)?;
        mse += cfg.dissip_weight * v;
        for (a, b) in grad.iter_mut().zip(&g) {
            *a += cfg.dissip_weight * b;
        }
    }
    let pen = stability_penalty(&tab.a, &tab.b, d.samples)?;
    let gp = Trk4::grad_from_tableau(&pen.grad_a, &pen.grad_b, &[0.0; 4]);
    for (g, p) in grad.iter_mut().zip(&gp) {
        *g += cfg.mu * p;
    }
    tangent_to_consistency(&mut grad, 4);
    Ok((mse, pen.value, grad))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiments::lorenz_data::{attractor, reference_path};

    /// The adjoint gradient of the forecast loss in φ matches central differences: the plain
    /// MSE, the robust mean ln(1 + MSE / σ²) (with σ² small, where it differs from the MSE),
    /// the capped MSE (with a cap that binds for some starts) and the escape penalty (with a
    /// radius inside the attractor, so some forecast states lie outside it).
    #[test]
    fn forecast_gradient_matches_finite_differences() {
        let h = 0.1;
        let starts = attractor(25.0, 0, 4, 0.5, 1e-12).unwrap();
        let refs: Vec<_> = starts
            .iter()
            .map(|y| reference_path(*y, h, 4, 1e-12).unwrap())
            .collect();
        let trk = Trk4::from_tableau(&Tableau::rk38(), 1).unwrap();
        let at = |cfg: &Config, var: f64, p: &[f64]| {
            let t = Trk4::tableau_from_params::<f64>(p).unwrap();
            forecast_loss(cfg, h, &t, &starts, &refs, var).unwrap()
        };
        // A cap between the smallest and the largest per-start error (σ² = 1) binds for some
        // starts but not all.
        let per_start: Vec<f64> = (0..starts.len())
            .map(|i| {
                let t = trk.tableau();
                let cfg = Config {
                    k_steps: 4,
                    ..Config::default()
                };
                forecast_loss(&cfg, h, &t, &starts[i..=i], &refs[i..=i], 1.0)
                    .unwrap()
                    .0
            })
            .collect();
        let (lo, hi) = per_start
            .iter()
            .fold((f64::INFINITY, 0.0f64), |(a, b), &m| (a.min(m), b.max(m)));
        assert!(hi > 1.5 * lo, "{per_start:?}");
        let cap = 0.5 * (lo + hi);
        let mut values = Vec::new();
        for (loss, var, escape_weight) in [
            (ForecastLoss::Mse, 1.0, 0.0),
            (ForecastLoss::LogMse, 1e-7, 0.0),
            (ForecastLoss::Mse, 1e-7, 0.0),
            (ForecastLoss::Capped(cap), 1.0, 0.0),
            (ForecastLoss::Capped(cap), 1.0, 0.5),
        ] {
            let cfg = Config {
                k_steps: 4,
                loss,
                escape_weight,
                escape_radius: 15.0,
                ..Config::default()
            };
            let (value, g) = at(&cfg, var, trk.params());
            values.push(value);
            for k in 0..Trk4::N_PARAMS {
                let shifted = |e: f64| {
                    let mut p = trk.params().to_vec();
                    p[k] += e;
                    at(&cfg, var, &p).0
                };
                let fd = (shifted(1e-6) - shifted(-1e-6)) / 2e-6;
                approx::assert_relative_eq!(fd, g[k], epsilon = 1e-5, max_relative = 1e-5);
            }
        }
        // ln(1 + m) < m visibly; the cap lowers the mean below the plain MSE but not to
        // the smallest start's error; the escape penalty is active.
        assert!(
            values[1] > 0.05 && values[1] < 0.9 * values[2],
            "{values:?}"
        );
        assert!(values[3] < values[0] && values[3] > lo, "{values:?}");
        assert!(values[4] > values[3] + 1e-3, "{values:?}");
    }
}
