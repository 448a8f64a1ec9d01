//! Checkpoints: everything needed to continue a run bit for bit (configuration, parameters,
//! Adam's moments and batch RNG, history), written atomically as JSON.

use super::config::Config;
use super::TrainCmdError;
use nodal::report::write_atomic;
use nodal::train::AdamState;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The `format` tag of checkpoint files.
const TAG: &str = "nodal-train-checkpoint";
/// The checkpoint version this build writes and reads.
const VERSION: u64 = 1;
/// File name of the checkpoint inside the output folder.
pub const FILE: &str = "checkpoint.json";

/// Which part of the schedule the run is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Adam iterations are running (`adam.iter` of them done).
    Adam,
    /// Adam is finished; L-BFGS starts (or restarts) from `params`.
    Lbfgs,
    /// Training is finished; `params` are final.
    Done,
}

/// One row of `history.csv`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HistoryRow {
    /// 1-based iteration over the whole schedule (Adam, then L-BFGS).
    pub iteration: u64,
    /// `adam` or `lbfgs`.
    pub optimizer: String,
    /// Training loss of the iteration (the mini-batch loss for Adam), scaled units.
    pub loss: f64,
    /// Validation loss (scaled units), on evaluation iterations.
    pub val_loss: Option<f64>,
    /// Evaluations of one forward solve of every training trajectory, on evaluation
    /// iterations.
    pub nfe: Option<usize>,
    /// Wall-clock seconds since the start of training (summed over resumed segments).
    pub seconds: f64,
    /// Mean unweighted regularizer of the batch (regularized runs, Adam iterations).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regularizer: Option<f64>,
    /// The regularizer's weight `w(k)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reg_weight: Option<f64>,
    /// Stability penalty of a trainable tableau with a stability weight (unweighted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stability: Option<f64>,
    /// `|Σb − 1|` of a trainable tableau after the iteration's projection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sum_b_residual: Option<f64>,
}

/// The saved state of a run.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Checkpoint {
    /// [`TAG`].
    pub format: String,
    /// [`VERSION`].
    pub version: u64,
    /// The run's configuration (a resumed run uses it, not the command line).
    pub config: Config,
    /// [`super::data::fingerprint`] of the observations.
    pub data_fingerprint: u64,
    /// Where the schedule is.
    pub phase: Phase,
    /// Parameters (network θ), exact.
    pub params: Vec<f64>,
    /// Adam's state after `adam.iter` iterations.
    pub adam: AdamState,
    /// Rows of `history.csv` so far.
    pub history: Vec<HistoryRow>,
    /// Wall-clock seconds of training so far.
    pub seconds: f64,
}

impl Checkpoint {
    /// A checkpoint of the current state.
    pub fn new(
        config: &Config,
        data_fingerprint: u64,
        phase: Phase,
        params: &[f64],
        adam: &AdamState,
        history: &[HistoryRow],
        seconds: f64,
    ) -> Self {
        Self {
            format: TAG.into(),
            version: VERSION,
            config: config.clone(),
            data_fingerprint,
            phase,
            params: params.to_vec(),
            adam: adam.clone(),
            history: history.to_vec(),
            seconds,
        }
    }

    /// Write `dir/checkpoint.json` atomically.
    pub fn write(&self, dir: &Path) -> Result<PathBuf, TrainCmdError> {
        let path = dir.join(FILE);
        let text = serde_json::to_string(self).map_err(|e| TrainCmdError::Checkpoint {
            path: path.clone(),
            message: e.to_string(),
        })?;
        write_atomic(&path, text.as_bytes())?;
        Ok(path)
    }

    /// Read `dir/checkpoint.json`.
    pub fn read(dir: &Path) -> Result<Self, TrainCmdError> {
        let path = dir.join(FILE);
        let bad = |message: String| TrainCmdError::Checkpoint {
            path: path.clone(),
            message,
        };
        let text = std::fs::read_to_string(&path).map_err(|e| bad(e.to_string()))?;
        let c: Checkpoint = serde_json::from_str(&text)
            .map_err(|e| bad(format!("line {}, column {}: {e}", e.line(), e.column())))?;
        if c.format != TAG || c.version != VERSION {
            return Err(bad(format!(
                "format {:?} version {}, expected {TAG:?} version {VERSION}",
                c.format, c.version
            )));
        }
        Ok(c)
    }
}
