//! `nodal train` with the collocation / interior-point trainer (`trainer.kind =
//! "collocation"`): an end-to-end fit on the simulated harmonic oscillator checked by
//! `nodal predict` against the exact solution, the configuration errors, and bit-identical
//! repeated runs.

#[path = "common/cli.rs"]
mod common;
use common::{nodal, s};
use nodal::model::Model;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A fresh temporary folder for one test.
fn tmp(name: &str) -> PathBuf {
    common::tmp_dir("colloc", name)
}

/// Simulated harmonic oscillator (x'' = −x, from (1, 0) and two perturbed starts), 30 noisy
/// points (σ = 0.01) on [0, 6] each, one trajectory held out; a 2-12-2 tanh network trained by
/// collocation on 24 Chebyshev nodes per trajectory.
const RUN: &[&str] = &[
    "--set",
    "data.system=harmonic",
    "--set",
    "data.trajectories=3",
    "--set",
    "data.points=30",
    "--set",
    "data.noise=0.01",
    "--set",
    "data.validation=0.34",
    "--set",
    "model.hidden=[12]",
    "--set",
    "trainer.kind=collocation",
    "--set",
    "collocation.nodes=24",
    "--set",
    "output.plots=false",
    "--set",
    "output.eval_every=5",
];

fn train(dir: &Path, extra: &[&str]) -> (i32, String, String) {
    let mut args = vec!["train", "--out", s(dir)];
    args.extend_from_slice(RUN);
    args.extend_from_slice(extra);
    nodal(&args)
}

/// Parameters of a model file, as bit patterns.
fn param_bits(path: &Path) -> Vec<u64> {
    Model::load(path)
        .unwrap()
        .network
        .params()
        .iter()
        .map(|p| p.to_bits())
        .collect()
}

#[test]
fn collocation_fit_forecasts_the_harmonic_oscillator() {
    let dir = tmp("e2e");
    let out = dir.join("run");
    let (code, stdout, stderr) = train(&out, &[]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.contains("between-node ODE residual"), "{stdout}");
    for f in [
        "model.json",
        "history.csv",
        "collocation.json",
        "checkpoint.json",
    ] {
        assert!(out.join(f).exists(), "{f} missing");
    }
    let hist = std::fs::read_to_string(out.join("history.csv")).unwrap();
    let rows: Vec<&str> = hist.lines().skip(1).collect();
    assert!(rows.len() > 5, "{hist}");
    assert!(rows.iter().all(|r| r.contains(",ipm")), "{hist}");
    // Validation loss and NFE are filled on evaluation rows (iteration 0, 5, ...).
    let first: Vec<&str> = rows[0].split(',').collect();
    assert_eq!(first[0], "0");
    assert!(!first[3].is_empty() && !first[4].is_empty(), "{}", rows[0]);

    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("collocation.json")).unwrap())
            .unwrap();
    let status = report["status"].as_str().unwrap();
    assert!(status.starts_with("Solved"), "{report}");
    let res_max = report["residual_max"].as_f64().unwrap();
    let res_rms = report["residual_rms"].as_f64().unwrap();
    assert!(res_rms <= res_max && res_max < 0.5, "{report}");

    // Forecast from an amplitude not in the training set over the training window.
    let pred = dir.join("pred.csv");
    let (code, _, stderr) = nodal(&[
        "predict",
        "--model",
        s(&out.join("model.json")),
        "--y0",
        "0.8,0",
        "--t1",
        "6",
        "--n",
        "60",
        "--out",
        s(&pred),
    ]);
    assert_eq!(code, 0, "{stderr}");
    let text = std::fs::read_to_string(&pred).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("t,x,v"));
    let (mut sse, mut n) = (0.0, 0);
    for l in lines {
        let v: Vec<f64> = l.split(',').map(|c| c.parse().unwrap()).collect();
        let (x, y) = (0.8 * v[0].cos(), -0.8 * v[0].sin());
        sse += (v[1] - x).powi(2) + (v[2] - y).powi(2);
        n += 2;
    }
    assert_eq!(n, 122);
    let rmse = (sse / n as f64).sqrt();
    println!(
        "collocation e2e: forecast RMSE {rmse:.4}, residual max {res_max:.3e} rms {res_rms:.3e}"
    );
    // Amplitude 0.8: an RMSE below 0.03 (under 4 % of the amplitude) over about a period
    // (measured: 0.0095).
    assert!(rmse < 0.03, "forecast RMSE {rmse}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn two_runs_give_bit_identical_models() {
    let dir = tmp("det");
    let extra = ["--set", "collocation.max_iter=15"];
    let (code, stdout, stderr) = train(&dir.join("a"), &extra);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    let (code, stdout, stderr) = train(&dir.join("b"), &extra);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    let a = param_bits(&dir.join("a/model.json"));
    assert_eq!(a, param_bits(&dir.join("b/model.json")));
    // --resume solves again from the start: the same model.
    let (code, stdout, stderr) = nodal(&["train", "--resume", s(&dir.join("a"))]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.contains("solving again from the start"), "{stdout}");
    assert_eq!(a, param_bits(&dir.join("a/model.json")));
    std::fs::remove_dir_all(&dir).ok();
}

