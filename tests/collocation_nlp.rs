//! The collocation NLP: gradient, Jacobian and Hessian of the Lagrangian against finite
//! differences; the MLP second-order pass against hyper-dual numbers.

use approx::assert_relative_eq;
use nodal::collocation::{
    epanechnikov_smooth, mlp_lagrangian_hessian, CollocationConfig, CollocationError,
    CollocationNlp, HessianMode, NodeKind, Nodes,
};
use nodal::nlp::Nlp;
use nodal::nn::{Activation, Mlp};
use num_dual::HyperDual64;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn net(hidden: usize, time: bool, act: Activation, seed: u64) -> Mlp {
    Mlp::builder(&[2, hidden, 2])
        .hidden_activation(act)
        .time_input(time)
        .seed(seed)
        .build()
        .unwrap()
}

fn problem(n: usize, time: bool, act: Activation, mode: HessianMode) -> CollocationNlp {
    let nodes = Nodes::new(NodeKind::Chebyshev, n, 0.0, 3.0).unwrap();
    let obs: Vec<f64> = nodes
        .times()
        .iter()
        .flat_map(|&t| [t.sin() + 0.05 * (7.0 * t).cos(), t.cos()])
        .collect();
    let config = CollocationConfig {
        hessian: mode,
        lambda: 1e-2,
        bandwidth_factor: 3.0,
        ..Default::default()
    };
    CollocationNlp::new(nodes, &obs, net(6, time, act, 3), config).unwrap()
}

/// A random point with θ of order one (so that curvature terms are not negligible).
fn random_point(p: &CollocationNlp, rng: &mut ChaCha8Rng) -> Vec<f64> {
    let mut x = vec![0.0; p.num_vars()];
    p.initial_point(&mut x);
    x.iter_mut().for_each(|v| *v += rng.random_range(-0.6..0.6));
    x
}

fn dense_jacobian(p: &CollocationNlp, x: &[f64]) -> Vec<f64> {
    let (n, m) = (p.num_vars(), p.num_cons());
    let st = p.jacobian_structure();
    let mut vals = vec![0.0; st.len()];
    p.jacobian_values(x, &mut vals);
    let mut j = vec![0.0; m * n];
    for (&(r, c), v) in st.iter().zip(&vals) {
        j[r * n + c] += v;
    }
    j
}

/// ∇L = σ∇f + Jᵀλ.
fn lagrangian_gradient(p: &CollocationNlp, x: &[f64], sigma: f64, lam: &[f64]) -> Vec<f64> {
    let (n, m) = (p.num_vars(), p.num_cons());
    let mut g = vec![0.0; n];
    p.gradient(x, &mut g);
    g.iter_mut().for_each(|v| *v *= sigma);
    let j = dense_jacobian(p, x);
    for r in 0..m {
        for c in 0..n {
            g[c] += j[r * n + c] * lam[r];
        }
    }
    g
}

#[test]
fn gradient_and_jacobian_match_finite_differences() {
    let mut rng = ChaCha8Rng::seed_from_u64(10);
    for time in [false, true] {
        let p = problem(9, time, Activation::Tanh, HessianMode::Exact);
        let x = random_point(&p, &mut rng);
        let (n, m) = (p.num_vars(), p.num_cons());
        let st = p.jacobian_structure();
        assert!(st.iter().all(|&(r, c)| r < m && c < n));
        let j = dense_jacobian(&p, &x);
        let mut grad = vec![0.0; n];
        p.gradient(&x, &mut grad);
        let h = 1e-6;
        let (mut gp, mut gm) = (vec![0.0; m], vec![0.0; m]);
        for c in 0..n {
            let mut xp = x.clone();
            let mut xm = x.clone();
            xp[c] += h;
            xm[c] -= h;
            let fd = (p.objective(&xp) - p.objective(&xm)) / (2.0 * h);
            assert_relative_eq!(grad[c], fd, epsilon = 1e-8, max_relative = 1e-6);
            p.constraints(&xp, &mut gp);
            p.constraints(&xm, &mut gm);
            for r in 0..m {
                let fd = (gp[r] - gm[r]) / (2.0 * h);
                assert_relative_eq!(j[r * n + c], fd, epsilon = 1e-7, max_relative = 1e-6);
            }
        }
    }
}

