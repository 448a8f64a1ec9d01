//! trk-stability (SCIENCE §1, figure (a)): can a trained 4-stage explicit scheme (TRK4)
//! integrate Lorenz-63 at step sizes where classical RK4 fails?
//!
//! For each step `h`, only the tableau is trained (the field is the known Lorenz-63), with
//! [`TrainableTableau<4>`](crate::trainable::TrainableTableau): row-sum parameterisation,
//! c₁ = 0, 10 free parameters, exact projection `Σb = 1` after every Adam step.
//!
//! * **Data** (one DOP853 run at rtol = atol = `ref_tol` from (1, 1, 1), first `transient`
//!   time units dropped): `n_train` training starts `spacing` apart, then after a gap of 10
//!   spacings `n_val` validation starts, then after another gap `n_test` test starts. σ² is
//!   the pooled per-component variance of `n_jac` states `jac_spacing` apart at the start of
//!   the training window.
//!   `n_screen_long` screening long-run starts follow the test starts after another gap.
//! * **Loss** (module `loss`): the K-step forecast error MSE_i / σ² of every training start against
//!   the reference, combined as [`ForecastLoss`] says (default: capped at 1 per start), plus
//!   `escape_weight ·` the escape penalty on the forecast steps, plus
//!   (off by default, `roll_every` = 0) `own_weight ·` the same MSE from the **scheme's own
//!   trajectory** (every `roll_every` iterations the current tableau is rolled out
//!   `roll_steps` steps from the next `roll_starts` training starts; every `roll_stride`-th visited state and the `roll_escape`
//!   states before an escape, within `‖y‖₂ ≤ roll_norm`, join a first-in-first-out buffer of
//!   at most `own_cap` states with their DOP853 references), plus
//!   `mu · mean(max(0, |R(w)| − 1)²)` over the penalty samples ([`Region`]), plus at
//!   `h ≥ dissip_from_h` (default 0.16) `dissip_weight ·` the dissipativity penalty (module
//!   [`dissip`], with harvested states). Gradient of the
//!   MSE: the discrete adjoint ([`crate::sensitivity::gradient_with`], autonomous field) mapped
//!   to φ by `grad_from_tableau`; of the penalty: its analytic gradient.
//! * **Optimiser**: Adam (lr `lr`, `iters` iterations) from each initial tableau in `inits`
//!   (restarts), then `lbfgs_iters` L-BFGS iterations (module `finish`) from the best validation
//!   candidate of each of the `lbfgs_from` best restarts. With [`Init::Previous`] among them (curriculum), the step sizes run in the
//!   order of `hs`, one after another, and that restart starts from the tableau selected at
//!   the previous step size; otherwise the step sizes run in parallel. Every `check_every`
//!   iterations the iterate is a candidate and is scored on the **validation** starts under
//!   the pass criterion. Selected ([`select`]): with `n_screen_long` > 0 (off by default),
//!   the lowest-validation-RMSE candidate that passes there and keeps all `n_screen_long`
//!   screening long runs bounded (at most `max_screened` tried); otherwise, or failing that,
//!   most bounded validation long runs and forecasts, then lowest RMSE. The test starts are used only for the final verdict.
//! * **Pass criterion** ([`criterion`]), the same for RK4 and TRK4: `n_test_long` long runs of
//!   `long_steps` steps stay finite with `‖y‖₂ ≤ bound`, and the RMSE over `n_test` forecasts,
//!   every step time in `(0, horizon]`, is below σ.

pub mod criterion;
pub mod dissip;
mod finish;
mod loss;
mod own;
pub mod select;
mod train;
mod write;

pub use crate::trainable::tangent_to_consistency;
pub use criterion::Verdict;
pub use select::Selection;
pub use train::Trained;
pub use write::{tableau_table, verdict_table, write};

use super::lorenz_data::{attractor, jacobian, pooled_variance, reference_path, KnownLorenz};
use super::trk_error::{at_least_one, positive, TrkError};
use crate::tableau::stability::{
    real_stability_interval, stability_function, stability_polynomial, StabilityError,
};
use crate::trainable::StabilitySamples;
use crate::{State, Tableau};
use nalgebra::Complex;
use rayon::prelude::*;
use std::borrow::Cow;

