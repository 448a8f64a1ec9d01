//! Step algebra of the primal–dual iteration: bound-multiplier steps, the fraction-to-the-
//! boundary rule and the multiplier safeguard.

use super::engine::{Engine, Iterate};

/// κ_Σ of the bound-multiplier safeguard (IPOPT eq. 16).
const KAPPA_SIGMA: f64 = 1e10;

impl Engine<'_> {
    /// Bound-multiplier steps from the primal step.
    pub fn dz(&self, it: &Iterate, dw: &[f64]) -> (Vec<f64>, Vec<f64>) {
        let (sl, su) = self.slacks(&it.w);
        let mu = self.mu;
        let mut dzl = vec![0.0; self.n];
        let mut dzu = vec![0.0; self.n];
        for i in 0..self.n {
            if self.hl[i] {
                dzl[i] = mu / sl[i] - it.zl[i] - it.zl[i] / sl[i] * dw[i];
            }
            if self.hu[i] {
                dzu[i] = mu / su[i] - it.zu[i] + it.zu[i] / su[i] * dw[i];
            }
        }
        (dzl, dzu)
    }

    /// Largest α ∈ (0, 1] keeping `w + α dw` a fraction τ away from the bounds.
    pub fn max_step_primal(&self, w: &[f64], dw: &[f64]) -> f64 {
        let (sl, su) = self.slacks(w);
        let mut a = 1.0f64;
        for i in 0..self.n {
            if self.hl[i] && dw[i] < 0.0 {
                a = a.min(-self.tau * sl[i] / dw[i]);
            }
            if self.hu[i] && dw[i] > 0.0 {
                a = a.min(self.tau * su[i] / dw[i]);
            }
        }
        a
    }

    /// Largest α ∈ (0, 1] keeping the bound multipliers positive by the fraction τ.
    pub fn max_step_dual(&self, it: &Iterate, dzl: &[f64], dzu: &[f64]) -> f64 {
        let mut a = 1.0f64;
        for i in 0..self.n {
            if self.hl[i] && dzl[i] < 0.0 {
                a = a.min(-self.tau * it.zl[i] / dzl[i]);
            }
            if self.hu[i] && dzu[i] < 0.0 {
                a = a.min(-self.tau * it.zu[i] / dzu[i]);
            }
        }
        a
    }

    /// Keeps `z_i s_i` within `[μ/κ_Σ, κ_Σ μ]` (IPOPT eq. 16).
    pub fn safeguard_z(&self, it: &mut Iterate) {
        let (sl, su) = self.slacks(&it.w);
        let mu = self.mu;
        for i in 0..self.n {
            if self.hl[i] {
                it.zl[i] = it.zl[i]
                    .min(KAPPA_SIGMA * mu / sl[i])
                    .max(mu / (KAPPA_SIGMA * sl[i]));
            }
            if self.hu[i] {
                it.zu[i] = it.zu[i]
                    .min(KAPPA_SIGMA * mu / su[i])
                    .max(mu / (KAPPA_SIGMA * su[i]));
            }
        }
    }
}
