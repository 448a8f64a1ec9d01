//! trk-forecast (SCIENCE §1, figure (b)): identify Lorenz-63 from observations sampled every
//! `h` with a neural vector field trained through different schemes, and forecast.
//!
//! * **Data**: one DOP853 run (rtol = atol = `ref_tol`) from (1, 1, 1), first `transient`
//!   time units dropped, observed every `h` with optional i.i.d. Gaussian noise of standard
//!   deviation `noise` (state units; default 0). Training: the stretch of `train_span` time
//!   units right after the transient; test: the `test_span` time units starting `gap` time
//!   units after the training stretch (disjoint). Windows: every run of `window + 1`
//!   consecutive observations (`t₀ … t₀ + window·h`), overlapping, one per observation.
//! * **Model**: an MLP `3 → hidden → 3` (tanh) on the standardised state `u = (y − μ)/s`
//!   (per-component mean and standard deviation of the training observations), autonomous.
//! * **Schemes**: Euler, RK4 (fixed step h), Dopri8 = adaptive DOP853 (rtol = atol =
//!   `dopri8_tol`) for both training and forecasting, and TRK10 (a `TrainableTableau<10>`
//!   from [`Config::trk_start`], trained jointly with θ through the discrete adjoint; the
//!   tableau's parameters φ move at the rates [`Config::phi_adam`], [`Config::phi_lbfgs`]
//!   relative to θ, by default frozen during Adam).
//!   Loss: MSE over the observations of a window (standardised units). Training
//!   ([`optim::train`]): Adam (warm-up + cosine decay, mini-batches) on one-step pairs, L-BFGS on
//!   all one-step pairs, L-BFGS on the windows of each [`Config::curriculum`] length, then on
//!   all full windows. The methods of [`Config::from_euler`] (default TRK10)
//!   instead start from a warm start's θ ([`Config::warm_start`]: the trained Euler model's,
//!   default, or a fit to derivative estimates, [`derivative`]): no Adam,
//!   [`Config::warm_lbfgs_iters`] one-step L-BFGS iterations, then the same window stages.
//! * **Baseline**: SINDy ([`crate::sindy`]) on the training observations in the integral
//!   (Simpson) form [`Sindy::fit_integral`], polynomial library of `sindy_degree`, STLSQ
//!   threshold `sindy_threshold`; forecasts with Dopri8.
//! * **Metrics**: on every test window, RMSE over windows and components (state units) of the
//!   forecast from the window's first observation at `t₀ + h` and `t₀ + 4h` against the
//!   noise-free reference, over the forecasts that succeed; forecasts that fail (solver error or
//!   non-finite state) are counted and listed, not averaged; NFE per step of size h (mean over
//!   successful test forecasts).

pub mod derivative;
mod eval;
pub mod optim;
pub mod trk;
mod write;

pub use eval::{evaluate, Scores};
pub use write::{results_table, stages_table, write};

use super::lorenz_data::attractor;
use super::trk_error::{at_least_one, positive, TrkError};
use crate::nn::{Activation, Mlp, MlpField};
use crate::sindy::Sindy;
use crate::train::{NodeProblem, TimeSeries};
use crate::{Adaptive, ParamField, State, Stepping, Tableau};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

/// A scheme compared in trk-forecast.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Method {
    /// Sparse regression baseline (forecast with Dopri8).
    Sindy,
    /// Explicit Euler, step h.
    Euler,
    /// Classical RK4, step h.
    Rk4,
    /// Adaptive DOP853.
    Dopri8,
    /// Trainable 10-stage explicit scheme, step h.
    Trk10,
}

impl Method {
    /// All methods, in table order.
    pub const ALL: [Method; 5] = [
        Method::Sindy,
        Method::Euler,
        Method::Rk4,
        Method::Dopri8,
        Method::Trk10,
    ];

    /// Table label.
    pub fn label(&self) -> &'static str {
        match self {
            Method::Sindy => "SINDy (deg 2, STLSQ, Simpson)",
            Method::Euler => "Euler",
            Method::Rk4 => "RK4",
            Method::Dopri8 => "Dopri8 (adaptive dop853)",
            Method::Trk10 => "TRK10",
        }
    }
}

