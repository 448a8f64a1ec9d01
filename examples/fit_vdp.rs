//! Fit a 2→32→32→2 tanh MLP vector field to 100 noise-free observations of the Van der Pol
//! oscillator (μ = 1, y(0) = (2, 0), t ∈ [0, 10]) by solving through dopri5 (rtol 1e-6,
//! atol 1e-8) and back-propagating with the discrete adjoint.
//!
//! Adam (lr `--lr`, default 1e-2, full batch) for `--iters` iterations (default 300), then optionally L-BFGS
//! (More–Thuente) for `--lbfgs N` iterations. Prints the loss every 50 Adam iterations, the
//! final MSE, NFE per forward solve at start and end, and the time per iteration.
//!
//! Run: `cargo run --release --example fit_vdp -- [--lr 1e-2] [--iters 300] [--lbfgs 100] [--seed 0]`

use nodal::nn::{Activation, Mlp};
use nodal::systems::VanDerPol;
use nodal::train::{Adam, Lbfgs, NodeProblem, Objective, TimeSeries, TrainError};
use nodal::{solve_at, Adaptive, State, Stepping, Tableau};
use std::time::Instant;

/// Command-line options (all optional).
struct Opts {
    lr: f64,
    iters: u64,
    lbfgs: u64,
    seed: u64,
}

fn parse() -> Result<Opts, String> {
    let mut o = Opts {
        lr: 1e-2,
        iters: 300,
        lbfgs: 0,
        seed: 0,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < args.len() {
        let raw = args
            .get(i + 1)
            .ok_or(format!("{} needs a value", args[i]))?;
        if args[i] == "--lr" {
            o.lr = raw.parse::<f64>().map_err(|e| format!("--lr: {e}"))?;
            i += 2;
            continue;
        }
        let val = raw
            .parse::<u64>()
            .map_err(|e| format!("{}: {e}", args[i]))?;
        match args[i].as_str() {
            "--iters" => o.iters = val,
            "--lbfgs" => o.lbfgs = val,
            "--seed" => o.seed = val,
            other => return Err(format!("unknown option {other}")),
        }
        i += 2;
    }
    Ok(o)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let opts = parse()?;
    // Observations: dop853 at tight tolerance, 100 evenly spaced times on [0, 10].
    let times: Vec<f64> = (0..100).map(|i| 10.0 * i as f64 / 99.0).collect();
    let y0 = State::<2>::new(2.0, 0.0);
    let truth = solve_at(
        &Tableau::<12>::dop853(),
        &VanDerPol::new(1.0),
        0.0,
        y0,
        &times,
        &Stepping::Adaptive(Adaptive::with_tol(1e-12, 1e-12)),
    )?;
    let data = vec![TimeSeries::new(times, truth.y, None)?];

    let field = Mlp::builder(&[2, 32, 32, 2])
        .hidden_activation(Activation::Tanh)
        .seed(opts.seed)
        .build()?
        .into_field::<2>()?;
    let prob = NodeProblem::new(
        Tableau::<7>::dopri5(),
        field,
        data,
        Stepping::Adaptive(Adaptive::with_tol(1e-6, 1e-8)),
    )?;
    let p0 = prob.initial_params();
    println!(
        "Van der Pol mu=1, 100 observations on [0, 10]; MLP 2-32-32-2 tanh ({} parameters); dopri5 rtol 1e-6 atol 1e-8",
        p0.len()
    );
    println!(
        "Adam lr {:e}, {} iterations, full batch",
        opts.lr, opts.iters
    );
    println!(
        "start: MSE {:.6e}, NFE per forward solve {}",
        prob.loss(&p0, &[0])?,
        prob.predict(&p0, 0)?.stats.nfe
    );

    let adam = Adam {
        max_iters: opts.iters,
        seed: opts.seed,
        ..Adam::new(opts.lr)
    };
    let start = Instant::now();
    let mut report = |iter: u64, loss: f64| {
        if iter % 50 == 0 || iter + 1 == opts.iters {
            println!(
                "adam iter {iter:4}: loss {loss:.6e}  ({:.2} s elapsed)",
                start.elapsed().as_secs_f64()
            );
        }
    };
    let r = match adam.minimize(&prob, p0, Some(&mut report)) {
        Ok(r) => r,
        Err(TrainError::Stopped {
            iter,
            params,
            source,
        }) => {
            println!(
                "Adam stopped at iteration {iter}: {source}; keeping the last good parameters"
            );
            let loss = prob.loss(&params, &[0])?;
            nodal::train::TrainResult {
                params,
                loss,
                iters: iter,
                history: Vec::new(),
            }
        }
        Err(e) => return Err(e.into()),
    };
    let adam_secs = start.elapsed().as_secs_f64();
    println!(
        "adam: {} iterations in {:.2} s, {:.2} ms per iteration; MSE {:.6e}, NFE per forward solve {}",
        r.iters,
        adam_secs,
        1e3 * adam_secs / r.iters.max(1) as f64,
        r.loss,
        prob.predict(&r.params, 0)?.stats.nfe
    );
    let mut params = r.params;
    if opts.lbfgs > 0 {
        let t = Instant::now();
        let l = Lbfgs {
            max_iters: opts.lbfgs,
            ..Lbfgs::default()
        }
        .minimize(prob.clone(), prob.n_params(), params.clone(), None);
        let secs = t.elapsed().as_secs_f64();
        match l {
            Ok(l) => {
                println!(
                    "lbfgs: {} iterations in {:.2} s, {:.2} ms per iteration; MSE {:.6e}",
                    l.iters,
                    secs,
                    1e3 * secs / l.iters.max(1) as f64,
                    l.loss
                );
                params = l.params;
            }
            Err(TrainError::Stopped {
                iter,
                params: p,
                source,
            }) => {
                println!(
                    "lbfgs stopped at iteration {iter}: {source}; keeping the last good parameters"
                );
                params = p;
            }
            Err(e) => return Err(e.into()),
        }
    }
    println!(
        "final: MSE {:.6e}, NFE per forward solve {}",
        prob.loss(&params, &[0])?,
        prob.predict(&params, 0)?.stats.nfe
    );
    Ok(())
}
