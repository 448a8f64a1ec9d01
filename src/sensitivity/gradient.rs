//! One entry point for both adjoints.

use super::continuous::backward_continuous_with;
use super::discrete::backward_with;
use super::error::GradientError;
use super::stages::{backward_stages, record_stages};
use super::tape::record;
use super::time::TimeDerivative;
use super::Gradients;
use crate::{ParamField, State, Stepping, Tableau, Trajectory};
use nalgebra::RealField;

/// Which adjoint [`gradient`] uses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Sensitivity {
    /// The discrete adjoint ([`super::backward_with`]): the exact gradient of the computed
    /// solution (steps frozen), including the tableau. Memory `O(steps·D)`.
    #[default]
    Discrete,
    /// The same discrete adjoint on a [`super::StageTape`] ([`super::record_stages`],
    /// [`super::backward_stages`]): the stages and the field's evaluation records are stored
    /// during the forward solve, so the backward pass recomputes nothing. Same gradients as
    /// `Discrete` (to rounding), cheaper (about 2.1 forward solves for forward + gradient
    /// instead of 3.0 on the `fit_vdp` MLP, in instructions), memory `O(steps·S·(D + record))` instead of `O(steps·D)`.
    DiscreteStored,
    /// The continuous, interpolated adjoint ([`super::backward_continuous_with`]): the gradient
    /// of the exact flow to about the solve tolerance; no tableau gradient. Memory
    /// `O(steps·D)` for the tape as well; its adjoint chooses its own steps.
    Continuous,
    /// The continuous adjoint by backsolve ([`super::backsolve`]): no tape; the state is
    /// integrated backwards with the adjoint from the saved states. Memory `O(D + P)`
    /// independent of the step count; gradient of the exact flow to about the solve tolerance
    /// when the backward integration is stable (not for dissipative or chaotic systems); no
    /// tableau gradient. Uses `adjoint_stepping` like `Continuous`.
    Backsolve,
}

/// Options of [`gradient_with`] beyond the method.
#[derive(Clone, Copy, Debug)]
pub struct GradientOptions<'a, const D: usize, T = f64> {
    /// Which adjoint.
    pub sensitivity: Sensitivity,
    /// How the discrete adjoint gets `∂f/∂t` for `∂L/∂c` (default: skipped, `c` NaN).
    pub time: TimeDerivative<'a, D, T>,
    /// Stepping of the continuous adjoint's backward solve (default: the forward's).
    pub adjoint_stepping: Option<Stepping<T>>,
}

impl<const D: usize, T> Default for GradientOptions<'_, D, T> {
    fn default() -> Self {
        Self {
            sensitivity: Sensitivity::Discrete,
            time: TimeDerivative::Skip,
            adjoint_stepping: None,
        }
    }
}

/// Solve, evaluate the caller's loss gradient on the trajectory, and backpropagate, with the
/// adjoint chosen by `sens` (so callers switch methods without code changes).
///
/// `dl_dy` receives the saved trajectory and returns `∂L/∂y(t_i)` for every save time (compute
/// and keep the loss value inside it if needed). Returns the trajectory and the gradients.
/// Defaults of [`GradientOptions`] otherwise; see [`gradient_with`].
///
/// # Errors
/// [`GradientError::Loss`] if `dl_dy` fails; [`GradientError::Sensitivity`] for the solve
/// ([`super::SensitivityError::Solve`]) and the backward pass.
#[allow(clippy::too_many_arguments)]
pub fn gradient<const S: usize, const D: usize, T, F, E, L>(
    sens: Sensitivity,
    tab: &Tableau<S, T>,
    f: &F,
    t0: T,
    y0: State<D, T>,
    times: &[T],
    stepping: &Stepping<T>,
    dl_dy: L,
) -> Result<(Trajectory<D, T>, Gradients<S, D, T>), GradientError<E>>
where
    T: RealField + Copy,
    F: ParamField<D, T> + ?Sized,
    L: FnOnce(&Trajectory<D, T>) -> Result<Vec<State<D, T>>, E>,
{
    let opts = GradientOptions {
        sensitivity: sens,
        ..GradientOptions::default()
    };
    gradient_with(&opts, tab, f, t0, y0, times, stepping, dl_dy)
}

/// [`gradient`] with all options.
///
/// # Errors
/// As [`gradient`].
#[allow(clippy::too_many_arguments)]
pub fn gradient_with<const S: usize, const D: usize, T, F, E, L>(
    opts: &GradientOptions<'_, D, T>,
    tab: &Tableau<S, T>,
    f: &F,
    t0: T,
    y0: State<D, T>,
    times: &[T],
    stepping: &Stepping<T>,
    dl_dy: L,
) -> Result<(Trajectory<D, T>, Gradients<S, D, T>), GradientError<E>>
where
    T: RealField + Copy,
    F: ParamField<D, T> + ?Sized,
    L: FnOnce(&Trajectory<D, T>) -> Result<Vec<State<D, T>>, E>,
{
    if opts.sensitivity == Sensitivity::Backsolve {
        let traj = crate::solve_at(tab, f, t0, y0, times, stepping)
            .map_err(super::SensitivityError::from)?;
        let dl = dl_dy(&traj).map_err(GradientError::Loss)?;
        let st = opts.adjoint_stepping.unwrap_or(*stepping);
        let g = super::backsolve(tab, f, t0, &traj, &dl, &st)?;
        return Ok((traj, g));
    }
    if opts.sensitivity == Sensitivity::DiscreteStored {
        let st = record_stages(tab, f, t0, y0, times, stepping)
            .map_err(super::SensitivityError::from)?;
        let dl = dl_dy(st.tape().trajectory()).map_err(GradientError::Loss)?;
        let g = backward_stages(&st, tab, f, &dl, opts.time)?;
        return Ok((st.into_trajectory(), g));
    }
    let tape = record(tab, f, t0, y0, times, stepping).map_err(super::SensitivityError::from)?;
    let dl = dl_dy(tape.trajectory()).map_err(GradientError::Loss)?;
    let g = match opts.sensitivity {
        Sensitivity::Discrete | Sensitivity::DiscreteStored => {
            backward_with(&tape, tab, f, &dl, opts.time)?
        }
        Sensitivity::Continuous | Sensitivity::Backsolve => {
            let st = opts.adjoint_stepping.unwrap_or(*tape.stepping());
            backward_continuous_with(&tape, tab, f, &dl, &st)?
        }
    };
    Ok((tape.into_trajectory(), g))
}
