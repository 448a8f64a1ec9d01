//! Butcher tableaus of explicit Runge–Kutta methods.
//!
//! A [`Tableau<S, T>`] holds the coefficients `(A, b, c)` of an `S`-stage method, an optional
//! embedded weight vector `b̂` for error estimation, and metadata (order, FSAL, dense output).
//! Presets with the published coefficients live in associated functions such as
//! [`Tableau::rk4`] and [`Tableau::dopri5`]; [`order`] checks order conditions and [`stability`] analyses the stability
//! function `R(w) = 1 + w bᵀ(I − wA)⁻¹𝟙`.

pub mod interp_coeffs;
pub mod order;
mod presets;
pub mod stability;

use nalgebra::RealField;
use thiserror::Error;

/// How a solver interpolates inside an accepted step (dense output for `solve_at`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Interpolant {
    /// Cubic Hermite from `y`, `f(y)` at both ends of the step (third order, any tableau).
    Hermite,
    /// Dormand–Prince's fourth-order continuous extension (Hairer's DOPRI5 `CONTD5`).
    Dopri5,
    /// Tsitouras' fourth-order interpolant of Tsit5.
    Tsit5,
}

/// The coefficients of an explicit `S`-stage Runge–Kutta method.
///
/// Stage `i` is `k_i = f(t + c_i h, y + h Σ_{j<i} a_ij k_j)`, the step is
/// `y⁺ = y + h Σ_i b_i k_i`, and an embedded pair's error estimate is
/// `err = h Σ_i (b_i − b̂_i) k_i`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Tableau<const S: usize, T = f64> {
    /// Runge–Kutta matrix; explicit methods need it strictly lower triangular.
    pub a: [[T; S]; S],
    /// Weights of the propagated solution.
    pub b: [T; S],
    /// Nodes (abscissae); for consistency `c_i = Σ_j a_ij`.
    pub c: [T; S],
    /// Weights of the embedded solution used for the error estimate (adaptive stepping).
    pub b_hat: Option<[T; S]>,
    /// Second embedded weights of lower order (DOP853's third-order estimate). When present the
    /// error norm is Hairer's DOP853 combination `E5² / sqrt(E5² + 0.01 E3²)`.
    pub b_hat2: Option<[T; S]>,
    /// Classical order of the propagated solution (as published).
    pub order: u8,
    /// Order of the embedded solution (as published), used by the step-size controller.
    pub embedded_order: Option<u8>,
    /// First Same As Last: the last stage is `f(t + h, y⁺)`, reused as the next step's first.
    pub fsal: bool,
    /// Dense output used between steps by `solve_at`.
    pub interpolant: Interpolant,
    /// Short name, e.g. `"dopri5"`.
    pub name: &'static str,
}

/// Why a tableau cannot be used by an explicit solver.
#[derive(Debug, Clone, Copy, PartialEq, Error)]
pub enum TableauError {
    /// `A` has a nonzero entry on or above the diagonal, so the method is implicit.
    #[error("tableau is not explicit: a[{row}][{col}] = {value:e} is on or above the diagonal")]
    NotExplicit { row: usize, col: usize, value: f64 },
    /// A row sum of `A` differs from its node `c_i` (the method would not be consistent in t).
    #[error("row {row} of A sums to {row_sum} but c[{row}] = {c}")]
    RowSumMismatch { row: usize, row_sum: f64, c: f64 },
    /// A coefficient is NaN or infinite.
    #[error("tableau coefficient {what} is not finite")]
    NonFinite { what: &'static str },
    /// A FSAL tableau whose last row of A is not b (so its last stage is not f(t+h, y⁺)).
    #[error("tableau is marked FSAL but its last row of A differs from b at column {col}")]
    NotFsal { col: usize },
    /// The tableau has zero stages.
    #[error("tableau has no stages")]
    Empty,
}

impl<const S: usize, T: RealField + Copy> Tableau<S, T> {
    /// Tolerance used by [`Tableau::validate`] for `Σ_j a_ij = c_i` and the FSAL check:
    /// `max(1e-12, 64·ε_T)` relative to the row's largest coefficient (so `f32` presets, whose
    /// rounded coefficients miss by ~1e-7, validate).
    pub fn row_sum_tol() -> T {
        crate::cst::<T>(1e-12).max(crate::cst::<T>(64.0) * T::default_epsilon())
    }

