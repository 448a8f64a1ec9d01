//! `nodal repro local-reg`: the digits classifier and spiral experiments of
//! [`nodal::experiments::local_reg`].

use super::Common;
use crate::cli::CliError;
use clap::Args;
use nodal::experiments::local_reg::{
    run as run_experiment, run_selection, selection_test_table, validation_table, write,
    write_selection, Config, DigitsConfig, SelectConfig, Variant,
};

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
    /// Weight selection instead of the comparison: candidate schedules `w0:w1` of the labelled
    /// option local-accepted, comma-separated (e.g. `2.5:1,5:2,10:4,25:10`). Trains
    /// `--variants` (default vanilla, local-unbiased, global at --w0/--w1) and every candidate
    /// for `--select-seeds` seeds with a validation set held out, selects on validation and
    /// writes validation.md, test.md and seed<s>.md; no spiral.
    #[arg(long, value_delimiter = ',')]
    candidates: Vec<String>,
    /// Selection: number of seeds `--seed`, `--seed`+1, ... (default 3; 1 with --quick).
    #[arg(long)]
    select_seeds: Option<u64>,
    /// Selection: validation fraction of the training images, the last ones (default 0.15).
    #[arg(long)]
    validation: Option<f64>,
}

/// Parse `w0:w1` candidate schedules.
fn parse_candidates(v: &[String]) -> Result<Vec<(f64, f64)>, CliError> {
    v.iter()
        .map(|c| {
            let parse = |x: Option<&str>| x.and_then(|x| x.trim().parse::<f64>().ok());
            let mut it = c.split(':');
            match (parse(it.next()), parse(it.next()), it.next()) {
                (Some(a), Some(b), None) => Ok((a, b)),
                _ => Err(CliError::UnknownVariant {
                    name: c.clone(),
                    known: "candidate schedules written w0:w1, e.g. 10:4".into(),
                }),
            }
        })
        .collect()
}

fn parse_variants(v: &[String]) -> Result<Vec<Variant>, CliError> {
    v.iter()
        .map(|v| {
            Variant::KNOWN
                .into_iter()
                .find(|x| x.name().replace(' ', "-") == *v)
                .ok_or_else(|| CliError::UnknownVariant {
                    name: v.clone(),
                    known: "vanilla, global, local-unbiased, local-biased, local-accepted".into(),
                })
        })
        .collect()
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
        cfg.digits.variants = parse_variants(&a.variants)?;
    }
    if !a.candidates.is_empty() {
        return run_selection_cli(a, cfg.digits);
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

/// `--candidates`: the weight selection on validation, over seeds.
fn run_selection_cli(a: &LocalRegArgs, digits: DigitsConfig) -> Result<(), CliError> {
    let defaults = SelectConfig::default();
    let n = a.select_seeds.unwrap_or(if a.common.quick { 1 } else { 3 });
    let cfg = SelectConfig {
        digits: DigitsConfig {
            validation_fraction: a.validation.unwrap_or(0.15),
            variants: if a.variants.is_empty() {
                defaults.digits.variants.clone()
            } else {
                digits.variants.clone()
            },
            ..digits
        },
        seeds: (0..n).map(|s| a.common.seed.wrapping_add(s)).collect(),
        candidates: parse_candidates(&a.candidates)?,
        ..defaults
    };
    let err = |e: nodal::report::ReportError| CliError::LocalReg(e.into());
    let o = run_selection(&cfg).map_err(|e| CliError::LocalReg(e.into()))?;
    write_selection(&o, &a.common.out).map_err(err)?;
    println!("{}", validation_table(&o).to_markdown().map_err(err)?);
    println!("{}", selection_test_table(&o).to_markdown().map_err(err)?);
    println!(
        "wrote validation, test and per-seed tables to {} ({:.0} s)",
        a.common.out.display(),
        o.wall_s
    );
    Ok(())
}
