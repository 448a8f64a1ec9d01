//! The hook through which solve loops report accepted steps.

use crate::State;
use nalgebra::RealField;

/// One accepted step, as reported to a [`StepObserver`].
#[derive(Debug)]
pub struct Accepted<'a, const S: usize, const D: usize, T: RealField + Copy> {
    /// 0-based index of the step among the accepted ones.
    pub index: usize,
    /// Start time of the step.
    pub t: T,
    /// Signed step size (`t + h` is the end time).
    pub h: T,
    /// State at `t`.
    pub y: &'a State<D, T>,
    /// State at `t + h`.
    pub y_new: &'a State<D, T>,
    /// Stage derivatives of the step.
    pub k: &'a [State<D, T>; S],
    /// `f(t + h, y_new)` when known (FSAL tableaus, or when the observer asked for it).
    pub f_new: Option<&'a State<D, T>>,
    /// Scaled error norm of the step (adaptive solves).
    pub err_norm: Option<T>,
    /// Shampine's stiffness estimate ρ (1/time) when the tableau allows it.
    pub stiffness: Option<T>,
}

/// Receives every accepted step of a solve, in order.
///
/// `()` is the no-op observer. Observers that store data (trajectories, tapes for adjoints,
/// per-step regularizer terms) implement this trait.
pub trait StepObserver<const S: usize, const D: usize, T: RealField + Copy> {
    /// Ask the loop to evaluate `f(t + h, y_new)` after each accepted step when the tableau is
    /// not FSAL (the value is reused as the next step's first stage, so it costs at most one
    /// evaluation per solve). Default: `false`.
    fn wants_end_derivative(&self) -> bool {
        false
    }
    /// Ask the loop to compute Shampine's stiffness estimate on every step (overriding
    /// [`crate::Adaptive::stiffness_interval`]; fixed-step solves compute it only when asked).
    /// Default: `false`.
    fn wants_stiffness(&self) -> bool {
        false
    }
    /// Called after each accepted step.
    fn on_accept(&mut self, step: &Accepted<'_, S, D, T>);
}

impl<const S: usize, const D: usize, T: RealField + Copy> StepObserver<S, D, T> for () {
    #[inline(always)]
    fn on_accept(&mut self, _step: &Accepted<'_, S, D, T>) {}
}
