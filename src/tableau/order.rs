//! Order conditions of Runge–Kutta methods via Butcher's rooted trees.
//!
//! A method with weights `w` has order `p` iff for every rooted tree `τ` with at most `p`
//! vertices the elementary weight equals the inverse density: `Φ(τ) = 1/γ(τ)` (Hairer,
//! Nørsett & Wanner, *Solving ODEs I*, Thm. II.2.13).
//!
//! **Honest elementary weights.** `Φ(τ) = wᵀ g(τ)` with `g(•) = 𝟙` and, for a tree whose root
//! has subtrees `τ₁..τ_m`, `g(τ) = (A g(τ₁)) ⊙ … ⊙ (A g(τ_m))`. Leaves therefore enter as
//! `A𝟙` (the row sums of `A`), **not** as the nodes `c`: a trained tableau whose `c` drifts
//! away from its row sums is analysed for what its stages actually compute in an autonomous
//! problem, instead of being credited with conditions that only hold on paper.
//!
//! Trees are enumerated up to [`MAX_TREE_ORDER`] = 10 vertices (1, 1, 2, 4, 9, 20, 48, 115,
//! 286, 719 trees of orders 1..10), so an achieved order of 10 means "at least 10".

use super::Tableau;
use nalgebra::RealField;
use std::collections::BTreeSet;
use std::fmt;
use std::sync::OnceLock;
use thiserror::Error;

/// Highest tree order enumerated; [`achieved_order`] can report at most this value.
pub const MAX_TREE_ORDER: usize = 10;

/// A rooted tree, stored canonically as the sorted list of the subtrees hanging from its root.
///
/// Two trees are equal iff they are isomorphic as rooted trees.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RootedTree {
    children: Vec<RootedTree>,
}

impl RootedTree {
    /// The single-vertex tree `•` (order 1).
    pub fn leaf() -> Self {
        RootedTree {
            children: Vec::new(),
        }
    }

    /// The tree `[τ₁, …, τ_m]` whose root carries the given subtrees (in any order).
    pub fn from_children(mut children: Vec<RootedTree>) -> Self {
        children.sort();
        RootedTree { children }
    }

    /// The subtrees hanging from the root, in canonical order.
    pub fn children(&self) -> &[RootedTree] {
        &self.children
    }

    /// Number of vertices `|τ|` (the order of the condition this tree gives).
    pub fn order(&self) -> usize {
        1 + self.children.iter().map(RootedTree::order).sum::<usize>()
    }

    /// Density `γ(τ) = |τ| · Π γ(τ_i)`; the order condition is `Φ(τ) = 1/γ(τ)`.
    pub fn density(&self) -> u64 {
        self.order() as u64
            * self
                .children
                .iter()
                .map(RootedTree::density)
                .product::<u64>()
    }

    /// Symmetry `σ(τ)`, the order of the tree's automorphism group
    /// (`σ(τ) = Π_distinct (σ(u)^m · m!)` over subtrees `u` repeated `m` times).
    pub fn symmetry(&self) -> u64 {
        let mut sigma = 1u64;
        let mut i = 0;
        while i < self.children.len() {
            let mut m = 1;
            while i + m < self.children.len() && self.children[i + m] == self.children[i] {
                m += 1;
            }
            let s = self.children[i].symmetry();
            for k in 1..=m as u64 {
                sigma *= s * k;
            }
            i += m;
        }
        sigma
    }

    /// All trees obtained by attaching one new leaf to any vertex of `self`.
    fn grow(&self) -> Vec<RootedTree> {
        let mut out = Vec::new();
        let mut with_leaf = self.children.clone();
        with_leaf.push(RootedTree::leaf());
        out.push(RootedTree::from_children(with_leaf));
        for (k, child) in self.children.iter().enumerate() {
            for grown in child.grow() {
                let mut ch = self.children.clone();
                ch[k] = grown;
                out.push(RootedTree::from_children(ch));
            }
        }
        out
    }

    /// The vector `g(τ)` with `Φ(τ) = wᵀ g(τ)` (leaves are `𝟙`, every edge is a product by `A`).
    fn stage_vector<const S: usize, T: RealField + Copy>(&self, a: &[[T; S]; S]) -> [T; S] {
        let mut g = [T::one(); S];
        for child in &self.children {
            let gc = child.stage_vector(a);
            for (i, gi) in g.iter_mut().enumerate() {
                let mut s = T::zero();
                for j in 0..S {
                    s += a[i][j] * gc[j];
                }
                *gi *= s;
            }
        }
        g
    }
}

/// Butcher's bracket notation: `τ` for the leaf, `[τ, [τ]]` for a root with subtrees.
impl fmt::Display for RootedTree {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.children.is_empty() {
            return write!(f, "τ");
        }
        write!(f, "[")?;
        for (k, c) in self.children.iter().enumerate() {
            if k > 0 {
                write!(f, ", ")?;
            }
            write!(f, "{c}")?;
        }
        write!(f, "]")
    }
}

/// Trees of each order `1..=MAX_TREE_ORDER` (index 0 is empty), built once on first use.
fn tree_table() -> &'static [Vec<RootedTree>] {
    static TABLE: OnceLock<Vec<Vec<RootedTree>>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut table = vec![Vec::new(), vec![RootedTree::leaf()]];
        for n in 2..=MAX_TREE_ORDER {
            let set: BTreeSet<RootedTree> = table[n - 1].iter().flat_map(|t| t.grow()).collect();
            table.push(set.into_iter().collect());
        }
        table
    })
}

