//! Typed errors of data loading, each naming the file, line (1-based) and column (1-based).

use crate::train::TrainError;
use std::path::PathBuf;
use thiserror::Error;

/// Why a data file could not be used.
#[derive(Debug, Error)]
pub enum DataError {
    /// The file could not be read.
    #[error("cannot read `{}`: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating-system error.
        source: std::io::Error,
    },
    /// The CSV itself is malformed (e.g. a row with a different number of fields).
    #[error("{file}:{line}: malformed CSV: {message}")]
    Csv {
        /// The file.
        file: String,
        /// 1-based line.
        line: u64,
        /// The parser's description.
        message: String,
    },
    /// The file has no rows at all (not even a header).
    #[error("{file}: empty file (expected a header row such as `t,x,y`)")]
    Empty {
        /// The file.
        file: String,
    },
    /// A column named in the options is not in the header.
    #[error("{file}:1: missing column `{column}` ({role}); the header has: {available}")]
    MissingColumn {
        /// The file.
        file: String,
        /// The missing column's name.
        column: String,
        /// What it was for (`"time"`, `"state"`, `"trajectory id"`).
        role: &'static str,
        /// The header's columns, comma-separated.
        available: String,
    },
    /// No state column is left besides time and trajectory id.
    #[error("{file}:1: no state columns besides the time and trajectory columns")]
    NoStateColumns {
        /// The file.
        file: String,
    },
    /// A cell is not a number.
    #[error("{file}:{line}:{column}: `{name}` value {value:?} is not a number")]
    NotNumeric {
        /// The file.
        file: String,
        /// 1-based line.
        line: u64,
        /// 1-based column.
        column: usize,
        /// The column's header name.
        name: String,
        /// The cell's text.
        value: String,
    },
    /// A cell is NaN or infinite.
    #[error("{file}:{line}:{column}: `{name}` value {value} is not finite")]
    NonFinite {
        /// The file.
        file: String,
        /// 1-based line.
        line: u64,
        /// 1-based column.
        column: usize,
        /// The column's header name.
        name: String,
        /// The value parsed.
        value: f64,
    },
    /// A time or initial-state cell is empty (only later observations may be missing).
    #[error("{file}:{line}:{column}: `{name}` is empty; {why}")]
    MissingValue {
        /// The file.
        file: String,
        /// 1-based line.
        line: u64,
        /// 1-based column.
        column: usize,
        /// The column's header name.
        name: String,
        /// Why this cell is required.
        why: &'static str,
    },
    /// Times within a trajectory are not strictly increasing.
    #[error("{file}:{line}:{column}: time {t} {what} time {prev} on line {prev_line}{traj}; rows of a trajectory must have strictly increasing times")]
    UnsortedTimes {
        /// The file.
        file: String,
        /// 1-based line of the offending row.
        line: u64,
        /// 1-based column of the time.
        column: usize,
        /// The offending time.
        t: f64,
        /// The previous time of the same trajectory.
        prev: f64,
        /// Line of the previous row.
        prev_line: u64,
        /// `"duplicates"` or `"comes after"`.
        what: &'static str,
        /// `" (trajectory `id`)"` or empty.
        traj: String,
    },
    /// A trajectory has too few rows to fit anything.
    #[error("{file}: trajectory {id:?} has {rows} row(s) (lines {first_line}..); at least {min} are needed")]
    TooFewRows {
        /// The file.
        file: String,
        /// The trajectory id (`""` without a trajectory column).
        id: String,
        /// Rows found.
        rows: usize,
        /// Rows required.
        min: usize,
        /// Line of its first row (0 if none).
        first_line: u64,
    },
    /// The dataset's number of states differs from what the caller needs.
    #[error("{source_name}: the data has {got} state column(s), expected {expected}")]
    Dimension {
        /// The data's source.
        source_name: String,
        /// Dimension required.
        expected: usize,
        /// Dimension of the data.
        got: usize,
    },
    /// A trajectory failed the training data checks.
    #[error("{source_name}: trajectory {trajectory:?}: {error}")]
    Series {
        /// The data's source.
        source_name: String,
        /// The trajectory id.
        trajectory: String,
        /// The check that failed.
        error: TrainError,
    },
}