    /// Check that the tableau can be used by an explicit solver: finite coefficients, `A`
    /// strictly lower triangular, `Σ_j a_ij = c_i` for every row (to [`Self::row_sum_tol`],
    /// relative to the size of the row), and a true FSAL last row when `fsal` is set.
    pub fn validate(&self) -> Result<(), TableauError> {
        if S == 0 {
            return Err(TableauError::Empty);
        }
        let finite = |x: &T| x.is_finite();
        if !self.b.iter().all(finite) {
            return Err(TableauError::NonFinite { what: "b" });
        }
        if !self.c.iter().all(finite) {
            return Err(TableauError::NonFinite { what: "c" });
        }
        if let Some(bh) = &self.b_hat {
            if !bh.iter().all(finite) {
                return Err(TableauError::NonFinite { what: "b_hat" });
            }
        }
        if let Some(bh) = &self.b_hat2 {
            if !bh.iter().all(finite) {
                return Err(TableauError::NonFinite { what: "b_hat2" });
            }
        }
        for i in 0..S {
            let mut sum = T::zero();
            let mut scale = T::one();
            for j in 0..S {
                let v = self.a[i][j];
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
                sum += v;
                scale = scale.max(v.abs());
            }
            if (sum - self.c[i]).abs() > Self::row_sum_tol() * scale {
                return Err(TableauError::RowSumMismatch {
                    row: i,
                    row_sum: to_f64(sum),
                    c: to_f64(self.c[i]),
                });
            }
        }
        if self.fsal {
            for j in 0..S {
                let scale = T::one().max(self.b[j].abs());
                if (self.a[S - 1][j] - self.b[j]).abs() > Self::row_sum_tol() * scale {
                    return Err(TableauError::NotFsal { col: j });
                }
            }
        }
        Ok(())
    }

    /// Indices `(i, j)`, `i < j`, of the last two stages that share a node `c_i = c_j`, used
    /// for Shampine's stiffness estimate `‖k_j − k_i‖ / ‖g_j − g_i‖`. `None` if no two stages
    /// share a node.
    pub fn stiffness_pair(&self) -> Option<(usize, usize)> {
        for j in (1..S).rev() {
            for i in (0..j).rev() {
                if self.c[i] == self.c[j] && self.c[j] != T::zero() {
                    return Some((i, j));
                }
            }
        }
        None
    }

    /// Convert the coefficients into another scalar type (e.g. `f64` → dual numbers).
    #[allow(clippy::needless_range_loop)]
    pub fn cast<U>(&self) -> Tableau<S, U>
    where
        U: RealField + Copy + simba::scalar::SupersetOf<T>,
    {
        let cv = |x: T| nalgebra::convert::<T, U>(x);
        let mut a = [[U::zero(); S]; S];
        for i in 0..S {
            for j in 0..S {
                a[i][j] = cv(self.a[i][j]);
            }
        }
        Tableau {
            a,
            b: self.b.map(cv),
            c: self.c.map(cv),
            b_hat: self.b_hat.map(|v| v.map(cv)),
            b_hat2: self.b_hat2.map(|v| v.map(cv)),
            order: self.order,
            embedded_order: self.embedded_order,
            fsal: self.fsal,
            interpolant: self.interpolant,
            name: self.name,
        }
    }
}

/// Best-effort conversion of a generic scalar to `f64` for error messages (NaN if impossible).
pub(crate) fn to_f64<T: RealField + Copy>(x: T) -> f64 {
    x.to_subset().unwrap_or(f64::NAN)
}
