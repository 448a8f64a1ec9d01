//! The experiment's charts (feature `plot`).

use super::Outcome;
use crate::report::chart::{LineChart, Series};
use crate::report::ReportError;
use std::path::Path;

fn component(times: &[f64], states: &[[f64; 2]], c: usize) -> Vec<(f64, f64)> {
    times.iter().zip(states).map(|(t, y)| (*t, y[c])).collect()
}

fn case_study(o: &Outcome, c: usize, dir: &Path) -> Result<(), ReportError> {
    let d = &o.data;
    LineChart::new(
        &format!("Forced Van der Pol, collocation fit: y{c}"),
        "t",
        &format!("y{c}"),
    )
    .with(Series::line(
        "truth [0, 15]",
        component(&d.t_nodes, &d.y_true, c),
    ))
    .with(Series::line(
        "truth [15, 30]",
        component(&d.t_test, &d.y_test_true, c),
    ))
    .with(Series::points(
        "observations",
        component(&d.t_nodes, &d.y_noisy, c),
    ))
    .with(Series::line(
        "collocation node states",
        component(&d.t_nodes, &o.case.node_states, c),
    ))
    .with(Series::line(
        "learned ODE on test",
        component(&d.t_test, &o.case.test_prediction, c),
    ))
    .write_svg(&dir.join(format!("case_study_y{c}.svg")))
}

pub(super) fn write(o: &Outcome, dir: &Path) -> Result<(), ReportError> {
    for c in 0..2 {
        case_study(o, c, dir)?;
    }
    let s = &o.sequential;
    let t_end = s.curve.last().map_or(1.0, |p| p.0);
    LineChart::new(
        "Sequential training: train MSE against wall time",
        "wall time [s]",
        "train MSE",
    )
    .log_y()
    .with(Series::line("sequential (Adam + L-BFGS)", s.curve.clone()))
    .with(Series::line(
        "collocation result (target)",
        vec![(0.0, s.target_mse), (t_end, s.target_mse)],
    ))
    .with(Series::points(
        "collocation (IPM)",
        vec![(o.case.wall_secs, o.case.train_mse)],
    ))
    .write_svg(&dir.join("sequential_mse.svg"))?;
    let a = &o.admm;
    let per_iter = |f: &dyn Fn(usize) -> f64| -> Vec<(f64, f64)> {
        a.history
            .iter()
            .enumerate()
            .map(|(i, it)| (it.iter as f64, f(i)))
            .collect()
    };
    LineChart::new("ADMM residuals", "iteration", "residual")
        .log_y()
        .with(Series::line(
            "primal ‖r‖₂",
            per_iter(&|i| a.history[i].primal),
        ))
        .with(Series::line("dual ‖s‖", per_iter(&|i| a.history[i].dual)))
        .write_svg(&dir.join("admm_residuals.svg"))?;
    LineChart::new("ADMM: consensus model trajectory MSE", "iteration", "MSE")
        .log_y()
        .with(Series::line(
            "trajectory MSE",
            per_iter(&|i| a.trajectory_mse[i]),
        ))
        .write_svg(&dir.join("admm_mse.svg"))?;
    let mut chart = LineChart::new("ADMM consensus model per window: y0", "t", "y0");
    for (k, (w, p)) in a.windows.iter().zip(&a.prediction).enumerate() {
        chart = chart
            .with(Series::line(
                &format!("truth window {k}"),
                component(&w.t, &w.y_true, 0),
            ))
            .with(Series::line(
                &format!("consensus model window {k}"),
                component(&w.t, p, 0),
            ));
    }
    chart.write_svg(&dir.join("admm_trajectories.svg"))
}
