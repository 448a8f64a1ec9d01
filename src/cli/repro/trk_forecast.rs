//! `nodal repro trk-forecast`: identify Lorenz-63 from sparse observations with Euler, RK4,
//! Dopri8, TRK10 and SINDy ([`nodal::experiments::trk_forecast`]).

use super::Common;
use crate::cli::CliError;
use clap::{Args, ValueEnum};
use nodal::experiments::trk_error::TrkError;
use nodal::experiments::trk_forecast::{
    results_table, run as run_experiment, trk::TrkInit, write, Config, Method, WarmStart,
};
use std::time::Instant;

/// Arguments of `nodal repro trk-forecast`.
#[derive(Args, Debug)]
pub struct TrkForecastArgs {
    #[command(flatten)]
    common: Common,
    /// Sampling intervals (default: 0.2 0.3 0.4).
    #[arg(long, num_args = 1.., value_delimiter = ',')]
    h: Vec<f64>,
    /// Observation noise standard deviation in state units (default 0).
    #[arg(long)]
    noise: Option<f64>,
    /// Adam iterations on one-step pairs (default 500).
    #[arg(long)]
    iters: Option<u64>,
    /// L-BFGS iterations on one-step pairs (default 2000).
    #[arg(long)]
    lbfgs_iters: Option<u64>,
    /// L-BFGS iterations on full windows (default 100).
    #[arg(long)]
    horizon_iters: Option<u64>,
    /// Window lengths (steps) trained in turn before the full windows, e.g. `2` for a
    /// 1 → 2 → 4-step curriculum (default 2).
    #[arg(long, num_args = 1.., value_delimiter = ',', conflicts_with = "no_curriculum")]
    curriculum: Vec<usize>,
    /// No curriculum: from one-step pairs straight to the full windows.
    #[arg(long)]
    no_curriculum: bool,
    /// Tolerance (rtol = atol) of Dopri8 in training and forecasting (default 1e-4).
    #[arg(long)]
    dopri8_tol: Option<f64>,
    /// Length of the training stretch in time units (default 120).
    #[arg(long)]
    train_span: Option<f64>,
    /// Hidden widths of the MLP (default 32,32).
    #[arg(long, num_args = 1.., value_delimiter = ',')]
    hidden: Vec<usize>,
    /// TRK10: rate of the tableau's parameters relative to θ during Adam (default 0 = frozen).
    #[arg(long)]
    phi_adam: Option<f64>,
    /// TRK10: rate of the tableau's parameters relative to θ during L-BFGS (default 1).
    #[arg(long)]
    phi_lbfgs: Option<f64>,
    /// TRK10's starting scheme (default euler-first: Euler plus nine zero-weight midpoint
    /// stages).
    #[arg(long, value_enum)]
    trk_init: Option<TrkInitArg>,
    /// Fraction of the iteration budget Dopri8 gets (default 0.075).
    #[arg(long)]
    dopri8_budget: Option<f64>,
    /// Peak Adam learning rate (default 1e-2).
    #[arg(long)]
    lr: Option<f64>,
    /// Methods that start from the trained Euler model's θ (no Adam, `--warm-lbfgs-iters`
    /// one-step L-BFGS iterations; default trk10).
    #[arg(long, num_args = 1.., value_delimiter = ',', conflicts_with = "no_from_euler")]
    from_euler: Vec<MethodArg>,
    /// Every method starts from the random MLP (TRK10 then runs the full schedule).
    #[arg(long)]
    no_from_euler: bool,
    /// One-step L-BFGS iterations of the methods started from the warm start (default 200).
    #[arg(long)]
    warm_lbfgs_iters: Option<u64>,
    /// Where the methods of `--from-euler` start: `euler` (the trained Euler model's θ,
    /// default) or `derivative` (θ fitted to central-difference derivative estimates).
    #[arg(long, value_enum)]
    init_fit: Option<InitFitArg>,
    /// Half width m of the derivative fit's central differences (2m + 1 points; default 3).
    #[arg(long)]
    derivative_stencil: Option<usize>,
    /// L-BFGS iterations of the derivative fit (default 2000).
    #[arg(long)]
    derivative_iters: Option<u64>,
    /// Methods to run (default all).
    #[arg(long, num_args = 1.., value_delimiter = ',')]
    methods: Vec<MethodArg>,
}

