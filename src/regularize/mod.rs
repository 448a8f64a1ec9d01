//! Solver-heuristic regularization (Pal, Edelman & Rackauckas, ICML 2023; SCIENCE §2).
//!
//! Adaptive solvers estimate their local error and the stiffness at every step; adding these
//! estimates to the training loss steers a neural ODE toward dynamics that are cheap to solve.
//! The pieces compose (argmin style) so that a training loop adds `w(k)·R` to any loss:
//!
//! * [`StepRecorder`]: a [`crate::integrate::StepObserver`] for the forward solve; it keeps the
//!   accepted steps (start times for the biased sampler, dense output for `z(t_r)`, and the
//!   per-step terms `E_est·|h|`, `ρ·|h|` whose totals are the global regularizers' values).
//! * [`TimeSampler`]: [`Unbiased`] (`t_r ~ U[t0, t1]`) or [`Biased`] (uniform over accepted step
//!   start times), both seeded `ChaCha8`.
//! * [`OneStep`]: the one-step quantity `E_est·|h|` or `S_est·|h|` at `t_r` with `z(t_r)`, `k₁`
//!   and `h` (the automatic initial step at `t_r`, as the reference code obtains it) frozen,
//!   and its θ-gradient through stages `2..s`.
//! * [`Local`]: sampler + one-step quantity, implementing [`Regularizer`]; [`LocalOptions`]
//!   select labelled alternatives to the paper's definition (the accepted step instead of the
//!   initial one, [`StepChoice`]; `k₁` differentiated, [`FirstStage`]).
//! * [`Global`]: the sum (or mean) over all accepted steps of the same quantity, differentiated
//!   through the whole solve with the discrete adjoint ([`crate::sensitivity`]).
//! * [`OneStep::freeze_batch`], [`OneStep::batch_value_and_grad_frozen`]: the local
//!   regularizer over a whole batch as one state (one `t_r`, one `h`, one RMS norm), as the
//!   reference code evaluates it.
//! * [`Weight`]: constant or exponentially decaying weight `w(k)`.
//! * [`stage_vjp`]: the reverse pass through one step's stage equations (shared).
//!
//! ```
//! use nodal::integrate::solve_adaptive_with;
//! use nodal::nn::Mlp;
//! use nodal::regularize::{Local, OneStep, Regularizer, StepRecorder, Unbiased, Weight};
//! use nodal::{Adaptive, ParamField, State, Tableau};
//!
//! let f = Mlp::builder(&[2, 8, 2]).time_input(true).seed(1).build()?.into_field::<2>()?;
//! let tab = Tableau::tsit5();
//! let opts = Adaptive::with_tol(1e-6, 1e-8);
//! // Forward solve (the data loss would use its result), recording the accepted steps.
//! let mut rec = StepRecorder::new(&tab);
//! solve_adaptive_with(&tab, &f, 0.0, 1.0, State::<2>::new(1.0, 0.0), &opts, &mut rec)?;
//! // Local regularizer: one step at a uniformly sampled time, weight w(k).
//! let mut reg = Local::new(OneStep::error(opts.rtol, opts.atol), Unbiased::new(7));
//! let w = Weight::ExpDecay { w0: 2.5, w1: 1.0, iters: 100 }.at(0)?;
//! let mut grad = vec![0.0; f.params().len()]; // the data loss's gradient goes here too
//! let r = reg.value_and_grad(&tab, &f, &rec, w, &mut grad)?;
//! assert!(r.value > 0.0 && grad.iter().any(|g| *g != 0.0));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod batch;
mod error;
mod global;
mod local;
mod record;
mod reverse;
mod sampler;
mod schedule;

pub use error::RegularizeError;
pub use global::{Global, GlobalEval};
pub use local::{FirstStage, Frozen, LocalEval, OneStep, Quantity};
pub use record::{
    state_on_tape, tape_span, tape_step_starts, RecordedStep, Reduction, StepRecorder,
};
pub use reverse::stage_vjp;
pub use sampler::{Biased, TimeSampler, Unbiased};
pub use schedule::Weight;

use crate::sensitivity::Tape;
use crate::{ParamField, State, Tableau};
use nalgebra::RealField;

/// A regularization term `R(θ)` evaluated after a forward solve.
///
/// `value_and_grad` returns `R` (unweighted, with its sampled time and cost) and **adds**
/// `weight·∂R/∂θ` into `gp` (length `f.params().len()`), so a training loop computes its data
/// loss gradient into `gp` and then calls every regularizer with its weight `w(k)`.
pub trait Regularizer<const S: usize, const D: usize, T: RealField + Copy> {
    /// Evaluate after the forward solve recorded in `rec` (made with `tab` and `f`).
    ///
    /// # Errors
    /// Whatever the regularizer cannot evaluate, as a typed [`RegularizeError`].
    fn value_and_grad<F: ParamField<D, T> + ?Sized>(
        &mut self,
        tab: &Tableau<S, T>,
        f: &F,
        rec: &StepRecorder<S, D, T>,
        weight: T,
        gp: &mut [T],
    ) -> Result<LocalEval<T>, RegularizeError>;
}

/// Which step size the local regularizer's one step uses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum StepChoice {
    /// The automatic initial step at `t_r` ([`OneStep::freeze`]): the paper's definition.
    #[default]
    Initial,
    /// The accepted step of the forward solve that contains `t_r` (at most the remaining span
    /// `|t1 − t_r|`): the step the integrator actually takes there. A labelled option, not the
    /// paper's definition; with the biased sampler it repeats an accepted step exactly.
    Accepted,
}

