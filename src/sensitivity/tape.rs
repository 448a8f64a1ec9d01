//! The forward pass of the adjoints: a solve that records one state per accepted step.

use super::error::SensitivityError;
use crate::dense::interpolate;
use crate::integrate::{
    check_save_times, solve_adaptive_with, solve_fixed_with, Accepted, SaveAt, StepObserver,
};
use crate::step::{step, StepConfig, Workspace};
use crate::tableau::{to_f64, Interpolant};
use crate::{SolveError, State, Stats, Stepping, Tableau, Trajectory, VectorField};
use nalgebra::RealField;

/// Where a save time lies in the step sequence.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum SavePoint<T = f64> {
    /// At `t0`: the saved state is `y0`.
    Start,
    /// In accepted step `index`, at `t_index + theta·h_index`. `theta ≥ 1` means the end of the
    /// step (the saved state is the step's `y⁺`); `0 < theta < 1` uses the dense output.
    Step {
        /// Accepted-step index.
        index: usize,
        /// Relative position in the step.
        theta: T,
    },
}

/// A frozen step sequence: start time, accepted steps `(t_n, h_n)` and where the save times lie.
///
/// [`replay`] re-runs exactly these steps (with another field, tableau, initial state or scalar
/// type), which is what the discrete adjoint differentiates: step sizes are constants.
#[derive(Clone, Debug, PartialEq)]
pub struct StepGrid<T = f64> {
    /// Start time.
    pub t0: T,
    /// Accepted steps: start time and signed size.
    pub steps: Vec<(T, T)>,
    /// The save times, as requested.
    pub times: Vec<T>,
    /// For each save time, where it lies.
    pub saves: Vec<SavePoint<T>>,
}

impl<T: RealField + Copy> StepGrid<T> {
    /// Convert the grid to another scalar (e.g. `f64` → `Dual64`, all tangents zero).
    pub fn cast<U>(&self) -> StepGrid<U>
    where
        U: RealField + Copy + simba::scalar::SupersetOf<T>,
    {
        let cv = |x: T| nalgebra::convert::<T, U>(x);
        StepGrid {
            t0: cv(self.t0),
            steps: self.steps.iter().map(|&(t, h)| (cv(t), cv(h))).collect(),
            times: self.times.iter().map(|&t| cv(t)).collect(),
            saves: self
                .saves
                .iter()
                .map(|s| match *s {
                    SavePoint::Start => SavePoint::Start,
                    SavePoint::Step { index, theta } => SavePoint::Step {
                        index,
                        theta: cv(theta),
                    },
                })
                .collect(),
        }
    }
}

/// A forward solve that records what the backward pass needs: the state at the start of every
/// accepted step with its `t` and `h` (memory `O(steps·D)`), the final state, where the save
/// times lie, and the saved trajectory itself.
#[derive(Clone, Debug)]
pub struct Tape<const S: usize, const D: usize, T: RealField + Copy = f64> {
    pub(crate) tab: Tableau<S, T>,
    pub(crate) grid: StepGrid<T>,
    /// `ys[n]` is the state at the start of step `n`; `ys[steps]` the final state.
    pub(crate) ys: Vec<State<D, T>>,
    pub(crate) traj: Trajectory<D, T>,
    pub(crate) stepping: Stepping<T>,
}

impl<const S: usize, const D: usize, T: RealField + Copy> Tape<S, D, T> {
    /// The states at the requested save times (identical to [`crate::solve_at`]'s result).
    pub fn trajectory(&self) -> &Trajectory<D, T> {
        &self.traj
    }
    /// Number of accepted steps.
    pub fn steps(&self) -> usize {
        self.grid.steps.len()
    }
    /// Counters of the forward solve.
    pub fn stats(&self) -> &Stats {
        &self.traj.stats
    }
    /// The frozen step sequence (for [`replay`], e.g. finite-difference checks).
    pub fn grid(&self) -> &StepGrid<T> {
        &self.grid
    }
    /// State at the start of step `n` (`n = steps()` gives the final state).
    pub fn state(&self, n: usize) -> Option<&State<D, T>> {
        self.ys.get(n)
    }
    /// The stepping of the forward solve.
    pub fn stepping(&self) -> &Stepping<T> {
        &self.stepping
    }
    /// Take the saved trajectory out of the tape.
    pub fn into_trajectory(self) -> Trajectory<D, T> {
        self.traj
    }
    /// The tableau the tape was recorded with.
    pub fn tableau(&self) -> &Tableau<S, T> {
        &self.tab
    }
    /// Bytes held by the tape's per-step storage (states, times, save slots).
    pub fn memory_bytes(&self) -> usize {
        self.ys.len() * std::mem::size_of::<State<D, T>>()
            + self.grid.steps.len() * 2 * std::mem::size_of::<T>()
            + self.grid.saves.len() * std::mem::size_of::<SavePoint<T>>()
    }
}

