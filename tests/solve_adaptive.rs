//! Adaptive stepping: tolerance proportionality, Lorenz-63 cross-check, statistics, stiffness.

use nodal::integrate::{solve_adaptive_with, Accepted, StepObserver};
use nodal::systems::{Exact, Harmonic, LinearTest, Lorenz63};
use nodal::{solve_adaptive, Adaptive, State, Tableau};

fn harmonic_error<const S: usize>(tab: &Tableau<S>, tol: f64) -> (f64, usize) {
    let f = Harmonic { omega: 1.0 };
    let y0 = State::<2>::new(1.0, 0.5);
    let (y, st) = solve_adaptive(tab, &f, 0.0, 10.0, y0, &Adaptive::with_tol(tol, tol)).unwrap();
    ((y - f.exact(0.0, &y0, 10.0)).norm(), st.nfe)
}

/// Error falls with the tolerance: roughly proportionally, and below 100·tol.
fn check_proportional<const S: usize>(tab: Tableau<S>) {
    let tols = [1e-4, 1e-6, 1e-8, 1e-10];
    let res: Vec<(f64, usize)> = tols.iter().map(|&t| harmonic_error(&tab, t)).collect();
    for (tol, (err, _)) in tols.iter().zip(&res) {
        assert!(
            *err < 100.0 * tol,
            "{}: error {err:e} at tol {tol:e}",
            tab.name
        );
    }
    for w in res.windows(2) {
        assert!(w[1].0 < w[0].0, "{}: error did not fall {res:?}", tab.name);
        assert!(w[1].1 > w[0].1, "{}: NFE did not grow {res:?}", tab.name);
    }
    // Slope of log(err) against log(tol) over six decades.
    let s = (res[3].0 / res[0].0).ln() / (1e-10f64 / 1e-4).ln();
    assert!((0.6..=1.3).contains(&s), "{}: slope {s} {res:?}", tab.name);
}

#[test]
fn error_scales_with_tolerance() {
    check_proportional(Tableau::bs3());
    check_proportional(Tableau::dopri5());
    check_proportional(Tableau::tsit5());
    check_proportional(Tableau::dop853());
}

#[test]
fn lorenz_dopri5_matches_dop853_reference() {
    // Reference: DOP853 at rtol = atol = 1e-13. Lorenz-63 amplifies perturbations by roughly
    // e^(0.9 t) ≈ 1e7 over [0, 20], so agreement is limited by that, not by the solvers.
    let f = Lorenz63::default();
    let y0 = State::<3>::new(1.0, 1.0, 1.0);
    let (yr, sr) = solve_adaptive(
        &Tableau::dop853(),
        &f,
        0.0,
        20.0,
        y0,
        &Adaptive::with_tol(1e-13, 1e-13),
    )
    .unwrap();
    let (y5, s5) = solve_adaptive(
        &Tableau::dopri5(),
        &f,
        0.0,
        20.0,
        y0,
        &Adaptive::with_tol(1e-10, 1e-10),
    )
    .unwrap();
    let rel = (y5 - yr).norm() / yr.norm();
    println!(
        "dopri5 vs dop853 on Lorenz [0,20]: rel diff {rel:e}, nfe {} vs {}",
        s5.nfe, sr.nfe
    );
    assert!(rel < 1e-3, "relative difference {rel:e}");
    // The same at a shorter horizon, where chaos has not amplified the error yet.
    let (yr2, _) = solve_adaptive(
        &Tableau::dop853(),
        &f,
        0.0,
        2.0,
        y0,
        &Adaptive::with_tol(1e-13, 1e-13),
    )
    .unwrap();
    let (y52, _) = solve_adaptive(
        &Tableau::dopri5(),
        &f,
        0.0,
        2.0,
        y0,
        &Adaptive::with_tol(1e-10, 1e-10),
    )
    .unwrap();
    let rel2 = (y52 - yr2).norm() / yr2.norm();
    assert!(rel2 < 1e-8, "relative difference on [0,2]: {rel2:e}");
}

#[test]
fn nfe_accounting_matches_hairer() {
    // DOPRI5: 6 evaluations per attempted step (FSAL) + 1 for f(t0, y0) + 1 for the initial
    // step heuristic; Hairer's code counts the same.
    let f = Lorenz63::default();
    let (_, st) = solve_adaptive(
        &Tableau::dopri5(),
        &f,
        0.0,
        10.0,
        State::<3>::new(1.0, 1.0, 1.0),
        &Adaptive::with_tol(1e-6, 1e-6),
    )
    .unwrap();
    assert_eq!(st.nfe, 6 * (st.accepted + st.rejected) + 2);
    assert!(st.rejected > 0 && st.accepted > 100);
    // DOP853 (not FSAL in our 12-stage form): 12 per attempt, minus the reused first stage of
    // retries and of accepted steps... first stage is re-evaluated after every accepted step.
    let (_, s8) = solve_adaptive(
        &Tableau::dop853(),
        &f,
        0.0,
        10.0,
        State::<3>::new(1.0, 1.0, 1.0),
        &Adaptive::with_tol(1e-6, 1e-6),
    )
    .unwrap();
    assert_eq!(
        s8.nfe,
        11 * (s8.accepted + s8.rejected) + s8.accepted - 1 + 2
    );
}

