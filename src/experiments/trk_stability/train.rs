//! Training one TRK4 at one step size: forecast loss through the discrete adjoint, the
//! stability penalty, Adam with the exact projection `Σb = 1` after every step, restarts from
//! several initial tableaus, and model selection on validation starts with the pass
//! criterion itself.

use super::criterion::{steps_in_bound, Verdict};
use super::own::OwnStates;
use super::select::{select, Selection};
use super::{Config, ForecastLoss, Init};
use crate::experiments::lorenz_data::KnownLorenz;
use crate::experiments::trk_error::TrkError;
use crate::sensitivity::{gradient_with, GradientOptions, TimeDerivative};
use crate::train::{Adam, AdamState};
use crate::trainable::{
    stability_penalty, tangent_to_consistency, StabilitySamples, TrainableTableau,
};
use crate::{State, Stepping, Tableau};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

type Trk4 = TrainableTableau<4>;

/// Training and validation data for one step size.
pub(super) struct Data<'a> {
    /// Training starts and their references at `h, …, K·h`.
    pub starts: &'a [State<3>],
    pub refs: &'a [Vec<State<3>>],
    /// Validation: long-run starts, forecast starts and their references over the horizon.
    pub val_long: &'a [State<3>],
    /// Screening long-run starts of the final selection ([`select`]).
    pub screen_long: &'a [State<3>],
    pub val_starts: &'a [State<3>],
    pub val_refs: &'a [Vec<State<3>>],
    /// Loss normaliser σ² and RMSE threshold σ.
    pub var: f64,
    /// Penalty sample points `w`.
    pub samples: &'a StabilitySamples,
}

/// The selected scheme of one step size.
#[derive(Clone, Debug)]
pub struct Trained {
    /// The selected tableau.
    pub tab: Tableau<4>,
    /// Label of the initial tableau of the restart it came from.
    pub init: String,
    /// Adam iteration at which it was taken.
    pub iter: usize,
    /// Its training forecast loss (MSE / σ², or mean ln(1 + MSE / σ²) under
    /// [`ForecastLoss::LogMse`]), own-trajectory part included.
    pub train_mse: f64,
    /// Penalty value `mean(max(0, |R(w)| − 1)²)`.
    pub penalty: f64,
    /// Its verdict on the validation starts (the selection score).
    pub validation: Verdict,
    /// How it was selected: [`Selection::Screened`] if it also kept all screening long runs
    /// bounded.
    pub selection: Selection,
    /// Own-trajectory training states in the buffer at the end of its restart.
    pub own_states: usize,
    /// Largest `|Σb − 1|` after any projection, over all restarts.
    pub max_sum_b_residual: f64,
    /// Training loss `MSE/σ² + μ·penalty` of each restart at every candidate iteration:
    /// `(restart label, iteration, loss)`.
    pub history: Vec<(String, usize, f64)>,
    /// Restarts stopped early by a failed loss evaluation (label, iteration, reason).
    pub stopped: Vec<(String, usize, String)>,
}

