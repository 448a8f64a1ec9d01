//! Sequential training on the case-study data: the same network fitted by solving through
//! dopri5 with the discrete adjoint, Adam then L-BFGS, with the same weight decay as the
//! collocation objective; and the time it takes to reach a given train MSE.

use super::common::{network, sim_mse};
use super::ExperimentError;
use crate::collocation::VdpData;
use crate::experiments::cpu::process_cpu_seconds;
use crate::nn::MlpField;
use crate::train::{Adam, Lbfgs, NodeProblem, Objective, TimeSeries, TrainError};
use crate::{Adaptive, State, Stepping, Tableau};
use argmin::core::{CostFunction, Gradient};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Options of the sequential baseline.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SequentialConfig {
    /// Adam iterations (full batch; default 2000).
    pub adam_iters: u64,
    /// Adam learning rate (default 1e-2).
    pub lr: f64,
    /// L-BFGS iterations after Adam (default 500).
    pub lbfgs_iters: u64,
    /// dopri5 relative tolerance of the training solves (default 1e-6).
    pub rtol: f64,
    /// dopri5 absolute tolerance of the training solves (default 1e-8).
    pub atol: f64,
    /// At most this many recorded parameter vectors are evaluated for the MSE-versus-time
    /// curve (default 200; evenly spaced over the run).
    pub curve_points: usize,
}

impl Default for SequentialConfig {
    fn default() -> Self {
        SequentialConfig {
            adam_iters: 2000,
            lr: 1e-2,
            lbfgs_iters: 500,
            rtol: 1e-6,
            atol: 1e-8,
            curve_points: 200,
        }
    }
}

/// What the sequential baseline gave.
#[derive(Clone, Debug)]
pub struct Sequential {
    /// Train MSE to reach (the collocation run's).
    pub target_mse: f64,
    /// Wall seconds of training until the first recorded parameters with train MSE ≤ target
    /// (`None`: never reached).
    pub time_to_target: Option<f64>,
    /// Wall seconds of the whole training run (Adam + L-BFGS).
    pub wall_secs: f64,
    /// CPU seconds (all threads) of the whole training run.
    pub cpu_secs: f64,
    /// Adam and L-BFGS iterations done.
    pub iterations: (u64, u64),
    /// Best train MSE over the recorded parameters.
    pub best_train_mse: f64,
    /// Train MSE of the final parameters.
    pub final_train_mse: f64,
    /// Test MSE of the final parameters (`∞` if the simulation fails).
    pub test_mse: f64,
    /// Train MSE against wall time (seconds since the start of training).
    pub curve: Vec<(f64, f64)>,
    /// Why training stopped early, if it did (the last good parameters are used).
    pub stopped: Option<String>,
}

type Problem = NodeProblem<7, 2, MlpField<2>>;

/// The training objective plus `λ‖θ‖²`, recording every evaluated parameter vector with its
/// time since `start`.
#[derive(Clone)]
struct Recorded {
    inner: Problem,
    lambda: f64,
    start: Instant,
    log: Log,
}

/// Recorded evaluations: (seconds since the start, parameters).
type Log = Arc<Mutex<Vec<(f64, Vec<f64>)>>>;

impl Recorded {
    fn record(&self, p: &[f64]) {
        let t = self.start.elapsed().as_secs_f64();
        if let Ok(mut log) = self.log.lock() {
            log.push((t, p.to_vec()));
        }
    }

    fn decay(&self, p: &[f64]) -> f64 {
        self.lambda * p.iter().map(|v| v * v).sum::<f64>()
    }

    fn add_decay_grad(&self, p: &[f64], g: &mut [f64]) {
        for (gi, pi) in g.iter_mut().zip(p) {
            *gi += 2.0 * self.lambda * pi;
        }
    }
}

impl Objective for Recorded {
    fn n_params(&self) -> usize {
        self.inner.n_params()
    }

    fn eval(&self, params: &[f64], batch: &[usize]) -> Result<(f64, Vec<f64>), TrainError> {
        self.record(params);
        let (l, mut g) = self.inner.eval(params, batch)?;
        self.add_decay_grad(params, &mut g);
        Ok((l + self.decay(params), g))
    }
}

impl CostFunction for Recorded {
    type Param = Vec<f64>;
    type Output = f64;

    fn cost(&self, p: &Vec<f64>) -> Result<f64, argmin::core::Error> {
        self.record(p);
        Ok(self.inner.cost(p)? + self.decay(p))
    }
}

impl Gradient for Recorded {
    type Param = Vec<f64>;
    type Gradient = Vec<f64>;

    fn gradient(&self, p: &Vec<f64>) -> Result<Vec<f64>, argmin::core::Error> {
        let mut g = self.inner.gradient(p)?;
        self.add_decay_grad(p, &mut g);
        Ok(g)
    }
}