/// Where the methods of [`Config::from_euler`] take their starting θ from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WarmStart {
    /// The trained Euler model's θ (Euler trains first at each h): a secant model
    /// `(Φ_h(u) − u)/h`, which is what TRK10 from [`trk::TrkInit::EulerFirst`] (b = e₁) *is*.
    Euler,
    /// θ fitted by [`Config::derivative_iters`] L-BFGS iterations to central-difference
    /// derivative estimates of the training observations ([`derivative`], half width
    /// [`Config::derivative_stencil`]): an approximation of the vector field itself, the
    /// natural start for schemes that integrate it (RK4, Dopri8, TRK10 from an accurate
    /// tableau).
    Derivative,
}

/// Settings of trk-forecast; `Default` is the documented run, [`Config::quick`] a smoke test.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// Sampling intervals h (time units).
    pub hs: Vec<f64>,
    /// Methods to run (default all).
    pub methods: Vec<Method>,
    /// Time dropped before the first observation (default 25).
    pub transient: f64,
    /// Length of the training stretch (default 120 time units; 60 gave ≈ 4× the TRK10 test
    /// RMSE at t₀ + h, see docs/results.md).
    pub train_span: f64,
    /// Time between the training and test stretches (default 10).
    pub gap: f64,
    /// Length of the test stretch (default 20 time units).
    pub test_span: f64,
    /// Observation noise standard deviation, state units (default 0).
    pub noise: f64,
    /// Steps per window (default 4: `t₀ … t₀ + 4h`).
    pub window: usize,
    /// Hidden widths of the MLP (default `[32, 32]`).
    pub hidden: Vec<usize>,
    /// Adam iterations on one-step pairs (default 500).
    pub iters: u64,
    /// Peak Adam learning rate (default 1e-2; schedule in [`optim::learning_rate`]).
    pub lr: f64,
    /// One-step pairs per Adam mini-batch (default 64).
    pub batch: usize,
    /// L-BFGS iterations on all one-step pairs after Adam (default 2000: at 500 the stage had
    /// not converged; 2000 cut TRK10's test RMSE at every h, 2.3× at h = 0.2, see
    /// docs/results.md).
    pub lbfgs_iters: u64,
    /// L-BFGS iterations on all full windows at the end (default 100), and on each window
    /// length of [`Config::curriculum`] before it.
    pub horizon_iters: u64,
    /// Window lengths (steps, each between 2 and `window − 1`) trained in turn with
    /// `horizon_iters` L-BFGS iterations between the one-step stage and the full windows: a
    /// horizon curriculum (default `[2]`: 1 → 2 → 4 steps; `[]` goes 1 → 4).
    pub curriculum: Vec<usize>,
    /// TRK10: rate of the tableau's parameters φ relative to θ during Adam (default 0: φ
    /// frozen, a θ-only warm-up with the initial scheme; see [`optim::PhiRate`]).
    pub phi_adam: f64,
    /// TRK10: rate of φ relative to θ during the L-BFGS stages (default 1).
    pub phi_lbfgs: f64,
    /// Neural methods whose θ starts from the warm start's θ ([`Config::warm_start`], default
    /// the trained Euler model's) instead of the random MLP (default `[Trk10]`; only RK4, Dopri8 and TRK10 may be listed: RK4 and Dopri8
    /// from Euler's θ were worse than from scratch at every h, because Euler's field is the
    /// secant `(Φ_h(u) − u)/h`, not the vector field, so they train from scratch). Such a method gets no Adam and
    /// [`Config::warm_lbfgs_iters`] one-step L-BFGS iterations, then the usual horizon
    /// stages; per h, Euler trains first and the methods started from it follow, in parallel
    /// (Euler is trained, and not reported, even when it is not in [`Config::methods`]).
    /// TRK10 from [`trk::TrkInit::EulerFirst`] (b = e₁) *is* Euler there, so its training
    /// starts at Euler's final training loss: trained from scratch, TRK10 ended above Euler's
    /// training loss at every h and cost most of the run (2000 one-step iterations at 10 NFE
    /// per pair); see docs/results.md for both.
    pub from_euler: Vec<Method>,
    /// Where the methods of [`Config::from_euler`] start from (default
    /// [`WarmStart::Euler`]; with [`WarmStart::Derivative`] Euler is not trained first,
    /// and runs from scratch only if it is in [`Config::methods`]).
    pub warm_start: WarmStart,
    /// Half width m of the central differences of [`WarmStart::Derivative`] (default 3: a
    /// 7-point stencil of order 6).
    pub derivative_stencil: usize,
    /// L-BFGS iterations of the derivative fit of [`WarmStart::Derivative`] (default 2000).
    pub derivative_iters: u64,
    /// One-step L-BFGS iterations of the methods in [`Config::from_euler`] (default 200;
    /// Dopri8's scaled by [`Config::dopri8_budget`]).
    pub warm_lbfgs_iters: u64,
    /// TRK10's starting scheme (default `None`: [`trk::TrkInit::EulerFirst`] at every h,
    /// measured better than the RK4 halves at h = 0.2 and the midpoint fifths at h = 0.4).
    pub trk_init: Option<trk::TrkInit>,
    /// Fraction of the Adam and L-BFGS iterations that Dopri8 gets (default 0.075, i.e.
    /// 38 Adam + 150 one-step + 8 + 8 horizon L-BFGS iterations from scratch, the default,
    /// or 15 + 8 + 8 from Euler's θ, with the other defaults: at 55–181 NFE per step of h (h = 0.2–0.4)
    /// against TRK10's 10, this is about TRK10's budget in function evaluations).
    pub dopri8_budget: f64,
    /// Tolerance of Dopri8 in training and forecasting (default 1e-4 in standardised units,
    /// far below the models' training RMS error of ≈ 1e-2; the previous default was 1e-6).
    pub dopri8_tol: f64,
    /// Reference tolerance (default 1e-12).
    pub ref_tol: f64,
    /// SINDy library degree (default 2).
    pub sindy_degree: usize,
    /// SINDy STLSQ threshold (default 0.1).
    pub sindy_threshold: f64,
    /// Seed of the MLP initialisation, mini-batches and noise (default 0).
    pub seed: u64,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            hs: vec![0.2, 0.3, 0.4],
            methods: Method::ALL.to_vec(),
            transient: 25.0,
            train_span: 120.0,
            gap: 10.0,
            test_span: 20.0,
            noise: 0.0,
            window: 4,
            hidden: vec![32, 32],
            iters: 500,
            lr: 1e-2,
            batch: 64,
            lbfgs_iters: 2000,
            horizon_iters: 100,
            curriculum: vec![2],
            phi_adam: 0.0,
            phi_lbfgs: 1.0,
            from_euler: vec![Method::Trk10],
            warm_lbfgs_iters: 200,
            warm_start: WarmStart::Euler,
            derivative_stencil: 3,
            derivative_iters: 2000,
            trk_init: None,
            dopri8_budget: 0.075,
            dopri8_tol: 1e-4,
            ref_tol: 1e-12,
            sindy_degree: 2,
            sindy_threshold: 0.1,
            seed: 0,
        }
    }
}

