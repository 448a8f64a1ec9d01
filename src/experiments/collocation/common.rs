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

/// How the network's starting parameters are drawn (seeded by the run's seed). The
/// collocation NLP then starts from `CollocationConfig::init_scale` × these parameters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ThetaInit {
    /// The crate's [`Mlp`] initialisation: Glorot-uniform weights
    /// `U(±√(6/(fan_in + fan_out)))`, zero biases (default).
    #[default]
    GlorotUniform,
    /// The reference code's `w_init_method = "xavier"` (its Van der Pol configuration):
    /// every weight i.i.d. `N(0, 2/(fan_in + fan_out))` (the same variance as
    /// [`ThetaInit::GlorotUniform`]) and every bias i.i.d. `N(0, 0.1²)`.
    XavierNormal,
    /// The reference code's `"random"`: every weight and bias i.i.d. `N(0, 0.1²)`.
    Normal,
}

impl ThetaInit {
    /// Parse `glorot`, `xavier-normal` or `normal`; `None` for anything else.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "glorot" => Some(ThetaInit::GlorotUniform),
            "xavier-normal" => Some(ThetaInit::XavierNormal),
            "normal" => Some(ThetaInit::Normal),
            _ => None,
        }
    }
}

/// [`network`] with its parameters drawn by `init` from `ChaCha8Rng::seed_from_u64(seed)`
/// (weights of each layer in parameter order, then its biases).
pub fn network_with(seed: u64, time_input: bool, init: ThetaInit) -> Result<Mlp, NnError> {
    let mut mlp = network(seed, time_input)?;
    if init == ThetaInit::GlorotUniform {
        return Ok(mlp);
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut params = vec![0.0; mlp.n_params()];
    let mut l = 0;
    while let Some((w, b)) = mlp.layer_param_ranges(l) {
        let fan_out = b.len();
        let fan_in = w.len() / fan_out.max(1);
        let sd_w = match init {
            ThetaInit::XavierNormal => (2.0 / (fan_in + fan_out) as f64).sqrt(),
            _ => 0.1,
        };
        for p in &mut params[w] {
            *p = sd_w * standard_normal(&mut rng);
        }
        for p in &mut params[b] {
            *p = 0.1 * standard_normal(&mut rng);
        }
        l += 1;
    }
    mlp.set_params(&params)?;
    Ok(mlp)
}

/// One standard normal draw (Box–Muller).
fn standard_normal(rng: &mut ChaCha8Rng) -> f64 {
    let u1: f64 = 1.0 - rng.random::<f64>(); // (0, 1]
    let u2: f64 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
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
    simulate_tol(field, t0, y0, times, &Tableau::<7>::dopri5(), 1e-8, 1e-8)
}

/// [`simulate`] with another 7-stage tableau and tolerances `rtol`, `atol` (the reference
/// code evaluates its models with Tsit5 at rtol = 1e-3, atol = 1e-6).
pub fn simulate_tol(
    field: &MlpField<2>,
    t0: f64,
    y0: [f64; 2],
    times: &[f64],
    tableau: &Tableau<7>,
    rtol: f64,
    atol: f64,
) -> Option<Vec<[f64; 2]>> {
    solve_at(
        tableau,
        field,
        t0,
        State::<2>::new(y0[0], y0[1]),
        times,
        &Stepping::Adaptive(Adaptive::with_tol(rtol, atol)),
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
    let mut normal = || standard_normal(&mut rng);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn sd(v: &[f64]) -> f64 {
        (v.iter().map(|x| x * x).sum::<f64>() / v.len() as f64).sqrt()
    }

    /// The reference code's draws: Xavier-normal weights (σ = √(2/34) for both layers of
    /// [2, 32, 2]) and N(0, 0.1²) biases; `Normal` draws everything at σ = 0.1; Glorot is the
    /// plain network; draws are reproducible per seed.
    #[test]
    fn theta_init_draws_the_reference_scales() {
        let plain = network(3, false).unwrap();
        assert_eq!(
            network_with(3, false, ThetaInit::GlorotUniform)
                .unwrap()
                .params(),
            plain.params()
        );
        let x = network_with(3, false, ThetaInit::XavierNormal).unwrap();
        assert_eq!(
            x.params(),
            network_with(3, false, ThetaInit::XavierNormal)
                .unwrap()
                .params()
        );
        let (mut w, mut b) = (Vec::new(), Vec::new());
        for l in 0..2 {
            let (rw, rb) = x.layer_param_ranges(l).unwrap();
            w.extend_from_slice(&x.params()[rw]);
            b.extend_from_slice(&x.params()[rb]);
        }
        assert_eq!((w.len(), b.len()), (128, 34));
        let want = (2.0f64 / 34.0).sqrt();
        assert!((sd(&w) / want - 1.0).abs() < 0.2, "weight sd {}", sd(&w));
        assert!((sd(&b) / 0.1 - 1.0).abs() < 0.35, "bias sd {}", sd(&b));
        let n = network_with(3, false, ThetaInit::Normal).unwrap();
        assert!(
            (sd(n.params()) / 0.1 - 1.0).abs() < 0.2,
            "sd {}",
            sd(n.params())
        );
        assert_eq!(
            ThetaInit::parse("xavier-normal"),
            Some(ThetaInit::XavierNormal)
        );
        assert_eq!(ThetaInit::parse("he"), None);
    }
}
