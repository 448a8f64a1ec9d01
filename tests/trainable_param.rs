//! TrainableTableau: parameterisation, projection, chain rule (finite differences and dual
//! numbers), typed errors.

#![allow(clippy::needless_range_loop)]

use approx::assert_relative_eq;
use nalgebra::{ComplexField, Const, U1};
use nodal::tableau::order::achieved_order;
use nodal::trainable::{project_weights, TrainableError, TrainableTableau};
use nodal::{solve_fixed, State, Tableau};
use num_dual::DualSVec64;

type Trk4 = TrainableTableau<4>;

/// A perturbed RK4 parameter vector (deterministic, all entries moved).
fn perturbed() -> Vec<f64> {
    let t = Trk4::from_tableau(&Tableau::rk4(), 1).unwrap();
    t.params()
        .iter()
        .enumerate()
        .map(|(k, p)| p + 0.05 * ((k as f64 * 1.7).sin()))
        .collect()
}

#[test]
fn rk4_round_trip() {
    assert_eq!(Trk4::N_PARAMS, 10);
    assert_eq!(TrainableTableau::<7>::N_PARAMS, 6 + 15 + 7);
    let rk4 = Tableau::<4>::rk4();
    let t = Trk4::from_tableau(&rk4, 1).unwrap();
    let tab = t.tableau();
    for i in 0..4 {
        assert_relative_eq!(tab.b[i], rk4.b[i], epsilon = 1e-15);
        assert_relative_eq!(tab.c[i], rk4.c[i], epsilon = 1e-15);
        for j in 0..4 {
            assert_relative_eq!(tab.a[i][j], rk4.a[i][j], epsilon = 1e-15);
        }
    }
    assert_eq!(achieved_order(&tab, 1e-12), 4);
}

#[test]
fn row_sums_hold_by_construction() {
    let tab = Trk4::tableau_from_params(&perturbed()).unwrap();
    tab.validate().unwrap();
    assert_eq!(tab.c[0], 0.0);
    for i in 0..4 {
        for j in i..4 {
            assert_eq!(tab.a[i][j], 0.0);
        }
    }
}

#[test]
fn order1_projection_is_euclidean_and_exact() {
    let mut t = Trk4::from_tableau(&Tableau::rk4(), 1).unwrap();
    let phi = perturbed();
    t.set_params(&phi).unwrap();
    let b_old: Vec<f64> = phi[6..].to_vec();
    let shift = (1.0 - b_old.iter().sum::<f64>()) / 4.0;
    let p = t.project().unwrap();
    assert!(p.sum_b_residual <= 1e-14, "residual {}", p.sum_b_residual);
    let b = t.tableau().b;
    for i in 0..4 {
        assert_relative_eq!(b[i], b_old[i] + shift, epsilon = 1e-15);
    }
    assert_relative_eq!(p.moved, 2.0 * shift.abs(), epsilon = 1e-15);
    // Idempotent: a second projection does not move b.
    let p2 = t.project().unwrap();
    assert!(p2.moved <= 1e-15);
    // A and c are untouched by the projection.
    assert_eq!(&t.params()[..6], &phi[..6]);
}

#[test]
fn order2_and_order3_projections() {
    let phi = perturbed();
    for k in [2u8, 3] {
        let mut t = Trk4::from_tableau(&Tableau::rk4(), k).unwrap();
        t.set_params(&phi).unwrap();
        let p = t.project().unwrap();
        assert!(p.sum_b_residual <= 1e-14);
        assert!(p.max_residual <= 1e-14, "order {k}: {}", p.max_residual);
        let tab = t.tableau();
        assert!(achieved_order(&tab, 1e-13) >= k);
        let bc: f64 = (0..4).map(|i| tab.b[i] * tab.c[i]).sum();
        assert_relative_eq!(bc, 0.5, epsilon = 1e-14);
    }
}

