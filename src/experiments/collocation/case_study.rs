//! The forced Van der Pol case study (SCIENCE.md §3): one collocation NLP on the data's
//! Chebyshev nodes, solved by the interior-point method, judged against the noise-free truth.

use super::common::{mse, network_with, pairs, sim_mse, simulate, simulate_tol, ThetaInit};
use super::ExperimentError;
use crate::collocation::{
    between_node_residual, CollocationConfig, CollocationError, CollocationNlp, NodeKind, Nodes,
    OdeResidual, VdpData,
};
use crate::experiments::cpu::process_cpu_seconds;
use crate::nlp::{InteriorPoint, Nlp, Options};
use crate::Tableau;
use std::time::Instant;

/// What one collocation training run gave.
#[derive(Clone, Debug)]
pub struct CaseStudy {
    /// Seed of the network initialisation.
    pub seed: u64,
    /// Weight decay λ.
    pub lambda: f64,
    /// IPM status, as text.
    pub status: String,
    /// IPM iterations.
    pub iterations: usize,
    /// KKT factorizations of the solve (see [`crate::nlp::Solution::factorizations`]).
    pub factorizations: usize,
    /// Wall-clock seconds of the IPM solve.
    pub wall_secs: f64,
    /// CPU seconds (all threads) of the IPM solve.
    pub cpu_secs: f64,
    /// Final objective.
    pub objective: f64,
    /// MSE of the node states against the noise-free truth (the paper's train MSE).
    pub train_mse: f64,
    /// MSE of the learned ODE simulated over the training nodes from the true y(t₀).
    pub sim_train_mse: f64,
    /// MSE of the learned ODE simulated over the training nodes from the solution's own first
    /// node state, against the *noisy* observations at the fitted nodes (all nodes, or
    /// `t ≤ fit_until`): uses training data only, so it may select among runs (see
    /// [`select_by_fit`]).
    pub sim_obs_mse: f64,
    /// The same simulation against the noisy observations at the held-out nodes
    /// `t > fit_until` (validation MSE; NaN without `fit_until`).
    pub val_mse: f64,
    /// MSE of the learned ODE on the test stretch, simulated from the true state at the last
    /// training node (`∞` if the simulation fails).
    pub test_mse: f64,
    /// The test MSE as the reference code evaluates it: the same simulation by Tsit5 at its
    /// loose tolerances rtol = 1e-3, atol = 1e-6; `∞` on failure.
    pub test_mse_loose: f64,
    /// ODE residual at the midpoints between nodes.
    pub residual: OdeResidual,
    /// Variables and constraints of the NLP.
    pub size: (usize, usize),
    /// The node states of the solution.
    pub node_states: Vec<[f64; 2]>,
    /// The learned model simulated on the test times (empty if it blew up).
    pub test_prediction: Vec<[f64; 2]>,
}

