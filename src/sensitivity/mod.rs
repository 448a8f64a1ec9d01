//! Sensitivities of solves: gradients of a loss on the saved trajectory with respect to the
//! initial state, the field's parameters θ and the tableau `(A, b, c)`.
//!
//! * [`record`] solves exactly like [`crate::solve_at`] (same steps, same saved states) and
//!   keeps a [`Tape`]: one state per accepted step with its `t` and `h` (memory `O(steps·D)`).
//! * [`backward`] / [`backward_with`]: the **discrete adjoint**, the exact reverse-mode
//!   derivative of the recorded step sequence (step sizes are constants), stages recomputed
//!   with [`crate::step::step`], dense output differentiated too. Exact to rounding against
//!   forward-mode dual numbers. The recomputation keeps the field's *evaluation records*
//!   ([`crate::ParamField::eval_recorded`]; an MLP's activations), so each VJP is the reverse
//!   sweep only ([`crate::ParamField::vjp_recorded`]), and an FSAL step's last stage is taken
//!   from the next step's recomputed first stage.
//! * [`record_stages`] / [`backward_stages`]: the same discrete adjoint on a [`StageTape`],
//!   which also stores every step's stages and evaluation records during the forward solve:
//!   nothing is recomputed, for `S·(D + record)` more scalars per step.
//! * [`backward_continuous`] / [`backward_continuous_with`]: the **continuous, interpolated
//!   adjoint**, integrating `a' = −(∂f/∂y)ᵀ a` backwards with our solvers, the forward state
//!   taken from the tape's dense output, `∂L/∂θ` by quadrature on the adjoint's own steps. It
//!   approximates the gradient of the exact flow, within the solve tolerance.
//! * [`backsolve`]: the **continuous adjoint without a tape**: the state is integrated
//!   backwards together with the adjoint from the saved states, memory `O(D + P)` whatever the
//!   number of steps; unreliable for dissipative or chaotic dynamics (see its docs).
//! * [`gradient`] / [`gradient_with`]: solve, loss callback, backward pass, with the adjoint
//!   chosen by [`Sensitivity`] (`Discrete`, `DiscreteStored`, `Continuous`, `Backsolve`;
//!   switch without code changes).
//! * [`replay`]: re-run a frozen step sequence ([`StepGrid`]), e.g. in dual numbers or with a
//!   perturbed parameter for checks.
//!
//! # `∂L/∂c` needs `∂f/∂t`
//! The nodes enter only through `f`'s time argument, and [`crate::ParamField`] has no time
//! derivative. [`backward`] therefore reports `∂L/∂c` as NaN
//! ([`TableauGradStatus::NodesSkipped`]) instead of guessing; [`backward_with`] takes a
//! [`TimeDerivative`]: declared autonomous (exact zero), exact from a [`TimeVjp`] (for
//! [`crate::nn::MlpField`] use [`MlpTime`]: `t` acts like a bias shift, so `∂f/∂t` is one JVP),
//! or a central difference as the fallback. The other gradients never depend on this choice.
//!
//! # Cost and memory
//! `fit_vdp` model (2 → 32 → 32 → 2 tanh MLP, Dopri5 rtol 1e-6, 92 evaluations per forward
//! solve, 100 save times), one forward solve + loss + gradient, in forward solves
//! (`valgrind --tool=callgrind` instruction counts of `examples/adjoint_profile.rs`; wall-time
//! ratios in `docs/performance.md`): `Discrete` 3.0 (4.2 before evaluation records),
//! `DiscreteStored` 2.1, `Backsolve` 15.0 (the adjoint restarts at each of the 100 save
//! times, one backward step per interval, against 15 forward steps). Per-step storage: the
//! tape's one state (`Discrete`, `Continuous`), plus `S·(D + record)` scalars
//! (`DiscreteStored`; ≈ 7.6 KB per step here), none (`Backsolve`). Backward passes allocate a
//! fixed number of buffers (θ's gradient, stage records or a record ring, VJP cache), never
//! per step.
//!
//! # Which one
//! The discrete adjoint is exact for what was computed (what an optimizer sees), includes the
//! tableau, and is cheaper here: the default; `DiscreteStored` when the steps are few enough
//! to store their stages. The continuous adjoints are the gradient of the ODE itself to within
//! the tolerance; the interpolated one needs the same tape, `Backsolve` needs no tape (long
//! solves with few save times, where memory matters) but trusts the backward integration.
//!
//! ```
//! use nodal::sensitivity::{backward, record};
//! use nodal::{ParamField, State, Stepping, Tableau, VectorField};
//! // y' = λ y, θ = [λ]; L = y(1)  ⇒  dL/dλ = y0·e^λ, dL/dy0 = e^λ.
//! struct Lin([f64; 1]);
//! impl VectorField<1> for Lin {
//!     fn eval(&self, _t: f64, y: &State<1>) -> State<1> { y * self.0[0] }
//! }
//! impl ParamField<1> for Lin {
//!     fn params(&self) -> &[f64] { &self.0 }
//!     fn params_mut(&mut self) -> &mut [f64] { &mut self.0 }
//!     fn vjp(&self, _t: f64, y: &State<1>, w: &State<1>, gy: &mut State<1>, gp: &mut [f64]) {
//!         *gy += w * self.0[0];
//!         gp[0] += w.dot(y);
//!     }
//! }
//! let (f, tab) = (Lin([-0.5]), Tableau::dopri5());
//! let tape = record(&tab, &f, 0.0, State::<1>::new(2.0), &[1.0],
//!                   &Stepping::Adaptive(nodal::Adaptive::with_tol(1e-10, 1e-12)))?;
//! let g = backward(&tape, &tab, &f, &[State::<1>::new(1.0)])?;
//! assert!((g.params[0] - 2.0 * (-0.5f64).exp()).abs() < 1e-8);
//! assert!((g.y0[0] - (-0.5f64).exp()).abs() < 1e-8);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod backsolve;
mod continuous;
mod discrete;
mod error;
mod gradient;
mod stage_records;
mod stage_reverse;
mod stages;
mod tape;
mod time;

