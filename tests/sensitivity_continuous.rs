//! The continuous (interpolated) adjoint against the discrete adjoint and closed forms, and the
//! `gradient` entry point.
//!
//! The continuous adjoint approximates the gradient of the *exact* flow, the discrete one is
//! the exact gradient of the *computed* solution; both differ from the exact-flow gradient by
//! about the solve tolerance, so they agree to about the tolerance (not to rounding), and the
//! agreement improves as the tolerance shrinks.

use nodal::nn::{Activation, Mlp, MlpField};
use nodal::sensitivity::{
    backward, backward_continuous, backward_continuous_with, gradient, gradient_with, record,
    GradientError, GradientOptions, Gradients, MlpTime, Sensitivity, SensitivityError,
    TableauGradStatus, TimeDerivative,
};
use nodal::{Adaptive, ParamField, SolveError, State, Stepping, Tableau, VectorField};

const D: usize = 2;

fn field(time_input: bool) -> MlpField<D> {
    Mlp::builder(&[2, 8, 2])
        .hidden_activation(Activation::Tanh)
        .time_input(time_input)
        .seed(7)
        .build()
        .expect("valid architecture")
        .into_field::<D>()
        .expect("square network")
}

fn y0() -> State<D> {
    State::<D>::new(0.9, -0.5)
}

fn times() -> Vec<f64> {
    vec![0.0, 0.45, 1.2, 2.0, 2.9, 4.0]
}

/// L = Σ ½|y_i − target_i|², target_i = (cos t_i, sin t_i).
fn dl_dy(tr: &nodal::Trajectory<D>) -> Vec<State<D>> {
    tr.t.iter()
        .zip(&tr.y)
        .map(|(&t, y)| y - State::<D>::new(t.cos(), t.sin()))
        .collect()
}

/// max_k |a_k − b_k| / max_k |b_k| over θ and y0 together.
fn rel_diff<const S: usize>(a: &Gradients<S, D>, b: &Gradients<S, D>) -> f64 {
    let num = a
        .params
        .iter()
        .zip(&b.params)
        .map(|(x, y)| (x - y).abs())
        .chain((0..D).map(|j| (a.y0[j] - b.y0[j]).abs()))
        .fold(0.0, f64::max);
    let den = b
        .params
        .iter()
        .map(|x| x.abs())
        .chain((0..D).map(|j| b.y0[j].abs()))
        .fold(0.0, f64::max);
    num / den
}

fn compare<const S: usize>(name: &str, tab: Tableau<S>, stepping: Stepping, bound: f64) -> f64 {
    let f = field(true);
    let tape = record(&tab, &f, 0.0, y0(), &times(), &stepping).expect("record");
    let dl = dl_dy(tape.trajectory());
    let gd = backward(&tape, &tab, &f, &dl).expect("discrete");
    let gc = backward_continuous(&tape, &tab, &f, &dl).expect("continuous");
    assert_eq!(gc.params.len(), f.params().len());
    assert_eq!(gc.tableau_status, TableauGradStatus::NotComputed);
    assert!(gc.tableau.a[1][0].is_nan());
    let d = rel_diff(&gc, &gd);
    eprintln!(
        "{name}: {} forward steps, continuous vs discrete: {d:.2e}",
        tape.steps()
    );
    assert!(
        d <= bound,
        "{name}: continuous vs discrete differ by {d:e} > {bound:e}"
    );
    d
}

#[test]
fn continuous_matches_discrete_within_tolerance_dopri5() {
    let d8 = compare(
        "dopri5 rtol 1e-8",
        Tableau::dopri5(),
        Stepping::Adaptive(Adaptive::with_tol(1e-8, 1e-10)),
        1e-6,
    );
    let d11 = compare(
        "dopri5 rtol 1e-11",
        Tableau::dopri5(),
        Stepping::Adaptive(Adaptive::with_tol(1e-11, 1e-13)),
        1e-8,
    );
    assert!(d11 < d8 / 30.0, "no convergence: {d8:e} → {d11:e}");
}

#[test]
fn continuous_matches_discrete_within_tolerance_tsit5() {
    compare(
        "tsit5 rtol 1e-8",
        Tableau::tsit5(),
        Stepping::Adaptive(Adaptive::with_tol(1e-8, 1e-10)),
        1e-6,
    );
}

#[test]
fn continuous_matches_discrete_fixed_rk4() {
    // Fixed steps: one RK4 adjoint step per forward step, forward state from the cubic
    // Hermite dense output; both gradients are O(h⁴) from the exact one.
    let d1 = compare("rk4 h = 0.05", Tableau::rk4(), Stepping::Fixed(0.05), 1e-5);
    let d2 = compare(
        "rk4 h = 0.025",
        Tableau::rk4(),
        Stepping::Fixed(0.025),
        1e-6,
    );
    assert!(d2 < d1 / 8.0, "no h⁴-like convergence: {d1:e} → {d2:e}");
}

