//! Collocation nodes, differentiation matrix and barycentric interpolation against closed forms
//! and polynomials.

use approx::assert_relative_eq;
use nodal::collocation::{CollocationError, NodeKind, Nodes, VdpData};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const KINDS: [NodeKind; 3] = [
    NodeKind::Chebyshev,
    NodeKind::LegendreGaussRadau,
    NodeKind::LegendreGaussLobatto,
];

#[test]
fn lgl_and_lgr_match_published_values() {
    let lgl5 = Nodes::new(NodeKind::LegendreGaussLobatto, 5, -1.0, 1.0).unwrap();
    let r = (3.0f64 / 7.0).sqrt();
    for (a, b) in lgl5.times().iter().zip([-1.0, -r, 0.0, r, 1.0]) {
        assert_relative_eq!(*a, b, epsilon = 1e-14);
    }
    let lgl4 = Nodes::new(NodeKind::LegendreGaussLobatto, 4, -1.0, 1.0).unwrap();
    let q = 1.0 / 5f64.sqrt();
    for (a, b) in lgl4.times().iter().zip([-1.0, -q, q, 1.0]) {
        assert_relative_eq!(*a, b, epsilon = 1e-14);
    }
    let lgr3 = Nodes::new(NodeKind::LegendreGaussRadau, 3, -1.0, 1.0).unwrap();
    let s6 = 6f64.sqrt();
    for (a, b) in lgr3
        .times()
        .iter()
        .zip([-1.0, (1.0 - s6) / 5.0, (1.0 + s6) / 5.0])
    {
        assert_relative_eq!(*a, b, epsilon = 1e-14);
    }
}

#[test]
fn chebyshev_nodes_match_cosine_form_and_are_ascending() {
    let n = 33;
    let nd = Nodes::new(NodeKind::Chebyshev, n, 2.0, 5.0).unwrap();
    for (j, &t) in nd.times().iter().enumerate() {
        let x = -(std::f64::consts::PI * j as f64 / (n - 1) as f64).cos();
        assert_relative_eq!(t, 2.0 + 1.5 * (x + 1.0), epsilon = 1e-14);
    }
    for kind in KINDS {
        let nd = Nodes::new(kind, 40, 0.0, 15.0).unwrap();
        assert!(nd.times().windows(2).all(|w| w[0] < w[1]), "{kind:?}");
        assert_eq!(nd.times()[0], 0.0);
    }
}

/// The weights are proportional to 1/Π(t_j − t_m), with one common factor.
#[test]
fn weights_are_proportional_to_the_product_formula() {
    for kind in KINDS {
        let nd = Nodes::new(kind, 9, 0.0, 3.0).unwrap();
        let t = nd.times();
        let ratio: Vec<f64> = (0..t.len())
            .map(|j| {
                let prod: f64 = (0..t.len())
                    .filter(|&m| m != j)
                    .map(|m| t[j] - t[m])
                    .product();
                nd.weights()[j] * prod
            })
            .collect();
        for r in &ratio {
            assert_relative_eq!(*r, ratio[0], max_relative = 1e-12);
        }
        let mx = nd.weights().iter().fold(0.0f64, |a, w| a.max(w.abs()));
        assert_relative_eq!(mx, 1.0, epsilon = 1e-15);
    }
    // N = 200: the log-space weights stay finite and normalized.
    for kind in KINDS {
        let nd = Nodes::new(kind, 200, 0.0, 15.0).unwrap();
        assert!(nd.weights().iter().all(|w| w.is_finite() && *w != 0.0));
    }
}

/// A random polynomial of degree `deg` in the scaled variable `s = (t − c)/r` and its
/// derivative in t.
fn poly(rng: &mut ChaCha8Rng, deg: usize, c: f64, r: f64) -> impl Fn(f64) -> (f64, f64) {
    let coef: Vec<f64> = (0..=deg).map(|_| rng.random_range(-1.0..1.0)).collect();
    move |t| {
        let s = (t - c) / r;
        let (mut p, mut dp) = (0.0, 0.0);
        for k in (0..coef.len()).rev() {
            dp = dp * s + p;
            p = p * s + coef[k];
        }
        (p, dp / r)
    }
}