pub use backsolve::backsolve;
pub use continuous::{backward_continuous, backward_continuous_with};
pub use discrete::{backward, backward_with};
pub use error::{GradientError, SensitivityError};
pub use gradient::{gradient, gradient_with, GradientOptions, Sensitivity};
pub(crate) use stage_reverse::stage_reverse;
pub use stages::{backward_stages, record_stages, StageTape};
pub use tape::{record, replay, SavePoint, StepGrid, Tape};
pub use time::{MlpTime, TimeDerivative, TimeVjp};

use crate::State;
use nalgebra::RealField;

/// `∂L/∂(A, b, c)` of a tableau. Only the strict lower triangle of `a` is meaningful (the rest
/// is zero).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TableauGrad<const S: usize, T = f64> {
    /// `∂L/∂a_ij`.
    pub a: [[T; S]; S],
    /// `∂L/∂b_i`.
    pub b: [T; S],
    /// `∂L/∂c_i`.
    pub c: [T; S],
}

impl<const S: usize, T: RealField + Copy> TableauGrad<S, T> {
    /// All zeros.
    pub fn zeros() -> Self {
        Self {
            a: [[T::zero(); S]; S],
            b: [T::zero(); S],
            c: [T::zero(); S],
        }
    }
}

/// How complete [`Gradients::tableau`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum TableauGradStatus {
    /// `a`, `b`, `c` are all exact derivatives of the discrete solve.
    Complete,
    /// `a`, `b` exact; `c` from central differences of `f` in `t`
    /// ([`TimeDerivative::CentralDifference`]).
    NodesByCentralDifference,
    /// `a`, `b` exact; `c` is NaN because `∂f/∂t` was not available
    /// ([`TimeDerivative::Skip`], the default of [`backward`]).
    NodesSkipped,
    /// Not computed (continuous adjoint: it differentiates the exact flow, which does not
    /// depend on the tableau); all entries NaN.
    NotComputed,
}

/// Gradients of a loss with respect to the initial state, θ and the tableau.
#[derive(Clone, Debug, PartialEq)]
pub struct Gradients<const S: usize, const D: usize, T = f64> {
    /// `∂L/∂y0`.
    pub y0: State<D, T>,
    /// `∂L/∂θ` (length `field.params().len()`).
    pub params: Vec<T>,
    /// `∂L/∂(A, b, c)`; see [`Gradients::tableau_status`] for what is filled in.
    pub tableau: TableauGrad<S, T>,
    /// Which tableau entries are meaningful.
    pub tableau_status: TableauGradStatus,
}

impl<const S: usize, const D: usize, T: RealField + Copy> Gradients<S, D, T> {
    /// Zero gradients for `n_params` parameters (status `Complete`), to accumulate into.
    pub fn zeros(n_params: usize) -> Self {
        Self {
            y0: State::<D, T>::zeros(),
            params: vec![T::zero(); n_params],
            tableau: TableauGrad::zeros(),
            tableau_status: TableauGradStatus::Complete,
        }
    }

    /// Add `other` (e.g. the gradient of another trajectory of a batch) to `self`. The status
    /// becomes the weaker of the two.
    ///
    /// # Errors
    /// [`SensitivityError::ParamLength`] if the parameter vectors differ in length.
    pub fn accumulate(&mut self, other: &Self) -> Result<(), SensitivityError> {
        if other.params.len() != self.params.len() {
            return Err(SensitivityError::ParamLength {
                what: "accumulated gradient",
                expected: self.params.len(),
                got: other.params.len(),
            });
        }
        self.y0 += other.y0;
        for (a, b) in self.params.iter_mut().zip(&other.params) {
            *a += *b;
        }
        for i in 0..S {
            for j in 0..S {
                self.tableau.a[i][j] += other.tableau.a[i][j];
            }
            self.tableau.b[i] += other.tableau.b[i];
            self.tableau.c[i] += other.tableau.c[i];
        }
        self.tableau_status = self.tableau_status.max(other.tableau_status);
        Ok(())
    }

    /// Multiply every entry by `s` (e.g. `1/batch`).
    pub fn scale(&mut self, s: T) {
        self.y0 *= s;
        for p in &mut self.params {
            *p *= s;
        }
        for i in 0..S {
            for j in 0..S {
                self.tableau.a[i][j] *= s;
            }
            self.tableau.b[i] *= s;
            self.tableau.c[i] *= s;
        }
    }
}