/// Forecast loss over K steps from every training start, combined as `cfg.loss` says
/// ([`ForecastLoss`]: mean MSE / σ² or mean ln(1 + MSE / σ²)), and its gradient in φ.
///
/// A forecast that leaves `‖y‖ ≤ bound` after `m ≥ 1` steps counts its last in-bound error for
/// each of the remaining `K − m` steps (so leaving never lowers the loss); one that leaves at
/// the first step contributes `K·bound²` without gradient.
fn forecast_loss(
    cfg: &Config,
    h: f64,
    tab: &Tableau<4>,
    starts: &[State<3>],
    refs: &[Vec<State<3>>],
    var: f64,
) -> Result<(f64, Vec<f64>), TrkError> {
    let k_steps = cfg.k_steps;
    let parts: Vec<Result<(f64, Vec<f64>), TrkError>> = starts
        .par_iter()
        .zip(refs)
        .map(|(y0, r)| {
            let m = steps_in_bound(tab, &KnownLorenz, h, *y0, k_steps, cfg.bound);
            if m == 0 {
                return Ok((k_steps as f64 * cfg.bound * cfg.bound, vec![0.0; 10]));
            }
            let times: Vec<f64> = (1..=m).map(|k| h * k as f64).collect();
            let opts = GradientOptions {
                time: TimeDerivative::Autonomous,
                ..GradientOptions::default()
            };
            let mut value = 0.0;
            let (_, g) = gradient_with(
                &opts,
                tab,
                &KnownLorenz,
                0.0,
                *y0,
                &times,
                &Stepping::Fixed(h),
                |traj| {
                    let dl: Vec<State<3>> = traj
                        .y
                        .iter()
                        .zip(r)
                        .enumerate()
                        .map(|(k, (y, yr))| {
                            let w = if k + 1 == m {
                                (1 + k_steps - m) as f64
                            } else {
                                1.0
                            };
                            let e = y - yr;
                            value += w * e.norm_squared();
                            e * (2.0 * w)
                        })
                        .collect();
                    Ok::<_, std::convert::Infallible>(dl)
                },
            )
            .map_err(|e| match e {
                crate::sensitivity::GradientError::Sensitivity(s) => TrkError::Sensitivity(s),
                crate::sensitivity::GradientError::Loss(never) => match never {},
            })?;
            let gphi = Trk4::grad_from_tableau(&g.tableau.a, &g.tableau.b, &g.tableau.c);
            Ok((value, gphi))
        })
        .collect();
    // Per start: MSE_i / σ² = v_i / (3Kσ²); combined by `cfg.loss`, averaged over starts.
    let per = (k_steps * 3) as f64 * var;
    let n = starts.len().max(1) as f64;
    let mut value = 0.0;
    let mut grad = vec![0.0; Trk4::N_PARAMS];
    for p in parts {
        let (v, g) = p?;
        let m = v / per;
        let (li, dli) = match cfg.loss {
            ForecastLoss::Mse => (m, 1.0),
            ForecastLoss::LogMse => (m.ln_1p(), 1.0 / (1.0 + m)),
        };
        value += li;
        for (a, b) in grad.iter_mut().zip(&g) {
            *a += dli * b / per;
        }
    }
    grad.iter_mut().for_each(|g| *g /= n);
    Ok((value / n, grad))
}

/// Total loss `MSE/σ² + own_weight·MSE_own/σ² + μ·penalty` (MSE_own over the
/// own-trajectory states, if any), the forecast part, the penalty and the gradient in φ.
fn loss(
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
    let pen = stability_penalty(&tab.a, &tab.b, d.samples)?;
    let gp = Trk4::grad_from_tableau(&pen.grad_a, &pen.grad_b, &[0.0; 4]);
    for (g, p) in grad.iter_mut().zip(&gp) {
        *g += cfg.mu * p;
    }
    tangent_to_consistency(&mut grad, 4);
    Ok((mse, pen.value, grad))
}

/// The initial tableau of a restart (`restart` is its index in `cfg.inits`).
/// `None` for [`Init::Previous`] without a previous tableau.
fn initial(
    init: Init,
    h: f64,
    restart: usize,
    seed: u64,
    prev: Option<&Tableau<4>>,
) -> Result<Option<Trk4>, TrkError> {
    Ok(Some(match init {
        Init::Previous => match prev {
            Some(tab) => Trk4::from_tableau(tab, 1)?,
            None => return Ok(None),
        },
        Init::Rk4 => Trk4::from_tableau(&Tableau::rk4(), 1)?,
        Init::Rk38 => Trk4::from_tableau(&Tableau::rk38(), 1)?,
        Init::Perturbed(scale) => {
            let mut trk = Trk4::from_tableau(&Tableau::rk4(), 1)?;
            // Seeded by the step size itself (not its index in `hs`), so a run over a subset
            // of step sizes starts from the same tableaus as the full run.
            let mut rng = ChaCha8Rng::seed_from_u64(
                seed ^ h.to_bits().rotate_left(17)
                    ^ (restart as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15),
            );
            let phi: Vec<f64> = trk
                .params()
                .iter()
                .map(|p| p + scale * (2.0 * rng.random::<f64>() - 1.0))
                .collect();
            trk.set_params(&phi)?;
            trk.project()?;
            trk
        }
    }))
}

/// Label of a restart in tables: the initial tableau's label, with the restart index for
/// perturbed restarts (several of them differ only in their noise).
fn restart_label(init: Init, restart: usize) -> String {
    match init {
        Init::Perturbed(_) => format!("{}#{restart}", init.label()),
        _ => init.label(),
    }
}

