//! Forced Van der Pol case study of simultaneous (collocation) training (SCIENCE.md §3).
//!
//! `cargo run --release --example collocation_vdp -- [--seeds K] [--lambda L] [--bounds]
//! [--linear-solver auto|dense|sparse]`
//!
//! For seeds 0..K (default 5): a [2, 32, 2] tanh MLP (seeded Glorot, scaled by 0.1), the
//! collocation NLP on the 200 Chebyshev nodes of `data/vdp_forced.json` with λ (default
//! 1e-4), solved by `nlp::InteriorPoint` with the exact Hessian. Prints per seed: IPM status
//! and iterations, wall time of the solve, objective, train MSE of the node states against
//! the noise-free truth, the MSE of the learned ODE simulated (dopri5) over [0, 15] from
//! y(0) = (0, 1), the test MSE on [15, 30] (dopri5 from the true state at 15) and the ODE
//! residual at the midpoints between nodes; then mean/min/max over the seeds.

use nodal::collocation::{
    between_node_residual, CollocationConfig, CollocationNlp, NodeKind, Nodes, VdpData,
};
use nodal::nlp::{InteriorPoint, LinearSolver, Nlp, Options};
use nodal::nn::{Activation, Mlp, MlpField};
use nodal::{solve_at, Adaptive, State, Stepping, Tableau};
use std::time::Instant;

type Res<T> = Result<T, Box<dyn std::error::Error>>;

fn mse(a: &[State<2>], b: &[[f64; 2]]) -> f64 {
    let s: f64 = a
        .iter()
        .zip(b)
        .map(|(x, y)| (x[0] - y[0]).powi(2) + (x[1] - y[1]).powi(2))
        .sum();
    s / (2 * a.len()) as f64
}

/// Simulate `field` from `y0` at `t0` and save at `times` (dopri5, rtol = atol = 1e-8).
/// A failed solve (blow-up) gives `None`.
fn simulate(field: &MlpField<2>, t0: f64, y0: [f64; 2], times: &[f64]) -> Option<Vec<State<2>>> {
    let opts = Adaptive {
        rtol: 1e-8,
        atol: 1e-8,
        ..Default::default()
    };
    let tab = Tableau::<7>::dopri5();
    solve_at(
        &tab,
        field,
        t0,
        State::<2>::new(y0[0], y0[1]),
        times,
        &Stepping::Adaptive(opts),
    )
    .ok()
    .map(|tr| tr.y)
}

struct Run {
    iters: usize,
    secs: f64,
    cpu: f64,
    train: f64,
    sim_train: f64,
    test: f64,
    resid_max: f64,
    resid_rms: f64,
}

/// CPU time (user + system) of this process in seconds, from `/proc/self/stat` (Linux; `NaN`
/// elsewhere). The machine may be shared, so CPU time is reported beside wall time.
fn cpu_seconds() -> f64 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            let rest = s.rsplit(')').next()?.to_string();
            let f: Vec<&str> = rest.split_whitespace().collect();
            let ut: f64 = f.get(11)?.parse().ok()?;
            let st: f64 = f.get(12)?.parse().ok()?;
            Some((ut + st) / 100.0)
        })
        .unwrap_or(f64::NAN)
}

struct Setup {
    lambda: f64,
    bounds: bool,
    linear_solver: LinearSolver,
}

