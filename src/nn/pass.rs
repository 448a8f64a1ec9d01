//! Forward pass, reverse-mode VJP and forward-mode JVP of an [`Mlp`], on a preallocated
//! workspace (no heap allocation per call).

use super::error::NnError;
use super::mlp::{Layer, Mlp};
use nalgebra::RealField;
use std::sync::TryLockError;

/// Scratch space of one network, sized once from its widths.
#[derive(Clone, Debug)]
pub(crate) struct Workspace<T> {
    /// Layer inputs/outputs back to back: `a₀ = y (d_in)`, `a₁ (h₁)`, …, `a_L (d_out)`.
    acts: Vec<T>,
    /// Pre-activations `z₁ … z_L` back to back.
    pre: Vec<T>,
    /// Two ping-pong buffers of the largest width (adjoints in VJP, tangents in JVP).
    g0: Vec<T>,
    g1: Vec<T>,
}

impl<T: RealField + Copy> Workspace<T> {
    /// Scratch for widths `[d_in, …, d_out]` (assumed validated).
    pub(crate) fn new(widths: &[usize]) -> Self {
        let total: usize = widths.iter().sum();
        let max = widths.iter().copied().max().unwrap_or(0);
        Workspace {
            acts: vec![T::zero(); total],
            pre: vec![T::zero(); total - widths.first().copied().unwrap_or(0)],
            g0: vec![T::zero(); max],
            g1: vec![T::zero(); max],
        }
    }
}

/// `Σ a_j b_j` with four partial sums (lets the compiler vectorise for `f64`).
#[inline(always)]
fn dot<T: RealField + Copy>(a: &[T], b: &[T]) -> T {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut s = [T::zero(); 4];
    let ca = a.chunks_exact(4);
    let cb = b.chunks_exact(4);
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        s[0] += x[0] * y[0];
        s[1] += x[1] * y[1];
        s[2] += x[2] * y[2];
        s[3] += x[3] * y[3];
    }
    let mut tail = T::zero();
    for (x, y) in ra.iter().zip(rb) {
        tail += *x * *y;
    }
    (s[0] + s[1]) + (s[2] + s[3]) + tail
}

/// `y += α x`.
#[inline(always)]
fn axpy<T: RealField + Copy>(alpha: T, x: &[T], y: &mut [T]) {
    for (yi, &xi) in y.iter_mut().zip(x) {
        *yi += alpha * xi;
    }
}

fn check(what: &'static str, expected: usize, got: usize) -> Result<(), NnError> {
    if expected == got {
        Ok(())
    } else {
        Err(NnError::Dimension {
            what,
            expected,
            got,
        })
    }
}

impl<T: RealField + Copy> Mlp<T> {
    /// Forward pass filling `acts` (layer inputs/outputs back to back, as [`Workspace::acts`])
    /// and `pre` (pre-activations). `y.len() == d_in` and the buffer lengths are the caller's
    /// duty.
    fn forward(&self, acts: &mut [T], pre: &mut [T], t: T, y: &[T]) {
        let d_in = self.widths[0];
        acts[..d_in].copy_from_slice(&y[..d_in]);
        for ly in &self.layers {
            let Layer {
                n_in,
                n_out,
                cols,
                w_off,
                b_off,
                in_off,
                out_off,
                pre_off,
                act,
            } = *ly;
            let (lo, hi) = acts.split_at_mut(out_off);
            let x = &lo[in_off..in_off + n_in];
            let out = &mut hi[..n_out];
            let pre = &mut pre[pre_off..pre_off + n_out];
            let w = &self.params[w_off..b_off];
            let b = &self.params[b_off..b_off + n_out];
            for (i, ((zi, ai), &bi)) in pre.iter_mut().zip(out.iter_mut()).zip(b).enumerate() {
                let row = &w[i * cols..(i + 1) * cols];
                let mut s = bi + dot(&row[..n_in], x);
                if self.time_input {
                    s += row[n_in] * t;
                }
                *zi = s;
                *ai = act.value(s);
            }
        }
    }

