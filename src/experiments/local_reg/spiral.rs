//! The time-series experiment (the motivating example of Pal et al. 2021): fit the 2-D cubic
//! spiral `z' = A z³` (element-wise cube, `A = [[-0.1, 2], [-2, -0.1]]`, `z(0) = (2, 0)`,
//! 30 noise-free observations on [0, 1.5] from DOP853 at 1e-12) with `z' = MLP(z³)` (2-H-2
//! tanh), without and with regularization, and compare the NFE of the trained models.

use super::penalty::{mix_seed, sample_gradient, PenaltySetup, Variant};
use crate::integrate::solve_adaptive_with;
use crate::nn::{Mlp, MlpField, NnError};
use crate::regularize::{Reduction, StepRecorder, Weight};
use crate::sensitivity::Sensitivity;
use crate::train::{mse, Adam, Objective, TrainError};
use crate::{solve_at, Adaptive, ParamField, SolveError, State, Stepping, Tableau, VectorField};
use std::cell::Cell;

/// Start and end of the data.
pub const SPAN: (f64, f64) = (0.0, 1.5);
/// Number of observations (uniform on [`SPAN`], the first at `t0`).
pub const N_OBS: usize = 30;

/// `z' = MLP(z³)`: the cube is the known feature of the spiral (as in DiffEqFlux's example).
#[derive(Clone, Debug)]
pub struct CubeNet(pub MlpField<2>);

impl VectorField<2> for CubeNet {
    fn eval(&self, t: f64, z: &State<2>) -> State<2> {
        self.0.eval(t, &z.map(|v| v * v * v))
    }
}

impl ParamField<2> for CubeNet {
    fn params(&self) -> &[f64] {
        self.0.params()
    }
    fn params_mut(&mut self) -> &mut [f64] {
        self.0.params_mut()
    }
    fn vjp(&self, t: f64, z: &State<2>, w: &State<2>, gy: &mut State<2>, gp: &mut [f64]) {
        let mut g3 = State::<2>::zeros();
        self.0.vjp(t, &z.map(|v| v * v * v), w, &mut g3, gp);
        *gy += g3.component_mul(&z.map(|v| 3.0 * v * v));
    }
}

/// The observations: times and states of the true spiral.
///
/// # Errors
/// [`SolveError`] of the reference solve (cannot happen with these constants).
pub fn spiral_data() -> Result<(Vec<f64>, Vec<State<2>>), SolveError> {
    let a = nalgebra::Matrix2::new(-0.1, 2.0, -2.0, -0.1);
    let truth = move |_t: f64, z: &State<2>| a * z.map(|v| v * v * v);
    let (t0, t1) = SPAN;
    let times: Vec<f64> = (0..N_OBS)
        .map(|i| t0 + (t1 - t0) * i as f64 / (N_OBS - 1) as f64)
        .collect();
    let tr = solve_at(
        &Tableau::<12>::dop853(),
        &truth,
        t0,
        State::<2>::new(2.0, 0.0),
        &times,
        &Stepping::Adaptive(Adaptive::with_tol(1e-12, 1e-12)),
    )?;
    Ok((times, tr.y))
}

/// MSE on the spiral (through the solver) plus `w(k)·R`, one trajectory, full batch.
pub struct SpiralObjective<'a> {
    /// Solver (tsit5 in the experiment).
    pub tab: Tableau<7>,
    /// Tolerances of the training and evaluation solves.
    pub opts: Adaptive,
    /// Which regularizer.
    pub variant: Variant,
    /// Its weight schedule.
    pub weight: Weight,
    /// The field template.
    pub field: CubeNet,
    /// Observation times (the first is `t0`).
    pub times: &'a [f64],
    /// Observed states.
    pub obs: &'a [State<2>],
    /// Seed of the local samplers.
    pub seed: u64,
    /// Iteration counter (for the weight schedule and the sampler seeds).
    pub iter: Cell<u64>,
}

