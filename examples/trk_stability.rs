//! trk-stability (SCIENCE §1, figure (a)): can a trained 4-stage explicit scheme (TRK4)
//! integrate Lorenz-63 at step sizes where classical RK4 fails?
//!
//! For each h, only the tableau is trained (the vector field is the known Lorenz-63), starting
//! from RK4, with the row-sum parameterisation of `nodal::trainable::TrainableTableau` (c₁ = 0,
//! 10 free parameters) and the exact projection Σb = 1 after every Adam step.
//!
//! * Data: states on the attractor (DOP853 at rtol = atol = 1e-12 from (1, 1, 1), transient of
//!   25 time units dropped). Training starts: 1024 states spaced 0.5 apart; test starts: 50
//!   other states spaced 0.5 apart, later on the same trajectory (disjoint from training).
//!   σ² = pooled per-component variance of 640 attractor states (spacing 0.05) in the training
//!   window.
//! * Loss: multi-step forecast MSE / σ², `mean_{n,k,i} (y_k,i − y_ref(t_n + k h)_i)² / σ²`
//!   over K = 8 steps from each training start (a trajectory that leaves ‖y‖ ≤ 1e3 counts its
//!   last finite error for every remaining step), plus `μ · mean(max(0, |R(w)| − 1)²)`, μ = 1e3,
//!   over 200 points of the real segment `[−1.1·h·ρ, 0)`, ρ = the largest `−Re λ` of
//!   `∂f/∂y` over the 640 training-window states (a 10 % margin beyond the stiffest decay).
//!   Gradient of the MSE: exact forward mode, `num_dual::DualSVec64<10>` seeded in the 10
//!   parameters and propagated through `solve_fixed` (with 10 parameters one forward pass
//!   gives the whole gradient exactly; the discrete-adjoint route through
//!   `grad_from_tableau` is checked in `tests/trainable_adjoint.rs`); gradient of the penalty: `stability_penalty`'s analytic one, mapped to the
//!   parameters by `TrainableTableau::grad_from_tableau`.
//! * Optimizer: Adam, lr 1e-2, β = (0.9, 0.999), 1000 iterations, projection after each step.
//!   Model selection on training data only: every 20 iterations the iterate is a candidate,
//!   ranked first by how many of the 1024 training starts stay bounded (‖y‖ ≤ 1e3) over 400
//!   steps, then by loss.
//! * **Pass criterion** (applied identically to RK4 and TRK4): (1) bounded: from each of the
//!   first 5 test starts, 10⁴ steps of size h keep every state finite with ‖y‖₂ ≤ 1000 (far
//!   outside the attractor); and (2) accurate: RMSE over the 50 test starts, all step times
//!   in (0, 2] and the 3 components, against DOP853 (1e-12), below σ (the attractor's pooled
//!   per-component standard deviation, printed; a forecast with RMSE above σ has no skill
//!   over predicting the mean). A test start whose forecast fails inside (0, 2] makes the
//!   RMSE infinite.
//!
//! Run: `cargo run --release --example trk_stability [OUT_DIR]` (default `target/trk_stability`);
//! it prints the table and the learned tableaus and writes `regions.svg` (learned stability
//! regions per h with RK4's) into OUT_DIR.

use nalgebra::{Const, Matrix3, U1};
use nodal::systems::Lorenz63;
use nodal::tableau::stability::real_stability_interval;
use nodal::trainable::plot::{plot_stability_regions, RegionCurve};
use nodal::trainable::{report, stability_penalty, StabilitySamples, TrainableTableau};
use nodal::{solve_at, solve_fixed, Adaptive, State, Stepping, Tableau};
use num_dual::DualSVec64;
use rayon::prelude::*;

const HS: [f64; 9] = [0.10, 0.15, 0.16, 0.17, 0.18, 0.19, 0.20, 0.22, 0.25];
const N_TRAIN: usize = 1024;
const N_TEST: usize = 50;
const SPACING: f64 = 0.5;
const TRANSIENT: f64 = 25.0;
const K_STEPS: usize = 8;
const MU: f64 = 1e3;
const ITERS: usize = 1000;
const LR: f64 = 1e-2;
const HORIZON: f64 = 2.0;
const LONG_STEPS: usize = 10_000;
const LONG_STARTS: usize = 5;
const CHECK_EVERY: usize = 20;
const SELECT_STEPS: usize = 400;
const BOUND: f64 = 1e3;
const REF_TOL: f64 = 1e-12;
/// Jacobian samples for the stability penalty: this many states spaced `JAC_SPACING` apart.
const N_JAC: usize = 640;
/// Safety margin: the penalty asks for stability at `MARGIN · h · eig(∂f/∂y)`.
const MARGIN: f64 = 1.1;
const JAC_SPACING: f64 = 0.05;

