//! Vector fields: the right-hand side `f(t, y)` of `y' = f(t, y)`.
//!
//! Any closure `Fn(T, &State<D, T>) -> State<D, T>` is a [`VectorField`]. Fields with trainable
//! parameters implement [`ParamField`], which adds the reverse-mode vector–Jacobian product that
//! the discrete and continuous adjoints need.

use crate::State;
use nalgebra::RealField;

/// The right-hand side of an ODE `y' = f(t, y)` on `D` states with scalar `T`.
///
/// Implementations must not allocate on the heap in `eval` if the solve is to stay
/// allocation-free (the solvers themselves never allocate).
pub trait VectorField<const D: usize, T = f64> {
    /// Evaluate `f(t, y)`.
    fn eval(&self, t: T, y: &State<D, T>) -> State<D, T>;
}

impl<const D: usize, T, F> VectorField<D, T> for F
where
    F: Fn(T, &State<D, T>) -> State<D, T>,
{
    #[inline(always)]
    fn eval(&self, t: T, y: &State<D, T>) -> State<D, T> {
        self(t, y)
    }
}

/// A vector field `f_θ(t, y)` with a flat parameter vector θ and reverse-mode derivatives.
pub trait ParamField<const D: usize, T = f64>: VectorField<D, T>
where
    T: RealField + Copy,
{
    /// The flat parameter vector θ.
    fn params(&self) -> &[T];
    /// Mutable access to θ (optimizers write here).
    fn params_mut(&mut self) -> &mut [T];
    /// Accumulate `wᵀ ∂f/∂y` into `gy` and `wᵀ ∂f/∂θ` into `gp` (both are *added to*, not
    /// overwritten). `gp.len()` must equal `self.params().len()`.
    fn vjp(&self, t: T, y: &State<D, T>, w: &State<D, T>, gy: &mut State<D, T>, gp: &mut [T]);

    /// Length (in scalars) of an *evaluation record*: what [`ParamField::eval_recorded`] keeps
    /// of an evaluation (e.g. an MLP's activations) so that [`ParamField::vjp_recorded`] at the
    /// same point can skip recomputing `f`. Reverse passes that evaluate a point and later take
    /// a VJP there (the discrete adjoint's stage recomputation) use it to halve the work of the
    /// VJP. Default 0: no record; the two methods then fall back to [`VectorField::eval`] and
    /// [`ParamField::vjp`].
    fn record_len(&self) -> usize {
        0
    }

    /// Evaluate `f(t, y)` and write its evaluation record into `rec` (at least
    /// [`ParamField::record_len`] scalars). The default ignores `rec` and calls `eval`. Must
    /// return exactly what `eval` returns and must not allocate.
    fn eval_recorded(&self, t: T, y: &State<D, T>, rec: &mut [T]) -> State<D, T> {
        let _ = rec;
        self.eval(t, y)
    }

    /// [`ParamField::vjp`] at `(t, y)`, given the record that [`ParamField::eval_recorded`]
    /// wrote at exactly this `(t, y)` with the current θ. Accumulates like `vjp`. The default
    /// ignores `rec` and calls `vjp`.
    fn vjp_recorded(
        &self,
        t: T,
        y: &State<D, T>,
        rec: &[T],
        w: &State<D, T>,
        gy: &mut State<D, T>,
        gp: &mut [T],
    ) {
        let _ = rec;
        self.vjp(t, y, w, gy, gp)
    }
}