struct Recorder<'a, const S: usize, const D: usize, T: RealField + Copy, H> {
    tab: &'a Tableau<S, T>,
    save: SaveAt<'a, S, D, T>,
    saves: Vec<SavePoint<T>>,
    steps: Vec<(T, T)>,
    ys: Vec<State<D, T>>,
    /// Extra per-step recording (e.g. the stages of a [`super::StageTape`]).
    hook: H,
}

impl<const S: usize, const D: usize, T: RealField + Copy, H> StepObserver<S, D, T>
    for Recorder<'_, S, D, T, H>
where
    H: FnMut(&Accepted<'_, S, D, T>),
{
    fn wants_end_derivative(&self) -> bool {
        self.tab.interpolant == Interpolant::Hermite
    }

    fn on_accept(&mut self, st: &Accepted<'_, S, D, T>) {
        let index = self.steps.len();
        (self.hook)(st);
        self.steps.push((st.t, st.h));
        self.ys.push(*st.y_new);
        let saves = &mut self.saves;
        self.save
            .save_in_step(st, |theta| saves.push(SavePoint::Step { index, theta }));
    }
}

/// Solve from `(t0, y0)` like [`crate::solve_at`] (same steps, same saved states) and record a
/// [`Tape`] for [`backward`](super::backward) / [`backward_continuous`](super::backward_continuous).
///
/// Extra cost over `solve_at`: one copy of the state per accepted step.
///
/// # Errors
/// Everything [`crate::solve_at`] reports.
pub fn record<const S: usize, const D: usize, T, F>(
    tab: &Tableau<S, T>,
    f: &F,
    t0: T,
    y0: State<D, T>,
    times: &[T],
    stepping: &Stepping<T>,
) -> Result<Tape<S, D, T>, SolveError>
where
    T: RealField + Copy,
    F: VectorField<D, T> + ?Sized,
{
    record_hooked(tab, f, t0, y0, times, stepping, |_| {})
}

/// [`record`], calling `hook` on every accepted step (before the tape stores it).
pub(crate) fn record_hooked<const S: usize, const D: usize, T, F, H>(
    tab: &Tableau<S, T>,
    f: &F,
    t0: T,
    y0: State<D, T>,
    times: &[T],
    stepping: &Stepping<T>,
    hook: H,
) -> Result<Tape<S, D, T>, SolveError>
where
    T: RealField + Copy,
    F: VectorField<D, T> + ?Sized,
    H: FnMut(&Accepted<'_, S, D, T>),
{
    let dir = check_save_times(tab, t0, &y0, times)?;
    let t1 = *times.last().ok_or(SolveError::NoSaveTimes)?;
    let (save, at_start) = SaveAt::new(tab, times, t0, y0, dir);
    let mut saves = Vec::with_capacity(times.len());
    saves.resize(at_start, SavePoint::Start);
    let mut obs = Recorder {
        tab,
        save,
        saves,
        steps: Vec::new(),
        ys: vec![y0],
        hook,
    };
    let stats = if obs.save.done() {
        tab.validate()?;
        Stats::default()
    } else {
        match stepping {
            Stepping::Fixed(h) => solve_fixed_with(tab, f, t0, t1, y0, *h, &mut obs)?.1,
            Stepping::Adaptive(o) => solve_adaptive_with(tab, f, t0, t1, y0, o, &mut obs)?.1,
        }
    };
    Ok(Tape {
        tab: *tab,
        grid: StepGrid {
            t0,
            steps: obs.steps,
            times: times.to_vec(),
            saves: obs.saves,
        },
        ys: obs.ys,
        traj: Trajectory {
            t: times.to_vec(),
            y: obs.save.out,
            stats,
        },
        stepping: *stepping,
    })
}

/// Re-run a frozen step sequence from `y0` with tableau `tab` and field `f`, saving at the
/// grid's save points: the function that the discrete adjoint differentiates.
///
/// It reproduces the solver's data flow exactly: stage 1 of a step is `f(t, y)` except for
/// FSAL tableaus, where it is the previous step's last stage; an FSAL step's `y⁺` is its last
/// stage state (row `S−1` of `A`); dense output as in [`crate::solve_at`]. The tableau is
/// **not** validated (so that finite-difference checks may perturb single coefficients);
/// only its strictly lower triangle is read. Run it in dual numbers (`grid.cast()`,
/// `tab.cast()`, `Mlp::cast`) for forward-mode derivatives with the same steps.
///
/// # Errors
/// A non-finite state gives [`SolveError::NonFiniteState`], an interpolant/stage-count
/// mismatch [`SolveError::InvalidOption`] (both wrapped in [`SensitivityError::Solve`]).
pub fn replay<const S: usize, const D: usize, T, F>(
    tab: &Tableau<S, T>,
    f: &F,
    y0: State<D, T>,
    grid: &StepGrid<T>,
) -> Result<Trajectory<D, T>, SensitivityError>
where
    T: RealField + Copy,
    F: VectorField<D, T> + ?Sized,
{
    if matches!(tab.interpolant, Interpolant::Dopri5 | Interpolant::Tsit5) && S != 7 {
        return Err(SolveError::InvalidOption {
            name: "interpolant",
            value: S as f64,
            expected: "7 stages for the Dopri5 and Tsit5 interpolants",
        }
        .into());
    }
    let mut ws = Workspace::<S, D, T>::new();
    let mut out = Vec::with_capacity(grid.saves.len());
    let mut next = 0;
    while next < grid.saves.len() && grid.saves[next] == SavePoint::Start {
        out.push(y0);
        next += 1;
    }
    let hermite = tab.interpolant == Interpolant::Hermite;
    let mut y = y0;
    let mut stats = Stats::default();
    for (n, &(t, h)) in grid.steps.iter().enumerate() {
        ws.k1_ready = n > 0 && tab.fsal;
        if ws.k1_ready {
            ws.k[0] = ws.k[S - 1];
        }
        let o = step(tab, f, t, &y, h, StepConfig::default(), &mut ws);
        stats.nfe += o.nfe;
        if let Some(index) = o.y_new.iter().position(|v| !v.is_finite()) {
            return Err(SolveError::NonFiniteState {
                t: to_f64(t),
                h: to_f64(h),
                step: n,
                index,
            }
            .into());
        }
        let mut f_end: Option<State<D, T>> = None;
        while next < grid.saves.len() {
            let SavePoint::Step { index, theta } = grid.saves[next] else {
                break;
            };
            if index != n {
                break;
            }
            let ys = if theta >= T::one() {
                o.y_new
            } else {
                if hermite && !tab.fsal && f_end.is_none() {
                    f_end = Some(f.eval(t + h, &o.y_new));
                    stats.nfe += 1;
                }
                let acc = Accepted {
                    index: n,
                    t,
                    h,
                    y: &y,
                    y_new: &o.y_new,
                    k: &ws.k,
                    f_new: if tab.fsal {
                        Some(&ws.k[S - 1])
                    } else {
                        f_end.as_ref()
                    },
                    err_norm: None,
                    stiffness: None,
                };
                interpolate(tab, &acc, theta).unwrap_or(o.y_new)
            };
            out.push(ys);
            next += 1;
        }
        y = o.y_new;
        stats.accepted += 1;
        stats.last_h = to_f64(h);
    }
    Ok(Trajectory {
        t: grid.times.clone(),
        y: out,
        stats,
    })
}
