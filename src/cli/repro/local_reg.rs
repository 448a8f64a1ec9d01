//! `nodal repro local-reg`: the digits classifier and spiral experiments of
//! [`nodal::experiments::local_reg`].

use super::Common;
use crate::cli::CliError;
use clap::Args;
use nodal::experiments::local_reg::{run as run_experiment, write, Config};

/// Arguments of `nodal repro local-reg`.
#[derive(Args, Debug)]
pub struct LocalRegArgs {
    #[command(flatten)]
    common: Common,
    /// Digits: passes over the training set (default: the full run's 8).
    #[arg(long)]
    epochs: Option<usize>,
}

/// Run both experiments and write the tables and plots under `--out`.
pub fn run(a: &LocalRegArgs) -> Result<(), CliError> {
    let mut cfg = if a.common.quick {
        Config::quick()
    } else {
        Config::default()
    };
    cfg.seed = a.common.seed;
    if let Some(e) = a.epochs {
        cfg.digits.epochs = e;
    }
    let o = run_experiment(&cfg).map_err(CliError::from)?;
    write(&o, &a.common.out).map_err(|e| CliError::LocalReg(e.into()))?;
    println!(
        "{}",
        nodal::experiments::local_reg::digits_table(&o.digits)
            .to_markdown()
            .map_err(|e| CliError::LocalReg(e.into()))?
    );
    println!(
        "{}",
        nodal::experiments::local_reg::spiral_table(&o.spiral)
            .to_markdown()
            .map_err(|e| CliError::LocalReg(e.into()))?
    );
    println!(
        "wrote tables and plots to {} ({:.0} s)",
        a.common.out.display(),
        o.wall_s
    );
    Ok(())
}
