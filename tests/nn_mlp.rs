//! Tests of `nodal::nn`: derivatives of the MLP against central finite differences and
//! forward-mode dual numbers, JVP/VJP consistency, activation derivatives, Glorot
//! initialisation, the trait view, typed errors, and JSON round trips.

use approx::assert_relative_eq;
use nodal::nn::{Activation, Mlp, MlpBuilder, NnError};
use nodal::{ParamField, State, VectorField};
use num_dual::{Dual64, HyperDual64};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const D_IN: usize = 3;
const D_OUT: usize = 2;
const T0: f64 = 0.37;

/// Every activation as hidden and output activation, with and without time input, plus the
/// default `Tanh` → `Identity` combination.
fn configs() -> Vec<(Activation, Activation, bool)> {
    let mut v = Vec::new();
    for &a in Activation::ALL.iter() {
        for time in [false, true] {
            v.push((a, a, time));
        }
    }
    v.push((Activation::Tanh, Activation::Identity, false));
    v.push((Activation::Tanh, Activation::Identity, true));
    v
}

/// A 3 → 5 → 4 → 2 network with Glorot weights and random (non-zero) biases, so that every
/// parameter has a non-trivial derivative.
fn net(hidden: Activation, output: Activation, time: bool, seed: u64) -> Mlp {
    let mut m = MlpBuilder::new(&[D_IN, 5, 4, D_OUT])
        .hidden_activation(hidden)
        .output_activation(output)
        .time_input(time)
        .seed(seed)
        .build()
        .expect("valid architecture");
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0xb1a5);
    for l in 0..m.n_layers() {
        let (_, b) = m.layer_param_ranges(l).expect("layer exists");
        for k in b {
            m.params_mut()[k] = rng.random_range(-0.5..0.5);
        }
    }
    m
}

fn rand_vec(rng: &mut ChaCha8Rng, n: usize) -> Vec<f64> {
    (0..n).map(|_| rng.random_range(-1.0..1.0)).collect()
}

fn eval(m: &Mlp, t: f64, y: &[f64]) -> Vec<f64> {
    let mut out = vec![0.0; m.d_out()];
    m.eval_slice(t, y, &mut out).expect("dimensions match");
    out
}

