//! Observed time series read from CSV files, with errors that name the file, line and column.
//!
//! A [`Dataset`] holds trajectories of runtime dimension (the number of state columns is only
//! known once the file is read); [`Dataset::to_series`] turns them into the const-dimension
//! [`TimeSeries<D>`](crate::train::TimeSeries) the trainers use. Empty cells are missing
//! observations (masked out of the loss), except in a trajectory's first row, which is the
//! initial state of every solve.
//!
//! ```
//! use nodal::data::{CsvOptions, Dataset};
//! let text = "t,x,v\n0,1,0\n0.5,0.88,-0.48\n1,0.54,\n";
//! let ds = Dataset::from_csv_str(text, "inline.csv", &CsvOptions::default())?;
//! assert_eq!(ds.state_names, ["x", "v"]);
//! let series = ds.to_series::<2>()?;
//! assert_eq!(series[0].n_observed(), 5); // one value missing
//! # Ok::<(), nodal::data::DataError>(())
//! ```

mod csv;
mod error;

pub use self::csv::CsvOptions;
pub use error::DataError;

use crate::train::TimeSeries;
use crate::State;

/// One trajectory: rows sorted by strictly increasing time.
#[derive(Clone, Debug, PartialEq)]
pub struct Trajectory {
    /// The trajectory id (the value of the trajectory column, or `""` without one).
    pub id: String,
    /// Observation times, strictly increasing.
    pub times: Vec<f64>,
    /// `values[i][c]`: component `c` at `times[i]`, `None` when the cell was empty.
    pub values: Vec<Vec<Option<f64>>>,
    /// 1-based line in the source file of each row (for error messages; 0 for generated data).
    pub lines: Vec<u64>,
}

/// Trajectories of a `state_names.len()`-dimensional system.
#[derive(Clone, Debug, PartialEq)]
pub struct Dataset {
    /// Where the data came from (a file path or a description), used in error messages.
    pub source: String,
    /// Name of the time column.
    pub time_name: String,
    /// Names of the state components, in column order.
    pub state_names: Vec<String>,
    /// The trajectories, in order of first appearance in the file.
    pub trajectories: Vec<Trajectory>,
}

impl Dataset {
    /// Number of state components.
    pub fn dim(&self) -> usize {
        self.state_names.len()
    }

    /// Total number of rows over all trajectories.
    pub fn n_rows(&self) -> usize {
        self.trajectories.iter().map(|t| t.times.len()).sum()
    }

    /// The trajectories as [`TimeSeries<D>`]; missing values become masked entries.
    ///
    /// # Errors
    /// [`DataError::Dimension`] when `D` differs from [`Dataset::dim`];
    /// [`DataError::Series`] (with the source and trajectory id) if a trajectory fails
    /// [`TimeSeries::new`]'s checks (datasets read from CSV have already passed them).
    pub fn to_series<const D: usize>(&self) -> Result<Vec<TimeSeries<D>>, DataError> {
        if self.dim() != D {
            return Err(DataError::Dimension {
                source_name: self.source.clone(),
                expected: D,
                got: self.dim(),
            });
        }
        self.trajectories
            .iter()
            .map(|tr| {
                let values: Vec<State<D>> = tr
                    .values
                    .iter()
                    .map(|row| State::<D>::from_fn(|c, _| row[c].unwrap_or(0.0)))
                    .collect();
                let complete = tr.values.iter().flatten().all(Option::is_some);
                let mask = (!complete).then(|| {
                    tr.values
                        .iter()
                        .map(|row| std::array::from_fn(|c| row[c].is_some()))
                        .collect()
                });
                TimeSeries::new(tr.times.clone(), values, mask).map_err(|e| DataError::Series {
                    source_name: self.source.clone(),
                    trajectory: tr.id.clone(),
                    error: e,
                })
            })
            .collect()
    }
}