/// Options of [`Local`] beyond the paper's definition. `Default` is the paper's
/// ([`StepChoice::Initial`], [`FirstStage::Frozen`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LocalOptions {
    /// Which step size.
    pub step: StepChoice,
    /// Whether `k₁` is differentiated.
    pub first_stage: FirstStage,
}

/// The local regularizer: sample `t_r` with `sampler`, take `z(t_r)` from the recorded solve
/// (dense output; exact at step starts), and evaluate [`OneStep`] there.
#[derive(Clone, Debug)]
pub struct Local<Sm, T = f64> {
    /// The one-step quantity (error or stiffness, tolerances).
    pub one_step: OneStep<T>,
    /// How `t_r` is drawn.
    pub sampler: Sm,
    /// Step size and first-stage options (default: the paper's definition).
    pub options: LocalOptions,
}

impl<Sm, T> Local<Sm, T> {
    /// Combine a one-step quantity with a sampler (the paper's definition).
    pub fn new(one_step: OneStep<T>, sampler: Sm) -> Self {
        Self {
            one_step,
            sampler,
            options: LocalOptions::default(),
        }
    }

    /// The same regularizer with other [`LocalOptions`].
    pub fn with_options(self, options: LocalOptions) -> Self {
        Self { options, ..self }
    }
}

impl<Sm, T: RealField + Copy> Local<Sm, T> {
    /// The one step at `t` from `z`; `accepted_h` is the step of the forward solve that
    /// contains `t` (used with [`StepChoice::Accepted`]).
    #[allow(clippy::too_many_arguments)]
    fn eval_at<const S: usize, const D: usize, F>(
        &self,
        tab: &Tableau<S, T>,
        f: &F,
        t: T,
        z: &State<D, T>,
        span: (T, T),
        accepted_h: T,
        weight: T,
        gp: &mut [T],
    ) -> Result<LocalEval<T>, RegularizeError>
    where
        F: ParamField<D, T> + ?Sized,
    {
        let one = &self.one_step;
        let fr = match self.options.step {
            StepChoice::Initial => one.freeze(tab, f, t, z, span)?,
            StepChoice::Accepted => {
                let rest = (span.1 - t).abs();
                let mag = if rest > T::zero() {
                    accepted_h.abs().min(rest)
                } else {
                    accepted_h.abs()
                };
                let h = if span.1 >= span.0 { mag } else { -mag };
                one.freeze_with_step(tab, f, t, z, span, h)?
            }
        };
        let value =
            one.value_and_grad_frozen_with(tab, f, &fr, self.options.first_stage, weight, gp)?;
        Ok(LocalEval {
            value,
            t,
            h: fr.h,
            nfe: fr.nfe + S - 1,
        })
    }
}

impl<const S: usize, const D: usize, T, Sm> Regularizer<S, D, T> for Local<Sm, T>
where
    T: RealField + Copy,
    Sm: TimeSampler<T>,
{
    fn value_and_grad<F: ParamField<D, T> + ?Sized>(
        &mut self,
        tab: &Tableau<S, T>,
        f: &F,
        rec: &StepRecorder<S, D, T>,
        weight: T,
        gp: &mut [T],
    ) -> Result<LocalEval<T>, RegularizeError> {
        self.one_step.check(tab)?;
        let (t0, t1) = rec.span().ok_or(RegularizeError::EmptyRecord)?;
        let t = self.sampler.sample(t0, t1, rec.step_starts())?;
        let z = rec.state_at(tab, t)?;
        let h = containing_step(rec.steps().iter().map(|s| (s.t, s.h)), t, t1 >= t0);
        self.eval_at(tab, f, t, &z, (t0, t1), h, weight, gp)
    }
}

impl<Sm, T: RealField + Copy> Local<Sm, T> {
    /// The local regularizer after a forward solve recorded as an adjoint [`Tape`] (what a
    /// training loop using [`crate::sensitivity`] already holds): `t_r` from the tape's step
    /// starts and span, `z(t_r)` from [`state_on_tape`]. With the same sampler state it draws
    /// the same `t_r` and returns the same value as [`Regularizer::value_and_grad`] on a
    /// [`StepRecorder`] of the same solve.
    ///
    /// # Errors
    /// As [`Regularizer::value_and_grad`].
    pub fn value_and_grad_on_tape<const S: usize, const D: usize, F>(
        &mut self,
        tab: &Tableau<S, T>,
        f: &F,
        tape: &Tape<S, D, T>,
        weight: T,
        gp: &mut [T],
    ) -> Result<LocalEval<T>, RegularizeError>
    where
        Sm: TimeSampler<T>,
        F: ParamField<D, T> + ?Sized,
    {
        self.one_step.check(tab)?;
        let (t0, t1) = tape_span(tape).ok_or(RegularizeError::EmptyRecord)?;
        let t = self.sampler.sample(t0, t1, &tape_step_starts(tape))?;
        let z = state_on_tape(tab, f, tape, t)?;
        let h = containing_step(tape.grid().steps.iter().copied(), t, t1 >= t0);
        self.eval_at(tab, f, t, &z, (t0, t1), h, weight, gp)
    }
}

/// The size `h` of the last step `(start, h)` whose start is at or before `t` in the
/// direction of integration (the first step if none; 0 for no steps).
fn containing_step<T: RealField + Copy>(
    steps: impl Iterator<Item = (T, T)>,
    t: T,
    forward: bool,
) -> T {
    let mut h = T::zero();
    for (i, (s, hs)) in steps.enumerate() {
        let reached = if forward { t >= s } else { t <= s };
        if i > 0 && !reached {
            break;
        }
        h = hs;
    }
    h
}
