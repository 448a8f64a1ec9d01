//! `nodal repro trk-stability`: TRK4 vs RK4 on Lorenz-63 at growing step sizes
//! ([`nodal::experiments::trk_stability`]).

use super::Common;
use crate::cli::CliError;
use clap::Args;
use nodal::experiments::trk_stability::{
    run as run_experiment, verdict_table, write, Config, ForecastLoss, Init, Region,
};
use std::time::Instant;

/// Arguments of `nodal repro trk-stability`.
#[derive(Args, Debug)]
pub struct TrkStabilityArgs {
    #[command(flatten)]
    common: Common,
    /// Step sizes to run (default: 0.10 0.15 0.16 0.17 0.18 0.19 0.20 0.22 0.25).
    #[arg(long, num_args = 1.., value_delimiter = ',')]
    h: Vec<f64>,
    /// Curriculum: add a restart from the tableau learned at the previous step size (the
    /// step sizes then run in order, one after another).
    #[arg(long)]
    curriculum: bool,
    /// Validation long runs (default 10; at most the number of validation starts, 50).
    #[arg(long)]
    val_long: Option<usize>,
    /// Screening long runs of the final selection (default 0 = rank on the validation starts
    /// only; e.g. 200 selects the lowest-RMSE validation pass that keeps all 200 bounded).
    #[arg(long)]
    screen: Option<usize>,
    /// Screening forecasts: with `--screen`, the screened candidate must also keep this many
    /// further attractor starts bounded over the RMSE horizon (default 0).
    #[arg(long)]
    screen_forecasts: Option<usize>,
    /// Validation margin m: a validation pass needs validation RMSE < m·σ (default 1; the
    /// test verdict always uses σ).
    #[arg(long)]
    val_margin: Option<f64>,
    /// Order conditions enforced exactly by the projection on b (default 1 = Σb = 1; 2 adds
    /// bᵀc = 1/2).
    #[arg(long)]
    exact_order: Option<u8>,
    /// Where the stability penalty acts: `real` (default, the real segment up to 1.1·h·ρ),
    /// `spectrum` (the frozen-Jacobian spectrum along the attractor) or `both`.
    #[arg(long, value_parser = ["real", "spectrum", "both"])]
    region: Option<String>,
    /// Margin of the penalty samples (default 1.1: points at margin·h·λ).
    #[arg(long)]
    margin: Option<f64>,
    /// Training loss: `cap` (default, mean min(MSE / σ², `--cap`)), `mse` (mean MSE / σ²
    /// over the training starts) or `log` (mean ln(1 + MSE / σ²), which escaping starts
    /// cannot dominate).
    #[arg(long, value_parser = ["mse", "log", "cap"])]
    loss: Option<String>,
    /// Cap of each start's MSE / σ² under `--loss cap` (default 1).
    #[arg(long)]
    cap: Option<f64>,
    /// Weight of the escape penalty mean_k (max(0, ‖y_k‖ − R) / σ)² on the loss's
    /// forecasts (default 0.01; 0 = off).
    #[arg(long)]
    escape_weight: Option<f64>,
    /// Radius R of the escape penalty (default 60).
    #[arg(long)]
    escape_radius: Option<f64>,
    /// Forecast steps K of the training loss (default 8).
    #[arg(long)]
    k_steps: Option<usize>,
    /// Time span of the loss's forecasts: K = max(--k-steps, ceil(T / h)) at each h
    /// (default off; 2 matches the criterion's RMSE horizon).
    #[arg(long, value_name = "T")]
    k_span: Option<f64>,
    /// L-BFGS iterations after Adam from the best candidate of each of the 3 best restarts
    /// (default 50; 0 = none).
    #[arg(long)]
    lbfgs: Option<usize>,
    /// Horizon of the criterion's forecast RMSE in time units, the same for selection
    /// (validation) and verdict (test), RK4 and TRK4 (default 2).
    #[arg(long, value_name = "T")]
    rmse_horizon: Option<f64>,
    /// Restarts from RK4 plus seeded uniform noise ±0.1 (default 4), besides those from RK4
    /// and the 3/8 rule.
    #[arg(long)]
    perturbed: Option<usize>,
    /// Weight of the own-trajectory loss (default 1; only used with `--roll-every`).
    #[arg(long)]
    own_weight: Option<f64>,
    /// Iterations between own-trajectory rollouts (default 0 = train on the true attractor's
    /// starts only; e.g. 100 adds the own-trajectory loss, which lost accuracy in our runs).
    #[arg(long)]
    roll_every: Option<usize>,
    /// Most candidates screened by `--screen` (default 40; 0 = select by validation ranking
    /// only and just report the selected scheme's screened escape counts).
    #[arg(long)]
    max_screened: Option<usize>,
    /// Weight W of the dissipativity penalty W·mean(max(0, ln(V(Φ_h(y)) / max(V(y), C)))²)
    /// over attractor, shell and harvested states, V the Lorenz Lyapunov function (default 10
    /// at h ≥ `--dissip-from-h`; 0 = off).
    #[arg(long)]
    dissip_weight: Option<f64>,
    /// Largest scale factor of the dissipativity shell samples c + s(y − c), s ∈ [1, S]
    /// (default 1.2).
    #[arg(long, value_name = "S")]
    dissip_shell: Option<f64>,
    /// Number of dissipativity shell samples (default 1024).
    #[arg(long)]
    dissip_n_shell: Option<usize>,
    /// Harvest: every 100 iterations, roll the current scheme out from this many training
    /// starts and add the 5 states before V first exceeds C to the dissipativity samples
    /// (default 16; 0 = off).
    #[arg(long)]
    harvest: Option<usize>,
    /// Train with the dissipativity penalty and harvest only at step sizes h ≥ H0 (default
    /// 0.16; 0 = at every h; finite and ≥ 0).
    #[arg(long, value_name = "H0")]
    dissip_from_h: Option<f64>,
    /// Before each L-BFGS finish, harvest N times from the candidate itself (`--harvest`
    /// starts each) and keep those states in its dissipativity penalty (default 0 = none).
    #[arg(long, value_name = "N")]
    lbfgs_harvest: Option<usize>,
    /// Steps k of the dissipativity inequality V(Φ_h^j(y)) ≤ max(V(y), C), j = 1 … k, that
    /// the penalty asks for on its samples (default 1; ≥ 1; the penalty costs about k times
    /// as much).
    #[arg(long, value_name = "K")]
    dissip_steps: Option<usize>,
}

