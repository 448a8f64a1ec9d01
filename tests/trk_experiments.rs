//! The trainable-solver experiments end to end at reduced size: trk-stability's training
//! improves its loss and applies the same criterion to RK4 and TRK4; trk-forecast's joint
//! θ + tableau training improves its loss and keeps Σb = 1; bad configurations are typed
//! errors; the writers produce their files.

use nodal::experiments::trk_error::TrkError;
use nodal::experiments::trk_forecast::{self, Method, Warm, WarmStart};
use nodal::experiments::trk_stability;

fn temp_dir(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("nodal-{name}-{}", std::process::id()))
}

#[test]
fn trk_stability_training_improves_loss_and_writes() {
    let cfg = trk_stability::Config::quick();
    let out = trk_stability::run(&cfg).unwrap();
    assert_eq!(out.rows.len(), cfg.hs.len());
    for r in &out.rows {
        let h = &r.trained.history;
        let (first, best) = (h[0].2, h.iter().map(|x| x.2).fold(f64::INFINITY, f64::min));
        // At h = 0.10 and 0.17 RK4 starts far from optimal for the step (at 0.17 its real
        // interval misses h·ρ); 30 Adam steps cut the loss by at least 5×.
        assert!(best < first / 5.0, "h = {}: loss {first} → {best}", r.h);
        assert!(r.trained.max_sum_b_residual <= 1e-14);
        // The own-trajectory loss was active: the rollouts added states to the buffer.
        assert!(r.trained.own_states > 0, "h = {}", r.h);
        // A screened selection passed on the validation starts.
        if r.trained.selection == trk_stability::Selection::Screened {
            assert!(r.trained.validation.pass);
        }
        assert!((r.trained.tab.b.iter().sum::<f64>() - 1.0).abs() <= 1e-14);
        spectrum_fit_is_consistent(r);
        // Screening was on (4 long runs): the selected scheme's escape counts are reported,
        // all 4 kept if the screen selected it.
        let (long, _) = r.screened.expect("screen counts");
        assert!(long <= cfg.n_screen_long);
        if r.trained.selection == trk_stability::Selection::Screened {
            assert_eq!(long, cfg.n_screen_long);
        }
        // The verdict is the criterion itself.
        assert_eq!(
            r.trk4.pass,
            r.trk4.bounded_runs == r.trk4.long_runs && r.trk4.rmse < out.sigma
        );
    }
    // Curriculum: the second step size has a restart from the first one's result, the first
    // has none.
    let labels =
        |r: &trk_stability::Row| r.trained.history.iter().filter(|x| x.0 == "prev h").count();
    assert_eq!(labels(&out.rows[0]), 0);
    assert!(labels(&out.rows[1]) > 0);
    // RK4 at h = 0.10 is accurate (Lorenz' stiffest decay times h is inside its interval).
    assert!(out.rows[0].rk4.pass, "{:?}", out.rows[0].rk4);
    let dir = temp_dir("trk-stability");
    trk_stability::write(&out, &dir).unwrap();
    for f in [
        "trk_stability.md",
        "trk_stability.csv",
        "trk_stability_tableaus.csv",
        "trk_stability_regions.svg",
        "trk_stability_region_h0.17.svg",
    ] {
        assert!(dir.join(f).is_file(), "{f}");
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// Factor by which trk-forecast's quick TRK10 training must cut its one-step MSE.
const ONE_STEP_FACTOR: f64 = 4.0;
/// Factor by which it must cut its 4-step window MSE (measured: 1.54 → 0.70, 2.2×).
const WINDOW_FACTOR: f64 = 1.5;

#[test]
fn trk_forecast_joint_training_improves_and_scores() {
    // TRK10 from the random MLP (the full schedule), not from Euler's θ.
    let cfg = trk_forecast::Config {
        methods: vec![Method::Trk10, Method::Sindy],
        from_euler: vec![],
        ..trk_forecast::Config::quick()
    };
    let out = trk_forecast::run(&cfg).unwrap();
    let trk = out
        .entries
        .iter()
        .find(|e| e.method == Method::Trk10)
        .unwrap();
    assert!(trk.fit.stopped.is_none(), "{:?}", trk.fit.stopped);
    // The quick budget (100 Adam + 30 L-BFGS one-step, 10 L-BFGS 4-step iterations) from a
    // random MLP cuts the one-step MSE by ONE_STEP_FACTOR and the 4-step MSE by WINDOW_FACTOR.
    let f = &trk.fit;
    assert!(
        f.loss_one_step < f.one_step_start / ONE_STEP_FACTOR,
        "{} → {}",
        f.one_step_start,
        f.loss_one_step
    );
    assert!(
        f.loss_end < f.loss_start / WINDOW_FACTOR,
        "{} → {}",
        f.loss_start,
        f.loss_end
    );
    // One L-BFGS log per stage (one-step, 2-step, 4-step), each within its budget and
    // non-increasing from its first to its last iteration; SINDy has none.
    let budgets = [cfg.lbfgs_iters, cfg.horizon_iters, cfg.horizon_iters];
    assert_eq!(f.lbfgs.len(), budgets.len());
    for (log, &budget) in f.lbfgs.iter().zip(&budgets) {
        assert_eq!(log.budget, budget);
        assert!(log.iters >= 1 && log.iters <= budget, "{log:?}");
        assert!(log.end <= log.first && log.end.is_finite(), "{log:?}");
    }
    let stages = trk_forecast::stages_table(&out).to_markdown().unwrap();
    assert_eq!(
        stages.matches("| TRK10 |").count(),
        budgets.len(),
        "{stages}"
    );
    let tab = trk.tableau.unwrap();
    assert!((tab.b.iter().sum::<f64>() - 1.0).abs() <= 1e-14);
    assert_eq!(trk.scores.nfe_per_step, 10.0);
    assert!(trk.scores.rmse_h.is_finite() && trk.scores.rmse_h <= trk.scores.rmse_4h * 10.0);
    // Failed forecasts are listed, not averaged: the RMSE stays finite unless all fail.
    for e in &out.entries {
        assert_eq!(e.scores.failed, e.scores.failed_at.len());
        assert!(e.scores.rmse_h.is_finite() || e.scores.failed == e.scores.windows);
        // The mean of per-forecast RMSEs never exceeds the pooled RMSE (Jensen).
        if e.scores.failed < e.scores.windows {
            assert!(
                e.scores.mean_rmse_h <= e.scores.rmse_h * (1.0 + 1e-12),
                "{:?}",
                e.scores
            );
            assert!(
                e.scores.mean_rmse_4h <= e.scores.rmse_4h * (1.0 + 1e-12),
                "{:?}",
                e.scores
            );
        }
    }
    let dir = temp_dir("trk-forecast");
    trk_forecast::write(&out, &dir).unwrap();
    assert!(dir.join("trk_forecast.md").is_file());
    assert!(dir.join("trk_forecast_tableaus.csv").is_file());
    assert!(dir.join("trk_forecast_stages.csv").is_file());
    std::fs::remove_dir_all(&dir).ok();
}

/// TRK10 started from the trained Euler model's θ with b = e₁ is that Euler model: its
/// full-window loss at the start equals Euler's at the end (two different solvers: Euler's
/// 1-stage `NodeProblem`, TRK10's 10-stage trainable problem), and its joint stages lower it.
#[test]
fn trk_forecast_trk10_from_euler_starts_at_euler_and_improves() {
    let cfg = trk_forecast::Config {
        methods: vec![Method::Trk10, Method::Euler],
        ..trk_forecast::Config::quick()
    };
    assert!(cfg.from_euler.contains(&Method::Trk10));
    let out = trk_forecast::run(&cfg).unwrap();
    // Entries in configuration order, whatever order the jobs finished in.
    let methods: Vec<Method> = out.entries.iter().map(|e| e.method).collect();
    assert_eq!(methods, vec![Method::Trk10, Method::Euler]);
    let (trk, euler) = (&out.entries[0], &out.entries[1]);
    assert!(trk.warm == Some(Warm::Euler) && euler.warm.is_none());
    assert!(trk.fit.stopped.is_none(), "{:?}", trk.fit.stopped);
    approx::assert_relative_eq!(trk.fit.loss_start, euler.fit.loss_end, max_relative = 1e-9);
    assert!(
        trk.fit.loss_end < trk.fit.loss_start,
        "{} → {}",
        trk.fit.loss_start,
        trk.fit.loss_end
    );
    // No Adam; the one-step stage has the warm budget, the window stages the usual one.
    let budgets: Vec<u64> = trk.fit.lbfgs.iter().map(|l| l.budget).collect();
    assert_eq!(
        budgets,
        vec![cfg.warm_lbfgs_iters, cfg.horizon_iters, cfg.horizon_iters]
    );
}

/// The derivative warm start: θ fitted to central-difference derivatives, then RK4 and TRK10
/// (from the RK4 halves) train through their integrators from it; Euler is not trained first
/// (not listed). The fit lowers its MSE, and the joint stages lower each model's window loss.
#[test]
fn trk_forecast_derivative_warm_start_fits_then_trains_through_the_schemes() {
    let cfg = trk_forecast::Config {
        methods: vec![Method::Rk4, Method::Trk10],
        from_euler: vec![Method::Rk4, Method::Trk10],
        warm_start: WarmStart::Derivative,
        derivative_iters: 30,
        trk_init: Some(trk_forecast::trk::TrkInit::Rk4Halves),
        ..trk_forecast::Config::quick()
    };
    let out = trk_forecast::run(&cfg).unwrap();
    let methods: Vec<Method> = out.entries.iter().map(|e| e.method).collect();
    assert_eq!(methods, vec![Method::Rk4, Method::Trk10]);
    for e in &out.entries {
        let Some(Warm::Derivative(log)) = &e.warm else {
            panic!("{:?}: {:?}", e.method, e.warm)
        };
        assert!(
            log.iters >= 1 && log.iters <= 30 && log.end < log.first,
            "{log:?}"
        );
        assert!(e.fit.stopped.is_none(), "{:?}", e.fit.stopped);
        assert!(e.fit.loss_end < e.fit.loss_start, "{:?}", e.fit);
        let budgets: Vec<u64> = e.fit.lbfgs.iter().map(|l| l.budget).collect();
        assert_eq!(
            budgets,
            vec![cfg.warm_lbfgs_iters, cfg.horizon_iters, cfg.horizon_iters]
        );
    }
    // Both started from the same θ: the same derivative fit.
    assert_eq!(out.entries[0].warm, out.entries[1].warm);
    let table = trk_forecast::results_table(&out).to_markdown().unwrap();
    assert_eq!(table.matches("from derivative-fit θ").count(), 2, "{table}");
}

#[test]
fn bad_configurations_are_typed_errors() {
    let bad_h = trk_stability::Config {
        hs: vec![0.1, -0.2],
        ..trk_stability::Config::quick()
    };
    let bad_margin = trk_stability::Config {
        val_margin: 0.0,
        ..trk_stability::Config::quick()
    };
    let bad_steps = trk_stability::Config {
        dissip_steps: 0,
        ..trk_stability::Config::quick()
    };
    for (cfg, want) in [
        (bad_h, ("h", -0.2)),
        (bad_margin, ("val_margin", 0.0)),
        (bad_steps, ("dissip_steps", 0.0)),
    ] {
        match trk_stability::run(&cfg) {
            Err(TrkError::Config { name, value, .. }) => assert_eq!((name, value), want),
            other => panic!("{:?}", other.map(|_| ())),
        }
    }
    let cfg = trk_forecast::Config {
        train_span: 0.5,
        ..trk_forecast::Config::quick()
    };
    match trk_forecast::run(&cfg) {
        Err(TrkError::Config { name, value, .. }) => {
            assert_eq!((name, value), ("train_span / h", 3.0));
        }
        other => panic!("{:?}", other.map(|_| ())),
    }
    // A curriculum window must be shorter than the full window (4 steps) and longer than one.
    let cfg = trk_forecast::Config {
        curriculum: vec![2, 4],
        ..trk_forecast::Config::quick()
    };
    match trk_forecast::run(&cfg) {
        Err(TrkError::Config { name, value, .. }) => {
            assert_eq!((name, value), ("curriculum window length", 4.0));
        }
        other => panic!("{:?}", other.map(|_| ())),
    }
    // Euler cannot start from its own θ.
    let cfg = trk_forecast::Config {
        from_euler: vec![Method::Trk10, Method::Euler],
        ..trk_forecast::Config::quick()
    };
    match trk_forecast::run(&cfg) {
        Err(TrkError::Config { name, value, .. }) => {
            assert_eq!(
                (name, value),
                ("from_euler (position of Sindy or Euler)", 1.0)
            );
        }
        other => panic!("{:?}", other.map(|_| ())),
    }
}

#[test]
fn repro_trk_forecast_quick_writes_tables() {
    let dir = temp_dir("repro-trk-forecast");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_nodal"))
        .args(["repro", "trk-forecast", "--quick", "--out"])
        .arg(&dir)
        .output()
        .expect("run nodal");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for m in ["Euler", "RK4", "Dopri8", "TRK10", "SINDy"] {
        assert!(stdout.contains(m), "{m} missing from\n{stdout}");
    }
    assert!(dir.join("trk_forecast.csv").is_file());
    std::fs::remove_dir_all(&dir).ok();
}

/// The loss and criterion flags of `nodal repro trk-stability` reach the configuration: the
/// table title names the RMSE horizon, L-BFGS finishing adds candidates, and a bad value is a
/// typed error naming it.
#[test]
fn repro_trk_stability_quick_takes_loss_and_horizon_flags() {
    let dir = temp_dir("repro-trk-stability-flags");
    let run = |extra: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_nodal"))
            .args(["repro", "trk-stability", "--quick", "--h", "0.17", "--out"])
            .arg(&dir)
            .args(extra)
            .output()
            .expect("run nodal")
    };
    let out = run(&[
        "--loss",
        "cap",
        "--cap",
        "1.5",
        "--escape-weight",
        "0.01",
        "--escape-radius",
        "55",
        "--k-steps",
        "4",
        "--k-span",
        "1",
        "--lbfgs",
        "3",
        "--rmse-horizon",
        "1.1",
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("t ∈ (0, 1.1]"), "{stdout}");
    assert!(stdout.contains("| 0.17 |"), "{stdout}");
    let bad = run(&["--loss", "cap", "--cap=-1"]);
    assert!(!bad.status.success());
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(stderr.contains("cap") && stderr.contains("-1"), "{stderr}");
    std::fs::remove_dir_all(&dir).ok();
}

/// The stability-polynomial diagnostics of a row against a direct computation from its
/// tableau: `γ_k = bᵀA^{k−2}c`, `bᵀc² − 1/3`; `|R| > 1` somewhere iff the largest `|R|`
/// exceeds 1.
fn spectrum_fit_is_consistent(r: &trk_stability::Row) {
    let t = &r.trained.tab;
    let mut v = t.c;
    let mut gamma = Vec::new();
    for _ in 0..3 {
        gamma.push((0..4).map(|i| t.b[i] * v[i]).sum::<f64>());
        let next: Vec<f64> = (0..4)
            .map(|i| (0..i).map(|j| t.a[i][j] * v[j]).sum())
            .collect();
        v.copy_from_slice(&next);
    }
    let s = &r.spectrum;
    for (got, want) in s.gamma.iter().zip(&gamma) {
        approx::assert_abs_diff_eq!(*got, *want, epsilon = 1e-12);
    }
    let bc2: f64 = (0..4).map(|i| t.b[i] * t.c[i] * t.c[i]).sum();
    approx::assert_abs_diff_eq!(s.bc2_residual, bc2 - 1.0 / 3.0, epsilon = 1e-12);
    assert!((0.0..=1.0).contains(&s.unstable_fraction));
    assert_eq!(s.max_abs_r > 1.0, s.unstable_fraction > 0.0, "{s:?}");
}

/// `exact_order = 2` keeps `bᵀc = 1/2` through training (projection after every step, and
/// after L-BFGS), and the screen with forecasts reports both counts.
#[test]
fn trk_stability_exact_order_two_and_forecast_screen() {
    let cfg = trk_stability::Config {
        hs: vec![0.17],
        exact_order: 2,
        inits: vec![
            trk_stability::Init::Rk4,
            trk_stability::Init::Perturbed(0.1),
        ],
        lbfgs_iters: 3,
        roll_every: 0,
        n_screen_forecasts: 20,
        val_margin: 0.9,
        ..trk_stability::Config::quick()
    };
    let out = trk_stability::run(&cfg).unwrap();
    let r = &out.rows[0];
    approx::assert_abs_diff_eq!(r.spectrum.gamma[0], 0.5, epsilon = 1e-12);
    spectrum_fit_is_consistent(r);
    let (long, fc) = r.screened.expect("screen counts");
    assert!(long <= cfg.n_screen_long && fc <= cfg.n_screen_forecasts);
    if r.trained.selection == trk_stability::Selection::Screened {
        assert_eq!((long, fc), (cfg.n_screen_long, cfg.n_screen_forecasts));
        // A validation pass under the 0.9σ margin.
        assert!(r.trained.validation.rmse < 0.9 * out.sigma);
    }
}

/// L-BFGS finishing under the capped loss with the escape penalty and K over a time span:
/// the finished candidate's training loss is at most that of the Adam candidate it started
/// from (L-BFGS keeps its best iterate).
#[test]
fn trk_stability_lbfgs_finishing_does_not_raise_the_loss() {
    let cfg = trk_stability::Config {
        hs: vec![0.17],
        loss: trk_stability::ForecastLoss::Capped(1.0),
        escape_weight: 0.01,
        k_span: 1.0,
        lbfgs_iters: 5,
        n_screen_long: 0,
        roll_every: 0,
        ..trk_stability::Config::quick()
    };
    assert_eq!(cfg.k_at(0.17), 8);
    let span2 = trk_stability::Config {
        k_span: 2.0,
        ..cfg.clone()
    };
    // ceil(2 / h) steps, at least `k_steps` = 8.
    assert_eq!(
        [span2.k_at(0.17), span2.k_at(0.10), span2.k_at(0.25)],
        [12, 20, 8]
    );
    let out = trk_stability::run(&cfg).unwrap();
    let hist = &out.rows[0].trained.history;
    let finished: Vec<_> = hist.iter().filter(|x| x.0 == "rk4+lbfgs").collect();
    assert_eq!(finished.len(), 1, "{hist:?}");
    let (_, iter, loss) = finished[0];
    let start = hist
        .iter()
        .find(|x| x.0 == "rk4" && x.1 == *iter)
        .expect("the start candidate");
    assert!(
        loss.is_finite() && *loss <= start.2 * (1.0 + 1e-9),
        "{loss} > {}",
        start.2
    );
}

/// The dissipativity penalty in training (with harvests): its samples are the training
/// starts with their K reference states plus the shell; at h = 0.25, where RK4 breaks
/// `V(Φ_h(y)) ≤ max(V(y), C)` on some samples, the first candidate's (RK4's) training loss
/// exceeds the loss without the penalty, and every candidate's loss stays finite; below
/// `dissip_from_h` the training is the penalty-free one; `lbfgs_harvest` changes the L-BFGS
/// finish.
#[test]
fn trk_stability_dissipativity_penalty_enters_the_loss() {
    let off = trk_stability::Config {
        hs: vec![0.25],
        inits: vec![trk_stability::Init::Rk4],
        iters: 10,
        roll_every: 0,
        n_screen_long: 0,
        dissip_n_shell: 64,
        ..trk_stability::Config::quick()
    };
    let on = trk_stability::Config {
        dissip_weight: 10.0,
        harvest: 4,
        harvest_every: 5,
        ..off.clone()
    };
    // With the penalty switched on only from h = 0.26, training at 0.25 is the penalty-free
    // one bit for bit.
    let gated = trk_stability::Config {
        dissip_from_h: 0.26,
        ..on.clone()
    };
    let (a, b, g) = (
        trk_stability::run(&off).unwrap(),
        trk_stability::run(&on).unwrap(),
        trk_stability::run(&gated).unwrap(),
    );
    assert_eq!(g.rows[0].trained.history, a.rows[0].trained.history);
    assert_eq!(g.rows[0].trained.tab, a.rows[0].trained.tab);
    // Harvests from the candidate before its L-BFGS finish (RK4 escapes at h = 0.25, so they
    // find states) change what L-BFGS minimises, hence its result.
    let finish = |lbfgs_harvest| {
        let cfg = trk_stability::Config {
            lbfgs_iters: 3,
            lbfgs_from: 1,
            lbfgs_harvest,
            ..on.clone()
        };
        let out = trk_stability::run(&cfg).unwrap();
        let h = &out.rows[0].trained.history;
        h.iter().find(|x| x.0.ends_with("+lbfgs")).unwrap().2
    };
    let (plain, harvested) = (finish(0), finish(2));
    assert!(plain.is_finite() && harvested.is_finite());
    assert_ne!(plain, harvested);
    let (ra, rb) = (&a.rows[0], &b.rows[0]);
    let n_att = on.n_train * (1 + on.k_at(0.25));
    assert_eq!(rb.dissip.attractor, n_att);
    assert_eq!(rb.dissip.samples, n_att + on.dissip_n_shell);
    let (la, lb) = (ra.trained.history[0].2, rb.trained.history[0].2);
    assert_eq!(ra.trained.history[0].1, 0);
    assert!(lb > la, "penalty inactive: {la} vs {lb}");
    assert!(
        rb.trained.history.iter().all(|x| x.2.is_finite()),
        "{:?}",
        rb.trained.history
    );
}