/// Where the stability penalty asks for `|R(w)| ≤ 1`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Region {
    /// The real segment `[−margin·h·ρ, 0)` with 200 points, ρ the largest `−Re λ` of `∂f/∂y`
    /// over the Jacobian states.
    RealSegment,
    /// Every eigenvalue `margin·h·λ` of `∂f/∂y` over the Jacobian states with `Re λ < 0`
    /// (the frozen-Jacobian spectrum along the attractor, complex pairs included).
    Spectrum,
    /// Both: the real segment's 200 points and the spectrum's points.
    Both,
}

/// How the per-start forecast errors of the training loss are combined.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ForecastLoss {
    /// `mean_i MSE_i / σ²`, MSE_i the K-step forecast mean squared error from training start
    /// i (the published loss). At h ≥ 0.17 a few starts whose forecasts escape or decorrelate
    /// chaotically dominate it (loss ≈ 1.3 at h = 0.17), drowning the accuracy of the rest.
    Mse,
    /// `mean_i ln(1 + MSE_i / σ²)`: robust, each start's contribution grows only
    /// logarithmically once its error exceeds σ², so escaping starts cannot dominate; for
    /// small errors it equals [`ForecastLoss::Mse`] to first order. Gradient
    /// `mean_i ∇MSE_i / (σ² + MSE_i)`.
    LogMse,
    /// `mean_i min(MSE_i / σ², cap)`: each start's accuracy term is capped, so the starts
    /// whose forecasts decorrelate or escape stop pulling; pair it with the escape penalty
    /// ([`Config::escape_weight`]), which keeps a signal on those starts.
    Capped(f64),
}

impl ForecastLoss {
    /// A short label for tables and the command line (`mse`, `log`).
    pub fn label(&self) -> &'static str {
        match self {
            ForecastLoss::Mse => "mse",
            ForecastLoss::LogMse => "log",
            ForecastLoss::Capped(_) => "cap",
        }
    }
}

/// An initial tableau of a restart.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Init {
    /// Classical RK4.
    Rk4,
    /// Kutta's 3/8 rule.
    Rk38,
    /// RK4's parameters plus independent uniform noise in `[−scale, scale]` (seeded), then
    /// projected.
    Perturbed(f64),
    /// The tableau learned at the previous step size of `hs` (curriculum / warm start); the
    /// restart is skipped at the first step size.
    Previous,
}

impl Init {
    /// A short label for tables.
    pub fn label(&self) -> String {
        match self {
            Init::Rk4 => "rk4".into(),
            Init::Rk38 => "rk38".into(),
            Init::Perturbed(s) => format!("rk4±{s}"),
            Init::Previous => "prev h".into(),
        }
    }
}

