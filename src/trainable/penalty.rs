//! The stability penalty `P = mean_k max(0, |R(w_k)| − 1)²` and its analytic gradient.

use super::{StabilitySamples, TrainableError};
use crate::tableau::stability::stability_function_of;
use nalgebra::{Complex, RealField};

/// Value and gradient of the stability penalty.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StabilityPenalty<const S: usize> {
    /// `mean_k max(0, |R(w_k)| − 1)²` (dimensionless; 0 iff every sample is stable).
    pub value: f64,
    /// `∂P/∂a_ij` (zero on and above the diagonal).
    pub grad_a: [[f64; S]; S],
    /// `∂P/∂b_i`.
    pub grad_b: [f64; S],
    /// Largest `|R(w_k)|` over the samples.
    pub max_abs_r: f64,
}

/// The penalty value for any scalar type (e.g. dual numbers, to check the analytic gradient):
/// `mean_k max(0, |R(w_k)| − 1)²`, `R` from [`stability_function_of`].
///
/// # Errors
/// [`TrainableError::Tableau`] for a non-explicit or non-finite `(a, b)`;
/// [`TrainableError::InvalidSamples`] for an empty sample set.
pub fn stability_penalty_value<const S: usize, T: RealField + Copy>(
    a: &[[T; S]; S],
    b: &[T; S],
    samples: &StabilitySamples,
) -> Result<T, TrainableError> {
    check_samples(samples)?;
    let mut sum = T::zero();
    for w in &samples.points {
        let wt = Complex::new(crate::cst::<T>(w.re), crate::cst::<T>(w.im));
        let r = stability_function_of(a, b, wt)?;
        let excess = (r.re * r.re + r.im * r.im).sqrt() - T::one();
        if excess > T::zero() {
            sum += excess * excess;
        }
    }
    Ok(sum / crate::cst::<T>(samples.points.len() as f64))
}

fn check_samples(samples: &StabilitySamples) -> Result<(), TrainableError> {
    if samples.points.is_empty() {
        return Err(TrainableError::InvalidSamples {
            what: "points",
            value: 0.0,
        });
    }
    if let Some((index, w)) = samples
        .points
        .iter()
        .enumerate()
        .find(|(_, w)| !(w.re.is_finite() && w.im.is_finite()))
    {
        return Err(TrainableError::NonFinite {
            what: "samples",
            index,
            value: w.re + w.im,
        });
    }
    Ok(())
}

/// Penalty and its analytic gradient in `(A, b)`.
///
/// Forward: `u_i = 1 + w Σ_{j<i} a_ij u_j`, `R = 1 + w Σ_i b_i u_i`. Reverse (complex, `R`
/// holomorphic in each real coefficient): `ū_i = w b_i + w Σ_{k>i} a_ki ū_k`,
/// `∂R/∂b_i = w u_i`, `∂R/∂a_ij = w ū_i u_j`; then `∂|R|/∂x = Re(R̄ ∂R/∂x)/|R|` and
/// `∂P/∂x = (2/n) Σ_k max(0, |R_k| − 1) ∂|R_k|/∂x`. `O(n S²)`, allocation-free.
///
/// # Errors
/// As [`stability_penalty_value`].
#[allow(clippy::needless_range_loop)]
pub fn stability_penalty<const S: usize>(
    a: &[[f64; S]; S],
    b: &[f64; S],
    samples: &StabilitySamples,
) -> Result<StabilityPenalty<S>, TrainableError> {
    check_samples(samples)?;
    // Validates explicitness and finiteness once.
    stability_function_of(a, b, Complex::new(0.0, 0.0))?;
    let n = samples.points.len() as f64;
    let mut out = StabilityPenalty {
        value: 0.0,
        grad_a: [[0.0; S]; S],
        grad_b: [0.0; S],
        max_abs_r: 0.0,
    };
    let zero = Complex::new(0.0, 0.0);
    for &w in &samples.points {
        let mut u = [zero; S];
        let mut acc = zero;
        for i in 0..S {
            let mut s = zero;
            for j in 0..i {
                s += u[j] * a[i][j];
            }
            u[i] = Complex::new(1.0, 0.0) + w * s;
            acc += u[i] * b[i];
        }
        let r = Complex::new(1.0, 0.0) + w * acc;
        let abs_r = r.norm();
        out.max_abs_r = out.max_abs_r.max(abs_r);
        let excess = abs_r - 1.0;
        if excess <= 0.0 {
            continue;
        }
        out.value += excess * excess / n;
        // dP/dR-direction factor: (2/n)·excess·R̄/|R|, applied as Re(factor · ∂R/∂x).
        let factor = r.conj() * (2.0 * excess / (n * abs_r));
        let mut ubar = [zero; S];
        for i in (0..S).rev() {
            let mut s = w * b[i];
            for k in i + 1..S {
                s += w * a[k][i] * ubar[k];
            }
            ubar[i] = s;
        }
        for i in 0..S {
            out.grad_b[i] += (factor * w * u[i]).re;
            for j in 0..i {
                out.grad_a[i][j] += (factor * w * ubar[i] * u[j]).re;
            }
        }
    }
    Ok(out)
}
