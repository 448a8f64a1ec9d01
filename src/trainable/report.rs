//! Order and stability report of any tableau (reuses `tableau::{order, stability}`).

use super::TrainableError;
use crate::tableau::order::{achieved_order_of, node_defects, order_residuals};
use crate::tableau::stability::{real_stability_interval, stability_polynomial};
use crate::tableau::Tableau;
use std::fmt;

/// Achieved order, order-condition residuals and linear stability of one tableau.
#[derive(Clone, Debug, PartialEq)]
pub struct TableauReport {
    /// Tableau name.
    pub name: String,
    /// Number of stages `S`.
    pub stages: usize,
    /// Highest `p` with every residual of order `≤ p` at most `tol`.
    pub achieved_order: u8,
    /// Tolerance used for `achieved_order`.
    pub tol: f64,
    /// `max_τ |Φ(τ) − 1/γ(τ)|` over the trees of each order `1..=max_order` (index 0 = order 1).
    pub max_residual_by_order: Vec<f64>,
    /// `max_i |c_i − Σ_j a_ij|` (zero for the row-sum parameterisation).
    pub max_node_defect: f64,
    /// Coefficients `γ_0..γ_S` of `R(w) = Σ γ_k w^k`.
    pub stability_polynomial: Vec<f64>,
    /// Length `r` of the real stability interval `[−r, 0]` (dimensionless).
    pub real_stability_interval: f64,
}

/// Build a [`TableauReport`] with residuals of orders `1..=max_order` (≤ 10) and achieved
/// order at tolerance `tol` (typical `1e-12` for exact coefficients, `1e-10` after training).
///
/// # Errors
/// [`TrainableError::Order`] if `max_order > 10`; [`TrainableError::Stability`] for a
/// non-explicit tableau or a constant stability function.
pub fn report<const S: usize>(
    tab: &Tableau<S, f64>,
    max_order: usize,
    tol: f64,
) -> Result<TableauReport, TrainableError> {
    let residuals = order_residuals(&tab.a, &tab.b, max_order)?;
    let mut max_residual_by_order = vec![0.0f64; max_order];
    for r in &residuals {
        let m = &mut max_residual_by_order[r.order - 1];
        *m = m.max(r.residual.abs());
    }
    Ok(TableauReport {
        name: tab.name.to_string(),
        stages: S,
        achieved_order: achieved_order_of(&tab.a, &tab.b, tol),
        tol,
        max_residual_by_order,
        max_node_defect: node_defects(&tab.a, &tab.c)
            .iter()
            .fold(0.0f64, |m, d| m.max(d.abs())),
        stability_polynomial: stability_polynomial(tab)?,
        real_stability_interval: real_stability_interval(tab)?,
    })
}

impl fmt::Display for TableauReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} ({} stages): achieved order {} (tol {:e}), real stability interval [-{:.4}, 0]",
            self.name, self.stages, self.achieved_order, self.tol, self.real_stability_interval
        )?;
        write!(f, "  max |order residual| by order:")?;
        for (k, r) in self.max_residual_by_order.iter().enumerate() {
            write!(f, " {}:{:.2e}", k + 1, r)?;
        }
        writeln!(f, "; max node defect {:.2e}", self.max_node_defect)?;
        write!(f, "  R(w) =")?;
        for (k, g) in self.stability_polynomial.iter().enumerate() {
            write!(f, " {:+.6e} w^{}", g, k)?;
        }
        Ok(())
    }
}
