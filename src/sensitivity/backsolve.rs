//! The continuous adjoint by **backsolve**: no tape. After the forward solve only the saved
//! states are kept; the state is integrated backwards together with the adjoint.

use super::error::SensitivityError;
use super::stage_records::Capture;
use super::{Gradients, TableauGrad, TableauGradStatus};
use crate::control::{error_order, Controller, Decision, PiController};
use crate::integrate::{solve_adaptive_with, solve_fixed_with, Accepted, StepObserver};
use crate::step::{stage_state, step, StepConfig, Workspace};
use crate::tableau::to_f64;
use crate::{Adaptive, ParamField, State, Stepping, Tableau, Trajectory, VectorField};
use nalgebra::RealField;
use std::cell::{Cell, RefCell};

/// The adjoint's stage field inside one accepted backward step of `y`: evaluation number `i`
/// of the kernel is stage `i`, whose state `y` is `g[i]` (the `y`-step's own stage state, the
/// `y`-part of the augmented RK stage). It returns `−(∂f/∂y)ᵀ a` and adds the stage's
/// quadrature term `−h b_i aᵀ ∂f/∂θ` to the parameter adjoint, both from one VJP.
struct AdjointStages<'a, 'b, const S: usize, const D: usize, T, F: ?Sized> {
    tab: &'a Tableau<S, T>,
    cap: &'a Capture<'b, D, T, F>,
    g: &'a [State<D, T>; S],
    h: T,
    next: Cell<usize>,
    gp: RefCell<&'a mut [T]>,
    /// Receives the θ-part of stages with `b_i = 0` (a VJP always computes both parts).
    sink: RefCell<&'a mut [T]>,
}

impl<const S: usize, const D: usize, T, F> VectorField<D, T> for AdjointStages<'_, '_, S, D, T, F>
where
    T: RealField + Copy,
    F: ParamField<D, T> + ?Sized,
{
    fn eval(&self, tau: T, a: &State<D, T>) -> State<D, T> {
        let i = self.next.get().min(S - 1);
        self.next.set(i + 1);
        if self.tab.fsal && i + 1 == S {
            // An FSAL step's result is its last stage *state*; the last stage derivative only
            // feeds the error estimate and FSAL reuse, which the adjoint step uses neither of
            // (b_{S−1} = 0: no quadrature term either). Skip its VJP.
            return State::<D, T>::zeros();
        }
        // VJP with w = s·a: gy = s (∂f/∂y)ᵀ a, θ-part s aᵀ ∂f/∂θ; s = −h b_i is the stage's
        // quadrature weight (or −h, into the sink, when b_i = 0).
        // The weights the kernel uses for the step's result: b, or for FSAL tableaus row S−1
        // of A (the result is the last stage state).
        let b = if self.tab.fsal {
            self.tab.a[S - 1][i]
        } else {
            self.tab.b[i]
        };
        let s = if b != T::zero() { -self.h * b } else { -self.h };
        let mut gy = State::<D, T>::zeros();
        if b != T::zero() {
            self.cap.vjp(
                tau,
                &self.g[i],
                &(a * s),
                &mut gy,
                &mut self.gp.borrow_mut(),
            );
        } else {
            self.cap.vjp(
                tau,
                &self.g[i],
                &(a * s),
                &mut gy,
                &mut self.sink.borrow_mut(),
            );
        }
        gy / (-s)
    }
}

/// Observer of the backward `y`-solve: after each accepted step of `y`, the same RK step (same
/// tableau, size and stage nodes) for the adjoint `a` and the parameter quadrature.
struct AdjointStepper<'a, 'b, const S: usize, const D: usize, T: RealField + Copy, F: ?Sized> {
    tab: &'a Tableau<S, T>,
    cap: &'a Capture<'b, D, T, F>,
    a: State<D, T>,
    ws: Workspace<S, D, T>,
    gp: &'a mut [T],
    sink: &'a mut [T],
    /// Step-size proposals from the accepted steps' error norms (adaptive solves), with the
    /// solver's controller: the last one seeds the next interval's first step.
    ctrl: Option<PiController<T>>,
    /// The proposed size of the next step (0 before the first step).
    h_next: T,
    steps: usize,
    /// First accepted step whose adjoint is not finite: its start time.
    bad: Option<T>,
}

