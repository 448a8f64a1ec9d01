//! trk-stability (SCIENCE §1, figure (a)): TRK4 vs RK4 on Lorenz-63 at growing step sizes.
//! The experiment is `nodal::experiments::trk_stability` (setup and pass criterion in its
//! docs); this example runs it with the default configuration, prints the tables and writes
//! them with the stability-region plots into OUT_DIR.
//!
//! Run: `cargo run --release --example trk_stability [OUT_DIR] [H...]`
//! (default OUT_DIR `target/trk_stability`, default step sizes those of the configuration).
//! `nodal repro trk-stability` runs the same code.

use nodal::experiments::trk_stability::{run, tableau_table, verdict_table, write, Config};
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let out = args
        .next()
        .unwrap_or_else(|| "target/trk_stability".to_string());
    let mut cfg = Config::default();
    let hs: Vec<f64> = args.map(|a| a.parse()).collect::<Result<_, _>>()?;
    if !hs.is_empty() {
        cfg.hs = hs;
    }
    let start = Instant::now();
    let outcome = run(&cfg)?;
    println!(
        "stiffest decay ρ = {:.4}, max |Im λ| = {:.4}, σ = {:.4}; {:.1} s",
        outcome.stiffest,
        outcome.max_imag,
        outcome.sigma,
        start.elapsed().as_secs_f64()
    );
    print!("{}", verdict_table(&outcome).to_markdown()?);
    print!("{}", tableau_table(&outcome).to_markdown()?);
    write(&outcome, std::path::Path::new(&out))?;
    println!("wrote {out}");
    Ok(())
}