fn dotv(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// `(wᵀ∂f/∂y, wᵀ∂f/∂θ)` from the VJP, starting from zero accumulators.
fn vjp(m: &Mlp, t: f64, y: &[f64], w: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let mut gy = vec![0.0; m.d_in()];
    let mut gp = vec![0.0; m.n_params()];
    m.vjp_slice(t, y, w, &mut gy, &mut gp)
        .expect("dimensions match");
    (gy, gp)
}

#[test]
fn vjp_matches_central_finite_differences() {
    let h = 1e-5;
    for (ci, (hid, out, time)) in configs().into_iter().enumerate() {
        let m = net(hid, out, time, 11 + ci as u64);
        let mut rng = ChaCha8Rng::seed_from_u64(100 + ci as u64);
        let y = rand_vec(&mut rng, D_IN);
        let w = rand_vec(&mut rng, D_OUT);
        let (gy, gp) = vjp(&m, T0, &y, &w);
        for j in 0..D_IN {
            let (mut yp, mut ym) = (y.clone(), y.clone());
            yp[j] += h;
            ym[j] -= h;
            let fd = (dotv(&w, &eval(&m, T0, &yp)) - dotv(&w, &eval(&m, T0, &ym))) / (2.0 * h);
            assert_relative_eq!(gy[j], fd, max_relative = 1e-6, epsilon = 1e-9);
        }
        let mut mp = m.clone();
        for (k, &g) in gp.iter().enumerate() {
            let p = m.params()[k];
            mp.params_mut()[k] = p + h;
            let fp = dotv(&w, &eval(&mp, T0, &y));
            mp.params_mut()[k] = p - h;
            let fm = dotv(&w, &eval(&mp, T0, &y));
            mp.params_mut()[k] = p;
            let fd = (fp - fm) / (2.0 * h);
            assert_relative_eq!(g, fd, max_relative = 1e-6, epsilon = 1e-9);
        }
        // Relu/Identity nets are piecewise linear, so gradients cannot all vanish by accident.
        assert!(
            gp.iter().any(|g| g.abs() > 1e-3),
            "config {ci}: all-zero gradient"
        );
    }
}

#[test]
fn vjp_matches_dual_numbers() {
    for (ci, (hid, out, time)) in configs().into_iter().enumerate() {
        let m = net(hid, out, time, 21 + ci as u64);
        let mut rng = ChaCha8Rng::seed_from_u64(200 + ci as u64);
        let y = rand_vec(&mut rng, D_IN);
        let w = rand_vec(&mut rng, D_OUT);
        let (gy, gp) = vjp(&m, T0, &y, &w);

        let mut md = m.cast::<Dual64>();
        let td = Dual64::from_re(T0);
        let mut out = vec![Dual64::from_re(0.0); D_OUT];
        for (j, &g) in gy.iter().enumerate() {
            let yd: Vec<Dual64> = (0..D_IN)
                .map(|i| Dual64::new(y[i], if i == j { 1.0 } else { 0.0 }))
                .collect();
            md.eval_slice(td, &yd, &mut out).expect("dims");
            let exact: f64 = out.iter().zip(&w).map(|(o, wi)| o.eps * wi).sum();
            assert_relative_eq!(g, exact, max_relative = 1e-10, epsilon = 1e-13);
        }
        let yd: Vec<Dual64> = y.iter().map(|&v| Dual64::from_re(v)).collect();
        for (k, &g) in gp.iter().enumerate() {
            md.params_mut()[k].eps = 1.0;
            md.eval_slice(td, &yd, &mut out).expect("dims");
            md.params_mut()[k].eps = 0.0;
            let exact: f64 = out.iter().zip(&w).map(|(o, wi)| o.eps * wi).sum();
            assert_relative_eq!(g, exact, max_relative = 1e-10, epsilon = 1e-13);
        }
    }
}

#[test]
fn vjp_accumulates_into_its_outputs() {
    let m = net(Activation::Tanh, Activation::Identity, true, 5);
    let y = [0.1, -0.4, 0.9];
    let w = [0.7, -1.3];
    let (gy1, gp1) = vjp(&m, T0, &y, &w);
    let mut gy = gy1.clone();
    let mut gp = gp1.clone();
    m.vjp_slice(T0, &y, &w, &mut gy, &mut gp).expect("dims");
    for (a, b) in gy.iter().zip(&gy1).chain(gp.iter().zip(&gp1)) {
        assert_relative_eq!(*a, 2.0 * b, max_relative = 1e-14, epsilon = 1e-300);
    }
}

#[test]
fn jvp_matches_dual_numbers_and_vjp() {
    for (ci, (hid, out, time)) in configs().into_iter().enumerate() {
        let m = net(hid, out, time, 31 + ci as u64);
        let mut rng = ChaCha8Rng::seed_from_u64(300 + ci as u64);
        let y = rand_vec(&mut rng, D_IN);
        let v = rand_vec(&mut rng, D_IN);
        let u = rand_vec(&mut rng, m.n_params());
        let w = rand_vec(&mut rng, D_OUT);

        let mut f = vec![0.0; D_OUT];
        let mut jv = vec![0.0; D_OUT];
        m.jvp_slice(T0, &y, &v, Some(&u), &mut f, &mut jv)
            .expect("dims");
        // The value output equals the forward pass exactly.
        assert_eq!(f, eval(&m, T0, &y));

        // Against dual numbers: tangent v on y and u on θ at once.
        let mut md = m.cast::<Dual64>();
        for (p, &uk) in md.params_mut().iter_mut().zip(&u) {
            p.eps = uk;
        }
        let yd: Vec<Dual64> = y.iter().zip(&v).map(|(&a, &b)| Dual64::new(a, b)).collect();
        let mut od = vec![Dual64::from_re(0.0); D_OUT];
        md.eval_slice(Dual64::from_re(T0), &yd, &mut od)
            .expect("dims");
        for (a, b) in jv.iter().zip(&od) {
            assert_relative_eq!(*a, b.eps, max_relative = 1e-10, epsilon = 1e-13);
        }

        // wᵀ(J [v; u]) == (Jᵀ w)ᵀ [v; u].
        let (gy, gp) = vjp(&m, T0, &y, &w);
        let lhs = dotv(&w, &jv);
        let rhs = dotv(&gy, &v) + dotv(&gp, &u);
        assert_relative_eq!(lhs, rhs, max_relative = 1e-12, epsilon = 1e-14);

        // u = None is the state part only.
        let mut jv_y = vec![0.0; D_OUT];
        m.jvp_slice(T0, &y, &v, None, &mut f, &mut jv_y)
            .expect("dims");
        assert_relative_eq!(dotv(&w, &jv_y), dotv(&gy, &v), max_relative = 1e-12);
    }
}

#[test]
fn hyper_dual_gives_second_directional_derivative() {
    // v1ᵀ ∇²_y (wᵀf) v2 from hyper-dual numbers vs central differences of the hand-written JVP.
    let h = 1e-5;
    for (ci, (hid, out, time)) in configs().into_iter().enumerate() {
        if hid == Activation::Relu || hid == Activation::Identity {
            continue; // piecewise linear: second derivative is 0 on both sides, not informative
        }
        let m = net(hid, out, time, 41 + ci as u64);
        let mut rng = ChaCha8Rng::seed_from_u64(400 + ci as u64);
        let y = rand_vec(&mut rng, D_IN);
        let v1 = rand_vec(&mut rng, D_IN);
        let v2 = rand_vec(&mut rng, D_IN);
        let w = rand_vec(&mut rng, D_OUT);
        let mh = m.cast::<HyperDual64>();
        let yh: Vec<HyperDual64> = (0..D_IN)
            .map(|i| HyperDual64::new(y[i], v1[i], v2[i], 0.0))
            .collect();
        let mut oh = vec![HyperDual64::from_re(0.0); D_OUT];
        mh.eval_slice(HyperDual64::from_re(T0), &yh, &mut oh)
            .expect("dims");
        let exact: f64 = oh.iter().zip(&w).map(|(o, wi)| o.eps1eps2 * wi).sum();

        let wjv = |yy: &[f64]| {
            let mut f = vec![0.0; D_OUT];
            let mut jv = vec![0.0; D_OUT];
            m.jvp_slice(T0, yy, &v2, None, &mut f, &mut jv)
                .expect("dims");
            dotv(&w, &jv)
        };
        let yp: Vec<f64> = y.iter().zip(&v1).map(|(a, b)| a + h * b).collect();
        let ym: Vec<f64> = y.iter().zip(&v1).map(|(a, b)| a - h * b).collect();
        let fd = (wjv(&yp) - wjv(&ym)) / (2.0 * h);
        assert_relative_eq!(exact, fd, max_relative = 1e-6, epsilon = 1e-9);
        assert!(exact.abs() > 1e-6, "config {ci}: trivial curvature");
    }
}

#[test]
fn activation_derivatives_match_finite_differences_and_duals() {
    let xs = [-3.0, -1.2, -0.3, 0.4, 1.1, 2.5];
    let h = 1e-5;
    for act in Activation::ALL {
        for &x in &xs {
            let fd1 = (act.value(x + h) - act.value(x - h)) / (2.0 * h);
            let fd2 = (act.derivative(x + h) - act.derivative(x - h)) / (2.0 * h);
            assert_relative_eq!(act.derivative(x), fd1, max_relative = 1e-7, epsilon = 1e-10);
            assert_relative_eq!(
                act.second_derivative(x),
                fd2,
                max_relative = 1e-7,
                epsilon = 1e-10
            );
            // Hyper-dual numbers: exact first and second derivatives of `value`.
            let hd = act.value(HyperDual64::new(x, 1.0, 1.0, 0.0));
            assert_relative_eq!(hd.re, act.value(x), max_relative = 1e-15);
            assert_relative_eq!(act.derivative(x), hd.eps1, max_relative = 1e-12);
            assert_relative_eq!(
                act.second_derivative(x),
                hd.eps1eps2,
                max_relative = 1e-12,
                epsilon = 1e-15
            );
        }
    }
}

#[test]
fn activation_derivatives_at_zero_match_duals() {
    // x = 0 is where branchy formulas (max, abs, sign tests) go wrong for dual numbers.
    let expected = [
        (Activation::Tanh, 0.0, 1.0, 0.0),
        (Activation::Softplus, std::f64::consts::LN_2, 0.5, 0.25),
        (Activation::Relu, 0.0, 0.0, 0.0),
        (Activation::Gelu, 0.0, 0.5, 2.0 * 0.7978845608028654 * 0.5),
        (Activation::Identity, 0.0, 1.0, 0.0),
    ];
    for (act, v, d1, d2) in expected {
        let hd = act.value(HyperDual64::new(0.0, 1.0, 1.0, 0.0));
        assert_relative_eq!(hd.re, v, max_relative = 1e-15);
        assert_relative_eq!(hd.eps1, d1, max_relative = 1e-15);
        assert_relative_eq!(hd.eps1eps2, d2, max_relative = 1e-15);
        assert_relative_eq!(act.derivative(0.0), d1, max_relative = 1e-15);
        assert_relative_eq!(act.second_derivative(0.0), d2, max_relative = 1e-15);
    }
}

#[test]
fn activation_values_and_stability() {
    // Reference values computed independently (Python's math module).
    assert_relative_eq!(
        Activation::Gelu.value(1.0),
        0.8411919906082768,
        max_relative = 1e-15
    );
    assert_relative_eq!(
        Activation::Gelu.value(-2.0),
        -0.04540230591222494,
        max_relative = 1e-14
    );
    assert_relative_eq!(
        Activation::Softplus.value(-3.0),
        0.04858735157374206,
        max_relative = 1e-15
    );
    assert_relative_eq!(
        Activation::Softplus.value(3.0),
        3.048587351573742,
        max_relative = 1e-15
    );
    assert_eq!(Activation::Relu.value(-2.0), 0.0);
    assert_eq!(Activation::Relu.value(2.0), 2.0);
    assert_eq!(Activation::Identity.value(-2.5), -2.5);
    assert_relative_eq!(Activation::Tanh.value(0.5), 0.5f64.tanh());
    // Softplus is stable where the naive ln(1 + eˣ) overflows or cancels.
    assert_eq!(Activation::Softplus.value(1000.0), 1000.0);
    assert_relative_eq!(
        Activation::Softplus.value(-700.0),
        (-700.0f64).exp(),
        max_relative = 1e-12
    );
    assert_eq!(Activation::Softplus.derivative(1000.0), 1.0);
    assert_eq!(Activation::Softplus.derivative(-1000.0), 0.0);
    assert!(Activation::Softplus.second_derivative(800.0f64).is_finite());
    assert!(Activation::Softplus
        .second_derivative(-800.0f64)
        .is_finite());
    assert_eq!(Activation::default(), Activation::Identity);
}

#[test]
fn glorot_bounds_zero_biases_and_seed_reproducibility() {
    for time in [false, true] {
        let b = Mlp::builder(&[4, 30, 20, 3]).time_input(time).seed(9);
        let m = b.build().expect("valid");
        let tcol = usize::from(time);
        assert_eq!(
            m.n_params(),
            (4 + tcol) * 30 + 30 + (30 + tcol) * 20 + 20 + (20 + tcol) * 3 + 3
        );
        let widths = m.widths().to_vec();
        for l in 0..m.n_layers() {
            let (wr, br) = m.layer_param_ranges(l).expect("layer");
            let (fan_in, fan_out) = (widths[l] + tcol, widths[l + 1]);
            assert_eq!(wr.len(), fan_in * fan_out);
            let limit = (6.0 / (fan_in + fan_out) as f64).sqrt();
            let ws = &m.params()[wr];
            assert!(ws.iter().all(|w| w.abs() < limit));
            // Uniform on (−limit, limit): the extremes come close to the bound and the mean
            // and variance are those of the uniform law (var = limit²/3).
            let max = ws.iter().fold(0.0f64, |a, w| a.max(w.abs()));
            assert!(max > 0.9 * limit, "layer {l}: max {max} vs limit {limit}");
            let n = ws.len() as f64;
            let mean = ws.iter().sum::<f64>() / n;
            let var = ws.iter().map(|w| (w - mean).powi(2)).sum::<f64>() / n;
            assert!(mean.abs() < 4.0 * limit / (3.0 * n).sqrt());
            assert_relative_eq!(var, limit * limit / 3.0, max_relative = 0.35);
            assert!(m.params()[br].iter().all(|&b| b == 0.0));
        }
        let again = b.build().expect("valid");
        assert_eq!(m.params(), again.params());
        let other = b.clone().seed(10).build().expect("valid");
        assert_ne!(m.params(), other.params());
    }
}

#[test]
fn builder_defaults() {
    let m = Mlp::builder(&[2, 8, 2]).build().expect("valid");
    assert_eq!(m.hidden_activation(), Activation::Tanh);
    assert_eq!(m.output_activation(), Activation::Identity);
    assert!(!m.time_input());
    assert_eq!((m.d_in(), m.d_out(), m.n_layers()), (2, 2, 2));
    assert_eq!(
        m.params(),
        Mlp::builder(&[2, 8, 2])
            .seed(0)
            .build()
            .expect("valid")
            .params()
    );
    assert_eq!(
        Mlp::builder(&[2, 8, 2]).n_params().expect("valid"),
        2 * 8 + 8 + 8 * 2 + 2
    );
}

#[test]
fn builder_and_call_errors_are_typed() {
    assert!(matches!(
        Mlp::builder(&[]).build(),
        Err(NnError::NoLayers { got: 0 })
    ));
    assert!(matches!(
        Mlp::builder(&[3]).build(),
        Err(NnError::NoLayers { got: 1 })
    ));
    assert!(matches!(
        Mlp::builder(&[2, 0, 2]).build(),
        Err(NnError::ZeroWidth { index: 1 })
    ));
    assert!(matches!(
        Mlp::builder(&[2, 4, 0]).build(),
        Err(NnError::ZeroWidth { index: 2 })
    ));
    assert!(matches!(
        Mlp::builder(&[2, 3, 2]).build_with_params(vec![0.0; 10]),
        Err(NnError::ParamLength {
            expected: 17,
            got: 10
        })
    ));
    let mut m = Mlp::builder(&[2, 3, 2])
        .time_input(true)
        .build()
        .expect("valid");
    assert!(matches!(
        m.set_params(&[1.0; 3]),
        Err(NnError::ParamLength {
            expected: 22,
            got: 3
        })
    ));
    let mut out = [0.0; 2];
    assert!(matches!(
        m.eval_slice(0.0, &[1.0; 3], &mut out),
        Err(NnError::Dimension {
            expected: 2,
            got: 3,
            ..
        })
    ));
    assert!(matches!(
        m.eval_slice(0.0, &[1.0; 2], &mut [0.0; 1]),
        Err(NnError::Dimension {
            expected: 2,
            got: 1,
            ..
        })
    ));
    let mut gy = [0.0; 2];
    assert!(matches!(
        m.vjp_slice(0.0, &[1.0; 2], &[1.0; 2], &mut gy, &mut [0.0; 5]),
        Err(NnError::ParamLength {
            expected: 22,
            got: 5
        })
    ));
    let mut jv = [0.0; 2];
    assert!(matches!(
        m.jvp_slice(
            0.0,
            &[1.0; 2],
            &[1.0; 2],
            Some(&[0.0; 4]),
            &mut out,
            &mut jv
        ),
        Err(NnError::ParamLength {
            expected: 22,
            got: 4
        })
    ));
    assert!(matches!(
        m.clone().into_field::<3>(),
        Err(NnError::Dimension {
            expected: 3,
            got: 2,
            ..
        })
    ));
    assert!(matches!(
        Mlp::builder(&[2, usize::MAX / 2, 2]).build(),
        Err(NnError::TooLarge { layer: 0 })
    ));
    let wide = Mlp::builder(&[2, 3, 4]).build().expect("valid");
    assert!(matches!(
        wide.into_field::<2>(),
        Err(NnError::Dimension {
            expected: 2,
            got: 4,
            ..
        })
    ));
    // Error messages carry the numbers.
    let msg = NnError::ParamLength {
        expected: 22,
        got: 5,
    }
    .to_string();
    assert!(msg.contains("22") && msg.contains('5'), "{msg}");
}

#[test]
fn field_view_agrees_with_slices_and_trait_is_usable() {
    let m = net(Activation::Gelu, Activation::Identity, true, 3);
    let m2 = Mlp::builder(&[2, 6, 6, 2])
        .time_input(true)
        .seed(4)
        .build()
        .expect("valid");
    let _ = m; // the 3 → 2 net cannot be a field; use a square one.
    let mut field = m2.clone().into_field::<2>().expect("square");
    let y = State::<2>::new(0.3, -0.8);
    let w = State::<2>::new(1.5, 0.25);
    let f = field.eval(0.6, &y);
    assert_eq!(f.as_slice(), eval(&m2, 0.6, y.as_slice()).as_slice());

    let mut gy = State::<2>::new(1.0, 1.0);
    let mut gp = vec![1.0; field.params().len()];
    field.vjp(0.6, &y, &w, &mut gy, &mut gp);
    let (gy_s, gp_s) = vjp(&m2, 0.6, y.as_slice(), w.as_slice());
    for (a, b) in gy.iter().zip(&gy_s).chain(gp.iter().zip(&gp_s)) {
        assert_relative_eq!(*a, b + 1.0, max_relative = 1e-15);
    }
    assert!(matches!(
        field.try_vjp(0.6, &y, &w, &mut gy, &mut [0.0; 2]),
        Err(NnError::ParamLength { got: 2, .. })
    ));

    let v = State::<2>::new(-0.2, 0.9);
    let (f2, jv) = field.jvp(0.6, &y, &v, None).expect("no u");
    assert_eq!(f2, f);
    assert_relative_eq!(
        w.dot(&jv),
        gy_s[0] * v[0] + gy_s[1] * v[1],
        max_relative = 1e-12
    );

    // Writing θ through the trait changes the field; generic code sees it as a ParamField.
    fn scale_all<F: ParamField<2>>(f: &mut F, s: f64) {
        f.params_mut().iter_mut().for_each(|p| *p *= s);
    }
    scale_all(&mut field, 0.0);
    assert_eq!(field.eval(0.6, &y), State::<2>::zeros());
    assert_eq!(field.mlp().params(), field.params());
    let back = field.into_mlp();
    assert!(back.params().iter().all(|&p| p == 0.0));
}

#[test]
fn cast_converts_parameters() {
    let m = net(Activation::Softplus, Activation::Tanh, true, 8);
    let m32 = m.cast::<f32>();
    assert_eq!(m32.n_params(), m.n_params());
    for (a, b) in m32.params().iter().zip(m.params()) {
        assert_eq!(*a, *b as f32);
    }
    let y = [0.2, 0.1, -0.5];
    let y32 = [0.2f32, 0.1, -0.5];
    let mut o32 = [0.0f32; 2];
    m32.eval_slice(T0 as f32, &y32, &mut o32).expect("dims");
    for (a, b) in o32.iter().zip(eval(&m, T0, &y)) {
        assert_relative_eq!(f64::from(*a), b, max_relative = 1e-5, epsilon = 1e-6);
    }
    let back = m32.cast::<f64>();
    for (a, b) in back.params().iter().zip(m32.params()) {
        assert_eq!(*a, f64::from(*b));
    }
}

fn tmp_path(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("nodal_nn_{}_{name}.json", std::process::id()))
}

