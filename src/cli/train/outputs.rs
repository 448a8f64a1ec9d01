//! What a finished run writes: `model.json`, `history.csv`, `loss.svg`, `fit.svg`.

use super::checkpoint::HistoryRow;
use super::TrainCmdError;
use nodal::data::Dataset;
use nodal::model::{Coefficients, Model, ModelError};
use nodal::report::chart::{LineChart, Series};
use nodal::report::{write_atomic, Table};
use std::path::Path;

/// Trajectories drawn in `fit.svg` (the first ones of the data).
const FIT_TRAJECTORIES: usize = 2;
/// Points of each predicted curve in `fit.svg`.
const FIT_POINTS: usize = 400;

/// Write `history.csv`: iteration, optimizer, loss, val_loss, nfe, seconds (empty cells where a
/// value was not computed), then, only when some row has them, `regularizer` and `reg_weight`
/// (regularized runs), `stability_penalty` and `sum_b_residual` (trainable tableau).
pub fn history_csv(dir: &Path, rows: &[HistoryRow]) -> Result<(), TrainCmdError> {
    type Extra = fn(&HistoryRow) -> Option<f64>;
    let all: [(&str, Extra); 4] = [
        ("regularizer", |r| r.regularizer),
        ("reg_weight", |r| r.reg_weight),
        ("stability_penalty", |r| r.stability),
        ("sum_b_residual", |r| r.sum_b_residual),
    ];
    let extras: Vec<(&str, Extra)> = all
        .into_iter()
        .filter(|(_, get)| rows.iter().any(|r| get(r).is_some()))
        .collect();
    let mut header = vec![
        "iteration",
        "optimizer",
        "loss",
        "val_loss",
        "nfe",
        "seconds",
    ];
    header.extend(extras.iter().map(|(name, _)| *name));
    let mut t = Table::new("history", &header);
    let cell = |v: Option<f64>| v.map_or(String::new(), |v| format!("{v:e}"));
    for r in rows {
        let mut cells = vec![
            r.iteration.to_string(),
            r.optimizer.clone(),
            format!("{:e}", r.loss),
            cell(r.val_loss),
            r.nfe.map_or(String::new(), |v| v.to_string()),
            format!("{:.3}", r.seconds),
        ];
        cells.extend(extras.iter().map(|(_, get)| cell(get(r))));
        t.push(cells);
    }
    write_atomic(&dir.join("history.csv"), t.to_csv()?.as_bytes())?;
    Ok(())
}

/// `stability.svg`: the boundary `|R(w)| = 1` of the trained tableau with classical RK4's
/// for comparison ([`nodal::trainable::plot`]).
pub fn stability_plot(dir: &Path, coef: &Coefficients) -> Result<(), TrainCmdError> {
    use nodal::trainable::plot::{plot_stability_regions, RegionCurve};
    let s = coef.stages();
    let curve = nodal::with_stages!(s, S => coef.to_tableau::<S>().map(|tab| {
        RegionCurve::of(&format!("trained ({s} stages)"), &tab)
    }));
    let plot_err = |e: nodal::trainable::plot::PlotError| {
        TrainCmdError::Setting(format!("stability plot: {e}"))
    };
    let curve = match curve {
        Some(c) => c?.map_err(plot_err)?,
        None => {
            return Err(ModelError::BadTableau {
                message: format!("{s} stages cannot be plotted"),
            }
            .into())
        }
    };
    plot_stability_regions(
        &dir.join("stability.svg"),
        "Stability region of the trained tableau (w = λh)",
        &[curve],
    )
    .map_err(plot_err)
}

/// `loss.svg`: training and validation loss per iteration (log scale).
pub fn loss_plot(dir: &Path, rows: &[HistoryRow]) -> Result<(), TrainCmdError> {
    let train = rows.iter().map(|r| (r.iteration as f64, r.loss)).collect();
    let val: Vec<(f64, f64)> = rows
        .iter()
        .filter_map(|r| r.val_loss.map(|v| (r.iteration as f64, v)))
        .collect();
    let mut c = LineChart::new("Loss", "iteration", "MSE (scaled units)")
        .log_y()
        .with(Series::line("training (batch)", train));
    if !val.is_empty() {
        c = c.with(Series::line("validation", val));
    }
    c.write_svg(&dir.join("loss.svg"))?;
    Ok(())
}

/// `fit.svg`: observations (points) and the model's prediction from each trajectory's first
/// row (lines), for the first [`FIT_TRAJECTORIES`] trajectories, every state.
pub fn fit_plot(dir: &Path, model: &Model, raw: &Dataset) -> Result<(), TrainCmdError> {
    let mut c = LineChart::new(
        "Observed vs predicted",
        &raw.time_name,
        "state (data units)",
    );
    for tr in raw.trajectories.iter().take(FIT_TRAJECTORIES) {
        let (t0, t1) = (tr.times[0], tr.times[tr.times.len() - 1]);
        let times: Vec<f64> = (0..=FIT_POINTS)
            .map(|i| t0 + (t1 - t0) * i as f64 / FIT_POINTS as f64)
            .collect();
        let y0: Vec<f64> = tr.values[0].iter().map(|v| v.unwrap_or(0.0)).collect();
        let pred = model.predict(t0, &y0, &times)?;
        let tag = if raw.trajectories.len() > 1 {
            format!(" [{}]", tr.id)
        } else {
            String::new()
        };
        for (k, name) in raw.state_names.iter().enumerate() {
            let obs = tr
                .times
                .iter()
                .zip(&tr.values)
                .filter_map(|(&t, row)| row[k].map(|v| (t, v)))
                .collect();
            c = c.with(Series::points(&format!("{name}{tag} observed"), obs));
            let line = times
                .iter()
                .zip(&pred.states)
                .map(|(&t, y)| (t, y[k]))
                .collect();
            c = c.with(Series::line(&format!("{name}{tag} model"), line));
        }
    }
    c.write_svg(&dir.join("fit.svg"))?;
    Ok(())
}

/// `observations.csv`: the data the run used (useful for simulated data): time, trajectory
/// id, states.
pub fn observations_csv(dir: &Path, raw: &Dataset) -> Result<(), TrainCmdError> {
    let mut header = vec![raw.time_name.clone(), "trajectory".to_string()];
    header.extend(raw.state_names.iter().cloned());
    let mut t = Table::new("observations", &header);
    for tr in &raw.trajectories {
        for (time, row) in tr.times.iter().zip(&tr.values) {
            let mut cells = vec![format!("{time:e}"), tr.id.clone()];
            cells.extend(
                row.iter()
                    .map(|v| v.map_or(String::new(), |v| format!("{v:e}"))),
            );
            t.push(cells);
        }
    }
    write_atomic(&dir.join("observations.csv"), t.to_csv()?.as_bytes())?;
    Ok(())
}
