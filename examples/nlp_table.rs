//! Runs the interior-point solver on every problem of `nodal::nlp::problems::all()` and prints
//! a Markdown table (problem, n, m, status, iterations, IPOPT's iterations where published,
//! objective, relative objective error, time), followed by the median iteration counts.
//!
//! ```text
//! cargo run --release --example nlp_table                 # exact Hessian (default options)
//! cargo run --release --example nlp_table -- lbfgs        # limited-memory Hessian
//! cargo run --release --example nlp_table -- adaptive     # adaptive (LOQO) μ
//! cargo run --release --example nlp_table -- sparse       # sparse LDLᵀ for every KKT system
//! cargo run --release --example nlp_table -- verbose NAME # iteration log of one problem
//! ```

use nodal::nlp::problems::{all, Expect};
use nodal::nlp::{HessianApproximation, InteriorPoint, MuStrategy, Options, PrintObserver};
use std::time::Instant;

fn median(v: &mut [usize]) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_unstable();
    let k = v.len();
    if k % 2 == 1 {
        v[k / 2] as f64
    } else {
        0.5 * (v[k / 2 - 1] + v[k / 2]) as f64
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut opt = Options::default();
    if args.iter().any(|a| a == "lbfgs") {
        opt.hessian_approximation = HessianApproximation::LimitedMemory;
    }
    if args.iter().any(|a| a == "sparse") {
        opt.linear_solver = nodal::nlp::LinearSolver::Sparse;
    }
    if args.iter().any(|a| a == "adaptive") {
        opt.mu_strategy = MuStrategy::Adaptive;
    }
    let verbose = args
        .iter()
        .position(|a| a == "verbose")
        .and_then(|i| args.get(i + 1).cloned());
    let solver = InteriorPoint::new(opt);
    println!("| problem | n | m | status | iterations | IPOPT iterations | objective | \\|f − f*\\|/\\|f*\\| | time (ms) |");
    println!("| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |");
    let (mut ours, mut theirs, mut ours_paired) = (Vec::new(), Vec::new(), Vec::new());
    let (mut solved, mut optimal) = (0, 0);
    for p in all() {
        if let Some(v) = &verbose {
            if v != p.name {
                continue;
            }
        }
        let t = Instant::now();
        let sol = if verbose.is_some() {
            solver.solve_with_observer(p.nlp.as_ref(), &mut PrintObserver)
        } else {
            solver.solve(p.nlp.as_ref())
        };
        let ms = t.elapsed().as_secs_f64() * 1e3;
        let rel = p
            .f_opt
            .map(|f| format!("{:.1e}", (sol.objective - f).abs() / f.abs().max(1.0)))
            .unwrap_or_else(|| "–".into());
        let ipopt = p
            .ipopt_iters
            .map(|k| k.to_string())
            .unwrap_or_else(|| "–".into());
        println!(
            "| {} | {} | {} | {:?} | {} | {} | {:.8e} | {} | {:.2} |",
            p.name,
            p.nlp.num_vars(),
            p.nlp.num_cons(),
            sol.status,
            sol.iterations,
            ipopt,
            sol.objective,
            rel,
            ms
        );
        if p.expect == Expect::Optimal {
            optimal += 1;
            if sol.status == nodal::nlp::Status::Solved {
                solved += 1;
            }
            ours.push(sol.iterations);
            if let Some(k) = p.ipopt_iters {
                theirs.push(k);
                ours_paired.push(sol.iterations);
            }
        }
    }
    println!();
    println!(
        "Solved {solved} of {optimal} problems with an optimum; median iterations {} over all of them.",
        median(&mut ours)
    );
    println!(
        "On the {} problems with a published IPOPT count: median {} (ours) vs {} (IPOPT).",
        theirs.len(),
        median(&mut ours_paired),
        median(&mut theirs)
    );
}
