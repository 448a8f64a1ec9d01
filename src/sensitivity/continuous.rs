//! The continuous adjoint, "interpolated" variant: the adjoint ODE is integrated backwards
//! with the forward solution taken from the tape's dense output.

use super::discrete::check_inputs;
use super::error::SensitivityError;
use super::tape::{SavePoint, Tape};
use super::{Gradients, TableauGrad, TableauGradStatus};
use crate::dense::interpolate;
use crate::integrate::{solve_adaptive_with, solve_fixed_with, Accepted, StepObserver};
use crate::step::{step, StepConfig, Workspace};
use crate::tableau::{to_f64, Interpolant};
use crate::{Adaptive, ParamField, State, Stepping, Tableau};
use nalgebra::RealField;
use std::cell::RefCell;

/// The forward solution inside one recorded step: its stages, recomputed once.
struct DenseStep<'a, const S: usize, const D: usize, T: RealField + Copy> {
    tab: &'a Tableau<S, T>,
    t: T,
    h: T,
    y: &'a State<D, T>,
    y_new: &'a State<D, T>,
    k: [State<D, T>; S],
    f_new: Option<State<D, T>>,
}

impl<const S: usize, const D: usize, T: RealField + Copy> DenseStep<'_, S, D, T> {
    /// `y(τ)` for `τ` in the step (clamped to it).
    fn at(&self, tau: T) -> State<D, T> {
        let theta = ((tau - self.t) / self.h).max(T::zero()).min(T::one());
        let acc = Accepted {
            index: 0,
            t: self.t,
            h: self.h,
            y: self.y,
            y_new: self.y_new,
            k: &self.k,
            f_new: self.f_new.as_ref(),
            err_norm: None,
            stiffness: None,
        };
        // Cannot fail: the stage count was checked when recording and f_new is set for
        // Hermite.
        interpolate(self.tab, &acc, theta).unwrap_or(*self.y_new)
    }
}

/// The parameter parts `wᵀ ∂f/∂θ(τ, y(τ))` of the adjoint field's most recent evaluations,
/// keyed by `(τ, w)`: the quadrature of an accepted step looks its stages up here instead of
/// repeating the VJPs (a miss just recomputes).
struct VjpCache<const D: usize, T> {
    entries: Vec<(T, State<D, T>, Vec<T>)>,
    next: usize,
}

impl<const D: usize, T: RealField + Copy> VjpCache<D, T> {
    fn new(slots: usize, np: usize) -> Self {
        let nan = T::zero() / T::zero();
        Self {
            entries: (0..slots)
                .map(|_| (nan, State::<D, T>::zeros(), vec![T::zero(); np]))
                .collect(),
            next: 0,
        }
    }
}

/// Accumulates `∫ aᵀ ∂f/∂θ dτ` with the adjoint solver's own nodes and weights.
struct Quadrature<'a, 'b, const S: usize, const D: usize, T: RealField + Copy, F: ?Sized> {
    tab: &'a Tableau<S, T>,
    f: &'a F,
    dense: &'a DenseStep<'b, S, D, T>,
    gp: &'a mut [T],
    cache: &'a RefCell<VjpCache<D, T>>,
    /// Largest accepted |h| (seeds the next segment's first step).
    h_seen: T,
}

impl<const S: usize, const D: usize, T, F> StepObserver<S, D, T> for Quadrature<'_, '_, S, D, T, F>
where
    T: RealField + Copy,
    F: ParamField<D, T> + ?Sized,
{
    fn on_accept(&mut self, st: &Accepted<'_, S, D, T>) {
        // The augmented RK step for G' = −aᵀ ∂f/∂θ: ΔG = −h Σ b_i g_iᵀ ∂f/∂θ(τ_i, y(τ_i)),
        // g_i the adjoint's stage states.
        let h = st.h;
        self.h_seen = self.h_seen.max(h.abs());
        let mut gy = State::<D, T>::zeros();
        for i in 0..S {
            let bi = self.tab.b[i];
            if bi == T::zero() {
                continue;
            }
            let mut g = *st.y;
            for j in 0..i {
                let a = self.tab.a[i][j];
                if a != T::zero() {
                    g.axpy(h * a, &st.k[j], T::one());
                }
            }
            let tau = st.t + self.tab.c[i] * h;
            let wgt = -h * bi;
            let cache = self.cache.borrow();
            if let Some(e) = cache.entries.iter().find(|e| e.0 == tau && e.1 == g) {
                for (p, q) in self.gp.iter_mut().zip(&e.2) {
                    *p += wgt * *q;
                }
            } else {
                let y = self.dense.at(tau);
                self.f.vjp(tau, &y, &(g * wgt), &mut gy, self.gp);
            }
        }
    }
}

