//! The global regularizer (sum/mean over all accepted steps), differentiated through the whole
//! solve with the discrete adjoint: against dual numbers and finite differences of the same
//! function on the frozen step grid, and its value against the recorder of a plain solve.

use nodal::integrate::solve_adaptive_with;
use nodal::nn::{Mlp, MlpField};
use nodal::regularize::{Global, OneStep, Reduction, RegularizeError, StepRecorder};
use nodal::sensitivity::{record, SensitivityError, Tape};
use nodal::{Adaptive, ParamField, State, Stepping, Tableau};
use num_dual::Dual64;

fn field(seed: u64) -> MlpField<2> {
    Mlp::builder(&[2, 6, 2])
        .time_input(true)
        .seed(seed)
        .build()
        .unwrap()
        .into_field::<2>()
        .unwrap()
}

fn dual_tab<const S: usize>(tab: &Tableau<S>) -> Tableau<S, Dual64> {
    let c = Dual64::from;
    Tableau::<S, Dual64> {
        a: tab.a.map(|row| row.map(c)),
        b: tab.b.map(c),
        c: tab.c.map(c),
        b_hat: tab.b_hat.map(|v| v.map(c)),
        b_hat2: tab.b_hat2.map(|v| v.map(c)),
        order: tab.order,
        embedded_order: tab.embedded_order,
        fsal: tab.fsal,
        interpolant: tab.interpolant,
        name: tab.name,
    }
}

fn dual_global(g: &Global) -> Global<Dual64> {
    let c = Dual64::from;
    Global {
        one_step: OneStep {
            quantity: g.one_step.quantity,
            rtol: c(g.one_step.rtol),
            atol: c(g.one_step.atol),
            stiffness_scale: c(g.one_step.stiffness_scale),
        },
        reduction: g.reduction,
    }
}

/// Check value and gradients (θ and y0) on a recorded adaptive solve.
fn check<const S: usize>(tab: &Tableau<S>, glob: Global, seed: u64) {
    let f = field(seed);
    let y0 = State::<2>::new(1.2, -0.4);
    let opts = Adaptive::with_tol(glob.one_step.rtol, glob.one_step.atol);
    let tape: Tape<S, 2> = record(
        tab,
        &f,
        0.0,
        y0,
        &[0.7, 1.5, 3.0],
        &Stepping::Adaptive(opts),
    )
    .unwrap();
    let n = tape.steps();
    assert!(n >= 3, "{}: want several steps, got {n}", tab.name);
    let mut gp = vec![0.0; f.params().len()];
    let ev = glob.value_and_grad(tab, &f, &tape, 1.0, &mut gp).unwrap();
    assert_eq!(ev.steps, n);

    // The value is the recorder's total for the same solve.
    let mut rec = StepRecorder::new(tab);
    solve_adaptive_with(tab, &f, 0.0, 3.0, y0, &opts, &mut rec).unwrap();
    let from_rec = match glob.one_step.quantity {
        nodal::regularize::Quantity::Error => rec.error_total(glob.reduction),
        nodal::regularize::Quantity::Stiffness => {
            rec.stiffness_total(glob.reduction, glob.one_step.stiffness_scale)
        }
    };
    approx::assert_relative_eq!(ev.value, from_rec, max_relative = 1e-12);

    // Dual numbers on the frozen grid: exact derivative of `value_on_grid`.
    let grid = tape.grid().cast::<Dual64>();
    let (tab_d, glob_d) = (dual_tab(tab), dual_global(&glob));
    let c = Dual64::from;
    let exact: Vec<f64> = (0..f.params().len())
        .map(|p| {
            let mut m = f.mlp().cast::<Dual64>();
            m.params_mut()[p] = Dual64::new(f.params()[p], 1.0);
            let fd = m.into_field::<2>().unwrap();
            glob_d
                .value_on_grid(&tab_d, &fd, &y0.map(c), &grid.steps)
                .unwrap()
                .eps
        })
        .collect();
    let scale = exact.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    assert!(scale > 0.0);
    for (p, (a, b)) in gp.iter().zip(&exact).enumerate() {
        assert!(
            (a - b).abs() <= 1e-8 * scale,
            "{} param {p}: adjoint {a:e} vs dual {b:e} (scale {scale:e})",
            tab.name
        );
    }
    let m = f.mlp().cast::<Dual64>().into_field::<2>().unwrap();
    for i in 0..2 {
        let mut yd = y0.map(c);
        yd[i] = Dual64::new(y0[i], 1.0);
        let d = glob_d
            .value_on_grid(&tab_d, &m, &yd, &grid.steps)
            .unwrap()
            .eps;
        approx::assert_relative_eq!(ev.y0[i], d, max_relative = 1e-8, epsilon = 1e-10 * scale);
    }

    // Five-point finite differences of the same function (steps frozen).
    let steps = &tape.grid().steps;
    let mut g = f.clone();
    let eps = 1e-5;
    for (p, a) in gp.iter().enumerate() {
        let p0 = f.params()[p];
        let mut at = |d: f64| {
            g.params_mut()[p] = p0 + d;
            let v = glob.value_on_grid(tab, &g, &y0, steps).unwrap();
            g.params_mut()[p] = p0;
            v
        };
        let fd = (8.0 * (at(eps) - at(-eps)) - (at(2.0 * eps) - at(-2.0 * eps))) / (12.0 * eps);
        assert!(
            (a - fd).abs() <= 1e-5 * scale,
            "{} param {p}: adjoint {a:e} vs fd {fd:e} (scale {scale:e})",
            tab.name
        );
    }
}

