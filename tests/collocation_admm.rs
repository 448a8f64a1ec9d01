//! Consensus ADMM over collocation batches: it reaches the joint (single-NLP) solution, its
//! residuals fall, parallel and serial batch solves agree, and bad input gives typed errors.

use nodal::collocation::{
    Admm, AdmmConfig, AdmmError, CollocationConfig, CollocationNlp, JointNlp, NodeKind, Nodes,
    ResidualBalancing,
};
use nodal::nlp::{InteriorPoint, Nlp, Options, Status};
use nodal::nn::Mlp;
use std::time::Instant;

/// Two batches: the harmonic oscillator y0' = y1, y1' = −y0 observed on [0, 2] from two
/// different initial states (amplitude 1 and 1.5, phase 0 and 1), 12 Chebyshev nodes each, a
/// [2, width, 2] tanh network (same seed in both batches), weight decay λ.
fn batches(width: usize, lambda: f64) -> Vec<CollocationNlp> {
    [(1.0, 0.0), (1.5, 1.0)]
        .iter()
        .map(|&(amp, phase)| {
            let nodes = Nodes::new(NodeKind::Chebyshev, 12, 0.0, 2.0).unwrap();
            let obs: Vec<f64> = nodes
                .times()
                .iter()
                .flat_map(|&t| [amp * (t + phase).sin(), amp * (t + phase).cos()])
                .collect();
            let mlp = Mlp::builder(&[2, width, 2]).seed(3).build().unwrap();
            let config = CollocationConfig {
                lambda,
                bandwidth_factor: 2.0,
                ..Default::default()
            };
            CollocationNlp::new(nodes, &obs, mlp, config).unwrap()
        })
        .collect()
}

fn dist(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y) * (x - y))
        .sum::<f64>()
        .sqrt()
}

#[test]
fn consensus_reaches_the_joint_solution_and_residuals_fall() {
    let start = Instant::now();
    // λ = 0.05 makes every θ direction curved enough for ADMM's linear rate to be fast (with
    // λ = 1e-3 weakly identified directions converge at ~0.7 % per iteration).
    let admm = Admm::new(
        batches(4, 0.05),
        AdmmConfig {
            max_iter: 300,
            eps_abs: 1e-6,
            eps_rel: 1e-5,
            rho: 0.1,
            balancing: Some(ResidualBalancing::default()),
            ..Default::default()
        },
    )
    .unwrap();
    let joint: JointNlp = admm.joint();
    let js = InteriorPoint::new(Options::default()).solve(&joint);
    assert_eq!(js.status, Status::Solved, "{js:?}");
    let n_theta = admm.batches()[0].n_theta();

    let mut seen = 0;
    let res = admm
        .run_with(|it, z| {
            seen += 1;
            assert_eq!(it.iter, seen);
            assert_eq!(z.len(), n_theta);
        })
        .unwrap();
    assert!(
        res.converged,
        "no convergence in 300 iterations: {:?}",
        res.history.last()
    );
    assert_eq!(seen, res.history.len());
    // θ itself is determined only up to the network's symmetries (hidden-unit sign flips and
    // permutations), so compare the learned vector fields on a grid covering the data.
    let fz = admm.batches()[0].mlp_from(&res.x[0]).unwrap();
    let fj = admm.batches()[0]
        .mlp_from(&joint.batch_x(0, &js.x))
        .unwrap();
    let mut err = 0.0f64;
    for i in -10..=10 {
        for j in -10..=10 {
            let y = [0.15 * i as f64, 0.15 * j as f64];
            let (mut a, mut b) = ([0.0; 2], [0.0; 2]);
            fz.eval_slice(0.0, &y, &mut a).unwrap();
            fj.eval_slice(0.0, &y, &mut b).unwrap();
            err = err.max((a[0] - b[0]).abs()).max((a[1] - b[1]).abs());
        }
    }
    assert!(
        err < 1e-3,
        "consensus field vs joint field: max difference {err:e}"
    );
    // Every batch's states match the joint solution's states of that batch.
    for (k, xk) in res.x.iter().enumerate() {
        let jk = joint.batch_x(k, &js.x);
        let ny = xk.len() - res.z.len();
        let d = dist(&xk[..ny], &jk[..ny]);
        assert!(
            d < 1e-3,
            "batch {k} states differ from the joint solution by {d:e}"
        );
    }
    // The residuals fall: the last primal and dual residuals are far below the first ones.
    let (first, last) = (&res.history[0], res.history.last().unwrap());
    assert!(last.primal < 1e-3 * first.primal, "{first:?} → {last:?}");
    assert!(last.dual < 1e-3 * first.dual, "{first:?} → {last:?}");
    // The joint objective at the consensus equals the joint optimum.
    let mut xj = vec![0.0; joint.num_vars()];
    let (ny0, ny1) = (res.x[0].len() - n_theta, res.x[1].len() - n_theta);
    xj[..ny0].copy_from_slice(&res.x[0][..ny0]);
    xj[ny0..ny0 + ny1].copy_from_slice(&res.x[1][..ny1]);
    xj[ny0 + ny1..].copy_from_slice(&res.z);
    let gap = (joint.objective(&xj) - js.objective).abs() / js.objective;
    assert!(gap < 1e-4, "objective gap {gap:e}");
    eprintln!(
        "ADMM {} iterations, field vs joint {err:.2e}; {:.2} s",
        res.history.len(),
        start.elapsed().as_secs_f64()
    );
}

