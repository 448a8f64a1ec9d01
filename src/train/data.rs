//! Observed trajectories: times, values and an optional observation mask, validated once.

use super::error::TrainError;
use crate::State;

/// One observed trajectory of a `D`-dimensional system.
///
/// `times` are strictly increasing (time units of the model); `values[i]` is the observed state
/// at `times[i]`; `mask[i][c]` says whether component `c` at `times[i]` was observed (`None`: all
/// observed). The first point is the initial state of the solve in training, so it must be fully
/// observed. Build with [`TimeSeries::new`], which validates.
#[derive(Clone, Debug, PartialEq)]
pub struct TimeSeries<const D: usize> {
    times: Vec<f64>,
    values: Vec<State<D>>,
    mask: Option<Vec<[bool; D]>>,
}

impl<const D: usize> TimeSeries<D> {
    /// Validate and build a trajectory (reported as trajectory 0 in errors; see
    /// [`validate_set`] for data sets).
    ///
    /// # Errors
    /// [`TrainError::LengthMismatch`] (values or mask vs times), [`TrainError::BadTrajectory`]
    /// (fewer than two points, first point not fully observed), [`TrainError::NonFiniteData`],
    /// [`TrainError::UnsortedTimes`].
    pub fn new(
        times: Vec<f64>,
        values: Vec<State<D>>,
        mask: Option<Vec<[bool; D]>>,
    ) -> Result<Self, TrainError> {
        let ts = TimeSeries {
            times,
            values,
            mask,
        };
        ts.validate(0)?;
        Ok(ts)
    }

    /// Observation times (strictly increasing).
    pub fn times(&self) -> &[f64] {
        &self.times
    }

    /// Observed states, one per time.
    pub fn values(&self) -> &[State<D>] {
        &self.values
    }

    /// The observation mask, if any (`true` = observed).
    pub fn mask(&self) -> Option<&[[bool; D]]> {
        self.mask.as_deref()
    }

    /// Number of time points.
    pub fn len(&self) -> usize {
        self.times.len()
    }

    /// Always `false` for a validated series (at least two points); for API completeness.
    pub fn is_empty(&self) -> bool {
        self.times.is_empty()
    }

    /// Start time (the first observation time).
    pub fn t0(&self) -> f64 {
        self.times[0]
    }

    /// Initial state (the first observed value).
    pub fn y0(&self) -> State<D> {
        self.values[0]
    }

    /// Number of observed scalar entries (all `len()·D` without a mask).
    pub fn n_observed(&self) -> usize {
        match &self.mask {
            None => self.len() * D,
            Some(m) => m.iter().map(|r| r.iter().filter(|&&b| b).count()).sum(),
        }
    }

    /// Check the invariants, reporting `trajectory` as the index in errors.
    fn validate(&self, trajectory: usize) -> Result<(), TrainError> {
        let n = self.times.len();
        if self.values.len() != n {
            return Err(TrainError::LengthMismatch {
                trajectory,
                what: "values",
                expected: n,
                got: self.values.len(),
            });
        }
        if let Some(m) = &self.mask {
            if m.len() != n {
                return Err(TrainError::LengthMismatch {
                    trajectory,
                    what: "mask",
                    expected: n,
                    got: m.len(),
                });
            }
            if m[0].iter().any(|&b| !b) {
                return Err(TrainError::BadTrajectory {
                    trajectory,
                    reason: "the first point is the initial state and must be fully observed",
                });
            }
        }
        if n < 2 {
            return Err(TrainError::BadTrajectory {
                trajectory,
                reason: "need at least two time points (initial state and one observation)",
            });
        }
        for (index, &t) in self.times.iter().enumerate() {
            if !t.is_finite() {
                return Err(TrainError::NonFiniteData {
                    trajectory,
                    what: "time",
                    index,
                    component: 0,
                    value: t,
                });
            }
            if index > 0 && t <= self.times[index - 1] {
                return Err(TrainError::UnsortedTimes {
                    trajectory,
                    index,
                    prev: self.times[index - 1],
                    t,
                });
            }
        }
        for (index, y) in self.values.iter().enumerate() {
            if let Some(component) = y.iter().position(|v| !v.is_finite()) {
                return Err(TrainError::NonFiniteData {
                    trajectory,
                    what: "value",
                    index,
                    component,
                    value: y[component],
                });
            }
        }
        Ok(())
    }
}

/// Validate a data set of several trajectories (reporting the index of the bad one) and check
/// that it is not empty.
///
/// # Errors
/// [`TrainError::Empty`] for no trajectories; otherwise as [`TimeSeries::new`], with the
/// trajectory's index.
pub fn validate_set<const D: usize>(set: &[TimeSeries<D>]) -> Result<(), TrainError> {
    if set.is_empty() {
        return Err(TrainError::Empty("the data set has no trajectories"));
    }
    set.iter()
        .enumerate()
        .try_for_each(|(i, ts)| ts.validate(i))
}
