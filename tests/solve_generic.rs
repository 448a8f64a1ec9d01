//! The same solver code runs on f32, f64 and dual numbers.

use nodal::systems::{Exact, Harmonic, LinearTest, Lorenz63};
use nodal::{solve_adaptive, solve_fixed, Adaptive, State, Tableau};
use num_dual::Dual64;

#[test]
fn f32_solves() {
    let f = Harmonic::<f32> { omega: 1.0 };
    let y0 = State::<2, f32>::new(1.0, 0.0);
    let (y, _) = solve_fixed(&Tableau::<4, f32>::rk4(), &f, 0.0, 3.0, y0, 0.01).unwrap();
    let ex = f.exact(0.0, &y0, 3.0);
    assert!((y - ex).norm() < 1e-5, "{}", (y - ex).norm());
    let (y, st) = solve_adaptive(
        &Tableau::<7, f32>::dopri5(),
        &f,
        0.0,
        3.0,
        y0,
        &Adaptive::with_tol(1e-5, 1e-5),
    )
    .unwrap();
    assert!((y - ex).norm() < 1e-4 && st.accepted > 5);
}

#[test]
fn dual_numbers_give_exact_derivatives_of_the_discrete_solution() {
    // y' = λy, RK4 with n fixed steps: y_n = y0·R(λh)ⁿ with R the RK4 polynomial, so
    // dy_n/dλ = y0·n·R^(n−1)·R'(λh)·h exactly.
    let lam = -0.8;
    let (h, n, y0) = (0.1f64, 20usize, 1.7);
    let f = LinearTest {
        lambda: Dual64::from(lam).derivative(),
    };
    let (y, _) = solve_fixed(
        &Tableau::<4, Dual64>::rk4(),
        &f,
        Dual64::from(0.0),
        Dual64::from(h * n as f64),
        State::<1, Dual64>::new(Dual64::from(y0)),
        Dual64::from(h),
    )
    .unwrap();
    let z = lam * h;
    let r = 1.0 + z + z * z / 2.0 + z.powi(3) / 6.0 + z.powi(4) / 24.0;
    let dr = 1.0 + z + z * z / 2.0 + z.powi(3) / 6.0;
    approx::assert_relative_eq!(y[0].re, y0 * r.powi(n as i32), max_relative = 1e-13);
    approx::assert_relative_eq!(
        y[0].eps,
        y0 * n as f64 * r.powi(n as i32 - 1) * dr * h,
        max_relative = 1e-12
    );
}

#[test]
fn dual_numbers_through_an_adaptive_lorenz_solve_match_finite_differences() {
    // d y(1)/d ρ by forward-mode AD through dopri5 (the step sequence follows the real parts),
    // against a central difference with the steps held by a tight tolerance.
    let rho = 28.0;
    let y0 = State::<3>::new(1.0, 1.0, 1.0);
    let opts = Adaptive::with_tol(1e-11, 1e-11);
    let fd = {
        let d = 1e-5;
        let run = |r: f64| {
            let f = Lorenz63 {
                rho: r,
                ..Lorenz63::default()
            };
            solve_adaptive(&Tableau::dopri5(), &f, 0.0, 1.0, y0, &opts)
                .unwrap()
                .0
        };
        (run(rho + d) - run(rho - d)) / (2.0 * d)
    };
    let f = Lorenz63::<Dual64> {
        rho: Dual64::from(rho).derivative(),
        ..Lorenz63::default()
    };
    let (y, _) = solve_adaptive(
        &Tableau::<7, Dual64>::dopri5(),
        &f,
        Dual64::from(0.0),
        Dual64::from(1.0),
        y0.map(Dual64::from),
        &Adaptive::with_tol(Dual64::from(1e-11), Dual64::from(1e-11)),
    )
    .unwrap();
    for i in 0..3 {
        approx::assert_relative_eq!(y[i].eps, fd[i], max_relative = 1e-5);
    }
}