type Trk4 = TrainableTableau<4>;
type D10 = DualSVec64<10>;

fn reference() -> Adaptive<f64> {
    Adaptive::with_tol(REF_TOL, REF_TOL)
}

/// States on the attractor: `n` states spaced `spacing` apart starting `skip` spacings after
/// the transient.
fn attractor_states(skip: usize, n: usize, spacing: f64) -> Vec<State<3>> {
    let f = Lorenz63::default();
    let times: Vec<f64> = (0..n)
        .map(|k| TRANSIENT + spacing * (skip + k) as f64)
        .collect();
    solve_at(
        &Tableau::dop853(),
        &f,
        0.0,
        State::<3>::new(1.0, 1.0, 1.0),
        &times,
        &Stepping::Adaptive(reference()),
    )
    .expect("reference solve")
    .y
}

/// DOP853 reference at `t = h, 2h, …, steps·h` from `y0`.
fn reference_path(y0: State<3>, h: f64, steps: usize) -> Vec<State<3>> {
    let times: Vec<f64> = (1..=steps).map(|k| h * k as f64).collect();
    solve_at(
        &Tableau::dop853(),
        &Lorenz63::default(),
        0.0,
        y0,
        &times,
        &Stepping::Adaptive(reference()),
    )
    .expect("reference solve")
    .y
}

fn jacobian(y: &State<3>) -> Matrix3<f64> {
    let (s, r, b) = (10.0, 28.0, 8.0 / 3.0);
    Matrix3::new(-s, s, 0.0, r - y[2], -1.0, -y[0], y[1], y[0], -b)
}

/// Forecast MSE and its exact gradient in φ (forward mode, 10 dual directions).
fn forecast_loss(
    phi: &[f64],
    starts: &[State<3>],
    refs: &[Vec<State<3>>],
    h: f64,
    var: f64,
) -> (f64, [f64; 10]) {
    let pd: Vec<D10> = phi
        .iter()
        .enumerate()
        .map(|(k, &p)| D10::from_re(p).derivative(k))
        .collect();
    let tab = Trk4::tableau_from_params(&pd).expect("10 parameters");
    let f = Lorenz63::<D10>::default();
    let hd = D10::from_re(h);
    let mut sum = D10::from_re(0.0);
    for (y0, r) in starts.iter().zip(refs) {
        let mut y: State<3, D10> = y0.map(D10::from_re);
        let mut t = D10::from_re(0.0);
        let mut last = D10::from_re(0.0);
        for (k, yr) in r.iter().enumerate() {
            match solve_fixed(&tab, &f, t, t + hd, y, hd) {
                Ok((yn, _)) if yn.map(|v| v.re).norm() <= BOUND => y = yn,
                _ => {
                    // Left the bound: the remaining steps each count the last finite error,
                    // so leaving early never lowers the loss.
                    sum += last * (r.len() - k) as f64;
                    break;
                }
            }
            t += hd;
            last = D10::from_re(0.0);
            for i in 0..3 {
                let e = y[i] - yr[i];
                last += e * e;
            }
            sum += last;
        }
    }
    let n = (starts.len() * K_STEPS * 3) as f64 * var;
    let g = sum.eps.unwrap_generic(Const::<10>, U1);
    let mut grad = [0.0; 10];
    for k in 0..10 {
        grad[k] = g[k] / n;
    }
    (sum.re / n, grad)
}

struct Trained {
    tab: Tableau<4>,
    loss: f64,
    penalty: f64,
    sum_b_residual: f64,
}