impl SpiralObjective<'_> {
    fn field_with(&self, params: &[f64]) -> Result<CubeNet, TrainError> {
        if params.len() != self.field.params().len() {
            return Err(TrainError::ParamLength {
                what: "spiral field parameters",
                expected: self.field.params().len(),
                got: params.len(),
            });
        }
        let mut f = self.field.clone();
        f.params_mut().copy_from_slice(params);
        Ok(f)
    }
}

impl Objective for SpiralObjective<'_> {
    fn n_params(&self) -> usize {
        self.field.params().len()
    }

    fn eval(&self, params: &[f64], _batch: &[usize]) -> Result<(f64, Vec<f64>), TrainError> {
        let f = self.field_with(params)?;
        let k = self.iter.get();
        self.iter.set(k + 1);
        let w = match self.variant {
            Variant::Vanilla => 0.0,
            _ => self
                .weight
                .at(k as usize)
                .map_err(|source| TrainError::Regularize {
                    trajectory: 0,
                    source,
                })?,
        };
        let setup = PenaltySetup {
            tab: &self.tab,
            opts: &self.opts,
            sensitivity: Sensitivity::Discrete,
            variant: self.variant,
            weight: w,
        };
        let sg = sample_gradient(
            &setup,
            &f,
            self.times[0],
            self.obs[0],
            self.times,
            0,
            mix_seed(self.seed, k, 0),
            |tr| mse(&tr.y, self.obs, None).map(|lg| (lg.value, lg.dl_dy)),
        )?;
        Ok((sg.loss + w * sg.reg, sg.params))
    }

    fn loss(&self, params: &[f64], _batch: &[usize]) -> Result<f64, TrainError> {
        Ok(self.fit(params)?.0)
    }
}

impl SpiralObjective<'_> {
    /// MSE of the model with `params` against the observations, the NFE of its solve, and
    /// `Σ_steps E_est·|h|` of that solve.
    ///
    /// # Errors
    /// [`TrainError::ParamLength`], [`TrainError::Solve`].
    pub fn fit(&self, params: &[f64]) -> Result<(f64, usize, f64), TrainError> {
        let f = self.field_with(params)?;
        let stepping = Stepping::Adaptive(self.opts);
        let solve_err = |source| TrainError::Solve {
            trajectory: 0,
            source,
        };
        let tr = solve_at(
            &self.tab,
            &f,
            self.times[0],
            self.obs[0],
            self.times,
            &stepping,
        )
        .map_err(solve_err)?;
        let value = mse(&tr.y, self.obs, None)?.value;
        let mut rec = StepRecorder::new(&self.tab);
        let t1 = self.times[self.times.len() - 1];
        solve_adaptive_with(
            &self.tab,
            &f,
            self.times[0],
            t1,
            self.obs[0],
            &self.opts,
            &mut rec,
        )
        .map_err(solve_err)?;
        Ok((value, tr.stats.nfe, rec.error_total(Reduction::Sum)))
    }
}

/// Settings of the spiral experiment.
#[derive(Clone, Debug, PartialEq)]
pub struct SpiralConfig {
    /// Adam iterations per run (default 2000).
    pub iters: u64,
    /// Adam learning rate (default 1e-2).
    pub lr: f64,
    /// Hidden width of the 2-H-2 tanh network (default 16).
    pub hidden: usize,
    /// Constant regularization weights tried for each regularized variant (default 0.003,
    /// 0.01, 0.03: the gradient of `E_est` does not shrink with `E_est`, so weights that
    /// leave the fit intact are small).
    pub weights: Vec<f64>,
    /// Network seeds, one run of every variant and weight per seed (default 0, 1, 2).
    pub seeds: Vec<u64>,
    /// Solver tolerances (default rtol 1e-6, atol 1e-8; tsit5).
    pub rtol: f64,
    /// Absolute tolerance.
    pub atol: f64,
}

impl Default for SpiralConfig {
    fn default() -> Self {
        Self {
            iters: 2000,
            lr: 1e-2,
            hidden: 16,
            weights: vec![0.003, 0.01, 0.03],
            seeds: vec![0, 1, 2],
            rtol: 1e-6,
            atol: 1e-8,
        }
    }
}

