//! The ADMM toy run (SCIENCE.md §3): two time windows of the forced Van der Pol oscillator,
//! each its own collocation NLP on Legendre–Gauss–Radau nodes, driven to one consensus network
//! by [`Admm`]; once with the batches solved in parallel and once serially.

use super::common::{add_noise, forced_vdp_truth, mse, network, simulate};
use super::ExperimentError;
use crate::collocation::{
    Admm, AdmmConfig, AdmmIteration, CollocationConfig, CollocationNlp, NodeKind, Nodes,
};
use crate::experiments::cpu::process_cpu_seconds;
use std::time::Instant;

/// Settings of the ADMM run.
#[derive(Clone, Debug)]
pub struct AdmmSetup {
    /// The time windows, one batch each (default `[0, 15]` and `[15, 30]`).
    pub windows: Vec<(f64, f64)>,
    /// Legendre–Gauss–Radau nodes per window (default 150).
    pub nodes_per_window: usize,
    /// Weight decay λ relative to a *summed* data term `Σ_i ‖y_i − y_obs,i‖²`, the reference
    /// code's convention (default 1e-3, the paper's). Our NLP averages the data term, so each
    /// batch gets λ / `nodes_per_window`, which has the same minimizer.
    pub lambda: f64,
    /// ADMM penalty ρ relative to a summed data term, like `lambda` (default 1, the paper's);
    /// the batches use ρ / `nodes_per_window` (`admm.rho` is replaced by it).
    pub rho: f64,
    /// Observation noise σ of the generated data (default 0.1).
    pub sigma: f64,
    /// ADMM options (default: 10 iterations, tolerances 0 so all 10 run, iteration 1 without
    /// the proximal term as in the reference code; ρ from `rho`).
    pub admm: AdmmConfig,
}

impl Default for AdmmSetup {
    fn default() -> Self {
        AdmmSetup {
            windows: vec![(0.0, 15.0), (15.0, 30.0)],
            nodes_per_window: 150,
            lambda: 1e-3,
            rho: 1.0,
            sigma: 0.1,
            admm: AdmmConfig {
                max_iter: 10,
                eps_abs: 0.0,
                eps_rel: 0.0,
                unpenalized_start: true,
                ..Default::default()
            },
        }
    }
}

/// One window's data.
#[derive(Clone, Debug)]
pub struct Window {
    /// Node times.
    pub t: Vec<f64>,
    /// Noise-free states at `t`.
    pub y_true: Vec<[f64; 2]>,
    /// Observations (truth + seeded noise).
    pub y_noisy: Vec<[f64; 2]>,
}

/// Timing of one complete ADMM run.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdmmTiming {
    /// Wall seconds of the batch-solve phases, summed over iterations.
    pub solve_wall: f64,
    /// Wall seconds of the whole run.
    pub total_wall: f64,
    /// CPU seconds (all threads) of the whole run.
    pub cpu: f64,
    /// Σ over iterations of the batches' summed thread CPU seconds (the serial work).
    pub batch_cpu_sum: f64,
    /// Σ over iterations of the largest batch thread CPU seconds (the parallel critical path).
    pub batch_cpu_max: f64,
}

impl AdmmTiming {
    /// Speedup parallel batch solves can reach at most on idle cores: serial work over the
    /// critical path, from thread CPU times (immune to other load on the machine).
    pub fn ideal_speedup(&self) -> f64 {
        self.batch_cpu_sum / self.batch_cpu_max
    }
}

/// What the ADMM run gave.
#[derive(Clone, Debug)]
pub struct AdmmStudy {
    /// The settings.
    pub setup: AdmmSetup,
    /// The windows' data.
    pub windows: Vec<Window>,
    /// Per iteration (parallel run).
    pub history: Vec<AdmmIteration>,
    /// Per iteration: MSE of the consensus model simulated over each window from the window's
    /// true initial state, against the truth, pooled over the windows (`∞` on blow-up).
    pub trajectory_mse: Vec<f64>,
    /// The final consensus model simulated over each window (empty where it blew up).
    pub prediction: Vec<Vec<[f64; 2]>>,
    /// Batches solved in parallel (rayon).
    pub parallel: AdmmTiming,
    /// Batches solved one after the other.
    pub serial: AdmmTiming,
    /// Whether both runs produced bit-identical consensus parameters.
    pub identical: bool,
}

