//! Linear stability of explicit Runge–Kutta methods.
//!
//! On the test equation `y' = λy` one step multiplies `y` by the stability function
//! `R(w) = 1 + w bᵀ(I − wA)⁻¹𝟙`, `w = λh`. For explicit (strictly lower triangular) `A` it is
//! the polynomial `R(w) = Σ_{k=0..S} γ_k w^k`, `γ_0 = 1`, `γ_k = bᵀA^{k−1}𝟙`. The method is
//! stable for `λh` in the region `{w : |R(w)| ≤ 1}`; its intersection with the negative real
//! axis, `[−r, 0]`, bounds the step size on problems with real negative eigenvalues
//! (`h ≤ r/|λ|`).

use super::{to_f64, Tableau, TableauError};
use nalgebra::{Complex, RealField};
use thiserror::Error;

/// Grid spacing of the scan in [`real_stability_interval`] and [`stability_boundary`], in units
/// of `|w|` (dimensionless, `w = λh`), unless the search bound needs more than
/// [`MAX_SCAN_POINTS`] points.
pub const SCAN_STEP: f64 = 1e-3;

/// Upper limit on the number of grid points of one scan; beyond it the spacing grows to
/// `bound / MAX_SCAN_POINTS`.
pub const MAX_SCAN_POINTS: usize = 1_000_000;

