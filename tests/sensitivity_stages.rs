//! The stored-stages discrete adjoint (`record_stages` + `backward_stages`,
//! `Sensitivity::DiscreteStored`) gives the gradients of the recomputing discrete adjoint
//! (`record` + `backward_with`) to rounding, for FSAL and non-FSAL tableaus, fixed and
//! adaptive steps, a time-dependent MLP (with evaluation records) and a closure-like analytic
//! field (without); and it stores what it says it stores.

use nodal::nn::{Activation, Mlp, MlpField};
use nodal::sensitivity::{
    backward_stages, backward_with, gradient, record, record_stages, Gradients, MlpTime,
    Sensitivity, SensitivityError, TimeDerivative,
};
use nodal::{Adaptive, ParamField, State, Stepping, Tableau, VectorField};

fn mlp(time: bool) -> MlpField<2> {
    Mlp::builder(&[2, 16, 16, 2])
        .hidden_activation(Activation::Tanh)
        .time_input(time)
        .seed(5)
        .build()
        .and_then(Mlp::into_field::<2>)
        .expect("valid")
}

fn times() -> Vec<f64> {
    (1..=13).map(|i| 0.37 * i as f64).collect()
}

fn close<const S: usize>(a: &Gradients<S, 2>, b: &Gradients<S, 2>, what: &str) {
    // NaN entries (skipped ∂L/∂c) must be NaN on both sides.
    let rel = |x: f64, y: f64| {
        if x.is_nan() && y.is_nan() {
            0.0
        } else {
            (x - y).abs() / y.abs().max(1e-3)
        }
    };
    for (x, y) in a.params.iter().zip(&b.params) {
        assert!(rel(*x, *y) < 1e-11, "{what}: θ {x} vs {y}");
    }
    for d in 0..2 {
        assert!(
            rel(a.y0[d], b.y0[d]) < 1e-11,
            "{what}: y0 {:?} vs {:?}",
            a.y0,
            b.y0
        );
    }
    for i in 0..S {
        assert!(rel(a.tableau.b[i], b.tableau.b[i]) < 1e-11, "{what}: b");
        assert!(rel(a.tableau.c[i], b.tableau.c[i]) < 1e-11, "{what}: c");
        for j in 0..i {
            assert!(
                rel(a.tableau.a[i][j], b.tableau.a[i][j]) < 1e-11,
                "{what}: a"
            );
        }
    }
    assert_eq!(a.tableau_status, b.tableau_status, "{what}");
}

fn compare<const S: usize, F: ParamField<2>>(tab: Tableau<S>, f: &F, time: TimeDerivative<'_, 2>) {
    let y0 = State::<2>::new(0.8, -0.3);
    let mut steppings = vec![Stepping::Fixed(0.05)];
    if tab.b_hat.is_some() {
        steppings.push(Stepping::Adaptive(Adaptive::with_tol(1e-7, 1e-9)));
    }
    for stepping in steppings {
        let tape = record(&tab, f, 0.0, y0, &times(), &stepping).expect("record");
        let st = record_stages(&tab, f, 0.0, y0, &times(), &stepping).expect("record_stages");
        assert_eq!(st.tape().trajectory().y, tape.trajectory().y, "same solve");
        assert_eq!(st.tape().steps(), tape.steps());
        let dl: Vec<State<2>> = tape.trajectory().y.iter().map(|y| y * 2.0).collect();
        let a = backward_stages(&st, &tab, f, &dl, time).expect("backward_stages");
        let b = backward_with(&tape, &tab, f, &dl, time).expect("backward_with");
        close(&a, &b, tab.name);
        // Stages + records on top of the plain tape.
        let per_step = S * (2 + f.record_len()) * 8;
        assert_eq!(
            st.memory_bytes(),
            tape.memory_bytes() + tape.steps() * per_step,
            "{}",
            tab.name
        );
    }
}

#[test]
fn stored_stages_match_recomputed_stages_for_an_mlp() {
    let f = mlp(true);
    let tv = MlpTime::new(&f);
    compare(Tableau::dopri5(), &f, TimeDerivative::Exact(&tv));
    compare(Tableau::tsit5(), &f, TimeDerivative::Exact(&tv));
    compare(Tableau::rk4(), &f, TimeDerivative::Exact(&tv));
    compare(Tableau::dop853(), &f, TimeDerivative::Skip);
    let f = mlp(false);
    compare(Tableau::dopri5(), &f, TimeDerivative::Autonomous);
}

/// `y' = A(θ) y` with `A = [[θ0, θ1], [−θ1, θ0]]`: no evaluation records.
struct Rot([f64; 2]);

impl VectorField<2> for Rot {
    fn eval(&self, _t: f64, y: &State<2>) -> State<2> {
        let [a, b] = self.0;
        State::<2>::new(a * y[0] + b * y[1], -b * y[0] + a * y[1])
    }
}

impl ParamField<2> for Rot {
    fn params(&self) -> &[f64] {
        &self.0
    }
    fn params_mut(&mut self) -> &mut [f64] {
        &mut self.0
    }
    fn vjp(&self, _t: f64, y: &State<2>, w: &State<2>, gy: &mut State<2>, gp: &mut [f64]) {
        let [a, b] = self.0;
        gy[0] += a * w[0] - b * w[1];
        gy[1] += b * w[0] + a * w[1];
        gp[0] += w[0] * y[0] + w[1] * y[1];
        gp[1] += w[0] * y[1] - w[1] * y[0];
    }
}

#[test]
fn stored_stages_match_for_a_field_without_records() {
    let f = Rot([-0.2, 1.3]);
    assert_eq!(f.record_len(), 0);
    compare(Tableau::dopri5(), &f, TimeDerivative::Autonomous);
    compare(Tableau::rk4(), &f, TimeDerivative::Autonomous);
}

#[test]
fn gradient_entry_point_and_field_mismatch() {
    let f = mlp(false);
    let tab = Tableau::dopri5();
    let st = Stepping::Adaptive(Adaptive::with_tol(1e-6, 1e-8));
    let y0 = State::<2>::new(0.8, -0.3);
    let dl = |tr: &nodal::Trajectory<2>| -> Result<Vec<State<2>>, std::convert::Infallible> {
        Ok(tr.y.clone())
    };
    let (ta, a) = gradient(
        Sensitivity::DiscreteStored,
        &tab,
        &f,
        0.0,
        y0,
        &times(),
        &st,
        dl,
    )
    .expect("stored");
    let (tb, b) =
        gradient(Sensitivity::Discrete, &tab, &f, 0.0, y0, &times(), &st, dl).expect("discrete");
    assert_eq!(ta.y, tb.y);
    close(&a, &b, "gradient()");
    // A field with another record length cannot read the tape's records.
    let tape = record_stages(&tab, &f, 0.0, y0, &times(), &st).expect("record");
    let other = Mlp::builder(&[2, 8, 2])
        .build()
        .and_then(Mlp::into_field::<2>)
        .expect("valid");
    let err = backward_stages(&tape, &tab, &other, &tb.y, TimeDerivative::Skip).unwrap_err();
    assert!(matches!(err, SensitivityError::ParamLength { .. }), "{err}");
}
