//! Stability penalty: closed forms, analytic gradient against finite differences and
//! `num_dual::Dual64` (via `Tableau::cast`), sample sets, typed errors.

#![allow(clippy::needless_range_loop)]

use approx::assert_relative_eq;
use nalgebra::{Complex, Matrix3};
use nodal::trainable::{
    stability_penalty, stability_penalty_value, StabilitySamples, TrainableError, TrainableTableau,
};
use nodal::Tableau;
use num_dual::Dual64;

/// RK4 with every free coefficient moved, so that all (A, b) entries matter.
fn perturbed_rk4() -> Tableau<4> {
    let t = TrainableTableau::<4>::from_tableau(&Tableau::rk4(), 1).unwrap();
    let phi: Vec<f64> = t
        .params()
        .iter()
        .enumerate()
        .map(|(k, p)| p + 0.07 * ((k as f64 * 2.3).cos()))
        .collect();
    TrainableTableau::<4>::tableau_from_params(&phi).unwrap()
}

/// `(A, b)` as dual numbers. (`Tableau::cast::<Dual64>` is not available: num-dual does not
/// implement simba's `SubsetOf<Dual64>` for `f64`, so the entries are lifted one by one.)
fn to_dual(tab: &Tableau<4>) -> Tableau<4, Dual64> {
    let mut t = Tableau::<4, Dual64>::rk4();
    for i in 0..4 {
        t.b[i] = Dual64::from(tab.b[i]);
        t.c[i] = Dual64::from(tab.c[i]);
        for j in 0..4 {
            t.a[i][j] = Dual64::from(tab.a[i][j]);
        }
    }
    t
}

fn sample_sets() -> Vec<StabilitySamples> {
    vec![
        StabilitySamples::real_segment(4.5, 40).unwrap(),
        StabilitySamples::disk(Complex::new(-2.0, 0.0), 2.6, 5, 16).unwrap(),
    ]
}

#[test]
fn euler_closed_form() {
    // R(w) = 1 + b w; at w = −3, b = 1: |R| = 2, P = 1, dP/db = 2·1·sign(R)·w = 6.
    let euler = Tableau::<1>::euler();
    let s = StabilitySamples {
        points: vec![Complex::new(-3.0, 0.0)],
    };
    let p = stability_penalty(&euler.a, &euler.b, &s).unwrap();
    assert_relative_eq!(p.value, 1.0, epsilon = 1e-15);
    assert_relative_eq!(p.grad_b[0], 6.0, epsilon = 1e-14);
    assert_relative_eq!(p.max_abs_r, 2.0, epsilon = 1e-15);
    // Inside the region nothing is penalised.
    let inside = StabilitySamples::real_segment(2.0, 10).unwrap();
    let p = stability_penalty(&euler.a, &euler.b, &inside).unwrap();
    assert_eq!(p.value, 0.0);
    assert_eq!(p.grad_b[0], 0.0);
}

#[test]
fn rk4_zero_inside_interval_positive_beyond() {
    let rk4 = Tableau::<4>::rk4();
    let inside = StabilitySamples::real_segment(2.78, 200).unwrap();
    let p = stability_penalty(&rk4.a, &rk4.b, &inside).unwrap();
    assert_eq!(p.value, 0.0);
    assert!(p.grad_a.iter().flatten().all(|g| *g == 0.0));
    let beyond = StabilitySamples::real_segment(3.0, 300).unwrap();
    let p = stability_penalty(&rk4.a, &rk4.b, &beyond).unwrap();
    // Closed form: R(−3) = 1 − 3 + 9/2 − 27/6 + 81/24 = 1.375, the largest |R| on [−3, 0].
    assert_relative_eq!(p.max_abs_r, 1.375, epsilon = 1e-14);
    assert!(p.value > 0.0);
}

#[test]
fn value_matches_generic_and_gradient_matches_finite_differences() {
    let tab = perturbed_rk4();
    for s in sample_sets() {
        let p = stability_penalty(&tab.a, &tab.b, &s).unwrap();
        assert!(p.value > 1e-6, "samples must reach outside the region");
        let generic = stability_penalty_value(&tab.a, &tab.b, &s).unwrap();
        assert_relative_eq!(p.value, generic, max_relative = 1e-14);
        let eps = 1e-6;
        for i in 0..4 {
            let mut bp = tab.b;
            bp[i] += eps;
            let mut bm = tab.b;
            bm[i] -= eps;
            let fd = (stability_penalty_value(&tab.a, &bp, &s).unwrap()
                - stability_penalty_value(&tab.a, &bm, &s).unwrap())
                / (2.0 * eps);
            assert_relative_eq!(p.grad_b[i], fd, epsilon = 1e-8, max_relative = 1e-6);
            for j in 0..i {
                let mut ap = tab.a;
                ap[i][j] += eps;
                let mut am = tab.a;
                am[i][j] -= eps;
                let fd = (stability_penalty_value(&ap, &tab.b, &s).unwrap()
                    - stability_penalty_value(&am, &tab.b, &s).unwrap())
                    / (2.0 * eps);
                assert_relative_eq!(p.grad_a[i][j], fd, epsilon = 1e-8, max_relative = 1e-6);
            }
        }
    }
}