#[test]
fn global_error_gradient_through_the_solve() {
    let e = OneStep::error(1e-5, 1e-7);
    check(&Tableau::tsit5(), Global::new(e), 1);
    check(&Tableau::dopri5(), Global::new(e), 2);
    check(&Tableau::bs3(), Global::new(e), 3);
    check(&Tableau::dop853(), Global::new(e), 4);
    let mean = Global {
        one_step: e,
        reduction: Reduction::Mean,
    };
    check(&Tableau::tsit5(), mean, 5);
}

#[test]
fn global_stiffness_gradient_through_the_solve() {
    let mut s = OneStep::stiffness(1e-5, 1e-7);
    s.stiffness_scale = 3.5068;
    check(&Tableau::tsit5(), Global::new(s), 6);
    check(
        &Tableau::dopri5(),
        Global::new(OneStep::stiffness(1e-5, 1e-7)),
        7,
    );
}

#[test]
fn mean_is_sum_over_steps_and_weight_scales() {
    let tab = Tableau::tsit5();
    let f = field(9);
    let tape = record(
        &tab,
        &f,
        0.0,
        State::<2>::new(0.3, 0.9),
        &[2.0],
        &Stepping::Adaptive(Adaptive::with_tol(1e-6, 1e-8)),
    )
    .unwrap();
    let e = OneStep::error(1e-6, 1e-8);
    let (sum, mean) = (
        Global::new(e),
        Global {
            one_step: e,
            reduction: Reduction::Mean,
        },
    );
    let np = f.params().len();
    let (mut g1, mut g2) = (vec![0.0; np], vec![0.0; np]);
    let a = sum.value_and_grad(&tab, &f, &tape, 3.0, &mut g1).unwrap();
    let b = mean
        .value_and_grad(&tab, &f, &tape, 3.0 * a.steps as f64, &mut g2)
        .unwrap();
    approx::assert_relative_eq!(a.value, b.value * a.steps as f64, max_relative = 1e-14);
    let scale = g1.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    for (x, y) in g1.iter().zip(&g2) {
        approx::assert_abs_diff_eq!(*x, *y, epsilon = 1e-12 * scale);
    }
}

#[test]
fn global_bad_inputs() {
    let tab = Tableau::dopri5();
    let f = field(1);
    let tape = record(
        &tab,
        &f,
        0.0,
        State::<2>::new(0.3, 0.9),
        &[1.0],
        &Stepping::Adaptive(Adaptive::default()),
    )
    .unwrap();
    let glob = Global::new(OneStep::error(1e-6, 1e-8));
    let mut short = vec![0.0; 3];
    assert_eq!(
        glob.value_and_grad(&tab, &f, &tape, 1.0, &mut short),
        Err(RegularizeError::ParamLength {
            expected: f.params().len(),
            got: 3
        })
    );
    let mut other = tab;
    other.name = "dopri5-modified";
    let mut gp = vec![0.0; f.params().len()];
    assert!(matches!(
        glob.value_and_grad(&other, &f, &tape, 1.0, &mut gp),
        Err(RegularizeError::Sensitivity(
            SensitivityError::TableauMismatch { .. }
        ))
    ));
    assert!(gp.iter().all(|g| *g == 0.0));
    let rk4 = record(
        &Tableau::rk4(),
        &f,
        0.0,
        State::<2>::new(0.3, 0.9),
        &[1.0],
        &Stepping::Fixed(0.1),
    )
    .unwrap();
    assert_eq!(
        glob.value_and_grad(&Tableau::rk4(), &f, &rk4, 1.0, &mut gp),
        Err(RegularizeError::NoErrorEstimate { method: "rk4" })
    );
}
