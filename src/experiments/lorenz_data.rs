//! Lorenz-63 data shared by the trainable-solver experiments (SCIENCE §1): states on the
//! attractor and reference trajectories from DOP853 at a tight tolerance, the analytic
//! Jacobian, and the known field as a [`ParamField`] without parameters (so the discrete
//! adjoint gives the tableau gradient of a known ODE).

use crate::systems::Lorenz63;
use crate::{solve_at, Adaptive, ParamField, SolveError, State, Stepping, Tableau, VectorField};
use nalgebra::Matrix3;

/// Initial state of every reference run, `(1, 1, 1)`; the first `transient` time units are
/// dropped so all samples lie on the attractor.
pub const ORIGIN: [f64; 3] = [1.0, 1.0, 1.0];

/// DOP853 with `rtol = atol = tol`.
pub fn reference_stepping(tol: f64) -> Stepping<f64> {
    Stepping::Adaptive(Adaptive::with_tol(tol, tol))
}

/// The Lorenz-63 trajectory from [`ORIGIN`] at the times `transient + spacing·k`,
/// `k = skip..skip + n` (DOP853, tolerance `tol`): `n` attractor states `spacing` apart.
///
/// # Errors
/// [`SolveError`] from the reference solve (e.g. `n = 0` gives `NoSaveTimes`).
pub fn attractor(
    transient: f64,
    skip: usize,
    n: usize,
    spacing: f64,
    tol: f64,
) -> Result<Vec<State<3>>, SolveError> {
    let times: Vec<f64> = (skip..skip + n)
        .map(|k| transient + spacing * k as f64)
        .collect();
    Ok(solve_at(
        &Tableau::dop853(),
        &Lorenz63::default(),
        0.0,
        State::<3>::from(ORIGIN),
        &times,
        &reference_stepping(tol),
    )?
    .y)
}

/// The reference solution from `y0` at `t = h, 2h, …, steps·h` (DOP853, tolerance `tol`).
///
/// # Errors
/// [`SolveError`] from the reference solve.
pub fn reference_path(
    y0: State<3>,
    h: f64,
    steps: usize,
    tol: f64,
) -> Result<Vec<State<3>>, SolveError> {
    let times: Vec<f64> = (1..=steps).map(|k| h * k as f64).collect();
    Ok(solve_at(
        &Tableau::dop853(),
        &Lorenz63::default(),
        0.0,
        y0,
        &times,
        &reference_stepping(tol),
    )?
    .y)
}

/// `∂f/∂y` of Lorenz-63 (σ = 10, ρ = 28, β = 8/3) at `y`.
pub fn jacobian(y: &State<3>) -> Matrix3<f64> {
    let f = Lorenz63::<f64>::default();
    Matrix3::new(
        -f.sigma,
        f.sigma,
        0.0,
        f.rho - y[2],
        -1.0,
        -y[0],
        y[1],
        y[0],
        -f.beta,
    )
}

/// Pooled per-component variance of `states` about their mean: `Σ‖y − ȳ‖² / (3n)`
/// (0 for an empty slice).
pub fn pooled_variance(states: &[State<3>]) -> f64 {
    if states.is_empty() {
        return 0.0;
    }
    let n = states.len() as f64;
    let mean = states.iter().sum::<State<3>>() / n;
    states
        .iter()
        .map(|y| (y - mean).norm_squared())
        .sum::<f64>()
        / (3.0 * n)
}

/// The known Lorenz-63 field as a [`ParamField`] with no parameters: its `vjp` is `wᵀ ∂f/∂y`,
/// which is all the discrete adjoint needs for `∂L/∂(A, b, c)` of a tableau.
/// (σ = 10, ρ = 28, β = 8/3, as [`jacobian`].)
#[derive(Clone, Copy, Debug, Default)]
pub struct KnownLorenz;

impl VectorField<3> for KnownLorenz {
    fn eval(&self, t: f64, y: &State<3>) -> State<3> {
        Lorenz63::<f64>::default().eval(t, y)
    }
}

impl ParamField<3> for KnownLorenz {
    fn params(&self) -> &[f64] {
        &[]
    }
    fn params_mut(&mut self) -> &mut [f64] {
        &mut []
    }
    fn vjp(&self, _t: f64, y: &State<3>, w: &State<3>, gy: &mut State<3>, _gp: &mut [f64]) {
        *gy += jacobian(y).transpose() * w;
    }
}
