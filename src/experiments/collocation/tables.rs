//! The experiment's tables.

use super::Outcome;
use crate::report::Table;

fn opt_secs(t: Option<f64>) -> String {
    t.map_or("not reached".to_string(), |t| format!("{t:.2}"))
}

fn case_study(o: &Outcome) -> Table {
    let mut t = Table::new(
        &format!(
            "Collocation case study: forced Van der Pol, {}; [2, 32, 2] tanh (time input: {}), \
             λ = {:e}, bounds |y| ≤ 5, |θ| ≤ 100: {}; one row per network seed, the selected run (smallest fit MSE: learned \
             ODE simulated from its first node state vs the noisy observations) marked",
            o.data_source, o.config.time_input, o.case.lambda, o.config.bounds
        ),
        &[
            "status",
            "IPM iterations",
            "wall [s]",
            "CPU [s]",
            "objective",
            "train MSE (nodes)",
            "sim MSE [0,15]",
            "test MSE [15,30]",
            "residual max",
            "residual rms",
            "variables",
            "constraints",
            "seed",
            "fit MSE (noisy obs)",
            "selected",
        ],
    );
    for c in &o.case_runs {
        t.push([
            c.status.clone(),
            c.iterations.to_string(),
            format!("{:.2}", c.wall_secs),
            format!("{:.2}", c.cpu_secs),
            format!("{:.4e}", c.objective),
            format!("{:.4}", c.train_mse),
            format!("{:.4}", c.sim_train_mse),
            format!("{:.4}", c.test_mse),
            format!("{:.3e}", c.residual.max_abs),
            format!("{:.3e}", c.residual.rms),
            c.size.0.to_string(),
            c.size.1.to_string(),
            c.seed.to_string(),
            format!("{:.4}", c.sim_obs_mse),
            if c.seed == o.case.seed { "yes" } else { "" }.to_string(),
        ]);
    }
    t
}

fn comparison(o: &Outcome) -> Table {
    let (c, s) = (&o.case, &o.sequential);
    let sc = &o.config.sequential;
    let mut t = Table::new(
        &format!(
            "Collocation vs sequential training (same data, network, λ); train MSE = learned ODE \
             simulated from y(0) vs truth; target {:.4} (the collocation run's)",
            s.target_mse
        ),
        &[
            "method",
            "iterations",
            "wall [s]",
            "CPU [s]",
            "time to target [s]",
            "train MSE",
            "test MSE [15,30]",
            "note",
        ],
    );
    t.push([
        "collocation (IPM, exact Hessian)".to_string(),
        c.iterations.to_string(),
        format!("{:.2}", c.wall_secs),
        format!("{:.2}", c.cpu_secs),
        format!("{:.2}", c.wall_secs),
        format!("{:.4}", c.sim_train_mse),
        format!("{:.4}", c.test_mse),
        format!("node-state MSE {:.4}; seed {}", c.train_mse, c.seed),
    ]);
    if o.case_runs.len() > 1 {
        let wall: f64 = o.case_runs.iter().map(|r| r.wall_secs).sum();
        let cpu: f64 = o.case_runs.iter().map(|r| r.cpu_secs).sum();
        let iters: usize = o.case_runs.iter().map(|r| r.iterations).sum();
        t.push([
            format!(
                "collocation, {} seeds + selection by fit MSE",
                o.case_runs.len()
            ),
            iters.to_string(),
            format!("{wall:.2}"),
            format!("{cpu:.2}"),
            format!("{wall:.2}"),
            format!("{:.4}", c.sim_train_mse),
            format!("{:.4}", c.test_mse),
            "all seeds solved, the selected one kept".to_string(),
        ]);
    }
    t.push([
        format!(
            "sequential (dopri5 rtol {:e} atol {:e}, adjoint; Adam lr {:e} + L-BFGS)",
            sc.rtol, sc.atol, sc.lr
        ),
        format!("{} + {}", s.iterations.0, s.iterations.1),
        format!("{:.2}", s.wall_secs),
        format!("{:.2}", s.cpu_secs),
        opt_secs(s.time_to_target),
        format!("{:.4} (best {:.4})", s.final_train_mse, s.best_train_mse),
        format!("{:.4}", s.test_mse),
        s.stopped.clone().unwrap_or_else(|| {
            "time to target: first recorded evaluation at or below it".to_string()
        }),
    ]);
    t
}

fn admm_iterations(o: &Outcome) -> Table {
    let a = &o.admm;
    let mut t = Table::new(
        &format!(
            "ADMM: windows {:?}, {} Radau nodes each, λ = {:e} and ρ = {} on a summed data term \
             (λ/N, ρ/N on our mean), iteration 1 unpenalized: {}, batches in parallel",
            a.setup.windows,
            a.setup.nodes_per_window,
            a.setup.lambda,
            a.setup.rho,
            a.setup.admm.unpenalized_start
        ),
        &[
            "iteration",
            "ρ",
            "primal ‖r‖₂",
            "primal Σ‖θk−z‖",
            "dual ‖s‖",
            "trajectory MSE",
            "IPM iterations per batch",
            "solve wall [s]",
        ],
    );
    for (it, m) in a.history.iter().zip(&a.trajectory_mse) {
        t.push([
            it.iter.to_string(),
            format!("{}", it.rho),
            format!("{:.4e}", it.primal),
            format!("{:.4e}", it.primal_sum),
            format!("{:.4e}", it.dual),
            format!("{m:.4e}"),
            it.ipm_iterations
                .iter()
                .map(|n| n.to_string())
                .collect::<Vec<_>>()
                .join(" + "),
            format!("{:.2}", it.solve_secs),
        ]);
    }
    t
}

fn admm_timing(o: &Outcome) -> Table {
    let a = &o.admm;
    let threads = rayon::current_num_threads();
    let mut t = Table::new(
        &format!(
            "ADMM batch solves in parallel (rayon, {threads} threads) vs serially; identical z: {}",
            a.identical
        ),
        &[
            "mode",
            "batch-solve wall [s]",
            "total wall [s]",
            "process CPU [s]",
            "speedup (solve wall)",
            "batch CPU Σ [s]",
            "batch CPU critical path [s]",
            "ideal speedup (CPU Σ / critical path)",
        ],
    );
    for (name, tm) in [("serial", &a.serial), ("parallel", &a.parallel)] {
        t.push([
            name.to_string(),
            format!("{:.2}", tm.solve_wall),
            format!("{:.2}", tm.total_wall),
            format!("{:.2}", tm.cpu),
            format!("{:.2}", a.serial.solve_wall / tm.solve_wall),
            format!("{:.2}", tm.batch_cpu_sum),
            format!("{:.2}", tm.batch_cpu_max),
            format!("{:.2}", tm.ideal_speedup()),
        ]);
    }
    t
}

/// All tables with their file stems.
pub(super) fn all(o: &Outcome) -> Vec<(Table, &'static str)> {
    vec![
        (case_study(o), "case_study"),
        (comparison(o), "comparison"),
        (admm_iterations(o), "admm_iterations"),
        (admm_timing(o), "admm_timing"),
    ]
}