/// Run with `extra` settings; the run must fail with exit code 2. Returns stderr.
fn train_err(name: &str, extra: &[&str]) -> String {
    let dir = tmp(name);
    let (code, _, stderr) = train(&dir, extra);
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(code, 2, "{stderr}");
    stderr
}

#[test]
fn bad_collocation_settings_are_explained() {
    let e = train_err("nodes", &["--set", "collocation.nodes=2"]);
    assert!(
        e.contains("collocation.nodes = 2") && e.contains("at least 3"),
        "{e}"
    );
    let e = train_err(
        "exact",
        &[
            "--set",
            "model.hidden=[8, 8]",
            "--set",
            "collocation.hessian=exact",
        ],
    );
    assert!(
        e.contains("exactly one hidden layer") && e.contains("[8, 8]"),
        "{e}"
    );
    let e = train_err("lambda", &["--set", "collocation.lambda=-1"]);
    assert!(e.contains("collocation.lambda = -1"), "{e}");
    let e = train_err("kind", &["--set", "trainer.kind=ipm"]);
    assert!(e.contains("unknown variant `ipm`"), "{e}");
    // Options of the gradient trainer that collocation cannot honour.
    let e = train_err(
        "trainable",
        &[
            "--set",
            "solver.h=0.1",
            "--set",
            "solver.trainable={stages = 4}",
        ],
    );
    assert!(
        e.contains("solver.trainable is not supported") && e.contains("\"gradient\""),
        "{e}"
    );
    let e = train_err(
        "regularized",
        &["--set", "regularization.kind=local-unbiased"],
    );
    assert!(e.contains("regularization is not supported"), "{e}");
    let e = train_err("key", &["--set", "collocation.node=30"]);
    assert!(e.contains("did you mean `nodes`?"), "{e}");
    // Nodes far denser than a narrow smoother window: a node with no data nearby.
    let e = train_err(
        "window",
        &[
            "--set",
            "collocation.bandwidth=0.2",
            "--set",
            "collocation.nodes=60",
        ],
    );
    assert!(
        e.contains("trajectory `0`") && e.contains("no observation within"),
        "{e}"
    );
}

#[test]
fn ctrl_c_leaves_a_usable_model() {
    let dir = tmp("ctrlc");
    let mut args = vec!["train", "--out", s(&dir)];
    args.extend_from_slice(RUN);
    args.extend_from_slice(&["--set", "collocation.nodes=40"]);
    let child = Command::new(env!("CARGO_BIN_EXE_nodal"))
        .args(&args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The checkpoint is written just before the interior-point solve starts.
    let ck = dir.join("checkpoint.json");
    let t = std::time::Instant::now();
    while !ck.exists() {
        assert!(t.elapsed().as_secs() < 60, "no checkpoint");
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    let ok = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
    let out = child.wait_with_output().unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert_eq!(out.status.code(), Some(130), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("keeping the best evaluated iterate") && stderr.contains("interrupted"),
        "{stdout}\n{stderr}"
    );
    let report = std::fs::read_to_string(dir.join("collocation.json")).unwrap();
    assert!(report.contains("\"Interrupted\""), "{report}");
    let m = Model::load(dir.join("model.json")).unwrap();
    let p = m.predict(0.0, &[1.0, 0.0], &[0.0, 3.0, 6.0]).unwrap();
    assert!(
        p.states.iter().flatten().all(|v| v.is_finite()),
        "{:?}",
        p.states
    );
    std::fs::remove_dir_all(&dir).ok();
}
