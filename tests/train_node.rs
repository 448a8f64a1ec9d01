//! The neural-ODE problem end to end: adjoint gradient vs finite differences, a 2→16→2 MLP fit
//! to harmonic-oscillator observations, bit-identical repeat runs, typed errors.

use approx::assert_relative_eq;
use nodal::nn::{Activation, Mlp, MlpField};
use nodal::systems::{Exact, Harmonic};
use nodal::train::{Adam, Lbfgs, NodeProblem, Objective, TimeSeries, TrainError};
use nodal::{Adaptive, State, Stepping, Tableau};

fn harmonic_series(y0: State<2>, n: usize, dt: f64) -> TimeSeries<2> {
    let sys = Harmonic::default();
    let times: Vec<f64> = (0..n).map(|i| i as f64 * dt).collect();
    let values = times.iter().map(|&t| sys.exact(0.0, &y0, t)).collect();
    TimeSeries::new(times, values, None).unwrap()
}

fn mlp(widths: &[usize], seed: u64) -> MlpField<2> {
    Mlp::builder(widths)
        .hidden_activation(Activation::Tanh)
        .seed(seed)
        .build()
        .unwrap()
        .into_field::<2>()
        .unwrap()
}

#[test]
fn problem_gradient_matches_finite_differences() {
    let a = harmonic_series(State::<2>::new(1.0, 0.0), 5, 0.4);
    let sys = Harmonic::default();
    let times = vec![0.0, 0.3, 0.9, 1.2];
    let y0 = State::<2>::new(0.0, 0.8);
    let values = times.iter().map(|&t| sys.exact(0.0, &y0, t)).collect();
    let mask = Some(vec![
        [true, true],
        [false, true],
        [true, false],
        [true, true],
    ]);
    let b = TimeSeries::new(times, values, mask).unwrap();
    let field = mlp(&[2, 8, 2], 5);
    let prob = NodeProblem::new(
        Tableau::<4>::rk4(),
        field,
        vec![a, b],
        Stepping::Fixed(0.05),
    )
    .unwrap();
    let p = prob.initial_params();
    let (l, g) = prob.eval(&p, &[0, 1]).unwrap();
    assert_relative_eq!(l, prob.loss(&p, &[0, 1]).unwrap(), max_relative = 1e-14);
    let h = 1e-6;
    for j in 0..p.len() {
        let (mut up, mut dn) = (p.clone(), p.clone());
        up[j] += h;
        dn[j] -= h;
        let fd = (prob.loss(&up, &[0, 1]).unwrap() - prob.loss(&dn, &[0, 1]).unwrap()) / (2.0 * h);
        assert_relative_eq!(g[j], fd, epsilon = 1e-8, max_relative = 1e-5);
    }
}

#[test]
fn mlp_fits_harmonic_observations() {
    let data = vec![
        harmonic_series(State::<2>::new(1.0, 0.0), 8, 0.4),
        harmonic_series(State::<2>::new(0.0, -0.7), 8, 0.4),
    ];
    let prob = NodeProblem::new(
        Tableau::<7>::dopri5(),
        mlp(&[2, 16, 2], 1),
        data,
        Stepping::Adaptive(Adaptive::with_tol(1e-6, 1e-8)),
    )
    .unwrap();
    let p0 = prob.initial_params();
    let all = [0, 1];
    let l0 = prob.loss(&p0, &all).unwrap();
    let adam = Adam {
        max_iters: 200,
        ..Adam::new(1e-2)
    };
    let ra = adam.minimize(&prob, p0, None).unwrap();
    let rl = Lbfgs {
        max_iters: 60,
        ..Lbfgs::default()
    }
    .minimize(prob.clone(), prob.n_params(), ra.params.clone(), None)
    .unwrap();
    println!(
        "loss: start {l0:.3e}, after Adam {:.3e}, after L-BFGS {:.3e}",
        ra.loss, rl.loss
    );
    // Stated factors: 200 Adam steps cut the loss ≥ 1000×; L-BFGS afterwards improves on Adam
    // and reaches ≥ 1e5× overall.
    assert!(ra.loss < l0 / 1e3, "Adam: {l0} -> {}", ra.loss);
    assert!(rl.loss < ra.loss, "L-BFGS: {} -> {}", ra.loss, rl.loss);
    assert!(rl.loss < l0 / 1e5, "L-BFGS: {l0} -> {}", rl.loss);
    assert_relative_eq!(
        rl.loss,
        prob.loss(&rl.params, &all).unwrap(),
        max_relative = 1e-12
    );
}

#[test]
fn same_seed_gives_bit_identical_parameters() {
    let data: Vec<_> = (0..4)
        .map(|k| harmonic_series(State::<2>::new(1.0, 0.2 * k as f64), 6, 0.3))
        .collect();
    let prob = NodeProblem::new(
        Tableau::<7>::tsit5(),
        mlp(&[2, 16, 2], 9),
        data,
        Stepping::Adaptive(Adaptive::with_tol(1e-5, 1e-7)),
    )
    .unwrap();
    let run = |seed| {
        Adam {
            max_iters: 30,
            batch_size: Some(2),
            seed,
            ..Adam::new(1e-2)
        }
        .minimize(&prob, prob.initial_params(), None)
        .unwrap()
    };
    let (a, b) = (run(11), run(11));
    assert_eq!(a.params, b.params);
    assert_eq!(a.history, b.history);
    assert_ne!(a.params, prob.initial_params());
    assert_ne!(run(12).history, a.history);
}

#[test]
fn problem_errors_are_typed() {
    let prob = NodeProblem::new(
        Tableau::<4>::rk4(),
        mlp(&[2, 4, 2], 0),
        vec![harmonic_series(State::<2>::new(1.0, 0.0), 3, 0.5)],
        Stepping::Fixed(0.1),
    )
    .unwrap();
    let n = prob.n_params();
    assert_eq!(
        prob.eval(&vec![0.0; n + 1], &[0]).unwrap_err(),
        TrainError::ParamLength {
            what: "parameters",
            expected: n,
            got: n + 1
        }
    );
    assert!(matches!(
        prob.loss(&prob.initial_params(), &[1]),
        Err(TrainError::InvalidOption {
            name: "trajectory index",
            ..
        })
    ));
    assert!(matches!(
        NodeProblem::new(
            Tableau::<4>::rk4(),
            mlp(&[2, 4, 2], 0),
            vec![],
            Stepping::Fixed(0.1)
        ),
        Err(TrainError::Empty(_))
    ));
    // Huge weights make the solve blow up: training stops at iteration 0 with the start.
    let bad: Vec<f64> = prob.initial_params().iter().map(|w| w * 1e200).collect();
    match Adam::new(1e-2)
        .minimize(&prob, bad.clone(), None)
        .unwrap_err()
    {
        TrainError::Stopped {
            iter,
            params,
            source,
        } => {
            assert_eq!(iter, 0);
            assert_eq!(params, bad);
            assert!(
                matches!(
                    *source,
                    TrainError::Solve { trajectory: 0, .. } | TrainError::NonFinite { .. }
                ),
                "{source:?}"
            );
        }
        e => panic!("unexpected {e:?}"),
    }
}