/// Settings of trk-stability; `Default` is the documented run, [`Config::quick`] a smoke test.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// Step sizes (time units).
    pub hs: Vec<f64>,
    /// Training starts (default 512).
    pub n_train: usize,
    /// Validation forecast starts (default 50); the first `n_val_long` also start long runs.
    pub n_val: usize,
    /// Validation long runs (default 10; 50 with the curriculum restart made h = 0.16–0.18
    /// bounded on the test runs but less accurate, see docs/results.md).
    pub n_val_long: usize,
    /// Test forecast starts (default 50).
    pub n_test: usize,
    /// Test long runs (default 5), the first test starts.
    pub n_test_long: usize,
    /// Time between consecutive starts (default 0.5).
    pub spacing: f64,
    /// Time dropped before the first sample (default 25).
    pub transient: f64,
    /// Forecast steps in the loss, K (default 8); see also `k_span`.
    pub k_steps: usize,
    /// Time span of the loss's forecasts (default 0 = off): with `k_span` > 0, K at step `h`
    /// is `max(k_steps, ceil(k_span / h))` ([`Config::k_at`]), e.g. 2 for the criterion's
    /// horizon (12 steps at h = 0.17).
    pub k_span: f64,
    /// How the per-start forecast errors are combined (default [`ForecastLoss::Capped`] at
    /// 1, with the escape penalty, L-BFGS finishing and four perturbed restarts: the first
    /// setting to pass h = 0.17, see docs/results.md; [`ForecastLoss::Mse`] passed up to
    /// 0.16, [`ForecastLoss::LogMse`] lost 0.16).
    pub loss: ForecastLoss,
    /// Weight of the escape penalty `mean_k (max(0, ‖y_k‖₂ − escape_radius) / σ)²` on every
    /// forecast step of the loss (default 0.01; 1 let it dominate the loss and lost
    /// h = 0.16 in our runs).
    pub escape_weight: f64,
    /// Radius of the escape penalty (default 60; the attractor lies within about 50).
    pub escape_radius: f64,
    /// Penalty weight μ (default 1e3).
    pub mu: f64,
    /// Where the penalty samples lie (default [`Region::RealSegment`]; the spectrum variant
    /// did worse in our runs, see docs/results.md).
    pub region: Region,
    /// Sample points at `margin·h·λ` (default 1.1).
    pub margin: f64,
    /// Adam iterations per restart (default 1500).
    pub iters: usize,
    /// Adam's initial learning rate (default 1e-2); it decays geometrically to `lr_final`
    /// at the last iteration.
    pub lr: f64,
    /// Adam's final learning rate (default 1e-4).
    pub lr_final: f64,
    /// Initial tableaus, one restart each (default rk4, rk38 and four rk4±0.1; add
    /// [`Init::Previous`] for the curriculum; repeated [`Init::Perturbed`] entries draw
    /// different noise, seeded by `seed`, the step size and the restart index).
    pub inits: Vec<Init>,
    /// L-BFGS iterations after Adam (default 50; 0 = none), from the best validation candidate of
    /// each of the `lbfgs_from` best restarts; the results join the candidates.
    pub lbfgs_iters: usize,
    /// Restarts finished by L-BFGS (default 3).
    pub lbfgs_from: usize,
    /// Candidate spacing in iterations (default 20).
    pub check_every: usize,
    /// Forecast horizon of the RMSE (default 2 time units).
    pub horizon: f64,
    /// Steps of each long run (default 10⁴).
    pub long_steps: usize,
    /// Bound on `‖y‖₂` (default 1000; the attractor lies within about 60).
    pub bound: f64,
    /// Reference tolerance (default 1e-12).
    pub ref_tol: f64,
    /// Jacobian / variance states (default 640, `jac_spacing` = 0.05 apart).
    pub n_jac: usize,
    /// Spacing of the Jacobian states (default 0.05).
    pub jac_spacing: f64,
    /// Seed of the perturbed initial tableaus (default 0).
    pub seed: u64,
    /// Iterations between own-trajectory rollouts (default 0 = no own-trajectory loss; 100
    /// with the other `roll_*` defaults made long runs bounded at h = 0.17–0.19 but cost so
    /// much accuracy that TRK4 passed only h = 0.10, see docs/results.md).
    pub roll_every: usize,
    /// Training starts rolled out each time (default 16, taken cyclically).
    pub roll_starts: usize,
    /// Steps of each rollout (default 2000).
    pub roll_steps: usize,
    /// Every `roll_stride`-th visited state is kept (default 200).
    pub roll_stride: usize,
    /// States kept before a rollout escapes (default 20).
    pub roll_escape: usize,
    /// Only states with `‖y‖₂ ≤ roll_norm` are kept (default 100).
    pub roll_norm: f64,
    /// Largest own-trajectory buffer, oldest dropped first (default 512).
    pub own_cap: usize,
    /// Weight of the own-trajectory forecast MSE / σ² (default 1; 0.05 kept the long runs
    /// at h = 0.17–0.18 bounded with a milder, still disqualifying, loss of accuracy).
    pub own_weight: f64,
    /// Screening long runs of the final selection (default 0 = selection by validation
    /// ranking only; 200 kept h = 0.15 and 0.16 passing but did not make 0.17 pass in our
    /// runs, see docs/results.md).
    pub n_screen_long: usize,
    /// Most candidates screened (default 40), in order of validation RMSE.
    pub max_screened: usize,
    /// Screening forecasts (default 0): with `n_screen_long` > 0, a screened candidate must
    /// also keep every one of `n_screen_forecasts` further attractor starts (after the
    /// screening long-run starts) bounded over the criterion's horizon — a cheap, dense
    /// check of the forecast overflows that fail the RMSE part of the criterion.
    pub n_screen_forecasts: usize,
    /// Validation margin (default 1): a candidate passes on the validation starts only with
    /// validation RMSE `< val_margin · σ` (the verdict on the test starts always uses σ).
    pub val_margin: f64,
    /// Order conditions that the projection after every step enforces exactly on `b`
    /// (default 1 = consistency `Σb = 1`; 2 adds `bᵀc = 1/2`, which raised the escape rates
    /// and lost h = 0.17 on seeds 0–2, see docs/results.md).
    pub exact_order: u8,
    /// Weight of the dissipativity penalty (module `dissip`): mean over sample states y of
    /// `max(0, ln(V(Φ_h(y)) / max(V(y), C)))²`, V the Lorenz Lyapunov function and C the
    /// level of its absorbing set (default 10, with `harvest` 16, at `h ≥ dissip_from_h` =
    /// 0.16: over seeds 0–4 it passed h = 0.16 on 5 and 0.17 on 3, against 4 and 2 without,
    /// and more than halved the mean long-run escape rate at 0.17; applied at every h it lost
    /// h = 0.15 on seed 0; 1 passed 0.17 on 1 of seeds 0–2; see docs/results.md).
    pub dissip_weight: f64,
    /// Largest scale factor `s_max` of the shell samples `c + s(y − c)` (default 1.2; ≥ 1).
    pub dissip_shell: f64,
    /// Number of shell samples (default 1024), besides the attractor samples (the training
    /// starts and their reference states).
    pub dissip_n_shell: usize,
    /// Training starts rolled out per harvest (default 16; 0 = no harvest): every
    /// `harvest_every` iterations the current tableau runs `roll_steps` steps from the next
    /// `harvest` training starts, and the `harvest_keep` states before `V` first exceeds C join
    /// the penalty's samples (first in, first out, at most `own_cap`).
    pub harvest: usize,
    /// Iterations between harvests (default 100).
    pub harvest_every: usize,
    /// States kept before each exit from `{V ≤ C}` (default 5).
    pub harvest_keep: usize,
    /// Smallest step size at which the dissipativity penalty and harvesting train (time
    /// units, default 0.16; 0 = at every step size): at `h < dissip_from_h` training runs with
    /// `dissip_weight` and `harvest` set to 0 ([`Config::at_step`]), bit for bit as without
    /// them.
    pub dissip_from_h: f64,
    /// Harvests before each L-BFGS finish (default 0 = none; 4 made h = 0.18 worse on seeds 0
    /// and 2 and changed nothing at 0.19, see docs/results.md): with the dissipativity penalty
    /// on, the candidate to be finished is itself rolled out `lbfgs_harvest` times from
    /// `harvest` training starts each, and the states before its exits from `{V ≤ C}` join
    /// the penalty's samples during its L-BFGS run (otherwise L-BFGS sees no harvested states).
    pub lbfgs_harvest: usize,
    /// Steps `k` of the dissipativity inequality (default 1): the penalty of a sample state y
    /// is `(1/k) Σ_{j=1..k} max(0, ln(V(Φ_h^j(y)) / max(V(y), C)))²` — the exact flow keeps
    /// `V(φ_{jh}(y)) ≤ max(V(y), C)` for every j, and a scheme can break it over several
    /// steps while keeping it over each single one from the attractor. k = 1 is the one-step
    /// penalty bit for bit; the cost of the penalty grows by about k.
    pub dissip_steps: usize,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            hs: vec![0.10, 0.15, 0.16, 0.17, 0.18, 0.19, 0.20, 0.22, 0.25],
            n_train: 512,
            n_val: 50,
            n_val_long: 10,
            n_test: 50,
            n_test_long: 5,
            spacing: 0.5,
            transient: 25.0,
            k_steps: 8,
            k_span: 0.0,
            loss: ForecastLoss::Capped(1.0),
            escape_weight: 0.01,
            escape_radius: 60.0,
            mu: 1e3,
            region: Region::RealSegment,
            margin: 1.1,
            iters: 1500,
            lr: 1e-2,
            lr_final: 1e-4,
            inits: vec![
                Init::Rk4,
                Init::Rk38,
                Init::Perturbed(0.1),
                Init::Perturbed(0.1),
                Init::Perturbed(0.1),
                Init::Perturbed(0.1),
            ],
            lbfgs_iters: 50,
            lbfgs_from: 3,
            check_every: 20,
            horizon: 2.0,
            long_steps: 10_000,
            bound: 1e3,
            ref_tol: 1e-12,
            n_jac: 640,
            jac_spacing: 0.05,
            seed: 0,
            roll_every: 0,
            roll_starts: 16,
            roll_steps: 2000,
            roll_stride: 200,
            roll_escape: 20,
            roll_norm: 100.0,
            own_cap: 512,
            own_weight: 1.0,
            n_screen_long: 0,
            max_screened: 40,
            n_screen_forecasts: 0,
            val_margin: 1.0,
            exact_order: 1,
            dissip_weight: 10.0,
            dissip_shell: 1.2,
            dissip_n_shell: 1024,
            harvest: 16,
            harvest_every: 100,
            harvest_keep: 5,
            dissip_from_h: 0.16,
            lbfgs_harvest: 0,
            dissip_steps: 1,
        }
    }
}

