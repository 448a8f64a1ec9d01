//! Saving the solution at given times through dense output.

use super::{check_y0, Accepted, Adaptive, Stats, StepObserver};
use crate::dense::interpolate;
use crate::tableau::{to_f64, Interpolant};
use crate::{SolveError, State, Tableau, VectorField};
use nalgebra::RealField;

/// How [`solve_at`] steps: fixed step magnitude, or adaptive with options.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Stepping<T = f64> {
    /// Fixed steps of this magnitude (see [`crate::solve_fixed`]).
    Fixed(T),
    /// Adaptive steps (see [`crate::solve_adaptive`]).
    Adaptive(Adaptive<T>),
}

/// The solution saved at the requested times.
#[derive(Clone, Debug, PartialEq)]
pub struct Trajectory<const D: usize, T = f64> {
    /// The save times, as requested.
    pub t: Vec<T>,
    /// The state at each save time.
    pub y: Vec<State<D, T>>,
    /// Counters of the underlying solve.
    pub stats: Stats,
}

/// Fills in the states at the save times from accepted steps (dense output). Shared by
/// [`solve_at`] and the adjoint's recording solve.
pub(crate) struct SaveAt<'a, const S: usize, const D: usize, T: RealField + Copy> {
    tab: &'a Tableau<S, T>,
    times: &'a [T],
    dir: T,
    next: usize,
    /// The saved states, in the order of `times`.
    pub(crate) out: Vec<State<D, T>>,
}

impl<'a, const S: usize, const D: usize, T: RealField + Copy> SaveAt<'a, S, D, T> {
    /// A saver for `times` (checked by [`check_save_times`], direction `dir`); the leading save
    /// times equal to `t0` get `y0` at once. Returns the saver and how many those were.
    pub(crate) fn new(
        tab: &'a Tableau<S, T>,
        times: &'a [T],
        t0: T,
        y0: State<D, T>,
        dir: T,
    ) -> (Self, usize) {
        let mut out = Vec::with_capacity(times.len());
        while out.len() < times.len() && times[out.len()] == t0 {
            out.push(y0);
        }
        let at_start = out.len();
        let save = Self {
            tab,
            times,
            dir,
            next: at_start,
            out,
        };
        (save, at_start)
    }

    /// Whether every save time has its state.
    pub(crate) fn done(&self) -> bool {
        self.next == self.times.len()
    }

    /// Save the times that fall in the accepted step `st`, calling `on_save(θ)` for each
    /// (θ = (t_s − t)/h ∈ (0, 1]).
    pub(crate) fn save_in_step(&mut self, st: &Accepted<'_, S, D, T>, mut on_save: impl FnMut(T)) {
        let t_end = st.t + st.h;
        while self.next < self.times.len() {
            let ts = self.times[self.next];
            if (ts - t_end) * self.dir > T::zero() {
                break;
            }
            let theta = (ts - st.t) / st.h;
            let y = if theta >= T::one() {
                *st.y_new
            } else {
                // Cannot be `None`: `check_save_times` checked the stage count, and the loops
                // provide f(t + h, y⁺) because `wants_end_derivative` asks for it.
                interpolate(self.tab, st, theta).unwrap_or(*st.y_new)
            };
            self.out.push(y);
            on_save(theta);
            self.next += 1;
        }
    }
}

impl<const S: usize, const D: usize, T: RealField + Copy> StepObserver<S, D, T>
    for SaveAt<'_, S, D, T>
{
    fn wants_end_derivative(&self) -> bool {
        self.tab.interpolant == Interpolant::Hermite
    }

    fn on_accept(&mut self, st: &Accepted<'_, S, D, T>) {
        self.save_in_step(st, |_| {});
    }
}

/// Check the inputs of a solve that saves at `times` (used by [`solve_at`] and by the
/// adjoint's recording solve): finite `t0` and last time, finite `y0`, a stage count that fits
/// the tableau's interpolant, and save times that are finite, inside `[t0, t_last]` and
/// non-decreasing in the direction of integration. Returns that direction (±1).
pub(crate) fn check_save_times<const S: usize, const D: usize, T: RealField + Copy>(
    tab: &Tableau<S, T>,
    t0: T,
    y0: &State<D, T>,
    times: &[T],
) -> Result<T, SolveError> {
    let t1 = *times.last().ok_or(SolveError::NoSaveTimes)?;
    if !t0.is_finite() || !t1.is_finite() {
        return Err(SolveError::NonFiniteTime {
            t0: to_f64(t0),
            t1: to_f64(t1),
        });
    }
    check_y0(y0)?;
    if matches!(tab.interpolant, Interpolant::Dopri5 | Interpolant::Tsit5) && S != 7 {
        return Err(SolveError::InvalidOption {
            name: "interpolant",
            value: S as f64,
            expected: "7 stages for the Dopri5 and Tsit5 interpolants",
        });
    }
    let dir = if t1 >= t0 { T::one() } else { -T::one() };
    let mut prev = t0;
    for (index, &t) in times.iter().enumerate() {
        if !t.is_finite() || (t - prev) * dir < T::zero() || (t - t1) * dir > T::zero() {
            return Err(SolveError::InvalidSaveTime {
                index,
                t: to_f64(t),
                t0: to_f64(t0),
                t1: to_f64(t1),
            });
        }
        prev = t;
    }
    Ok(dir)
}

/// Solve from `(t0, y0)` and return the state at each of `times` (non-decreasing in the
/// direction of integration, inside `[t0, t_last]`; `t_last` is the end of the solve).
///
/// Steps are not shortened to hit the save times: the tableau's dense output fills them in
/// (Dopri5's and Tsit5's own interpolants, cubic Hermite otherwise). Allocates the output
/// once.
///
/// # Errors
/// [`SolveError::NoSaveTimes`], [`SolveError::InvalidSaveTime`] for a non-finite, out-of-span
/// or out-of-order time, and everything the underlying solver reports.
pub fn solve_at<const S: usize, const D: usize, T, F>(
    tab: &Tableau<S, T>,
    f: &F,
    t0: T,
    y0: State<D, T>,
    times: &[T],
    stepping: &Stepping<T>,
) -> Result<Trajectory<D, T>, SolveError>
where
    T: RealField + Copy,
    F: VectorField<D, T> + ?Sized,
{
    let dir = check_save_times(tab, t0, &y0, times)?;
    let t1 = *times.last().ok_or(SolveError::NoSaveTimes)?;
    let (mut obs, _) = SaveAt::new(tab, times, t0, y0, dir);
    let stats = if obs.done() {
        tab.validate()?;
        Stats::default()
    } else {
        let (_, stats) = match stepping {
            Stepping::Fixed(h) => super::solve_fixed_with(tab, f, t0, t1, y0, *h, &mut obs)?,
            Stepping::Adaptive(o) => super::solve_adaptive_with(tab, f, t0, t1, y0, o, &mut obs)?,
        };
        stats
    };
    Ok(Trajectory {
        t: times.to_vec(),
        y: obs.out,
        stats,
    })
}