/// Keep the parameters of a run that stopped early, with the reason.
fn params_or_stop(
    r: Result<Vec<f64>, TrainError>,
    stopped: &mut Option<String>,
) -> Result<Vec<f64>, TrainError> {
    match r {
        Err(TrainError::Stopped {
            iter,
            params,
            source,
        }) => {
            *stopped = Some(format!("stopped at iteration {iter}: {source}"));
            Ok(params)
        }
        other => other,
    }
}

/// Fit the seeded [`network`] to the noisy observations of `data` (one trajectory from the
/// first observation, as the collocation NLP's initial-state constraint) by Adam then L-BFGS
/// through dopri5, with weight decay `lambda`; report the time to reach `target_mse`.
///
/// Errors: setup errors of the training problem or the network.
pub fn sequential(
    data: &VdpData,
    seed: u64,
    time_input: bool,
    lambda: f64,
    cfg: &SequentialConfig,
    target_mse: f64,
) -> Result<Sequential, ExperimentError> {
    let values: Vec<State<2>> = data
        .y_noisy
        .iter()
        .map(|y| State::<2>::new(y[0], y[1]))
        .collect();
    let series = TimeSeries::new(data.t_nodes.clone(), values, None)?;
    let problem = NodeProblem::new(
        Tableau::<7>::dopri5(),
        network(seed, time_input)?.into_field::<2>()?,
        vec![series],
        Stepping::Adaptive(Adaptive::with_tol(cfg.rtol, cfg.atol)),
    )?;
    let p0 = problem.initial_params();
    let rec = Recorded {
        inner: problem.clone(),
        lambda,
        start: Instant::now(),
        log: Arc::new(Mutex::new(Vec::new())),
    };
    let cpu0 = process_cpu_seconds().unwrap_or(f64::NAN);
    let mut stopped = None;
    let adam = Adam {
        max_iters: cfg.adam_iters,
        seed,
        ..Adam::new(cfg.lr)
    };
    let mut params = p0;
    let mut iterations = (0, 0);
    if cfg.adam_iters > 0 {
        let r = adam.minimize(&rec, params.clone(), None).map(|r| {
            iterations.0 = r.iters;
            r.params
        });
        params = params_or_stop(r, &mut stopped)?;
    }
    if cfg.lbfgs_iters > 0 && stopped.is_none() {
        let lbfgs = Lbfgs {
            max_iters: cfg.lbfgs_iters,
            ..Lbfgs::default()
        };
        let r = lbfgs
            .minimize(rec.clone(), problem.n_params(), params.clone(), None)
            .map(|r| {
                iterations.1 = r.iters;
                r.params
            });
        params = params_or_stop(r, &mut stopped)?;
    }
    let wall_secs = rec.start.elapsed().as_secs_f64();
    let cpu_secs = process_cpu_seconds().unwrap_or(f64::NAN) - cpu0;

    let train_mse = |p: &[f64]| -> f64 {
        problem.field_with(p).map_or(f64::INFINITY, |f| {
            sim_mse(
                &f,
                data.t_nodes[0],
                data.y_noisy[0],
                &data.t_nodes,
                &data.y_true,
            )
        })
    };
    let log = rec.log.lock().map(|l| l.clone()).unwrap_or_default();
    let stride = log.len().div_ceil(cfg.curve_points.max(1)).max(1);
    let sampled: Vec<usize> = (0..log.len())
        .filter(|i| i % stride == 0 || i + 1 == log.len())
        .collect();
    let curve: Vec<(f64, f64)> = sampled
        .iter()
        .map(|&i| (log[i].0, train_mse(&log[i].1)))
        .collect();
    // The first sampled hit, refined to the first recorded hit since the previous sample.
    let time_to_target = curve.iter().position(|c| c.1 <= target_mse).map(|k| {
        let from = if k == 0 { 0 } else { sampled[k - 1] + 1 };
        (from..sampled[k])
            .find(|&i| train_mse(&log[i].1) <= target_mse)
            .map_or(curve[k].0, |i| log[i].0)
    });
    let n = data.t_nodes.len();
    let final_field = problem.field_with(&params)?;
    Ok(Sequential {
        target_mse,
        time_to_target,
        wall_secs,
        cpu_secs,
        iterations,
        best_train_mse: curve.iter().map(|c| c.1).fold(f64::INFINITY, f64::min),
        final_train_mse: train_mse(&params),
        test_mse: sim_mse(
            &final_field,
            data.t_nodes[n - 1],
            data.y_true[n - 1],
            &data.t_test,
            &data.y_test_true,
        ),
        curve,
        stopped,
    })
}
