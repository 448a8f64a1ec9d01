//! # nodal
//!
//! Neural ordinary differential equations that are cheap to train and cheap to solve.
//!
//! * [`tableau`]: Butcher tableaus ([`Tableau`]) with published presets, order conditions and
//!   stability analysis.
//! * [`step`]: the one explicit Runge–Kutta stage kernel (stages, embedded error, stiffness).
//! * [`integrate`]: allocation-free [`solve_fixed`], [`solve_adaptive`] and [`solve_at`].
//! * [`systems`]: ready vector fields (Lorenz-63, Van der Pol, ...).
//! * [`nlp`]: a primal–dual interior-point solver for general nonlinear programs.
//! * [`nn`]: multilayer perceptrons as trainable vector fields.
//! * [`collocation`]: simultaneous (collocation) training as one nonlinear program.
//!
//! States are `nalgebra` stack vectors, [`State<D, T>`](State); every numerical routine is
//! generic in the scalar `T: nalgebra::RealField + Copy`, so `f32`, `f64` and dual numbers run
//! the same code.

pub mod collocation;
pub mod control;
pub mod dense;
pub mod error;
pub mod field;
pub mod integrate;
pub mod nlp;
pub mod nn;
pub mod step;
pub mod systems;
pub mod tableau;

pub use error::SolveError;
pub use field::{ParamField, VectorField};
pub use integrate::{solve_adaptive, solve_at, solve_fixed, Adaptive, Stats, Stepping, Trajectory};

pub use tableau::Tableau;

/// A state vector of dimension `D` on the stack.
pub type State<const D: usize, T = f64> = nalgebra::SVector<T, D>;

/// Convert an `f64` constant into the scalar type `T` (exact for `f32`/`f64`/dual numbers).
#[inline(always)]
pub(crate) fn cst<T: nalgebra::RealField + Copy>(x: f64) -> T {
    nalgebra::convert::<f64, T>(x)
}
