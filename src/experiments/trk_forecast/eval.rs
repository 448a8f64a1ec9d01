//! Test-set scores of a trained model: forecast RMSE at `t₀ + h` and `t₀ + 4h` and the NFE per
//! step of size h.

use super::{dopri8, Config, Model, Observations, Scheme};
use crate::{solve_at, solve_fixed, State, Stepping, Tableau, Trajectory, VectorField};

/// Forecast scores over the test windows.
#[derive(Clone, Debug, PartialEq)]
pub struct Scores {
    /// RMSE (state units, over the successful forecasts and components) at `t₀ + h`; `NaN` if
    /// every forecast failed. Failed forecasts are counted in `failed`, not averaged.
    pub rmse_h: f64,
    /// RMSE at `t₀ + 4h` (the window's last step if the window is shorter).
    pub rmse_4h: f64,
    /// Mean function evaluations per step of size h over the successful forecasts (fixed-step
    /// schemes: exactly their stage count; Dopri8: all stages of accepted and rejected steps
    /// plus dense output, as counted by the solver).
    pub nfe_per_step: f64,
    /// Forecasts that failed (solver error or non-finite state).
    pub failed: usize,
    /// Indices of the failed test windows (window `i` starts at the test stretch's `i`-th
    /// observation).
    pub failed_at: Vec<usize>,
    /// Test windows.
    pub windows: usize,
}

/// Fixed steps of size `h` straight to each save time `h, 2h, …` (no dense output, so the NFE
/// is exactly `S` per step).
fn forecast_fixed<const S: usize, F: VectorField<3>>(
    tab: &Tableau<S>,
    f: &F,
    y0: State<3>,
    h: f64,
    steps: usize,
) -> Option<(Vec<State<3>>, usize)> {
    let mut y = y0;
    let mut nfe = 0;
    let mut out = Vec::with_capacity(steps);
    for k in 0..steps {
        let t = h * k as f64;
        let (yn, st) = solve_fixed(tab, f, t, t + h, y, h).ok()?;
        if !yn.iter().all(|v| v.is_finite()) {
            return None;
        }
        nfe += st.nfe;
        out.push(yn);
        y = yn;
    }
    Some((out, nfe))
}

fn forecast<const S: usize, F: VectorField<3>>(
    tab: &Tableau<S>,
    f: &F,
    y0: State<3>,
    times: &[f64],
    stepping: &Stepping<f64>,
) -> Option<Trajectory<3>> {
    solve_at(tab, f, 0.0, y0, times, stepping)
        .ok()
        .filter(|tr| tr.y.iter().all(|y| y.iter().all(|v| v.is_finite())))
}

/// Score `model` on the test windows of `obs`.
pub fn evaluate(cfg: &Config, obs: &Observations, model: &Model) -> Scores {
    let h = obs.h;
    let times: Vec<f64> = (1..=cfg.window).map(|k| h * k as f64).collect();
    let last = cfg.window.min(4) - 1;
    let (mut sq1, mut sq4, mut nfe, mut ok) = (0.0, 0.0, 0.0, 0usize);
    let mut failed_at = Vec::new();
    for (i, (y0, refs)) in obs.test.iter().enumerate() {
        let path: Option<(Vec<State<3>>, usize)> = match model {
            Model::Sindy(m) => forecast(&Tableau::<12>::dop853(), m, *y0, &times, &dopri8(cfg))
                .map(|tr| (tr.y, tr.stats.nfe)),
            Model::Neural { field, scheme } => {
                let u0 = obs.standardise(y0);
                let n = cfg.window;
                let tr = match scheme {
                    Scheme::Euler => forecast_fixed(&Tableau::<1>::euler(), field, u0, h, n),
                    Scheme::Rk4 => forecast_fixed(&Tableau::<4>::rk4(), field, u0, h, n),
                    Scheme::Dopri8 => {
                        forecast(&Tableau::<12>::dop853(), field, u0, &times, &dopri8(cfg))
                            .map(|tr| (tr.y, tr.stats.nfe))
                    }
                    Scheme::Trk10(t) => forecast_fixed(t.as_ref(), field, u0, h, n),
                };
                tr.map(|(u, nfe)| (u.iter().map(|u| obs.restore(u)).collect(), nfe))
            }
        };
        match path {
            Some((y, n)) => {
                sq1 += (y[0] - refs[0]).norm_squared();
                sq4 += (y[last] - refs[last]).norm_squared();
                nfe += n as f64 / cfg.window as f64;
                ok += 1;
            }
            None => failed_at.push(i),
        }
    }
    let per_forecast = |x: f64| if ok == 0 { f64::NAN } else { x / ok as f64 };
    Scores {
        rmse_h: (per_forecast(sq1) / 3.0).sqrt(),
        rmse_4h: (per_forecast(sq4) / 3.0).sqrt(),
        nfe_per_step: per_forecast(nfe),
        failed: failed_at.len(),
        failed_at,
        windows: obs.test.len(),
    }
}