/// `y' = λ y + μ` on one state, θ = [λ, μ].
struct Affine([f64; 2]);

impl VectorField<1> for Affine {
    fn eval(&self, _t: f64, y: &State<1>) -> State<1> {
        y * self.0[0] + State::<1>::new(self.0[1])
    }
}

impl ParamField<1> for Affine {
    fn params(&self) -> &[f64] {
        &self.0
    }
    fn params_mut(&mut self) -> &mut [f64] {
        &mut self.0
    }
    fn vjp(&self, _t: f64, y: &State<1>, w: &State<1>, gy: &mut State<1>, gp: &mut [f64]) {
        *gy += w * self.0[0];
        gp[0] += w.dot(y);
        gp[1] += w[0];
    }
}

#[test]
fn linear_equation_closed_form() {
    // y' = λy: y(t) = y0 e^{λt}. L = Σ w_i y(t_i) ⇒ dL/dλ = Σ w_i y0 t_i e^{λ t_i},
    // dL/dy0 = Σ w_i e^{λ t_i} (μ = 0 here; dL/dμ = Σ w_i (e^{λ t_i} − 1)/λ).
    let (lam, y0v) = (0.6, -1.2);
    let f = Affine([lam, 0.0]);
    let times = [0.3, 1.0, 1.7, 3.0];
    let w = [1.0, -0.5, 0.25, 2.0];
    let dl: Vec<State<1>> = w.iter().map(|&v| State::<1>::new(v)).collect();
    let tab = Tableau::dopri5();
    let stepping = Stepping::Adaptive(Adaptive::with_tol(1e-10, 1e-12));
    let tape = record(&tab, &f, 0.0, State::<1>::new(y0v), &times, &stepping).expect("record");
    let g = backward_continuous(&tape, &tab, &f, &dl).expect("continuous");
    let mut e = [0.0; 3];
    for (&t, &wi) in times.iter().zip(&w) {
        e[0] += wi * y0v * t * (lam * t).exp();
        e[1] += wi * ((lam * t).exp() - 1.0) / lam;
        e[2] += wi * (lam * t).exp();
    }
    let got = [g.params[0], g.params[1], g.y0[0]];
    for k in 0..3 {
        assert!(
            (got[k] - e[k]).abs() <= 1e-8 * e[k].abs(),
            "entry {k}: {} vs closed form {}",
            got[k],
            e[k]
        );
    }
}

#[test]
fn gradient_entry_point_switches_methods() {
    let f = field(true);
    let tab = Tableau::tsit5();
    let stepping = Stepping::Adaptive(Adaptive::with_tol(1e-9, 1e-11));
    let ok = |tr: &nodal::Trajectory<D>| Ok::<_, String>(dl_dy(tr));
    let (tr_d, gd) = gradient(
        Sensitivity::Discrete,
        &tab,
        &f,
        0.0,
        y0(),
        &times(),
        &stepping,
        ok,
    )
    .expect("discrete");
    let (tr_c, gc) = gradient(
        Sensitivity::Continuous,
        &tab,
        &f,
        0.0,
        y0(),
        &times(),
        &stepping,
        ok,
    )
    .expect("continuous");
    assert_eq!(tr_d, tr_c);
    let reference = nodal::solve_at(&tab, &f, 0.0, y0(), &times(), &stepping).expect("solve");
    assert_eq!(tr_d.y, reference.y);
    // Same as calling the pieces.
    let tape = record(&tab, &f, 0.0, y0(), &times(), &stepping).expect("record");
    let dl = dl_dy(tape.trajectory());
    assert_eq!(gd.params, backward(&tape, &tab, &f, &dl).expect("b").params);
    assert_eq!(
        gc.params,
        backward_continuous(&tape, &tab, &f, &dl).expect("c").params
    );
    assert!(rel_diff(&gc, &gd) < 1e-6);
    // Options: exact node gradients for the discrete method.
    let mt = MlpTime::new(&f);
    let opts = GradientOptions {
        time: TimeDerivative::Exact(&mt),
        ..GradientOptions::default()
    };
    let (_, gt) = gradient_with(&opts, &tab, &f, 0.0, y0(), &times(), &stepping, ok)
        .expect("discrete with time");
    assert_eq!(gt.tableau_status, TableauGradStatus::Complete);
    assert!(gt.tableau.c.iter().all(|c| c.is_finite()));
    // A custom adjoint stepping for the continuous method.
    let opts = GradientOptions {
        sensitivity: Sensitivity::Continuous,
        adjoint_stepping: Some(Stepping::Adaptive(Adaptive::with_tol(1e-12, 1e-14))),
        ..GradientOptions::default()
    };
    let (_, gct) =
        gradient_with(&opts, &tab, &f, 0.0, y0(), &times(), &stepping, ok).expect("tight");
    assert!(rel_diff(&gct, &gd) < 1e-6);

    // Errors: the loss callback's, and the solve's.
    let err = gradient(
        Sensitivity::Discrete,
        &tab,
        &f,
        0.0,
        y0(),
        &times(),
        &stepping,
        |_| Err::<Vec<State<D>>, _>("bad data"),
    )
    .unwrap_err();
    assert!(matches!(err, GradientError::Loss("bad data")));
    let err = gradient(
        Sensitivity::Continuous,
        &tab,
        &f,
        0.0,
        y0(),
        &[],
        &stepping,
        ok,
    )
    .unwrap_err();
    assert!(matches!(
        err,
        GradientError::Sensitivity(SensitivityError::Solve(SolveError::NoSaveTimes))
    ));
    // Wrong-length loss gradient.
    let err = gradient(
        Sensitivity::Continuous,
        &tab,
        &f,
        0.0,
        y0(),
        &times(),
        &stepping,
        |_| Ok::<_, String>(vec![State::<D>::zeros(); 2]),
    )
    .unwrap_err();
    assert!(matches!(
        err,
        GradientError::Sensitivity(SensitivityError::LossGradientLength {
            expected: 6,
            got: 2
        })
    ));
}

