//! Solve loops: fixed step ([`solve_fixed`]), adaptive step ([`solve_adaptive`]) and saving a
//! trajectory at given times ([`solve_at`]).
//!
//! The loops call the one stage kernel [`crate::step::step`]. Each accepted step is reported to
//! a [`StepObserver`]; the plain solves use the no-op observer `()`, and they make no heap
//! allocation between call and return. Adjoints, regularizers and dense output observe steps
//! through the same hook (`solve_fixed_with`, `solve_adaptive_with`), so a solve is
//! `tableau × controller × observer`, each swappable.

mod adaptive;
mod fixed;
mod observe;
mod save;

pub use adaptive::{solve_adaptive, solve_adaptive_with};
pub use fixed::{solve_fixed, solve_fixed_with};
pub use observe::{Accepted, StepObserver};
pub(crate) use save::{check_save_times, SaveAt};
pub use save::{solve_at, Stepping, Trajectory};

use crate::{control::PiController, tableau::to_f64, SolveError, State};
use nalgebra::RealField;

/// Counters of a solve.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Stats {
    /// Number of evaluations of the vector field (including the initial-step heuristic).
    pub nfe: usize,
    /// Accepted steps.
    pub accepted: usize,
    /// Rejected steps (adaptive solves only).
    pub rejected: usize,
    /// Largest Shampine stiffness indicator `|h|·ρ` over the accepted steps where it was
    /// estimated (see [`Adaptive::stiffness_interval`]), where ρ estimates the dominant
    /// eigenvalue magnitude of ∂f/∂y (dimensionless; compare with the method's real stability
    /// interval, e.g. 3.3 for dopri5). `None` when the tableau has no two stages with equal
    /// nodes or no estimate was taken.
    pub max_stiffness: Option<f64>,
    /// Size of the last accepted step (signed; 0 before any step).
    pub last_h: f64,
}

impl Stats {
    pub(crate) fn note_stiffness<T: RealField + Copy>(&mut self, h: T, rho: Option<T>) {
        if let Some(rho) = rho {
            let v = to_f64(h.abs() * rho);
            if v.is_finite() {
                self.max_stiffness = Some(self.max_stiffness.map_or(v, |m| m.max(v)));
            }
        }
    }
}

/// Options of an adaptive solve. `Adaptive::default()` gives rtol = 1e-6, atol = 1e-8,
/// Hairer's initial step, no step limit, at most 100 000 steps and Hairer's PI controller for
/// the method's order.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Adaptive<T = f64> {
    /// Relative tolerance (≥ 0, finite). Default 1e-6.
    pub rtol: T,
    /// Absolute tolerance (≥ 0, finite; not both zero). Default 1e-8.
    pub atol: T,
    /// Initial step magnitude; `None` uses Hairer's heuristic (one extra evaluation).
    pub h0: Option<T>,
    /// Largest step magnitude; `None` means `|t1 − t0|`.
    pub h_max: Option<T>,
    /// Largest number of step attempts (accepted + rejected). Default 100 000 (Hairer's NMAX).
    pub max_steps: usize,
    /// Step-size controller; `None` uses [`PiController::hairer_for_order`] of the tableau.
    pub controller: Option<PiController<T>>,
    /// Compute Shampine's stiffness estimate on every `n`-th step attempt (Hairer's `NSTIFF`);
    /// `1` estimates on every step (observers then see it on every accepted step), `0` never.
    /// Default 1000, as in Hairer's codes: the estimate costs two extra vector norms per step.
    pub stiffness_interval: usize,
}

impl<T: RealField + Copy> Default for Adaptive<T> {
    fn default() -> Self {
        Self {
            rtol: crate::cst(1e-6),
            atol: crate::cst(1e-8),
            h0: None,
            h_max: None,
            max_steps: 100_000,
            controller: None,
            stiffness_interval: 1000,
        }
    }
}

impl<T: RealField + Copy> Adaptive<T> {
    /// Options with the given tolerances and defaults otherwise.
    pub fn with_tol(rtol: T, atol: T) -> Self {
        Self {
            rtol,
            atol,
            ..Self::default()
        }
    }
}

/// Direction of integration (±1) after checking that the span is finite and non-empty.
pub(crate) fn check_span<T: RealField + Copy>(t0: T, t1: T) -> Result<T, SolveError> {
    if !t0.is_finite() || !t1.is_finite() {
        return Err(SolveError::NonFiniteTime {
            t0: to_f64(t0),
            t1: to_f64(t1),
        });
    }
    if t1 == t0 {
        return Err(SolveError::EmptySpan { t0: to_f64(t0) });
    }
    Ok(if t1 > t0 { T::one() } else { -T::one() })
}

/// Index of the first non-finite component, if any.
#[inline]
pub(crate) fn first_non_finite<const D: usize, T: RealField + Copy>(
    y: &State<D, T>,
) -> Option<usize> {
    y.iter().position(|v| !v.is_finite())
}

pub(crate) fn check_y0<const D: usize, T: RealField + Copy>(
    y0: &State<D, T>,
) -> Result<(), SolveError> {
    match first_non_finite(y0) {
        Some(index) => Err(SolveError::NonFiniteInitialState {
            index,
            value: to_f64(y0[index]),
        }),
        None => Ok(()),
    }
}
