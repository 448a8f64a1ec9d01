//! The `nodal` binary: solve and tableau commands, and their error messages.

#[path = "common/cli.rs"]
mod common;
use common::nodal;
use std::process::Command;

#[test]
fn solve_prints_final_state_and_stats_and_writes_csv() {
    let dir = std::env::temp_dir().join(format!("nodal-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("traj.csv");
    let (code, stdout, stderr) = nodal(&[
        "solve",
        "--system",
        "harmonic",
        "--method",
        "dopri5",
        "--rtol",
        "1e-10",
        "--atol",
        "1e-10",
        "--t1",
        "3.14159265358979",
        "--out",
        out.to_str().unwrap(),
        "--save",
        "10",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("nfe = "), "{stdout}");
    // y(π) = (−1, 0) for y0 = (1, 0).
    let line = stdout.lines().find(|l| l.starts_with("y(")).unwrap();
    let vals: Vec<f64> = line[line.find('[').unwrap() + 1..line.find(']').unwrap()]
        .split(", ")
        .map(|v| v.parse().unwrap())
        .collect();
    assert!(
        (vals[0] + 1.0).abs() < 1e-8 && vals[1].abs() < 1e-8,
        "{vals:?}"
    );
    let csv = std::fs::read_to_string(&out).unwrap();
    assert_eq!(csv.lines().count(), 12);
    assert!(csv.starts_with("t,y0,y1\n"));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn tableau_prints_order_and_stability_interval() {
    let (code, stdout, _) = nodal(&["tableau", "--method", "rk4"]);
    assert_eq!(code, 0);
    assert!(stdout.contains("up to order 4"), "{stdout}");
    assert!(stdout.contains("[-2.785"), "{stdout}");
}

#[test]
fn bad_input_gives_clear_errors_and_exit_code_2() {
    let cases: &[(&[&str], &str)] = &[
        (&["solve", "--method", "rk5"], "unknown method `rk5`"),
        (
            &["solve", "--system", "pendulum"],
            "unknown system `pendulum`",
        ),
        (&["solve", "--method", "rk4"], "give a fixed step with --h"),
        (
            &["solve", "--system", "vdp", "--y0", "1,2,3"],
            "--y0 has 3 components",
        ),
        (&["solve", "--t1", "0"], "empty time span"),
        (&["solve", "--rtol", "-1"], "invalid tolerances"),
        (
            &["solve", "--method", "rk4", "--h", "0"],
            "step size must be finite and > 0",
        ),
    ];
    for (args, msg) in cases {
        let (code, _, stderr) = nodal(args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(stderr.contains(msg), "{args:?}: {stderr}");
    }
}

/// A reader that closes the pipe (`nodal … | head -1`) must end the program quietly, not
/// with a "Broken pipe" panic.
#[cfg(unix)]
#[test]
fn closed_stdout_pipe_is_not_a_panic() {
    use std::process::Stdio;
    let mut child = Command::new(env!("CARGO_BIN_EXE_nodal"))
        .args(["tableau", "--method", "dop853"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn nodal");
    // Close the read end before nodal has started printing.
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("wait");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "stderr: {err}");
    assert!(err.is_empty(), "stderr: {err}");
}