#[test]
fn parallel_and_serial_agree_and_balancing_adapts_rho() {
    let config = AdmmConfig {
        rho: 0.01,
        max_iter: 8,
        balancing: Some(ResidualBalancing::default()),
        ..Default::default()
    };
    let par = Admm::new(batches(4, 1e-3), config.clone())
        .unwrap()
        .run()
        .unwrap();
    let ser = Admm::new(
        batches(4, 1e-3),
        AdmmConfig {
            parallel: false,
            ..config
        },
    )
    .unwrap()
    .run()
    .unwrap();
    assert_eq!(
        par.z, ser.z,
        "parallel and serial batch solves must give the same z"
    );
    let rhos: Vec<f64> = par.history.iter().map(|it| it.rho).collect();
    assert!(
        rhos.windows(2).any(|w| w[0] != w[1]),
        "residual balancing from ρ = 0.01 never changed ρ: {rhos:?}"
    );
    // Warm starts: later batch solves need fewer IPM iterations than the first.
    let first: usize = par.history[0].ipm_iterations.iter().sum();
    let last: usize = par.history.last().unwrap().ipm_iterations.iter().sum();
    assert!(last < first, "IPM iterations first {first}, last {last}");
}

#[test]
fn bad_input_gives_typed_errors() {
    assert!(matches!(
        Admm::new(Vec::new(), AdmmConfig::default()),
        Err(AdmmError::NoBatches)
    ));
    let mut b = batches(4, 1e-3);
    b.extend(batches(5, 1e-3).into_iter().take(1));
    match Admm::new(b, AdmmConfig::default()) {
        Err(AdmmError::ThetaMismatch {
            batch: 2,
            expected: 22,
            got: 27,
        }) => {}
        other => panic!("expected ThetaMismatch, got {other:?}"),
    }
    for config in [
        AdmmConfig {
            rho: 0.0,
            ..Default::default()
        },
        AdmmConfig {
            max_iter: 0,
            ..Default::default()
        },
        AdmmConfig {
            eps_rel: -1.0,
            ..Default::default()
        },
        AdmmConfig {
            balancing: Some(ResidualBalancing { mu: 1.0, tau: 2.0 }),
            ..Default::default()
        },
    ] {
        let e = Admm::new(batches(4, 1e-3), config).unwrap_err();
        assert!(matches!(e, AdmmError::InvalidOption { .. }), "{e}");
    }
}
