//! Training one TRK4 at one step size: forecast loss through the discrete adjoint, the
//! stability penalty, Adam with the exact projection `Σb = 1` after every step, restarts from
//! several initial tableaus, and model selection on validation starts with the pass
//! criterion itself.

use super::criterion::{stays_bounded, Verdict};
use super::dissip::DissipSamples;
use super::finish::lbfgs;
use super::loss::loss;
use super::own::OwnStates;
use super::select::{select, Selection};
use super::{Config, Init};
use crate::experiments::lorenz_data::KnownLorenz;
use crate::experiments::trk_error::TrkError;
use crate::train::{Adam, AdamState};
use crate::trainable::{StabilitySamples, TrainableTableau};
use crate::{State, Tableau};
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
    /// Screening forecast starts (bounded over `horizon_steps` steps) of the final selection.
    pub screen_forecasts: &'a [State<3>],
    /// Steps of a forecast over the criterion's horizon.
    pub horizon_steps: usize,
    pub val_starts: &'a [State<3>],
    pub val_refs: &'a [Vec<State<3>>],
    /// Loss normaliser σ² and RMSE threshold σ.
    pub var: f64,
    /// Penalty sample points `w`.
    pub samples: &'a StabilitySamples,
    /// Samples and level of the dissipativity penalty (empty when it is off).
    pub dissip: &'a DissipSamples,
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

/// The initial tableau of a restart (`restart` is its index in `cfg.inits`).
/// `None` for [`Init::Previous`] without a previous tableau.
fn initial(
    init: Init,
    h: f64,
    restart: usize,
    cfg: &Config,
    prev: Option<&Tableau<4>>,
) -> Result<Option<Trk4>, TrkError> {
    let (seed, order) = (cfg.seed, cfg.exact_order);
    Ok(Some(match init {
        Init::Previous => match prev {
            Some(tab) => Trk4::from_tableau(tab, order)?,
            None => return Ok(None),
        },
        Init::Rk4 => Trk4::from_tableau(&Tableau::rk4(), order)?,
        Init::Rk38 => Trk4::from_tableau(&Tableau::rk38(), order)?,
        Init::Perturbed(scale) => {
            let mut trk = Trk4::from_tableau(&Tableau::rk4(), order)?;
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
    // A scored candidate: its verdict on the validation starts.
    let candidate = |tab: Tableau<4>, label: &str, iter, mse, penalty, own_states| Trained {
        validation: Verdict::of(
            &tab,
            &KnownLorenz,
            h,
            d.val_long,
            cfg.long_steps,
            cfg.bound,
            d.val_starts,
            d.val_refs,
            cfg.val_margin * sigma,
        ),
        tab,
        init: label.to_string(),
        iter,
        train_mse: mse,
        penalty,
        selection: Selection::Ranked,
        own_states,
        max_sum_b_residual: 0.0,
        stopped: Vec::new(),
        history: Vec::new(),
    };
    for (restart, &init) in cfg.inits.iter().enumerate() {
        let Some(mut trk) = initial(init, h, restart, cfg, prev)? else {
            continue;
        };
        let label = restart_label(init, restart);
        let mut state = AdamState::new(Trk4::N_PARAMS);
        let mut own = OwnStates::default();
        for it in 0..=cfg.iters {
            if cfg.roll_every > 0 && it % cfg.roll_every == 0 && it < cfg.iters {
                own.refresh(cfg, h, &trk.tableau(), d.starts);
            }
            if cfg.harvests() && it % cfg.harvest_every == 0 && it < cfg.iters {
                own.harvest(cfg, h, &trk.tableau(), d.starts, d.dissip.level);
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
                candidates.push(candidate(
                    trk.tableau(),
                    &label,
                    it,
                    mse,
                    pen,
                    own.starts.len(),
                ));
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
    if cfg.lbfgs_iters > 0 {
        // L-BFGS from the best validation candidate of each of the best `lbfgs_from` restarts.
        let mut best: Vec<usize> = Vec::new();
        for (i, c) in candidates.iter().enumerate() {
            match best.iter().position(|&j| candidates[j].init == c.init) {
                Some(k) if c.validation.better_than(&candidates[best[k]].validation) => best[k] = i,
                Some(_) => {}
                None => best.push(i),
            }
        }
        best.sort_by(|&i, &j| {
            let (a, b) = (&candidates[i].validation, &candidates[j].validation);
            b.better_than(a).cmp(&a.better_than(b))
        });
        best.truncate(cfg.lbfgs_from);
        for i in best {
            let (tab, label, iter) = (
                candidates[i].tab,
                candidates[i].init.clone(),
                candidates[i].iter,
            );
            let mut own = OwnStates::default();
            if cfg.harvests() {
                for _ in 0..cfg.lbfgs_harvest {
                    own.harvest(cfg, h, &tab, d.starts, d.dissip.level);
                }
            }
            let (tab, residual, stop) = lbfgs(cfg, h, d, &tab, &own)?;
            max_residual = max_residual.max(residual);
            let label = format!("{label}+lbfgs");
            if let Some(why) = stop {
                stopped.push((label.clone(), iter, why));
            }
            let trk = Trk4::from_tableau(&tab, cfg.exact_order)?;
            let (mse, pen, _) = loss(cfg, h, &trk, d, &OwnStates::default())?;
            history.push((label.clone(), iter, mse + cfg.mu * pen));
            candidates.push(candidate(tab, &label, iter, mse, pen, 0));
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
        let bounded =
            |y0: &State<3>, steps| stays_bounded(tab, &KnownLorenz, h, *y0, steps, cfg.bound);
        // The cheap forecasts first: most failing candidates overflow there.
        d.screen_forecasts
            .par_iter()
            .all(|y0| bounded(y0, d.horizon_steps))
            && d.screen_long
                .par_iter()
                .all(|y0| bounded(y0, cfg.long_steps))
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