    /// Length of an evaluation record: the activations and pre-activations of one forward
    /// pass (`2·Σ widths − d_in` scalars).
    pub(crate) fn record_len(&self) -> usize {
        let total: usize = self.widths.iter().sum();
        2 * total - self.widths[0]
    }

    /// Offset of the network output in `ws.acts`.
    fn out_off(&self) -> usize {
        self.layers[self.layers.len() - 1].out_off
    }

    /// Run `f` with the network's workspace. Uncontended (the normal case: one thread per
    /// network) this is one atomic compare-and-swap and no allocation. If another thread is
    /// using the workspace right now, `f` gets a fresh temporary one instead (correct, but it
    /// allocates): clone one network per thread for allocation-free parallel use. A poisoned
    /// lock is harmless, the workspace holds no state between calls.
    #[inline]
    fn with_workspace<R>(&self, f: impl FnOnce(&mut Workspace<T>) -> R) -> R {
        match self.ws.try_lock() {
            Ok(mut guard) => f(&mut guard),
            Err(TryLockError::Poisoned(p)) => f(&mut p.into_inner()),
            Err(TryLockError::WouldBlock) => f(&mut Workspace::new(&self.widths)),
        }
    }

    /// `out = f(t, y)`; lengths are the caller's duty.
    pub(crate) fn eval_unchecked(&self, t: T, y: &[T], out: &mut [T]) {
        self.with_workspace(|ws| {
            self.forward(&mut ws.acts, &mut ws.pre, t, y);
            let o = self.out_off();
            let d_out = self.d_out();
            out[..d_out].copy_from_slice(&ws.acts[o..o + d_out]);
        })
    }

    /// `gy += wᵀ ∂f/∂y`, `gp += wᵀ ∂f/∂θ`; lengths are the caller's duty.
    pub(crate) fn vjp_unchecked(&self, t: T, y: &[T], w: &[T], gy: &mut [T], gp: &mut [T]) {
        self.with_workspace(|ws| self.vjp_ws(ws, t, y, w, gy, gp))
    }

    fn vjp_ws(&self, ws: &mut Workspace<T>, t: T, y: &[T], w: &[T], gy: &mut [T], gp: &mut [T]) {
        self.forward(&mut ws.acts, &mut ws.pre, t, y);
        self.backward(&ws.acts, &ws.pre, &mut ws.g0, &mut ws.g1, t, w, gy, gp);
    }

    /// `out = f(t, y)`, keeping the forward pass's activations in `rec` (length
    /// [`record_len`](Self::record_len)) for [`vjp_recorded_unchecked`](Self::vjp_recorded_unchecked).
    /// Lengths are the caller's duty. Needs no workspace.
    pub(crate) fn eval_recorded_unchecked(&self, t: T, y: &[T], out: &mut [T], rec: &mut [T]) {
        let total: usize = self.widths.iter().sum();
        let (acts, pre) = rec.split_at_mut(total);
        self.forward(acts, pre, t, y);
        let o = self.out_off();
        let d_out = self.d_out();
        out[..d_out].copy_from_slice(&acts[o..o + d_out]);
    }

    /// `gy += wᵀ ∂f/∂y`, `gp += wᵀ ∂f/∂θ` at the point whose forward pass `rec` holds (as
    /// written by [`eval_recorded_unchecked`](Self::eval_recorded_unchecked) with the current
    /// θ): the reverse sweep only, no forward pass. Lengths are the caller's duty.
    pub(crate) fn vjp_recorded_unchecked(
        &self,
        t: T,
        rec: &[T],
        w: &[T],
        gy: &mut [T],
        gp: &mut [T],
    ) {
        let total: usize = self.widths.iter().sum();
        let (acts, pre) = rec.split_at(total);
        self.with_workspace(|ws| self.backward(acts, pre, &mut ws.g0, &mut ws.g1, t, w, gy, gp))
    }

