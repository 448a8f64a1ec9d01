//! The pass criterion of trk-stability, applied identically to RK4 and every learned TRK4:
//! (1) **bounded**: from each long-run start, `long_steps` fixed steps of size `h` keep every
//! state finite with `‖y‖₂ ≤ bound`; (2) **accurate**: the RMSE over the forecast starts,
//! every step time in `(0, horizon]` and the 3 components, against the DOP853 reference, is
//! below σ (the attractor's pooled per-component standard deviation; a forecast above σ has
//! no skill over predicting the mean). A forecast that overflows makes the RMSE infinite.

use crate::{solve_fixed, State, Tableau, VectorField};

/// The two parts of the criterion for one scheme at one step size.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Verdict {
    /// How many long runs stayed bounded.
    pub bounded_runs: usize,
    /// How many long runs were tried.
    pub long_runs: usize,
    /// Forecast RMSE over `(0, horizon]` (`inf` if a forecast overflowed).
    pub rmse: f64,
    /// How many forecasts kept `‖y‖₂ ≤ bound` over the whole horizon.
    pub bounded_forecasts: usize,
    /// RMSE over those bounded forecasts only (`inf` if none); used to rank candidates when
    /// `rmse` is infinite.
    pub rmse_bounded: f64,
    /// Whether every long run stayed bounded and `rmse < threshold`.
    pub pass: bool,
}

impl Verdict {
    /// Ranking of candidates (larger is better): more bounded long runs and forecasts
    /// first, then lower RMSE over the bounded forecasts.
    pub fn better_than(&self, other: &Self) -> bool {
        let (a, b) = (
            self.bounded_runs + self.bounded_forecasts,
            other.bounded_runs + other.bounded_forecasts,
        );
        a > b || (a == b && self.rmse_bounded < other.rmse_bounded)
    }

    /// Apply the criterion: `long_starts` for the long runs, `starts` with their reference
    /// paths `refs` (at `h, 2h, …`) for the RMSE.
    #[allow(clippy::too_many_arguments)]
    pub fn of<const S: usize, F: VectorField<3>>(
        tab: &Tableau<S>,
        f: &F,
        h: f64,
        long_starts: &[State<3>],
        long_steps: usize,
        bound: f64,
        starts: &[State<3>],
        refs: &[Vec<State<3>>],
        threshold: f64,
    ) -> Self {
        let bounded_runs = long_starts
            .iter()
            .filter(|y0| stays_bounded(tab, f, h, **y0, long_steps, bound))
            .count();
        let rmse = forecast_rmse(tab, f, h, starts, refs);
        let kept: Vec<usize> = (0..starts.len())
            .filter(|&i| stays_bounded(tab, f, h, starts[i], refs[i].len(), bound))
            .collect();
        let rmse_bounded = forecast_rmse(
            tab,
            f,
            h,
            &kept.iter().map(|&i| starts[i]).collect::<Vec<_>>(),
            &kept.iter().map(|&i| refs[i].clone()).collect::<Vec<_>>(),
        );
        Self {
            bounded_runs,
            long_runs: long_starts.len(),
            rmse,
            bounded_forecasts: kept.len(),
            rmse_bounded: if kept.is_empty() {
                f64::INFINITY
            } else {
                rmse_bounded
            },
            pass: bounded_runs == long_starts.len() && rmse < threshold,
        }
    }
}

/// How many of `steps` fixed steps of size `h` from `y0` end finite with `‖y‖₂ ≤ bound`
/// before the first that does not (`steps` if all do).
pub fn steps_in_bound<const S: usize, F: VectorField<3>>(
    tab: &Tableau<S>,
    f: &F,
    h: f64,
    y0: State<3>,
    steps: usize,
    bound: f64,
) -> usize {
    walk(tab, f, h, y0, steps, bound, |_, _| {})
}

/// Whether all `steps` fixed steps of size `h` from `y0` end finite with `‖y‖₂ ≤ bound`.
pub fn stays_bounded<const S: usize, F: VectorField<3>>(
    tab: &Tableau<S>,
    f: &F,
    h: f64,
    y0: State<3>,
    steps: usize,
    bound: f64,
) -> bool {
    steps_in_bound(tab, f, h, y0, steps, bound) == steps
}

/// [`steps_in_bound`] that also hands every in-bound state `y_k` (k = 1, 2, …) to `visit`.
pub fn walk<const S: usize, F: VectorField<3>>(
    tab: &Tableau<S>,
    f: &F,
    h: f64,
    y0: State<3>,
    steps: usize,
    bound: f64,
    mut visit: impl FnMut(usize, &State<3>),
) -> usize {
    let mut y = y0;
    for k in 0..steps {
        let t = h * k as f64;
        match solve_fixed(tab, f, t, t + h, y, h) {
            Ok((yn, _)) if yn.norm() <= bound => y = yn,
            _ => return k,
        }
        visit(k + 1, &y);
    }
    steps
}

/// RMSE of fixed-step forecasts from `starts` against `refs` (each at `h, 2h, …`), over all
/// steps and components; `inf` if any forecast fails or overflows.
pub fn forecast_rmse<const S: usize, F: VectorField<3>>(
    tab: &Tableau<S>,
    f: &F,
    h: f64,
    starts: &[State<3>],
    refs: &[Vec<State<3>>],
) -> f64 {
    let mut sq = 0.0;
    let mut n = 0usize;
    for (y0, r) in starts.iter().zip(refs) {
        let mut y = *y0;
        for (k, yr) in r.iter().enumerate() {
            let t = h * k as f64;
            match solve_fixed(tab, f, t, t + h, y, h) {
                Ok((yn, _)) => y = yn,
                Err(_) => return f64::INFINITY,
            }
            sq += (y - yr).norm_squared();
            n += 3;
        }
    }
    let rmse = (sq / n.max(1) as f64).sqrt();
    if rmse.is_finite() {
        rmse
    } else {
        f64::INFINITY
    }
}
