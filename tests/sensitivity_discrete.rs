//! The discrete adjoint against two independent references, on a 2 → 8 → 2 tanh MLP with time
//! input (so `∂f/∂t ≠ 0` and every tableau node matters):
//!
//! * forward-mode dual numbers (`num_dual::Dual64`): the frozen step sequence is replayed in
//!   `Dual64` with `Mlp::cast`/`Tableau::cast`, one seeded direction per gradient entry —
//!   agreement to 1e-10;
//! * central finite differences of the `f64` replay — agreement to 1e-6.
//!
//! "Relative" means `|adjoint − reference| / max(|reference|, 1e-3)`: a few entries are
//! (nearly) zero, where a pure relative error is meaningless; the loss is O(1).
//!
//! **Why both references replay the step sequence.** The discrete adjoint differentiates the
//! solve with its accepted step sizes held constant (they are constants by definition of the
//! method: the controller's decisions are not differentiated). An adaptive re-solve of a
//! perturbed problem would pick slightly different steps (and possibly a different number of
//! them), which changes the result by O(tolerance) — far more than the derivative signal — so
//! the finite-difference and dual references run [`replay`] on the tape's grid. For fixed
//! steps, the replay *is* a re-solve (checked below too).
//!
//! Save times lie inside steps, so the dense output (Dopri5, Tsit5, Hermite) is differentiated.

use nodal::nn::{Activation, Mlp, MlpField};
use nodal::sensitivity::{
    backward, backward_with, record, replay, Gradients, MlpTime, SensitivityError, StepGrid,
    TableauGradStatus, TimeDerivative,
};
use nodal::{Adaptive, ParamField, SolveError, State, Stepping, Tableau};
use num_dual::Dual64;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const D: usize = 2;

/// Counts the current thread's heap allocations (other test threads do not interfere).
struct Counting;

