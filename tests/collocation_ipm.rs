//! End to end: the interior-point solver trains a small network by collocation, and the
//! learned ODE, integrated with dopri5, follows the collocation states.

use nodal::collocation::{
    between_node_residual, CollocationConfig, CollocationNlp, NodeKind, Nodes,
};
use nodal::nlp::{InteriorPoint, Nlp, Options, Status};
use nodal::nn::Mlp;
use nodal::{solve_at, Adaptive, State, Stepping, Tableau};

#[test]
fn ipm_solves_a_small_collocation_problem() {
    // Data: a harmonic oscillator y0' = y1, y1' = −y0 observed without noise on [0, 3].
    let nodes = Nodes::new(NodeKind::Chebyshev, 16, 0.0, 3.0).unwrap();
    let obs: Vec<f64> = nodes
        .times()
        .iter()
        .flat_map(|&t| [t.sin(), t.cos()])
        .collect();
    let mlp = Mlp::builder(&[2, 6, 2]).seed(1).build().unwrap();
    let config = CollocationConfig {
        lambda: 1e-5,
        bandwidth_factor: 2.0,
        ..Default::default()
    };
    let nlp = CollocationNlp::new(nodes.clone(), &obs, mlp, config).unwrap();
    let sol = InteriorPoint::new(Options::default()).solve(&nlp);
    assert_eq!(sol.status, Status::Solved, "{sol:?}");
    let mut g = vec![0.0; nlp.num_cons()];
    nlp.constraints(&sol.x, &mut g);
    let viol = g.iter().fold(0.0f64, |a, v| a.max(v.abs()));
    assert!(viol < 1e-6, "constraint violation {viol:e}");
    let fit = nlp.objective(&sol.x);
    assert!(fit < 1e-2, "objective {fit:e}");

    // The learned field integrated from y(0) stays close to the collocation states.
    let field = nlp.field_from::<2>(&sol.x).unwrap();
    let states = nlp.states(&sol.x).unwrap();
    let opts = Adaptive {
        rtol: 1e-10,
        atol: 1e-10,
        ..Default::default()
    };
    let traj = solve_at(
        &Tableau::<7>::dopri5(),
        &field,
        0.0,
        State::<2>::new(states[0], states[1]),
        &nodes.times()[1..],
        &Stepping::Adaptive(opts),
    )
    .unwrap();
    let dev = traj
        .y
        .iter()
        .enumerate()
        .flat_map(|(k, y)| [y[0] - states[2 * k + 2], y[1] - states[2 * k + 3]])
        .fold(0.0f64, |a, e| a.max(e.abs()));
    assert!(dev < 1e-2, "simulation vs collocation states: {dev:e}");
    let res = between_node_residual(&nodes, states, field.mlp()).unwrap();
    assert!(res.max_abs < 1e-2, "{res:?}");
}

/// The reduced-space KKT path (states as dependent variables) and the full factorization
/// solve the same NLP to the same minimum, and the reduced path gives bit-identical iterates
/// for any thread count (its kernels are sequential).
#[test]
fn reduced_space_matches_full_kkt_and_ignores_thread_count() {
    let nodes = Nodes::new(NodeKind::Chebyshev, 20, 0.0, 4.0).unwrap();
    let obs: Vec<f64> = nodes
        .times()
        .iter()
        .flat_map(|&t| [t.sin(), t.cos()])
        .collect();
    let mlp = Mlp::builder(&[2, 8, 2]).seed(3).build().unwrap();
    let config = CollocationConfig {
        lambda: 1e-4,
        bandwidth_factor: 2.0,
        ..Default::default()
    };
    let nlp = CollocationNlp::new(nodes, &obs, mlp, config).unwrap();
    assert_eq!(
        nlp.dependent_variables(),
        Some((0..nlp.num_cons()).collect())
    );
    let solve = |reduced_space: bool, threads: usize| {
        InteriorPoint::new(Options {
            reduced_space,
            linear_solver_threads: threads,
            ..Options::default()
        })
        .solve(&nlp)
    };
    let (red1, red2, full) = (solve(true, 1), solve(true, 2), solve(false, 1));
    for s in [&red1, &red2, &full] {
        assert_eq!(s.status, Status::Solved, "{s:?}");
        assert!(s.factorizations >= s.iterations, "{s:?}");
    }
    assert_eq!(red1.x, red2.x);
    assert_eq!(red1.iterations, red2.iterations);
    approx::assert_relative_eq!(red1.objective, full.objective, max_relative = 1e-6);
    for (a, b) in red1.x.iter().zip(&full.x) {
        approx::assert_abs_diff_eq!(*a, *b, epsilon = 1e-4);
    }
}
