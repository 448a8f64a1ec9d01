//! Solver options with IPOPT's names and defaults.

pub use super::linalg::SparseMethod;

/// How the barrier parameter μ is updated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MuStrategy {
    /// Fiacco–McCormick: keep μ fixed until the barrier problem is solved to
    /// `barrier_tol_factor · μ`, then decrease it superlinearly (IPOPT's default).
    Monotone,
    /// A new μ every iteration from the LOQO rule (Vanderbei & Shanno 1999, as IPOPT's
    /// `mu_oracle loqo`): `μ = σ · sᵀz / n_b` with `σ = 0.1 · min(0.05·(1−ξ)/ξ, 2)³` and
    /// `ξ = min_i s_i z_i / (sᵀz / n_b)` the centrality measure. Falls back to monotone mode
    /// for the rest of the solve when the line search fails.
    Adaptive,
}

/// Where second derivatives come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HessianApproximation {
    /// The problem's `hessian_values` (used only if `hessian_structure()` is `Some`;
    /// otherwise the solver silently switches to limited memory).
    Exact,
    /// Limited-memory BFGS in compact form (Byrd, Nocedal & Schnabel 1994) on the variables
    /// `x` (slacks have zero curvature).
    LimitedMemory,
}

/// Which factorization solves the KKT systems.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinearSolver {
    /// Dense Bunch–Kaufman below `dense_max_dim` KKT rows, sparse LDLᵀ above.
    Auto,
    /// Always the dense Bunch–Kaufman LDLᵀ (O(N³) per factorization).
    Dense,
    /// Always the sparse LDLᵀ (AMD ordering with constraint rows postponed after their
    /// variables; factorized as chosen by [`Options::sparse_method`]).
    Sparse,
}

/// Options of [`crate::nlp::InteriorPoint`]. Names and defaults follow IPOPT 3.14.
#[derive(Clone, Debug)]
pub struct Options {
    /// Desired relative convergence tolerance on the scaled optimality error (default 1e-8).
    pub tol: f64,
    /// Maximum number of iterations (default 3000).
    pub max_iter: usize,
    /// Barrier parameter update (default [`MuStrategy::Monotone`]).
    pub mu_strategy: MuStrategy,
    /// Initial barrier parameter (default 0.1).
    pub mu_init: f64,
    /// Lower bound on μ (default 1e-11).
    pub mu_min: f64,
    /// Monotone mode: factor κ_μ of the linear decrease (default 0.2).
    pub mu_linear_decrease_factor: f64,
    /// Monotone mode: exponent θ_μ of the superlinear decrease (default 1.5).
    pub mu_superlinear_decrease_power: f64,
    /// Monotone mode: μ is decreased once the barrier error is below this times μ (default 10).
    pub barrier_tol_factor: f64,
    /// Lower bound τ_min of the fraction-to-the-boundary parameter (default 0.99).
    pub tau_min: f64,
    /// Tolerance of the "acceptable" termination (default 1e-6).
    pub acceptable_tol: f64,
    /// Consecutive acceptable iterations before stopping as acceptable (default 15).
    pub acceptable_iter: usize,
    /// Acceptable-level constraint violation, unscaled (default 1e-2).
    pub acceptable_constr_viol_tol: f64,
    /// Absolute tolerance on the unscaled constraint violation (default 1e-4).
    pub constr_viol_tol: f64,
    /// Absolute tolerance on the unscaled dual infeasibility (default 1).
    pub dual_inf_tol: f64,
    /// Absolute tolerance on the unscaled complementarity (default 1e-4).
    pub compl_inf_tol: f64,
    /// Iterates with ‖x‖∞ above this are declared diverging (default 1e20).
    pub diverging_iterates_tol: f64,
    /// Absolute push of the start point into the bounds, κ₁ (default 1e-2).
    pub bound_push: f64,
    /// Relative push of the start point into the bounds, κ₂ (default 1e-2).
    pub bound_frac: f64,
    /// Relative relaxation of all bounds (default 1e-8).
    pub bound_relax_factor: f64,
    /// Initial bound multipliers (default 1).
    pub bound_mult_init_val: f64,
    /// Least-squares constraint multipliers larger than this are discarded (default 1000).
    pub constr_mult_init_max: f64,
    /// Gradient-based scaling: target maximum gradient entry (default 100).
    pub nlp_scaling_max_gradient: f64,
    /// Smallest scaling factor (default 1e-8).
    pub nlp_scaling_min_value: f64,
    /// Hessian source (default [`HessianApproximation::Exact`]).
    pub hessian_approximation: HessianApproximation,
    /// L-BFGS memory (default 6).
    pub limited_memory_max_history: usize,
    /// Maximum number of second-order corrections per iteration (default 4).
    pub max_soc: usize,
    /// Linear solver choice (default [`LinearSolver::Auto`]).
    pub linear_solver: LinearSolver,
    /// KKT dimension up to which `Auto` uses the dense factorization (default 400).
    pub dense_max_dim: usize,
    /// How the sparse path factorizes (default [`SparseMethod::Auto`]: faer's simplicial or
    /// supernodal LDLᵀ, or the block-prefix + dense-Schur LDLᵀ when the factor is nearly
    /// dense, as for the collocation NLP). All variants eliminate in the same order without
    /// pivoting, so they differ only by rounding.
    pub sparse_method: SparseMethod,
    /// Threads for the dense kernels of the [`SparseMethod::DenseSchur`] factorization and
    /// solves (faer on rayon): 0 = rayon's current pool (all cores by default, or the pool
    /// the solve runs in), 1 = sequential (default 0). Only trailing blocks of at least
    /// 256 rows are split; results agree with the sequential ones up to rounding.
    pub linear_solver_threads: usize,
    /// Use the reduced-space (null-space) KKT factorization when the problem names
    /// dependent variables ([`crate::nlp::Nlp::dependent_variables`]; default true). Its
    /// kernels are sequential, so the iterates do not depend on the number of threads.
    pub reduced_space: bool,
    /// Penalty ρ of the feasibility restoration problem (default 1000).
    pub resto_penalty_parameter: f64,
    /// Damping κ_d of one-sided bounded variables in the barrier (default 1e-5).
    pub kappa_d: f64,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            tol: 1e-8,
            max_iter: 3000,
            mu_strategy: MuStrategy::Monotone,
            mu_init: 0.1,
            mu_min: 1e-11,
            mu_linear_decrease_factor: 0.2,
            mu_superlinear_decrease_power: 1.5,
            barrier_tol_factor: 10.0,
            tau_min: 0.99,
            acceptable_tol: 1e-6,
            acceptable_iter: 15,
            acceptable_constr_viol_tol: 1e-2,
            constr_viol_tol: 1e-4,
            dual_inf_tol: 1.0,
            compl_inf_tol: 1e-4,
            diverging_iterates_tol: 1e20,
            bound_push: 1e-2,
            bound_frac: 1e-2,
            bound_relax_factor: 1e-8,
            bound_mult_init_val: 1.0,
            constr_mult_init_max: 1e3,
            nlp_scaling_max_gradient: 100.0,
            nlp_scaling_min_value: 1e-8,
            hessian_approximation: HessianApproximation::Exact,
            limited_memory_max_history: 6,
            max_soc: 4,
            linear_solver: LinearSolver::Auto,
            dense_max_dim: 400,
            sparse_method: SparseMethod::Auto,
            linear_solver_threads: 0,
            reduced_space: true,
            resto_penalty_parameter: 1000.0,
            kappa_d: 1e-5,
        }
    }
}