/// D differentiates polynomials of degree N − 1 exactly (N = 20 and N = 40, all kinds), to
/// 1e-10 relative to max |p'|.
#[test]
fn diff_matrix_is_exact_on_polynomials() {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    for n in [20usize, 40] {
        for kind in KINDS {
            let nd = Nodes::new(kind, n, 0.0, 15.0).unwrap();
            let p = poly(&mut rng, n - 1, 7.5, 7.5);
            let vals: Vec<f64> = nd.times().iter().map(|&t| p(t).0).collect();
            let d = nd.diff_matrix();
            let scale = nd.times().iter().map(|&t| p(t).1.abs()).fold(0.0, f64::max);
            for i in 0..n {
                let dv: f64 = (0..n).map(|j| d[i * n + j] * vals[j]).sum();
                let err = (dv - p(nd.times()[i]).1).abs() / scale;
                assert!(err < 1e-10, "{kind:?} N={n} row {i}: rel err {err:e}");
            }
        }
    }
}

/// Interpolation and its derivative are exact for polynomials of degree < N at arbitrary
/// times; node hits return node values.
#[test]
fn interpolation_is_exact_on_polynomials() {
    let mut rng = ChaCha8Rng::seed_from_u64(2);
    for kind in KINDS {
        let n = 25;
        let nd = Nodes::new(kind, n, -2.0, 4.0).unwrap();
        let p = poly(&mut rng, n - 1, 1.0, 3.0);
        let q = poly(&mut rng, 7, 1.0, 3.0);
        let vals: Vec<f64> = nd.times().iter().flat_map(|&t| [p(t).0, q(t).0]).collect();
        let scale = vals.iter().fold(0.0f64, |a, v| a.max(v.abs()));
        let (mut out, mut dout) = ([0.0; 2], [0.0; 2]);
        for _ in 0..50 {
            let t = rng.random_range(-2.0..4.0);
            nd.interpolate_with_derivative(&vals, t, &mut out, &mut dout)
                .unwrap();
            assert_relative_eq!(out[0], p(t).0, epsilon = 1e-11 * scale);
            assert_relative_eq!(out[1], q(t).0, epsilon = 1e-11 * scale);
            assert_relative_eq!(dout[0], p(t).1, epsilon = 1e-8 * scale);
            assert_relative_eq!(dout[1], q(t).1, epsilon = 1e-8 * scale);
        }
        let t5 = nd.times()[5];
        nd.interpolate(&vals, t5, &mut out).unwrap();
        assert_eq!(out, [vals[10], vals[11]]);
    }
}

#[test]
fn bad_arguments_are_typed_errors() {
    assert!(matches!(
        Nodes::new(NodeKind::Chebyshev, 1, 0.0, 1.0),
        Err(CollocationError::TooFewNodes { got: 1 })
    ));
    assert!(matches!(
        Nodes::new(NodeKind::Chebyshev, 5, 1.0, 1.0),
        Err(CollocationError::BadInterval { .. })
    ));
    let nd = Nodes::new(NodeKind::Chebyshev, 5, 0.0, 1.0).unwrap();
    let mut out = [0.0; 2];
    assert!(matches!(
        nd.interpolate(&[0.0; 9], 0.3, &mut out),
        Err(CollocationError::Length {
            expected: 10,
            got: 9,
            ..
        })
    ));
}

/// The case-study nodes are our Chebyshev nodes on [0, 15].
#[test]
fn case_study_nodes_are_chebyshev_second_kind() {
    let data = VdpData::load_default().expect("vdp_forced.json");
    let nd = Nodes::new(NodeKind::Chebyshev, data.t_nodes.len(), 0.0, 15.0).unwrap();
    assert_eq!(data.t_nodes.len(), 200);
    for (a, b) in nd.times().iter().zip(&data.t_nodes) {
        assert_relative_eq!(*a, *b, epsilon = 1e-12);
    }
}
