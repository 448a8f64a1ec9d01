//! SCIENCE §2 time-series experiment: fit the 2-D cubic spiral `z' = A z³` with a neural ODE
//! `z' = MLP(z³)`, without regularization, with the local error regularizer (unbiased and
//! biased samplers) and with the global one, and compare the NFE of the trained models at
//! comparable MSE. The logic is `nodal::experiments::local_reg::run_spiral` (also run by
//! `nodal repro local-reg`); this example only parses options and prints the table.
//!
//! Run: `cargo run --release --example spiral_reg -- [--iters 2000] [--lr 1e-2] [--weights 0.003,0.01,0.03] [--seeds 3]`

use nodal::experiments::local_reg::{run_spiral, spiral_table, SpiralConfig};

fn parse() -> Result<SpiralConfig, String> {
    let mut c = SpiralConfig::default();
    let args: Vec<String> = std::env::args().skip(1).collect();
    for pair in args.chunks(2) {
        let v = pair.get(1).ok_or(format!("{} needs a value", pair[0]))?;
        if pair[0] == "--weights" {
            c.weights = v
                .split(',')
                .map(|w| w.parse::<f64>().map_err(|e| format!("--weights: {e}")))
                .collect::<Result<_, _>>()?;
            continue;
        }
        let num = v.parse::<f64>().map_err(|e| format!("{}: {e}", pair[0]))?;
        match pair[0].as_str() {
            "--iters" => c.iters = num as u64,
            "--lr" => c.lr = num,
            "--seeds" => c.seeds = (0..num as u64).collect(),
            other => return Err(format!("unknown option {other}")),
        }
    }
    Ok(c)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let cfg = parse()?;
    let rows = run_spiral(&cfg)?;
    println!("{}", spiral_table(&rows).to_markdown()?);
    Ok(())
}