/// Why a stability quantity could not be computed.
#[derive(Debug, Clone, Copy, PartialEq, Error)]
pub enum StabilityError {
    /// The tableau is not explicit or has non-finite coefficients.
    #[error(transparent)]
    Tableau(#[from] TableauError),
    /// `R` is constant (`γ_k = 0` for all `k ≥ 1`, e.g. `b = 0`), so `|R| = |γ_0| ≤ 1` on the
    /// whole ray and the interval is unbounded; such a method is not consistent.
    #[error("stability function is the constant {constant}; the stability interval is unbounded")]
    Unbounded { constant: f64 },
}

/// Check that `A` is strictly lower triangular and `A`, `b` are finite.
fn check_explicit<const S: usize, T: RealField + Copy>(
    a: &[[T; S]; S],
    b: &[T; S],
) -> Result<(), TableauError> {
    if !b.iter().all(|x| x.is_finite()) {
        return Err(TableauError::NonFinite { what: "b" });
    }
    for (i, row) in a.iter().enumerate() {
        for (j, &v) in row.iter().enumerate() {
            if !v.is_finite() {
                return Err(TableauError::NonFinite { what: "a" });
            }
            if j >= i && v != T::zero() {
                return Err(TableauError::NotExplicit {
                    row: i,
                    col: j,
                    value: to_f64(v),
                });
            }
        }
    }
    Ok(())
}

/// `R(w) = 1 + w bᵀ(I − wA)⁻¹𝟙` for raw coefficients `(a, b)` (e.g. of a tableau being
/// trained), by forward substitution `u_i = 1 + w Σ_{j<i} a_ij u_j`, `R = 1 + w Σ b_i u_i`.
/// No allocation; `O(S²)`.
///
/// # Errors
/// [`TableauError::NotExplicit`] if `a` has a nonzero entry on or above the diagonal,
/// [`TableauError::NonFinite`] for NaN/infinite coefficients.
pub fn stability_function_of<const S: usize, T: RealField + Copy>(
    a: &[[T; S]; S],
    b: &[T; S],
    w: Complex<T>,
) -> Result<Complex<T>, TableauError> {
    check_explicit(a, b)?;
    let one = Complex::new(T::one(), T::zero());
    let mut u = [one; S];
    let mut acc = Complex::new(T::zero(), T::zero());
    for i in 0..S {
        let mut s = Complex::new(T::zero(), T::zero());
        for (j, uj) in u.iter().enumerate().take(i) {
            s += *uj * a[i][j];
        }
        u[i] = one + w * s;
        acc += u[i] * b[i];
    }
    Ok(one + w * acc)
}

/// The stability function `R(w)` of `tab` at a complex `w = λh`; see
/// [`stability_function_of`] (same errors).
pub fn stability_function<const S: usize, T: RealField + Copy>(
    tab: &Tableau<S, T>,
    w: Complex<T>,
) -> Result<Complex<T>, TableauError> {
    stability_function_of(&tab.a, &tab.b, w)
}

/// Coefficients `[γ_0, …, γ_S]` of the stability polynomial `R(w) = Σ γ_k w^k` of raw
/// coefficients `(a, b)`: `γ_0 = 1`, `γ_k = bᵀA^{k−1}𝟙`. Always `S + 1` entries (trailing
/// entries may be zero). An order-`p` method has `γ_k = 1/k!` for `k ≤ p`.
///
/// # Errors
/// As [`stability_function_of`].
pub fn stability_polynomial_of<const S: usize, T: RealField + Copy>(
    a: &[[T; S]; S],
    b: &[T; S],
) -> Result<Vec<T>, TableauError> {
    check_explicit(a, b)?;
    let mut gamma = Vec::with_capacity(S + 1);
    gamma.push(T::one());
    let mut v = [T::one(); S]; // A^{k−1} 𝟙
    for _ in 1..=S {
        let mut g = T::zero();
        for i in 0..S {
            g += b[i] * v[i];
        }
        gamma.push(g);
        let mut next = [T::zero(); S];
        for (i, n) in next.iter_mut().enumerate() {
            for j in 0..i {
                *n += a[i][j] * v[j];
            }
        }
        v = next;
    }
    Ok(gamma)
}

/// The stability polynomial of `tab`; see [`stability_polynomial_of`].
pub fn stability_polynomial<const S: usize, T: RealField + Copy>(
    tab: &Tableau<S, T>,
) -> Result<Vec<T>, TableauError> {
    stability_polynomial_of(&tab.a, &tab.b)
}

/// `|R(r e^{iφ})|²` along a ray, by Horner's rule on the polynomial coefficients.
fn abs2_on_ray<T: RealField + Copy>(gamma: &[T], dir: Complex<T>, r: T) -> T {
    let w = dir * r;
    let mut p = Complex::new(T::zero(), T::zero());
    for &g in gamma.iter().rev() {
        p = p * w + Complex::new(g, T::zero());
    }
    p.norm_sqr()
}

/// Radius `B` beyond which `|R(w)| > 1` for every `w` with `|w| ≥ B` (Cauchy's root bound
/// applied to `R(w) − u`, `|u| = 1`): `B = 1 + max_{k<d} (|γ_k| + [k = 0]) / |γ_d|`, `d` the
/// degree. `None` if `R` is constant.
fn exit_bound<T: RealField + Copy>(gamma: &[T]) -> Option<T> {
    let d = gamma.iter().rposition(|g| *g != T::zero())?;
    if d == 0 {
        return None;
    }
    let lead = gamma[d].abs();
    let mut m = T::zero();
    for (k, g) in gamma.iter().enumerate().take(d) {
        let mut v = g.abs();
        if k == 0 {
            v += T::one();
        }
        m = m.max(v / lead);
    }
    Some(T::one() + m)
}

/// First `r ∈ [0, bound]` where `|R(r·dir)| > 1`: a uniform scan with spacing
/// `max(SCAN_STEP, bound / MAX_SCAN_POINTS)`, then bisection of the first bracketing cell
/// down to a few ulps. `|R(bound·dir)| > 1` is guaranteed by the choice of `bound`.
fn first_exit<T: RealField + Copy>(gamma: &[T], dir: Complex<T>, bound: T) -> T {
    // |R|² must exceed 1 by a few ulps: along directions where |R(w)|² = 1 + O(|w|^{p+1})
    // (e.g. the imaginary axis) rounding alone would otherwise signal a spurious exit.
    let threshold = T::one() + crate::cst::<T>(16.0) * T::default_epsilon();
    let step = crate::cst::<T>(SCAN_STEP).max(bound / crate::cst::<T>(MAX_SCAN_POINTS as f64));
    let outside = |r: T| abs2_on_ray(gamma, dir, r) > threshold;
    let mut lo = T::zero();
    let mut hi = bound;
    let mut k = 1usize;
    loop {
        let r = step * crate::cst::<T>(k as f64);
        if r >= bound {
            break;
        }
        if outside(r) {
            hi = r;
            break;
        }
        lo = r;
        k += 1;
    }
    if outside(lo) {
        return lo; // only possible at r = 0, i.e. |R(0)| = |γ_0| > 1
    }
    let tol = crate::cst::<T>(4.0) * T::default_epsilon();
    for _ in 0..200 {
        if hi - lo <= tol * hi {
            break;
        }
        let mid = (lo + hi) * crate::cst::<T>(0.5);
        if outside(mid) {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    lo
}

/// Length `r` of the real stability interval: the largest `r` with `|R(−x)| ≤ 1` for all
/// `x ∈ [0, r]` (so the method is stable for real `λh ∈ [−r, 0]`). Dimensionless.
///
/// Method: `R` is evaluated as a polynomial; `x` is scanned on a uniform grid of spacing
/// [`SCAN_STEP`] = 1e-3 (coarser only if the Cauchy bound on the exit point exceeds
/// `SCAN_STEP · MAX_SCAN_POINTS` = 1000) up to that bound, and the first grid cell where
/// `|R|² > 1 + 16ε` is bisected to machine precision (the 16ε guard keeps rounding noise from
/// signalling an exit where `|R| = 1` to working precision). An excursion above 1 narrower than the grid
/// spacing can be missed; the returned boundary is otherwise accurate to a few ulps.
/// Examples: Euler 2, RK4 2.7853, DOPRI5 ≈ 3.3066, Tsit5 ≈ 3.5068.
///
/// # Errors
/// [`StabilityError::Tableau`] for a non-explicit or non-finite tableau;
/// [`StabilityError::Unbounded`] if `R` is constant.
pub fn real_stability_interval<const S: usize, T: RealField + Copy>(
    tab: &Tableau<S, T>,
) -> Result<T, StabilityError> {
    let gamma = stability_polynomial(tab)?;
    let bound = exit_bound(&gamma).ok_or(StabilityError::Unbounded {
        constant: to_f64(gamma[0]),
    })?;
    let dir = Complex::new(-T::one(), T::zero());
    Ok(first_exit(&gamma, dir, bound))
}

/// Sample the boundary of the stability region in the closed left half-plane along `n` rays
/// `w = r e^{iφ}`, `φ` evenly spaced from `π/2` (positive imaginary axis) through `π`
/// (negative real axis) to `3π/2`, returning for each ray the first exit point
/// `r e^{iφ}` where `|R|` rises above 1 (same scan and resolution as
/// [`real_stability_interval`]). For plots: regions that are not star-shaped from 0 are
/// represented by their first boundary crossing only. Allocates the `n` points.
///
/// # Errors
/// As [`real_stability_interval`]; `n < 2` yields the single ray `φ = π` (for `n = 1`) or an
/// empty vector (for `n = 0`).
pub fn stability_boundary<const S: usize, T: RealField + Copy>(
    tab: &Tableau<S, T>,
    n: usize,
) -> Result<Vec<Complex<T>>, StabilityError> {
    let gamma = stability_polynomial(tab)?;
    let bound = exit_bound(&gamma).ok_or(StabilityError::Unbounded {
        constant: to_f64(gamma[0]),
    })?;
    let pi = T::pi();
    let mut out = Vec::with_capacity(n);
    for k in 0..n {
        let phi = if n == 1 {
            pi
        } else {
            pi * crate::cst::<T>(0.5 + k as f64 / (n - 1) as f64)
        };
        let dir = Complex::new(phi.cos(), phi.sin());
        out.push(dir * first_exit(&gamma, dir, bound));
    }
    Ok(out)
}