/// Run the experiment, write its tables and plots, print the verdict table.
pub fn run(args: &TrkStabilityArgs) -> Result<(), CliError> {
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
    if args.curriculum && !cfg.inits.contains(&Init::Previous) {
        cfg.inits.push(Init::Previous);
    }
    set_some!(
        cfg.n_val_long => args.val_long,
        cfg.n_screen_long => args.screen,
        cfg.n_screen_forecasts => args.screen_forecasts,
        cfg.val_margin => args.val_margin,
        cfg.exact_order => args.exact_order,
        cfg.margin => args.margin,
    );
    if let Some(r) = &args.region {
        cfg.region = match r.as_str() {
            "spectrum" => Region::Spectrum,
            "both" => Region::Both,
            _ => Region::RealSegment,
        };
    }
    if let Some(l) = &args.loss {
        cfg.loss = match l.as_str() {
            "log" => ForecastLoss::LogMse,
            "cap" => ForecastLoss::Capped(1.0),
            _ => ForecastLoss::Mse,
        };
    }
    if let (ForecastLoss::Capped(_), Some(c)) = (cfg.loss, args.cap) {
        cfg.loss = ForecastLoss::Capped(c);
    }
    if let Some(n) = args.perturbed {
        cfg.inits.retain(|i| !matches!(i, Init::Perturbed(_)));
        cfg.inits
            .extend(std::iter::repeat_n(Init::Perturbed(0.1), n));
    }
    set_some!(
        cfg.own_weight => args.own_weight,
        cfg.roll_every => args.roll_every,
        cfg.escape_weight => args.escape_weight,
        cfg.escape_radius => args.escape_radius,
        cfg.k_steps => args.k_steps,
        cfg.k_span => args.k_span,
        cfg.horizon => args.rmse_horizon,
        cfg.lbfgs_iters => args.lbfgs,
        cfg.max_screened => args.max_screened,
        cfg.dissip_weight => args.dissip_weight,
        cfg.dissip_shell => args.dissip_shell,
        cfg.dissip_n_shell => args.dissip_n_shell,
        cfg.harvest => args.harvest,
        cfg.dissip_from_h => args.dissip_from_h,
        cfg.lbfgs_harvest => args.lbfgs_harvest,
        cfg.dissip_steps => args.dissip_steps,
    );
    let start = Instant::now();
    let out = run_experiment(&cfg)?;
    write(&out, &c.out)?;
    print!(
        "{}",
        verdict_table(&out)
            .to_markdown()
            .map_err(nodal::experiments::trk_error::TrkError::from)?
    );
    println!(
        "stiffest decay ρ = {:.4}, max |Im λ| = {:.4}, σ = {:.4}; {:.1} s; wrote {}",
        out.stiffest,
        out.max_imag,
        out.sigma,
        start.elapsed().as_secs_f64(),
        c.out.display()
    );
    Ok(())
}
