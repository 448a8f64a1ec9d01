//! [`StepRecorder`]: a [`StepObserver`] keeping what the regularizers need from a forward solve.

use super::error::RegularizeError;
use crate::dense::interpolate;
use crate::integrate::{Accepted, StepObserver};
use crate::sensitivity::Tape;
use crate::step::{step, StepConfig, Workspace};
use crate::tableau::{to_f64, Interpolant};
use crate::{State, Tableau, VectorField};
use nalgebra::RealField;

/// One accepted step as stored by [`StepRecorder`].
#[derive(Clone, Debug, PartialEq)]
pub struct RecordedStep<const S: usize, const D: usize, T = f64> {
    /// Start time.
    pub t: T,
    /// Signed step size.
    pub h: T,
    /// State at `t`.
    pub y: State<D, T>,
    /// State at `t + h`.
    pub y_new: State<D, T>,
    /// Stage derivatives (for dense output inside the step).
    pub k: [State<D, T>; S],
    /// `f(t + h, y_new)` when the loop provided it (FSAL tableaus, or Hermite dense output).
    pub f_new: Option<State<D, T>>,
    /// Scaled error norm `E_est` of the step (adaptive solves; dimensionless).
    pub err_norm: Option<T>,
    /// Shampine's stiffness estimate `ρ` (1/time), when the tableau has a stiffness pair.
    pub stiffness: Option<T>,
}

/// Records every accepted step of a solve (pass it to
/// [`crate::integrate::solve_adaptive_with`]).
///
/// It provides the accepted step start times for the biased sampler
/// ([`super::Biased`]; the final time of the solve is never a start time), the solution at any
/// time of the span by the tableau's dense output ([`StepRecorder::state_at`], for the
/// unbiased sampler), and the per-step terms `E_est·|h|` and `ρ·|h|` of the global
/// regularizers ([`StepRecorder::error_total`], [`StepRecorder::stiffness_total`]).
///
/// Memory: `(S + 3)·D + 4` scalars per accepted step, allocated as the solve runs (so a solve
/// observed by a recorder is not allocation-free; call [`StepRecorder::clear`] to reuse the
/// buffers across training iterations).
#[derive(Clone, Debug)]
pub struct StepRecorder<const S: usize, const D: usize, T = f64> {
    steps: Vec<RecordedStep<S, D, T>>,
    starts: Vec<T>,
    want_end: bool,
}

/// How per-step terms are reduced over the accepted steps of a solve.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Reduction {
    /// `Σ_steps` (the 2021 paper's formula).
    #[default]
    Sum,
    /// `(1/N) Σ_steps` over the `N` accepted steps (what the reference code does).
    Mean,
}

impl<const S: usize, const D: usize, T: RealField + Copy> StepRecorder<S, D, T> {
    /// An empty recorder for solves with `tab` (it asks the loop for `f(t + h, y⁺)` when the
    /// tableau's dense output is cubic Hermite).
    pub fn new(tab: &Tableau<S, T>) -> Self {
        Self {
            steps: Vec::new(),
            starts: Vec::new(),
            want_end: tab.interpolant == Interpolant::Hermite,
        }
    }

    /// Forget all steps, keeping the buffers.
    pub fn clear(&mut self) {
        self.steps.clear();
        self.starts.clear();
    }

    /// The accepted steps, in order.
    pub fn steps(&self) -> &[RecordedStep<S, D, T>] {
        &self.steps
    }

    /// Start times of the accepted steps, in order: every accepted step time except the final
    /// time of the solve.
    pub fn step_starts(&self) -> &[T] {
        &self.starts
    }

    /// `(t0, t1)` of the recorded solve, `None` before any step.
    pub fn span(&self) -> Option<(T, T)> {
        let first = self.steps.first()?;
        let last = self.steps.last()?;
        Some((first.t, last.t + last.h))
    }

    /// The solution at time `t` of the recorded span: the step's start state at a step start,
    /// otherwise the tableau's dense output (the same interpolant as [`crate::solve_at`]).
    /// `tab` must be the tableau of the recorded solve.
    ///
    /// # Errors
    /// [`RegularizeError::EmptyRecord`], [`RegularizeError::TimeOutsideSpan`],
    /// [`RegularizeError::NoDenseOutput`].
    pub fn state_at(&self, tab: &Tableau<S, T>, t: T) -> Result<State<D, T>, RegularizeError> {
        let (t0, t1) = self.span().ok_or(RegularizeError::EmptyRecord)?;
        let dir = if t1 >= t0 { T::one() } else { -T::one() };
        if !(t.is_finite() && (t - t0) * dir >= T::zero() && (t1 - t) * dir >= T::zero()) {
            return Err(RegularizeError::TimeOutsideSpan {
                t: to_f64(t),
                t0: to_f64(t0),
                t1: to_f64(t1),
            });
        }
        // Last step whose start is at or before t (in the direction of integration).
        let n = self.starts.partition_point(|s| (t - *s) * dir >= T::zero());
        let st = &self.steps[n.max(1) - 1];
        if t == st.t {
            return Ok(st.y);
        }
        let theta = (t - st.t) / st.h;
        if theta >= T::one() {
            return Ok(st.y_new);
        }
        let acc = Accepted {
            index: n.max(1) - 1,
            t: st.t,
            h: st.h,
            y: &st.y,
            y_new: &st.y_new,
            k: &st.k,
            f_new: st.f_new.as_ref(),
            err_norm: st.err_norm,
            stiffness: st.stiffness,
        };
        interpolate(tab, &acc, theta).ok_or(RegularizeError::NoDenseOutput { t: to_f64(t) })
    }