    /// The reverse sweep of a VJP given the forward pass's `acts` and `pre`; `g0`, `g1` are
    /// scratch of the largest width.
    #[allow(clippy::too_many_arguments)]
    fn backward(
        &self,
        acts: &[T],
        pre: &[T],
        g0: &mut [T],
        g1: &mut [T],
        t: T,
        w: &[T],
        gy: &mut [T],
        gp: &mut [T],
    ) {
        let d_out = self.d_out();
        g0[..d_out].copy_from_slice(&w[..d_out]);
        let (mut g, mut gn) = (g0, g1);
        for (l, ly) in self.layers.iter().enumerate().rev() {
            let Layer {
                n_in,
                n_out,
                cols,
                w_off,
                b_off,
                in_off,
                out_off,
                pre_off,
                act,
            } = *ly;
            let x = &acts[in_off..in_off + n_in];
            let a = &acts[out_off..out_off + n_out];
            let z = &pre[pre_off..pre_off + n_out];
            // δ = g ⊙ σ'(z), in place.
            for ((gi, &zi), &ai) in g[..n_out].iter_mut().zip(z).zip(a) {
                *gi *= act.derivative_with_value(zi, ai);
            }
            let wmat = &self.params[w_off..b_off];
            let (gw, gb) = gp[w_off..b_off + n_out].split_at_mut(b_off - w_off);
            let target: &mut [T] = if l == 0 {
                &mut gy[..n_in]
            } else {
                &mut gn[..n_in]
            };
            if l != 0 {
                target.iter_mut().for_each(|v| *v = T::zero());
            }
            // Two rows at a time: `x` and `target` are loaded once per pair (a quarter fewer
            // memory operations than row by row).
            let mut i = 0;
            while i + 1 < n_out {
                let (d0, d1) = (g[i], g[i + 1]);
                gb[i] += d0;
                gb[i + 1] += d1;
                let (g0, g1) = gw[i * cols..(i + 2) * cols].split_at_mut(cols);
                let (w0, w1) = (&wmat[i * cols..i * cols + n_in], &wmat[(i + 1) * cols..]);
                for (((((tj, &xj), &w0j), &w1j), g0j), g1j) in target
                    .iter_mut()
                    .zip(x)
                    .zip(w0)
                    .zip(&w1[..n_in])
                    .zip(g0[..n_in].iter_mut())
                    .zip(g1[..n_in].iter_mut())
                {
                    *g0j += d0 * xj;
                    *g1j += d1 * xj;
                    *tj += d0 * w0j + d1 * w1j;
                }
                if self.time_input {
                    g0[n_in] += d0 * t;
                    g1[n_in] += d1 * t;
                }
                i += 2;
            }
            if i < n_out {
                let d = g[i];
                gb[i] += d;
                let grow = &mut gw[i * cols..(i + 1) * cols];
                axpy(d, x, &mut grow[..n_in]);
                if self.time_input {
                    grow[n_in] += d * t;
                }
                axpy(d, &wmat[i * cols..i * cols + n_in], target);
            }
            std::mem::swap(&mut g, &mut gn);
        }
    }

    /// `f = f(t, y)`, `jv = ∂f/∂y·v + ∂f/∂θ·u` (`u` omitted = 0); lengths are the caller's duty.
    pub(crate) fn jvp_unchecked(
        &self,
        t: T,
        y: &[T],
        v: &[T],
        u: Option<&[T]>,
        f: &mut [T],
        jv: &mut [T],
    ) {
        self.with_workspace(|ws| self.jvp_ws(ws, t, y, v, u, f, jv))
    }