impl Config {
    /// A smoke test (seconds): two step sizes, 32 training starts, restarts of 30 iterations
    /// from RK4 and (curriculum) from the previous step size's result, 10³-step long runs,
    /// own-trajectory rollouts of 200 steps every 10 iterations, 4 screening long runs; the
    /// plain MSE without escape penalty, dissipativity penalty or L-BFGS (the machinery around the loss; the loss
    /// variants have their own tests).
    pub fn quick() -> Self {
        Self {
            hs: vec![0.10, 0.17],
            n_train: 32,
            n_val: 10,
            n_val_long: 2,
            n_test: 10,
            n_test_long: 2,
            iters: 30,
            inits: vec![Init::Rk4, Init::Previous],
            check_every: 10,
            long_steps: 1000,
            n_jac: 100,
            roll_every: 10,
            roll_starts: 4,
            roll_steps: 200,
            roll_stride: 20,
            n_screen_long: 4,
            max_screened: 5,
            loss: ForecastLoss::Mse,
            escape_weight: 0.0,
            lbfgs_iters: 0,
            dissip_weight: 0.0,
            harvest: 0,
            ..Self::default()
        }
    }

    /// Forecast steps of the loss at step `h`: `k_steps`, or with `k_span` > 0
    /// `max(k_steps, ceil(k_span / h))`.
    pub fn k_at(&self, h: f64) -> usize {
        if self.k_span > 0.0 {
            self.k_steps.max((self.k_span / h - 1e-9).ceil() as usize)
        } else {
            self.k_steps
        }
    }

