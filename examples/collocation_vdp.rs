//! Forced Van der Pol case study of simultaneous (collocation) training (SCIENCE.md §3), over
//! several seeds: the library's [`case_study`] per seed, then mean/min/max.
//!
//! `cargo run --release --example collocation_vdp -- [--seeds K] [--lambda L] [--bounds]
//! [--linear-solver auto|dense|sparse] [--time-input] [--threads T] [--full-kkt]`
//!
//! `--full-kkt` switches the reduced-space KKT factorization off (`Options::reduced_space`),
//! so the full KKT matrix is factorized every time (for timing comparisons).
//!
//! For seeds 0..K (default 5): a [2, 32, 2] tanh MLP (seeded Glorot, scaled by 0.1), the
//! collocation NLP on the 200 Chebyshev nodes of `data/vdp_forced.json` with λ (default
//! 1e-4; `--bounds`: |y| ≤ 5, |θ| ≤ 100), solved by `nlp::InteriorPoint` with the exact
//! Hessian (`--time-input`: the network also takes t, a non-autonomous field). Prints per seed: IPM status and iterations, wall and CPU time of the solve,
//! objective, train MSE of the node states against the noise-free truth, the MSE of the
//! learned ODE simulated (dopri5) over [0, 15] from the true y(0), the test MSE on [15, 30]
//! (dopri5 from the true state at 15) and the ODE residual at the midpoints between nodes;
//! then the run selected without test data ([`select_by_fit`]) and the total time of all.
//! `nodal repro collocation` runs one seed of this plus the sequential and ADMM comparisons.

use nodal::collocation::{CollocationConfig, VdpData};
use nodal::experiments::collocation::{case_study, select_by_fit, CaseStudy};
use nodal::nlp::{LinearSolver, Options};

type Res<T> = Result<T, Box<dyn std::error::Error>>;

fn stats(name: &str, v: impl Iterator<Item = f64>) {
    let v: Vec<f64> = v.collect();
    let mean = v.iter().sum::<f64>() / v.len() as f64;
    let min = v.iter().cloned().fold(f64::INFINITY, f64::min);
    let max = v.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    println!("{name:<22} mean {mean:10.4}  min {min:10.4}  max {max:10.4}");
}

fn main() -> Res<()> {
    let args: Vec<String> = std::env::args().collect();
    let arg = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let seeds: u64 = arg("--seeds").map(|s| s.parse()).transpose()?.unwrap_or(5);
    let lambda: f64 = arg("--lambda")
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(1e-4);
    let bounds = args.iter().any(|a| a == "--bounds");
    let time_input = args.iter().any(|a| a == "--time-input");
    let linear_solver = match arg("--linear-solver").as_deref() {
        None | Some("auto") => LinearSolver::Auto,
        Some("dense") => LinearSolver::Dense,
        Some("sparse") => LinearSolver::Sparse,
        Some(other) => return Err(format!("unknown --linear-solver {other:?}").into()),
    };
    let config = CollocationConfig {
        lambda,
        state_bound: bounds.then_some(5.0),
        param_bound: bounds.then_some(100.0),
        ..Default::default()
    };
    let threads: usize = arg("--threads")
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(0);
    let ipm = Options {
        linear_solver,
        linear_solver_threads: threads,
        reduced_space: !args.iter().any(|a| a == "--full-kkt"),
        ..Options::default()
    };
    let data = VdpData::load_default()?;
    println!(
        "forced Van der Pol: {} Chebyshev nodes, [2, 32, 2] tanh (time input: {time_input}), \
         lambda = {lambda:e}, bounds: {}, linear solver {linear_solver:?}, reduced space: {}, \
         threads: {threads}",
        data.t_nodes.len(),
        if bounds {
            "|y| <= 5, |theta| <= 100"
        } else {
            "none"
        },
        ipm.reduced_space
    );
    let mut runs: Vec<CaseStudy> = Vec::new();
    for seed in 0..seeds {
        let r = case_study(&data, seed, time_input, &config, &ipm)?;
        println!(
            "seed {seed:2}  status {}  iters {:4}  factorizations {:4}  time {:6.2} s (cpu {:6.2} s)  objective {:.4e}  \
             train MSE {:.4}  fit MSE {:.4}  sim MSE[0,15] {:.4}  test MSE {:.4}  residual max {:.3e} rms {:.3e}  \
             ({} vars, {} cons)",
            r.status,
            r.iterations,
            r.factorizations,
            r.wall_secs,
            r.cpu_secs,
            r.objective,
            r.train_mse,
            r.sim_obs_mse,
            r.sim_train_mse,
            r.test_mse,
            r.residual.max_abs,
            r.residual.rms,
            r.size.0,
            r.size.1,
        );
        runs.push(r);
    }
    println!("over {seeds} seeds:");
    stats("IPM iterations", runs.iter().map(|r| r.iterations as f64));
    stats("wall time [s]", runs.iter().map(|r| r.wall_secs));
    stats("cpu time [s]", runs.iter().map(|r| r.cpu_secs));
    stats("train MSE (nodes)", runs.iter().map(|r| r.train_mse));
    stats("sim MSE [0,15]", runs.iter().map(|r| r.sim_train_mse));
    stats("test MSE [15,30]", runs.iter().map(|r| r.test_mse));
    stats("residual max", runs.iter().map(|r| r.residual.max_abs));
    stats("residual rms", runs.iter().map(|r| r.residual.rms));
    if let Some(best) = select_by_fit(&runs) {
        println!(
            "selected by fit MSE (learned ODE from its first node state vs the noisy \
             observations): seed {}, fit MSE {:.4}, test MSE {:.4}; all {} solves: {:.2} s CPU, \
             {:.2} s wall",
            best.seed,
            best.sim_obs_mse,
            best.test_mse,
            runs.len(),
            runs.iter().map(|r| r.cpu_secs).sum::<f64>(),
            runs.iter().map(|r| r.wall_secs).sum::<f64>()
        );
    }
    Ok(())
}