impl Config {
    /// Window lengths (steps) of the horizon L-BFGS stages, in training order: each
    /// [`Config::curriculum`] length, then the full [`Config::window`].
    pub fn horizon_steps(&self) -> Vec<usize> {
        self.curriculum
            .iter()
            .copied()
            .chain([self.window])
            .collect()
    }

    /// A smoke test (seconds): one h, short stretches, a small MLP, 100 Adam iterations,
    /// 30 + 10 + 10 L-BFGS iterations (10 + 10 + 10 from Euler's θ).
    pub fn quick() -> Self {
        Self {
            hs: vec![0.2],
            train_span: 6.0,
            test_span: 3.0,
            hidden: vec![8],
            iters: 100,
            batch: 8,
            lbfgs_iters: 30,
            horizon_iters: 10,
            warm_lbfgs_iters: 10,
            ..Self::default()
        }
    }

    /// TRK10's starting scheme (see [`Config::trk_init`]).
    pub fn trk_start(&self) -> trk::TrkInit {
        self.trk_init.unwrap_or(trk::TrkInit::EulerFirst)
    }

    fn check(&self) -> Result<(), TrkError> {
        at_least_one("hs", self.hs.len())?;
        at_least_one("methods", self.methods.len())?;
        at_least_one("window", self.window)?;
        at_least_one("batch", self.batch)?;
        at_least_one("hidden layers", self.hidden.len())?;
        at_least_one("derivative_stencil", self.derivative_stencil)?;
        for &h in &self.hs {
            positive("h", h)?;
        }
        for &m in &self.from_euler {
            if matches!(m, Method::Sindy | Method::Euler) {
                return Err(TrkError::Config {
                    name: "from_euler (position of Sindy or Euler)",
                    value: Method::ALL.iter().position(|&a| a == m).unwrap_or(0) as f64,
                    expected: "only neural methods other than Euler (RK4, Dopri8, TRK10)",
                });
            }
        }
        for &k in &self.curriculum {
            if !(2..self.window).contains(&k) {
                return Err(TrkError::Config {
                    name: "curriculum window length",
                    value: k as f64,
                    expected: "between 2 and window − 1 steps",
                });
            }
        }
        for (name, v) in [
            ("transient", self.transient),
            ("train_span", self.train_span),
            ("gap", self.gap),
            ("test_span", self.test_span),
            ("lr", self.lr),
            ("dopri8_tol", self.dopri8_tol),
            ("ref_tol", self.ref_tol),
        ] {
            positive(name, v)?;
        }
        for (name, v) in [
            ("noise", self.noise),
            ("phi_adam", self.phi_adam),
            ("phi_lbfgs", self.phi_lbfgs),
            ("dopri8_budget", self.dopri8_budget),
        ] {
            if !(v.is_finite() && v >= 0.0) {
                return Err(TrkError::Config {
                    name,
                    value: v,
                    expected: "finite and ≥ 0",
                });
            }
        }
        Ok(())
    }
}