    /// The configuration that trains at step `h`: `self`, or below `dissip_from_h` a copy
    /// with the dissipativity penalty (`dissip_weight`) and harvesting (`harvest`) off.
    pub fn at_step(&self, h: f64) -> Cow<'_, Self> {
        if h >= self.dissip_from_h {
            Cow::Borrowed(self)
        } else {
            Cow::Owned(Self {
                dissip_weight: 0.0,
                harvest: 0,
                ..self.clone()
            })
        }
    }

    /// Whether training harvests states for the dissipativity penalty: the harvested states
    /// are samples of that penalty only, so harvesting needs both `harvest > 0` and
    /// `dissip_weight > 0`.
    pub fn harvests(&self) -> bool {
        self.harvest > 0 && self.dissip_weight > 0.0
    }

    fn check(&self) -> Result<(), TrkError> {
        at_least_one("hs", self.hs.len())?;
        at_least_one("dissip_steps", self.dissip_steps)?;
        for &h in &self.hs {
            positive("h", h)?;
        }
        for (name, n) in [
            ("n_train", self.n_train),
            ("n_val", self.n_val),
            ("n_val_long", self.n_val_long),
            ("n_test", self.n_test),
            ("n_test_long", self.n_test_long),
            ("k_steps", self.k_steps),
            ("check_every", self.check_every),
            ("inits", self.inits.len()),
            ("n_jac", self.n_jac),
            ("roll_starts", self.roll_starts),
            ("roll_stride", self.roll_stride),
            ("harvest_every", self.harvest_every),
            ("harvest_keep", self.harvest_keep),
        ] {
            at_least_one(name, n)?;
        }
        for (name, v) in [
            ("spacing", self.spacing),
            ("lr", self.lr),
            ("lr_final", self.lr_final),
            ("horizon", self.horizon),
            ("bound", self.bound),
            ("ref_tol", self.ref_tol),
            ("jac_spacing", self.jac_spacing),
            ("margin", self.margin),
            ("roll_norm", self.roll_norm),
            ("escape_radius", self.escape_radius),
            ("val_margin", self.val_margin),
        ] {
            positive(name, v)?;
        }
        let cap = match self.loss {
            ForecastLoss::Capped(c) => c,
            _ => 0.0,
        };
        for (name, v) in [
            ("mu", self.mu),
            ("own_weight", self.own_weight),
            ("escape_weight", self.escape_weight),
            ("k_span", self.k_span),
            ("cap", cap),
            ("dissip_weight", self.dissip_weight),
            ("dissip_from_h", self.dissip_from_h),
        ] {
            if !(v.is_finite() && v >= 0.0) {
                return Err(TrkError::Config {
                    name,
                    value: v,
                    expected: "finite and ≥ 0",
                });
            }
        }
        if !(self.dissip_shell >= 1.0 && self.dissip_shell.is_finite()) {
            return Err(TrkError::Config {
                name: "dissip_shell",
                value: self.dissip_shell,
                expected: "finite and ≥ 1",
            });
        }
        if self.n_val_long > self.n_val || self.n_test_long > self.n_test {
            return Err(TrkError::Config {
                name: "n_val_long / n_test_long",
                value: self.n_val_long.max(self.n_test_long) as f64,
                expected: "≤ n_val / n_test",
            });
        }
        Ok(())
    }
}

