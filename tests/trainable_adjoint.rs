//! The discrete adjoint's `∂L/∂(A, b, c)` mapped to the free parameters of a
//! `TrainableTableau` (chain rule through the row-sum parameterisation), checked against
//! central finite differences in the parameters of the same fixed-step solve.

use approx::assert_relative_eq;
use nodal::sensitivity::{backward_with, record, TimeDerivative};
use nodal::trainable::TrainableTableau;
use nodal::{solve_at, ParamField, State, Stepping, Tableau, VectorField};

/// Damped, optionally forced pendulum: `y0' = y1`, `y1' = −θ0 sin y0 − θ1 y1 + F cos t`.
struct Pendulum {
    theta: [f64; 2],
    forcing: f64,
}

impl VectorField<2> for Pendulum {
    fn eval(&self, t: f64, y: &State<2>) -> State<2> {
        State::<2>::new(
            y[1],
            -self.theta[0] * y[0].sin() - self.theta[1] * y[1] + self.forcing * t.cos(),
        )
    }
}

impl ParamField<2> for Pendulum {
    fn params(&self) -> &[f64] {
        &self.theta
    }
    fn params_mut(&mut self) -> &mut [f64] {
        &mut self.theta
    }
    fn vjp(&self, _t: f64, y: &State<2>, w: &State<2>, gy: &mut State<2>, gp: &mut [f64]) {
        gy[0] += -w[1] * self.theta[0] * y[0].cos();
        gy[1] += w[0] - w[1] * self.theta[1];
        gp[0] += -w[1] * y[0].sin();
        gp[1] += -w[1] * y[1];
    }
}

const TIMES: [f64; 4] = [0.5, 1.0, 1.5, 2.0];
const H: f64 = 0.25;

/// `L = Σ_k w_k · y(t_k)` with fixed weights.
fn weights() -> Vec<State<2>> {
    TIMES
        .iter()
        .enumerate()
        .map(|(k, _)| State::<2>::new(1.0 + k as f64, 0.5 - 0.3 * k as f64))
        .collect()
}

fn loss(tab: &Tableau<4>, f: &Pendulum) -> f64 {
    let y0 = State::<2>::new(1.2, -0.3);
    let tr = solve_at(tab, f, 0.0, y0, &TIMES, &Stepping::Fixed(H)).unwrap();
    tr.y.iter().zip(weights()).map(|(y, w)| y.dot(&w)).sum()
}

fn check(forcing: f64, time: TimeDerivative<'_, 2>) {
    let f = Pendulum {
        theta: [2.0, 0.3],
        forcing,
    };
    let base = TrainableTableau::<4>::from_tableau(&Tableau::rk4(), 1).unwrap();
    let phi: Vec<f64> = base
        .params()
        .iter()
        .enumerate()
        .map(|(k, p)| p + 0.04 * (k as f64 + 0.5).sin())
        .collect();
    let tab = TrainableTableau::<4>::tableau_from_params(&phi).unwrap();
    let y0 = State::<2>::new(1.2, -0.3);
    let tape = record(&tab, &f, 0.0, y0, &TIMES, &Stepping::Fixed(H)).unwrap();
    let g = backward_with(&tape, &tab, &f, &weights(), time).unwrap();
    let gphi = TrainableTableau::<4>::grad_from_tableau(&g.tableau.a, &g.tableau.b, &g.tableau.c);
    for k in 0..TrainableTableau::<4>::N_PARAMS {
        let eps = 1e-5;
        let at = |d: f64| {
            let mut q = phi.clone();
            q[k] += d;
            loss(&TrainableTableau::<4>::tableau_from_params(&q).unwrap(), &f)
        };
        let fd = (at(eps) - at(-eps)) / (2.0 * eps);
        assert_relative_eq!(gphi[k], fd, epsilon = 1e-7, max_relative = 1e-6);
    }
}

#[test]
fn adjoint_chain_rule_autonomous() {
    check(0.0, TimeDerivative::Autonomous);
}

#[test]
fn adjoint_chain_rule_forced_nodes_matter() {
    // With a time-dependent field the nodes c enter through f(t + c_i h, ·), so ∂L/∂c_i is
    // nonzero and the chain rule must add it to the derived first column's contribution.
    check(0.8, TimeDerivative::CentralDifference);
}