/// The observations of one h, standardised, cut into windows.
pub struct Observations {
    /// Sampling interval.
    pub h: f64,
    /// Per-component mean μ and standard deviation s of the training observations.
    pub mean: State<3>,
    /// See `mean`.
    pub scale: State<3>,
    /// Training observations (state units, with noise).
    pub train: Vec<State<3>>,
    /// Training windows in standardised units.
    pub train_windows: Vec<TimeSeries<3>>,
    /// Training pairs of consecutive observations (`t₀, t₀ + h`), standardised.
    pub train_steps: Vec<TimeSeries<3>>,
    /// Test windows: first observation (state units, with noise) and the noise-free
    /// reference at `t₀ + kh`, `k = 1..=window`.
    pub test: Vec<(State<3>, Vec<State<3>>)>,
}

impl Observations {
    /// `u = (y − μ)/s`.
    pub fn standardise(&self, y: &State<3>) -> State<3> {
        (y - self.mean).component_div(&self.scale)
    }

    /// `y = μ + s·u`.
    pub fn restore(&self, u: &State<3>) -> State<3> {
        self.mean + u.component_mul(&self.scale)
    }
}

fn gaussian(rng: &mut ChaCha8Rng) -> f64 {
    // Box–Muller.
    let u1: f64 = rng.random::<f64>().max(f64::MIN_POSITIVE);
    let u2: f64 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// Observe Lorenz-63 every `h` and build the windows.
///
/// # Errors
/// Reference-solve errors; [`TrkError::Config`] if a stretch holds no full window.
pub fn observe(cfg: &Config, h: f64, h_index: usize) -> Result<Observations, TrkError> {
    let n_train = (cfg.train_span / h).floor() as usize + 1;
    let skip_test = ((cfg.train_span + cfg.gap) / h).ceil() as usize;
    let n_test = (cfg.test_span / h).floor() as usize + 1;
    for (name, n) in [("train_span / h", n_train), ("test_span / h", n_test)] {
        if n <= cfg.window {
            return Err(TrkError::Config {
                name,
                value: n as f64,
                expected: "more observations than steps per window",
            });
        }
    }
    let clean_train = attractor(cfg.transient, 0, n_train, h, cfg.ref_tol)?;
    let clean_test = attractor(cfg.transient, skip_test, n_test, h, cfg.ref_tol)?;
    let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed.wrapping_add(7919 * h_index as u64 + 1));
    let mut noisy = |y: &State<3>| y.map(|v| v + cfg.noise * gaussian(&mut rng));
    let train: Vec<State<3>> = clean_train.iter().map(&mut noisy).collect();
    let test_obs: Vec<State<3>> = clean_test.iter().map(&mut noisy).collect();
    let n = train.len() as f64;
    let mean = train.iter().sum::<State<3>>() / n;
    let scale = (train
        .iter()
        .map(|y| (y - mean).component_mul(&(y - mean)))
        .sum::<State<3>>()
        / n)
        .map(f64::sqrt);
    let mut obs = Observations {
        h,
        mean,
        scale,
        train: train.clone(),
        train_windows: Vec::new(),
        train_steps: Vec::new(),
        test: Vec::new(),
    };
    obs.train_windows = windows(&obs, cfg.window)?;
    obs.train_steps = windows(&obs, 1)?;
    obs.test = (0..n_test - cfg.window)
        .map(|i| (test_obs[i], clean_test[i + 1..=i + cfg.window].to_vec()))
        .collect();
    Ok(obs)
}

