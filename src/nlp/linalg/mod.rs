//! Symmetric indefinite factorizations that report inertia, for the KKT systems.

mod aligned;
pub mod dense_ldl;
#[cfg(test)]
mod method_tests;
mod ordering;
mod schur_ldl;
pub mod sparse_ldl;
#[cfg(test)]
mod tests;

pub use dense_ldl::DenseLdl;
pub use sparse_ldl::{SparseLdl, SparseMethod};

/// Numbers of positive, negative and zero eigenvalues of a symmetric matrix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Inertia {
    /// Positive eigenvalues.
    pub pos: usize,
    /// Negative eigenvalues.
    pub neg: usize,
    /// Zero (numerically tiny) eigenvalues.
    pub zero: usize,
}

/// The role of a node of the KKT matrix in the elimination order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeKind {
    /// A variable with a (possibly) nonzero diagonal: ordered by AMD.
    Variable,
    /// A variable whose diagonal is structurally zero: ordered after one of its rows.
    ZeroVariable,
    /// A constraint row: ordered after all its `Variable` neighbours.
    Constraint,
}