thread_local! {
    static ALLOCS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

unsafe impl std::alloc::GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
        unsafe { std::alloc::System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: std::alloc::Layout) -> *mut u8 {
        let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
        unsafe { std::alloc::System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, p: *mut u8, layout: std::alloc::Layout, n: usize) -> *mut u8 {
        let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
        unsafe { std::alloc::System.realloc(p, layout, n) }
    }
    unsafe fn dealloc(&self, p: *mut u8, layout: std::alloc::Layout) {
        unsafe { std::alloc::System.dealloc(p, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations_in<R>(f: impl FnOnce() -> R) -> (usize, R) {
    let before = ALLOCS.with(|c| c.get());
    let r = f();
    (ALLOCS.with(|c| c.get()) - before, r)
}

fn field() -> MlpField<D> {
    let mut m = Mlp::builder(&[2, 8, 2])
        .hidden_activation(Activation::Tanh)
        .time_input(true)
        .seed(3)
        .build()
        .expect("valid architecture");
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    for l in 0..m.n_layers() {
        let (_, b) = m.layer_param_ranges(l).expect("layer");
        for k in b {
            m.params_mut()[k] = rng.random_range(-0.5..0.5);
        }
    }
    m.into_field::<D>().expect("square network")
}

fn y0() -> State<D> {
    State::<D>::new(0.7, -0.4)
}

/// Loss weights: L = Σ_i ½|y_i|² + c_i·y_i (nonlinear, every save time matters).
fn loss_weights(n: usize) -> Vec<State<D>> {
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    (0..n)
        .map(|_| State::<D>::new(rng.random_range(-1.0..1.0), rng.random_range(-1.0..1.0)))
        .collect()
}

fn loss<T: nalgebra::RealField + Copy>(ys: &[State<D, T>], w: &[State<D>]) -> T {
    let mut l = T::zero();
    for (y, c) in ys.iter().zip(w) {
        let half = nalgebra::convert::<f64, T>(0.5);
        let cc = State::<D, T>::new(nalgebra::convert(c[0]), nalgebra::convert(c[1]));
        l += y.dot(y) * half + y.dot(&cc);
    }
    l
}

fn dl_dy(ys: &[State<D>], w: &[State<D>]) -> Vec<State<D>> {
    ys.iter().zip(w).map(|(y, c)| y + c).collect()
}

/// Which gradient entry a direction perturbs.
#[derive(Clone, Copy, Debug)]
enum Entry {
    Param(usize),
    Y0(usize),
    A(usize, usize),
    B(usize),
    C(usize),
}

fn entries<const S: usize>(np: usize) -> Vec<Entry> {
    let mut v: Vec<Entry> = (0..np).map(Entry::Param).collect();
    v.extend((0..D).map(Entry::Y0));
    for i in 0..S {
        for j in 0..i {
            v.push(Entry::A(i, j));
        }
    }
    v.extend((0..S).map(Entry::B));
    v.extend((0..S).map(Entry::C));
    v
}

fn adjoint_value<const S: usize>(g: &Gradients<S, D>, e: Entry) -> f64 {
    match e {
        Entry::Param(k) => g.params[k],
        Entry::Y0(j) => g.y0[j],
        Entry::A(i, j) => g.tableau.a[i][j],
        Entry::B(i) => g.tableau.b[i],
        Entry::C(i) => g.tableau.c[i],
    }
}

/// L on the frozen grid with entry `e` perturbed by `eps` (f64 replay).
fn loss_perturbed<const S: usize>(
    tab: &Tableau<S>,
    f: &MlpField<D>,
    grid: &StepGrid,
    w: &[State<D>],
    e: Entry,
    eps: f64,
) -> f64 {
    let (mut tab, mut f, mut y) = (*tab, f.clone(), y0());
    match e {
        Entry::Param(k) => f.params_mut()[k] += eps,
        Entry::Y0(j) => y[j] += eps,
        Entry::A(i, j) => tab.a[i][j] += eps,
        Entry::B(i) => tab.b[i] += eps,
        Entry::C(i) => tab.c[i] += eps,
    }
    let tr = replay(&tab, &f, y, grid).expect("replay");
    loss(&tr.y, w)
}

/// dL along entry `e` by forward mode (Dual64 replay).
fn dual_derivative<const S: usize>(
    tab: &Tableau<S>,
    f: &MlpField<D>,
    grid: &StepGrid,
    w: &[State<D>],
    e: Entry,
) -> f64 {
    let mut tab: Tableau<S, Dual64> = tab.cast();
    let mut fd = f.mlp().cast::<Dual64>().into_field::<D>().expect("field");
    let mut y: State<D, Dual64> = y0().map(Dual64::from_re);
    let seed = Dual64::new(0.0, 1.0);
    // The stage kernel skips coefficients that compare equal to zero, and Dual64 compares real
    // parts only, so a seeded zero entry of A or b would be skipped. A real part of 1e-308
    // keeps the term without changing any value (h·1e-308·k vanishes against y).
    let seed_at = |x: Dual64| {
        if x.re == 0.0 {
            Dual64::new(f64::MIN_POSITIVE, 1.0)
        } else {
            x + seed
        }
    };
    match e {
        Entry::Param(k) => fd.params_mut()[k] += seed,
        Entry::Y0(j) => y[j] += seed,
        Entry::A(i, j) => tab.a[i][j] = seed_at(tab.a[i][j]),
        Entry::B(i) => tab.b[i] = seed_at(tab.b[i]),
        // c_0 = 0 stays "zero" for the kernel (FSAL reuse unchanged): see `run`.
        Entry::C(i) => tab.c[i] += seed,
    }
    let grid: StepGrid<Dual64> = grid.cast();
    let tr = replay(&tab, &fd, y, &grid).expect("dual replay");
    loss(&tr.y, w).eps
}

struct Case<const S: usize> {
    name: &'static str,
    tab: Tableau<S>,
    stepping: Stepping,
    times: Vec<f64>,
    t0: f64,
}

fn run<const S: usize>(case: &Case<S>) {
    let f = field();
    let tape = record(&case.tab, &f, case.t0, y0(), &case.times, &case.stepping)
        .unwrap_or_else(|e| panic!("{}: {e}", case.name));
    // The tape's trajectory is what solve_at computes, and the replay reproduces it.
    let reference = nodal::solve_at(&case.tab, &f, case.t0, y0(), &case.times, &case.stepping)
        .expect("solve_at");
    assert_eq!(tape.trajectory().y, reference.y, "{}", case.name);
    let rep = replay(&case.tab, &f, y0(), tape.grid()).expect("replay");
    for (a, b) in rep.y.iter().zip(&reference.y) {
        assert!(
            (a - b).norm() <= 1e-14 * (1.0 + b.norm()),
            "{}: replay differs",
            case.name
        );
    }
    // At least one save time strictly inside a step (dense output is exercised).
    assert!(
        tape.grid().saves.iter().any(|s| matches!(s,
            nodal::sensitivity::SavePoint::Step { theta, .. } if *theta > 0.05 && *theta < 0.95)),
        "{}: no save time inside a step",
        case.name
    );

    let w = loss_weights(case.times.len());
    let dl = dl_dy(&tape.trajectory().y, &w);
    let time = MlpTime::new(&f);
    let g =
        backward_with(&tape, &case.tab, &f, &dl, TimeDerivative::Exact(&time)).expect("backward");
    assert_eq!(g.tableau_status, TableauGradStatus::Complete);
    assert_eq!(g.params.len(), f.params().len());

    let grid = tape.grid();
    let all = entries::<S>(f.params().len());
    let mut worst_dual = 0.0f64;
    let mut worst_fd = 0.0f64;
    for &e in &all {
        let adj = adjoint_value(&g, e);
        let dual = dual_derivative(&case.tab, &f, grid, &w, e);
        let d_err = (adj - dual).abs() / dual.abs().max(1e-3);
        worst_dual = worst_dual.max(d_err);
        assert!(
            d_err <= 1e-10,
            "{}: {e:?}: adjoint {adj:e} vs Dual64 {dual:e} (rel {d_err:e})",
            case.name
        );
        // c_0 of an FSAL tableau: c_0 = 0 is forced by explicitness (c = A𝟙, row 0 of A is
        // empty), and the kernel reuses the previous last stage only while c_0 == 0; any finite
        // perturbation switches to re-evaluating f(t + c_0 h, y) in every step, a different
        // function. The adjoint (like the dual reference, which stays on the c_0 == 0 branch)
        // differentiates the kernel's data flow at the given tableau; FD cannot see that.
        if matches!(e, Entry::C(0)) && case.tab.fsal {
            continue;
        }
        // Five-point central difference: truncation O(ε⁴); rounding ~1e-15/ε, amplified by
        // large coefficients (DOP853 has a_ij of several hundred), hence the largish ε.
        let eps = 1e-3;
        let lp = |x: f64| loss_perturbed(&case.tab, &f, grid, &w, e, x);
        let fd = (8.0 * (lp(eps) - lp(-eps)) - (lp(2.0 * eps) - lp(-2.0 * eps))) / (12.0 * eps);
        let f_err = (adj - fd).abs() / fd.abs().max(1e-3);
        worst_fd = worst_fd.max(f_err);
        assert!(
            f_err <= 1e-6,
            "{}: {e:?}: adjoint {adj:e} vs central FD {fd:e} (rel {f_err:e})",
            case.name
        );
    }
    eprintln!(
        "{}: {} steps, {} entries, worst rel. error vs Dual64 {worst_dual:.1e}, vs FD {worst_fd:.1e}",
        case.name,
        tape.steps(),
        all.len()
    );

    // The plain `backward` gives the same a, b, θ, y0 and NaN nodes (flagged).
    let g0 = backward(&tape, &case.tab, &f, &dl).expect("backward");
    assert_eq!(g0.tableau_status, TableauGradStatus::NodesSkipped);
    assert!(g0.tableau.c.iter().all(|c| c.is_nan()));
    assert_eq!(g0.params, g.params);
    assert_eq!(g0.y0, g.y0);
    assert_eq!(g0.tableau.a, g.tableau.a);
    assert_eq!(g0.tableau.b, g.tableau.b);
    // Central differences in t for the nodes: close to the exact ones.
    let gcd = backward_with(&tape, &case.tab, &f, &dl, TimeDerivative::CentralDifference)
        .expect("backward");
    assert_eq!(
        gcd.tableau_status,
        TableauGradStatus::NodesByCentralDifference
    );
    let cmax = g.tableau.c.iter().fold(0.0f64, |m, c| m.max(c.abs()));
    for i in 0..S {
        assert!(
            (gcd.tableau.c[i] - g.tableau.c[i]).abs() <= 1e-7 * cmax.max(1e-3),
            "{}: c[{i}] central difference {} vs exact {}",
            case.name,
            gcd.tableau.c[i],
            g.tableau.c[i]
        );
    }
}

fn times() -> Vec<f64> {
    vec![0.0, 0.37, 0.8, 1.33, 1.9, 2.5]
}

#[test]
fn rk4_fixed_steps() {
    run(&Case {
        name: "rk4 fixed",
        tab: Tableau::rk4(),
        stepping: Stepping::Fixed(0.1),
        times: times(),
        t0: 0.0,
    });
}

#[test]
fn dopri5_fixed_steps() {
    run(&Case {
        name: "dopri5 fixed",
        tab: Tableau::dopri5(),
        stepping: Stepping::Fixed(0.3),
        times: times(),
        t0: 0.0,
    });
}

#[test]
fn dopri5_adaptive() {
    run(&Case {
        name: "dopri5 adaptive",
        tab: Tableau::dopri5(),
        stepping: Stepping::Adaptive(Adaptive::with_tol(1e-6, 1e-8)),
        times: times(),
        t0: 0.0,
    });
}

#[test]
fn tsit5_adaptive() {
    run(&Case {
        name: "tsit5 adaptive",
        tab: Tableau::tsit5(),
        stepping: Stepping::Adaptive(Adaptive::with_tol(1e-6, 1e-8)),
        times: times(),
        t0: 0.0,
    });
}

#[test]
fn bs3_adaptive_fsal_hermite() {
    // FSAL with Hermite dense output: f(t+h, y⁺) is the last stage.
    run(&Case {
        name: "bs3 adaptive",
        tab: Tableau::bs3(),
        stepping: Stepping::Adaptive(Adaptive::with_tol(1e-5, 1e-7)),
        times: times(),
        t0: 0.0,
    });
}

#[test]
fn dopri5_adaptive_backwards_in_time() {
    run(&Case {
        name: "dopri5 adaptive, t decreasing",
        tab: Tableau::dopri5(),
        stepping: Stepping::Adaptive(Adaptive::with_tol(1e-6, 1e-8)),
        times: vec![1.0, 0.55, -0.2, -0.9],
        t0: 1.0,
    });
}

/// `y' = λ y` on one state, θ = [λ].
struct Linear([f64; 1]);

impl nodal::VectorField<1> for Linear {
    fn eval(&self, _t: f64, y: &State<1>) -> State<1> {
        y * self.0[0]
    }
}

impl ParamField<1> for Linear {
    fn params(&self) -> &[f64] {
        &self.0
    }
    fn params_mut(&mut self) -> &mut [f64] {
        &mut self.0
    }
    fn vjp(&self, _t: f64, y: &State<1>, w: &State<1>, gy: &mut State<1>, gp: &mut [f64]) {
        *gy += w * self.0[0];
        gp[0] += w.dot(y);
    }
}

#[test]
fn linear_equation_matches_closed_forms() {
    // L = Σ_i w_i y(t_i). Exact flow: y = y0 e^{λt}, dL/dλ = Σ w_i y0 t_i e^{λ t_i},
    // dL/dy0 = Σ w_i e^{λ t_i}.
    let (lam, y0v) = (-0.8, 1.5);
    let f = Linear([lam]);
    let times = [0.0, 0.5, 1.0, 2.0];
    let w = [0.3, -1.0, 2.0, 0.7];
    let dl: Vec<State<1>> = w.iter().map(|&v| State::<1>::new(v)).collect();
    let exact_dlam: f64 = times
        .iter()
        .zip(&w)
        .map(|(&t, &wi)| wi * y0v * t * (lam * t).exp())
        .sum();
    let exact_dy0: f64 = times
        .iter()
        .zip(&w)
        .map(|(&t, &wi)| wi * (lam * t).exp())
        .sum();

    // Fixed RK4 with h = 0.5: the save times are step ends, y(t_n) = y0 R(z)^n exactly with
    // R(z) = 1 + z + z²/2 + z³/6 + z⁴/24, z = λh, so the discrete derivatives are closed forms
    // too: d/dλ [y0 R^n] = y0 n R^{n−1} R'(z) h.
    let h = 0.5;
    let tab = Tableau::rk4();
    let tape = record(
        &tab,
        &f,
        0.0,
        State::<1>::new(y0v),
        &times,
        &Stepping::Fixed(h),
    )
    .expect("record");
    let g = backward(&tape, &tab, &f, &dl).expect("backward");
    let z = lam * h;
    let r = 1.0 + z + z * z / 2.0 + z.powi(3) / 6.0 + z.powi(4) / 24.0;
    let dr = 1.0 + z + z * z / 2.0 + z.powi(3) / 6.0;
    let (mut d_lam, mut d_y0) = (0.0, 0.0);
    for (&t, &wi) in times.iter().zip(&w) {
        let n = (t / h).round() as i32;
        d_y0 += wi * r.powi(n);
        if n > 0 {
            d_lam += wi * y0v * f64::from(n) * r.powi(n - 1) * dr * h;
        }
    }
    assert!(
        (g.params[0] - d_lam).abs() <= 1e-14 * d_lam.abs(),
        "{} vs {d_lam}",
        g.params[0]
    );
    assert!(
        (g.y0[0] - d_y0).abs() <= 1e-14 * d_y0.abs(),
        "{} vs {d_y0}",
        g.y0[0]
    );
    // ... and approximate the exact-flow derivative to RK4 accuracy at h = 0.5 (1.2e-3 here).
    assert!(
        (g.params[0] - exact_dlam).abs() <= 3e-3 * exact_dlam.abs(),
        "{} vs {exact_dlam}",
        g.params[0]
    );

    // Tight adaptive Dopri5: the discrete gradient converges to the exact-flow gradient.
    let tab = Tableau::dopri5();
    let stepping = Stepping::Adaptive(Adaptive::with_tol(1e-12, 1e-14));
    let tape = record(&tab, &f, 0.0, State::<1>::new(y0v), &times, &stepping).expect("record");
    let g = backward(&tape, &tab, &f, &dl).expect("backward");
    assert!(
        (g.params[0] - exact_dlam).abs() <= 1e-9 * exact_dlam.abs(),
        "{} vs {exact_dlam}",
        g.params[0]
    );
    assert!((g.y0[0] - exact_dy0).abs() <= 1e-9 * exact_dy0.abs());
    // An autonomous field: declaring it gives exact zero node gradients.
    let ga = backward_with(&tape, &tab, &f, &dl, TimeDerivative::Autonomous).expect("backward");
    assert_eq!(ga.tableau.c, [0.0; 7]);
    assert_eq!(ga.tableau_status, TableauGradStatus::Complete);
}

#[test]
fn bad_inputs_give_typed_errors() {
    let f = Linear([0.3]);
    let tab = Tableau::dopri5();
    let times = [0.5, 1.0];
    let tape = record(
        &tab,
        &f,
        0.0,
        State::<1>::new(1.0),
        &times,
        &Stepping::Fixed(0.1),
    )
    .expect("record");
    // Wrong number of cotangents.
    let err = backward(&tape, &tab, &f, &[State::<1>::new(1.0)]).unwrap_err();
    assert_eq!(
        err,
        SensitivityError::LossGradientLength {
            expected: 2,
            got: 1
        }
    );
    // Non-finite cotangent.
    let err = backward(
        &tape,
        &tab,
        &f,
        &[State::<1>::new(1.0), State::<1>::new(f64::NAN)],
    )
    .unwrap_err();
    assert!(matches!(
        err,
        SensitivityError::NonFiniteLossGradient {
            index: 1,
            component: 0,
            ..
        }
    ));
    // Another tableau than the recorded one.
    let err = backward(&tape, &Tableau::tsit5(), &f, &[State::<1>::new(1.0); 2]).unwrap_err();
    assert!(matches!(
        err,
        SensitivityError::TableauMismatch {
            recorded: "dopri5",
            given: "tsit5"
        }
    ));
    // An adjoint that overflows: dL/dy(T) = 1e300 grows like e^{λ(T−t)} backwards.
    let f = Linear([40.0]);
    let tape = record(
        &tab,
        &f,
        0.0,
        State::<1>::new(1e-10),
        &times,
        &Stepping::Fixed(0.1),
    )
    .expect("record");
    let err = backward(
        &tape,
        &tab,
        &f,
        &[State::<1>::new(0.0), State::<1>::new(1e300)],
    )
    .unwrap_err();
    match err {
        SensitivityError::NonFiniteAdjoint { step, t } => {
            assert!(step < tape.steps());
            assert_eq!(t, tape.grid().steps[step].0);
        }
        e => panic!("unexpected {e:?}"),
    }
    // Parameter-length mismatches.
    let mut g = Gradients::<7, 1>::zeros(1);
    let err = g.accumulate(&Gradients::zeros(2)).unwrap_err();
    assert_eq!(
        err,
        SensitivityError::ParamLength {
            what: "accumulated gradient",
            expected: 1,
            got: 2
        }
    );
    let mlp = field();
    let err = MlpTime::new(&mlp).check(3).unwrap_err();
    assert!(matches!(
        err,
        SensitivityError::ParamLength { expected: 3, .. }
    ));
    // The forward solve's own errors come through unchanged.
    let err = record(
        &tab,
        &f,
        0.0,
        State::<1>::new(1.0),
        &[],
        &Stepping::Fixed(0.1),
    )
    .unwrap_err();
    assert_eq!(err, SolveError::NoSaveTimes);
    assert_eq!(
        SensitivityError::from(err),
        SensitivityError::Solve(SolveError::NoSaveTimes)
    );
}

#[test]
fn save_times_at_t0_only_need_no_steps() {
    let f = Linear([0.3]);
    let tab = Tableau::rk4();
    let tape = record(
        &tab,
        &f,
        1.0,
        State::<1>::new(2.0),
        &[1.0, 1.0],
        &Stepping::Fixed(0.1),
    )
    .expect("record");
    assert_eq!(tape.steps(), 0);
    let g = backward(
        &tape,
        &tab,
        &f,
        &[State::<1>::new(1.0), State::<1>::new(2.5)],
    )
    .expect("backward");
    assert_eq!(g.y0[0], 3.5);
    assert_eq!(g.params[0], 0.0);
}

#[test]
fn backward_passes_allocate_independently_of_the_step_count() {
    // The tape is the only per-step storage; the backward passes allocate a fixed number of
    // buffers (θ's gradient, the discrete adjoint's stage records, the continuous adjoint's
    // VJP cache) whatever the step count.
    let f = field();
    let times = times();
    let mut counts = Vec::new();
    for stepping in [
        Stepping::Fixed(0.1),
        Stepping::Fixed(0.01),
        Stepping::Adaptive(Adaptive::with_tol(1e-6, 1e-8)),
        Stepping::Adaptive(Adaptive::with_tol(1e-11, 1e-13)),
    ] {
        let tab = Tableau::dopri5();
        let tape = record(&tab, &f, 0.0, y0(), &times, &stepping).expect("record");
        let dl = vec![State::<D>::new(1.0, -1.0); times.len()];
        let time = MlpTime::new(&f);
        let (nd, g) = allocations_in(|| {
            backward_with(&tape, &tab, &f, &dl, TimeDerivative::Exact(&time)).expect("backward")
        });
        let (nc, gc) = allocations_in(|| {
            nodal::sensitivity::backward_continuous(&tape, &tab, &f, &dl).expect("continuous")
        });
        assert!(g.params.iter().chain(&gc.params).all(|v| v.is_finite()));
        counts.push((tape.steps(), nd, nc));
    }
    eprintln!("(steps, allocations discrete, allocations continuous): {counts:?}");
    assert!(counts[1].0 >= 5 * counts[0].0 && counts[3].0 >= 5 * counts[2].0);
    for c in &counts {
        assert_eq!((c.1, c.2), (counts[0].1, counts[0].2), "{counts:?}");
    }
    assert!(
        counts[0].1 <= 2,
        "discrete: only θ's gradient and the stage records ({counts:?})"
    );
}

#[test]
fn dop853_adaptive_non_fsal_hermite() {
    // Non-FSAL with Hermite dense output: f(t+h, y⁺) is an extra evaluation at the step end.
    run(&Case {
        name: "dop853 adaptive",
        tab: Tableau::dop853(),
        stepping: Stepping::Adaptive(Adaptive::with_tol(1e-7, 1e-9)),
        times: times(),
        t0: 0.0,
    });
}
