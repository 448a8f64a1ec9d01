//! Proves with a counting global allocator that `solve_fixed` and `solve_adaptive` make no heap
//! allocation between call and return: Lorenz-63 (D = 3, `f64` and `f32`) and the dense linear
//! field (D = 64) with rk4, bs3, dopri5, tsit5 and dop853, plus the error paths (step limit
//! exceeded, non-finite state, tableau without error estimate, invalid tolerances).
//!
//! The counter is thread-local, so allocations by the test harness's other threads cannot
//! leak into (or hide from) a measurement; [`the_counter_sees_allocations`] shows that the
//! counter is live, so the zero results cannot pass vacuously.

use nodal::systems::{DenseLinear, Lorenz63};
use nodal::{solve_adaptive, solve_fixed, Adaptive, SolveError, State, Tableau, VectorField};
use std::hint::black_box;

#[path = "common/counting_alloc.rs"]
mod counting_alloc;
use counting_alloc::counted;

#[test]
fn the_counter_sees_allocations() {
    let (len, n) = counted(|| {
        let mut v = Vec::new();
        for i in 0..100u32 {
            v.push(black_box(i));
        }
        black_box(&v).len()
    });
    assert_eq!(len, 100);
    assert!(n >= 1, "a growing Vec must be counted, saw {n}");
    // Boxing inside a solve-like closure is seen too.
    let (_, n) = counted(|| black_box(Box::new(black_box([1.0f64; 8]))));
    assert_eq!(n, 1);
}

/// Fixed-step solve of `f` with `tab`; asserts success, zero allocations and the expected
/// number of function evaluations.
fn fixed_no_alloc<const S: usize, const D: usize, F: VectorField<D>>(
    tab: &Tableau<S>,
    f: &F,
    y0: State<D>,
    t1: f64,
    h: f64,
) {
    let (res, n) = counted(|| solve_fixed(tab, f, 0.0, black_box(t1), black_box(y0), h));
    let (y, stats) = res.unwrap_or_else(|e| panic!("{} fixed D={D}: {e}", tab.name));
    assert_eq!(n, 0, "{} fixed D={D}: {n} allocations", tab.name);
    let steps = (t1 / h).round() as usize;
    assert_eq!(stats.accepted, steps, "{} fixed D={D}", tab.name);
    let per_step = if tab.fsal { S - 1 } else { S };
    let first = usize::from(tab.fsal);
    assert_eq!(
        stats.nfe,
        steps * per_step + first,
        "{} fixed D={D}",
        tab.name
    );
    assert!(y.iter().all(|v| v.is_finite()));
}

/// Adaptive solve; asserts success, zero allocations and that the solve did real work.
fn adaptive_no_alloc<const S: usize, const D: usize, F: VectorField<D>>(
    tab: &Tableau<S>,
    f: &F,
    y0: State<D>,
    t1: f64,
    tol: f64,
) {
    let opts = Adaptive::with_tol(tol, tol);
    let (res, n) = counted(|| solve_adaptive(tab, f, 0.0, black_box(t1), black_box(y0), &opts));
    let (y, stats) = res.unwrap_or_else(|e| panic!("{} adaptive D={D}: {e}", tab.name));
    assert_eq!(n, 0, "{} adaptive D={D}: {n} allocations", tab.name);
    assert!(
        stats.accepted >= 5,
        "{} adaptive D={D}: only {} steps",
        tab.name,
        stats.accepted
    );
    assert!(stats.nfe > stats.accepted);
    assert!(y.iter().all(|v| v.is_finite()));
}

#[test]
fn lorenz_solves_allocate_nothing() {
    let f = Lorenz63::default();
    let y0 = State::<3>::new(1.0, 1.0, 1.0);
    let (rk4, bs3) = (Tableau::<4>::rk4(), Tableau::<4>::bs3());
    let (dopri5, tsit5) = (Tableau::<7>::dopri5(), Tableau::<7>::tsit5());
    let dop853 = Tableau::<12>::dop853();

    fixed_no_alloc(&rk4, &f, y0, 10.0, 0.01);
    fixed_no_alloc(&bs3, &f, y0, 10.0, 0.005);
    fixed_no_alloc(&dopri5, &f, y0, 10.0, 0.01);
    fixed_no_alloc(&tsit5, &f, y0, 10.0, 0.01);
    fixed_no_alloc(&dop853, &f, y0, 10.0, 0.01);

    adaptive_no_alloc(&bs3, &f, y0, 10.0, 1e-6);
    adaptive_no_alloc(&dopri5, &f, y0, 10.0, 1e-8);
    adaptive_no_alloc(&tsit5, &f, y0, 10.0, 1e-8);
    adaptive_no_alloc(&dop853, &f, y0, 10.0, 1e-10);
}