/// Every run of `steps + 1` consecutive training observations, standardised, at times
/// `0, h, …, steps·h`.
fn windows(obs: &Observations, steps: usize) -> Result<Vec<TimeSeries<3>>, TrkError> {
    let times: Vec<f64> = (0..=steps).map(|k| obs.h * k as f64).collect();
    obs.train
        .windows(steps + 1)
        .map(|w| {
            let values = w.iter().map(|y| obs.standardise(y)).collect();
            Ok(TimeSeries::new(times.clone(), values, None)?)
        })
        .collect()
}

/// A trained model ready to forecast.
pub enum Model {
    /// A neural field with its scheme.
    Neural {
        /// The field (standardised units).
        field: MlpField<3>,
        /// The scheme: fixed-step tableau or adaptive Dopri8.
        scheme: Scheme,
    },
    /// A SINDy model (state units), forecast with Dopri8.
    Sindy(crate::sindy::SindyModel<3>),
}

/// How a neural model steps.
#[derive(Clone, Debug)]
pub enum Scheme {
    /// Euler with step h.
    Euler,
    /// RK4 with step h.
    Rk4,
    /// Adaptive DOP853 at the configured tolerance.
    Dopri8,
    /// The learned 10-stage tableau with step h.
    Trk10(Box<Tableau<10>>),
}

/// Training record of one model.
#[derive(Clone, Debug, PartialEq)]
pub struct Fit {
    /// Full-window training loss (standardised MSE) before and after training (`NaN` for
    /// SINDy).
    pub loss_start: f64,
    /// See `loss_start`.
    pub loss_end: f64,
    /// One-step training loss (pairs of consecutive observations) before training (`NaN` for
    /// SINDy).
    pub one_step_start: f64,
    /// One-step training loss after the one-step stages (`NaN` for SINDy).
    pub loss_one_step: f64,
    /// Why training stopped early, if it did (the last finite parameters are kept).
    pub stopped: Option<String>,
    /// Number of non-zero SINDy coefficients (0 for neural models).
    pub active_terms: usize,
    /// The completed L-BFGS stages (one-step, then each horizon; empty for SINDy), to judge
    /// convergence.
    pub lbfgs: Vec<optim::StageLog>,
}

fn mlp(cfg: &Config) -> Result<MlpField<3>, TrkError> {
    let mut widths = vec![3];
    widths.extend(&cfg.hidden);
    widths.push(3);
    Ok(Mlp::builder(&widths)
        .hidden_activation(Activation::Tanh)
        .seed(cfg.seed)
        .build()?
        .into_field::<3>()?)
}

/// The optimisation budget, every iteration count scaled by `fraction` (rounded); `warm`
/// (started from Euler's θ): no Adam and [`Config::warm_lbfgs_iters`] one-step iterations.
fn budget(cfg: &Config, fraction: f64, warm: bool) -> optim::Budget {
    let scaled = |n: u64| (n as f64 * fraction).round() as u64;
    let (iters, lbfgs_iters) = if warm {
        (0, cfg.warm_lbfgs_iters)
    } else {
        (cfg.iters, cfg.lbfgs_iters)
    };
    optim::Budget {
        iters: scaled(iters),
        lr: cfg.lr,
        batch: cfg.batch,
        lbfgs_iters: scaled(lbfgs_iters),
        horizon_iters: scaled(cfg.horizon_iters),
        seed: cfg.seed,
        phi: None,
    }
}

