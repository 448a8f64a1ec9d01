//! Dense output: saving at arbitrary times without shortening steps.

use nodal::systems::{Exact, Harmonic};
use nodal::{solve_adaptive, solve_at, Adaptive, SolveError, State, Stepping, Tableau};

fn times(n: usize, t1: f64) -> Vec<f64> {
    (0..=n).map(|i| t1 * i as f64 / n as f64).collect()
}

fn max_err<const S: usize>(tab: &Tableau<S>, stepping: Stepping) -> (f64, usize) {
    let f = Harmonic { omega: 1.3 };
    let y0 = State::<2>::new(1.0, -0.4);
    let ts = times(997, 10.0);
    let tr = solve_at(tab, &f, 0.0, y0, &ts, &stepping).unwrap();
    assert_eq!(tr.y.len(), ts.len());
    assert_eq!(tr.t, ts);
    let err = ts
        .iter()
        .zip(&tr.y)
        .map(|(t, y)| (y - f.exact(0.0, &y0, *t)).norm())
        .fold(0.0, f64::max);
    (err, tr.stats.accepted)
}

#[test]
fn own_interpolants_are_accurate_between_steps() {
    for (err, steps) in [
        max_err(
            &Tableau::dopri5(),
            Stepping::Adaptive(Adaptive::with_tol(1e-9, 1e-9)),
        ),
        max_err(
            &Tableau::tsit5(),
            Stepping::Adaptive(Adaptive::with_tol(1e-9, 1e-9)),
        ),
    ] {
        // Far fewer steps than save times: the values come from the interpolant.
        assert!(steps < 300, "{steps} steps");
        assert!(err < 1e-7, "max error {err:e}");
    }
}

#[test]
fn hermite_dense_output_is_third_order() {
    // RK4 with fixed steps: the interpolation error of the cubic Hermite is O(h⁴) locally, so
    // halving h divides the maximum error between steps by about 16 (≥ 8 asserted).
    let (e1, _) = max_err(&Tableau::rk4(), Stepping::Fixed(0.2));
    let (e2, _) = max_err(&Tableau::rk4(), Stepping::Fixed(0.1));
    assert!(e1 / e2 > 8.0, "ratio {}", e1 / e2);
    assert!(e2 < 1e-4);
    // DOP853 adaptive (Hermite dense output, f(t+h) evaluated for it). Its steps are long, so
    // the cubic's error h⁴/384·max|y⁗| dominates: at rtol 1e-10 the steps are ~0.2 long and
    // |y⁗| ≤ ω⁴·|y| ≈ 3.1, giving ~1e-5.
    let (e, _) = max_err(
        &Tableau::dop853(),
        Stepping::Adaptive(Adaptive::with_tol(1e-10, 1e-10)),
    );
    assert!(e < 1e-4, "{e:e}");
}

#[test]
fn saving_does_not_change_the_steps() {
    // The final state of solve_at equals the plain solve's, bit for bit.
    let f = Harmonic { omega: 1.0 };
    let y0 = State::<2>::new(1.0, 0.0);
    let opts = Adaptive::with_tol(1e-7, 1e-7);
    let (y, st) = solve_adaptive(&Tableau::dopri5(), &f, 0.0, 7.0, y0, &opts).unwrap();
    let tr = solve_at(
        &Tableau::dopri5(),
        &f,
        0.0,
        y0,
        &times(50, 7.0),
        &Stepping::Adaptive(opts),
    )
    .unwrap();
    assert_eq!(*tr.y.last().unwrap(), y);
    assert_eq!(tr.stats.accepted, st.accepted);
    assert_eq!(tr.y[0], y0);
}

#[test]
fn backward_save_times() {
    let f = Harmonic { omega: 1.0 };
    let y0 = State::<2>::new(0.0, 1.0);
    let ts = [5.0, 4.0, 2.5, 2.5, 0.0];
    let tr = solve_at(
        &Tableau::tsit5(),
        &f,
        5.0,
        y0,
        &ts,
        &Stepping::Adaptive(Adaptive::with_tol(1e-10, 1e-10)),
    )
    .unwrap();
    for (t, y) in ts.iter().zip(&tr.y) {
        approx::assert_relative_eq!(*y, f.exact(5.0, &y0, *t), epsilon = 1e-8);
    }
}

#[test]
fn bad_save_times_are_rejected() {
    let f = Harmonic { omega: 1.0 };
    let y0 = State::<2>::new(0.0, 1.0);
    let s = Stepping::Fixed(0.1);
    let tab = Tableau::rk4();
    assert_eq!(
        solve_at(&tab, &f, 0.0, y0, &[], &s).unwrap_err(),
        SolveError::NoSaveTimes
    );
    match solve_at(&tab, &f, 0.0, y0, &[0.5, 0.2, 1.0], &s).unwrap_err() {
        SolveError::InvalidSaveTime { index, t, .. } => assert_eq!((index, t), (1, 0.2)),
        e => panic!("{e:?}"),
    }
    // 0.5 lies before t0 = 1.
    match solve_at(&tab, &f, 1.0, y0, &[0.5, 2.0], &s).unwrap_err() {
        SolveError::InvalidSaveTime { index, .. } => assert_eq!(index, 0),
        e => panic!("{e:?}"),
    }
    match solve_at(&tab, &f, 0.0, y0, &[0.5, f64::NAN, 1.0], &s).unwrap_err() {
        SolveError::InvalidSaveTime { index, .. } => assert_eq!(index, 1),
        e => panic!("{e:?}"),
    }
    // Only t0: no stepping, the initial state.
    let tr = solve_at(&tab, &f, 0.0, y0, &[0.0, 0.0], &s).unwrap();
    assert_eq!(tr.y, vec![y0, y0]);
}