#[test]
fn save_load_round_trip_is_bit_exact() {
    let mut m = net(Activation::Gelu, Activation::Softplus, true, 77);
    // Awkward values: shortest-representation edge cases, subnormals, extremes, -0.0.
    let special = [
        0.1 + 0.2,
        1.0 / 3.0,
        5e-324,
        2.2250738585072014e-308,
        f64::MAX,
        -0.0,
        -1e-300,
    ];
    m.params_mut()[..special.len()].copy_from_slice(&special);
    let path = tmp_path("roundtrip");
    m.save_json(&path).expect("save");
    let back = Mlp::load_json(&path).expect("load");
    std::fs::remove_file(&path).expect("cleanup");
    assert_eq!(back.widths(), m.widths());
    assert_eq!(back.hidden_activation(), Activation::Gelu);
    assert_eq!(back.output_activation(), Activation::Softplus);
    assert!(back.time_input());
    assert_eq!(back.n_params(), m.n_params());
    for (a, b) in back.params().iter().zip(m.params()) {
        assert_eq!(a.to_bits(), b.to_bits());
    }
    let s = m.to_json_string().expect("finite");
    let again = Mlp::from_json_str(&s).expect("parse");
    assert!(again
        .params()
        .iter()
        .zip(m.params())
        .all(|(a, b)| a.to_bits() == b.to_bits()));
    assert!(
        s.contains("\"version\": 1") && s.contains("\"gelu\""),
        "{s}"
    );

    // Many random parameters round-trip bit-exactly too.
    let mut rng = ChaCha8Rng::seed_from_u64(1234);
    let mut big = Mlp::builder(&[5, 64, 5]).build().expect("valid");
    for p in big.params_mut() {
        // Any finite bit pattern: all exponents, subnormals, both signs.
        let x = f64::from_bits(rng.random::<u64>());
        *p = if x.is_finite() { x } else { 1.5 };
    }
    let reread = Mlp::from_json_str(&big.to_json_string().expect("finite")).expect("parse");
    assert!(reread
        .params()
        .iter()
        .zip(big.params())
        .all(|(a, b)| a.to_bits() == b.to_bits()));
}

