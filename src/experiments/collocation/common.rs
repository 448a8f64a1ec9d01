//! Pieces every part of the collocation experiment uses: the network, the forced Van der Pol
//! truth and noise, simulation of a learned model, errors against the truth, CPU time.

use super::ExperimentError;
use crate::collocation::VdpData;
use crate::nn::{Activation, Mlp, MlpField, NnError};
use crate::systems::VanDerPol;
use crate::{solve_at, Adaptive, SolveError, State, Stepping, Tableau};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The case study's network: `[2, 32, 2]`, tanh hidden layer, identity output, seeded Glorot
/// initialisation; with `time_input`, `t` is appended to each layer's input (a
/// non-autonomous field that can represent the forcing, like the reference code's
/// `time_invariant = False`). The same network serves collocation, ADMM and sequential
/// training, so all fit the same model.
pub fn network(seed: u64, time_input: bool) -> Result<Mlp, NnError> {
    Mlp::builder(&[2, 32, 2])
        .hidden_activation(Activation::Tanh)
        .time_input(time_input)
        .seed(seed)
        .build()
}

/// Mean squared error per component of `states` against `truth` (same length).
pub fn mse(states: &[[f64; 2]], truth: &[[f64; 2]]) -> f64 {
    let s: f64 = states
        .iter()
        .zip(truth)
        .map(|(x, y)| (x[0] - y[0]).powi(2) + (x[1] - y[1]).powi(2))
        .sum();
    s / (2 * states.len()).max(1) as f64
}

/// Row-major `N × 2` states as pairs.
pub fn pairs(flat: &[f64]) -> Vec<[f64; 2]> {
    flat.chunks_exact(2).map(|c| [c[0], c[1]]).collect()
}

/// Simulate a learned field from `y0` at `t0`, saving at `times` (≥ `t0`, ascending) with
/// dopri5 at rtol = atol = 1e-8. A failed solve (the model blows up) gives `None`.
pub fn simulate(
    field: &MlpField<2>,
    t0: f64,
    y0: [f64; 2],
    times: &[f64],
) -> Option<Vec<[f64; 2]>> {
    solve_at(
        &Tableau::<7>::dopri5(),
        field,
        t0,
        State::<2>::new(y0[0], y0[1]),
        times,
        &Stepping::Adaptive(Adaptive::with_tol(1e-8, 1e-8)),
    )
    .ok()
    .map(|tr| tr.y.iter().map(|y| [y[0], y[1]]).collect())
}

/// MSE of the field simulated from `y0` at `t0` against `truth` at `times`; `∞` if the
/// simulation fails.
pub fn sim_mse(
    field: &MlpField<2>,
    t0: f64,
    y0: [f64; 2],
    times: &[f64],
    truth: &[[f64; 2]],
) -> f64 {
    simulate(field, t0, y0, times).map_or(f64::INFINITY, |y| mse(&y, truth))
}

/// The noise-free forced Van der Pol (μ from `mu`, forcing cos t) from y(0) = (0, 1) at
/// `times` (≥ 0, ascending), by dop853 at rtol = atol = 1e-12.
pub fn forced_vdp_truth(mu: f64, times: &[f64]) -> Result<Vec<[f64; 2]>, SolveError> {
    let tr = solve_at(
        &Tableau::<12>::dop853(),
        &VanDerPol::forced(mu),
        0.0,
        State::<2>::new(0.0, 1.0),
        times,
        &Stepping::Adaptive(Adaptive::with_tol(1e-12, 1e-12)),
    )?;
    Ok(tr.y.iter().map(|y| [y[0], y[1]]).collect())
}

/// `truth` plus independent Gaussian noise of standard deviation `sigma` from a
/// `ChaCha8Rng` seeded with `seed` (Box–Muller).
pub fn add_noise(truth: &[[f64; 2]], sigma: f64, seed: u64) -> Vec<[f64; 2]> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut normal = || {
        let u1: f64 = 1.0 - rng.random::<f64>(); // (0, 1]
        let u2: f64 = rng.random();
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    };
    truth
        .iter()
        .map(|y| [y[0] + sigma * normal(), y[1] + sigma * normal()])
        .collect()
}

/// A case-study data set generated from the system instead of read from the file: training
/// observations at `t_nodes` with noise σ (seeded), and the truth on `t_test`.
pub fn generate_data(
    t_nodes: &[f64],
    t_test: &[f64],
    mu: f64,
    sigma: f64,
    seed: u64,
) -> Result<VdpData, ExperimentError> {
    let y_true = forced_vdp_truth(mu, t_nodes)?;
    Ok(VdpData {
        t_nodes: t_nodes.to_vec(),
        y_noisy: add_noise(&y_true, sigma, seed),
        y_true,
        t_test: t_test.to_vec(),
        y_test_true: forced_vdp_truth(mu, t_test)?,
        noise_sigma: sigma,
        mu,
    })
}
