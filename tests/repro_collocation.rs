//! Smoke test of `nodal repro collocation --quick`: the binary runs the reduced experiment and
//! writes every table and plot; the numbers it writes are consistent.

use std::process::Command;

#[test]
fn repro_collocation_quick_writes_tables_and_plots() {
    let dir = std::env::temp_dir().join(format!("nodal-repro-colloc-{}", std::process::id()));
    let out = Command::new(env!("CARGO_BIN_EXE_nodal"))
        .args(["repro", "collocation", "--quick", "--seed", "1", "--out"])
        .arg(&dir)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "stdout: {stdout}\nstderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    for stem in ["case_study", "comparison", "admm_iterations", "admm_timing"] {
        for ext in ["md", "csv"] {
            let p = dir.join(format!("{stem}.{ext}"));
            assert!(p.exists(), "missing {}", p.display());
        }
    }
    for svg in [
        "case_study_y0",
        "case_study_y1",
        "sequential_mse",
        "admm_residuals",
        "admm_mse",
        "admm_trajectories",
    ] {
        let text = std::fs::read_to_string(dir.join(format!("{svg}.svg"))).unwrap();
        assert!(text.contains("<svg"), "{svg}.svg is not an SVG");
    }
    // One row per ADMM iteration (quick: 3), each with finite, positive residuals.
    let csv = std::fs::read_to_string(dir.join("admm_iterations.csv")).unwrap();
    let rows: Vec<Vec<&str>> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    assert_eq!(rows.len(), 3, "{csv}");
    for r in &rows {
        let primal: f64 = r[2].parse().unwrap();
        let dual: f64 = r[4].parse().unwrap();
        assert!(
            primal.is_finite() && primal > 0.0 && dual.is_finite(),
            "{r:?}"
        );
    }
    // Parallel and serial ADMM runs agree bit for bit.
    let timing = std::fs::read_to_string(dir.join("admm_timing.md")).unwrap();
    assert!(timing.contains("identical z: true"), "{timing}");
    // The case study's IPM converged and its train MSE is finite.
    let case = std::fs::read_to_string(dir.join("case_study.csv")).unwrap();
    let row: Vec<&str> = case.lines().nth(1).unwrap().split(',').collect();
    assert!(row[0].starts_with("Solved"), "{case}");
    let train: f64 = row[5].parse().unwrap();
    assert!(
        train.is_finite() && train < 0.1,
        "node-state train MSE {train}"
    );
    std::fs::remove_dir_all(&dir).ok();
}