impl<const S: usize, const D: usize, T, F> StepObserver<S, D, T>
    for AdjointStepper<'_, '_, S, D, T, F>
where
    T: RealField + Copy,
    F: ParamField<D, T> + ?Sized,
{
    fn on_accept(&mut self, st: &Accepted<'_, S, D, T>) {
        self.steps += 1;
        self.h_next = st.h.abs();
        if let (Some(c), Some(err)) = (self.ctrl.as_mut(), st.err_norm) {
            if let Decision::Accept { h_next } = c.decide(err, st.h) {
                self.h_next = h_next.abs();
            }
        }
        let g: [State<D, T>; S] =
            std::array::from_fn(|i| stage_state(self.tab, st.y, st.h, st.k, i));
        let field = AdjointStages {
            tab: self.tab,
            cap: self.cap,
            g: &g,
            h: st.h,
            next: Cell::new(0),
            gp: RefCell::new(&mut *self.gp),
            sink: RefCell::new(&mut *self.sink),
        };
        self.ws.k1_ready = false;
        let out = step(
            self.tab,
            &field,
            st.t,
            &self.a,
            st.h,
            StepConfig::default(),
            &mut self.ws,
        );
        self.a = out.y_new;
        if self.bad.is_none() && !self.a.iter().all(|v| v.is_finite()) {
            self.bad = Some(st.t);
        }
    }
}

