//! `nodal repro trk-forecast`: identify Lorenz-63 from sparse observations with Euler, RK4,
//! Dopri8, TRK10 and SINDy ([`nodal::experiments::trk_forecast`]).

use super::Common;
use crate::cli::CliError;
use clap::Args;
use nodal::experiments::trk_error::TrkError;
use nodal::experiments::trk_forecast::{results_table, run as run_experiment, write, Config};
use std::time::Instant;

/// Arguments of `nodal repro trk-forecast`.
#[derive(Args, Debug)]
pub struct TrkForecastArgs {
    #[command(flatten)]
    common: Common,
    /// Sampling intervals (default: 0.2 0.3 0.4).
    #[arg(long, num_args = 1.., value_delimiter = ',')]
    h: Vec<f64>,
    /// Observation noise standard deviation in state units (default 0).
    #[arg(long)]
    noise: Option<f64>,
    /// Adam iterations (default 2000).
    #[arg(long)]
    iters: Option<u64>,
}

/// Run the experiment, write its tables, print the results table.
pub fn run(args: &TrkForecastArgs) -> Result<(), CliError> {
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
    if let Some(n) = args.noise {
        cfg.noise = n;
    }
    if let Some(n) = args.iters {
        cfg.iters = n;
    }
    let start = Instant::now();
    let out = run_experiment(&cfg)?;
    write(&out, &c.out)?;
    print!(
        "{}",
        results_table(&out).to_markdown().map_err(TrkError::from)?
    );
    println!(
        "{:.1} s; wrote {}",
        start.elapsed().as_secs_f64(),
        c.out.display()
    );
    Ok(())
}