#[test]
fn projection_minimises_distance() {
    // Any other point on the constraint set is at least as far from the start.
    let tab = Trk4::tableau_from_params(&perturbed()).unwrap();
    let start = tab.b;
    let mut b = start;
    let p = project_weights(&tab.a, &mut b, 2).unwrap();
    // Directions d with Σd = 0 and dᵀc = 0 keep the constraints; moving along them only grows
    // the distance.
    let c = tab.c;
    let d = [c[2] - c[3], c[3] - c[1], c[1] - c[2], 0.0]; // ⟂ to 𝟙 on first 3 entries
    let dc: f64 = (0..4).map(|i| d[i] * c[i]).sum();
    let d1: f64 = d.iter().sum();
    assert!(d1.abs() < 1e-15);
    // Project d onto {dᵀc = 0} within {Σd = 0} using e = (1,-1,0,0)-free combination.
    let e = [0.0, 0.0, 1.0, -1.0];
    let ec: f64 = (0..4).map(|i| e[i] * c[i]).sum();
    let dd: Vec<f64> = (0..4).map(|i| d[i] - dc / ec * e[i]).collect();
    for s in [-0.3, -0.01, 0.01, 0.3] {
        let other: Vec<f64> = (0..4).map(|i| b[i] + s * dd[i]).collect();
        let dist: f64 = (0..4)
            .map(|i| (other[i] - start[i]).powi(2))
            .sum::<f64>()
            .sqrt();
        assert!(dist >= p.moved - 1e-15);
    }
}

/// A smooth function of an explicit tableau with a hand-derived gradient.
fn toy_loss(a: &[[f64; 4]; 4], b: &[f64; 4], c: &[f64; 4]) -> f64 {
    let mut l = 0.0;
    for i in 0..4 {
        for j in 0..i {
            l += (a[i][j] * (i + 2 * j + 1) as f64).sin();
        }
        l += b[i] * b[i] * (1.0 + c[i]) + (0.3 * c[i]).exp();
    }
    l
}

fn toy_grad(a: &[[f64; 4]; 4], b: &[f64; 4], c: &[f64; 4]) -> ([[f64; 4]; 4], [f64; 4], [f64; 4]) {
    let mut ga = [[0.0; 4]; 4];
    let mut gb = [0.0; 4];
    let mut gc = [0.0; 4];
    for i in 0..4 {
        for j in 0..i {
            let k = (i + 2 * j + 1) as f64;
            ga[i][j] = k * (a[i][j] * k).cos();
        }
        gb[i] = 2.0 * b[i] * (1.0 + c[i]);
        gc[i] = b[i] * b[i] + 0.3 * (0.3 * c[i]).exp();
    }
    (ga, gb, gc)
}

#[test]
fn chain_rule_matches_finite_differences() {
    let phi = perturbed();
    let tab = Trk4::tableau_from_params(&phi).unwrap();
    let (ga, gb, gc) = toy_grad(&tab.a, &tab.b, &tab.c);
    let g = Trk4::grad_from_tableau(&ga, &gb, &gc);
    assert_eq!(g.len(), 10);
    let eval = |p: &[f64]| {
        let t = Trk4::tableau_from_params(p).unwrap();
        toy_loss(&t.a, &t.b, &t.c)
    };
    for k in 0..10 {
        let eps = 1e-6;
        let mut pp = phi.clone();
        pp[k] += eps;
        let mut pm = phi.clone();
        pm[k] -= eps;
        let fd = (eval(&pp) - eval(&pm)) / (2.0 * eps);
        assert_relative_eq!(g[k], fd, epsilon = 1e-8, max_relative = 1e-7);
    }
}

#[test]
fn chain_rule_matches_dual_numbers() {
    let phi = perturbed();
    let tab = Trk4::tableau_from_params(&phi).unwrap();
    let (ga, gb, gc) = toy_grad(&tab.a, &tab.b, &tab.c);
    let g = Trk4::grad_from_tableau(&ga, &gb, &gc);
    // Same toy loss on dual numbers seeded in φ.
    let pd: Vec<DualSVec64<10>> = phi
        .iter()
        .enumerate()
        .map(|(k, &p)| DualSVec64::<10>::from_re(p).derivative(k))
        .collect();
    let t = Trk4::tableau_from_params(&pd).unwrap();
    let mut l = DualSVec64::<10>::from_re(0.0);
    for i in 0..4 {
        for j in 0..i {
            l += (t.a[i][j] * (i + 2 * j + 1) as f64).sin();
        }
        l += t.b[i] * t.b[i] * (t.c[i] + 1.0) + (t.c[i] * 0.3).exp();
    }
    let d = l.eps.unwrap_generic(Const::<10>, U1);
    for k in 0..10 {
        assert_relative_eq!(g[k], d[k], epsilon = 1e-13, max_relative = 1e-13);
    }
}

