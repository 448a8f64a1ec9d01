//! Exact Euclidean projection of the weights `b` onto the order conditions that are linear in
//! `b` for a fixed `A`.

use super::TrainableError;
use nalgebra::{DMatrix, DVector};

/// Highest order whose conditions [`project_weights`] enforces exactly. Every condition of
/// order ≤ 3 is linear in `b` for fixed `A`: `Σb = 1`, `bᵀc = 1/2`, `bᵀc² = 1/3`,
/// `bᵀAc = 1/6` (with `c = A𝟙`).
pub const MAX_EXACT_ORDER: u8 = 3;

/// Residuals after [`project_weights`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Projection {
    /// `|Σ_i b_i − 1|` after the projection (consistency; rounding level).
    pub sum_b_residual: f64,
    /// Largest `|Φ(τ) − 1/γ(τ)|` over the projected conditions (includes `sum_b_residual`).
    pub max_residual: f64,
    /// Euclidean length of the change `‖b_new − b_old‖`.
    pub moved: f64,
}

/// Rows `M` and right-hand side `r` of the linear conditions `M b = r` up to `order`.
fn conditions<const S: usize>(a: &[[f64; S]; S], order: u8) -> (DMatrix<f64>, DVector<f64>) {
    let c: Vec<f64> = a.iter().map(|row| row.iter().sum()).collect();
    let ac: Vec<f64> = a
        .iter()
        .map(|row| row.iter().zip(&c).map(|(x, y)| x * y).sum())
        .collect();
    let mut rows: Vec<Vec<f64>> = vec![vec![1.0; S]];
    let mut rhs = vec![1.0];
    if order >= 2 {
        rows.push(c.clone());
        rhs.push(0.5);
    }
    if order >= 3 {
        rows.push(c.iter().map(|x| x * x).collect());
        rhs.push(1.0 / 3.0);
        rows.push(ac);
        rhs.push(1.0 / 6.0);
    }
    let m = DMatrix::from_fn(rows.len(), S, |i, j| rows[i][j]);
    (m, DVector::from_vec(rhs))
}

/// Replace `b` by the Euclidean-nearest vector satisfying the order conditions up to `order`
/// (1..=[`MAX_EXACT_ORDER`]) for the matrix `a` (leaves enter as `c = A𝟙`, as in
/// [`crate::tableau::order`]): `b ← b − M⁺(Mb − r)`, with one refinement pass so the residual
/// is at rounding level. For `order = 1` this is `b_i ← b_i + (1 − Σb)/S`.
///
/// # Errors
/// [`TrainableError::ExactOrder`] for `order ∉ 1..=3`; [`TrainableError::NonFinite`] for
/// non-finite `b`; [`TrainableError::Infeasible`] if the conditions are inconsistent for this
/// `A` (residual above `1e-10` after projection; `b` is then left at the least-squares point).
pub fn project_weights<const S: usize>(
    a: &[[f64; S]; S],
    b: &mut [f64; S],
    order: u8,
) -> Result<Projection, TrainableError> {
    if order == 0 || order > MAX_EXACT_ORDER {
        return Err(TrainableError::ExactOrder {
            requested: order,
            max: MAX_EXACT_ORDER,
        });
    }
    if let Some((index, &value)) = b.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        return Err(TrainableError::NonFinite {
            what: "b",
            index,
            value,
        });
    }
    let (m, r) = conditions(a, order);
    let old = *b;
    let pinv = m
        .clone()
        .pseudo_inverse(1e-12)
        .map_err(|_| TrainableError::Infeasible {
            order,
            residual: f64::NAN,
        })?;
    for _ in 0..2 {
        let bv = DVector::from_column_slice(b.as_slice());
        let delta = &pinv * (&m * &bv - &r);
        for (bi, di) in b.iter_mut().zip(delta.iter()) {
            *bi -= di;
        }
    }
    let bv = DVector::from_column_slice(b.as_slice());
    let res = &m * &bv - &r;
    let max_residual = res.amax();
    let sum_b_residual = (b.iter().sum::<f64>() - 1.0).abs();
    if max_residual.is_nan() || max_residual > 1e-10 {
        return Err(TrainableError::Infeasible {
            order,
            residual: max_residual,
        });
    }
    let moved = b
        .iter()
        .zip(&old)
        .map(|(x, y)| (x - y) * (x - y))
        .sum::<f64>()
        .sqrt();
    Ok(Projection {
        sum_b_residual,
        max_residual,
        moved,
    })
}

/// Remove from a gradient in φ the component that changes `Σb` (the last `s` entries of
/// `grad` are `∂L/∂b`): afterwards it is the gradient of `L(project(φ))` for the order-1
/// projection `b ← b + (1 − Σb)/s`, which is affine, so an optimizer (Adam, L-BFGS) moves
/// along `Σb = 1` instead of against the projection. Does nothing if `grad` has fewer than
/// `s` entries or `s = 0`.
pub fn tangent_to_consistency(grad: &mut [f64], s: usize) {
    let n = grad.len();
    if s == 0 || n < s {
        return;
    }
    let mean = grad[n - s..].iter().sum::<f64>() / s as f64;
    grad[n - s..].iter_mut().for_each(|g| *g -= mean);
}
