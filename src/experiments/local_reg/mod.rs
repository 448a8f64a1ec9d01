//! `nodal repro local-reg`: solver-heuristic regularization (Pal, Edelman & Rackauckas 2023;
//! SCIENCE §2) on two problems.
//!
//! 1. **Digits classifier** ([`run_digits`]): a neural ODE on the UCI 8×8 digits (shipped as
//!    `data/digits.csv.gz`, see `data/README.md`), vanilla vs global error regularization vs
//!    local regularization with the unbiased and the biased sampler: test accuracy, test NFE
//!    per sample, training and prediction CPU time, loss and NFE curves.
//! 2. **Spiral time series** ([`run_spiral`]): the cubic spiral of the 2021 paper, NFE of the
//!    trained model with and without regularization at comparable MSE.
//!
//! 3. **Weight selection** ([`run_selection`]) for the labelled option `local accepted`: on a
//!    validation set carved from the training images, over several seeds.
//!
//! [`run`] does the first two, [`write`] writes `digits.md|csv`, `spiral.md|csv` and (feature `plot`)
//! `digits_loss.svg`, `digits_nfe.svg`, `spiral_loss.svg`.
//!
//! The batch loss is the mean over samples of the data loss plus `w(k)` times the **mean over
//! samples** of the regularizer; each sample is solved on its own (its own steps), so the local
//! regularizer draws one `t_r` per sample (the paper's batch is one big state with one `t_r`).
//! The global regularizer is the **sum** over accepted steps.

mod classifier;
mod digits;
mod penalty;
mod run;
mod select;
mod spiral;
mod write;

pub use classifier::{evaluate, ClassifierObjective, Evaluation, IterLog};
pub use digits::{Digits, DigitsError, CLASSES, MAX_PIXEL, PIXELS};
pub use penalty::{mix_seed, sample_gradient, PenaltySetup, SampleGrad, Variant};
pub use run::{
    initial_network, run_arms, run_digits, Arm, DigitsConfig, DigitsOutcome, DigitsRun,
    DigitsRunError, DigitsSplit,
};
pub use select::{mean_sd, run_selection, select, CandidateScore, SelectConfig, SelectionOutcome};
pub use spiral::{
    run_spiral, spiral_data, CubeNet, SpiralConfig, SpiralError, SpiralObjective, SpiralRow, N_OBS,
    SPAN,
};
pub use write::{
    digits_table, selection_test_table, spiral_table, validation_table, write, write_selection,
};

use crate::report::ReportError;

/// Both experiments' settings. `Default` is the full run; [`Config::quick`] the smoke test.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Config {
    /// Seed of every random choice.
    pub seed: u64,
    /// The digits classifier.
    pub digits: DigitsConfig,
    /// The spiral; its runs use seeds `seed + s` for `s` in `spiral.seeds`.
    pub spiral: SpiralConfig,
}

impl Config {
    /// Reduced sizes that finish in well under a minute (numbers not comparable).
    pub fn quick() -> Self {
        Self {
            seed: 0,
            digits: DigitsConfig::quick(),
            spiral: SpiralConfig::quick(),
        }
    }
}

/// Everything measured.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    /// Digits classifier results.
    pub digits: DigitsOutcome,
    /// Spiral results, one row per (seed, variant, weight).
    pub spiral: Vec<SpiralRow>,
    /// Spiral settings used.
    pub spiral_config: SpiralConfig,
    /// Wall seconds of the whole run.
    pub wall_s: f64,
}

/// Errors of the experiment.
#[derive(Debug, thiserror::Error)]
pub enum LocalRegError {
    /// The digits experiment.
    #[error("digits: {0}")]
    Digits(#[from] DigitsRunError),
    /// The spiral experiment.
    #[error("spiral: {0}")]
    Spiral(#[from] SpiralError),
    /// Writing the results.
    #[error("writing results: {0}")]
    Report(#[from] ReportError),
}

/// Run both experiments.
///
/// # Errors
/// [`LocalRegError`].
pub fn run(cfg: &Config) -> Result<Outcome, LocalRegError> {
    let t = std::time::Instant::now();
    let digits = run_digits(&cfg.digits, cfg.seed)?;
    let mut sc = cfg.spiral.clone();
    sc.seeds = sc.seeds.iter().map(|s| s.wrapping_add(cfg.seed)).collect();
    let spiral = run_spiral(&sc)?;
    Ok(Outcome {
        digits,
        spiral,
        spiral_config: sc,
        wall_s: t.elapsed().as_secs_f64(),
    })
}
