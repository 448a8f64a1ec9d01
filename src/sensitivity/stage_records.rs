//! Evaluation records of one step's stages, so that the discrete adjoint's VJPs skip the
//! forward pass that its stage recomputation has just done (see
//! [`ParamField::eval_recorded`](crate::ParamField::eval_recorded)).

use crate::step::{step, StepConfig, Workspace};
use crate::{ParamField, State, Tableau, VectorField};
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

/// Where the discrete adjoint gets a step's stages from: recomputed ([`Recompute`]) or stored
/// on a [`super::StageTape`].
pub(crate) trait StageSource<const S: usize, const D: usize, T: RealField + Copy> {
    /// The stage derivatives `k` of step `n`, which starts at `(t, y)` with size `h`.
    fn load(&mut self, n: usize, t: T, y: &State<D, T>, h: T) -> [State<D, T>; S];
    /// Accumulate `wᵀ∂f` at stage `i` `(tau, g)` of the step last loaded.
    #[allow(clippy::too_many_arguments)]
    fn vjp(
        &self,
        i: usize,
        tau: T,
        g: &State<D, T>,
        w: &State<D, T>,
        gy: &mut State<D, T>,
        gp: &mut [T],
    );
    /// The backward pass is done with the step last loaded, whose first stage is `k0` at
    /// `(t, y)`.
    fn finish(&mut self, t: T, y: &State<D, T>, k0: &State<D, T>);
}

/// Stages recomputed with the one stage kernel, [`crate::step::step`], keeping their
/// evaluation records: the memory-lean default (one state per step on the tape).
pub(crate) struct Recompute<'a, const S: usize, const D: usize, T: RealField + Copy, F: ?Sized> {
    tab: &'a Tableau<S, T>,
    rec: StageRecords<'a, S, D, T, F>,
    ws: Workspace<S, D, T>,
}

impl<'a, const S: usize, const D: usize, T, F> Recompute<'a, S, D, T, F>
where
    T: RealField + Copy,
    F: ParamField<D, T> + ?Sized,
{
    /// Scratch for recomputing the steps of `tab` with `f` (one allocation for the records).
    pub(crate) fn new(tab: &'a Tableau<S, T>, f: &'a F) -> Self {
        Self {
            tab,
            rec: StageRecords::new(f),
            ws: Workspace::new(),
        }
    }
}

impl<const S: usize, const D: usize, T, F> StageSource<S, D, T> for Recompute<'_, S, D, T, F>
where
    T: RealField + Copy,
    F: ParamField<D, T> + ?Sized,
{
    fn load(&mut self, _n: usize, t: T, y: &State<D, T>, h: T) -> [State<D, T>; S] {
        self.ws.k1_ready = false;
        self.rec.begin_step();
        step(
            self.tab,
            &self.rec,
            t,
            y,
            h,
            StepConfig::default(),
            &mut self.ws,
        );
        self.ws.k
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
        self.rec.vjp(i, tau, g, w, gy, gp)
    }

    fn finish(&mut self, t: T, y: &State<D, T>, k0: &State<D, T>) {
        self.rec.carry_first_stage(t, y, k0)
    }
}

/// The most recent evaluations of a solve, keyed by their exact `(t, y)`.
struct Ring<const D: usize, T> {
    keys: Vec<(T, State<D, T>)>,
    recs: Vec<T>,
    next: usize,
}

/// A field as a forward (or backward) solve sees it: every evaluation goes through
/// [`ParamField::eval_recorded`] into a ring of the last few evaluation records, so that a VJP
/// taken later at one of these points can use [`ParamField::vjp_recorded`]. Allocates once
/// (nothing if the field keeps no records).
pub(crate) struct Capture<'a, const D: usize, T, F: ?Sized> {
    f: &'a F,
    len: usize,
    ring: RefCell<Ring<D, T>>,
}

impl<'a, const D: usize, T, F> Capture<'a, D, T, F>
where
    T: RealField + Copy,
    F: ParamField<D, T> + ?Sized,
{
    /// A ring of `slots` records of `f`.
    pub(crate) fn new(f: &'a F, slots: usize) -> Self {
        let len = f.record_len();
        let slots = if len == 0 { 0 } else { slots.max(1) };
        let nan = T::zero() / T::zero();
        Self {
            f,
            len,
            ring: RefCell::new(Ring {
                keys: vec![(nan, State::<D, T>::zeros()); slots],
                recs: vec![T::zero(); slots * len],
                next: 0,
            }),
        }
    }

    /// Call `fun` with the record of the most recent evaluation at exactly `(t, y)`, or `None`.
    pub(crate) fn with_record<R>(
        &self,
        t: T,
        y: &State<D, T>,
        fun: impl FnOnce(Option<&[T]>) -> R,
    ) -> R {
        let ring = self.ring.borrow();
        let n = ring.keys.len();
        let len = self.len;
        let found = (1..=n)
            .map(|back| (ring.next + n - back) % n)
            .find(|&s| ring.keys[s].0 == t && ring.keys[s].1 == *y);
        fun(found.map(|s| &ring.recs[s * len..(s + 1) * len]))
    }

    /// `wᵀ∂f` at `(t, y)`: from the ring's record when `(t, y)` was evaluated recently, else a
    /// plain [`ParamField::vjp`].
    pub(crate) fn vjp(
        &self,
        t: T,
        y: &State<D, T>,
        w: &State<D, T>,
        gy: &mut State<D, T>,
        gp: &mut [T],
    ) {
        self.with_record(t, y, |r| match r {
            Some(r) => self.f.vjp_recorded(t, y, r, w, gy, gp),
            None => self.f.vjp(t, y, w, gy, gp),
        })
    }
}

impl<const D: usize, T, F> VectorField<D, T> for Capture<'_, D, T, F>
where
    T: RealField + Copy,
    F: ParamField<D, T> + ?Sized,
{
    fn eval(&self, t: T, y: &State<D, T>) -> State<D, T> {
        if self.len == 0 {
            return self.f.eval(t, y);
        }
        let mut ring = self.ring.borrow_mut();
        let slot = ring.next;
        ring.next = (slot + 1) % ring.keys.len();
        ring.keys[slot] = (t, *y);
        let len = self.len;
        self.f
            .eval_recorded(t, y, &mut ring.recs[slot * len..(slot + 1) * len])
    }
}
