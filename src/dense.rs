//! Dense output: the solution inside an accepted step, for saving at arbitrary times without
//! shortening steps.
//!
//! * [`Interpolant::Hermite`]: cubic Hermite from `y`, `f(t, y)`, `y⁺`, `f(t + h, y⁺)`
//!   (third order; any tableau).
//! * [`Interpolant::Dopri5`]: Hairer's continuous extension of DOPRI5 (`CONTD5`, fourth order).
//! * [`Interpolant::Tsit5`]: Tsitouras' interpolant, `y + h Σ b_i(θ) k_i` (fourth order).

use crate::integrate::Accepted;
use crate::tableau::{interp_coeffs, Interpolant};
use crate::{State, Tableau};
use nalgebra::RealField;

/// The solution at `t + θh`, `θ ∈ [0, 1]`, inside an accepted step.
///
/// Returns `None` when the interpolant needs `f(t + h, y⁺)` and the step does not carry it
/// (a non-FSAL tableau solved without asking for it), or when the tableau's stage count does
/// not match its interpolant.
pub fn interpolate<const S: usize, const D: usize, T: RealField + Copy>(
    tab: &Tableau<S, T>,
    st: &Accepted<'_, S, D, T>,
    theta: T,
) -> Option<State<D, T>> {
    let h = st.h;
    match tab.interpolant {
        Interpolant::Hermite => {
            // Validated explicit tableaus have c₀ = 0, so k₀ = f(t, y).
            let f0 = &st.k[0];
            let f1 = st.f_new?;
            let one = T::one();
            let two = one + one;
            let dy = st.y_new - st.y;
            let corr = dy * (one - two * theta) + f0 * (h * (theta - one)) + f1 * (h * theta);
            Some(st.y * (one - theta) + st.y_new * theta + corr * (theta * (theta - one)))
        }
        Interpolant::Dopri5 | Interpolant::Tsit5 => {
            if S != 7 {
                return None;
            }
            let w = if tab.interpolant == Interpolant::Dopri5 {
                interp_coeffs::dopri5_interp_b::<T>(theta)
            } else {
                interp_coeffs::tsit5_interp_b::<T>(theta)
            };
            let mut out = *st.y;
            for (wi, ki) in w.iter().zip(st.k.iter()) {
                if *wi != T::zero() {
                    out.axpy(h * *wi, ki, T::one());
                }
            }
            Some(out)
        }
    }
}
