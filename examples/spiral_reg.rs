//! SCIENCE §2 time-series experiment: fit the 2-D cubic spiral `z' = A z³` (element-wise cube,
//! A = [[-0.1, 2], [-2, -0.1]], z(0) = (2, 0), 30 observations on [0, 1.5]) with a neural ODE
//! `z' = MLP(z³)` (2-16-2 tanh), with and without the local error regularizer, and compare the
//! NFE of the trained models at comparable MSE.
//!
//! Training: tsit5 at rtol 1e-6 / atol 1e-8, discrete adjoint, Adam (lr `--lr`, default 1e-2,
//! `--iters` iterations, default 500). Regularized runs add `w·E_est(t_r)·|h(t_r)|` with `t_r`
//! from the unbiased or biased sampler (seeded), `w` constant (`--weight`, default 100).
//! For each of `--seeds` network seeds (default 3) it prints the final MSE and the NFE of one
//! forward solve of the trained model (the same solver settings).
//!
//! Run: `cargo run --release --example spiral_reg -- [--iters 500] [--lr 1e-2] [--weight 100] [--seeds 3]`

use nodal::integrate::solve_adaptive_with;
use nodal::nn::{Mlp, MlpField};
use nodal::regularize::{
    Biased, Local, OneStep, Regularizer, StepRecorder, TimeSampler, Unbiased, Weight,
};
use nodal::train::{Adam, NodeProblem, Objective, TimeSeries, TrainError};
use nodal::{solve_at, Adaptive, ParamField, State, Stepping, Tableau, VectorField};
use std::cell::{Cell, RefCell};

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

/// Data loss (MSE through the solver, from `NodeProblem`) plus `w(k)·R_local`.
struct Regularized<'a, Sm> {
    prob: &'a NodeProblem<7, 2, CubeNet>,
    tab: Tableau<7>,
    opts: Adaptive,
    span: (f64, f64),
    y0: State<2>,
    reg: RefCell<Local<Sm>>,
    weight: Weight,
    iter: Cell<usize>,
}

impl<Sm: TimeSampler<f64>> Objective for Regularized<'_, Sm> {
    fn n_params(&self) -> usize {
        self.prob.n_params()
    }
    fn eval(&self, params: &[f64], batch: &[usize]) -> Result<(f64, Vec<f64>), TrainError> {
        let (mut loss, mut grad) = self.prob.eval(params, batch)?;
        let f = self.prob.field_with(params)?;
        let mut rec = StepRecorder::new(&self.tab);
        solve_adaptive_with(
            &self.tab,
            &f,
            self.span.0,
            self.span.1,
            self.y0,
            &self.opts,
            &mut rec,
        )
        .map_err(|source| TrainError::Solve {
            trajectory: 0,
            source,
        })?;
        let k = self.iter.get();
        self.iter.set(k + 1);
        let w = self.weight.at(k).map_err(|e| TrainError::InvalidOption {
            name: "weight",
            value: f64::NAN,
            expected: leak(e.to_string()),
        })?;
        let r = self
            .reg
            .borrow_mut()
            .value_and_grad(&self.tab, &f, &rec, w, &mut grad)
            .map_err(|e| TrainError::InvalidOption {
                name: "regularizer",
                value: f64::NAN,
                expected: leak(e.to_string()),
            })?;
        loss += w * r.value;
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
    weight: f64,
    seeds: u64,
}

fn parse() -> Result<Opts, String> {
    let mut o = Opts {
        iters: 500,
        lr: 1e-2,
        weight: 100.0,
        seeds: 3,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    for pair in args.chunks(2) {
        let v = pair.get(1).ok_or(format!("{} needs a value", pair[0]))?;
        let num = v.parse::<f64>().map_err(|e| format!("{}: {e}", pair[0]))?;
        match pair[0].as_str() {
            "--iters" => o.iters = num as u64,
            "--lr" => o.lr = num,
            "--weight" => o.weight = num,
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
    let (t0, t1) = (0.0, 1.5);
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
    println!(
        "Adam lr {:e}, {} iterations; local error regularizer weight {} (constant)",
        o.lr, o.iters, o.weight
    );
    println!("seed | method          | MSE        | NFE | w*R (last)");
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
        for method in ["vanilla", "local unbiased", "local biased"] {
            let (params, last_r) = match method {
                "vanilla" => (adam.minimize(&prob, p0.clone(), None)?.params, 0.0),
                "local unbiased" => run(
                    &prob,
                    &adam,
                    &p0,
                    tab,
                    opts,
                    y0,
                    o.weight,
                    Unbiased::new(seed),
                )?,
                _ => run(
                    &prob,
                    &adam,
                    &p0,
                    tab,
                    opts,
                    y0,
                    o.weight,
                    Biased::new(seed),
                )?,
            };
            let mse = prob.loss(&params, &[0])?;
            let nfe = prob.predict(&params, 0)?.stats.nfe;
            println!("{seed:4} | {method:15} | {mse:.4e} | {nfe:3} | {last_r:.3e}");
        }
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn run<Sm: TimeSampler<f64>>(
    prob: &NodeProblem<7, 2, CubeNet>,
    adam: &Adam,
    p0: &[f64],
    tab: Tableau<7>,
    opts: Adaptive,
    y0: State<2>,
    weight: f64,
    sampler: Sm,
) -> Result<(Vec<f64>, f64), Box<dyn std::error::Error>> {
    let obj = Regularized {
        prob,
        tab,
        opts,
        span: (0.0, 1.5),
        y0,
        reg: RefCell::new(Local::new(OneStep::error(opts.rtol, opts.atol), sampler)),
        weight: Weight::Constant(weight),
        iter: Cell::new(0),
    };
    let r = adam.minimize(&obj, p0.to_vec(), None)?;
    // w·R at the final parameters, on a fresh sample (reported, not optimized).
    let f = prob.field_with(&r.params)?;
    let mut rec = StepRecorder::new(&tab);
    solve_adaptive_with(&tab, &f, 0.0, 1.5, y0, &opts, &mut rec)?;
    let mut g = vec![0.0; r.params.len()];
    let ev = obj
        .reg
        .borrow_mut()
        .value_and_grad(&tab, &f, &rec, weight, &mut g)?;
    Ok((r.params, weight * ev.value))
}