/// Continuous adjoint by backsolve: the gradient of `L` with respect to `y0` and θ from the
/// saved trajectory alone, integrating the augmented system
/// `y' = f(t, y)`, `a' = −(∂f/∂y)ᵀ a`, `a_θ' = −aᵀ ∂f/∂θ` backwards from the last save time to
/// `t0`, with jumps `a += dL/dy(t_i)` at the save times. `a(t0) = ∂L/∂y0`,
/// `a_θ(t0) = ∂L/∂θ`.
///
/// `traj` is the forward solution at the save times (e.g. from [`crate::solve_at`], or the
/// trajectory that [`super::gradient`] hands to the loss) and `dl_dy[i]` is `∂L/∂y(t_i)`.
///
/// # Scheme
/// One backward solve per interval between consecutive save times (the adjoint jumps there),
/// each started from the **saved** forward state `y(t_i)`, so the backward error in `y` does
/// not accumulate beyond one interval. `y` and `a` are both `State<D>`: `y` is integrated by
/// the ordinary solvers ([`solve_fixed_with`] / [`solve_adaptive_with`], stage kernel
/// [`crate::step::step`]) with `stepping` — the step size control acts on `y` — and after each
/// accepted `y`-step an observer takes the *same* RK step (tableau, `h`, nodes) for `a`, whose
/// stage `i` uses `y`'s stage state `g_i`: together this is exactly the RK method applied to
/// the augmented system `(y, a)` (the `y`-stages do not depend on `a`). θ has runtime length,
/// so `a_θ` is not an ODE state but accumulated by the same method's quadrature,
/// `Δa_θ = −h Σ b_i a_iᵀ ∂f/∂θ(τ_i, g_i)`, from the same VJPs. This is why no `2D + P`
/// dimensional state (impossible with const generics on stable Rust) is needed.
///
/// # Memory
/// `O(D + P)` working storage, independent of the number of steps: two RK workspaces, θ's
/// gradient, a `P`-sized sink and a ring of `2S + 2` evaluation records (so each adjoint VJP
/// reuses the forward pass of the `y`-stage at the same point). No tape.
///
/// # Accuracy and known weakness
/// It approximates the gradient of the exact flow (like [`super::backward_continuous`]),
/// within about the solve tolerance **if the backward integration of `y` is stable**. It is
/// not for dissipative (stiff, contracting) or chaotic dynamics: backwards in time a
/// contracting flow is expanding, so the reconstructed `y(t)` departs from the forward one
/// exponentially (`e^{λ·Δt}` for a decay rate λ over an interval Δt between save times), and so
/// do the Jacobians the adjoint uses; the gradient can be wrong without any error being
/// reported. Restarting from the saved states at every save time limits the damage to one
/// interval. The adjoint's error is not controlled separately (steps follow `y`'s estimate),
/// and the tableau is not differentiated ([`TableauGradStatus::NotComputed`]).
///
/// # Cost
/// Per backward step: `S` (FSAL `S − 1`) evaluations for `y` (rejected attempts too) and `S`
/// VJPs (reverse sweeps only for fields with evaluation records). At least one step per
/// interval between save times: with many save times per forward step it costs far more than
/// the discrete adjoint.
///
/// # Errors
/// [`SensitivityError::LossGradientLength`] / [`SensitivityError::NonFiniteLossGradient`] for
/// bad `dl_dy`; [`SensitivityError::Solve`] if a backward solve fails (e.g. `y` blows up);
/// [`SensitivityError::NonFiniteAdjoint`] (step = number of backward steps taken so far, `t`
/// the step's start time) if `a` or `a_θ` overflow.
pub fn backsolve<const S: usize, const D: usize, T, F>(
    tab: &Tableau<S, T>,
    f: &F,
    t0: T,
    traj: &Trajectory<D, T>,
    dl_dy: &[State<D, T>],
    stepping: &Stepping<T>,
) -> Result<Gradients<S, D, T>, SensitivityError>
where
    T: RealField + Copy,
    F: ParamField<D, T> + ?Sized,
{
    let n = traj.t.len();
    if dl_dy.len() != n || traj.y.len() != n {
        return Err(SensitivityError::LossGradientLength {
            expected: n,
            got: dl_dy.len(),
        });
    }
    for (index, g) in dl_dy.iter().enumerate() {
        if let Some(component) = g.iter().position(|v| !v.is_finite()) {
            return Err(SensitivityError::NonFiniteLossGradient {
                index,
                t: to_f64(traj.t[index]),
                component,
            });
        }
    }
    let np = f.params().len();
    let mut gp = vec![T::zero(); np];
    let mut sink = vec![T::zero(); np];
    let cap = Capture::new(f, 2 * S + 2);
    let mut obs = AdjointStepper {
        tab,
        cap: &cap,
        a: State::<D, T>::zeros(),
        ws: Workspace::new(),
        gp: &mut gp,
        sink: &mut sink,
        ctrl: match stepping {
            Stepping::Adaptive(o) => {
                let mut c = o
                    .controller
                    .unwrap_or_else(|| PiController::hairer_for_order(tab.order));
                c.reset(error_order(tab));
                Some(c)
            }
            Stepping::Fixed(_) => None,
        },
        h_next: T::zero(),
        steps: 0,
        bad: None,
    };
    for i in (0..n).rev() {
        obs.a += dl_dy[i];
        let hi = traj.t[i];
        let lo = if i > 0 { traj.t[i - 1] } else { t0 };
        if hi == lo {
            continue;
        }
        match stepping {
            Stepping::Fixed(h) => {
                solve_fixed_with(tab, &cap, hi, lo, traj.y[i], *h, &mut obs)?;
            }
            Stepping::Adaptive(o) => {
                let opts = Adaptive {
                    h0: if obs.h_next != T::zero() {
                        Some(obs.h_next)
                    } else {
                        o.h0
                    },
                    ..*o
                };
                solve_adaptive_with(tab, &cap, hi, lo, traj.y[i], &opts, &mut obs)?;
            }
        }
        let finite = obs.bad.is_none() && obs.gp.iter().all(|v| v.is_finite());
        if !finite {
            return Err(SensitivityError::NonFiniteAdjoint {
                step: obs.steps,
                t: to_f64(obs.bad.unwrap_or(hi)),
            });
        }
    }
    let y0 = obs.a;
    let nan = T::zero() / T::zero();
    Ok(Gradients {
        y0,
        params: gp,
        tableau: TableauGrad {
            a: [[nan; S]; S],
            b: [nan; S],
            c: [nan; S],
        },
        tableau_status: TableauGradStatus::NotComputed,
    })
}
