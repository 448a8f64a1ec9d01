//! `nodal repro local-reg`: the digits classifier and spiral experiments of
//! [`nodal::experiments::local_reg`].

use super::Common;
use crate::cli::CliError;
use clap::Args;
use nodal::experiments::local_reg::{run as run_experiment, write, Config, Variant};

/// Arguments of `nodal repro local-reg`.
#[derive(Args, Debug)]
pub struct LocalRegArgs {
    #[command(flatten)]
    common: Common,
    /// Digits: passes over the training set (default 10; 2 with --quick).
    #[arg(long)]
    epochs: Option<usize>,
    /// Digits: regularization weight at the first iteration (default 2.5).
    #[arg(long)]
    w0: Option<f64>,
    /// Digits: weight at the last iteration, reached by exponential decay (default 1.0).
    #[arg(long)]
    w1: Option<f64>,
    /// Digits: variants to train, comma-separated, from vanilla, global, local-unbiased,
    /// local-biased and the labelled option local-accepted (default the first four; ratios
    /// need vanilla).
    #[arg(long, value_delimiter = ',')]
    variants: Vec<String>,
    /// Digits: rtol = atol of every solve (default 1e-6; the paper's MNIST runs use 1.4e-8).
    #[arg(long)]
    tol: Option<f64>,
    /// Spiral: number of network seeds (default 3; 1 with --quick; 0 skips the spiral).
    #[arg(long)]
    spiral_seeds: Option<u64>,
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
    if let Some(n) = a.spiral_seeds {
        cfg.spiral.seeds = (0..n).collect();
    }
    if let Some(w) = a.w0 {
        cfg.digits.w0 = w;
    }
    if let Some(w) = a.w1 {
        cfg.digits.w1 = w;
    }
    if let Some(t) = a.tol {
        cfg.digits.rtol = t;
        cfg.digits.atol = t;
    }
    if !a.variants.is_empty() {
        cfg.digits.variants = a
            .variants
            .iter()
            .map(|v| {
                Variant::KNOWN
                    .into_iter()
                    .find(|x| x.name().replace(' ', "-") == *v)
                    .ok_or_else(|| CliError::UnknownVariant {
                        name: v.clone(),
                        known: "vanilla, global, local-unbiased, local-biased, local-accepted"
                            .into(),
                    })
            })
            .collect::<Result<_, _>>()?;
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
