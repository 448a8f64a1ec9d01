//! `nodal repro trk-stability`: TRK4 vs RK4 on Lorenz-63 at growing step sizes
//! ([`nodal::experiments::trk_stability`]).

use super::Common;
use crate::cli::CliError;
use clap::Args;
use nodal::experiments::trk_stability::{
    run as run_experiment, verdict_table, write, Config, ForecastLoss, Init,
};
use std::time::Instant;

/// Arguments of `nodal repro trk-stability`.
#[derive(Args, Debug)]
pub struct TrkStabilityArgs {
    #[command(flatten)]
    common: Common,
    /// Step sizes to run (default: 0.10 0.15 0.16 0.17 0.18 0.19 0.20 0.22 0.25).
    #[arg(long, num_args = 1.., value_delimiter = ',')]
    h: Vec<f64>,
    /// Curriculum: add a restart from the tableau learned at the previous step size (the
    /// step sizes then run in order, one after another).
    #[arg(long)]
    curriculum: bool,
    /// Validation long runs (default 10; at most the number of validation starts, 50).
    #[arg(long)]
    val_long: Option<usize>,
    /// Screening long runs of the final selection (default 0 = rank on the validation starts
    /// only; e.g. 200 selects the lowest-RMSE validation pass that keeps all 200 bounded).
    #[arg(long)]
    screen: Option<usize>,
    /// Training loss: `mse` (default, mean MSE / σ² over the training starts) or `log`
    /// (mean ln(1 + MSE / σ²), which escaping starts cannot dominate).
    #[arg(long, value_parser = ["mse", "log"])]
    loss: Option<String>,
    /// Restarts from RK4 plus seeded uniform noise ±0.1 (default 1), besides those from RK4
    /// and the 3/8 rule.
    #[arg(long)]
    perturbed: Option<usize>,
    /// Weight of the own-trajectory loss (default 1; only used with `--roll-every`).
    #[arg(long)]
    own_weight: Option<f64>,
    /// Iterations between own-trajectory rollouts (default 0 = train on the true attractor's
    /// starts only; e.g. 100 adds the own-trajectory loss, which lost accuracy in our runs).
    #[arg(long)]
    roll_every: Option<usize>,
}

/// Run the experiment, write its tables and plots, print the verdict table.
pub fn run(args: &TrkStabilityArgs) -> Result<(), CliError> {
    let c = &args.common;
    let mut cfg = if c.quick {
        Config::quick()
    } else {
        Config::default()
    };
    cfg.seed = c.seed;
    if !args.h.is_empty() {
        cfg.hs = args.h.clone();
    }
    if args.curriculum && !cfg.inits.contains(&Init::Previous) {
        cfg.inits.push(Init::Previous);
    }
    set_some!(
        cfg.n_val_long => args.val_long,
        cfg.n_screen_long => args.screen,
    );
    if let Some(l) = &args.loss {
        cfg.loss = match l.as_str() {
            "log" => ForecastLoss::LogMse,
            _ => ForecastLoss::Mse,
        };
    }
    if let Some(n) = args.perturbed {
        cfg.inits.retain(|i| !matches!(i, Init::Perturbed(_)));
        cfg.inits
            .extend(std::iter::repeat_n(Init::Perturbed(0.1), n));
    }
    set_some!(
        cfg.own_weight => args.own_weight,
        cfg.roll_every => args.roll_every,
    );
    let start = Instant::now();
    let out = run_experiment(&cfg)?;
    write(&out, &c.out)?;
    print!(
        "{}",
        verdict_table(&out)
            .to_markdown()
            .map_err(nodal::experiments::trk_error::TrkError::from)?
    );
    println!(
        "stiffest decay ρ = {:.4}, max |Im λ| = {:.4}, σ = {:.4}; {:.1} s; wrote {}",
        out.stiffest,
        out.max_imag,
        out.sigma,
        start.elapsed().as_secs_f64(),
        c.out.display()
    );
    Ok(())
}
