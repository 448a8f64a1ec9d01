//! The local-regularization experiment's building blocks: the per-sample gradient adds exactly
//! the regularizer's own gradient (every variant, both adjoints, three embedded pairs), and
//! `nodal repro local-reg --quick` writes its tables and plots.

use nodal::experiments::local_reg::{
    mean_sd, mix_seed, sample_gradient, select, CandidateScore, Digits, DigitsConfig,
    DigitsRunError, DigitsSplit, PenaltySetup, Variant,
};
use nodal::nn::{Mlp, MlpField};
use nodal::regularize::{Biased, Global, Local, OneStep, Unbiased};
use nodal::sensitivity::{record, Sensitivity};
use nodal::train::{mse, TrainError};
use nodal::{Adaptive, ParamField, State, Stepping, Tableau};

fn field() -> MlpField<2> {
    Mlp::builder(&[2, 12, 2])
        .time_input(true)
        .seed(3)
        .build()
        .unwrap()
        .into_field::<2>()
        .unwrap()
}

/// `sample_gradient(variant, w) − sample_gradient(vanilla)` must equal `w·∂R/∂θ` computed
/// directly by the regularizer on a tape of the same solve, with the same sampler seed.
fn check_wiring<const S: usize>(tab: Tableau<S>) {
    let f = field();
    let opts = Adaptive::with_tol(1e-6, 1e-8);
    let y0 = State::<2>::new(0.8, -0.4);
    let times = [0.5, 1.0, 2.0];
    let obs = [State::<2>::new(0.5, 0.1); 3];
    let loss = |tr: &nodal::Trajectory<2>| mse(&tr.y, &obs, None).map(|lg| (lg.value, lg.dl_dy));
    let (w, seed) = (0.7, 11);
    for sens in [Sensitivity::Discrete, Sensitivity::Continuous] {
        let setup = |variant| PenaltySetup {
            tab: &tab,
            opts: &opts,
            sensitivity: sens,
            variant,
            weight: w,
        };
        let base =
            sample_gradient(&setup(Variant::Vanilla), &f, 0.0, y0, &times, 0, seed, loss).unwrap();
        assert_eq!(base.reg, 0.0);
        let tape = record(&tab, &f, 0.0, y0, &times, &Stepping::Adaptive(opts)).unwrap();
        let one = OneStep::error(opts.rtol, opts.atol);
        for variant in [
            Variant::Global,
            Variant::LocalUnbiased,
            Variant::LocalBiased,
        ] {
            let got = sample_gradient(&setup(variant), &f, 0.0, y0, &times, 0, seed, loss).unwrap();
            let mut direct = vec![0.0; f.params().len()];
            let r = match variant {
                Variant::Global => {
                    Global::new(one)
                        .value_and_grad(&tab, &f, &tape, w, &mut direct)
                        .unwrap()
                        .value
                }
                Variant::LocalUnbiased => {
                    Local::new(one, Unbiased::new(seed))
                        .value_and_grad_on_tape(&tab, &f, &tape, w, &mut direct)
                        .unwrap()
                        .value
                }
                _ => {
                    Local::new(one, Biased::new(seed))
                        .value_and_grad_on_tape(&tab, &f, &tape, w, &mut direct)
                        .unwrap()
                        .value
                }
            };
            assert!(r > 0.0, "{} {variant:?}: R = {r}", tab.name);
            assert_eq!(got.reg, r, "{} {variant:?} {sens:?}", tab.name);
            assert_eq!(got.loss, base.loss);
            assert_eq!(got.nfe, base.nfe);
            let scale = direct.iter().fold(0.0f64, |m, g| m.max(g.abs()));
            assert!(scale > 0.0);
            for (i, ((g, b), d)) in got.params.iter().zip(&base.params).zip(&direct).enumerate() {
                assert!(
                    (g - b - d).abs() <= 1e-12 * (1.0 + scale + b.abs()),
                    "{} {variant:?} {sens:?} θ[{i}]: {g} − {b} ≠ {d}",
                    tab.name
                );
            }
        }
    }
}

