//! Stability function, stability polynomial and real stability interval.
//!
//! References: RK4's polynomial `Σ_{k≤4} w^k/k!` and its interval (root of
//! `x³ − 4x² + 12x − 24`, ≈ 2.785), imaginary-axis bound `2√2` (HNW I/II); DOPRI5's
//! `γ_6 = 1/600` (Hairer–Wanner II, Sec. IV.2); stability sizes 3.3066 (DP5) and 3.5068
//! (Tsit5) from OrdinaryDiffEq.jl's `alg_stability_size`.
#![allow(clippy::needless_range_loop)] // index loops mirror the formulas

use approx::{assert_abs_diff_eq, assert_relative_eq};
use nalgebra::Complex;
use nodal::tableau::stability::{
    real_stability_interval, stability_boundary, stability_function, stability_function_of,
    stability_polynomial, StabilityError,
};
use nodal::tableau::TableauError;
use nodal::Tableau;

fn factorial(k: usize) -> f64 {
    (1..=k).map(|i| i as f64).product()
}

#[test]
fn rk4_stability_polynomial_is_truncated_exponential() {
    let g = stability_polynomial(&Tableau::<4>::rk4()).unwrap();
    let expected = [1.0, 1.0, 0.5, 1.0 / 6.0, 1.0 / 24.0];
    assert_eq!(g.len(), 5);
    for k in 0..5 {
        assert_abs_diff_eq!(g[k], expected[k], epsilon = 1e-15);
    }
    // Every 4-stage order-4 method has the same R: the 3/8 rule too.
    let g38 = stability_polynomial(&Tableau::<4>::rk38()).unwrap();
    for k in 0..5 {
        assert_abs_diff_eq!(g38[k], expected[k], epsilon = 1e-15);
    }
}

#[test]
fn polynomials_start_with_taylor_coefficients_of_exp() {
    // γ_k = 1/k! for k ≤ p (order p), and the first γ beyond differs.
    let cases: Vec<(&str, Vec<f64>, usize)> = vec![
        (
            "euler",
            stability_polynomial(&Tableau::<1>::euler()).unwrap(),
            1,
        ),
        (
            "heun",
            stability_polynomial(&Tableau::<2>::heun()).unwrap(),
            2,
        ),
        (
            "bs3",
            stability_polynomial(&Tableau::<4>::bs3()).unwrap(),
            3,
        ),
        (
            "dopri5",
            stability_polynomial(&Tableau::<7>::dopri5()).unwrap(),
            5,
        ),
        (
            "tsit5",
            stability_polynomial(&Tableau::<7>::tsit5()).unwrap(),
            5,
        ),
        (
            "dop853",
            stability_polynomial(&Tableau::<12>::dop853()).unwrap(),
            8,
        ),
    ];
    for (name, g, p) in cases {
        for k in 0..=p {
            assert_relative_eq!(g[k], 1.0 / factorial(k), max_relative = 1e-12);
        }
        if p + 1 < g.len() {
            assert!(
                (g[p + 1] - 1.0 / factorial(p + 1)).abs() > 1e-8,
                "{name}: γ_{} = {}",
                p + 1,
                g[p + 1]
            );
        }
    }
    // DOPRI5: R(w) = Σ_{k≤5} w^k/k! + w⁶/600 (degree 6: the FSAL stage has b_7 = 0).
    let g = stability_polynomial(&Tableau::<7>::dopri5()).unwrap();
    assert_relative_eq!(g[6], 1.0 / 600.0, max_relative = 1e-13);
    assert_abs_diff_eq!(g[7], 0.0, epsilon = 1e-16);
}

