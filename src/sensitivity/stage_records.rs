//! Evaluation records of one step's stages, so that the discrete adjoint's VJPs skip the
//! forward pass that its stage recomputation has just done (see
//! [`ParamField::eval_recorded`](crate::ParamField::eval_recorded)).

use crate::{ParamField, State, VectorField};
use nalgebra::RealField;
use std::cell::{Cell, RefCell};

/// A carried first stage: its time, state and value `f(t, y)`.
type Carried<const D: usize, T> = (T, State<D, T>, State<D, T>);

/// One record slot per stage plus a carry slot, allocated once per backward pass.
///
/// Used as the field of [`crate::step::step`] (the one stage kernel): the kernel evaluates the
/// stages of an explicit method in order `0, 1, …, S−1`, so evaluation number `i` of a step is
/// stage `i` and its record goes to slot `i`. An evaluation at exactly the carried point
/// `(t, y)` (an FSAL step's last stage is the next step's first stage, which the backward pass
/// recomputed just before) returns the carried value and record without evaluating `f`.
pub(crate) struct StageRecords<'a, const S: usize, const D: usize, T, F: ?Sized> {
    f: &'a F,
    len: usize,
    buf: RefCell<Vec<T>>,
    next: Cell<usize>,
    carry: Cell<Option<Carried<D, T>>>,
}

impl<'a, const S: usize, const D: usize, T, F> StageRecords<'a, S, D, T, F>
where
    T: RealField + Copy,
    F: ParamField<D, T> + ?Sized,
{
    /// Slots for `f`'s records (no allocation if `f` keeps none).
    pub(crate) fn new(f: &'a F) -> Self {
        let len = f.record_len();
        Self {
            f,
            len,
            buf: RefCell::new(if len == 0 {
                Vec::new()
            } else {
                vec![T::zero(); (S + 1) * len]
            }),
            next: Cell::new(0),
            carry: Cell::new(None),
        }
    }

    /// Start a new step: the next evaluation is stage 0.
    pub(crate) fn begin_step(&self) {
        self.next.set(0);
    }

    /// Whether the step just recomputed left one record per stage.
    pub(crate) fn complete(&self) -> bool {
        self.len > 0 && self.next.get() == S
    }

    /// Keep stage 0 of the step just recomputed, `f(t, y) = k0`, for the previous step's last
    /// stage.
    pub(crate) fn carry_first_stage(&self, t: T, y: &State<D, T>, k0: &State<D, T>) {
        if !self.complete() {
            self.carry.set(None);
            return;
        }
        let len = self.len;
        self.buf.borrow_mut().copy_within(0..len, S * len);
        self.carry.set(Some((t, *y, *k0)));
    }

    /// `wᵀ∂f` at stage `i` `(tau, g)` of the step just recomputed, from its record when there
    /// is one.
    pub(crate) fn vjp(
        &self,
        i: usize,
        tau: T,
        g: &State<D, T>,
        w: &State<D, T>,
        gy: &mut State<D, T>,
        gp: &mut [T],
    ) {
        if self.complete() {
            let len = self.len;
            let buf = self.buf.borrow();
            self.f
                .vjp_recorded(tau, g, &buf[i * len..(i + 1) * len], w, gy, gp);
        } else {
            self.f.vjp(tau, g, w, gy, gp);
        }
    }
}

impl<const S: usize, const D: usize, T, F> VectorField<D, T> for StageRecords<'_, S, D, T, F>
where
    T: RealField + Copy,
    F: ParamField<D, T> + ?Sized,
{
    fn eval(&self, t: T, y: &State<D, T>) -> State<D, T> {
        let i = self.next.get();
        self.next.set(i + 1);
        if self.len == 0 || i >= S {
            return self.f.eval(t, y);
        }
        let len = self.len;
        let mut buf = self.buf.borrow_mut();
        if let Some((tc, yc, kc)) = self.carry.get() {
            if i + 1 == S && tc == t && yc == *y {
                buf.copy_within(S * len..(S + 1) * len, i * len);
                return kc;
            }
        }
        self.f.eval_recorded(t, y, &mut buf[i * len..(i + 1) * len])
    }
}
