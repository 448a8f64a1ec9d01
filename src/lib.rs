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
//! * [`data`]: observed time series from CSV files (errors with file, line and column).
//! * [`model`]: trained models as JSON files (`Model::load(path)?.predict(...)`).
//! * [`nn`]: multilayer perceptrons as trainable vector fields.
//! * [`train`]: losses, data, Adam and argmin's L-BFGS for fitting neural ODEs to time series.
//! * [`regularize`]: solver-heuristic regularizers (local error / stiffness at a sampled step).
//! * [`sensitivity`]: gradients of losses on solves (discrete and continuous adjoints).
//! * [`collocation`]: simultaneous (collocation) training as one nonlinear program.
//! * [`experiments`]: the published experiments behind `nodal repro`.
//! * [`report`]: experiment tables (Markdown, CSV), atomic writes and SVG charts.
//!
//! States are `nalgebra` stack vectors, [`State<D, T>`](State); every numerical routine is
//! generic in the scalar `T: nalgebra::RealField + Copy`, so `f32`, `f64` and dual numbers run
//! the same code.
//!
//! ```
//! use nodal::systems::Lorenz63;
//! use nodal::{solve_adaptive, solve_fixed, Adaptive, State, Tableau};
//!
//! let f = Lorenz63::default(); // or any closure |t, &y| -> State<D>
//! let y0 = State::<3>::new(1.0, 1.0, 1.0);
//! let (y, stats) = solve_adaptive(
//!     &Tableau::dopri5(), &f, 0.0, 2.0, y0, &Adaptive::with_tol(1e-10, 1e-10),
//! )?;
//! let (y4, _) = solve_fixed(&Tableau::rk4(), &f, 0.0, 2.0, y0, 1e-3)?;
//! assert!((y - y4).norm() < 1e-6 * y.norm());
//! assert_eq!(stats.nfe, 6 * (stats.accepted + stats.rejected) + 2);
//! # Ok::<(), nodal::SolveError>(())
//! ```

pub mod collocation;
pub mod control;
pub mod data;
pub mod dense;
pub mod error;
pub mod experiments;
pub mod field;
pub mod integrate;
pub mod model;
pub mod nlp;
pub mod nn;
pub mod regularize;
pub mod report;
pub mod sensitivity;
pub mod sindy;
pub mod step;
pub mod systems;
pub mod tableau;
pub mod train;
pub mod trainable;

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