/// Generate the windows' data (truth from y(0) = (0, 1), noise seeded with `seed`), build one
/// collocation batch per window with the seeded [`network`], and run ADMM in parallel and
/// serially.
///
/// Errors: data generation (solver) errors, collocation setup errors, ADMM errors.
pub fn admm_study(
    seed: u64,
    time_input: bool,
    mu: f64,
    setup: &AdmmSetup,
) -> Result<AdmmStudy, ExperimentError> {
    let mut windows = Vec::new();
    let mut batches = Vec::new();
    let make = |windows: &mut Vec<Window>,
                batches: &mut Vec<CollocationNlp>|
     -> Result<(), ExperimentError> {
        for (k, &(t0, t1)) in setup.windows.iter().enumerate() {
            let nodes = Nodes::new(NodeKind::LegendreGaussRadau, setup.nodes_per_window, t0, t1)?;
            let y_true = forced_vdp_truth(mu, nodes.times())?;
            let y_noisy = add_noise(&y_true, setup.sigma, seed.wrapping_add(k as u64));
            let obs: Vec<f64> = y_noisy.iter().flatten().copied().collect();
            let config = CollocationConfig {
                lambda: setup.lambda / setup.nodes_per_window as f64,
                ..Default::default()
            };
            batches.push(CollocationNlp::new(
                nodes.clone(),
                &obs,
                network(seed, time_input)?,
                config,
            )?);
            windows.push(Window {
                t: nodes.times().to_vec(),
                y_true,
                y_noisy,
            });
        }
        Ok(())
    };
    make(&mut windows, &mut batches)?;
    let mut serial_batches = Vec::new();
    make(&mut Vec::new(), &mut serial_batches)?;

    let admm_config = AdmmConfig {
        rho: setup.rho / setup.nodes_per_window as f64,
        ..setup.admm.clone()
    };
    let par = Admm::new(
        batches,
        AdmmConfig {
            parallel: true,
            ..admm_config.clone()
        },
    )?;
    let ser = Admm::new(
        serial_batches,
        AdmmConfig {
            parallel: false,
            ..admm_config
        },
    )?;
    let timed = |admm: &Admm, zs: &mut Vec<Vec<f64>>| {
        let (start, cpu0) = (Instant::now(), process_cpu_seconds().unwrap_or(f64::NAN));
        let res = admm.run_with(|_, z| zs.push(z.to_vec()));
        let total_wall = start.elapsed().as_secs_f64();
        let cpu = process_cpu_seconds().unwrap_or(f64::NAN) - cpu0;
        res.map(|r| {
            let solve_wall = r.history.iter().map(|it| it.solve_secs).sum();
            let cpus = r.history.iter().map(|it| &it.batch_cpu_secs);
            let batch_cpu_sum = cpus.clone().map(|c| c.iter().sum::<f64>()).sum();
            let batch_cpu_max = cpus.map(|c| c.iter().copied().fold(0.0, f64::max)).sum();
            (
                r,
                AdmmTiming {
                    solve_wall,
                    total_wall,
                    cpu,
                    batch_cpu_sum,
                    batch_cpu_max,
                },
            )
        })
    };
    let mut zs = Vec::new();
    let (res, parallel) = timed(&par, &mut zs)?;
    let (res_serial, serial) = timed(&ser, &mut Vec::new())?;

    let template = network(seed, time_input)?;
    let predict = |z: &[f64]| -> Vec<Vec<[f64; 2]>> {
        let mut m = template.clone();
        let field = m.set_params(z).ok().and_then(|_| m.into_field::<2>().ok());
        windows
            .iter()
            .map(|w| {
                field
                    .as_ref()
                    .and_then(|f| simulate(f, w.t[0], w.y_true[0], &w.t))
                    .unwrap_or_default()
            })
            .collect()
    };
    let pooled = |pred: &[Vec<[f64; 2]>]| -> f64 {
        if pred.iter().any(|p| p.is_empty()) {
            return f64::INFINITY;
        }
        let n: usize = windows.iter().map(|w| w.t.len()).sum();
        pred.iter()
            .zip(&windows)
            .map(|(p, w)| mse(p, &w.y_true) * w.t.len() as f64)
            .sum::<f64>()
            / n as f64
    };
    let trajectory_mse = zs.iter().map(|z| pooled(&predict(z))).collect();
    Ok(AdmmStudy {
        setup: setup.clone(),
        prediction: predict(&res.z),
        windows,
        identical: res.z == res_serial.z,
        history: res.history,
        trajectory_mse,
        parallel,
        serial,
    })
}