#[test]
fn regularized_gradient_adds_the_regularizers_gradient_tsit5() {
    check_wiring(Tableau::<7>::tsit5());
}

#[test]
fn regularized_gradient_adds_the_regularizers_gradient_dopri5_bs3() {
    check_wiring(Tableau::<7>::dopri5());
    check_wiring(Tableau::<4>::bs3());
}

#[test]
fn failures_are_typed_with_the_sample_index() {
    let f = field();
    let tab = Tableau::<4>::rk4(); // no embedded pair: the adaptive solve refuses
    let opts = Adaptive::with_tol(1e-6, 1e-8);
    let setup = PenaltySetup {
        tab: &tab,
        opts: &opts,
        sensitivity: Sensitivity::Discrete,
        variant: Variant::LocalUnbiased,
        weight: 1.0,
    };
    let e = sample_gradient(&setup, &f, 0.0, State::<2>::zeros(), &[1.0], 42, 0, |tr| {
        Ok((0.0, vec![State::<2>::zeros(); tr.y.len()]))
    })
    .unwrap_err();
    assert!(
        matches!(e, TrainError::Solve { trajectory: 42, .. }),
        "{e:?}"
    );
}

#[test]
fn sampler_seeds_differ_across_samples_and_iterations() {
    let mut seen = std::collections::HashSet::new();
    for it in 0..50 {
        for s in 0..50 {
            assert!(seen.insert(mix_seed(7, it, s)));
        }
    }
    assert_eq!(mix_seed(1, 2, 3), mix_seed(1, 2, 3));
}

#[test]
fn repro_local_reg_quick_writes_tables_and_plots() {
    let dir = std::env::temp_dir().join(format!("nodal-local-reg-{}", std::process::id()));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_nodal"))
        .args(["repro", "local-reg", "--quick", "--seed", "1", "--out"])
        .arg(&dir)
        .output()
        .expect("run nodal");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for f in [
        "digits.md",
        "digits.csv",
        "spiral.md",
        "spiral.csv",
        "README.md",
        "digits_loss.svg",
        "digits_nfe.svg",
        "spiral_loss.svg",
    ] {
        let p = dir.join(f);
        assert!(
            std::fs::metadata(&p).map(|m| m.len() > 0).unwrap_or(false),
            "{p:?}"
        );
    }
    let csv = std::fs::read_to_string(dir.join("digits.csv")).unwrap();
    let rows: Vec<Vec<&str>> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    let names: Vec<&str> = rows.iter().map(|r| r[0]).collect();
    assert_eq!(
        names,
        ["vanilla", "global", "local unbiased", "local biased"]
    );
    for r in &rows {
        let acc: f64 = r[1].parse().unwrap();
        let nfe: f64 = r[3].parse().unwrap();
        // 10 classes: chance is 10 %; two short epochs already do better.
        assert!(acc > 12.0 && acc <= 100.0, "{r:?}");
        assert!(nfe >= 8.0, "{r:?}"); // at least one tsit5 step (FSAL: 2 + 6 per step)
    }
    let spiral = std::fs::read_to_string(dir.join("spiral.csv")).unwrap();
    assert_eq!(spiral.lines().count(), 1 + 5); // vanilla + 4 variants × 1 weight × 1 seed
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn repro_local_reg_quick_selection_writes_validation_and_test_tables() {
    let dir = std::env::temp_dir().join(format!("nodal-local-reg-sel-{}", std::process::id()));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_nodal"))
        .args([
            "repro",
            "local-reg",
            "--quick",
            "--candidates",
            "2.5:1,25:10",
            "--variants",
            "vanilla,local-batch",
            "--out",
        ])
        .arg(&dir)
        .output()
        .expect("run nodal");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let val = std::fs::read_to_string(dir.join("validation.csv")).unwrap();
    // vanilla + two candidates; at most one selected.
    assert_eq!(val.lines().count(), 1 + 3, "{val}");
    assert!(
        val.lines()
            .skip(1)
            .filter(|l| l.contains("selected"))
            .count()
            <= 1
    );
    let seed = std::fs::read_to_string(dir.join("seed0.csv")).unwrap();
    let names: Vec<&str> = seed
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(
        names,
        ["vanilla", "local batch", "local accepted", "local accepted"]
    );
    for l in seed.lines().skip(1) {
        // The validation columns are filled (quick: 64 validation images).
        let c: Vec<&str> = l.split(',').collect();
        let acc: f64 = c[c.len() - 2].parse().unwrap();
        assert!((0.0..=100.0).contains(&acc), "{l}");
    }
    let bad = std::process::Command::new(env!("CARGO_BIN_EXE_nodal"))
        .args([
            "repro",
            "local-reg",
            "--quick",
            "--candidates",
            "10-4",
            "--out",
        ])
        .arg(&dir)
        .output()
        .expect("run nodal");
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("10-4"));
    std::fs::remove_dir_all(&dir).ok();
}

