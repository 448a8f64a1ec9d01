//! `nodal repro <experiment>`: re-run a published experiment and write its tables (Markdown,
//! CSV) and plots (SVG) to an output folder.
//!
//! Each experiment's logic lives in the library (`nodal::experiments::<name>`) so the examples
//! and tests run the same code; this module only parses arguments and prints where the results
//! went. Add an experiment as a variant of [`Experiment`] plus one file beside this one.

/// `set_some!(cfg.a => args.a, …)`: for every pair whose right side is `Some(v)`, assign `v` to
/// the left side (a command-line flag given overrides the configuration's default).
macro_rules! set_some {
    ($($dst:expr => $src:expr),+ $(,)?) => {
        $(
            if let Some(v) = $src {
                $dst = v;
            }
        )+
    };
}

mod collocation;
mod local_reg;
mod trk_forecast;
mod trk_stability;

use super::CliError;
use clap::{Args, Subcommand};
use std::path::PathBuf;

/// Arguments of `nodal repro`.
#[derive(Args, Debug)]
pub struct ReproArgs {
    #[command(subcommand)]
    experiment: Experiment,
}

/// Options every experiment takes.
#[derive(Args, Debug, Clone)]
pub struct Common {
    /// Output folder (created if missing); tables go to `<out>/*.md|csv`, plots to `<out>/*.svg`.
    #[arg(long, default_value = "repro-out")]
    pub out: PathBuf,
    /// Seed of every random choice (data noise, initialisation, sampling, mini-batches).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// A reduced run (fewer iterations / cases) that finishes in well under a minute, for
    /// smoke tests; its numbers are not the published comparison.
    #[arg(long)]
    pub quick: bool,
}

/// The experiments that can be reproduced.
#[derive(Subcommand, Debug)]
enum Experiment {
    /// Solver-heuristic regularization (SCIENCE §2): digits NODE classifier (vanilla, global,
    /// local unbiased, local biased) and the cubic spiral; ≈ 4.6 CPU-minutes (19 min wall
    /// measured on a heavily loaded 2-core machine).
    LocalReg(local_reg::LocalRegArgs),
    /// Collocation training of the forced Van der Pol case study (IPM), the sequential
    /// baseline (Adam + L-BFGS through dopri5) and consensus ADMM over two time windows.
    Collocation(collocation::CollocationArgs),
    /// SCIENCE §1 (a): can a trained 4-stage tableau integrate Lorenz-63 where RK4 fails?
    TrkStability(trk_stability::TrkStabilityArgs),
    /// SCIENCE §1 (b): Lorenz-63 identification with Euler, RK4, Dopri8, TRK10 and SINDy.
    TrkForecast(trk_forecast::TrkForecastArgs),
}

/// Run the chosen experiment.
pub fn run(args: &ReproArgs) -> Result<(), CliError> {
    match &args.experiment {
        Experiment::LocalReg(a) => local_reg::run(a),
        Experiment::Collocation(a) => collocation::run(a),
        Experiment::TrkStability(a) => trk_stability::run(a),
        Experiment::TrkForecast(a) => trk_forecast::run(a),
    }
}
