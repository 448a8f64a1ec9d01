//! Free parameters ↔ explicit tableau (row-sum parameterisation with `c₁ = 0`).

use super::project::{project_weights, Projection, MAX_EXACT_ORDER};
use super::TrainableError;
use crate::tableau::{Interpolant, Tableau};
use nalgebra::RealField;

/// A trainable explicit `S`-stage Runge–Kutta method.
///
/// Free parameters φ, in this order (length [`Self::N_PARAMS`]):
/// 1. the nodes `c_1..c_{S−1}` (0-based; `c_0 = 0` is fixed),
/// 2. the entries `a_ij` for `i = 2..S−1`, `j = 1..i−1` (row by row),
/// 3. the weights `b_0..b_{S−1}`.
///
/// The first column is derived, `a_i0 = c_i − Σ_{j≥1} a_ij`, so `Σ_j a_ij = c_i` holds by
/// construction. `exact_order` (1..=3, default 1 via [`Self::from_tableau`]) selects the
/// order conditions that [`Self::project`] enforces exactly on `b`.
#[derive(Clone, Debug, PartialEq)]
pub struct TrainableTableau<const S: usize> {
    params: Vec<f64>,
    exact_order: u8,
}

impl<const S: usize> TrainableTableau<S> {
    /// Number of free parameters: `(S−1)` nodes + `(S−1)(S−2)/2` inner entries of `A` + `S`
    /// weights (10 for `S = 4`).
    pub const N_PARAMS: usize = if S == 0 {
        0
    } else {
        (S - 1) + (S - 1) * S.saturating_sub(2) / 2 + S
    };

    /// Start from an explicit tableau (e.g. `Tableau::rk4()`), keeping its `A`, `b`, `c`
    /// (embedded weights, FSAL and dense output are dropped), and project `b` once onto the
    /// order conditions up to `exact_order` (1 = consistency `Σb = 1` only, at most
    /// [`MAX_EXACT_ORDER`] = 3).
    ///
    /// # Errors
    /// [`TrainableError::Tableau`] if `tab` fails [`Tableau::validate`] (implicit, non-finite,
    /// rows not summing to `c`) or has `c_0 ≠ 0` (reported as a row-sum mismatch of row 0);
    /// [`TrainableError::ExactOrder`]; [`TrainableError::Infeasible`] from the projection.
    pub fn from_tableau(tab: &Tableau<S, f64>, exact_order: u8) -> Result<Self, TrainableError> {
        tab.validate()?;
        if tab.c[0] != 0.0 {
            return Err(crate::tableau::TableauError::RowSumMismatch {
                row: 0,
                row_sum: 0.0,
                c: tab.c[0],
            }
            .into());
        }
        check_exact_order(exact_order)?;
        let mut params = Vec::with_capacity(Self::N_PARAMS);
        params.extend_from_slice(&tab.c[1..]);
        for i in 2..S {
            params.extend_from_slice(&tab.a[i][1..i]);
        }
        params.extend_from_slice(&tab.b);
        let mut out = Self {
            params,
            exact_order,
        };
        out.project()?;
        Ok(out)
    }

    /// The free parameters φ (layout in the type docs).
    pub fn params(&self) -> &[f64] {
        &self.params
    }

    /// Order up to which [`Self::project`] enforces the conditions on `b` exactly.
    pub fn exact_order(&self) -> u8 {
        self.exact_order
    }

    /// Replace φ (e.g. after an optimizer step) **without** projecting; call
    /// [`Self::project`] next.
    ///
    /// # Errors
    /// [`TrainableError::ParamLength`], [`TrainableError::NonFinite`] (φ is left unchanged).
    pub fn set_params(&mut self, phi: &[f64]) -> Result<(), TrainableError> {
        check_params(phi, Self::N_PARAMS)?;
        self.params.copy_from_slice(phi);
        Ok(())
    }

