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
}
