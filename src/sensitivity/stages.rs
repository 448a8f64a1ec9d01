//! A tape that also stores every accepted step's stages (and the field's evaluation records),
//! so that the discrete adjoint recomputes nothing: the memory-for-time option.

use super::discrete::{backward_core, check_inputs};
use super::error::SensitivityError;
use super::stage_records::{Capture, StageSource};
use super::tape::{record_hooked, Tape};
use super::time::TimeDerivative;
use super::Gradients;
use crate::integrate::Accepted;
use crate::step::stage_state;
use crate::{ParamField, SolveError, State, Stepping, Tableau, Trajectory};
use nalgebra::RealField;

/// A [`Tape`] plus, for every accepted step, its `S` stage derivatives and the field's
/// evaluation record of each stage ([`ParamField::eval_recorded`]; e.g. an MLP's activations).
///
/// Recorded by [`record_stages`], differentiated by [`backward_stages`]: the same exact
/// discrete adjoint as [`super::backward_with`], without recomputing any stage (no forward
/// evaluation in the backward pass; each VJP is the field's reverse sweep only).
///
/// # Memory
/// Per accepted step `S·D` scalars for the stages plus `S·`[`ParamField::record_len`] for the
/// records, on top of the plain tape's `D`: for the 2 → 32 → 32 → 2 MLP with Dopri5,
/// `7·(2 + 134)` scalars ≈ 7.6 KB per step, against 16 B. Use it when steps are few (training
/// on short trajectories); the plain [`Tape`] when memory matters.
#[derive(Clone, Debug)]
pub struct StageTape<const S: usize, const D: usize, T: RealField + Copy = f64> {
    tape: Tape<S, D, T>,
    /// `ks[n]`: the stages of step `n`.
    ks: Vec<[State<D, T>; S]>,
    /// Scalars per evaluation record (0: the field keeps none).
    len: usize,
    /// Records of step `n`, stage `i` at `(n·S + i)·len`.
    records: Vec<T>,
    /// Stage records not found among the recording solve's evaluations (evaluated again when
    /// the step was accepted; rare: after several rejections in a row).
    misses: usize,
}

impl<const S: usize, const D: usize, T: RealField + Copy> StageTape<S, D, T> {
    /// The plain tape (states, grid, trajectory).
    pub fn tape(&self) -> &Tape<S, D, T> {
        &self.tape
    }
    /// Take the saved trajectory out.
    pub fn into_trajectory(self) -> Trajectory<D, T> {
        self.tape.into_trajectory()
    }
    /// Bytes held per step in total: the plain tape's plus the stages and records.
    pub fn memory_bytes(&self) -> usize {
        self.tape.memory_bytes()
            + self.ks.len() * std::mem::size_of::<[State<D, T>; S]>()
            + self.records.len() * std::mem::size_of::<T>()
    }
    /// How many stage records had to be evaluated again at acceptance because the recording
    /// solve's own evaluation was no longer in its small ring buffer (each costs one extra
    /// evaluation during recording).
    pub fn record_misses(&self) -> usize {
        self.misses
    }
}

/// Solve like [`super::record`] (same steps, same saved states) and store, besides the tape,
/// every accepted step's stages and their evaluation records: a [`StageTape`] for
/// [`backward_stages`].
///
/// Cost over [`super::record`]: the records are written during the solve (a copy of each
/// evaluation's activations into a ring of `2S + 2` slots) and copied to the tape per accepted
/// step. A stage whose evaluation has left the ring (several rejections in a row) is evaluated
/// again at acceptance ([`StageTape::record_misses`]).
///
/// # Errors
/// Everything [`crate::solve_at`] reports.
pub fn record_stages<const S: usize, const D: usize, T, F>(
    tab: &Tableau<S, T>,
    f: &F,
    t0: T,
    y0: State<D, T>,
    times: &[T],
    stepping: &Stepping<T>,
) -> Result<StageTape<S, D, T>, SolveError>
where
    T: RealField + Copy,
    F: ParamField<D, T> + ?Sized,
{
    let len = f.record_len();
    let cap = Capture::new(f, 2 * S + 2);
    let mut ks = Vec::new();
    let mut records = Vec::new();
    let mut misses = 0;
    let hook = |st: &Accepted<'_, S, D, T>| {
        ks.push(*st.k);
        if len == 0 {
            return;
        }
        for i in 0..S {
            let g = stage_state(tab, st.y, st.h, st.k, i);
            let tau = st.t + tab.c[i] * st.h;
            let at = records.len();
            let found = cap.with_record(tau, &g, |r| match r {
                Some(r) => {
                    records.extend_from_slice(r);
                    true
                }
                None => false,
            });
            if !found {
                misses += 1;
                records.resize(at + len, T::zero());
                f.eval_recorded(tau, &g, &mut records[at..]);
            }
        }
    };
    let tape = record_hooked(tab, &cap, t0, y0, times, stepping, hook)?;
    Ok(StageTape {
        tape,
        ks,
        len,
        records,
        misses,
    })
}

/// The stored stages of a [`StageTape`].
struct Stored<'a, const S: usize, const D: usize, T: RealField + Copy, F: ?Sized> {
    st: &'a StageTape<S, D, T>,
    f: &'a F,
    n: usize,
}

impl<const S: usize, const D: usize, T, F> StageSource<S, D, T> for Stored<'_, S, D, T, F>
where
    T: RealField + Copy,
    F: ParamField<D, T> + ?Sized,
{
    fn load(&mut self, n: usize, _t: T, _y: &State<D, T>, _h: T) -> [State<D, T>; S] {
        self.n = n;
        self.st.ks[n]
    }

    fn vjp(
        &self,
        i: usize,
        tau: T,
        g: &State<D, T>,
        w: &State<D, T>,
        gy: &mut State<D, T>,
        gp: &mut [T],
    ) {
        let len = self.st.len;
        if len == 0 {
            self.f.vjp(tau, g, w, gy, gp);
        } else {
            let at = (self.n * S + i) * len;
            self.f
                .vjp_recorded(tau, g, &self.st.records[at..at + len], w, gy, gp);
        }
    }

    fn finish(&mut self, _t: T, _y: &State<D, T>, _k0: &State<D, T>) {}
}

/// The discrete adjoint of [`super::backward_with`] on a [`StageTape`]: the same exact
/// gradients (to rounding), with the stages and evaluation records read from the tape instead
/// of recomputed. Per step only the VJPs remain (for an MLP: reverse sweeps only).
///
/// `f` must be the field (same θ) the tape was recorded with: the records are its forward
/// passes.
///
/// # Errors
/// As [`super::backward_with`]; [`SensitivityError::ParamLength`] if the tape's records do not
/// fit `f` (a different field).
pub fn backward_stages<const S: usize, const D: usize, T, F>(
    st: &StageTape<S, D, T>,
    tab: &Tableau<S, T>,
    f: &F,
    dl_dy: &[State<D, T>],
    time: TimeDerivative<'_, D, T>,
) -> Result<Gradients<S, D, T>, SensitivityError>
where
    T: RealField + Copy,
    F: ParamField<D, T> + ?Sized,
{
    check_inputs(&st.tape, tab, dl_dy)?;
    if f.record_len() != st.len {
        return Err(SensitivityError::ParamLength {
            what: "evaluation record of the field vs the stage tape's",
            expected: st.len,
            got: f.record_len(),
        });
    }
    let mut src = Stored { st, f, n: 0 };
    backward_core(&st.tape, tab, f, dl_dy, time, &mut src)
}