#[test]
fn gradient_matches_dual_numbers() {
    let tab = perturbed_rk4();
    for s in sample_sets() {
        let p = stability_penalty(&tab.a, &tab.b, &s).unwrap();
        for i in 0..4 {
            let mut td = to_dual(&tab);
            td.b[i] = td.b[i].derivative();
            let d = stability_penalty_value(&td.a, &td.b, &s).unwrap();
            assert_relative_eq!(d.re, p.value, max_relative = 1e-14);
            assert_relative_eq!(p.grad_b[i], d.eps, epsilon = 1e-13, max_relative = 1e-12);
            for j in 0..i {
                let mut td = to_dual(&tab);
                td.a[i][j] = td.a[i][j].derivative();
                let d = stability_penalty_value(&td.a, &td.b, &s).unwrap();
                assert_relative_eq!(p.grad_a[i][j], d.eps, epsilon = 1e-13, max_relative = 1e-12);
            }
        }
    }
}

#[test]
fn chain_rule_to_free_parameters() {
    // Penalty gradient mapped to φ (c does not enter R) against finite differences in φ.
    let tab = perturbed_rk4();
    let t = TrainableTableau::<4>::from_tableau(&tab, 1).unwrap();
    let phi = t.params().to_vec();
    let tab = t.tableau();
    let s = StabilitySamples::real_segment(4.5, 40).unwrap();
    let p = stability_penalty(&tab.a, &tab.b, &s).unwrap();
    let g = TrainableTableau::<4>::grad_from_tableau(&p.grad_a, &p.grad_b, &[0.0; 4]);
    for k in 0..10 {
        let eps = 1e-6;
        let val = |d: f64| {
            let mut q = phi.clone();
            q[k] += d;
            let tq = TrainableTableau::<4>::tableau_from_params(&q).unwrap();
            stability_penalty_value(&tq.a, &tq.b, &s).unwrap()
        };
        let fd = (val(eps) - val(-eps)) / (2.0 * eps);
        assert_relative_eq!(g[k], fd, epsilon = 1e-8, max_relative = 1e-6);
    }
}

#[test]
fn spectrum_of_lorenz_jacobian_at_origin() {
    // Lorenz-63 Jacobian at 0: eigenvalues −β and (−11 ± √1201)/2 (σ = 10, ρ = 28).
    let beta = 8.0 / 3.0;
    let j = Matrix3::new(-10.0, 10.0, 0.0, 28.0, -1.0, 0.0, 0.0, 0.0, -beta);
    let h = 0.15;
    let s = StabilitySamples::spectrum(&[j], h).unwrap();
    let mut re: Vec<f64> = s.points.iter().map(|w| w.re).collect();
    re.sort_by(f64::total_cmp);
    let mut expect = [
        h * (-11.0 - 1201f64.sqrt()) / 2.0,
        -h * beta,
        h * (-11.0 + 1201f64.sqrt()) / 2.0,
    ];
    expect.sort_by(f64::total_cmp);
    for k in 0..3 {
        assert_relative_eq!(re[k], expect[k], epsilon = 1e-12);
    }
    assert!(s.points.iter().all(|w| w.im.abs() < 1e-12));
    let left = s.retain_left();
    assert_eq!(left.points.len(), 2);
}

#[test]
fn sample_constructors_and_errors() {
    let d = StabilitySamples::disk(Complex::new(-1.0, 0.5), 2.0, 3, 8).unwrap();
    assert_eq!(d.points.len(), 1 + 3 * 8);
    let maxdist = d
        .points
        .iter()
        .map(|w| (w - Complex::new(-1.0, 0.5)).norm())
        .fold(0.0f64, f64::max);
    assert_relative_eq!(maxdist, 2.0, epsilon = 1e-14);
    let r = StabilitySamples::real_segment(3.0, 6).unwrap();
    assert_eq!(r.points.first().unwrap().re, -0.5);
    assert_eq!(r.points.last().unwrap().re, -3.0);

    assert_eq!(
        StabilitySamples::real_segment(-1.0, 5).unwrap_err(),
        TrainableError::InvalidSamples {
            what: "x_max",
            value: -1.0
        }
    );
    assert!(matches!(
        StabilitySamples::real_segment(1.0, 0).unwrap_err(),
        TrainableError::InvalidSamples { what: "n", .. }
    ));
    assert!(matches!(
        StabilitySamples::disk(Complex::new(0.0, 0.0), 0.0, 2, 2).unwrap_err(),
        TrainableError::InvalidSamples { what: "radius", .. }
    ));
    assert!(matches!(
        StabilitySamples::spectrum::<3>(&[], 0.1).unwrap_err(),
        TrainableError::InvalidSamples {
            what: "jacobians",
            ..
        }
    ));
    assert!(matches!(
        StabilitySamples::spectrum(&[Matrix3::<f64>::identity()], 0.0).unwrap_err(),
        TrainableError::InvalidSamples { what: "h", .. }
    ));
    let rk4 = Tableau::<4>::rk4();
    let empty = StabilitySamples { points: vec![] };
    assert!(matches!(
        stability_penalty(&rk4.a, &rk4.b, &empty).unwrap_err(),
        TrainableError::InvalidSamples { what: "points", .. }
    ));
    let nan = StabilitySamples {
        points: vec![Complex::new(f64::NAN, 0.0)],
    };
    assert!(matches!(
        stability_penalty(&rk4.a, &rk4.b, &nan).unwrap_err(),
        TrainableError::NonFinite {
            what: "samples",
            ..
        }
    ));
    let mut implicit = rk4;
    implicit.a[0][0] = 0.5;
    let ok = StabilitySamples::real_segment(1.0, 2).unwrap();
    assert!(matches!(
        stability_penalty(&implicit.a, &implicit.b, &ok).unwrap_err(),
        TrainableError::Tableau(_)
    ));
}