fn train(h: f64, starts: &[State<3>], jac_states: &[State<3>], var: f64) -> Trained {
    let refs: Vec<Vec<State<3>>> = starts
        .iter()
        .map(|y| reference_path(*y, h, K_STEPS))
        .collect();
    let jacs: Vec<Matrix3<f64>> = jac_states.iter().map(jacobian).collect();
    let samples = {
        let stiff = jacs
            .iter()
            .flat_map(|j| {
                j.complex_eigenvalues()
                    .iter()
                    .map(|l| -l.re)
                    .collect::<Vec<_>>()
            })
            .fold(0.0f64, f64::max);
        StabilitySamples::real_segment(stiff * h * MARGIN, 200).expect("positive segment")
    };
    let mut trk = Trk4::from_tableau(&Tableau::rk4(), 1).expect("rk4 is explicit");
    let mut phi = trk.params().to_vec();
    let (mut m, mut v) = ([0.0; 10], [0.0; 10]);
    // Model selection on training data only: every CHECK_EVERY iterations the iterate is a
    // candidate; candidates that stay bounded over 10⁴ steps from the first LONG_STARTS
    // training starts rank before unbounded ones, then by loss.
    let mut best = (0usize, f64::INFINITY, phi.clone(), 0.0, 0.0);
    let mut max_residual: f64 = 0.0;
    for it in 1..=ITERS + 1 {
        let (mse, gl) = forecast_loss(&phi, starts, &refs, h, var);
        let tab = trk.tableau();
        let pen = stability_penalty(&tab.a, &tab.b, &samples).expect("explicit");
        let gp = Trk4::grad_from_tableau(&pen.grad_a, &pen.grad_b, &[0.0; 4]);
        let loss = mse + MU * pen.value;
        if (it - 1) % CHECK_EVERY == 0 || it > ITERS {
            let ok = survivors(&tab, h, starts);
            if ok > best.0 || (ok == best.0 && loss < best.1) {
                best = (ok, loss, phi.clone(), mse, pen.value);
            }
        }
        if it > ITERS {
            break;
        }
        for k in 0..10 {
            let g = gl[k] + MU * gp[k];
            m[k] = 0.9 * m[k] + 0.1 * g;
            v[k] = 0.999 * v[k] + 0.001 * g * g;
            let mh = m[k] / (1.0 - 0.9f64.powi(it as i32));
            let vh = v[k] / (1.0 - 0.999f64.powi(it as i32));
            phi[k] -= LR * mh / (vh.sqrt() + 1e-12);
        }
        trk.set_params(&phi).expect("finite step");
        let p = trk.project().expect("order 1 is always feasible");
        max_residual = max_residual.max(p.sum_b_residual);
        phi.copy_from_slice(trk.params());
    }
    trk.set_params(&best.2).expect("finite");
    Trained {
        tab: trk.tableau(),
        loss: best.3,
        penalty: best.4,
        sum_b_residual: max_residual,
    }
}

/// The pass criterion: (bounded over 10⁴ steps from the first 5 test starts, RMSE over (0, 2]).
/// How many of `starts` stay finite with ‖y‖₂ ≤ `BOUND` over `SELECT_STEPS` steps of size `h`.
fn survivors(tab: &Tableau<4>, h: f64, starts: &[State<3>]) -> usize {
    let f = Lorenz63::default();
    starts
        .iter()
        .filter(|y0| {
            let mut y = **y0;
            (0..SELECT_STEPS).all(|k| {
                let t = h * k as f64;
                match solve_fixed(tab, &f, t, t + h, y, h) {
                    Ok((yn, _)) if yn.norm() <= BOUND => {
                        y = yn;
                        true
                    }
                    _ => false,
                }
            })
        })
        .count()
}

/// Whether `LONG_STEPS` steps of size `h` from each of the first `LONG_STARTS` states keep
/// every state finite with ‖y‖₂ ≤ `BOUND`.
fn bounded(tab: &Tableau<4>, h: f64, starts: &[State<3>]) -> bool {
    let f = Lorenz63::default();
    for y0 in starts.iter().take(LONG_STARTS) {
        let mut y = *y0;
        for k in 0..LONG_STEPS {
            let t = h * k as f64;
            match solve_fixed(tab, &f, t, t + h, y, h) {
                Ok((yn, _)) if yn.norm() <= BOUND => y = yn,
                _ => return false,
            }
        }
    }
    true
}

fn evaluate(tab: &Tableau<4>, h: f64, tests: &[State<3>], refs: &[Vec<State<3>>]) -> (bool, f64) {
    let f = Lorenz63::default();
    let bounded = bounded(tab, h, tests);
    let mut sq = 0.0;
    let mut n = 0usize;
    for (y0, r) in tests.iter().zip(refs) {
        let mut y = *y0;
        for (k, yr) in r.iter().enumerate() {
            let t = h * k as f64;
            y = match solve_fixed(tab, &f, t, t + h, y, h) {
                Ok((yn, _)) => yn,
                Err(_) => State::<3>::repeat(f64::INFINITY),
            };
            sq += (y - yr).norm_squared();
            n += 3;
        }
    }
    let rmse = (sq / n as f64).sqrt();
    (
        bounded,
        if rmse.is_finite() {
            rmse
        } else {
            f64::INFINITY
        },
    )
}

