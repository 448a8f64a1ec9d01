//! The filter of the line search (Wächter & Biegler 2006, §2.3): a set of `(θ, φ)` pairs a
//! trial point must not be dominated by.

/// γ_θ: margin on the constraint violation.
pub(crate) const GAMMA_THETA: f64 = 1e-5;
/// γ_φ: margin on the barrier objective.
pub(crate) const GAMMA_PHI: f64 = 1e-8;

/// A filter of `(θ, φ)` pairs (already including the margins).
#[derive(Clone, Debug)]
pub(crate) struct Filter {
    entries: Vec<(f64, f64)>,
    theta_max: f64,
}

impl Filter {
    /// A filter that only rejects `θ ≥ θ_max`.
    pub fn new(theta_max: f64) -> Self {
        Self {
            entries: vec![(theta_max, f64::NEG_INFINITY)],
            theta_max,
        }
    }

    /// Forgets all entries except the `θ_max` one.
    pub fn reset(&mut self) {
        self.entries.clear();
        self.entries.push((self.theta_max, f64::NEG_INFINITY));
    }

    /// True if `(theta, phi)` is not dominated by any entry.
    pub fn acceptable(&self, theta: f64, phi: f64) -> bool {
        self.entries.iter().all(|&(t, p)| theta < t || phi < p)
    }

    /// Adds the entry for the point `(theta, phi)` with margins, removing entries it dominates.
    pub fn add(&mut self, theta: f64, phi: f64) {
        let t = (1.0 - GAMMA_THETA) * theta;
        let p = phi - GAMMA_PHI * theta;
        self.entries.retain(|&(et, ep)| !(et >= t && ep >= p));
        self.entries.push((t, p));
    }
}