#[test]
fn solve_gradient_dual_matches_finite_differences() {
    // Dual numbers seeded in φ flow through the parameterisation and solve_fixed.
    let f = |t: f64, y: &State<2>| State::<2>::new(y[1], -y[0] + 0.5 * t.cos());
    let loss = |p: &[f64]| {
        let tab = Trk4::tableau_from_params(p).unwrap();
        let (y, _) = solve_fixed(&tab, &f, 0.0, 2.0, State::<2>::new(1.0, 0.0), 0.25).unwrap();
        y.norm_squared()
    };
    type D = DualSVec64<10>;
    let fd_ = |t: D, y: &State<2, D>| State::<2, D>::new(y[1], -y[0] + t.cos() * 0.5);
    let phi = perturbed();
    let pd: Vec<D> = phi
        .iter()
        .enumerate()
        .map(|(k, &p)| D::from_re(p).derivative(k))
        .collect();
    let tab = Trk4::tableau_from_params(&pd).unwrap();
    let y0 = State::<2, D>::new(D::from_re(1.0), D::from_re(0.0));
    let (y, _) = solve_fixed(
        &tab,
        &fd_,
        D::from_re(0.0),
        D::from_re(2.0),
        y0,
        D::from_re(0.25),
    )
    .unwrap();
    let g = y.norm_squared().eps.unwrap_generic(Const::<10>, U1);
    for k in 0..10 {
        let eps = 1e-6;
        let mut pp = phi.clone();
        pp[k] += eps;
        let mut pm = phi.clone();
        pm[k] -= eps;
        let fd = (loss(&pp) - loss(&pm)) / (2.0 * eps);
        assert_relative_eq!(g[k], fd, epsilon = 1e-8, max_relative = 1e-6);
    }
}

#[test]
fn typed_errors() {
    let rk4 = Tableau::<4>::rk4();
    assert_eq!(
        Trk4::from_tableau(&rk4, 0).unwrap_err(),
        TrainableError::ExactOrder {
            requested: 0,
            max: 3
        }
    );
    assert_eq!(
        Trk4::from_tableau(&rk4, 4).unwrap_err(),
        TrainableError::ExactOrder {
            requested: 4,
            max: 3
        }
    );
    let mut implicit = rk4;
    implicit.a[1][1] = 0.1;
    implicit.c[1] += 0.1;
    assert!(matches!(
        Trk4::from_tableau(&implicit, 1).unwrap_err(),
        TrainableError::Tableau(_)
    ));
    let mut t = Trk4::from_tableau(&rk4, 1).unwrap();
    assert_eq!(
        t.set_params(&[0.0; 3]).unwrap_err(),
        TrainableError::ParamLength {
            expected: 10,
            got: 3
        }
    );
    let mut bad = perturbed();
    bad[4] = f64::NAN;
    assert!(matches!(
        t.set_params(&bad).unwrap_err(),
        TrainableError::NonFinite {
            what: "params",
            index: 4,
            ..
        }
    ));
    assert_eq!(
        Trk4::tableau_from_params(&[0.0f64; 9]).unwrap_err(),
        TrainableError::ParamLength {
            expected: 10,
            got: 9
        }
    );
    // Two stages cannot satisfy the four order-3 conditions.
    let err = TrainableTableau::<2>::from_tableau(&Tableau::midpoint(), 3).unwrap_err();
    match err {
        TrainableError::Infeasible { order: 3, residual } => assert!(residual > 1e-3),
        e => panic!("unexpected {e:?}"),
    }
}