impl SpiralConfig {
    /// A smoke-test run: 60 iterations, one weight, one seed.
    pub fn quick() -> Self {
        Self {
            iters: 60,
            weights: vec![0.01],
            seeds: vec![0],
            ..Self::default()
        }
    }
}

/// One trained spiral model.
#[derive(Clone, Debug, PartialEq)]
pub struct SpiralRow {
    /// Network seed.
    pub seed: u64,
    /// Regularizer.
    pub variant: Variant,
    /// Constant weight (0 for vanilla).
    pub weight: f64,
    /// Final MSE against the observations.
    pub mse: f64,
    /// NFE of one forward solve of the trained model over the span.
    pub nfe: usize,
    /// `Σ_steps E_est·|h|` of that solve.
    pub r_e: f64,
    /// Training CPU time per Adam iteration (ms; this process, all threads).
    pub cpu_ms_per_iter: f64,
    /// Loss per iteration (data loss + weighted regularizer).
    pub history: Vec<f64>,
    /// Iteration at which training stopped early on a failed solve, if it did.
    pub stopped_at: Option<u64>,
}

/// Errors of the spiral experiment.
#[derive(Debug, thiserror::Error)]
pub enum SpiralError {
    /// The reference solve failed.
    #[error("reference solve: {0}")]
    Solve(#[from] SolveError),
    /// Building the network failed.
    #[error("network: {0}")]
    Nn(#[from] NnError),
    /// Training or evaluation failed.
    #[error("training: {0}")]
    Train(#[from] TrainError),
}

/// Train every variant (vanilla once; local unbiased, local biased, global and the labelled
/// option local accepted once per weight) for every seed.
///
/// # Errors
/// [`SpiralError`]; a regularized run that stops on a failed solve keeps its last good
/// parameters and is reported with `stopped_at` instead.
pub fn run_spiral(cfg: &SpiralConfig) -> Result<Vec<SpiralRow>, SpiralError> {
    let (times, obs) = spiral_data()?;
    let tab = Tableau::<7>::tsit5();
    let opts = Adaptive::with_tol(cfg.rtol, cfg.atol);
    let mut rows = Vec::new();
    for &seed in &cfg.seeds {
        let net = Mlp::builder(&[2, cfg.hidden, 2])
            .seed(seed)
            .build()?
            .into_field::<2>()?;
        let p0 = net.params().to_vec();
        let adam = Adam {
            max_iters: cfg.iters,
            seed,
            ..Adam::new(cfg.lr)
        };
        let mut jobs = vec![(Variant::Vanilla, 0.0)];
        for &w in &cfg.weights {
            for v in [
                Variant::LocalUnbiased,
                Variant::LocalBiased,
                Variant::Global,
                Variant::LocalAccepted,
            ] {
                jobs.push((v, w));
            }
        }
        for (variant, w) in jobs {
            let obj = SpiralObjective {
                tab,
                opts,
                variant,
                weight: Weight::Constant(w),
                field: CubeNet(net.clone()),
                times: &times,
                obs: &obs,
                seed,
                iter: Cell::new(0),
            };
            let (res, cpu, _) = super::super::cpu::timed(|| adam.minimize(&obj, p0.clone(), None));
            let (params, history, stopped_at) = match res {
                Ok(r) => (r.params, r.history, None),
                Err(TrainError::Stopped { iter, params, .. }) if variant != Variant::Vanilla => {
                    (params, Vec::new(), Some(iter))
                }
                Err(e) => return Err(e.into()),
            };
            let (mse, nfe, r_e) = obj.fit(&params)?;
            rows.push(SpiralRow {
                seed,
                variant,
                weight: w,
                mse,
                nfe,
                r_e,
                cpu_ms_per_iter: 1e3 * cpu / cfg.iters.max(1) as f64,
                history,
                stopped_at,
            });
        }
    }
    Ok(rows)
}