#[test]
fn stability_function_agrees_with_polynomial_and_exp() {
    let ws = [
        Complex::new(-1.0, 0.0),
        Complex::new(-0.5, 1.5),
        Complex::new(0.3, -2.0),
        Complex::new(-2.7, 0.1),
    ];
    let check = |name: &str, r: &dyn Fn(Complex<f64>) -> Complex<f64>, g: Vec<f64>| {
        for &w in &ws {
            let mut p = Complex::new(0.0, 0.0);
            for &gk in g.iter().rev() {
                p = p * w + gk;
            }
            let rw = r(w);
            assert!((rw - p).norm() <= 1e-12 * (1.0 + p.norm()), "{name} at {w}");
        }
    };
    let rk4 = Tableau::<4>::rk4();
    check(
        "rk4",
        &|w| stability_function(&rk4, w).unwrap(),
        stability_polynomial(&rk4).unwrap(),
    );
    let d5 = Tableau::<7>::dopri5();
    check(
        "dopri5",
        &|w| stability_function(&d5, w).unwrap(),
        stability_polynomial(&d5).unwrap(),
    );
    let d8 = Tableau::<12>::dop853();
    check(
        "dop853",
        &|w| stability_function(&d8, w).unwrap(),
        stability_polynomial(&d8).unwrap(),
    );

    // Local error on y' = λy: R(w) − e^w ≈ C w^{p+1} with C = γ_{p+1} − 1/(p+1)!.
    // RK4: C = −1/120.
    for phi in [0.0, 1.0, 2.0, 3.0] {
        let w = Complex::from_polar(0.01, phi);
        let err = stability_function(&rk4, w).unwrap() - w.exp();
        let lead = -w.powu(5) / 120.0;
        assert!((err - lead).norm() < 0.01 * lead.norm(), "φ = {phi}");
    }
}

#[test]
fn euler_interval_is_two() {
    let r = real_stability_interval(&Tableau::<1>::euler()).unwrap();
    assert_abs_diff_eq!(r, 2.0, epsilon = 1e-12);
    // All 2-stage second-order methods share R = 1 + w + w²/2 and the interval 2.
    for t in [
        Tableau::<2>::midpoint(),
        Tableau::<2>::heun(),
        Tableau::<2>::ralston(),
    ] {
        assert_abs_diff_eq!(real_stability_interval(&t).unwrap(), 2.0, epsilon = 1e-12);
    }
}

#[test]
fn rk4_interval() {
    let r = real_stability_interval(&Tableau::<4>::rk4()).unwrap();
    println!("real stability interval: rk4 {r:.10}");
    assert_abs_diff_eq!(r, 2.785, epsilon = 1e-3);
    // Independent characterisation: R(−r) = 1 ⇔ r³ − 4r² + 12r − 24 = 0.
    let cubic = r * r * r - 4.0 * r * r + 12.0 * r - 24.0;
    assert_abs_diff_eq!(cubic, 0.0, epsilon = 1e-10);
    // f32 gives the same to f32 precision.
    let r32 = real_stability_interval(&Tableau::<4, f32>::rk4()).unwrap();
    assert_abs_diff_eq!(r32 as f64, r, epsilon = 1e-5);
}

#[test]
fn dopri5_and_tsit5_intervals_match_published_sizes() {
    // OrdinaryDiffEq.jl alg_utils.jl: alg_stability_size(DP5) = 3.3066, (Tsit5) = 3.5068;
    // these are the values nodal's stiffness estimate scales by.
    let r5 = real_stability_interval(&Tableau::<7>::dopri5()).unwrap();
    assert_abs_diff_eq!(r5, 3.3066, epsilon = 1e-3);
    let rt = real_stability_interval(&Tableau::<7>::tsit5()).unwrap();
    println!("real stability interval: dopri5 {r5:.6}, tsit5 {rt:.6}");
    assert_abs_diff_eq!(rt, 3.5068, epsilon = 1e-3);
    // The boundary really is a crossing: |R(−r)| = 1 and |R| > 1 just beyond.
    let t = Tableau::<7>::dopri5();
    let at = stability_function(&t, Complex::new(-r5, 0.0))
        .unwrap()
        .norm();
    let beyond = stability_function(&t, Complex::new(-r5 - 1e-6, 0.0))
        .unwrap()
        .norm();
    assert_abs_diff_eq!(at, 1.0, epsilon = 1e-12);
    assert!(beyond > 1.0);
    // And everything before is stable (dense independent check).
    for k in 0..=3300 {
        let x = r5 * k as f64 / 3300.0;
        assert!(
            stability_function(&t, Complex::new(-x, 0.0))
                .unwrap()
                .norm()
                <= 1.0 + 1e-12
        );
    }
}

