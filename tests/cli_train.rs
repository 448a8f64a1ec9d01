//! `nodal train` and `nodal predict` end to end: a fit on noisy CSV data with a forecast-error
//! bound, bit-identical resume after a kill and after Ctrl-C (also with a trainable tableau
//! and with a regularizer), and the error messages for bad input. The trainable-tableau and
//! regularization runs themselves are in `cli_train_trk.rs`.

#[path = "common/cli.rs"]
mod common;
use common::{nodal, s};
use nodal::model::{Model, Scaling, SolverSpec, SteppingSpec};
use nodal::nn::Mlp;
use rand::{Rng, SeedableRng};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A fresh temporary folder for one test.
fn tmp(name: &str) -> PathBuf {
    common::tmp_dir("train", name)
}

/// The harmonic oscillator x'' = -x from (a, 0): x = a cos t, v = -a sin t.
fn exact(a: f64, t: f64) -> [f64; 2] {
    [a * t.cos(), -a * t.sin()]
}

#[test]
fn trains_on_noisy_csv_and_forecasts_within_bound() {
    let dir = tmp("e2e");
    // Three trajectories of the harmonic oscillator, 30 points on [0, 5], noise σ = 0.01.
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    let mut csv = String::from("run,t,x,v\n");
    for (k, a) in [1.0, 0.6, 1.4].iter().enumerate() {
        for i in 0..30 {
            let t = 5.0 * i as f64 / 29.0;
            let [x, v] = exact(*a, t);
            let n1 = 0.01 * (2.0 * rng.random::<f64>() - 1.0) * 3f64.sqrt();
            let n2 = 0.01 * (2.0 * rng.random::<f64>() - 1.0) * 3f64.sqrt();
            csv += &format!("{k},{t},{},{}\n", x + n1, v + n2);
        }
    }
    let data = dir.join("obs.csv");
    std::fs::write(&data, csv).unwrap();
    let out = dir.join("run");
    let start = Instant::now();
    let (code, stdout, stderr) = nodal(&[
        "train",
        "--out",
        s(&out),
        "--set",
        &format!("data.csv={:?}", s(&data)),
        "--set",
        "data.trajectory_column=run",
        "--set",
        "data.validation=0.34",
        "--set",
        "model.hidden=[16]",
        "--set",
        "solver.method=rk4",
        "--set",
        "solver.h=0.1",
        "--set",
        "optimizer.adam_iters=150",
        "--set",
        "optimizer.lr=0.02",
        "--set",
        "optimizer.lbfgs_iters=30",
    ]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    let secs = start.elapsed().as_secs_f64();
    for f in [
        "model.json",
        "history.csv",
        "loss.svg",
        "fit.svg",
        "checkpoint.json",
    ] {
        assert!(out.join(f).exists(), "{f} missing");
    }
    let hist = std::fs::read_to_string(out.join("history.csv")).unwrap();
    assert!(hist.starts_with("iteration,optimizer,loss,val_loss,nfe,seconds\n"));
    assert!(
        hist.lines().count() > 150,
        "{} history rows",
        hist.lines().count()
    );

    // Forecast from an amplitude not in the training set, over the training window.
    let pred = dir.join("pred.csv");
    let (code, _, stderr) = nodal(&[
        "predict",
        "--model",
        s(&out.join("model.json")),
        "--y0",
        "0.8,0",
        "--t1",
        "5",
        "--n",
        "50",
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
        let e = exact(0.8, v[0]);
        sse += (v[1] - e[0]).powi(2) + (v[2] - e[1]).powi(2);
        n += 2;
    }
    assert_eq!(n, 102);
    let rmse = (sse / n as f64).sqrt();
    println!("e2e: trained in {secs:.1} s, forecast RMSE {rmse:.4}");
    // Amplitude 0.8: an RMSE below 0.05 is a forecast within ~6 % over most of a period.
    assert!(rmse < 0.05, "forecast RMSE {rmse}");

    // The same forecast from Rust.
    let m = Model::load(out.join("model.json")).unwrap();
    let p = m.predict(0.0, &[0.8, 0.0], &[0.0, 5.0]).unwrap();
    let e = exact(0.8, 5.0);
    assert!((p.states[1][0] - e[0]).abs() < 0.15, "{:?}", p.states);
    std::fs::remove_dir_all(&dir).ok();
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

const RESUME_ARGS: &[&str] = &[
    "--set",
    "model.hidden=[8]",
    "--set",
    "data.trajectories=3",
    "--set",
    "data.points=20",
    "--set",
    "optimizer.adam_iters=300",
    "--set",
    "optimizer.batch_size=1",
    "--set",
    "optimizer.lbfgs_iters=5",
    "--set",
    "output.checkpoint_every=5",
    "--set",
    "output.plots=false",
];

/// Network parameters and (trained) tableau coefficients of a model file, as bit patterns.
fn model_bits(path: &Path) -> Vec<u64> {
    let m = Model::load(path).unwrap();
    let mut bits = param_bits(path);
    if let Some(c) = &m.solver.tableau {
        bits.extend(
            c.a.iter()
                .flatten()
                .chain(&c.b)
                .chain(&c.c)
                .map(|x| x.to_bits()),
        );
    }
    bits
}

/// Start a run with `args`, wait for its first checkpoint, stop it with `signal` (None:
/// SIGKILL), then resume; returns the final parameters and the iteration the checkpoint held.
fn interrupted_run(dir: &Path, signal: Option<&str>, run_args: &[&str]) -> (Vec<u64>, String) {
    let mut args = vec!["train", "--out", s(dir)];
    args.extend_from_slice(run_args);
    let mut child = Command::new(env!("CARGO_BIN_EXE_nodal"))
        .args(&args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let ck = dir.join("checkpoint.json");
    let t = Instant::now();
    while !ck.exists() {
        assert!(t.elapsed() < Duration::from_secs(60), "no checkpoint");
        std::thread::sleep(Duration::from_millis(1));
    }
    match signal {
        None => child.kill().unwrap(),
        Some(sig) => {
            let ok = Command::new("kill")
                .args([sig, &child.id().to_string()])
                .status()
                .unwrap();
            assert!(ok.success());
        }
    }
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    if signal.is_some() {
        assert_eq!(out.status.code(), Some(130), "{stderr}");
        assert!(stderr.contains("--resume"), "{stderr}");
    }
    let text = std::fs::read_to_string(&ck).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let phase = v["phase"].as_str().unwrap().to_string();
    let iter = v["adam"]["iter"].as_u64().unwrap();
    assert!(
        phase == "adam" && iter < 300,
        "the run finished before it was stopped ({phase}, {iter})"
    );
    let (code, stdout, stderr) = nodal(&["train", "--resume", s(dir)]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.contains("resuming from"), "{stdout}");
    (
        model_bits(&dir.join("model.json")),
        format!("{phase} {iter}"),
    )
}

/// A full run with `args`, then the same run killed at its first checkpoint and resumed:
/// both must end with bit-identical parameters.
fn check_resume(dir: &Path, args: &[&str], ctrl_c: bool) {
    let full = dir.join("full");
    let mut a = vec!["train", "--out", s(&full)];
    a.extend_from_slice(args);
    let (code, stdout, stderr) = nodal(&a);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    let reference = model_bits(&full.join("model.json"));
    let (killed, at) = interrupted_run(&dir.join("killed"), None, args);
    assert_eq!(killed, reference, "resume after SIGKILL at {at} differs");
    if ctrl_c {
        let (ctrl_c, at) = interrupted_run(&dir.join("ctrlc"), Some("-INT"), args);
        assert_eq!(ctrl_c, reference, "resume after Ctrl-C at {at} differs");
    }
}

#[test]
fn resume_after_kill_or_ctrl_c_is_bit_identical() {
    let dir = tmp("resume");
    check_resume(&dir.join("plain"), RESUME_ARGS, true);
    // A trainable 5-stage tableau (projected after every step) ...
    let mut trk = RESUME_ARGS.to_vec();
    trk.extend_from_slice(&[
        "--set",
        "solver.h=0.1",
        "--set",
        "solver.trainable={stages = 5, init = \"rk4\", stability_weight = 0.1}",
    ]);
    check_resume(&dir.join("trk"), &trk, false);
    // ... and a local regularizer with seeded sampling and a decaying weight.
    let mut reg = RESUME_ARGS.to_vec();
    reg.extend_from_slice(&[
        "--set",
        "regularization.kind=local-unbiased",
        "--set",
        "regularization.w0=0.5",
        "--set",
        "regularization.w1=0.1",
        "--set",
        "regularization.seed=3",
    ]);
    check_resume(&dir.join("reg"), &reg, false);
    std::fs::remove_dir_all(&dir).ok();
}

/// Run `nodal train` on CSV `text` and return stderr (the run must fail with code 2).
fn train_err(name: &str, text: &str, extra: &[&str]) -> String {
    let dir = tmp(name);
    let data = dir.join("data.csv");
    std::fs::write(&data, text).unwrap();
    let set = format!("data.csv={:?}", s(&data));
    let out = dir.join("out");
    let mut args = vec!["train", "--out", s(&out), "--set", &set];
    args.extend_from_slice(extra);
    let (code, _, stderr) = nodal(&args);
    assert_eq!(code, 2, "{stderr}");
    std::fs::remove_dir_all(&dir).ok();
    stderr
}

#[test]
fn bad_csv_input_names_file_line_and_column() {
    let e = train_err("nocol", "time,x\n0,1\n1,2\n2,3\n", &[]);
    assert!(
        e.contains("data.csv:1: missing column `t`") && e.contains("time, x"),
        "{e}"
    );
    let e = train_err("nonnum", "t,x\n0,1\n1,abc\n2,3\n", &[]);
    assert!(
        e.contains("data.csv:3:2: `x` value \"abc\" is not a number"),
        "{e}"
    );
    let e = train_err("nonfinite", "t,x\n0,1\n1,NaN\n2,3\n", &[]);
    assert!(
        e.contains("data.csv:3:2:") && e.contains("not finite"),
        "{e}"
    );
    let e = train_err("unsorted", "t,x\n0,1\n2,2\n1,3\n", &[]);
    assert!(
        e.contains("data.csv:4:1: time 1 comes after time 2 on line 3"),
        "{e}"
    );
    let e = train_err("dup", "t,x\n0,1\n1,2\n1,3\n", &[]);
    assert!(e.contains("data.csv:4:1: time 1 duplicates time 1"), "{e}");
    let e = train_err("few", "t,x\n0,1\n1,2\n", &[]);
    assert!(e.contains("2 row(s)") && e.contains("at least 3"), "{e}");
    let e = train_err("ragged", "t,x\n0,1\n1,2,5\n2,3\n", &[]);
    assert!(
        e.contains("data.csv:3:") && e.contains("malformed CSV"),
        "{e}"
    );
}

#[test]
fn unknown_config_keys_suggest_the_closest() {
    let dir = tmp("cfg");
    let cfg = dir.join("run.toml");
    std::fs::write(
        &cfg,
        "[optimizer]\nlr = 1e-3\n\n[solvr]\nmethod = \"rk4\"\n",
    )
    .unwrap();
    let (code, _, e) = nodal(&["train", "--config", s(&cfg)]);
    assert_eq!(code, 2);
    assert!(
        e.contains("run.toml:4:1: unknown config key `solvr`, did you mean `solver`?"),
        "{e}"
    );
    std::fs::write(&cfg, "[optimizer]\nadam_iter = 3\n").unwrap();
    let (_, _, e) = nodal(&["train", "--config", s(&cfg)]);
    assert!(
        e.contains("run.toml:2:1: unknown config key `adam_iter`, did you mean `adam_iters`?"),
        "{e}"
    );
    let (_, _, e) = nodal(&["train", "--set", "solver.metod=rk4"]);
    assert!(
        e.contains("--set solver.metod=rk4") && e.contains("`method`"),
        "{e}"
    );
    let (_, _, e) = nodal(&["train", "--set", "solver.method=rk5"]);
    assert!(e.contains("unknown method `rk5`"), "{e}");
    std::fs::remove_dir_all(&dir).ok();
}

/// A valid untrained model file for the model-file error tests.
fn model_file(dir: &Path) -> PathBuf {
    let m = Model {
        network: Mlp::builder(&[2, 4, 2]).seed(1).build().unwrap(),
        time_name: "t".into(),
        state_names: vec!["x".into(), "v".into()],
        solver: SolverSpec {
            method: "rk4".into(),
            stepping: SteppingSpec::Fixed { h: 0.1 },
            tableau: None,
        },
        scaling: Scaling::identity(2),
        training: None,
    };
    let p = dir.join("model.json");
    m.save(&p).unwrap();
    p
}

#[test]
fn bad_model_files_and_predict_input_are_explained() {
    let dir = tmp("model");
    let p = model_file(&dir);
    let text = std::fs::read_to_string(&p).unwrap();
    let predict =
        |file: &Path, y0: &str| nodal(&["predict", "--model", s(file), "--y0", y0, "--t1", "1"]);
    let (code, out, e) = predict(&p, "1,0");
    assert_eq!(code, 0, "{e}");
    assert_eq!(out.lines().count(), 102);

    let v2 = dir.join("v2.json");
    std::fs::write(&v2, text.replacen("\"version\": 1", "\"version\": 2", 1)).unwrap();
    let (code, _, e) = predict(&v2, "1,0");
    assert_eq!(code, 2);
    assert!(
        e.contains("model format version 2") && e.contains("reads version 1"),
        "{e}"
    );

    // Drop the last parameter but keep n_params: the counts disagree.
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["network"]["params"].as_array_mut().unwrap().pop();
    let short = dir.join("short.json");
    std::fs::write(&short, v.to_string()).unwrap();
    let (_, _, e) = predict(&short, "1,0");
    assert!(
        e.contains("network.params") && e.contains("has 21 entries, expected 22"),
        "{e}"
    );
    // Consistent count that does not fit the widths.
    v["network"]["n_params"] = 21.into();
    std::fs::write(&short, v.to_string()).unwrap();
    let (_, _, e) = predict(&short, "1,0");
    assert!(
        e.contains("parameter vector has length 21, the architecture needs 22"),
        "{e}"
    );

    let (_, _, e) = predict(&p, "1,0,3");
    assert!(
        e.contains("y0 has 3 components but the model has 2 states (x, v)"),
        "{e}"
    );
    let times = dir.join("times.txt");
    std::fs::write(&times, "t\n0\n0.5\nsoon\n").unwrap();
    let (_, _, e) = nodal(&[
        "predict",
        "--model",
        s(&p),
        "--y0",
        "1,0",
        "--times",
        s(&times),
    ]);
    assert!(
        e.contains("times.txt:4:1: \"soon\" is not a finite time"),
        "{e}"
    );
    std::fs::remove_dir_all(&dir).ok();
}