#[test]
fn hessian_of_lagrangian_matches_finite_differences_of_its_gradient() {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    for (time, act) in [
        (false, Activation::Tanh),
        (true, Activation::Tanh),
        (true, Activation::Softplus),
    ] {
        let p = problem(8, time, act, HessianMode::Exact);
        let x = random_point(&p, &mut rng);
        let (n, m) = (p.num_vars(), p.num_cons());
        let lam: Vec<f64> = (0..m).map(|_| rng.random_range(-2.0..2.0)).collect();
        let sigma = 0.7;
        let st = p.hessian_structure().expect("exact mode has a Hessian");
        assert!(st.iter().all(|&(r, c)| r < n && c <= r), "lower triangle");
        let mut uniq = st.clone();
        uniq.sort_unstable();
        uniq.dedup();
        assert_eq!(uniq.len(), st.len(), "no duplicate entries");
        let mut vals = vec![f64::NAN; st.len()];
        p.hessian_values(&x, sigma, &lam, &mut vals);
        let mut hm = vec![0.0; n * n];
        for (&(r, c), v) in st.iter().zip(&vals) {
            hm[r * n + c] += v;
            if r != c {
                hm[c * n + r] += v;
            }
        }
        let h = 1e-6;
        let mut nonzero = 0;
        for c in 0..n {
            let mut xp = x.clone();
            let mut xm = x.clone();
            xp[c] += h;
            xm[c] -= h;
            let gp = lagrangian_gradient(&p, &xp, sigma, &lam);
            let gm = lagrangian_gradient(&p, &xm, sigma, &lam);
            for r in 0..n {
                let fd = (gp[r] - gm[r]) / (2.0 * h);
                assert_relative_eq!(hm[r * n + c], fd, epsilon = 2e-6, max_relative = 1e-5);
                if fd.abs() > 1e-3 {
                    nonzero += 1;
                }
            }
        }
        assert!(
            nonzero > n,
            "Hessian not trivially small ({nonzero} entries)"
        );
    }
}

/// The second-order pass equals the hyper-dual second derivatives of μᵀf over all pairs of
/// (y, θ) variables.
#[test]
fn mlp_hessian_matches_hyper_dual_numbers() {
    let mut rng = ChaCha8Rng::seed_from_u64(12);
    for (time, act, hidden) in [
        (false, Activation::Tanh, 5),
        (true, Activation::Tanh, 4),
        (true, Activation::Gelu, 3),
    ] {
        let mut m = net(hidden, time, act, 5);
        m.params_mut()
            .iter_mut()
            .for_each(|p| *p += rng.random_range(-0.5..0.5));
        let y = [rng.random_range(-1.5..1.5), rng.random_range(-1.5..1.5)];
        let mu = [rng.random_range(-2.0..2.0), rng.random_range(-2.0..2.0)];
        let t = 0.83;
        let hm = mlp_lagrangian_hessian(&m, t, &y, &mu).unwrap();
        let nt = m.n_params();
        let nv = 2 + nt;
        let base = m.cast::<HyperDual64>();
        for p in 0..nv {
            for q in 0..=p {
                let mut mh = base.clone();
                let mut yh = [HyperDual64::from_re(y[0]), HyperDual64::from_re(y[1])];
                for (idx, first) in [(p, true), (q, false)] {
                    let v = if idx < 2 {
                        &mut yh[idx]
                    } else {
                        &mut mh.params_mut()[idx - 2]
                    };
                    if first {
                        v.eps1 = 1.0;
                    } else {
                        v.eps2 = 1.0;
                    }
                }
                let mut out = [HyperDual64::from_re(0.0); 2];
                mh.eval_slice(HyperDual64::from_re(t), &yh, &mut out)
                    .unwrap();
                let exact = mu[0] * out[0].eps1eps2 + mu[1] * out[1].eps1eps2;
                assert_relative_eq!(hm[p * nv + q], exact, epsilon = 1e-12, max_relative = 1e-10);
                assert_relative_eq!(hm[q * nv + p], exact, epsilon = 1e-12, max_relative = 1e-10);
            }
        }
    }
}

#[test]
fn deeper_networks_need_quasi_newton() {
    let nodes = Nodes::new(NodeKind::Chebyshev, 6, 0.0, 1.0).unwrap();
    let obs = vec![0.1; 12];
    let deep = Mlp::builder(&[2, 4, 4, 2]).build().unwrap();
    let err = CollocationNlp::new(nodes.clone(), &obs, deep.clone(), Default::default());
    assert!(matches!(
        err,
        Err(CollocationError::UnsupportedHessian {
            hidden_layers: 2,
            ..
        })
    ));
    let qn = CollocationConfig {
        hessian: HessianMode::QuasiNewton,
        ..Default::default()
    };
    let p = CollocationNlp::new(nodes.clone(), &obs, deep, qn).unwrap();
    assert!(p.hessian_structure().is_none());
    let bad = Mlp::builder(&[2, 4, 3]).build().unwrap();
    assert!(matches!(
        CollocationNlp::new(nodes.clone(), &obs, bad, qn),
        Err(CollocationError::NotAVectorField { d_in: 2, d_out: 3 })
    ));
    let m = Mlp::builder(&[2, 4, 2]).build().unwrap();
    assert!(matches!(
        CollocationNlp::new(nodes, &obs[..11], m, qn),
        Err(CollocationError::Length {
            expected: 12,
            got: 11,
            ..
        })
    ));
}