/// All non-isomorphic rooted trees with exactly `n` vertices (empty for `n = 0` or
/// `n > MAX_TREE_ORDER`), in a fixed canonical order.
pub fn trees_of_order(n: usize) -> &'static [RootedTree] {
    tree_table().get(n).map_or(&[], Vec::as_slice)
}

/// Why order conditions could not be evaluated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum OrderError {
    /// Trees are only enumerated up to [`MAX_TREE_ORDER`] vertices.
    #[error("order conditions requested up to order {requested}, but trees are enumerated only up to {max}")]
    OrderTooHigh { requested: usize, max: usize },
}

/// One order condition evaluated for a weight vector.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderResidual<T> {
    /// The tree of the condition.
    pub tree: &'static RootedTree,
    /// Its order `|τ|`.
    pub order: usize,
    /// Its density `γ(τ)`.
    pub density: u64,
    /// The elementary weight `Φ(τ) = wᵀ g(τ)` computed from `A` (leaves as `A𝟙`, not `c`).
    pub phi: T,
    /// `Φ(τ) − 1/γ(τ)`; zero iff the condition holds.
    pub residual: T,
}

/// The elementary weight `Φ(τ) = wᵀ g(τ)` of one tree for the matrix `a` and weights `w`
/// (leaves enter as `A𝟙`; see the module docs).
pub fn elementary_weight<const S: usize, T: RealField + Copy>(
    a: &[[T; S]; S],
    weights: &[T; S],
    tree: &RootedTree,
) -> T {
    let g = tree.stage_vector(a);
    let mut phi = T::zero();
    for i in 0..S {
        phi += weights[i] * g[i];
    }
    phi
}

/// Residuals `Φ(τ) − 1/γ(τ)` of every tree of order `1..=max_order`, ordered by tree order.
///
/// `weights` is `b` for the propagated solution or `b̂` for an embedded one. Allocates the
/// result (this is analysis code, not a solver hot path).
///
/// # Errors
/// [`OrderError::OrderTooHigh`] if `max_order > MAX_TREE_ORDER`.
pub fn order_residuals<const S: usize, T: RealField + Copy>(
    a: &[[T; S]; S],
    weights: &[T; S],
    max_order: usize,
) -> Result<Vec<OrderResidual<T>>, OrderError> {
    if max_order > MAX_TREE_ORDER {
        return Err(OrderError::OrderTooHigh {
            requested: max_order,
            max: MAX_TREE_ORDER,
        });
    }
    let mut out = Vec::new();
    for n in 1..=max_order {
        for tree in trees_of_order(n) {
            let density = tree.density();
            let phi = elementary_weight(a, weights, tree);
            let residual = phi - crate::cst::<T>(1.0 / density as f64);
            out.push(OrderResidual {
                tree,
                order: n,
                density,
                phi,
                residual,
            });
        }
    }
    Ok(out)
}

/// Highest `p ≤ MAX_TREE_ORDER` such that every tree of order `≤ p` satisfies
/// `|Φ(τ) − 1/γ(τ)| ≤ tol` for the matrix `a` and weights `weights` (0 if `Σ w_i ≠ 1`).
/// A NaN residual counts as violated. A result equal to [`MAX_TREE_ORDER`] means "at least".
pub fn achieved_order_of<const S: usize, T: RealField + Copy>(
    a: &[[T; S]; S],
    weights: &[T; S],
    tol: T,
) -> u8 {
    for n in 1..=MAX_TREE_ORDER {
        let ok = trees_of_order(n).iter().all(|tree| {
            let r =
                elementary_weight(a, weights, tree) - crate::cst::<T>(1.0 / tree.density() as f64);
            r.abs() <= tol
        });
        if !ok {
            return (n - 1) as u8;
        }
    }
    MAX_TREE_ORDER as u8
}

/// Achieved order of the propagated solution (weights `b`) of `tab`, see [`achieved_order_of`].
/// Typical `tol`: `1e-12` for rational `f64` coefficients.
pub fn achieved_order<const S: usize, T: RealField + Copy>(tab: &Tableau<S, T>, tol: T) -> u8 {
    achieved_order_of(&tab.a, &tab.b, tol)
}

/// Achieved order of the embedded solution (weights `b̂`), or `None` without embedded pair.
pub fn achieved_embedded_order<const S: usize, T: RealField + Copy>(
    tab: &Tableau<S, T>,
    tol: T,
) -> Option<u8> {
    tab.b_hat
        .as_ref()
        .map(|w| achieved_order_of(&tab.a, w, tol))
}

/// Achieved order of the second embedded solution (weights `b̂₂`, DOP853's third-order
/// estimate), or `None` if the tableau has none.
pub fn achieved_embedded_order2<const S: usize, T: RealField + Copy>(
    tab: &Tableau<S, T>,
    tol: T,
) -> Option<u8> {
    tab.b_hat2
        .as_ref()
        .map(|w| achieved_order_of(&tab.a, w, tol))
}

/// Node defects `c_i − Σ_j a_ij` of a tableau: the order conditions above ignore `c` (leaves
/// enter as `A𝟙`), so a trained `c` that drifts from the row sums shows up here instead. All
/// zeros for a consistent tableau; in units of the step fraction.
pub fn node_defects<const S: usize, T: RealField + Copy>(a: &[[T; S]; S], c: &[T; S]) -> [T; S] {
    let mut d = *c;
    for (di, row) in d.iter_mut().zip(a.iter()) {
        for &v in row {
            *di -= v;
        }
    }
    d
}
