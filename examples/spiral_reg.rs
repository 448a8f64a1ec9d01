//! SCIENCE §2 time-series experiment: fit the 2-D cubic spiral `z' = A z³` (element-wise cube,
//! A = [[-0.1, 2], [-2, -0.1]], z(0) = (2, 0), 30 observations on [0, 1.5]) with a neural ODE
//! `z' = MLP(z³)` (2-16-2 tanh), without regularization, with the local error regularizer
//! (unbiased and biased samplers) and with the global one (sum over steps, through the discrete
//! adjoint), and compare the NFE of the trained models at comparable MSE.
//!
//! Training: tsit5 at rtol 1e-6 / atol 1e-8, discrete adjoint, Adam (lr `--lr`, default 1e-2,
//! `--iters` iterations, default 2000). Regularized runs add `w·E_est(t_r)·|h(t_r)|` with `t_r`
//! from the unbiased or biased sampler (seeded), `w` constant (`--weights`, default
//! 0.003,0.01,0.03; the gradient of `E_est` does not shrink with `E_est` — it behaves like an
//! L1 penalty on the scaled error — so weights that matter are small).
//! For each of `--seeds` network seeds (default 3) it prints the final MSE and the NFE of one
//! forward solve of the trained model (the same solver settings).
//!
//! Run: `cargo run --release --example spiral_reg -- [--iters 2000] [--lr 1e-2] [--weights 0.003,0.01,0.03] [--seeds 3]`

use nodal::integrate::solve_adaptive_with;
use nodal::nn::{Mlp, MlpField};
use nodal::regularize::{
    Biased, Global, Local, OneStep, Reduction, RegularizeError, Regularizer, StepRecorder,
    Unbiased, Weight,
};
use nodal::sensitivity::record;
use nodal::train::{Adam, NodeProblem, Objective, TimeSeries, TrainError};
use nodal::{solve_at, Adaptive, ParamField, State, Stepping, Tableau, VectorField};
use std::cell::{Cell, RefCell};
use std::time::Instant;

/// The time span of the data.
const T0: f64 = 0.0;
const T1: f64 = 1.5;

/// `z' = MLP(z³)`: the cube is the known feature of the spiral (as in DiffEqFlux's example).
#[derive(Clone, Debug)]
struct CubeNet(MlpField<2>);

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

/// The regularizer a run trains with.
enum Penalty {
    LocalUnbiased(Local<Unbiased>),
    LocalBiased(Local<Biased>),
    Global(Global),
}

impl Penalty {
    fn name(&self) -> &'static str {
        match self {
            Penalty::LocalUnbiased(_) => "local unbiased",
            Penalty::LocalBiased(_) => "local biased",
            Penalty::Global(_) => "global (sum)",
        }
    }
}

/// Data loss (MSE through the solver, from `NodeProblem`) plus `w(k)·R`.
struct Regularized<'a> {
    prob: &'a NodeProblem<7, 2, CubeNet>,
    tab: Tableau<7>,
    opts: Adaptive,
    y0: State<2>,
    pen: RefCell<Penalty>,
    weight: Weight,
    iter: Cell<usize>,
}

fn reg_err(e: RegularizeError) -> TrainError {
    TrainError::InvalidOption {
        name: "regularizer",
        value: f64::NAN,
        expected: leak(e.to_string()),
    }
}

impl Objective for Regularized<'_> {
    fn n_params(&self) -> usize {
        self.prob.n_params()
    }
    fn eval(&self, params: &[f64], batch: &[usize]) -> Result<(f64, Vec<f64>), TrainError> {
        let (mut loss, mut grad) = self.prob.eval(params, batch)?;
        let f = self.prob.field_with(params)?;
        let k = self.iter.get();
        self.iter.set(k + 1);
        let w = self.weight.at(k).map_err(reg_err)?;
        let solve_err = |source| TrainError::Solve {
            trajectory: 0,
            source,
        };
        let (tab, opts) = (&self.tab, &self.opts);
        let r = match &mut *self.pen.borrow_mut() {
            Penalty::Global(g) => {
                let tape = record(tab, &f, T0, self.y0, &[T1], &Stepping::Adaptive(*opts))
                    .map_err(solve_err)?;
                g.value_and_grad(tab, &f, &tape, w, &mut grad)
                    .map_err(reg_err)?
                    .value
            }
            local => {
                let mut rec = StepRecorder::new(tab);
                solve_adaptive_with(tab, &f, T0, T1, self.y0, opts, &mut rec).map_err(solve_err)?;
                match local {
                    Penalty::LocalUnbiased(l) => l.value_and_grad(tab, &f, &rec, w, &mut grad),
                    Penalty::LocalBiased(l) => l.value_and_grad(tab, &f, &rec, w, &mut grad),
                    Penalty::Global(_) => unreachable!("handled above"),
                }
                .map_err(reg_err)?
                .value
            }
        };
        loss += w * r;
        Ok((loss, grad))
    }
    fn loss(&self, params: &[f64], batch: &[usize]) -> Result<f64, TrainError> {
        self.prob.loss(params, batch)
    }
}

/// TrainError's option variant wants a `&'static str`; errors here end the run anyway.
fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

struct Opts {
    iters: u64,
    lr: f64,
    weights: Vec<f64>,
    seeds: u64,
}