#[test]
fn lorenz_f32_solves_allocate_nothing() {
    let f = Lorenz63::<f32>::default();
    let y0 = State::<3, f32>::new(1.0, 1.0, 1.0);
    let tab = Tableau::<7, f32>::dopri5();
    let opts = Adaptive::<f32>::with_tol(1e-5, 1e-5);
    let (res, n) = counted(|| solve_adaptive(&tab, &f, 0.0, black_box(5.0), y0, &opts));
    assert!(res.is_ok(), "{res:?}");
    assert_eq!(n, 0, "f32 dopri5 adaptive: {n} allocations");
    let rk4 = Tableau::<4, f32>::rk4();
    let (res, n) = counted(|| solve_fixed(&rk4, &f, 0.0, black_box(5.0), y0, 0.01));
    assert!(res.is_ok(), "{res:?}");
    assert_eq!(n, 0, "f32 rk4 fixed: {n} allocations");
}

#[test]
fn dense_linear_64_solves_allocate_nothing() {
    // Built outside the counted regions; the field itself must not allocate either.
    let (f, n) = counted(|| DenseLinear::<64>::test_matrix(7));
    assert_eq!(n, 0, "DenseLinear::<64>::test_matrix allocated {n} times");
    let y0 = State::<64>::from_fn(|i, _| (0.3 * i as f64).sin() + 0.5);
    let (res, n) = counted(|| f.eval(0.0, black_box(&y0)));
    assert_eq!(n, 0, "DenseLinear::<64>::eval allocated {n} times");
    assert!(res.iter().all(|v| v.is_finite()));

    let (rk4, bs3) = (Tableau::<4>::rk4(), Tableau::<4>::bs3());
    let (dopri5, tsit5) = (Tableau::<7>::dopri5(), Tableau::<7>::tsit5());
    let dop853 = Tableau::<12>::dop853();

    fixed_no_alloc(&rk4, &f, y0, 2.0, 0.01);
    fixed_no_alloc(&bs3, &f, y0, 2.0, 0.01);
    fixed_no_alloc(&dopri5, &f, y0, 2.0, 0.01);
    fixed_no_alloc(&tsit5, &f, y0, 2.0, 0.01);
    fixed_no_alloc(&dop853, &f, y0, 2.0, 0.01);

    adaptive_no_alloc(&bs3, &f, y0, 2.0, 1e-6);
    adaptive_no_alloc(&dopri5, &f, y0, 2.0, 1e-8);
    adaptive_no_alloc(&tsit5, &f, y0, 2.0, 1e-8);
    adaptive_no_alloc(&dop853, &f, y0, 2.0, 1e-10);
}

#[test]
fn error_paths_allocate_nothing() {
    let f = Lorenz63::default();
    let y0 = State::<3>::new(1.0, 1.0, 1.0);
    let dopri5 = Tableau::<7>::dopri5();

    // Step limit exceeded.
    let opts = Adaptive {
        max_steps: 5,
        ..Adaptive::with_tol(1e-8, 1e-8)
    };
    let (res, n) = counted(|| solve_adaptive(&dopri5, &f, 0.0, 100.0, y0, &opts));
    assert!(
        matches!(res, Err(SolveError::MaxStepsExceeded { max_steps: 5, .. })),
        "{res:?}"
    );
    assert_eq!(n, 0, "max_steps error path: {n} allocations");

    // A state that blows up: y' = y² from y(0) = 1 has a pole at t = 1.
    let blowup = |_t: f64, y: &State<1>| y.component_mul(y) * 1e3;
    let rk4 = Tableau::<4>::rk4();
    let (res, n) = counted(|| solve_fixed(&rk4, &blowup, 0.0, 10.0, State::<1>::new(1.0), 0.5));
    assert!(
        matches!(res, Err(SolveError::NonFiniteState { .. })),
        "{res:?}"
    );
    assert_eq!(n, 0, "non-finite fixed error path: {n} allocations");
    let opts = Adaptive::with_tol(1e-6, 1e-6);
    let (res, n) =
        counted(|| solve_adaptive(&dopri5, &blowup, 0.0, 10.0, State::<1>::new(1.0), &opts));
    assert!(res.is_err(), "{res:?}");
    assert_eq!(n, 0, "blow-up adaptive error path: {n} allocations");

    // Tableau without an embedded pair.
    let (res, n) = counted(|| solve_adaptive(&rk4, &f, 0.0, 1.0, y0, &opts));
    assert!(
        matches!(res, Err(SolveError::NoErrorEstimate { .. })),
        "{res:?}"
    );
    assert_eq!(n, 0, "no-error-estimate path: {n} allocations");

    // Invalid tolerances.
    let bad = Adaptive::with_tol(-1.0, 1e-6);
    let (res, n) = counted(|| solve_adaptive(&dopri5, &f, 0.0, 1.0, y0, &bad));
    assert!(
        matches!(res, Err(SolveError::InvalidTolerance { .. })),
        "{res:?}"
    );
    assert_eq!(n, 0, "invalid-tolerance path: {n} allocations");
}