fn record(t: &optim::Trained) -> Fit {
    Fit {
        loss_start: t.loss_start,
        loss_end: t.loss_end,
        one_step_start: t.one_step_start,
        loss_one_step: t.loss_one_step,
        stopped: t.stopped.clone(),
        active_terms: 0,
        lbfgs: t.lbfgs.clone(),
    }
}

fn fixed<const S: usize>(
    cfg: &Config,
    obs: &Observations,
    tab: Tableau<S>,
    stepping: Stepping<f64>,
    fraction: f64,
    theta: Option<&[f64]>,
) -> Result<(MlpField<3>, Fit), TrkError> {
    let field = mlp(cfg)?;
    let problem = |data: Vec<TimeSeries<3>>| NodeProblem::new(tab, field.clone(), data, stepping);
    let one = problem(obs.train_steps.clone())?;
    let horizons = horizon_data(cfg, obs)?
        .into_iter()
        .map(problem)
        .collect::<Result<Vec<_>, _>>()?;
    let all = horizons
        .last()
        .expect("horizon_data ends with the full windows");
    let refs: Vec<&_> = horizons.iter().collect();
    let init = theta.map_or_else(|| all.initial_params(), <[f64]>::to_vec);
    let b = budget(cfg, fraction, theta.is_some());
    let t = optim::train(&b, &one, &refs, init)?;
    Ok((all.field_with(&t.params)?, record(&t)))
}

/// The training windows of each horizon stage: one set per [`Config::curriculum`] length,
/// then the full windows.
fn horizon_data(cfg: &Config, obs: &Observations) -> Result<Vec<Vec<TimeSeries<3>>>, TrkError> {
    let mut out = cfg
        .curriculum
        .iter()
        .map(|&k| windows(obs, k))
        .collect::<Result<Vec<_>, _>>()?;
    out.push(obs.train_windows.clone());
    Ok(out)
}

/// Train (or fit) `method` on the observations; a neural method starts from `theta` (the
/// field's parameters, e.g. the trained Euler model's: see [`Config::from_euler`]) if given,
/// else from the seeded random MLP.
///
/// # Errors
/// Construction, training and regression errors, [`TrainError::ParamLength`] for a `theta` of
/// the wrong length (a training run stopped by a failed solve is not an error: see
/// [`Fit::stopped`]).
///
/// [`TrainError::ParamLength`]: crate::train::TrainError::ParamLength
pub fn fit(
    cfg: &Config,
    obs: &Observations,
    method: Method,
    theta: Option<&[f64]>,
) -> Result<(Model, Fit), TrkError> {
    let h = obs.h;
    let neural = |(field, fit): (MlpField<3>, Fit), scheme| (Model::Neural { field, scheme }, fit);
    let by_h = || Stepping::Fixed(h);
    Ok(match method {
        Method::Sindy => {
            let m =
                Sindy::new(cfg.sindy_degree, cfg.sindy_threshold)?.fit_integral(&obs.train, h)?;
            let active_terms = m.n_active();
            (
                Model::Sindy(m),
                Fit {
                    loss_start: f64::NAN,
                    loss_end: f64::NAN,
                    one_step_start: f64::NAN,
                    loss_one_step: f64::NAN,
                    stopped: None,
                    active_terms,
                    lbfgs: Vec::new(),
                },
            )
        }
        Method::Euler => neural(
            fixed(cfg, obs, Tableau::<1>::euler(), by_h(), 1.0, theta)?,
            Scheme::Euler,
        ),
        Method::Rk4 => neural(
            fixed(cfg, obs, Tableau::<4>::rk4(), by_h(), 1.0, theta)?,
            Scheme::Rk4,
        ),
        Method::Dopri8 => neural(
            fixed(
                cfg,
                obs,
                Tableau::<12>::dop853(),
                dopri8(cfg),
                cfg.dopri8_budget,
                theta,
            )?,
            Scheme::Dopri8,
        ),
        Method::Trk10 => {
            let problem = |data: &[TimeSeries<3>]| -> Result<_, TrkError> {
                Ok(trk::TrkNodeProblem::<10>::new(
                    mlp(cfg)?,
                    &cfg.trk_start().tableau(),
                    data.to_vec(),
                    h,
                )?)
            };
            let one = problem(&obs.train_steps)?;
            let horizons = horizon_data(cfg, obs)?
                .iter()
                .map(|d| problem(d))
                .collect::<Result<Vec<_>, _>>()?;
            let all = horizons
                .last()
                .expect("horizon_data ends with the full windows");
            let refs: Vec<&_> = horizons.iter().collect();
            let b = optim::Budget {
                phi: Some(optim::PhiRate {
                    n_theta: all.n_theta(),
                    adam: cfg.phi_adam,
                    lbfgs: cfg.phi_lbfgs,
                }),
                ..budget(cfg, 1.0, theta.is_some())
            };
            let mut init = all.initial_params();
            if let Some(theta) = theta {
                crate::train::check_len("θ to start TRK10 from", all.n_theta(), theta.len())?;
                init[..theta.len()].copy_from_slice(theta);
            }
            let t = optim::train(&b, &one, &refs, init)?;
            (
                Model::Neural {
                    field: all.field_with(&t.params)?,
                    scheme: Scheme::Trk10(Box::new(all.tableau(&t.params)?)),
                },
                record(&t),
            )
        }
    })
}

