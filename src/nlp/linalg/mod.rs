//! Symmetric indefinite factorizations that report inertia, for the KKT systems.

pub mod dense_ldl;
pub mod sparse_ldl;
#[cfg(test)]
mod tests;

pub use dense_ldl::DenseLdl;
pub use sparse_ldl::{NodeKind, SparseLdl};

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