/// [`backward_continuous_with`] using the forward solve's stepping (same fixed step, or same
/// tolerances).
///
/// # Errors
/// See [`backward_continuous_with`].
pub fn backward_continuous<const S: usize, const D: usize, T, F>(
    tape: &Tape<S, D, T>,
    tab: &Tableau<S, T>,
    f: &F,
    dl_dy: &[State<D, T>],
) -> Result<Gradients<S, D, T>, SensitivityError>
where
    T: RealField + Copy,
    F: ParamField<D, T> + ?Sized,
{
    let stepping = tape.stepping;
    backward_continuous_with(tape, tab, f, dl_dy, &stepping)
}

/// Continuous adjoint ("interpolated adjoint"): integrate
/// `a' = −(∂f/∂y)ᵀ a` from the last save time back to `t0`, with jumps `a += dL/dy(t_i)` at
/// the save times, and `G' = −aᵀ ∂f/∂θ`, so that `a(t0) = ∂L/∂y0` and `G(t0) = ∂L/∂θ`.
///
/// # Scheme
/// * **Forward state**: interpolated, not back-solved. The adjoint is integrated one recorded
///   forward step at a time (split further at save times inside it); the step's stages are
///   recomputed once with [`crate::step::step`] and `y(τ)` is its dense output (Dopri5/Tsit5
///   4th order, Hermite 3rd order). So the adjoint field is smooth on every segment, and no
///   unstable backward integration of `y` is needed.
/// * **Adjoint**: the `D`-dimensional `a` is integrated with our solvers and the tape's
///   tableau: fixed steps of the same size, or adaptive with the same tolerances (or the
///   `stepping` given), the first step of a segment continuing from the last accepted size.
///   Error control acts on `a` only: choose `atol` for the size of `∂L/∂y`.
/// * **Parameters**: θ has runtime length, so `G` is not part of the ODE state; it is
///   accumulated by quadrature on the adjoint's accepted steps with the *same* nodes and
///   weights (`ΔG = −h Σ b_i g_iᵀ ∂f/∂θ(τ_i, y(τ_i))`, `g_i` the adjoint's stage states),
///   exactly what the RK method would do on the augmented system `(a, G)`.
///
/// # Accuracy, memory, cost
/// It approximates the gradient of the **exact** flow: it agrees with the discrete adjoint
/// (the gradient of the discrete solution) to about the solve tolerance (e.g. rtol 1e-8 →
/// ~1e-6 relative), not to rounding. The tableau is not differentiated
/// (`tableau` is NaN, [`TableauGradStatus::NotComputed`]). Memory: the tape (`O(steps·D)`)
/// plus one step's stages ([`super::backsolve`] is the variant without a tape). Cost: per adjoint step `S` VJPs for `a` (rejected attempts too) and
/// up to `S` more for the quadrature (each VJP also computes the other part, which the
/// `ParamField` interface cannot skip), plus `S` evaluations per forward step to rebuild the
/// dense output: typically more than the discrete adjoint on the same problem. Its advantage
/// is that the adjoint's steps are chosen for the adjoint, not inherited from the forward.
///
/// # Errors
/// Input errors as [`super::backward`]; [`SensitivityError::Solve`] if an adjoint solve fails;
/// [`SensitivityError::NonFiniteAdjoint`] if `a` or `G` overflow.
#[allow(clippy::needless_range_loop)]
pub fn backward_continuous_with<const S: usize, const D: usize, T, F>(
    tape: &Tape<S, D, T>,
    tab: &Tableau<S, T>,
    f: &F,
    dl_dy: &[State<D, T>],
    stepping: &Stepping<T>,
) -> Result<Gradients<S, D, T>, SensitivityError>
where
    T: RealField + Copy,
    F: ParamField<D, T> + ?Sized,
{
    check_inputs(tape, tab, dl_dy)?;
    let np = f.params().len();
    let mut gp = vec![T::zero(); np];
    let cache = RefCell::new(VjpCache::<D, T>::new(S + 2, np));
    let saves = &tape.grid.saves;
    let steps = &tape.grid.steps;
    let times = &tape.grid.times;
    let hermite = tab.interpolant == Interpolant::Hermite;
    let mut ws = Workspace::<S, D, T>::new();
    let mut a = State::<D, T>::zeros();
    let mut s = saves.len();
    let mut last_h = T::zero();
    let tiny = crate::cst::<T>(100.0) * T::default_epsilon();

    for n in (0..steps.len()).rev() {
        let (t, h) = steps[n];
        let y = &tape.ys[n];
        let y_new = &tape.ys[n + 1];
        ws.k1_ready = false;
        step(tab, f, t, y, h, StepConfig::default(), &mut ws);
        let dense = DenseStep {
            tab,
            t,
            h,
            y,
            y_new,
            k: ws.k,
            f_new: if tab.fsal {
                Some(ws.k[S - 1])
            } else if hermite {
                Some(f.eval(t + h, y_new))
            } else {
                None
            },
        };
        let field = |tau: T, w: &State<D, T>| -> State<D, T> {
            let yt = dense.at(tau);
            let mut gy = State::<D, T>::zeros();
            let mut c = cache.borrow_mut();
            let slot = c.next;
            c.next = (slot + 1) % c.entries.len();
            let e = &mut c.entries[slot];
            e.0 = tau;
            e.1 = *w;
            e.2.fill(T::zero());
            f.vjp(tau, &yt, w, &mut gy, &mut e.2);
            -gy
        };
        let mut hi = t + h;
        loop {
            // Jumps at save times at `hi` (the step end, or an interior save time).
            let mut lo = t;
            while s > 0 {
                match saves[s - 1] {
                    SavePoint::Step { index, theta } if index == n => {
                        if theta >= T::one() || times[s - 1] == hi {
                            a += dl_dy[s - 1];
                            s -= 1;
                        } else {
                            lo = times[s - 1];
                            break;
                        }
                    }
                    _ => break,
                }
            }
            let len = (hi - lo).abs();
            if len > tiny * hi.abs().max(lo.abs()) {
                let mut quad = Quadrature {
                    tab,
                    f,
                    dense: &dense,
                    gp: &mut gp,
                    cache: &cache,
                    h_seen: T::zero(),
                };
                let (a_lo, _) = match stepping {
                    Stepping::Fixed(hf) => {
                        solve_fixed_with(tab, &field, hi, lo, a, *hf, &mut quad)?
                    }
                    Stepping::Adaptive(o) => {
                        let opts = Adaptive {
                            h0: if last_h != T::zero() {
                                Some(last_h.abs())
                            } else {
                                o.h0
                            },
                            ..*o
                        };
                        solve_adaptive_with(tab, &field, hi, lo, a, &opts, &mut quad)?
                    }
                };
                last_h = quad.h_seen;
                a = a_lo;
            }
            let finite = a.iter().all(|v| v.is_finite()) && gp.iter().all(|v| v.is_finite());
            if !finite {
                return Err(SensitivityError::NonFiniteAdjoint {
                    step: n,
                    t: to_f64(t),
                });
            }
            if lo == t {
                break;
            }
            hi = lo;
        }
    }
    while s > 0 {
        s -= 1;
        a += dl_dy[s];
    }
    let nan = T::zero() / T::zero();
    Ok(Gradients {
        y0: a,
        params: gp,
        tableau: TableauGrad {
            a: [[nan; S]; S],
            b: [nan; S],
            c: [nan; S],
        },
        tableau_status: TableauGradStatus::NotComputed,
    })
}
