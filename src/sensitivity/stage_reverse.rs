//! The reverse pass through one explicit Runge–Kutta step's stage equations, written once.
//!
//! The step is `g_i = y + h Σ_{j<i} a_ij k_j`, `k_i = f(t + c_i h, g_i)`; `t`, `h` and the
//! tableau are constants. On entry `kbar[i] = ∂L/∂k_i` and `gbar[i] = ∂L/∂g_i` from everything
//! downstream; stages `i < first` are frozen (their `kbar` is dropped, no VJP).

use crate::step::stage_state;
use crate::{State, Tableau};
use nalgebra::RealField;

/// The reverse pass through the stage equations of one step, with the per-stage work as
/// callbacks: shared by the discrete adjoint (VJPs from its stage source, `∂L/∂c` in `vjp`,
/// `∂L/∂A` in `on_gbar`) and [`crate::regularize::stage_vjp`] (plain VJPs).
///
/// For `i = S−1, …, 0`: if `i ≥ first` and `kbar[i] ≠ 0`, `vjp(i, τ_i, g_i, kbar[i], gbar[i])`
/// must add `kbar[i]ᵀ ∂f/∂y(τ_i, g_i)` to `gbar[i]` (and whatever else it wants, e.g. θ);
/// then, if `gbar[i] ≠ 0`, `on_gbar(i, gbar[i])` is called and `gbar[i]` is propagated to
/// `y` and to `kbar[j]`, `j < i`. Returns `∂L/∂y`. No heap allocation.
#[allow(clippy::too_many_arguments, clippy::needless_range_loop)]
pub(crate) fn stage_reverse<const S: usize, const D: usize, T, V, G>(
    tab: &Tableau<S, T>,
    t: T,
    y: &State<D, T>,
    h: T,
    k: &[State<D, T>; S],
    kbar: &mut [State<D, T>; S],
    gbar: &mut [State<D, T>; S],
    first: usize,
    mut vjp: V,
    mut on_gbar: G,
) -> State<D, T>
where
    T: RealField + Copy,
    V: FnMut(usize, T, &State<D, T>, &State<D, T>, &mut State<D, T>),
    G: FnMut(usize, &State<D, T>),
{
    let zero = State::<D, T>::zeros();
    let mut ybar = zero;
    for i in (0..S).rev() {
        if i >= first && kbar[i] != zero {
            let g = stage_state(tab, y, h, k, i);
            let w = kbar[i];
            vjp(i, t + tab.c[i] * h, &g, &w, &mut gbar[i]);
        }
        let gb = gbar[i];
        if gb != zero {
            on_gbar(i, &gb);
            ybar += gb;
            for j in 0..i {
                let a = tab.a[i][j];
                if a != T::zero() {
                    kbar[j].axpy(h * a, &gb, T::one());
                }
            }
        }
    }
    ybar
}