fn run(data: &VdpData, nodes: &Nodes, seed: u64, setup: &Setup) -> Res<Run> {
    let (lambda, bounds) = (setup.lambda, setup.bounds);
    let mlp = Mlp::builder(&[2, 32, 2])
        .hidden_activation(Activation::Tanh)
        .seed(seed)
        .build()?;
    let config = CollocationConfig {
        lambda,
        state_bound: bounds.then_some(5.0),
        param_bound: bounds.then_some(100.0),
        ..Default::default()
    };
    let nlp = CollocationNlp::new(nodes.clone(), &data.noisy_flat(), mlp, config)?;
    let solver = InteriorPoint::new(Options {
        linear_solver: setup.linear_solver,
        ..Options::default()
    });
    let (start, cpu0) = (Instant::now(), cpu_seconds());
    let sol = solver.solve(&nlp);
    let secs = start.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - cpu0;
    let states = nlp.states(&sol.x)?;
    let node_states: Vec<State<2>> = states
        .chunks(2)
        .map(|c| State::<2>::new(c[0], c[1]))
        .collect();
    let train = mse(&node_states, &data.y_true);
    let field = nlp.field_from::<2>(&sol.x)?;
    let sim_train = simulate(&field, 0.0, data.y_true[0], &data.t_nodes[1..])
        .map(|y| mse(&y, &data.y_true[1..]))
        .unwrap_or(f64::INFINITY);
    let n = data.t_nodes.len();
    let test = simulate(
        &field,
        data.t_nodes[n - 1],
        data.y_true[n - 1],
        &data.t_test,
    )
    .map(|y| mse(&y, &data.y_test_true))
    .unwrap_or(f64::INFINITY);
    let res = between_node_residual(nodes, states, field.mlp())?;
    println!(
        "seed {seed:2}  status {:?}  iters {:4}  time {secs:6.2} s (cpu {cpu:6.2} s)  objective {:.4e}  \
         train MSE {train:.4}  sim MSE[0,15] {sim_train:.4}  test MSE {test:.4}  \
         residual max {:.3e} rms {:.3e}  ({} vars, {} cons, {:?})",
        sol.status,
        sol.iterations,
        sol.objective,
        res.max_abs,
        res.rms,
        nlp.num_vars(),
        nlp.num_cons(),
        sol.linear_solver,
    );
    Ok(Run {
        iters: sol.iterations,
        secs,
        cpu,
        train,
        sim_train,
        test,
        resid_max: res.max_abs,
        resid_rms: res.rms,
    })
}

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
    let linear_solver = match arg("--linear-solver").as_deref() {
        None | Some("auto") => LinearSolver::Auto,
        Some("dense") => LinearSolver::Dense,
        Some("sparse") => LinearSolver::Sparse,
        Some(other) => return Err(format!("unknown --linear-solver {other:?}").into()),
    };
    let setup = Setup {
        lambda,
        bounds,
        linear_solver,
    };

    let data = VdpData::load_default()?;
    let n = data.t_nodes.len();
    let nodes = Nodes::new(NodeKind::Chebyshev, n, data.t_nodes[0], data.t_nodes[n - 1])?;
    let dev = nodes
        .times()
        .iter()
        .zip(&data.t_nodes)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    println!(
        "forced Van der Pol: N = {n} Chebyshev nodes on [{}, {}] (max |t - t_data| = {dev:.1e}), \
         [2, 32, 2] tanh, lambda = {lambda:e}, bounds: {}, linear solver {linear_solver:?}",
        data.t_nodes[0],
        data.t_nodes[n - 1],
        if bounds {
            "|y| <= 5, |theta| <= 100"
        } else {
            "none"
        }
    );
    let runs: Vec<Run> = (0..seeds)
        .map(|s| run(&data, &nodes, s, &setup))
        .collect::<Res<_>>()?;
    println!("over {seeds} seeds:");
    stats("IPM iterations", runs.iter().map(|r| r.iters as f64));
    stats("wall time [s]", runs.iter().map(|r| r.secs));
    stats("cpu time [s]", runs.iter().map(|r| r.cpu));
    stats("train MSE (nodes)", runs.iter().map(|r| r.train));
    stats("sim MSE [0,15]", runs.iter().map(|r| r.sim_train));
    stats("test MSE [15,30]", runs.iter().map(|r| r.test));
    stats("residual max", runs.iter().map(|r| r.resid_max));
    stats("residual rms", runs.iter().map(|r| r.resid_rms));
    Ok(())
}
