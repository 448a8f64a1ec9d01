//! Step-size control for adaptive solves, following Hairer's DOPRI5/DOP853 codes.
//!
//! [`PiController`] is the PI controller with Lund stabilization of Hairer, Nørsett & Wanner,
//! *Solving ODEs I*, §II.4 (code DOPRI5): `fac = err^(1/(q+1) − 0.75β) / err_old^β`, limited to
//! `[1/fac_max, 1/fac_min]` and divided by a safety factor. `β = 0` gives the classical
//! I-controller (DOP853's default). [`initial_step`] is Hairer's `HINIT` heuristic.

use crate::{cst, State, Tableau, VectorField};
use nalgebra::RealField;

/// Accept or reject a step, and the size of the next attempt.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Decision<T> {
    /// The step is accepted; `h_next` is proposed for the next step.
    Accept {
        /// Proposed next step (signed).
        h_next: T,
    },
    /// The step is rejected and must be retried with `h_next`.
    Reject {
        /// Step to retry with (signed).
        h_next: T,
    },
}

/// A step-size controller: given the scaled error norm of a step (≤ 1 means acceptable) and its
/// size, decide. Implement this to plug a custom controller into [`crate::integrate`].
pub trait Controller<T: RealField + Copy> {
    /// Prepare for a new solve with a method whose error estimate has order `q` (the exponent
    /// of the controller is `1/(q+1)`).
    fn reset(&mut self, q: u8);
    /// Decide on a step of signed size `h` with scaled error norm `err` (NaN/∞ ⇒ reject).
    fn decide(&mut self, err: T, h: T) -> Decision<T>;
}

/// Hairer's PI step-size controller (DOPRI5 defaults).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PiController<T = f64> {
    /// Safety factor (Hairer: 0.9).
    pub safety: T,
    /// Smallest allowed ratio h_new/h (Hairer's `FAC1`: 0.2).
    pub fac_min: T,
    /// Largest allowed ratio h_new/h (Hairer's `FAC2`: 10).
    pub fac_max: T,
    /// Stabilization parameter β of the PI controller (DOPRI5: 0.04; 0 gives the I-controller).
    pub beta: T,
    expo: T,
    err_old: T,
    last_rejected: bool,
}

impl<T: RealField + Copy> PiController<T> {
    /// A PI controller with the given safety, factor limits and β.
    pub fn new(safety: T, fac_min: T, fac_max: T, beta: T) -> Self {
        Self {
            safety,
            fac_min,
            fac_max,
            beta,
            expo: cst(0.2),
            err_old: cst(1e-4),
            last_rejected: false,
        }
    }

    /// Hairer's DOPRI5 defaults: safety 0.9, factors in [0.2, 10], β = 0.04.
    pub fn dopri5() -> Self {
        Self::new(cst(0.9), cst(0.2), cst(10.0), cst(0.04))
    }

    /// Hairer's DOP853 defaults: safety 0.9, factors in [1/3, 6], β = 0.
    pub fn dop853() -> Self {
        Self::new(cst(0.9), cst(1.0 / 3.0), cst(6.0), T::zero())
    }

    /// Hairer's defaults for a method of the given classical order (DOP853's above 5).
    pub fn hairer_for_order(order: u8) -> Self {
        if order > 5 {
            Self::dop853()
        } else {
            Self::dopri5()
        }
    }

    /// Check the parameters; returns the name, value and expectation of the first bad one.
    pub fn check(&self) -> Result<(), (&'static str, T, &'static str)> {
        let one = T::one();
        if !(self.safety > T::zero() && self.safety <= one) {
            return Err(("safety", self.safety, "0 < safety ≤ 1"));
        }
        if !(self.fac_min > T::zero() && self.fac_min <= one) {
            return Err(("fac_min", self.fac_min, "0 < fac_min ≤ 1"));
        }
        if !(self.fac_max >= one && self.fac_max.is_finite()) {
            return Err(("fac_max", self.fac_max, "1 ≤ fac_max < ∞"));
        }
        if !(self.beta >= T::zero() && self.beta < cst(0.2)) {
            return Err(("beta", self.beta, "0 ≤ beta < 0.2"));
        }
        Ok(())
    }
}

impl<T: RealField + Copy> Default for PiController<T> {
    fn default() -> Self {
        Self::dopri5()
    }
}

impl<T: RealField + Copy> Controller<T> for PiController<T> {
    fn reset(&mut self, q: u8) {
        let q1 = cst::<T>(q as f64 + 1.0);
        self.expo = T::one() / q1 - cst::<T>(0.75) * self.beta;
        self.err_old = cst(1e-4);
        self.last_rejected = false;
    }

    fn decide(&mut self, err: T, h: T) -> Decision<T> {
        let inv_fac_min = T::one() / self.fac_min;
        let inv_fac_max = T::one() / self.fac_max;
        if !err.is_finite() {
            self.last_rejected = true;
            return Decision::Reject {
                h_next: h * self.fac_min,
            };
        }
        // fac11 = err^expo (with err = 0 giving the largest growth).
        let fac11 = if err > T::zero() {
            err.powf(self.expo)
        } else {
            T::zero()
        };
        if err <= T::one() {
            let fac = fac11 / self.err_old.powf(self.beta);
            let fac = inv_fac_max.max(inv_fac_min.min(fac / self.safety));
            let mut h_next = h / fac;
            if self.last_rejected && h_next.abs() > h.abs() {
                h_next = h;
            }
            self.err_old = err.max(cst(1e-4));
            self.last_rejected = false;
            Decision::Accept { h_next }
        } else {
            self.last_rejected = true;
            Decision::Reject {
                h_next: h / inv_fac_min.min(fac11 / self.safety),
            }
        }
    }
}

