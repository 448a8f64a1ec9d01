//! Weight schedules `w(k)` of the regularization term `w(k)·R` at training iteration `k`.

use super::error::RegularizeError;
use crate::tableau::to_f64;
use nalgebra::RealField;

/// The weight of the regularizer at training iteration `k` (0-based).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Weight<T = f64> {
    /// `w(k) = w` for every `k` (any finite `w ≥ 0`).
    Constant(T),
    /// Exponential decay from `w0` at `k = 0` to `w1` at `k = iters`:
    /// `w(k) = w0·exp(−ln(w0/w1)·k/iters)`, held at `w1` for `k ≥ iters`. Needs finite
    /// `w0, w1 > 0` and `iters ≥ 1`. (The MNIST runs of Pal et al. decay 2.5 → 1.0.)
    ExpDecay {
        /// Weight at iteration 0.
        w0: T,
        /// Weight from iteration `iters` on.
        w1: T,
        /// Number of iterations `K` of the decay.
        iters: usize,
    },
}

impl<T: RealField + Copy> Weight<T> {
    /// Check the parameters.
    ///
    /// # Errors
    /// [`RegularizeError::InvalidWeight`] naming the bad parameter.
    pub fn check(&self) -> Result<(), RegularizeError> {
        let bad = |name, v: T, expected| RegularizeError::InvalidWeight {
            name,
            value: to_f64(v),
            expected,
        };
        match *self {
            Weight::Constant(w) => {
                if !(w.is_finite() && w >= T::zero()) {
                    return Err(bad("w", w, "finite and ≥ 0"));
                }
            }
            Weight::ExpDecay { w0, w1, iters } => {
                if !(w0.is_finite() && w0 > T::zero()) {
                    return Err(bad("w0", w0, "finite and > 0"));
                }
                if !(w1.is_finite() && w1 > T::zero()) {
                    return Err(bad("w1", w1, "finite and > 0"));
                }
                if iters == 0 {
                    return Err(RegularizeError::InvalidWeight {
                        name: "iters",
                        value: 0.0,
                        expected: "≥ 1",
                    });
                }
            }
        }
        Ok(())
    }

    /// `w(k)`.
    ///
    /// # Errors
    /// As [`Weight::check`].
    pub fn at(&self, k: usize) -> Result<T, RegularizeError> {
        self.check()?;
        Ok(match *self {
            Weight::Constant(w) => w,
            Weight::ExpDecay { w0, w1, iters } => {
                if k >= iters {
                    w1
                } else {
                    let frac = crate::cst::<T>(k as f64 / iters as f64);
                    w0 * (-(w0 / w1).ln() * frac).exp()
                }
            }
        })
    }
}