#[test]
fn load_errors_are_typed() {
    // Missing file: Io with the path and kind NotFound.
    let missing = tmp_path("does_not_exist");
    match Mlp::load_json(&missing) {
        Err(NnError::Io { path, source }) => {
            assert_eq!(path, missing);
            assert_eq!(source.kind(), std::io::ErrorKind::NotFound);
        }
        other => panic!("expected Io error, got {other:?}"),
    }
    let good = Mlp::builder(&[2, 3, 2])
        .build()
        .expect("valid")
        .to_json_string()
        .expect("ok");

    // Corrupt JSON: the line and column of the defect.
    let corrupt = "{\n  \"format\": \"nodal-mlp\",\n  \"version\": 1,,\n}";
    match Mlp::from_json_str(corrupt) {
        Err(NnError::Json { line, column, .. }) => assert_eq!((line, column), (3, 16)),
        other => panic!("expected Json error, got {other:?}"),
    }
    // Truncated file.
    match Mlp::from_json_str(&good[..good.len() / 2]) {
        Err(NnError::Json { line, .. }) => assert!(line > 1),
        other => panic!("expected Json error, got {other:?}"),
    }
    // Missing field.
    let no_params = good.replace("\"params\"", "\"weights\"");
    assert!(matches!(
        Mlp::from_json_str(&no_params),
        Err(NnError::Json { .. })
    ));

    // Wrong version.
    let v2 = good.replace("\"version\": 1", "\"version\": 2");
    assert!(matches!(
        Mlp::from_json_str(&v2),
        Err(NnError::Version {
            found: 2,
            supported: 1
        })
    ));
    // Wrong format tag.
    let other = good.replace("nodal-mlp", "keras");
    assert!(matches!(
        Mlp::from_json_str(&other),
        Err(NnError::WrongFormat { .. })
    ));

    // Parameter count that doesn't match the architecture (2→3→2 needs 17).
    let wrong_arch = good.replace(
        "\"widths\": [\n    2,\n    3,\n    2\n  ]",
        "\"widths\": [2, 4, 2]",
    );
    assert_ne!(wrong_arch, good, "replacement must apply");
    assert!(matches!(
        Mlp::from_json_str(&wrong_arch),
        Err(NnError::ParamLength {
            expected: 22,
            got: 17
        })
    ));
    // Invalid architecture in the file.
    let zero = good.replace(
        "\"widths\": [\n    2,\n    3,",
        "\"widths\": [\n    2,\n    0,",
    );
    assert!(matches!(
        Mlp::from_json_str(&zero),
        Err(NnError::ZeroWidth { index: 1 })
    ));

    // Unknown activation name: a JSON error pointing into the file.
    let sigmoid = good.replace("\"tanh\"", "\"sigmoid\"");
    assert_ne!(sigmoid, good, "replacement must apply");
    match Mlp::from_json_str(&sigmoid) {
        Err(NnError::Json { line, message, .. }) => {
            assert!(line > 1);
            assert!(message.contains("sigmoid"), "{message}");
        }
        other => panic!("expected Json error, got {other:?}"),
    }
    // Saving into a directory that does not exist reports the path.
    let nowhere = std::env::temp_dir()
        .join(format!("nodal_no_such_dir_{}", std::process::id()))
        .join("m.json");
    match Mlp::builder(&[2, 3, 2])
        .build()
        .expect("valid")
        .save_json(&nowhere)
    {
        Err(NnError::Io { path, .. }) => assert_eq!(path, nowhere),
        other => panic!("expected Io error, got {other:?}"),
    }

    // Saving a diverged model is refused, naming the parameter.
    let mut bad = Mlp::builder(&[2, 3, 2]).build().expect("valid");
    bad.params_mut()[4] = f64::NAN;
    let path = tmp_path("nan");
    assert!(matches!(
        bad.save_json(&path),
        Err(NnError::NonFinite { index: 4, .. })
    ));
    assert!(!path.exists());
}