/// Train TRK4 at step `h`; `prev` is the tableau learned at the previous step size, the
/// start of an [`Init::Previous`] restart.
pub(super) fn train(
    cfg: &Config,
    h: f64,
    d: &Data<'_>,
    prev: Option<&Tableau<4>>,
) -> Result<Trained, TrkError> {
    let adam = Adam::new(cfg.lr);
    let sigma = d.var.sqrt();
    let mut candidates: Vec<Trained> = Vec::new();
    let mut max_residual: f64 = 0.0;
    let mut stopped = Vec::new();
    let mut history = Vec::new();
    for (restart, &init) in cfg.inits.iter().enumerate() {
        let Some(mut trk) = initial(init, h, restart, cfg.seed, prev)? else {
            continue;
        };
        let label = restart_label(init, restart);
        let mut state = AdamState::new(Trk4::N_PARAMS);
        let mut own = OwnStates::default();
        for it in 0..=cfg.iters {
            if cfg.roll_every > 0 && it % cfg.roll_every == 0 && it < cfg.iters {
                own.refresh(cfg, h, &trk.tableau(), d.starts);
            }
            let (mse, pen, grad) = match loss(cfg, h, &trk, d, &own) {
                Ok(x) => x,
                Err(e) => {
                    stopped.push((label.clone(), it, e.to_string()));
                    break;
                }
            };
            if it % cfg.check_every == 0 || it == cfg.iters {
                history.push((label.clone(), it, mse + cfg.mu * pen));
                let tab = trk.tableau();
                let v = Verdict::of(
                    &tab,
                    &KnownLorenz,
                    h,
                    d.val_long,
                    cfg.long_steps,
                    cfg.bound,
                    d.val_starts,
                    d.val_refs,
                    sigma,
                );
                candidates.push(Trained {
                    tab,
                    init: label.clone(),
                    iter: it,
                    train_mse: mse,
                    penalty: pen,
                    validation: v,
                    selection: Selection::Ranked,
                    own_states: own.starts.len(),
                    max_sum_b_residual: 0.0,
                    stopped: Vec::new(),
                    history: Vec::new(),
                });
            }
            if it == cfg.iters {
                break;
            }
            let mut phi = trk.params().to_vec();
            let decay = (cfg.lr_final / cfg.lr).powf(it as f64 / cfg.iters as f64);
            let step = Adam {
                lr: cfg.lr * decay,
                ..adam
            };
            state.apply(&step, &mut phi, &grad);
            if trk.set_params(&phi).is_err() {
                stopped.push((label.clone(), it, "non-finite Adam step".to_string()));
                break;
            }
            max_residual = max_residual.max(trk.project()?.sum_b_residual);
        }
    }
    let vals: Vec<Verdict> = candidates.iter().map(|c| c.validation).collect();
    let max_screened = if d.screen_long.is_empty() {
        0
    } else {
        cfg.max_screened
    };
    let (i, how) = select(&vals, max_screened, |i| {
        let tab = &candidates[i].tab;
        d.screen_long.par_iter().all(|y0| {
            steps_in_bound(tab, &KnownLorenz, h, *y0, cfg.long_steps, cfg.bound) == cfg.long_steps
        })
    })
    .ok_or(TrkError::Config {
        name: "inits",
        value: 0.0,
        expected: "at least one restart that evaluates",
    })?;
    let mut best = candidates.swap_remove(i);
    best.selection = how;
    best.max_sum_b_residual = max_residual;
    best.stopped = stopped;
    best.history = history;
    Ok(best)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiments::lorenz_data::{attractor, reference_path};

    /// The adjoint gradient of the forecast loss in φ matches central differences, for the
    /// plain MSE and for the robust mean ln(1 + MSE / σ²) (with σ² small enough that the
    /// per-start errors are of order σ², where the two differ).
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
        let mut values = Vec::new();
        for (loss, var) in [
            (ForecastLoss::Mse, 1.0),
            (ForecastLoss::LogMse, 1e-7),
            (ForecastLoss::Mse, 1e-7),
        ] {
            let cfg = Config {
                k_steps: 4,
                loss,
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
        // The per-start errors are of order σ² there, where ln(1 + m) < m visibly.
        assert!(
            values[1] > 0.05 && values[1] < 0.9 * values[2],
            "{values:?}"
        );
    }
}