/// One step size's result.
#[derive(Clone, Debug)]
pub struct Row {
    /// Step size.
    pub h: f64,
    /// RK4 under the pass criterion on the test starts.
    pub rk4: Verdict,
    /// The learned TRK4 under the same criterion.
    pub trk4: Verdict,
    /// The learned scheme and its training record.
    pub trained: Trained,
    /// Real stability interval of the learned scheme (RK4: 2.785).
    pub real_interval: f64,
    /// Where the learned scheme sits against the frozen-Jacobian spectrum along the attractor.
    pub spectrum: SpectrumFit,
    /// With screening on: how many of the screening long runs and screening forecasts the
    /// selected scheme keeps bounded (an estimate of its escape rate, whether or not it was
    /// selected by the screen).
    pub screened: Option<(usize, usize)>,
    /// The learned scheme against the dissipativity inequality on the penalty's attractor and
    /// shell samples (computed whether or not the penalty trains).
    pub dissip: Dissipativity,
}

/// How one learned scheme fares against `V(Φ_h(y)) ≤ max(V(y), C)` (module [`dissip`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Dissipativity {
    /// `mean_y max(0, ln(V(Φ_h(y)) / max(V(y), C)))²` over the samples.
    pub penalty: f64,
    /// Samples that break the inequality.
    pub violated: usize,
    /// Samples in all (attractor first, then shell).
    pub samples: usize,
    /// Attractor samples among them.
    pub attractor: usize,
}

/// The learned scheme's stability function `R` on the spectrum `h·λ` of `∂f/∂y` over the
/// Jacobian states (only `Re λ < 0`, the decaying directions), and its stability polynomial.
#[derive(Clone, Debug, PartialEq)]
pub struct SpectrumFit {
    /// `γ_2, γ_3, γ_4` of `R(w) = 1 + w + γ_2 w² + γ_3 w³ + γ_4 w⁴` (RK4: 1/2, 1/6, 1/24;
    /// `γ_2 − 1/2` is the order-2 residual `bᵀc − 1/2`).
    pub gamma: [f64; 3],
    /// Order-3 residual `bᵀc² − 1/3` (the other one, `bᵀAc − 1/6`, is `γ_3 − 1/6`).
    pub bc2_residual: f64,
    /// Largest `|R(hλ)|` over the decaying spectrum.
    pub max_abs_r: f64,
    /// Fraction of the decaying spectrum points with `|R(hλ)| > 1`.
    pub unstable_fraction: f64,
}