/// Dopri8's stepping.
pub fn dopri8(cfg: &Config) -> Stepping<f64> {
    Stepping::Adaptive(Adaptive::with_tol(cfg.dopri8_tol, cfg.dopri8_tol))
}

/// One (h, method) result.
pub struct Entry {
    /// Sampling interval.
    pub h: f64,
    /// Method.
    pub method: Method,
    /// Training record.
    pub fit: Fit,
    /// Test scores.
    pub scores: Scores,
    /// The learned TRK10 tableau, for TRK10.
    pub tableau: Option<Tableau<10>>,
    /// Where θ started from if not the random MLP ([`Config::from_euler`]).
    pub warm: Option<Warm>,
}

/// The warm start a model's θ came from.
#[derive(Clone, Debug, PartialEq)]
pub enum Warm {
    /// The trained Euler model's θ.
    Euler,
    /// The derivative fit's θ, with its L-BFGS log (standardised MSE against the derivative
    /// estimates).
    Derivative(optim::StageLog),
}

/// Everything trk-forecast computed.
pub struct Outcome {
    /// The configuration.
    pub config: Config,
    /// Training windows and test windows per h.
    pub sizes: Vec<(f64, usize, usize)>,
    /// One entry per (h, method), in configuration order.
    pub entries: Vec<Entry>,
}

/// A unit of parallel work in [`run`]: one method at one h, or, at one h, the warm start
/// ([`Config::warm_start`]: Euler's training or the derivative fit) followed by the methods
/// started from its θ ([`Config::from_euler`]; those run in parallel once θ is there).
enum Job {
    Alone(usize, Method),
    Warm(usize, Vec<Method>),
}

/// The jobs of `cfg` over `n_h` sampling intervals, the Euler chains first (longest).
fn jobs(cfg: &Config, n_h: usize) -> Vec<Job> {
    let warm: Vec<Method> = cfg
        .methods
        .iter()
        .copied()
        .filter(|m| cfg.from_euler.contains(m))
        .collect();
    let euler_first = !warm.is_empty() && cfg.warm_start == WarmStart::Euler;
    let chained = |m: Method| warm.contains(&m) || (m == Method::Euler && euler_first);
    let mut out: Vec<Job> = Vec::new();
    if !warm.is_empty() {
        out.extend((0..n_h).map(|i| Job::Warm(i, warm.clone())));
    }
    for i in 0..n_h {
        out.extend(
            cfg.methods
                .iter()
                .filter(|&&m| !chained(m))
                .map(|&m| Job::Alone(i, m)),
        );
    }
    out
}