    /// Project `b` onto the order conditions up to [`Self::exact_order`] (Euclidean), in
    /// place, and return the residuals; `|Σb − 1|` is at rounding level (≤ 1e-14 for
    /// moderate `b`).
    ///
    /// # Errors
    /// [`TrainableError::Infeasible`] if the conditions cannot hold for the current `A`.
    pub fn project(&mut self) -> Result<Projection, TrainableError> {
        let tab = self.tableau();
        let mut b = tab.b;
        let proj = project_weights(&tab.a, &mut b, self.exact_order)?;
        let off = Self::N_PARAMS - S;
        self.params[off..].copy_from_slice(&b);
        Ok(proj)
    }

    /// The explicit tableau of the current parameters (name `"trk"`, order from the exact
    /// projection, no embedded pair, Hermite dense output).
    pub fn tableau(&self) -> Tableau<S, f64> {
        let mut t = Self::tableau_from_params(&self.params)
            .expect("params are checked on every update (length and finiteness)");
        t.order = self.exact_order;
        t
    }

    /// The parameterisation itself, generic in the scalar (so dual numbers seeded in φ give
    /// `∂tableau/∂φ`): builds `(A, b, c)` from φ without projecting.
    ///
    /// # Errors
    /// [`TrainableError::ParamLength`] if `phi.len() != N_PARAMS`.
    pub fn tableau_from_params<T: RealField + Copy>(
        phi: &[T],
    ) -> Result<Tableau<S, T>, TrainableError> {
        if phi.len() != Self::N_PARAMS {
            return Err(TrainableError::ParamLength {
                expected: Self::N_PARAMS,
                got: phi.len(),
            });
        }
        let mut c = [T::zero(); S];
        c[1..S].copy_from_slice(&phi[..S.saturating_sub(1)]);
        let mut a = [[T::zero(); S]; S];
        let mut k = S.saturating_sub(1);
        for (i, row) in a.iter_mut().enumerate().skip(1) {
            let mut rest = T::zero();
            for entry in row.iter_mut().take(i).skip(1) {
                *entry = phi[k];
                rest += phi[k];
                k += 1;
            }
            row[0] = c[i] - rest;
        }
        let mut b = [T::zero(); S];
        b.copy_from_slice(&phi[k..k + S]);
        Ok(Tableau {
            a,
            b,
            c,
            b_hat: None,
            b_hat2: None,
            order: 1,
            embedded_order: None,
            fsal: false,
            interpolant: Interpolant::Hermite,
            name: "trk",
        })
    }

    /// Chain rule through the parameterisation: from `∂L/∂A`, `∂L/∂b`, `∂L/∂c` of the explicit
    /// tableau (entries on or above the diagonal of `ga` are ignored) to `∂L/∂φ`:
    /// `∂L/∂c_i = gc_i + ga_i0`, `∂L/∂a_ij = ga_ij − ga_i0` (`j ≥ 1`), `∂L/∂b_i = gb_i`.
    #[allow(clippy::needless_range_loop)]
    pub fn grad_from_tableau(ga: &[[f64; S]; S], gb: &[f64; S], gc: &[f64; S]) -> Vec<f64> {
        let mut g = Vec::with_capacity(Self::N_PARAMS);
        for i in 1..S {
            g.push(gc[i] + ga[i][0]);
        }
        for i in 2..S {
            for j in 1..i {
                g.push(ga[i][j] - ga[i][0]);
            }
        }
        g.extend_from_slice(gb);
        g
    }
}

fn check_exact_order(k: u8) -> Result<(), TrainableError> {
    if k == 0 || k > MAX_EXACT_ORDER {
        return Err(TrainableError::ExactOrder {
            requested: k,
            max: MAX_EXACT_ORDER,
        });
    }
    Ok(())
}

fn check_params(phi: &[f64], n: usize) -> Result<(), TrainableError> {
    if phi.len() != n {
        return Err(TrainableError::ParamLength {
            expected: n,
            got: phi.len(),
        });
    }
    if let Some((index, &value)) = phi.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        return Err(TrainableError::NonFinite {
            what: "params",
            index,
            value,
        });
    }
    Ok(())
}