/// Hairer's initial step-size heuristic (`HINIT` of DOPRI5/DOP853) for a method of order
/// `order`, integrating in the direction of `dir` (±1) with at most `h_max` in magnitude.
///
/// Needs `f0 = f(t, y)` and makes one more function evaluation (returned second). The norms
/// are Hairer's weighted sums with `sk = atol + rtol·|y|`.
#[allow(clippy::too_many_arguments)]
pub fn initial_step<const D: usize, T, F>(
    f: &F,
    t: T,
    y: &State<D, T>,
    f0: &State<D, T>,
    order: u8,
    rtol: T,
    atol: T,
    dir: T,
    h_max: T,
) -> (T, usize)
where
    T: RealField + Copy,
    F: VectorField<D, T> + ?Sized,
{
    initial_step_batch(
        f,
        t,
        std::slice::from_ref(y),
        std::slice::from_ref(f0),
        order,
        rtol,
        atol,
        dir,
        h_max,
    )
}

/// [`initial_step`] for a batch of states integrated together as one system (as a solver
/// sees a `D × N` array): the weighted sums run over every entry of every state, so the step
/// is the one of the concatenated state. Makes one field evaluation per state (returned
/// second). With `rtol`, `atol` multiplied by `√(N·D)` the sums are RMS norms (OrdinaryDiffEq's
/// `ode_determine_initdt` on the whole array). Empty `ys` (or `f0s` of another length) gives
/// `(0, 0)`.
#[allow(clippy::too_many_arguments)]
pub fn initial_step_batch<const D: usize, T, F>(
    f: &F,
    t: T,
    ys: &[State<D, T>],
    f0s: &[State<D, T>],
    order: u8,
    rtol: T,
    atol: T,
    dir: T,
    h_max: T,
) -> (T, usize)
where
    T: RealField + Copy,
    F: VectorField<D, T> + ?Sized,
{
    if ys.is_empty() || ys.len() != f0s.len() {
        return (T::zero(), 0);
    }
    let mut dnf = T::zero();
    let mut dny = T::zero();
    for (y, f0) in ys.iter().zip(f0s) {
        for i in 0..D {
            let sk = atol + rtol * y[i].abs();
            dnf += (f0[i] / sk).powi(2);
            dny += (y[i] / sk).powi(2);
        }
    }
    let tiny = cst::<T>(1e-10);
    let mut h = if dnf <= tiny || dny <= tiny {
        cst(1e-6)
    } else {
        (dny / dnf).sqrt() * cst(0.01)
    };
    h = h.min(h_max);
    let mut der2 = T::zero();
    for (y, f0) in ys.iter().zip(f0s) {
        let y1 = y + f0 * (h * dir);
        let f1 = f.eval(t + h * dir, &y1);
        for i in 0..D {
            let sk = atol + rtol * y[i].abs();
            der2 += ((f1[i] - f0[i]) / sk).powi(2);
        }
    }
    let der2 = der2.sqrt() / h;
    let der12 = der2.abs().max(dnf.sqrt());
    let h1 = if der12 <= cst(1e-15) {
        cst::<T>(1e-6).max(h * cst(1e-3))
    } else {
        (cst::<T>(0.01) / der12).powf(T::one() / cst(order.max(1) as f64))
    };
    let h = (h * cst(100.0)).min(h1).min(h_max);
    (h * dir, ys.len())
}

/// The order that governs the controller exponent `1/(q+1)` for a tableau: `order − 1` for a
/// DOP853-style double estimate (its combined estimate behaves like order 7), otherwise the
/// lower of the two orders of the pair.
pub fn error_order<const S: usize, T: RealField + Copy>(tab: &Tableau<S, T>) -> u8 {
    match (tab.b_hat2.is_some(), tab.embedded_order) {
        (true, _) => tab.order.saturating_sub(1).max(1),
        (false, Some(e)) => e.min(tab.order).max(1),
        (false, None) => tab.order.saturating_sub(1).max(1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_small_errors_and_grows_at_most_fac_max() {
        let mut c = PiController::<f64>::dopri5();
        c.reset(4);
        match c.decide(1e-12, 0.1) {
            Decision::Accept { h_next } => approx::assert_relative_eq!(h_next, 1.0),
            d => panic!("unexpected {d:?}"),
        }
    }

    #[test]
    fn rejects_large_errors_and_shrinks_at_most_fac_min() {
        let mut c = PiController::<f64>::dopri5();
        c.reset(4);
        match c.decide(1e12, 0.1) {
            Decision::Reject { h_next } => approx::assert_relative_eq!(h_next, 0.02),
            d => panic!("unexpected {d:?}"),
        }
        // After a rejection the next accepted step may not grow.
        match c.decide(1e-6, 0.02) {
            Decision::Accept { h_next } => approx::assert_relative_eq!(h_next, 0.02),
            d => panic!("unexpected {d:?}"),
        }
    }

    #[test]
    fn matches_hairer_formula() {
        let mut c = PiController::<f64>::dopri5();
        c.reset(4);
        let err: f64 = 0.5;
        let expo = 0.2 - 0.75 * 0.04;
        let fac = err.powf(expo) / 1e-4f64.powf(0.04) / 0.9;
        let fac = fac.clamp(0.1, 5.0);
        match c.decide(err, 0.01) {
            Decision::Accept { h_next } => {
                approx::assert_relative_eq!(h_next, 0.01 / fac, max_relative = 1e-14)
            }
            d => panic!("unexpected {d:?}"),
        }
    }

    #[test]
    fn nan_error_rejects() {
        let mut c = PiController::<f64>::dopri5();
        c.reset(4);
        assert!(matches!(c.decide(f64::NAN, 1.0), Decision::Reject { .. }));
    }
}