/// Train by collocation on `data` (Chebyshev nodes at `data.t_nodes`) with a seeded
/// [`network_with`] (`time_input`: see [`super::common::network`]; starting θ drawn by
/// `init`, times `config.init_scale`), NLP options `config` (λ, bounds, Hessian mode,
/// smoother bandwidth) and IPM options `ipm`, and evaluate.
///
/// Errors: collocation setup errors (e.g. fewer than 2 nodes, negative λ), network errors.
pub fn case_study(
    data: &VdpData,
    seed: u64,
    time_input: bool,
    init: ThetaInit,
    config: &CollocationConfig,
    ipm: &Options,
) -> Result<CaseStudy, ExperimentError> {
    let n = data.t_nodes.len();
    let (t0, t1) = match (data.t_nodes.first(), data.t_nodes.last()) {
        (Some(&a), Some(&b)) => (a, b),
        _ => return Err(CollocationError::TooFewNodes { got: n }.into()),
    };
    let nodes = Nodes::new(NodeKind::Chebyshev, n, t0, t1)?;
    let nlp = CollocationNlp::new(
        nodes.clone(),
        &data.noisy_flat(),
        network_with(seed, time_input, init)?,
        *config,
    )?;
    let solver = InteriorPoint::new(ipm.clone());
    let (start, cpu0) = (Instant::now(), process_cpu_seconds().unwrap_or(f64::NAN));
    let sol = solver.solve(&nlp);
    let wall_secs = start.elapsed().as_secs_f64();
    let cpu_secs = process_cpu_seconds().unwrap_or(f64::NAN) - cpu0;
    let states = nlp.states(&sol.x)?;
    let node_states = pairs(states);
    let field = nlp.field_from::<2>(&sol.x)?;
    let (t_end, y_end) = (data.t_nodes[n - 1], data.y_true[n - 1]);
    let test_prediction = simulate(&field, t_end, y_end, &data.t_test).unwrap_or_default();
    let (sim_obs_mse, val_mse) = split_fit(
        simulate(&field, data.t_nodes[0], node_states[0], &data.t_nodes).as_deref(),
        data,
        config.fit_until,
    );
    let test_mse_loose = simulate_tol(
        &field,
        t_end,
        y_end,
        &data.t_test,
        &Tableau::tsit5(),
        1e-3,
        1e-6,
    )
    .map_or(f64::INFINITY, |y| mse(&y, &data.y_test_true));
    Ok(CaseStudy {
        seed,
        lambda: config.lambda,
        status: format!("{:?}", sol.status),
        iterations: sol.iterations,
        factorizations: sol.factorizations,
        wall_secs,
        cpu_secs,
        objective: sol.objective,
        train_mse: mse(&node_states, &data.y_true),
        sim_train_mse: sim_mse(
            &field,
            data.t_nodes[0],
            data.y_true[0],
            &data.t_nodes,
            &data.y_true,
        ),
        sim_obs_mse,
        val_mse,
        test_mse: if test_prediction.is_empty() {
            f64::INFINITY
        } else {
            mse(&test_prediction, &data.y_test_true)
        },
        test_mse_loose,
        residual: between_node_residual(&nodes, states, field.mlp())?,
        size: (nlp.num_vars(), nlp.num_cons()),
        node_states,
        test_prediction,
    })
}

/// MSE of a simulation over the training nodes (`None`: it failed, ∞) against the noisy
/// observations, split into the fitted nodes (`t ≤ fit_until`, or all) and the held-out
/// rest (NaN if none).
fn split_fit(sim: Option<&[[f64; 2]]>, data: &VdpData, fit_until: Option<f64>) -> (f64, f64) {
    let Some(sim) = sim else {
        return (f64::INFINITY, f64::INFINITY);
    };
    let fitted = |t: f64| fit_until.is_none_or(|u| t <= u);
    let part = |keep: bool| -> (Vec<[f64; 2]>, Vec<[f64; 2]>) {
        data.t_nodes
            .iter()
            .zip(sim.iter().zip(&data.y_noisy))
            .filter(|(&t, _)| fitted(t) == keep)
            .map(|(_, (s, o))| (*s, *o))
            .unzip()
    };
    let (fs, fo) = part(true);
    let (vs, vo) = part(false);
    let val = if vs.is_empty() {
        f64::NAN
    } else {
        mse(&vs, &vo)
    };
    (mse(&fs, &fo), val)
}

/// Model selection without test data: the run whose learned ODE, simulated over the training
/// interval from its own first node state, best fits the noisy observations (smallest
/// [`CaseStudy::sim_obs_mse`]; ties and NaN resolved towards the earlier run). `None` for no
/// runs.
pub fn select_by_fit(runs: &[CaseStudy]) -> Option<&CaseStudy> {
    runs.iter()
        .fold(None, |best: Option<&CaseStudy>, r| match best {
            Some(b) if r.sim_obs_mse.is_nan() || r.sim_obs_mse >= b.sim_obs_mse => Some(b),
            _ => Some(r),
        })
}
