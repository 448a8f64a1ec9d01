//! Bad input gets a typed error carrying the numbers, never a panic.

use nodal::systems::{Harmonic, LinearTest};
use nodal::tableau::TableauError;
use nodal::{solve_adaptive, solve_fixed, Adaptive, SolveError, State, Tableau};

fn f() -> Harmonic {
    Harmonic { omega: 1.0 }
}
fn y0() -> State<2> {
    State::<2>::new(1.0, 0.0)
}

#[test]
fn non_finite_initial_state() {
    let y = State::<2>::new(1.0, f64::NAN);
    let e = solve_fixed(&Tableau::rk4(), &f(), 0.0, 1.0, y, 0.1).unwrap_err();
    assert!(matches!(
        e,
        SolveError::NonFiniteInitialState { index: 1, .. }
    ));
    let e = solve_adaptive(&Tableau::dopri5(), &f(), 0.0, 1.0, y, &Adaptive::default());
    assert!(matches!(
        e,
        Err(SolveError::NonFiniteInitialState { index: 1, .. })
    ));
}

#[test]
fn spans() {
    let e = solve_fixed(&Tableau::rk4(), &f(), 1.0, 1.0, y0(), 0.1).unwrap_err();
    assert_eq!(e, SolveError::EmptySpan { t0: 1.0 });
    let e = solve_fixed(&Tableau::rk4(), &f(), 0.0, f64::INFINITY, y0(), 0.1).unwrap_err();
    assert!(matches!(e, SolveError::NonFiniteTime { .. }));
    // Reversed spans integrate backwards (supported, not an error).
    assert!(solve_fixed(&Tableau::rk4(), &f(), 1.0, 0.0, y0(), 0.1).is_ok());
}

#[test]
fn step_sizes() {
    for h in [0.0, -0.1, f64::NAN] {
        let e = solve_fixed(&Tableau::rk4(), &f(), 0.0, 1.0, y0(), h).unwrap_err();
        assert!(matches!(e, SolveError::InvalidStepSize { .. }), "{h}: {e}");
    }
    let e = solve_fixed(&Tableau::rk4(), &f(), 0.0, 1.0, y0(), 1e-300).unwrap_err();
    assert!(matches!(e, SolveError::StepSizeUnderflow { .. }), "{e}");
    let opts = Adaptive {
        h0: Some(-1.0),
        ..Adaptive::default()
    };
    let e = solve_adaptive(&Tableau::dopri5(), &f(), 0.0, 1.0, y0(), &opts).unwrap_err();
    assert!(matches!(e, SolveError::InvalidStepSize { h } if h == -1.0));
}

#[test]
fn tolerances() {
    for (rtol, atol) in [
        (0.0, 0.0),
        (-1e-6, 1e-6),
        (f64::NAN, 1e-6),
        (1e-6, f64::INFINITY),
    ] {
        let e = solve_adaptive(
            &Tableau::dopri5(),
            &f(),
            0.0,
            1.0,
            y0(),
            &Adaptive::with_tol(rtol, atol),
        )
        .unwrap_err();
        match e {
            SolveError::InvalidTolerance { rtol: r, .. } => {
                assert!(r == rtol || (r.is_nan() && rtol.is_nan()))
            }
            e => panic!("{e}"),
        }
    }
}

#[test]
fn max_steps_exceeded_reports_where() {
    let opts = Adaptive {
        max_steps: 10,
        ..Adaptive::with_tol(1e-10, 1e-10)
    };
    match solve_adaptive(&Tableau::dopri5(), &f(), 0.0, 100.0, y0(), &opts).unwrap_err() {
        SolveError::MaxStepsExceeded { max_steps, t, t1 } => {
            assert_eq!(max_steps, 10);
            assert!(t > 0.0 && t < 100.0);
            assert_eq!(t1, 100.0);
        }
        e => panic!("{e}"),
    }
}

#[test]
fn adaptive_needs_an_embedded_pair() {
    let e = solve_adaptive(&Tableau::rk4(), &f(), 0.0, 1.0, y0(), &Adaptive::default());
    assert_eq!(
        e.unwrap_err(),
        SolveError::NoErrorEstimate { method: "rk4" }
    );
}

#[test]
fn implicit_and_inconsistent_tableaus_are_rejected() {
    let mut tab = Tableau::rk4();
    tab.a[1][1] = 0.5;
    match solve_fixed(&tab, &f(), 0.0, 1.0, y0(), 0.1).unwrap_err() {
        SolveError::Tableau(TableauError::NotExplicit { row: 1, col: 1, .. }) => {}
        e => panic!("{e}"),
    }
    let mut tab = Tableau::rk4();
    tab.c[2] = 0.7;
    assert!(matches!(
        solve_fixed(&tab, &f(), 0.0, 1.0, y0(), 0.1).unwrap_err(),
        SolveError::Tableau(TableauError::RowSumMismatch { row: 2, .. })
    ));
}

#[test]
fn blow_up_is_reported_with_time_and_step() {
    // Explicit Euler on y' = -1e6 y with h = 0.1 diverges like 1e5^n: non-finite after ~62 steps.
    let g = LinearTest { lambda: -1e6 };
    match solve_fixed(&Tableau::euler(), &g, 0.0, 100.0, State::<1>::new(1.0), 0.1).unwrap_err() {
        SolveError::NonFiniteState { t, h, step, index } => {
            assert_eq!(index, 0);
            assert!(step > 10 && step < 1000, "{step}");
            approx::assert_relative_eq!(t, step as f64 * 0.1, max_relative = 1e-12);
            approx::assert_relative_eq!(h, 0.1);
        }
        e => panic!("{e}"),
    }
    // A field that returns NaN: the adaptive solver shrinks the step, then reports.
    let nan_field = |t: f64, y: &State<1>| {
        if t > 0.5 {
            State::<1>::new(f64::NAN)
        } else {
            *y
        }
    };
    match solve_adaptive(
        &Tableau::dopri5(),
        &nan_field,
        0.0,
        1.0,
        State::<1>::new(1.0),
        &Adaptive::default(),
    )
    .unwrap_err()
    {
        SolveError::NonFiniteState { t, .. } => assert!((0.4..=0.5).contains(&t), "{t}"),
        e => panic!("{e}"),
    }
}

#[test]
fn errors_display_their_numbers() {
    let e = SolveError::MaxStepsExceeded {
        max_steps: 7,
        t: 1.5,
        t1: 3.0,
    };
    let s = e.to_string();
    assert!(
        s.contains('7') && s.contains("1.5") && s.contains('3'),
        "{s}"
    );
}