    #[allow(clippy::too_many_arguments)]
    fn jvp_ws(
        &self,
        ws: &mut Workspace<T>,
        t: T,
        y: &[T],
        v: &[T],
        u: Option<&[T]>,
        f: &mut [T],
        jv: &mut [T],
    ) {
        self.forward(&mut ws.acts, &mut ws.pre, t, y);
        let d_in = self.d_in();
        ws.g0[..d_in].copy_from_slice(&v[..d_in]);
        let (mut x_dot, mut z_dot) = (&mut ws.g0, &mut ws.g1);
        for ly in &self.layers {
            let Layer {
                n_in,
                n_out,
                cols,
                w_off,
                b_off,
                in_off,
                out_off,
                pre_off,
                act,
            } = *ly;
            let x = &ws.acts[in_off..in_off + n_in];
            let a = &ws.acts[out_off..out_off + n_out];
            let z = &ws.pre[pre_off..pre_off + n_out];
            let wmat = &self.params[w_off..b_off];
            for i in 0..n_out {
                let mut s = dot(&wmat[i * cols..i * cols + n_in], &x_dot[..n_in]);
                if let Some(u) = u {
                    let urow = &u[w_off + i * cols..w_off + (i + 1) * cols];
                    s += u[b_off + i] + dot(&urow[..n_in], x);
                    if self.time_input {
                        s += urow[n_in] * t;
                    }
                }
                z_dot[i] = s * act.derivative_with_value(z[i], a[i]);
            }
            std::mem::swap(&mut x_dot, &mut z_dot);
        }
        let d_out = self.d_out();
        jv[..d_out].copy_from_slice(&x_dot[..d_out]);
        let o = self.out_off();
        f[..d_out].copy_from_slice(&ws.acts[o..o + d_out]);
    }

    /// Evaluate `out = f(t, y)` on runtime slices (for callers whose dimension is not a const
    /// generic, e.g. the collocation NLP). No heap allocation.
    ///
    /// Errors: [`NnError::Dimension`] if `y.len() != d_in` or `out.len() != d_out`.
    pub fn eval_slice(&self, t: T, y: &[T], out: &mut [T]) -> Result<(), NnError> {
        check("input y", self.d_in(), y.len())?;
        check("output", self.d_out(), out.len())?;
        self.eval_unchecked(t, y, out);
        Ok(())
    }

    /// Reverse mode: **add** `wᵀ ∂f/∂y` to `gy` and `wᵀ ∂f/∂θ` to `gp` (gradient accumulation
    /// over many evaluations needs no temporary). Recomputes the forward pass at `(t, y)`. No
    /// heap allocation; cost about 2–3 forward passes.
    ///
    /// Errors: [`NnError::Dimension`] for `y`, `w`, `gy` of the wrong length;
    /// [`NnError::ParamLength`] if `gp.len() != n_params()`.
    pub fn vjp_slice(
        &self,
        t: T,
        y: &[T],
        w: &[T],
        gy: &mut [T],
        gp: &mut [T],
    ) -> Result<(), NnError> {
        check("input y", self.d_in(), y.len())?;
        check("cotangent w", self.d_out(), w.len())?;
        check("gradient gy", self.d_in(), gy.len())?;
        if gp.len() != self.params.len() {
            return Err(NnError::ParamLength {
                expected: self.params.len(),
                got: gp.len(),
            });
        }
        self.vjp_unchecked(t, y, w, gy, gp);
        Ok(())
    }

    /// Forward mode (hand-written, no dual numbers): **overwrite** `f` with `f(t, y)` and `jv`
    /// with `∂f/∂y·v + ∂f/∂θ·u` (pass `u = None` for the state part only). No heap allocation;
    /// cost about 2 forward passes.
    ///
    /// Errors: [`NnError::Dimension`] for `y`, `v`, `f`, `jv` of the wrong length;
    /// [`NnError::ParamLength`] if `u` is given and `u.len() != n_params()`.
    pub fn jvp_slice(
        &self,
        t: T,
        y: &[T],
        v: &[T],
        u: Option<&[T]>,
        f: &mut [T],
        jv: &mut [T],
    ) -> Result<(), NnError> {
        check("input y", self.d_in(), y.len())?;
        check("tangent v", self.d_in(), v.len())?;
        check("output f", self.d_out(), f.len())?;
        check("output jv", self.d_out(), jv.len())?;
        if let Some(u) = u {
            if u.len() != self.params.len() {
                return Err(NnError::ParamLength {
                    expected: self.params.len(),
                    got: u.len(),
                });
            }
        }
        self.jvp_unchecked(t, y, v, u, f, jv);
        Ok(())
    }
}