impl SpectrumFit {
    /// `R` of `tab` on the points `spectrum` (already multiplied by h).
    fn of(tab: &Tableau<4>, spectrum: &[Complex<f64>]) -> Result<Self, TrkError> {
        let g = stability_polynomial(tab).map_err(StabilityError::from)?;
        let mut max_abs_r: f64 = 0.0;
        let mut unstable = 0usize;
        for &w in spectrum {
            let r = stability_function(tab, w)
                .map_err(StabilityError::from)?
                .norm();
            max_abs_r = max_abs_r.max(r);
            unstable += usize::from(r > 1.0);
        }
        let bc2: f64 = (0..4).map(|i| tab.b[i] * tab.c[i] * tab.c[i]).sum();
        Ok(Self {
            gamma: [g[2], g[3], g[4]],
            bc2_residual: bc2 - 1.0 / 3.0,
            max_abs_r,
            unstable_fraction: unstable as f64 / spectrum.len().max(1) as f64,
        })
    }
}

/// Everything trk-stability computed.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// The configuration that produced it.
    pub config: Config,
    /// σ, the RMSE threshold (pooled per-component standard deviation of the attractor).
    pub sigma: f64,
    /// Largest `−Re λ` of `∂f/∂y` over the Jacobian states.
    pub stiffest: f64,
    /// Largest `|Im λ|` over the Jacobian states.
    pub max_imag: f64,
    /// One row per step size, in `config.hs` order.
    pub rows: Vec<Row>,
}