// Validation split and selection rule (experiments::local_reg::{DigitsSplit, select}).

#[test]
fn validation_is_the_fixed_tail_of_the_training_part() {
    let all = Digits::load(&Digits::shipped_path()).unwrap();
    let cfg = DigitsConfig {
        validation_fraction: 0.15,
        ..DigitsConfig::default()
    };
    let s = DigitsSplit::new(&cfg, &all).unwrap();
    assert_eq!(
        (s.train.len(), s.validation.len(), s.test.len()),
        (1222, 216, 359)
    );
    // Train, validation, test are consecutive disjoint index ranges of the file.
    let range = |a: usize, b: usize| Digits {
        images: all.images[a..b].to_vec(),
        labels: all.labels[a..b].to_vec(),
    };
    assert_eq!(s.train, range(0, 1222));
    assert_eq!(s.validation, range(1222, 1438));
    assert_eq!(s.test, range(1438, 1797));
    // Fixed: the same split every time, and the test set is the one without validation.
    assert_eq!(DigitsSplit::new(&cfg, &all).unwrap(), s);
    let plain = DigitsSplit::new(&DigitsConfig::default(), &all).unwrap();
    assert_eq!(plain.test, s.test);
    assert!(plain.validation.is_empty() && plain.train.len() == 1438);
    for f in [-0.1, 1.0, f64::NAN] {
        let bad = DigitsConfig {
            validation_fraction: f,
            ..DigitsConfig::default()
        };
        assert!(matches!(
            DigitsSplit::new(&bad, &all),
            Err(DigitsRunError::Config {
                name: "validation_fraction",
                ..
            })
        ));
    }
}

fn s(accuracy: f64, nfe: f64) -> CandidateScore {
    CandidateScore { accuracy, nfe }
}

#[test]
fn lowest_nfe_among_admissible() {
    let v = s(0.90, 60.0);
    // Floor 0.89 at 1 point: 0.895 within, 0.89 exactly at the floor, 0.889 below it.
    let c = [s(0.91, 55.0), s(0.895, 40.0), s(0.889, 20.0), s(0.89, 30.0)];
    assert_eq!(select(v, &c, 1.0), Some(3));
    assert_eq!(select(v, &c, 0.5), Some(1)); // floor 0.895: 0.89 is out
    assert_eq!(select(v, &c, 5.0), Some(2));
}

#[test]
fn none_admissible_or_nan_is_none_and_ties_keep_the_first() {
    let v = s(0.90, 60.0);
    assert_eq!(select(v, &[s(0.5, 10.0), s(f64::NAN, 1.0)], 1.0), None);
    assert_eq!(select(v, &[s(0.95, f64::NAN)], 1.0), None);
    assert_eq!(select(v, &[s(0.95, 30.0), s(0.96, 30.0)], 1.0), Some(0));
    assert_eq!(select(v, &[], 1.0), None);
}

#[test]
fn mean_and_sample_sd() {
    let (m, sd) = mean_sd(&[1.0, 2.0, 6.0]);
    approx::assert_relative_eq!(m, 3.0);
    approx::assert_relative_eq!(sd, (14.0f64 / 2.0).sqrt());
    assert_eq!(mean_sd(&[4.0]), (4.0, 0.0));
    assert!(mean_sd(&[]).0.is_nan());
}