    /// `Σ` or mean over the accepted steps of `E_est·|h|` (steps without an error norm count
    /// as 0). The value of the global error regularizer `R_E`; 0 for an empty record.
    pub fn error_total(&self, how: Reduction) -> T {
        self.reduce(how, |s| s.err_norm.unwrap_or(T::zero()) * s.h.abs())
    }

    /// `Σ` or mean over the accepted steps of `ρ·|h|/scale` (steps without an estimate count as
    /// 0): the value of the global stiffness regularizer `R_S`.
    pub fn stiffness_total(&self, how: Reduction, scale: T) -> T {
        self.reduce(how, |s| {
            s.stiffness.unwrap_or(T::zero()) * s.h.abs() / scale
        })
    }

    fn reduce(&self, how: Reduction, term: impl Fn(&RecordedStep<S, D, T>) -> T) -> T {
        let sum = self.steps.iter().fold(T::zero(), |acc, s| acc + term(s));
        match how {
            Reduction::Sum => sum,
            Reduction::Mean if self.steps.is_empty() => T::zero(),
            Reduction::Mean => sum / crate::cst::<T>(self.steps.len() as f64),
        }
    }
}

impl<const S: usize, const D: usize, T: RealField + Copy> StepObserver<S, D, T>
    for StepRecorder<S, D, T>
{
    fn wants_end_derivative(&self) -> bool {
        self.want_end
    }

    /// Every recorded step carries its stiffness estimate, so `stiffness_total` sums them all.
    fn wants_stiffness(&self) -> bool {
        true
    }

    fn on_accept(&mut self, st: &Accepted<'_, S, D, T>) {
        self.starts.push(st.t);
        self.steps.push(RecordedStep {
            t: st.t,
            h: st.h,
            y: *st.y,
            y_new: *st.y_new,
            k: *st.k,
            f_new: st.f_new.copied(),
            err_norm: st.err_norm,
            stiffness: st.stiffness,
        });
    }
}

/// Start times of the accepted steps of a [`Tape`] (every accepted step time but the final).
pub fn tape_step_starts<const S: usize, const D: usize, T: RealField + Copy>(
    tape: &Tape<S, D, T>,
) -> Vec<T> {
    tape.grid().steps.iter().map(|s| s.0).collect()
}

/// `(t0, t1)` of the solve recorded in a [`Tape`], `None` if it took no step.
pub fn tape_span<const S: usize, const D: usize, T: RealField + Copy>(
    tape: &Tape<S, D, T>,
) -> Option<(T, T)> {
    let g = tape.grid();
    let &(t, h) = g.steps.last()?;
    Some((g.t0, t + h))
}

/// The solution at `t` from a [`Tape`] of the adjoint (which stores one state per step, not
/// the stages): the recorded state at a step start, otherwise the step containing `t` is
/// recomputed with [`crate::step::step`] (`S` evaluations, plus `f(t + h, y⁺)` for Hermite
/// dense output) and interpolated with the tableau's dense output, as [`crate::solve_at`] does.
///
/// # Errors
/// [`RegularizeError::EmptyRecord`], [`RegularizeError::TimeOutsideSpan`],
/// [`RegularizeError::NoDenseOutput`].
pub fn state_on_tape<const S: usize, const D: usize, T, F>(
    tab: &Tableau<S, T>,
    f: &F,
    tape: &Tape<S, D, T>,
    t: T,
) -> Result<State<D, T>, RegularizeError>
where
    T: RealField + Copy,
    F: VectorField<D, T> + ?Sized,
{
    let (t0, t1) = tape_span(tape).ok_or(RegularizeError::EmptyRecord)?;
    let dir = if t1 >= t0 { T::one() } else { -T::one() };
    if !(t.is_finite() && (t - t0) * dir >= T::zero() && (t1 - t) * dir >= T::zero()) {
        return Err(RegularizeError::TimeOutsideSpan {
            t: to_f64(t),
            t0: to_f64(t0),
            t1: to_f64(t1),
        });
    }
    let steps = &tape.grid().steps;
    let n = steps
        .partition_point(|s| (t - s.0) * dir >= T::zero())
        .max(1)
        - 1;
    let (ts, h) = steps[n];
    let no_state = RegularizeError::NoDenseOutput { t: to_f64(t) };
    let y = *tape.state(n).ok_or(no_state)?;
    let y_new = *tape.state(n + 1).ok_or(no_state)?;
    if t == ts {
        return Ok(y);
    }
    let theta = (t - ts) / h;
    if theta >= T::one() {
        return Ok(y_new);
    }
    let mut ws = Workspace::<S, D, T>::new();
    step(tab, f, ts, &y, h, StepConfig::default(), &mut ws);
    let f_new =
        (tab.interpolant == Interpolant::Hermite && !tab.fsal).then(|| f.eval(ts + h, &y_new));
    let acc = Accepted {
        index: n,
        t: ts,
        h,
        y: &y,
        y_new: &y_new,
        k: &ws.k,
        f_new: if tab.fsal {
            Some(&ws.k[S - 1])
        } else {
            f_new.as_ref()
        },
        err_norm: None,
        stiffness: None,
    };
    interpolate(tab, &acc, theta).ok_or(no_state)
}
