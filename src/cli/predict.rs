//! `nodal predict`: load a trained model and forecast from an initial state.

use super::CliError;
use clap::Args;
use nodal::model::{Model, ModelError};
use nodal::report::{write_atomic, ReportError, Table};
use std::path::PathBuf;
use thiserror::Error;

/// Arguments of `nodal predict`.
#[derive(Args, Debug)]
pub struct PredictArgs {
    /// Model file written by `nodal train`.
    #[arg(long)]
    pub model: PathBuf,
    /// Initial state, comma-separated, one value per state in data units.
    #[arg(
        long,
        value_delimiter = ',',
        allow_hyphen_values = true,
        required = true
    )]
    pub y0: Vec<f64>,
    /// Start time.
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    pub t0: f64,
    /// End time; the forecast is saved at `--n` evenly spaced intervals of [t0, t1].
    #[arg(long, allow_negative_numbers = true, required_unless_present = "times")]
    pub t1: Option<f64>,
    /// Number of intervals for `--t1`.
    #[arg(long, default_value_t = 100)]
    pub n: usize,
    /// File of save times instead of `--t1`: one number per line (≥ t0, non-decreasing; a
    /// non-numeric first line is taken as a header).
    #[arg(long, conflicts_with = "t1")]
    pub times: Option<PathBuf>,
    /// Output CSV (time, states); printed to stdout when absent.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// What can go wrong in `nodal predict`.
#[derive(Debug, Error)]
pub enum PredictError {
    /// Loading or running the model.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// Reading the times file.
    #[error("cannot read times file `{}`: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating-system error.
        source: std::io::Error,
    },
    /// A line of the times file is not a finite number.
    #[error("{}:{line}:1: {value:?} is not a finite time", path.display())]
    BadTime {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// The text.
        value: String,
    },
    /// The times file has no times.
    #[error("{}: no times", path.display())]
    NoTimes {
        /// The file.
        path: PathBuf,
    },
    /// `--n` is zero or `--t1` not finite.
    #[error("--t1 must be finite and --n ≥ 1 (got t1 = {t1}, n = {n})")]
    BadGrid {
        /// End time.
        t1: f64,
        /// Intervals.
        n: usize,
    },
    /// Writing the output.
    #[error(transparent)]
    Write(#[from] ReportError),
}

/// Read one time per line (blank lines and `#` comments skipped; a non-numeric first line is
/// a header).
fn read_times(path: &PathBuf) -> Result<Vec<f64>, PredictError> {
    let text = std::fs::read_to_string(path).map_err(|source| PredictError::Io {
        path: path.clone(),
        source,
    })?;
    let mut times = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let cell = line.split(',').next().unwrap_or("").trim();
        if cell.is_empty() || cell.starts_with('#') {
            continue;
        }
        match cell.parse::<f64>() {
            Ok(t) if t.is_finite() => times.push(t),
            Err(_) if i == 0 => {}
            _ => {
                return Err(PredictError::BadTime {
                    path: path.clone(),
                    line: i + 1,
                    value: cell.to_string(),
                })
            }
        }
    }
    if times.is_empty() {
        return Err(PredictError::NoTimes { path: path.clone() });
    }
    Ok(times)
}

fn predict(a: &PredictArgs) -> Result<(), PredictError> {
    let model = Model::load(&a.model)?;
    let times = match (&a.times, a.t1) {
        (Some(p), _) => read_times(p)?,
        (None, Some(t1)) if t1.is_finite() && a.n > 0 => (0..=a.n)
            .map(|i| a.t0 + (t1 - a.t0) * i as f64 / a.n as f64)
            .collect(),
        (None, t1) => {
            return Err(PredictError::BadGrid {
                t1: t1.unwrap_or(f64::NAN),
                n: a.n,
            })
        }
    };
    let pred = model.predict(a.t0, &a.y0, &times)?;
    let mut header = vec![model.time_name.clone()];
    header.extend(model.state_names.iter().cloned());
    let mut t = Table::new("prediction", &header);
    for (time, y) in pred.times.iter().zip(&pred.states) {
        let mut row = vec![format!("{time:e}")];
        row.extend(y.iter().map(|v| format!("{v:e}")));
        t.push(row);
    }
    let csv = t.to_csv()?;
    match &a.out {
        Some(p) => {
            write_atomic(p, csv.as_bytes())?;
            println!(
                "wrote {} ({} times, {} evaluations)",
                p.display(),
                pred.times.len(),
                pred.nfe
            );
        }
        None => print!("{csv}"),
    }
    Ok(())
}

/// Run `nodal predict`.
pub fn run(a: &PredictArgs) -> Result<(), CliError> {
    predict(a).map_err(CliError::from)
}