#[test]
fn continuous_errors() {
    let f = field(false);
    let tab = Tableau::dopri5();
    let stepping = Stepping::Adaptive(Adaptive::with_tol(1e-6, 1e-8));
    let tape = record(&tab, &f, 0.0, y0(), &times(), &stepping).expect("record");
    let dl = dl_dy(tape.trajectory());
    // Adaptive adjoint stepping needs an embedded pair: the solve's error comes through.
    let tab4 = Tableau::rk4();
    let tape4 = record(&tab4, &f, 0.0, y0(), &times(), &Stepping::Fixed(0.1)).expect("record");
    let err = backward_continuous_with(&tape4, &tab4, &f, &dl, &stepping).unwrap_err();
    assert!(matches!(
        err,
        SensitivityError::Solve(SolveError::NoErrorEstimate { method: "rk4" })
    ));
    let err = backward_continuous(&tape, &tab, &f, &dl[..3]).unwrap_err();
    assert!(matches!(err, SensitivityError::LossGradientLength { .. }));
}

/// `y' = M y` with a trainable 2×2 matrix M (θ = M row-major): a damped rotation.
struct LinearSystem([f64; 4]);

impl VectorField<2> for LinearSystem {
    fn eval(&self, _t: f64, y: &State<2>) -> State<2> {
        let m = &self.0;
        State::<2>::new(m[0] * y[0] + m[1] * y[1], m[2] * y[0] + m[3] * y[1])
    }
}

impl ParamField<2> for LinearSystem {
    fn params(&self) -> &[f64] {
        &self.0
    }
    fn params_mut(&mut self) -> &mut [f64] {
        &mut self.0
    }
    fn vjp(&self, _t: f64, y: &State<2>, w: &State<2>, gy: &mut State<2>, gp: &mut [f64]) {
        let m = &self.0;
        gy[0] += w[0] * m[0] + w[1] * m[2];
        gy[1] += w[0] * m[1] + w[1] * m[3];
        gp[0] += w[0] * y[0];
        gp[1] += w[0] * y[1];
        gp[2] += w[1] * y[0];
        gp[3] += w[1] * y[1];
    }
}

#[test]
fn long_horizon_and_decreasing_time() {
    // 60 time units of a slowly damped rotation (≈ 10 periods), saved at 4 times.
    let f = LinearSystem([-0.02, 1.0, -1.0, -0.02]);
    let tab = Tableau::dopri5();
    for (t0, times) in [
        (0.0, vec![15.0, 30.0, 45.0, 60.0]),
        (60.0, vec![45.0, 30.0, 15.0, 0.0]),
    ] {
        let stepping = Stepping::Adaptive(Adaptive::with_tol(1e-9, 1e-11));
        let y0 = State::<2>::new(1.0, 0.5);
        let tape = record(&tab, &f, t0, y0, &times, &stepping).expect("record");
        let dl: Vec<State<2>> = tape
            .trajectory()
            .y
            .iter()
            .map(|y| y - State::<2>::new(0.3, -0.2))
            .collect();
        let gd = backward(&tape, &tab, &f, &dl).expect("discrete");
        let gc = backward_continuous(&tape, &tab, &f, &dl).expect("continuous");
        let scale = gd.params.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let diff = gd
            .params
            .iter()
            .zip(&gc.params)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f64, f64::max);
        let dy0 = (gd.y0 - gc.y0).norm() / gd.y0.norm();
        eprintln!(
            "t0 = {t0}: {} steps, tape {} bytes, θ rel. diff {:.1e}, y0 rel. diff {dy0:.1e}",
            tape.steps(),
            tape.memory_bytes(),
            diff / scale
        );
        assert!(diff <= 1e-6 * scale && dy0 <= 1e-6);
    }
}
