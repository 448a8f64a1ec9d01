//! Data loading errors, the kernel smoother and the between-node residual.

use approx::assert_relative_eq;
use nodal::collocation::{
    between_node_residual, default_bandwidth, epanechnikov_smooth, CollocationError, NodeKind,
    Nodes, VdpData,
};
use nodal::nn::Mlp;
use nodal::{solve_at, Adaptive, State, Stepping, Tableau};

#[test]
fn shipped_data_loads_with_consistent_shapes() {
    let d = VdpData::load_default().unwrap();
    assert_eq!(d.t_nodes.len(), 200);
    assert_eq!(d.y_noisy.len(), 200);
    assert_eq!(d.t_test.len(), d.y_test_true.len());
    assert_eq!(d.noise_sigma, 0.1);
    // The noise has about the stated size.
    let rms = (d
        .y_noisy
        .iter()
        .zip(&d.y_true)
        .flat_map(|(a, b)| [a[0] - b[0], a[1] - b[1]])
        .map(|e| e * e)
        .sum::<f64>()
        / 400.0)
        .sqrt();
    assert!((0.07..0.13).contains(&rms), "noise rms {rms}");
}

#[test]
fn data_errors_are_typed() {
    let missing = std::path::Path::new("/nonexistent/dir/vdp.json");
    match VdpData::load(missing) {
        Err(CollocationError::Io { path, source }) => {
            assert_eq!(path, missing);
            assert_eq!(source.kind(), std::io::ErrorKind::NotFound);
        }
        other => panic!("expected Io error, got {other:?}"),
    }
    let base = r#"{"mu": 1.0, "noise_sigma": 0.1, "t_nodes": [0, 1], "y_true": [[0,1],[1,2]],
        "y_noisy": [[0,1],[1,2]], "t_test": [2], "y_test_true": [[3,4]]}"#;
    assert!(VdpData::parse(base).is_ok());
    let no_field = base.replace("\"t_test\": [2],", "");
    assert!(matches!(
        VdpData::parse(&no_field),
        Err(CollocationError::Field {
            field: "t_test",
            ..
        })
    ));
    let short = base.replace("\"y_noisy\": [[0,1],[1,2]]", "\"y_noisy\": [[0,1]]");
    assert!(matches!(
        VdpData::parse(&short),
        Err(CollocationError::Mismatch {
            field: "y_noisy",
            got: 1,
            expected: 2,
            ..
        })
    ));
    let bad_row = base.replace("[[3,4]]", "[[3,4,5]]");
    assert!(matches!(
        VdpData::parse(&bad_row),
        Err(CollocationError::Field {
            field: "y_test_true",
            ..
        })
    ));
    assert!(matches!(
        VdpData::parse("{ not json"),
        Err(CollocationError::Json { line: 1, .. })
    ));
}

#[test]
fn smoother_is_exact_on_lines_and_reduces_noise() {
    let t: Vec<f64> = (0..101).map(|k| k as f64 * 0.1).collect();
    let h = default_bandwidth(&t, 5.0).unwrap();
    assert_relative_eq!(h, 0.5, epsilon = 1e-12);
    let line: Vec<f64> = t.iter().map(|&s| 2.0 - 0.3 * s).collect();
    let sm = epanechnikov_smooth(&t, &line, 1, &t, h).unwrap();
    for (a, b) in sm.iter().zip(&line) {
        assert_relative_eq!(*a, *b, epsilon = 1e-12);
    }
    // Deterministic "noise" (a fast oscillation) on a slow sine is damped.
    let noisy: Vec<f64> = t
        .iter()
        .enumerate()
        .map(|(k, &s)| s.sin() + if k % 2 == 0 { 0.1 } else { -0.1 })
        .collect();
    let sm = epanechnikov_smooth(&t, &noisy, 1, &t, h).unwrap();
    let err = |v: &[f64]| {
        v.iter()
            .zip(&t)
            .map(|(a, s)| (a - s.sin()).powi(2))
            .sum::<f64>()
    };
    assert!(
        err(&sm) < 0.2 * err(&noisy),
        "{} vs {}",
        err(&sm),
        err(&noisy)
    );
    assert!(matches!(
        epanechnikov_smooth(&[0.0, 1.0], &[1.0, 2.0], 1, &[5.0], 0.5),
        Err(CollocationError::EmptyWindow { .. })
    ));
    assert!(matches!(
        epanechnikov_smooth(&[0.0, 1.0], &[1.0, 2.0], 1, &[0.5], -1.0),
        Err(CollocationError::InvalidOption { .. })
    ));
}

/// States that follow the network's own ODE have a tiny residual between nodes; perturbed
/// states do not.
#[test]
fn between_node_residual_detects_non_solutions() {
    let m = Mlp::builder(&[2, 8, 2]).seed(4).build().unwrap();
    let field = m.clone().into_field::<2>().unwrap();
    let nodes = Nodes::new(NodeKind::Chebyshev, 30, 0.0, 2.0).unwrap();
    let opts = Adaptive {
        rtol: 1e-12,
        atol: 1e-12,
        ..Default::default()
    };
    let tab = Tableau::<7>::dopri5();
    let traj = solve_at(
        &tab,
        &field,
        0.0,
        State::<2>::new(0.5, -0.3),
        &nodes.times()[1..],
        &Stepping::Adaptive(opts),
    )
    .unwrap();
    let mut y = vec![0.5, -0.3];
    y.extend(traj.y.iter().flat_map(|s| [s[0], s[1]]));
    let good = between_node_residual(&nodes, &y, &m).unwrap();
    assert_eq!(good.points, 29);
    assert!(good.max_abs < 1e-8, "{good:?}");
    y[31] += 1e-3;
    let bad = between_node_residual(&nodes, &y, &m).unwrap();
    assert!(bad.max_abs > 1e-3, "{bad:?}");
}
