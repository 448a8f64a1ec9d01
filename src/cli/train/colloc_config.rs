//! The `[trainer]` and `[collocation]` sections of the `nodal train` configuration: which
//! trainer runs, and the options of the collocation / interior-point trainer.

use nodal::collocation::NodeKind;
use nodal::nlp::LinearSolver;
use serde::{Deserialize, Serialize};

/// Which trainer fits the network.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TrainerKind {
    /// Solve through the ODE and follow the adjoint gradient: Adam, then optionally L-BFGS
    /// (the `[optimizer]` section). The default.
    #[default]
    Gradient,
    /// Simultaneous collocation: node states and θ are the variables of one nonlinear
    /// program solved by nodal's interior-point method (the `[collocation]` section).
    Collocation,
}

/// `[trainer]`: the choice of trainer.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TrainerConfig {
    /// `gradient` (default) or `collocation`.
    pub kind: TrainerKind,
}

/// Collocation node family (`collocation.node_kind`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NodeFamily {
    /// Chebyshev points of the second kind (default).
    #[default]
    Chebyshev,
    /// Legendre–Gauss–Radau (the end time is not a node).
    Radau,
    /// Legendre–Gauss–Lobatto.
    Lobatto,
}

impl From<NodeFamily> for NodeKind {
    fn from(f: NodeFamily) -> Self {
        match f {
            NodeFamily::Chebyshev => NodeKind::Chebyshev,
            NodeFamily::Radau => NodeKind::LegendreGaussRadau,
            NodeFamily::Lobatto => NodeKind::LegendreGaussLobatto,
        }
    }
}

/// Second derivatives of the collocation NLP (`collocation.hessian`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum HessianChoice {
    /// Exact when the network has one hidden layer, limited-memory quasi-Newton otherwise
    /// (default; the log says which).
    #[default]
    Auto,
    /// Exact Hessian of the Lagrangian; a configuration error for other than one hidden layer.
    Exact,
    /// Limited-memory BFGS approximation (any depth).
    QuasiNewton,
}

/// KKT factorization of the interior-point method (`collocation.linear_solver`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum KktSolver {
    /// Dense below 400 KKT rows, sparse above (default).
    #[default]
    Auto,
    /// Dense Bunch–Kaufman LDLᵀ.
    Dense,
    /// Sparse LDLᵀ.
    Sparse,
}

impl From<KktSolver> for LinearSolver {
    fn from(k: KktSolver) -> Self {
        match k {
            KktSolver::Auto => LinearSolver::Auto,
            KktSolver::Dense => LinearSolver::Dense,
            KktSolver::Sparse => LinearSolver::Sparse,
        }
    }
}

/// `[collocation]`: options of the collocation trainer (used when `trainer.kind =
/// "collocation"`). All state quantities are in the scaled units the trainer works in
/// (each state standardized by the training data's mean and standard deviation).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CollocationSection {
    /// Node family (default `chebyshev`; also `radau`, `lobatto`).
    pub node_kind: NodeFamily,
    /// Collocation nodes per training trajectory, placed on [first, last] observation time
    /// (default 30, at least 3).
    pub nodes: usize,
    /// Weight decay λ of `Σ_k (1/N)Σ_i‖y_ki − ŷ_ki‖² + λ‖θ‖²` (default 1e-4; counted once
    /// however many trajectories).
    pub lambda: f64,
    /// Bandwidth of the Epanechnikov local-linear smoother that turns the observations into
    /// targets ŷ at the nodes, in mean observation spacings (default 3).
    pub bandwidth: f64,
    /// Optional bound |y| ≤ state_bound on every node state (scaled units).
    pub state_bound: Option<f64>,
    /// Optional bound |θ_p| ≤ param_bound on every network parameter.
    pub param_bound: Option<f64>,
    /// `auto` (default), `exact` or `quasi-newton`.
    pub hessian: HessianChoice,
    /// Starting θ = init_scale × the seeded Glorot parameters (default 0.1).
    pub init_scale: f64,
    /// Interior-point iteration limit (default 500).
    pub max_iter: usize,
    /// Interior-point convergence tolerance on the scaled optimality error (default 1e-8).
    pub tol: f64,
    /// `auto` (default), `dense` or `sparse`.
    pub linear_solver: KktSolver,
}

impl Default for CollocationSection {
    fn default() -> Self {
        Self {
            node_kind: NodeFamily::Chebyshev,
            nodes: 30,
            lambda: 1e-4,
            bandwidth: 3.0,
            state_bound: None,
            param_bound: None,
            hessian: HessianChoice::Auto,
            init_scale: 0.1,
            max_iter: 500,
            tol: 1e-8,
            linear_solver: KktSolver::Auto,
        }
    }
}