/// A method on the command line.
#[derive(Clone, Copy, Debug, ValueEnum)]
enum MethodArg {
    Sindy,
    Euler,
    Rk4,
    Dopri8,
    Trk10,
}

/// The warm start on the command line.
#[derive(Clone, Copy, Debug, ValueEnum)]
enum InitFitArg {
    Euler,
    Derivative,
}

/// TRK10's starting scheme on the command line.
#[derive(Clone, Copy, Debug, ValueEnum)]
enum TrkInitArg {
    Rk4Halves,
    MidpointFifths,
    EulerFirst,
}

impl From<TrkInitArg> for TrkInit {
    fn from(m: TrkInitArg) -> Self {
        match m {
            TrkInitArg::Rk4Halves => TrkInit::Rk4Halves,
            TrkInitArg::MidpointFifths => TrkInit::MidpointFifths,
            TrkInitArg::EulerFirst => TrkInit::EulerFirst,
        }
    }
}

impl From<MethodArg> for Method {
    fn from(m: MethodArg) -> Self {
        match m {
            MethodArg::Sindy => Method::Sindy,
            MethodArg::Euler => Method::Euler,
            MethodArg::Rk4 => Method::Rk4,
            MethodArg::Dopri8 => Method::Dopri8,
            MethodArg::Trk10 => Method::Trk10,
        }
    }
}

/// Run the experiment, write its tables, print the results table.
pub fn run(args: &TrkForecastArgs) -> Result<(), CliError> {
    let c = &args.common;
    let mut cfg = if c.quick {
        Config::quick()
    } else {
        Config::default()
    };
    cfg.seed = c.seed;
    if !args.h.is_empty() {
        cfg.hs = args.h.clone();
    }
    set_some!(
        cfg.noise => args.noise,
        cfg.iters => args.iters,
        cfg.lbfgs_iters => args.lbfgs_iters,
        cfg.horizon_iters => args.horizon_iters,
        cfg.phi_adam => args.phi_adam,
        cfg.phi_lbfgs => args.phi_lbfgs,
    );
    if let Some(i) = args.trk_init {
        cfg.trk_init = Some(i.into());
    }
    if !args.curriculum.is_empty() {
        cfg.curriculum = args.curriculum.clone();
    }
    if args.no_curriculum {
        cfg.curriculum.clear();
    }
    set_some!(
        cfg.dopri8_tol => args.dopri8_tol,
        cfg.dopri8_budget => args.dopri8_budget,
        cfg.lr => args.lr,
        cfg.train_span => args.train_span,
        cfg.warm_lbfgs_iters => args.warm_lbfgs_iters,
        cfg.derivative_stencil => args.derivative_stencil,
        cfg.derivative_iters => args.derivative_iters,
    );
    if let Some(w) = args.init_fit {
        cfg.warm_start = match w {
            InitFitArg::Euler => WarmStart::Euler,
            InitFitArg::Derivative => WarmStart::Derivative,
        };
    }
    if !args.from_euler.is_empty() {
        cfg.from_euler = args.from_euler.iter().map(|&m| m.into()).collect();
    }
    if args.no_from_euler {
        cfg.from_euler.clear();
    }
    if !args.hidden.is_empty() {
        cfg.hidden = args.hidden.clone();
    }
    if !args.methods.is_empty() {
        cfg.methods = args.methods.iter().map(|&m| m.into()).collect();
    }
    let start = Instant::now();
    let cpu0 = nodal::experiments::cpu::process_cpu_seconds();
    let out = run_experiment(&cfg)?;
    write(&out, &c.out)?;
    print!(
        "{}",
        results_table(&out).to_markdown().map_err(TrkError::from)?
    );
    let cpu = match (cpu0, nodal::experiments::cpu::process_cpu_seconds()) {
        (Some(a), Some(b)) => format!("{:.1} s CPU", b - a),
        _ => "CPU time unavailable".into(),
    };
    println!(
        "{:.1} s wall, {cpu}; wrote {}",
        start.elapsed().as_secs_f64(),
        c.out.display()
    );
    Ok(())
}
