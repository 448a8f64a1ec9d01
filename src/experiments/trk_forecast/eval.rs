//! Test-set scores of a trained model: forecast RMSE at `t₀ + h` and `t₀ + 4h` and the NFE per
//! step of size h.

use super::{dopri8, Config, Model, Observations, Scheme};
use crate::{solve_at, solve_fixed, State, Stepping, Tableau, Trajectory, VectorField};

/// Forecast scores over the test windows.
///
/// Two RMSEs per horizon: the *mean RMSE* (each forecast's RMSE over the three components,
/// then the mean over forecasts: the and the source's "mean forecast RMSE", the
/// figure compared with the published table) and the *pooled RMSE* (the root of the mean
/// squared error over all forecasts and components). The mean RMSE is never above the pooled
/// one (Jensen); they differ where a few windows carry most of the error.
#[derive(Clone, Debug, PartialEq)]
pub struct Scores {
    /// Mean over the successful forecasts of each forecast's RMSE (state units, over the three
    /// components) at `t₀ + h`; `NaN` if every forecast failed. Failed forecasts are counted
    /// in `failed`, not averaged.
    pub mean_rmse_h: f64,
    /// Mean RMSE at `t₀ + 4h` (the window's last step if the window is shorter).
    pub mean_rmse_4h: f64,
    /// Pooled RMSE (state units, over the successful forecasts and components) at `t₀ + h`;
    /// `NaN` if every forecast failed.
    pub rmse_h: f64,
    /// Pooled RMSE at `t₀ + 4h`.
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
    let (mut sq1, mut sq4, mut nfe) = (Vec::new(), Vec::new(), 0.0);
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
                sq1.push((y[0] - refs[0]).norm_squared());
                sq4.push((y[last] - refs[last]).norm_squared());
                nfe += n as f64 / cfg.window as f64;
            }
            None => failed_at.push(i),
        }
    }
    let (mean_rmse_h, rmse_h) = mean_and_pooled(&sq1);
    let (mean_rmse_4h, rmse_4h) = mean_and_pooled(&sq4);
    Scores {
        mean_rmse_h,
        mean_rmse_4h,
        rmse_h,
        rmse_4h,
        nfe_per_step: if sq1.is_empty() {
            f64::NAN
        } else {
            nfe / sq1.len() as f64
        },
        failed: failed_at.len(),
        failed_at,
        windows: obs.test.len(),
    }
}

/// `(mean RMSE, pooled RMSE)` of 3-component forecasts from their squared error norms `sq`
/// (one per forecast): the mean of `√(e/3)` and `√(mean(e)/3)`; both `NaN` for no forecast.
fn mean_and_pooled(sq: &[f64]) -> (f64, f64) {
    if sq.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    let n = sq.len() as f64;
    let mean = sq.iter().map(|e| (e / 3.0).sqrt()).sum::<f64>() / n;
    let pooled = (sq.iter().sum::<f64>() / n / 3.0).sqrt();
    (mean, pooled)
}

#[cfg(test)]
mod tests {
    use super::mean_and_pooled;
    use approx::assert_relative_eq;

    /// Squared error norms 3 and 12 over three components: per-forecast RMSEs 1 and 2, so the
    /// mean RMSE is 1.5 and the pooled one √((3 + 12) / 2 / 3) = √2.5.
    #[test]
    fn mean_rmse_is_the_mean_of_per_forecast_rmses_and_pooled_is_above_it() {
        let (mean, pooled) = mean_and_pooled(&[3.0, 12.0]);
        assert_relative_eq!(mean, 1.5, max_relative = 1e-15);
        assert_relative_eq!(pooled, 2.5f64.sqrt(), max_relative = 1e-15);
        // Equal errors: both agree.
        let (mean, pooled) = mean_and_pooled(&[0.75, 0.75, 0.75]);
        assert_relative_eq!(mean, 0.5, max_relative = 1e-15);
        assert_relative_eq!(pooled, 0.5, max_relative = 1e-15);
        let (mean, pooled) = mean_and_pooled(&[]);
        assert!(mean.is_nan() && pooled.is_nan());
    }
}