#[test]
fn dop853_interval_is_finite_and_a_crossing() {
    let t = Tableau::<12>::dop853();
    let r = real_stability_interval(&t).unwrap();
    println!("real stability interval: dop853 {r:.6}");
    let at = stability_function(&t, Complex::new(-r, 0.0))
        .unwrap()
        .norm();
    assert_abs_diff_eq!(at, 1.0, epsilon = 1e-10);
    assert!(
        stability_function(&t, Complex::new(-r - 1e-5, 0.0))
            .unwrap()
            .norm()
            > 1.0
    );
    assert!(r > 3.0 && r < 8.0, "dop853 interval {r}");
}

#[test]
fn rk4_boundary_rays() {
    let pts = stability_boundary(&Tableau::<4>::rk4(), 3).unwrap();
    // Imaginary axis: |R(iy)|² = 1 − y⁶/72 + y⁸/576 ⇒ y = 2√2.
    assert_abs_diff_eq!(pts[0].re, 0.0, epsilon = 1e-12);
    assert_abs_diff_eq!(pts[0].im, 8f64.sqrt(), epsilon = 1e-9);
    assert_abs_diff_eq!(pts[2].im, -(8f64.sqrt()), epsilon = 1e-9);
    let r = real_stability_interval(&Tableau::<4>::rk4()).unwrap();
    assert_abs_diff_eq!(pts[1].re, -r, epsilon = 1e-12);
    assert_abs_diff_eq!(pts[1].im, 0.0, epsilon = 1e-12);
    // Every sampled point lies on |R| = 1.
    let t = Tableau::<4>::rk4();
    for w in stability_boundary(&t, 33).unwrap() {
        assert_abs_diff_eq!(
            stability_function(&t, w).unwrap().norm(),
            1.0,
            epsilon = 1e-9
        );
    }
    assert!(stability_boundary(&t, 0).unwrap().is_empty());
}

#[test]
fn typed_errors() {
    // Implicit A.
    let mut t = Tableau::<2>::midpoint();
    t.a[0][1] = 0.1;
    let e = TableauError::NotExplicit {
        row: 0,
        col: 1,
        value: 0.1,
    };
    assert_eq!(stability_function(&t, Complex::new(-1.0, 0.0)), Err(e));
    assert_eq!(stability_polynomial(&t), Err(e));
    assert_eq!(real_stability_interval(&t), Err(StabilityError::Tableau(e)));
    // Non-finite weights.
    let mut t = Tableau::<4>::rk4();
    t.b[2] = f64::NAN;
    assert_eq!(
        stability_polynomial(&t),
        Err(TableauError::NonFinite { what: "b" })
    );
    // b = 0: R ≡ 1, unbounded interval.
    let mut t = Tableau::<4>::rk4();
    t.b = [0.0; 4];
    assert_eq!(
        real_stability_interval(&t),
        Err(StabilityError::Unbounded { constant: 1.0 })
    );
}

#[test]
fn dual_numbers_differentiate_the_stability_function() {
    use num_dual::Dual64;
    let t64 = Tableau::<4>::rk4();
    let td = Tableau::<4, Dual64>::rk4();
    let x = -2.0;
    let w = Complex::new(Dual64::new(x, 1.0), Dual64::from(0.0));
    let r = stability_function_of(&td.a, &td.b, w).unwrap();
    let f = |x: f64| stability_function(&t64, Complex::new(x, 0.0)).unwrap().re;
    let h = 1e-6;
    assert_abs_diff_eq!(r.re.re, f(x), epsilon = 1e-14);
    assert_abs_diff_eq!(r.re.eps, (f(x + h) - f(x - h)) / (2.0 * h), epsilon = 1e-8);
    // R'(w) = 1 + w + w²/2 + w³/6 analytically.
    assert_abs_diff_eq!(
        r.re.eps,
        1.0 + x + x * x / 2.0 + x * x * x / 6.0,
        epsilon = 1e-14
    );
    // Derivative of the interval's defining quantity w.r.t. a weight works too.
    let mut tb = td;
    tb.b[3] = Dual64::new(1.0 / 6.0, 1.0);
    let g = stability_polynomial(&tb).unwrap();
    // ∂γ_k/∂b_4 = (A^{k−1}𝟙)_4 = 1, c₄ = 1, a₄₃c₃ = 1/2, a₄₃a₃₂c₂ = 1/4 for RK4.
    let expected = [0.0, 1.0, 1.0, 0.5, 0.25];
    for k in 0..5 {
        assert_abs_diff_eq!(g[k].eps, expected[k], epsilon = 1e-15);
    }
}
