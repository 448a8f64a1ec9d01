//! Samplers cover their support (χ² and Kolmogorov–Smirnov tests with fixed seeds and stated
//! thresholds), the biased sampler never returns the final time, and weight schedules.

use nodal::integrate::solve_adaptive_with;
use nodal::regularize::{Biased, RegularizeError, StepRecorder, TimeSampler, Unbiased, Weight};
use nodal::systems::VanDerPol;
use nodal::{Adaptive, State, Tableau};

/// χ² statistic of observed counts against equal expected counts.
fn chi2(counts: &[usize], n: usize) -> f64 {
    let e = n as f64 / counts.len() as f64;
    counts.iter().map(|&o| (o as f64 - e).powi(2) / e).sum()
}

/// Upper 0.1% point of χ² with `k` degrees of freedom, Wilson–Hilferty approximation
/// (z₀.₉₉₉ = 3.0902; accurate to < 1% for k ≥ 5).
fn chi2_crit_999(k: usize) -> f64 {
    let k = k as f64;
    let a = 2.0 / (9.0 * k);
    k * (1.0 - a + 3.0902 * a.sqrt()).powi(3)
}

#[test]
fn wilson_hilferty_matches_tables() {
    // Published χ² upper 0.1% points: 19 dof 43.820, 9 dof 27.877.
    assert!((chi2_crit_999(19) - 43.820).abs() < 0.2);
    assert!((chi2_crit_999(9) - 27.877).abs() < 0.2);
}

#[test]
fn unbiased_is_uniform_on_the_span() {
    for (t0, t1, seed) in [(-1.0, 3.0, 42u64), (2.0, 0.5, 7)] {
        let mut s = Unbiased::new(seed);
        let n = 20_000;
        let bins = 20;
        let mut counts = vec![0usize; bins];
        let mut u: Vec<f64> = Vec::with_capacity(n);
        for _ in 0..n {
            let t: f64 = s.sample(t0, t1, &[]).unwrap();
            let x = (t - t0) / (t1 - t0);
            assert!((0.0..1.0).contains(&x), "t = {t} outside [{t0}, {t1})");
            counts[(x * bins as f64) as usize] += 1;
            u.push(x);
        }
        // χ² with 19 dof at α = 0.001: 43.82.
        let c = chi2(&counts, n);
        assert!(c < 43.82, "χ² = {c} ≥ 43.82 (span [{t0}, {t1}])");
        // Kolmogorov–Smirnov against U[0, 1): critical value at α = 0.001 is 1.949/√n.
        u.sort_by(|a, b| a.partial_cmp(b).unwrap());
        let d = u
            .iter()
            .enumerate()
            .map(|(i, x)| ((i + 1) as f64 / n as f64 - x).max(x - i as f64 / n as f64))
            .fold(0.0f64, f64::max);
        assert!(d < 1.949 / (n as f64).sqrt(), "KS D = {d}");
    }
    // Same seed, same stream.
    let (mut a, mut b) = (Unbiased::new(3), Unbiased::new(3));
    for _ in 0..10 {
        assert_eq!(
            TimeSampler::<f64>::sample(&mut a, 0.0, 1.0, &[]).unwrap(),
            TimeSampler::<f64>::sample(&mut b, 0.0, 1.0, &[]).unwrap()
        );
    }
}

#[test]
fn biased_is_uniform_over_step_starts_and_never_final() {
    let tab = Tableau::dopri5();
    let mut rec = StepRecorder::new(&tab);
    let (t0, t1) = (0.0, 6.0);
    let (_, stats) = solve_adaptive_with(
        &tab,
        &VanDerPol::new(2.0),
        t0,
        t1,
        State::<2>::new(2.0, 0.0),
        &Adaptive::with_tol(1e-6, 1e-8),
        &mut rec,
    )
    .unwrap();
    let starts = rec.step_starts();
    let m = starts.len();
    assert_eq!(m, stats.accepted);
    assert!(m >= 20, "want a real step grid, got {m} steps");
    let n = 500 * m;
    let mut counts = vec![0usize; m];
    let mut s = Biased::new(11);
    for _ in 0..n {
        let t = s.sample(t0, t1, starts).unwrap();
        assert!(
            t != t1 && t < t1,
            "biased sampler returned the final time {t}"
        );
        let i = starts
            .iter()
            .position(|x| *x == t)
            .expect("not a step start");
        counts[i] += 1;
    }
    assert!(counts.iter().all(|&c| c > 0), "some step time never drawn");
    let c = chi2(&counts, n);
    let crit = chi2_crit_999(m - 1);
    assert!(c < crit, "χ² = {c} ≥ {crit} with {} dof", m - 1);
    // The first step time is t0; the final time t1 is not in the list at all.
    assert_eq!(starts[0], t0);
    assert!(!starts.contains(&t1));
    assert_eq!(rec.span(), Some((t0, t1)));
}

#[test]
fn samplers_report_bad_input() {
    let mut b = Biased::new(0);
    assert_eq!(
        TimeSampler::<f64>::sample(&mut b, 0.0, 1.0, &[]),
        Err(RegularizeError::EmptyRecord)
    );
    assert_eq!(
        b.sample(0.0, 1.0, &[1.0]),
        Err(RegularizeError::TimeOutsideSpan {
            t: 1.0,
            t0: 0.0,
            t1: 1.0
        })
    );
    let mut u = Unbiased::new(0);
    assert_eq!(
        u.sample(1.0, 1.0, &[]),
        Err(RegularizeError::InvalidSpan { t0: 1.0, t1: 1.0 })
    );
    assert!(matches!(
        u.sample(0.0, f64::INFINITY, &[]),
        Err(RegularizeError::InvalidSpan { .. })
    ));
}

#[test]
fn weight_schedules() {
    let w = Weight::ExpDecay {
        w0: 2.5,
        w1: 1.0,
        iters: 100,
    };
    assert_eq!(w.at(0).unwrap(), 2.5);
    approx::assert_relative_eq!(w.at(100).unwrap(), 1.0, max_relative = 1e-15);
    approx::assert_relative_eq!(w.at(50).unwrap(), (2.5f64).sqrt(), max_relative = 1e-14);
    assert_eq!(w.at(1000).unwrap(), 1.0);
    // Strictly decreasing on [0, K].
    let ws: Vec<f64> = (0..=100).map(|k| w.at(k).unwrap()).collect();
    assert!(ws.windows(2).all(|p| p[1] < p[0]));
    assert_eq!(Weight::Constant(0.3).at(17).unwrap(), 0.3);
    assert_eq!(
        Weight::ExpDecay {
            w0: 0.0,
            w1: 1.0,
            iters: 10
        }
        .at(0),
        Err(RegularizeError::InvalidWeight {
            name: "w0",
            value: 0.0,
            expected: "finite and > 0"
        })
    );
    assert!(matches!(
        Weight::ExpDecay {
            w0: 1.0,
            w1: -1.0,
            iters: 10
        }
        .at(0),
        Err(RegularizeError::InvalidWeight { name: "w1", .. })
    ));
    assert!(matches!(
        Weight::ExpDecay {
            w0: 1.0,
            w1: 1.0,
            iters: 0
        }
        .at(0),
        Err(RegularizeError::InvalidWeight { name: "iters", .. })
    ));
    assert!(matches!(
        Weight::Constant(f64::NAN).at(0),
        Err(RegularizeError::InvalidWeight { name: "w", .. })
    ));
}
