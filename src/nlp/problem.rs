//! The problem side of a nonlinear program, separate from any solver (argmin style).

/// A nonlinear program
///
/// ```text
///   minimize   f(x)            x ∈ ℝⁿ
///   subject to gL ≤ g(x) ≤ gU  (g: ℝⁿ → ℝᵐ; an equality where gL = gU)
///              xL ≤ x ≤ xU
/// ```
///
/// Bounds may be infinite (`f64::INFINITY` / `f64::NEG_INFINITY`). Sparse matrices are given
/// in coordinate form: the structure (`(row, col)` pairs, 0-based) once, the values on every
/// call in the same order. Duplicate entries are summed.
///
/// Callbacks write into caller-provided slices of the right length and must not panic; a
/// non-finite value they produce is reported by the solver as an invalid problem (at the start)
/// or handled by cutting the step (during a line search).
pub trait Nlp {
    /// Number of variables `n`.
    fn num_vars(&self) -> usize;
    /// Number of constraints `m` (may be 0).
    fn num_cons(&self) -> usize;
    /// Fill variable bounds `x_l`, `x_u` (length n) and constraint bounds `g_l`, `g_u`
    /// (length m).
    fn bounds(&self, x_l: &mut [f64], x_u: &mut [f64], g_l: &mut [f64], g_u: &mut [f64]);
    /// Fill the starting point (length n). It need not be feasible or inside the bounds.
    fn initial_point(&self, x: &mut [f64]);
    /// Objective `f(x)`.
    fn objective(&self, x: &[f64]) -> f64;
    /// Gradient `∇f(x)` (length n).
    fn gradient(&self, x: &[f64], grad: &mut [f64]);
    /// Constraint values `g(x)` (length m).
    fn constraints(&self, x: &[f64], g: &mut [f64]);
    /// Structure of the constraint Jacobian `∂g/∂x` as `(row < m, col < n)` pairs.
    fn jacobian_structure(&self) -> Vec<(usize, usize)>;
    /// Values of the Jacobian entries, in the order of [`Nlp::jacobian_structure`].
    fn jacobian_values(&self, x: &[f64], vals: &mut [f64]);
    /// Structure of the Hessian of the Lagrangian, lower triangle only (`row >= col`).
    /// `None` (the default) means the problem supplies no Hessian and the solver must use a
    /// limited-memory quasi-Newton approximation.
    fn hessian_structure(&self) -> Option<Vec<(usize, usize)>> {
        None
    }
    /// Values of `σ ∇²f(x) + Σ_i λ_i ∇²g_i(x)` (lower triangle) in the order of
    /// [`Nlp::hessian_structure`]. Only called when that returns `Some`.
    fn hessian_values(&self, x: &[f64], obj_factor: f64, lambda: &[f64], vals: &mut [f64]) {
        let _ = (x, obj_factor, lambda, vals);
    }
    /// Optional hint: `m` distinct *dependent* variables whose Jacobian columns form a square
    /// block `J_y` that is usually nonsingular (e.g. the states of a discretized ODE, with the
    /// remaining variables its parameters). Only used for problems with equality constraints
    /// only and when [`crate::nlp::Options::reduced_space`] is set: the solver then factorizes
    /// the KKT matrix in the null space of `J` (one LU of `J_y` per iteration, inertia from the
    /// `(n − m)`-row reduced Hessian), falling back to the full factorization when `J_y` is
    /// singular or a regularization `δ_c > 0` is needed. A hint of the wrong length, with
    /// repeated or out-of-range indices is ignored. Default `None`.
    fn dependent_variables(&self) -> Option<Vec<usize>> {
        None
    }
}