/// Run trk-stability (step sizes in parallel).
///
/// # Errors
/// [`TrkError::Config`] for a bad configuration; reference-solve, adjoint and trainable
/// errors otherwise.
pub fn run(cfg: &Config) -> Result<Outcome, TrkError> {
    cfg.check()?;
    let at = |skip, n| attractor(cfg.transient, skip, n, cfg.spacing, cfg.ref_tol);
    let train_starts = at(0, cfg.n_train)?;
    let val_skip = cfg.n_train + 10;
    let val_starts = at(val_skip, cfg.n_val)?;
    let test_skip = val_skip + cfg.n_val + 10;
    let test_starts = at(test_skip, cfg.n_test)?;
    let (screen_starts, screen_forecasts) = if cfg.n_screen_long == 0 {
        (Vec::new(), Vec::new())
    } else {
        let mut s = at(
            test_skip + cfg.n_test + 10,
            cfg.n_screen_long + cfg.n_screen_forecasts,
        )?;
        let f = s.split_off(cfg.n_screen_long);
        (s, f)
    };
    let jac_states = attractor(cfg.transient, 0, cfg.n_jac, cfg.jac_spacing, cfg.ref_tol)?;
    let var = pooled_variance(&jac_states);
    let sigma = var.sqrt();
    let jacs: Vec<_> = jac_states.iter().map(jacobian).collect();
    let eigs: Vec<_> = jacs
        .iter()
        .flat_map(|j| j.complex_eigenvalues().iter().copied().collect::<Vec<_>>())
        .collect();
    let stiffest = eigs.iter().map(|l| -l.re).fold(0.0f64, f64::max);
    let max_imag = eigs.iter().map(|l| l.im.abs()).fold(0.0f64, f64::max);
    let paths = |starts: &[State<3>], h: f64, steps: usize| {
        starts
            .iter()
            .map(|y| reference_path(*y, h, steps, cfg.ref_tol))
            .collect::<Result<Vec<_>, _>>()
    };
    let one = |h: f64, prev: Option<&Tableau<4>>| -> Result<Row, TrkError> {
        let steps = ((cfg.horizon / h + 1e-9).floor() as usize).max(1);
        let samples = match cfg.region {
            Region::RealSegment => StabilitySamples::real_segment(cfg.margin * h * stiffest, 200)?,
            Region::Spectrum => StabilitySamples::spectrum(&jacs, cfg.margin * h)?.retain_left(),
            Region::Both => {
                let mut s = StabilitySamples::real_segment(cfg.margin * h * stiffest, 200)?;
                s.points.extend(
                    StabilitySamples::spectrum(&jacs, cfg.margin * h)?
                        .retain_left()
                        .points,
                );
                s
            }
        };
        let refs = paths(&train_starts, h, cfg.k_at(h))?;
        // Built also with the penalty off: the verdict table reports the learned scheme's
        // violations on them.
        let on: Vec<State<3>> = train_starts
            .iter()
            .chain(refs.iter().flatten())
            .copied()
            .collect();
        let dissip = dissip::DissipSamples::new(&on, cfg.dissip_n_shell, cfg.dissip_shell);
        let val_refs = paths(&val_starts, h, steps)?;
        let test_refs = paths(&test_starts, h, steps)?;
        let data = train::Data {
            starts: &train_starts,
            refs: &refs,
            val_long: &val_starts[..cfg.n_val_long],
            screen_long: &screen_starts,
            screen_forecasts: &screen_forecasts,
            horizon_steps: steps,
            val_starts: &val_starts,
            val_refs: &val_refs,
            var,
            samples: &samples,
            dissip: &dissip,
        };
        let verdict = |tab: &Tableau<4>| {
            Verdict::of(
                tab,
                &KnownLorenz,
                h,
                &test_starts[..cfg.n_test_long],
                cfg.long_steps,
                cfg.bound,
                &test_starts,
                &test_refs,
                sigma,
            )
        };
        let rk4 = verdict(&Tableau::rk4());
        let trained = train::train(&cfg.at_step(h), h, &data, prev)?;
        let trk4 = verdict(&trained.tab);
        let real_interval = real_stability_interval(&trained.tab)?;
        let spectrum = StabilitySamples::spectrum(&jacs, h)?.retain_left().points;
        let spectrum = SpectrumFit::of(&trained.tab, &spectrum)?;
        let (v, n_viol) = dissip::violations(&trained.tab, h, &dissip.states, dissip.level);
        let dissip = Dissipativity {
            penalty: v,
            violated: n_viol,
            samples: dissip.states.len(),
            attractor: on.len(),
        };
        let screened = (!screen_starts.is_empty()).then(|| {
            let kept = |starts: &[State<3>], n| {
                starts
                    .par_iter()
                    .filter(|y0| {
                        criterion::stays_bounded(&trained.tab, &KnownLorenz, h, **y0, n, cfg.bound)
                    })
                    .count()
            };
            (
                kept(&screen_starts, cfg.long_steps),
                kept(&screen_forecasts, steps),
            )
        });
        Ok(Row {
            h,
            rk4,
            trk4,
            trained,
            real_interval,
            spectrum,
            screened,
            dissip,
        })
    };
    let rows = if cfg.inits.contains(&Init::Previous) {
        // Curriculum: each step size starts one restart from the previous one's result.
        let mut rows: Vec<Row> = Vec::with_capacity(cfg.hs.len());
        for &h in &cfg.hs {
            let prev = rows.last().map(|r| r.trained.tab);
            rows.push(one(h, prev.as_ref())?);
        }
        rows
    } else {
        cfg.hs
            .par_iter()
            .map(|&h| one(h, None))
            .collect::<Result<Vec<_>, _>>()?
    };
    Ok(Outcome {
        config: cfg.clone(),
        sigma,
        stiffest,
        max_imag,
        rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `dissip_from_h` switches the dissipativity penalty and harvesting off below the
    /// threshold (and leaves every other field alone), on at and above it; a negative or
    /// non-finite threshold is a typed configuration error carrying the value.
    #[test]
    fn dissip_from_h_switches_the_penalty_and_is_validated() {
        let cfg = Config {
            dissip_weight: 10.0,
            harvest: 16,
            dissip_from_h: 0.17,
            ..Config::default()
        };
        let below = cfg.at_step(0.16);
        assert_eq!((below.dissip_weight, below.harvest), (0.0, 0));
        assert_eq!(
            *below,
            Config {
                dissip_weight: 0.0,
                harvest: 0,
                ..cfg.clone()
            }
        );
        for h in [0.17, 0.25] {
            assert!(matches!(cfg.at_step(h), Cow::Borrowed(c) if *c == cfg));
        }
        assert!(cfg.check().is_ok());
        for bad in [-0.01, f64::NAN, f64::INFINITY] {
            let c = Config {
                dissip_from_h: bad,
                ..cfg.clone()
            };
            match c.check() {
                Err(TrkError::Config { name, value, .. }) => {
                    assert_eq!(name, "dissip_from_h");
                    assert!(value.to_bits() == bad.to_bits());
                }
                other => panic!("{bad}: {other:?}"),
            }
        }
    }
}