/// Train `method` (from the warm start's `theta` if given) and score it.
fn entry(
    cfg: &Config,
    o: &Observations,
    method: Method,
    theta: Option<(&[f64], &Warm)>,
) -> Result<(Entry, Model), TrkError> {
    let (model, fit) = fit(cfg, o, method, theta.map(|t| t.0))?;
    let scores = evaluate(cfg, o, &model);
    let tableau = match &model {
        Model::Neural {
            scheme: Scheme::Trk10(t),
            ..
        } => Some(**t),
        _ => None,
    };
    let e = Entry {
        h: o.h,
        method,
        fit,
        scores,
        tableau,
        warm: theta.map(|t| t.1.clone()),
    };
    Ok((e, model))
}

/// Run one job: its entries with their h index.
fn run_job(cfg: &Config, obs: &[Observations], job: &Job) -> Result<Vec<(usize, Entry)>, TrkError> {
    match job {
        Job::Alone(i, m) => Ok(vec![(*i, entry(cfg, &obs[*i], *m, None)?.0)]),
        Job::Warm(i, then) => {
            let o = &obs[*i];
            let mut out: Vec<(usize, Entry)> = Vec::new();
            let (theta, warm) = match cfg.warm_start {
                WarmStart::Euler => {
                    let (euler, model) = entry(cfg, o, Method::Euler, None)?;
                    let Model::Neural { field, .. } = model else {
                        unreachable!("Euler is a neural model")
                    };
                    if cfg.methods.contains(&Method::Euler) {
                        out.push((*i, euler));
                    }
                    (field.params().to_vec(), Warm::Euler)
                }
                WarmStart::Derivative => {
                    let (theta, log) = derivative_theta(cfg, o)?;
                    (theta, Warm::Derivative(log))
                }
            };
            let warm_ref = (theta.as_slice(), &warm);
            let rest: Vec<(usize, Entry)> = then
                .par_iter()
                .map(|&m| Ok((*i, entry(cfg, o, m, Some(warm_ref))?.0)))
                .collect::<Result<_, TrkError>>()?;
            out.extend(rest);
            Ok(out)
        }
    }
}

/// θ of [`WarmStart::Derivative`] at the observations `o`: the seeded random MLP fitted to
/// the standardised derivative estimates `(u_k, ẏ_k / s)` of the training observations, and
/// the fit's L-BFGS log.
///
/// # Errors
/// Building the MLP; [`TrainError::ParamLength`] if the training stretch is shorter than the
/// stencil.
///
/// [`TrainError::ParamLength`]: crate::train::TrainError::ParamLength
pub fn derivative_theta(
    cfg: &Config,
    o: &Observations,
) -> Result<(Vec<f64>, optim::StageLog), TrkError> {
    let pairs = derivative::derivative_estimates(&o.train, o.h, cfg.derivative_stencil)
        .into_iter()
        .map(|(y, d)| (o.standardise(&y), d.component_div(&o.scale)))
        .collect();
    Ok(derivative::fit_derivatives(
        mlp(cfg)?,
        pairs,
        cfg.derivative_iters,
    )?)
}

/// Run trk-forecast: the (h, method) pairs in parallel, each method of
/// [`Config::from_euler`] after Euler at its h.
///
/// # Errors
/// [`TrkError::Config`] for a bad configuration; data, training and evaluation errors.
pub fn run(cfg: &Config) -> Result<Outcome, TrkError> {
    cfg.check()?;
    let obs: Vec<Observations> = cfg
        .hs
        .iter()
        .enumerate()
        .map(|(i, &h)| observe(cfg, h, i))
        .collect::<Result<_, _>>()?;
    let mut entries: Vec<(usize, Entry)> = jobs(cfg, obs.len())
        .par_iter()
        .map(|job| run_job(cfg, &obs, job))
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .flatten()
        .collect();
    let rank = |m: Method| cfg.methods.iter().position(|&a| a == m);
    entries.sort_by_key(|(i, e)| (*i, rank(e.method)));
    Ok(Outcome {
        config: cfg.clone(),
        sizes: obs
            .iter()
            .map(|o| (o.h, o.train_windows.len(), o.test.len()))
            .collect(),
        entries: entries.into_iter().map(|(_, e)| e).collect(),
    })
}