fn parse() -> Result<Opts, String> {
    let mut o = Opts {
        iters: 2000,
        lr: 1e-2,
        weights: vec![0.003, 0.01, 0.03],
        seeds: 3,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    for pair in args.chunks(2) {
        let v = pair.get(1).ok_or(format!("{} needs a value", pair[0]))?;
        if pair[0] == "--weights" {
            o.weights = v
                .split(',')
                .map(|w| w.parse::<f64>().map_err(|e| format!("--weights: {e}")))
                .collect::<Result<_, _>>()?;
            continue;
        }
        let num = v.parse::<f64>().map_err(|e| format!("{}: {e}", pair[0]))?;
        match pair[0].as_str() {
            "--iters" => o.iters = num as u64,
            "--lr" => o.lr = num,
            "--seeds" => o.seeds = num as u64,
            other => return Err(format!("unknown option {other}")),
        }
    }
    Ok(o)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let o = parse()?;
    let a = nalgebra::Matrix2::new(-0.1, 2.0, -2.0, -0.1);
    let truth_f = move |_t: f64, z: &State<2>| a * z.map(|v| v * v * v);
    let (t0, t1) = (T0, T1);
    let times: Vec<f64> = (0..30).map(|i| t1 * i as f64 / 29.0).collect();
    let y0 = State::<2>::new(2.0, 0.0);
    let truth = solve_at(
        &Tableau::<12>::dop853(),
        &truth_f,
        t0,
        y0,
        &times,
        &Stepping::Adaptive(Adaptive::with_tol(1e-12, 1e-12)),
    )?;
    let tab = Tableau::<7>::tsit5();
    let opts = Adaptive::with_tol(1e-6, 1e-8);
    let data = vec![TimeSeries::new(times, truth.y, None)?];
    println!(
        "spiral z' = A z^3, 30 observations on [0, 1.5]; model z' = MLP(z^3) 2-16-2 tanh; tsit5 rtol 1e-6 atol 1e-8"
    );
    let truth_nfe = solve_at(&tab, &truth_f, t0, y0, &[t1], &Stepping::Adaptive(opts))?
        .stats
        .nfe;
    println!("NFE of the true field with the same solver: {truth_nfe}");
    println!(
        "Adam lr {:e}, {} iterations; local (unbiased, biased) and global error regularizers, constant weights {:?}",
        o.lr, o.iters, o.weights
    );
    println!(
        "R_E = sum over accepted steps of E_est*|h| of the trained model's solve (the global error quantity)"
    );
    println!(
        "ms/iter: wall-clock training time per Adam iteration (shared machine: indicative only)"
    );
    println!("seed | method          | weight  | MSE        | NFE | R_E       | ms/iter");
    for seed in 0..o.seeds {
        let net = Mlp::builder(&[2, 16, 2])
            .seed(seed)
            .build()?
            .into_field::<2>()?;
        let prob = NodeProblem::new(tab, CubeNet(net), data.clone(), Stepping::Adaptive(opts))?;
        let p0 = prob.initial_params();
        let adam = Adam {
            max_iters: o.iters,
            seed,
            ..Adam::new(o.lr)
        };
        let clock = Instant::now();
        let params = adam.minimize(&prob, p0.clone(), None)?.params;
        let ms = 1e3 * clock.elapsed().as_secs_f64() / o.iters as f64;
        report(&prob, &params, seed, "vanilla", 0.0, ms, tab, opts, y0)?;
        let one = OneStep::error(opts.rtol, opts.atol);
        for &w in &o.weights {
            for pen in [
                Penalty::LocalUnbiased(Local::new(one, Unbiased::new(seed))),
                Penalty::LocalBiased(Local::new(one, Biased::new(seed))),
                Penalty::Global(Global::new(one)),
            ] {
                let name = pen.name();
                let obj = Regularized {
                    prob: &prob,
                    tab,
                    opts,
                    y0,
                    pen: RefCell::new(pen),
                    weight: Weight::Constant(w),
                    iter: Cell::new(0),
                };
                let clock = Instant::now();
                let params = match adam.minimize(&obj, p0.clone(), None) {
                    Ok(r) => r.params,
                    Err(TrainError::Stopped {
                        iter,
                        params,
                        source,
                    }) => {
                        println!(
                            "{seed:4} | {name:15} | {w:7} | stopped at iteration {iter}: {source}"
                        );
                        params
                    }
                    Err(e) => return Err(e.into()),
                };
                let ms = 1e3 * clock.elapsed().as_secs_f64() / o.iters as f64;
                report(&prob, &params, seed, name, w, ms, tab, opts, y0)?;
            }
        }
    }
    Ok(())
}

/// Print MSE, NFE, R_E and the training time per iteration of a trained model.
#[allow(clippy::too_many_arguments)]
fn report(
    prob: &NodeProblem<7, 2, CubeNet>,
    params: &[f64],
    seed: u64,
    name: &str,
    w: f64,
    ms_per_iter: f64,
    tab: Tableau<7>,
    opts: Adaptive,
    y0: State<2>,
) -> Result<(), Box<dyn std::error::Error>> {
    let mse = prob.loss(params, &[0])?;
    let nfe = prob.predict(params, 0)?.stats.nfe;
    let f = prob.field_with(params)?;
    let mut rec = StepRecorder::new(&tab);
    solve_adaptive_with(&tab, &f, T0, T1, y0, &opts, &mut rec)?;
    let re = rec.error_total(Reduction::Sum);
    println!("{seed:4} | {name:15} | {w:7} | {mse:.4e} | {nfe:3} | {re:.3e} | {ms_per_iter:.2}");
    Ok(())
}
