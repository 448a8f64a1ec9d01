//! The reverse pass through the stage equations of one explicit Runge–Kutta step.
//!
//! Written once, for every consumer that differentiates a single step: the local regularizer
//! here, and the discrete adjoint's per-step loop (both through `sensitivity::stage_reverse`, the
//! same loop with the per-stage work as callbacks), with the cotangents of `y⁺` seeded into `kbar` (non-FSAL)
//! or `gbar[S−1]` (FSAL).

use crate::sensitivity::stage_reverse;
use crate::{ParamField, State, Tableau};
use nalgebra::RealField;

/// Backpropagate cotangents on the stages of one step `(t, y, h)` to the field's parameters
/// and to the start state.
///
/// The step is `g_i = y + h Σ_{j<i} a_ij k_j`, `k_i = f(t + c_i h, g_i)`; `k` must hold the
/// stage derivatives of exactly this step (as left in [`crate::step::Workspace::k`] by
/// [`crate::step::step`]). On entry `kbar[i]` is `∂L/∂k_i` and `gbar[i]` is `∂L/∂g_i` from
/// everything downstream (error estimate, `y⁺`, stiffness estimate, ...). The pass adds
/// `∂L/∂θ` into `gp` and returns `∂L/∂y`; `t`, `h` and the tableau are constants.
///
/// Stages `i < first` are treated as constants: their `kbar` is dropped and no VJP is taken
/// (`first = 1` freezes `k_1 = f(t, y)`, as the local regularizer requires; `first = 0`
/// differentiates every stage). `kbar` and `gbar` are used as scratch and hold intermediate
/// adjoints on return. Cost: one [`ParamField::vjp`] per stage `≥ first` with a nonzero
/// cotangent; no heap allocation.
#[allow(clippy::too_many_arguments, clippy::needless_range_loop)]
pub fn stage_vjp<const S: usize, const D: usize, T, F>(
    tab: &Tableau<S, T>,
    f: &F,
    t: T,
    y: &State<D, T>,
    h: T,
    k: &[State<D, T>; S],
    kbar: &mut [State<D, T>; S],
    gbar: &mut [State<D, T>; S],
    first: usize,
    gp: &mut [T],
) -> State<D, T>
where
    T: RealField + Copy,
    F: ParamField<D, T> + ?Sized,
{
    stage_reverse(
        tab,
        t,
        y,
        h,
        k,
        kbar,
        gbar,
        first,
        |_, tau, g, w, gb| f.vjp(tau, g, w, gb, gp),
        |_, _| {},
    )
}
