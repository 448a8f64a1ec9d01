//! Writing trk-forecast's results: the RMSE/NFE table and the learned TRK10 tableaus.

use super::Outcome;
use crate::experiments::trk_error::TrkError;
use crate::report::{create_dir, Table};
use std::path::Path;

fn num(x: f64) -> String {
    if x.is_finite() {
        format!("{x:.4}")
    } else {
        format!("{x}")
    }
}

/// Where the failed forecasts start, in time units after the start of the test stretch
/// (at most 8 listed).
fn failures(h: f64, at: &[usize]) -> String {
    let mut s: Vec<String> = at
        .iter()
        .take(8)
        .map(|&i| format!("{:.1}", h * i as f64))
        .collect();
    if at.len() > 8 {
        s.push("…".into());
    }
    format!("diverged from test t = {}", s.join(", "))
}

/// One row per (h, method): RMSE at t₀+h and t₀+4h, NFE per step, failures, training loss.
pub fn results_table(out: &Outcome) -> Table {
    let c = &out.config;
    let sizes = out
        .sizes
        .iter()
        .map(|(h, tr, te)| format!("h={h}: {tr} train / {te} test windows"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut t = Table::new(
        &format!(
            "trk-forecast: Lorenz-63 identification, noise σ = {}, MLP 3→{:?}→3 tanh, {} Adam + {} L-BFGS one-step + {} L-BFGS iterations on each of the {:?}-step windows; {:?} from the {} (see note): no Adam + {} L-BFGS one-step + the same window stages (Dopri8: × {}, rtol = atol = {}; TRK10 from {:?}, φ rate {} in Adam, {} in L-BFGS) ({sizes})",
            c.noise,
            c.hidden,
            c.iters,
            c.lbfgs_iters,
            c.horizon_iters,
            c.horizon_steps(),
            c.from_euler,
            match c.warm_start {
                super::WarmStart::Euler => "trained Euler model's θ".to_string(),
                super::WarmStart::Derivative => format!(
                    "θ fitted by {} L-BFGS iterations to {}-point central differences",
                    c.derivative_iters,
                    2 * c.derivative_stencil + 1
                ),
            },
            c.warm_lbfgs_iters,
            c.dopri8_budget,
            c.dopri8_tol,
            c.trk_start(),
            c.phi_adam,
            c.phi_lbfgs
        ),
        &[
            "h",
            "model",
            "mean RMSE t0+h",
            "mean RMSE t0+4h",
            "pooled RMSE t0+h",
            "pooled RMSE t0+4h",
            "NFE/step",
            "failed forecasts",
            "train loss start",
            "one-step loss start → end",
            "train loss end",
            "note",
        ],
    );
    for e in &out.entries {
        let mut note: Vec<String> = Vec::new();
        match &e.warm {
            Some(super::Warm::Euler) => note.push("from Euler θ".into()),
            Some(super::Warm::Derivative(log)) => note.push(format!(
                "from derivative-fit θ ({} / {} L-BFGS, MSE {:.3e} → {:.3e})",
                log.iters, log.budget, log.first, log.end
            )),
            None => {}
        }
        if let Some(why) = &e.fit.stopped {
            note.push(format!("stopped: {why}"));
        }
        if e.fit.active_terms > 0 {
            note.push(format!("{} active terms", e.fit.active_terms));
        }
        if e.scores.failed > 0 {
            note.push(failures(e.h, &e.scores.failed_at));
        }
        t.push([
            format!("{:.1}", e.h),
            e.method.label().to_string(),
            num(e.scores.mean_rmse_h),
            num(e.scores.mean_rmse_4h),
            num(e.scores.rmse_h),
            num(e.scores.rmse_4h),
            format!("{:.1}", e.scores.nfe_per_step),
            format!("{}/{}", e.scores.failed, e.scores.windows),
            format!("{:.3e}", e.fit.loss_start),
            format!("{:.3e} → {:.3e}", e.fit.one_step_start, e.fit.loss_one_step),
            format!("{:.3e}", e.fit.loss_end),
            note.join("; "),
        ]);
    }
    t
}

/// One row per (h, neural model, L-BFGS stage): window length, iterations run of the budget,
/// loss after the first iteration, after 90 % of them and at the end (is the stage converged?).
pub fn stages_table(out: &Outcome) -> Table {
    let c = &out.config;
    let steps: Vec<usize> = [1].into_iter().chain(c.horizon_steps()).collect();
    let mut t = Table::new(
        "trk-forecast: L-BFGS stages (standardised MSE on the stage's windows)",
        &[
            "h",
            "model",
            "window steps",
            "iterations run / budget",
            "loss after 1st",
            "loss at 90 %",
            "loss end",
        ],
    );
    for e in &out.entries {
        for (log, k) in e.fit.lbfgs.iter().zip(&steps) {
            t.push([
                format!("{:.1}", e.h),
                e.method.label().to_string(),
                k.to_string(),
                format!("{} / {}", log.iters, log.budget),
                format!("{:.3e}", log.first),
                format!("{:.3e}", log.late),
                format!("{:.3e}", log.end),
            ]);
        }
    }
    t
}

/// Write `trk_forecast.{md,csv}`, `trk_forecast_stages.{md,csv}` ([`stages_table`]) and
/// `trk_forecast_tableaus.{md,csv}` (the learned TRK10 `b`, `c` and achieved order per h)
/// into `dir` (created if missing).
///
/// # Errors
/// [`TrkError::Report`] for unwritable files; [`TrkError::Stability`] never (reports use
/// the order residuals only).
pub fn write(out: &Outcome, dir: &Path) -> Result<(), TrkError> {
    create_dir(dir)?;
    results_table(out).write(dir, "trk_forecast")?;
    stages_table(out).write(dir, "trk_forecast_stages")?;
    let mut t = Table::new(
        "trk-forecast: learned TRK10 tableaus",
        &["h", "start", "achieved order", "c", "b"],
    );
    let list = |v: &[f64]| {
        v.iter()
            .map(|x| format!("{x:.5}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    for e in &out.entries {
        if let Some(tab) = &e.tableau {
            t.push([
                format!("{:.1}", e.h),
                out.config.trk_start().tableau().name.to_string(),
                crate::tableau::order::achieved_order(tab, 1e-8).to_string(),
                list(&tab.c),
                list(&tab.b),
            ]);
        }
    }
    t.write(dir, "trk_forecast_tableaus")?;
    Ok(())
}
