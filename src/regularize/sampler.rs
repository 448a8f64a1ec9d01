//! Samplers of the time `t_r` at which the local regularizer takes its step.

use super::error::RegularizeError;
use crate::tableau::to_f64;
use nalgebra::RealField;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Draws the time `t_r ∈ [t0, t1]` of the local regularizer's step.
///
/// `step_starts` are the start times of the accepted steps of the forward solve
/// ([`super::StepRecorder::step_starts`]); samplers that do not need them ignore them.
pub trait TimeSampler<T: RealField + Copy> {
    /// Draw one time.
    ///
    /// # Errors
    /// An invalid span, or (samplers that need them) no step times.
    fn sample(&mut self, t0: T, t1: T, step_starts: &[T]) -> Result<T, RegularizeError>;
}

fn check_span<T: RealField + Copy>(t0: T, t1: T) -> Result<(), RegularizeError> {
    if !(t0.is_finite() && t1.is_finite()) || t0 == t1 {
        return Err(RegularizeError::InvalidSpan {
            t0: to_f64(t0),
            t1: to_f64(t1),
        });
    }
    Ok(())
}

/// The **unbiased** sampler: `t_r ~ Uniform[t0, t1)` (continuous), seeded ChaCha8.
#[derive(Clone, Debug)]
pub struct Unbiased {
    rng: ChaCha8Rng,
}

impl Unbiased {
    /// A sampler with its own ChaCha8 stream from `seed` (same seed, same draws).
    pub fn new(seed: u64) -> Self {
        Self {
            rng: ChaCha8Rng::seed_from_u64(seed),
        }
    }
}

impl<T: RealField + Copy> TimeSampler<T> for Unbiased {
    fn sample(&mut self, t0: T, t1: T, _step_starts: &[T]) -> Result<T, RegularizeError> {
        check_span(t0, t1)?;
        let u: f64 = self.rng.random();
        Ok(t0 + (t1 - t0) * crate::cst::<T>(u))
    }
}

/// The **biased** sampler: `t_r` uniform over the accepted step times of the forward solve,
/// the final time excluded (i.e. uniform over the step start times), seeded ChaCha8. It
/// concentrates the regularizer where the solver had to take many small steps.
#[derive(Clone, Debug)]
pub struct Biased {
    rng: ChaCha8Rng,
}

impl Biased {
    /// A sampler with its own ChaCha8 stream from `seed` (same seed, same draws).
    pub fn new(seed: u64) -> Self {
        Self {
            rng: ChaCha8Rng::seed_from_u64(seed),
        }
    }
}

impl<T: RealField + Copy> TimeSampler<T> for Biased {
    fn sample(&mut self, t0: T, t1: T, step_starts: &[T]) -> Result<T, RegularizeError> {
        check_span(t0, t1)?;
        if step_starts.is_empty() {
            return Err(RegularizeError::EmptyRecord);
        }
        let i = self.rng.random_range(0..step_starts.len());
        let t = step_starts[i];
        let (lo, hi) = if t0 < t1 { (t0, t1) } else { (t1, t0) };
        // A start time is never the final time; one at or beyond it is a caller error.
        if !(t >= lo && t <= hi) || t == t1 {
            return Err(RegularizeError::TimeOutsideSpan {
                t: to_f64(t),
                t0: to_f64(t0),
                t1: to_f64(t1),
            });
        }
        Ok(t)
    }
}