#[test]
fn parallel_use_shared_and_cloned_matches_serial() {
    use rayon::prelude::*;
    fn assert_send_sync_clone<X: Send + Sync + Clone>() {}
    assert_send_sync_clone::<Mlp>();
    assert_send_sync_clone::<nodal::nn::MlpField<2>>();

    let mlp = Mlp::builder(&[2, 64, 64, 2])
        .time_input(true)
        .seed(3)
        .build()
        .expect("valid");
    let ys: Vec<[f64; 2]> = (0..2000)
        .map(|k| [0.001 * k as f64, -0.0007 * k as f64])
        .collect();
    let serial: Vec<Vec<f64>> = ys.iter().map(|y| eval(&mlp, 0.4, y)).collect();
    // One network per task: the allocation-free pattern.
    let cloned: Vec<Vec<f64>> = ys
        .par_iter()
        .map_init(|| mlp.clone(), |m, y| eval(m, 0.4, y))
        .collect();
    assert_eq!(serial, cloned);
    // One shared network: contended calls fall back to a temporary workspace, results agree.
    let shared: Vec<Vec<f64>> = ys.par_iter().map(|y| eval(&mlp, 0.4, y)).collect();
    assert_eq!(serial, shared);
    let (mut gy_s, mut gp_s) = (vec![0.0; 2], vec![0.0; mlp.n_params()]);
    for y in &ys {
        mlp.vjp_slice(0.4, y, &[1.0, -1.0], &mut gy_s, &mut gp_s)
            .expect("dims");
    }
    let gp_par = ys
        .par_iter()
        .map(|y| vjp(&mlp, 0.4, y, &[1.0, -1.0]).1)
        .reduce(
            || vec![0.0; mlp.n_params()],
            |a, b| a.iter().zip(&b).map(|(x, y)| x + y).collect(),
        );
    for (a, b) in gp_par.iter().zip(&gp_s) {
        assert_relative_eq!(*a, *b, max_relative = 1e-10, epsilon = 1e-12);
    }
}