#[test]
fn backward_integration_recovers_initial_state() {
    let f = Harmonic { omega: 2.0 };
    let y0 = State::<2>::new(0.3, -0.7);
    let opts = Adaptive::with_tol(1e-10, 1e-12);
    let (y1, _) = solve_adaptive(&Tableau::dopri5(), &f, 0.0, 5.0, y0, &opts).unwrap();
    let (yb, _) = solve_adaptive(&Tableau::dopri5(), &f, 5.0, 0.0, y1, &opts).unwrap();
    approx::assert_relative_eq!(yb, y0, epsilon = 1e-8);
    approx::assert_relative_eq!(y1, f.exact(0.0, &y0, 5.0), epsilon = 1e-8);
}

struct StiffnessLog(Vec<f64>, Vec<f64>);

impl<const S: usize, const D: usize> StepObserver<S, D, f64> for StiffnessLog {
    fn on_accept(&mut self, st: &Accepted<'_, S, D, f64>) {
        self.0.push(st.stiffness.unwrap_or(f64::NAN));
        self.1.push(st.h);
    }
}

#[test]
fn stiffness_estimate_is_exact_on_linear_problems_and_flags_stiffness() {
    // y' = λy with λ = -1000: k_j − k_i = λ(g_j − g_i) exactly, so Shampine's estimate is |λ|
    // at every accepted step. After the transient the controller is limited by stability, so
    // |h λ| reaches the order of dopri5's real stability interval (3.31).
    let f = LinearTest { lambda: -1000.0 };
    let mut log = StiffnessLog(Vec::new(), Vec::new());
    let (_, st) = solve_adaptive_with(
        &Tableau::dopri5(),
        &f,
        0.0,
        1.0,
        State::<1>::new(1.0),
        &Adaptive {
            stiffness_interval: 1,
            ..Adaptive::with_tol(1e-6, 1e-6)
        },
        &mut log,
    )
    .unwrap();
    assert_eq!(log.0.len(), st.accepted);
    assert!(
        log.0.iter().all(|r| r.is_finite()),
        "estimated on every step"
    );
    for rho in &log.0 {
        approx::assert_relative_eq!(*rho, 1000.0, max_relative = 1e-6);
    }
    let s = st.max_stiffness.expect("dopri5 has a stiffness pair");
    assert!((2.5..=6.0).contains(&s), "max |h|ρ = {s}");
    // Non-stiff harmonic oscillator: far below the boundary.
    let opts = Adaptive {
        stiffness_interval: 1,
        ..Adaptive::with_tol(1e-8, 1e-8)
    };
    let (_, st) = solve_adaptive(
        &Tableau::dopri5(),
        &Harmonic { omega: 1.0 },
        0.0,
        10.0,
        State::<2>::new(1.0, 0.0),
        &opts,
    )
    .unwrap();
    assert!(st.max_stiffness.unwrap() < 1.0);
    // With the default interval (1000) only the first attempt is estimated; 0 disables it.
    let mut log = StiffnessLog(Vec::new(), Vec::new());
    solve_adaptive_with(
        &Tableau::dopri5(),
        &f,
        0.0,
        1.0,
        State::<1>::new(1.0),
        &Adaptive {
            stiffness_interval: 0,
            ..Adaptive::with_tol(1e-6, 1e-6)
        },
        &mut log,
    )
    .unwrap();
    assert!(log.0.iter().all(|r| r.is_nan()));
}

struct WantsStiffness(Vec<f64>);

impl<const S: usize, const D: usize> StepObserver<S, D, f64> for WantsStiffness {
    fn wants_stiffness(&self) -> bool {
        true
    }
    fn on_accept(&mut self, st: &Accepted<'_, S, D, f64>) {
        self.0.push(st.stiffness.unwrap_or(f64::NAN));
    }
}

#[test]
fn observers_can_ask_for_the_stiffness_estimate_on_every_step() {
    // RK4's stages 2 and 3 share c = 1/2, so a fixed-step solve can estimate ρ = |λ| too.
    let f = LinearTest { lambda: -3.0 };
    let mut obs = WantsStiffness(Vec::new());
    let (_, st) = nodal::integrate::solve_fixed_with(
        &Tableau::rk4(),
        &f,
        0.0,
        1.0,
        State::<1>::new(1.0),
        0.1,
        &mut obs,
    )
    .unwrap();
    assert_eq!(obs.0.len(), 10);
    for rho in &obs.0 {
        approx::assert_relative_eq!(*rho, 3.0, max_relative = 1e-9);
    }
    approx::assert_relative_eq!(st.max_stiffness.unwrap(), 0.3, max_relative = 1e-9);
    // The default interval (1000) overridden: every adaptive step carries it.
    let mut obs = WantsStiffness(Vec::new());
    solve_adaptive_with(
        &Tableau::tsit5(),
        &f,
        0.0,
        5.0,
        State::<1>::new(1.0),
        &Adaptive::with_tol(1e-8, 1e-8),
        &mut obs,
    )
    .unwrap();
    assert!(obs.0.len() > 5 && obs.0.iter().all(|r| (r - 3.0).abs() < 1e-6));
}