#[test]
fn starting_point_bounds_and_extraction() {
    let nodes = Nodes::new(NodeKind::Chebyshev, 30, 0.0, 6.0).unwrap();
    let obs: Vec<f64> = nodes
        .times()
        .iter()
        .flat_map(|&t| [t.sin(), 0.5 * t])
        .collect();
    let m = Mlp::builder(&[2, 8, 2]).seed(9).build().unwrap();
    let config = CollocationConfig {
        state_bound: Some(5.0),
        param_bound: Some(100.0),
        init_scale: 0.1,
        ..Default::default()
    };
    let p = CollocationNlp::new(nodes.clone(), &obs, m.clone(), config).unwrap();
    let mut x = vec![0.0; p.num_vars()];
    p.initial_point(&mut x);
    let h = 5.0 * 6.0 / 29.0;
    let smooth = epanechnikov_smooth(nodes.times(), &obs, 2, nodes.times(), h).unwrap();
    assert_eq!(&x[..60], &smooth[..]);
    for (a, b) in x[60..].iter().zip(m.params()) {
        assert_relative_eq!(*a, 0.1 * b, epsilon = 1e-15);
    }
    // The linear second component is reproduced exactly by the local-linear smoother.
    for (i, &t) in nodes.times().iter().enumerate() {
        assert_relative_eq!(x[2 * i + 1], 0.5 * t, epsilon = 1e-12);
    }
    let (mut xl, mut xu) = (vec![0.0; p.num_vars()], vec![0.0; p.num_vars()]);
    let (mut gl, mut gu) = (vec![1.0; p.num_cons()], vec![1.0; p.num_cons()]);
    p.bounds(&mut xl, &mut xu, &mut gl, &mut gu);
    assert_eq!(
        (xl[0], xu[59], xl[60], xu[p.num_vars() - 1]),
        (-5.0, 5.0, -100.0, 100.0)
    );
    assert!(gl.iter().chain(&gu).all(|&v| v == 0.0));
    let learned = p.mlp_from(&x).unwrap();
    assert_eq!(learned.params(), &x[60..]);
    assert!(p.field_from::<2>(&x).is_ok());
    assert!(matches!(
        p.mlp_from(&x[1..]),
        Err(CollocationError::Length { .. })
    ));
}

/// `fit_until` holds out the observations after a time: the objective is the mean misfit
/// over the fitted nodes only (checked against a direct sum), its gradient and the
/// objective's Hessian diagonal vanish at the held-out states, and a cut before the first
/// node is an error.
#[test]
fn held_out_tail_leaves_the_data_term() {
    let nodes = Nodes::new(NodeKind::Chebyshev, 9, 0.0, 3.0).unwrap();
    let obs: Vec<f64> = nodes
        .times()
        .iter()
        .flat_map(|&t| [t.sin(), 0.5 * t])
        .collect();
    let config = CollocationConfig {
        lambda: 1e-2,
        bandwidth_factor: 3.0,
        fit_until: Some(1.5),
        ..Default::default()
    };
    let p = CollocationNlp::new(
        nodes.clone(),
        &obs,
        net(6, false, Activation::Tanh, 3),
        config,
    )
    .unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(12);
    let x = random_point(&p, &mut rng);
    let ny = 2 * nodes.len();
    let fitted: Vec<bool> = nodes.times().iter().map(|&t| t <= 1.5).collect();
    let n_fit = fitted.iter().filter(|&&f| f).count();
    assert!(n_fit > 1 && n_fit < nodes.len(), "the cut splits the nodes");
    let misfit: f64 = (0..ny)
        .filter(|k| fitted[k / 2])
        .map(|k| (x[k] - obs[k]).powi(2))
        .sum();
    let reg: f64 = x[ny..].iter().map(|v| v * v).sum();
    assert_relative_eq!(
        p.objective(&x),
        misfit / n_fit as f64 + 1e-2 * reg,
        max_relative = 1e-13
    );
    let mut grad = vec![0.0; p.num_vars()];
    p.gradient(&x, &mut grad);
    let h = 1e-6;
    for c in 0..p.num_vars() {
        let (mut xp, mut xm) = (x.clone(), x.clone());
        xp[c] += h;
        xm[c] -= h;
        let fd = (p.objective(&xp) - p.objective(&xm)) / (2.0 * h);
        assert_relative_eq!(grad[c], fd, epsilon = 1e-8, max_relative = 1e-6);
        if c < ny && !fitted[c / 2] {
            assert_eq!(grad[c], 0.0, "held-out state {c}");
        }
    }
    // With zero multipliers the Hessian of the Lagrangian is the objective's: 2/N_fit on
    // the fitted states' diagonal, 0 on the held-out ones.
    let st = p.hessian_structure().unwrap();
    let mut vals = vec![f64::NAN; st.len()];
    p.hessian_values(&x, 1.0, &vec![0.0; p.num_cons()], &mut vals);
    for (&(r, c), v) in st.iter().zip(&vals) {
        if r == c && r < ny {
            let want = if fitted[r / 2] {
                2.0 / n_fit as f64
            } else {
                0.0
            };
            assert_relative_eq!(*v, want, epsilon = 1e-15);
        }
    }
    let early = CollocationConfig {
        fit_until: Some(-1.0),
        ..config
    };
    assert!(matches!(
        CollocationNlp::new(nodes, &obs, net(6, false, Activation::Tanh, 3), early),
        Err(CollocationError::InvalidOption {
            name: "fit_until",
            ..
        })
    ));
}