fn verdict(bounded: bool, rmse: f64, rmse_max: f64) -> &'static str {
    if bounded && rmse < rmse_max {
        "pass"
    } else {
        "FAIL"
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "target/trk_stability".to_string());
    std::fs::create_dir_all(&out)?;
    let train_starts = attractor_states(0, N_TRAIN, SPACING);
    let test_starts = attractor_states(N_TRAIN + 10, N_TEST, SPACING);
    let jac_states = attractor_states(0, N_JAC, JAC_SPACING);
    // Pooled per-component variance of the attractor (from the training window): the loss
    // normaliser, and its square root is the RMSE threshold (a forecast with RMSE above the
    // attractor's spread has no skill over predicting the mean).
    let mean = jac_states.iter().sum::<State<3>>() / N_JAC as f64;
    let var = jac_states
        .iter()
        .map(|y| (y - mean).norm_squared())
        .sum::<f64>()
        / (3 * N_JAC) as f64;
    let rmse_max = var.sqrt();
    let eigs: Vec<_> = jac_states
        .iter()
        .flat_map(|y| {
            jacobian(y)
                .complex_eigenvalues()
                .iter()
                .copied()
                .collect::<Vec<_>>()
        })
        .collect();
    println!(
        "training window: {N_JAC} states; stiffest decay ρ = max(−Re λ) = {:.4}; max |Im λ| = {:.4} (λ = eig ∂f/∂y)",
        eigs.iter().map(|l| -l.re).fold(0.0f64, f64::max),
        eigs.iter().map(|l| l.im.abs()).fold(0.0f64, f64::max)
    );
    let results: Vec<_> = HS
        .par_iter()
        .map(|&h| {
            let steps = (HORIZON / h + 1e-9).floor() as usize;
            let refs: Vec<Vec<State<3>>> = test_starts
                .iter()
                .map(|y| reference_path(*y, h, steps))
                .collect();
            let rk4 = evaluate(&Tableau::rk4(), h, &test_starts, &refs);
            let trained = train(h, &train_starts, &jac_states, var);
            let trk = evaluate(&trained.tab, h, &test_starts, &refs);
            (h, rk4, trained, trk)
        })
        .collect();
    println!(
        "pass = bounded (‖y‖ ≤ {BOUND} for {LONG_STEPS} steps from {LONG_STARTS} test starts) and RMSE over t ∈ (0, {HORIZON}] on {N_TEST} test starts < {rmse_max:.3} (pooled per-component std of the attractor)"
    );
    println!("|   h  | RK4 bounded | RK4 RMSE | RK4 | TRK4 bounded | TRK4 RMSE | TRK4 | TRK4 real interval | h·22.8 | train MSE/σ² | penalty | max abs(Σb−1) |");
    println!("|------|-------------|----------|-----|--------------|-----------|------|--------------------|--------|-------------|---------|---------------|");
    let mut curves = Vec::new();
    for (h, (rb, rr), t, (tb, tr)) in &results {
        let interval = real_stability_interval(&t.tab)?;
        println!(
            "| {h:.2} | {rb:<11} | {rr:>8.3} | {} | {tb:<12} | {tr:>9.3} | {} | {interval:>18.4} | {:>6.3} | {:>11.3e} | {:>7.1e} | {:>13.1e} |",
            verdict(*rb, *rr, rmse_max),
            verdict(*tb, *tr, rmse_max),
            22.8 * h,
            t.loss,
            t.penalty,
            t.sum_b_residual
        );
        curves.push(RegionCurve::of(&format!("TRK4 h={h:.2}"), &t.tab)?);
    }
    println!();
    for (h, _, t, _) in &results {
        println!("h = {h:.2}: {}", report(&t.tab, 5, 1e-10)?);
        println!(
            "  c = {:?}\n  b = {:?}\n  A = {:?}",
            t.tab.c, t.tab.b, t.tab.a
        );
    }
    let path = std::path::Path::new(&out).join("regions.svg");
    plot_stability_regions(
        &path,
        "Learned TRK4 stability regions (Lorenz-63) vs RK4",
        &curves,
    )?;
    println!("\nwrote {}", path.display());
    Ok(())
}
