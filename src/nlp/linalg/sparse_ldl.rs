//! Sparse symmetric `LDLᵀ` through faer's Cholesky (no pivoting; simplicial or supernodal), with
//! inertia read off `D` (Sylvester's law).
//!
//! faer 0.24 has no pivoted sparse LDLᵀ that exposes `D` blockwise, so the ordering does the
//! work: an AMD fill-reducing order in which every constraint row ([`NodeKind::Constraint`],
//! diagonal zero or −δ_c) is moved after all the ordinary variables it couples to, and every
//! variable with a structurally zero diagonal ([`NodeKind::ZeroVariable`]: no Hessian diagonal
//! entry and no finite bound) after the first of its constraint rows. Eliminating a row after
//! its variables gives the pivot −δ_c − (J H⁻¹ Jᵀ)_ii < 0; eliminating a zero-diagonal variable
//! after one of its rows then gives a positive pivot — the 2×2 pivot Bunch–Kaufman would take,
//! spelled out in the order. If a pivot still vanishes, a zero eigenvalue is reported and the
//! caller regularizes (δ_c > 0, δ_w > 0), as IPOPT's inertia correction does anyway.
//!
//! The numeric factorization is the same algorithm in both of faer's layouts: *simplicial*
//! (column by column, scalar updates with indirect addressing) or *supernodal* (columns with
//! the same pattern grouped into dense blocks, updated by dense matrix products). With the
//! same order, both compute the same `L` and `D` up to rounding. Supernodal wins by a wide
//! margin once `L` is dense-ish — the collocation KKT (n = 962, 74% of the lower triangle of
//! `L` filled) factorizes about an order of magnitude faster — while simplicial is cheaper for
//! very sparse factors (banded optimal control). [`SparseMethod::Auto`] leaves the choice to
//! faer's flop-per-nonzero rule.

use super::ordering::delayed_order;
use super::schur_ldl::{block_prefix, SchurLdl};
use super::Inertia;
pub use super::NodeKind;
use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::cholesky::ldlt::factor::LdltRegularization;
use faer::sparse::linalg::cholesky::{
    factorize_symbolic_cholesky, CholeskySymbolicParams, SymbolicCholesky, SymbolicCholeskyRaw,
    SymmetricOrdering,
};
use faer::sparse::linalg::{amd, SupernodalThreshold};
use faer::sparse::{SparseColMatRef, SymbolicSparseColMat};
use faer::{Conj, MatMut, Par, Side};

/// Which of faer's layouts holds the factor (module docs).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SparseMethod {
    /// faer decides from the flops per nonzero of `L` (supernodal for dense-ish factors).
    #[default]
    Auto,
    /// Column-by-column factorization; cheapest for very sparse factors.
    Simplicial,
    /// Dense supernode blocks and blocked kernels; fastest once `L` fills in.
    Supernodal,
    /// Small uncoupled leading blocks, then a dense Schur complement factorized by faer's
    /// blocked dense LDLᵀ ([`super::schur_ldl`]); for KKT matrices whose factor is nearly
    /// dense, such as the collocation NLP's.
    DenseSchur,
}

/// Which factorization engine holds the numbers.
enum Engine {
    /// faer's sparse Cholesky (simplicial or supernodal layout).
    Faer {
        symbolic: Box<SymbolicCholesky<usize>>,
        l_values: Vec<f64>,
        /// Position of pivot `k` (elimination order) in `l_values`.
        diag_pos: Vec<usize>,
        buf: MemBuffer,
    },
    /// Block prefix + dense Schur complement.
    Schur(Box<SchurLdl>),
}

/// Reusable sparse LDLᵀ: symbolic analysis once, numeric factorization per call.
pub struct SparseLdl {
    n: usize,
    pattern: SymbolicSparseColMat<usize>,
    /// `map[k]` = position in the CSC value array of input triplet `k` (duplicates summed).
    map: Vec<usize>,
    values: Vec<f64>,
    engine: Engine,
    inertia: Inertia,
    ok: bool,
    /// Elimination order: position k holds original index `perm[k]`.
    perm: Vec<usize>,
    rowmax: Vec<f64>,
}

impl std::fmt::Debug for SparseLdl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.engine {
            Engine::Faer { l_values, .. } => {
                write!(f, "SparseLdl(n = {}, nnz(L) = {})", self.n, l_values.len())
            }
            Engine::Schur(s) => write!(f, "SparseLdl({s:?})"),
        }
    }
}

impl SparseLdl {
    /// Symbolic analysis of the symmetric `n × n` pattern given as lower-triangle triplets
    /// `(rows[k], cols[k])` with `rows[k] >= cols[k]`; `kind[i]` places node `i` in the
    /// elimination order (module docs). The layout of the factor is faer's choice
    /// ([`SparseMethod::Auto`]). Errors are faer's messages.
    pub fn analyze(
        n: usize,
        rows: &[usize],
        cols: &[usize],
        kind: &[NodeKind],
    ) -> Result<Self, String> {
        Self::analyze_with(n, rows, cols, kind, SparseMethod::Auto)
    }

    /// [`SparseLdl::analyze`] with the layout of the factor chosen by `method`.
    pub fn analyze_with(
        n: usize,
        rows: &[usize],
        cols: &[usize],
        kind: &[NodeKind],
        method: SparseMethod,
    ) -> Result<Self, String> {
        // CSC of the lower triangle, deduplicated, with the triplet -> slot map.
        let nt = rows.len();
        let mut order: Vec<usize> = (0..nt).collect();
        order.sort_unstable_by_key(|&k| (cols[k], rows[k]));
        let mut col_ptr = vec![0usize; n + 1];
        let mut row_idx = Vec::with_capacity(nt);
        let mut map = vec![0usize; nt];
        let mut last: Option<(usize, usize)> = None;
        for &k in &order {
            let key = (cols[k], rows[k]);
            if last != Some(key) {
                row_idx.push(rows[k]);
                col_ptr[cols[k] + 1] += 1;
                last = Some(key);
            }
            map[k] = row_idx.len() - 1;
        }
        for j in 0..n {
            col_ptr[j + 1] += col_ptr[j];
        }
        let nnz = row_idx.len();
        // adjacency (both directions) for the delayed-node postponement
        let mut adj: Vec<Vec<usize>> = vec![Vec::new(); n];
        for j in 0..n {
            for &i in &row_idx[col_ptr[j]..col_ptr[j + 1]] {
                if i != j {
                    adj[i].push(j);
                    adj[j].push(i);
                }
            }
        }
        let pattern = SymbolicSparseColMat::new_checked(n, n, col_ptr, None, row_idx);
        // AMD on the pattern of A + Aᵀ
        let mut perm = vec![0usize; n];
        let mut perm_inv = vec![0usize; n];
        {
            let mut mem = MemBuffer::new(amd::order_maybe_unsorted_scratch::<usize>(n, nnz));
            amd::order_maybe_unsorted(
                &mut perm,
                &mut perm_inv,
                pattern.as_ref(),
                amd::Control::default(),
                MemStack::new(&mut mem),
            )
            .map_err(|e| format!("AMD ordering failed: {e:?}"))?;
        }
        // Two candidate orders: the plain one (rows wait for all their Variable neighbours) and
        // the one that lets rows go before dense (shared-parameter) variables. Neither is
        // better for every structure: on parameter estimation with 4 shared parameters
        // (n = 6005 KKT) the dense rule gives nnz(L) = 39 010 against 18 015 018, but on the
        // collocation NLP (n = 962 KKT, 162 shared network parameters) the plain order gives
        // 341 240 against 402 742 and a much faster solve. The structure is fixed for the
        // solve, so both symbolic factors are computed once here and the one with fewer
        // nonzeros in L is kept (the plain one on ties).
        // The candidates are compared by the number of nonzeros of the simplicial factor
        // (no supernode padding); the kept order is then analysed in the requested layout.
        let simplicial = CholeskySymbolicParams {
            supernodal_flop_ratio_threshold: SupernodalThreshold::FORCE_SIMPLICIAL,
            ..Default::default()
        };
        let mut best: Option<(Vec<usize>, SymbolicCholesky<usize>)> = None;
        for dense_rule in [false, true] {
            let new_perm = delayed_order(n, &perm, &adj, kind, dense_rule)?;
            if best.as_ref().is_some_and(|(p, _)| *p == new_perm) {
                continue;
            }
            let symbolic = symbolic_in_order(&pattern, &new_perm, &mut perm_inv, simplicial)?;
            let better = best
                .as_ref()
                .is_none_or(|(_, b)| symbolic.len_val() < b.len_val());
            if better {
                best = Some((new_perm, symbolic));
            }
        }
        let (new_perm, simplicial_symbolic) = best.ok_or("no ordering")?;
        let engine = if method == SparseMethod::DenseSchur
            || (method == SparseMethod::Auto && schur_pays(&simplicial_symbolic, &new_perm, &adj))
        {
            let (p, blocks) = block_prefix(&new_perm, &adj);
            let (r, c): (Vec<usize>, Vec<usize>) = (0..n)
                .flat_map(|j| {
                    let ri = &pattern.row_idx()[pattern.col_ptr()[j]..pattern.col_ptr()[j + 1]];
                    ri.iter().map(move |&i| (i, j))
                })
                .unzip();
            Engine::Schur(Box::new(SchurLdl::new(
                &new_perm,
                p,
                &blocks,
                &r,
                &c,
                Par::Seq,
            )))
        } else {
            let symbolic = if method == SparseMethod::Simplicial {
                simplicial_symbolic
            } else {
                let threshold = if method == SparseMethod::Supernodal {
                    SupernodalThreshold::FORCE_SUPERNODAL
                } else {
                    SupernodalThreshold::AUTO
                };
                let params = CholeskySymbolicParams {
                    supernodal_flop_ratio_threshold: threshold,
                    ..Default::default()
                };
                symbolic_in_order(&pattern, &new_perm, &mut perm_inv, params)?
            };
            let diag_pos = diagonal_positions(&symbolic)?;
            let req = symbolic
                .factorize_numeric_ldlt_scratch::<f64>(Par::Seq, Default::default())
                .or(symbolic.solve_in_place_scratch::<f64>(1, Par::Seq));
            Engine::Faer {
                l_values: vec![0.0; symbolic.len_val()],
                symbolic: Box::new(symbolic),
                diag_pos,
                buf: MemBuffer::new(req),
            }
        };
        Ok(Self {
            n,
            pattern,
            map,
            values: vec![0.0; nnz],
            engine,
            inertia: Inertia::default(),
            ok: false,
            perm: new_perm,
            rowmax: vec![0.0; n],
        })
    }

    /// Number of stored values of the factor: `L` with fill in faer's layouts (in the
    /// supernodal one also the upper triangles of the diagonal blocks and the explicit zeros of
    /// relaxed supernodes); the block prefix, `L21` and the dense lower triangle of `L22` for
    /// [`SparseMethod::DenseSchur`].
    pub fn nnz_factor(&self) -> usize {
        match &self.engine {
            Engine::Faer { l_values, .. } => l_values.len(),
            Engine::Schur(s) => s.stored(),
        }
    }

    /// Threads for the dense kernels of [`SparseMethod::DenseSchur`] (0 = rayon's current
    /// pool, 1 = sequential, the default); faer's sparse methods stay sequential.
    pub fn set_threads(&mut self, threads: usize) {
        if let Engine::Schur(s) = &mut self.engine {
            s.set_threads(threads);
        }
    }

    /// The method in use ([`SparseMethod::Auto`] resolved).
    pub fn method(&self) -> SparseMethod {
        match &self.engine {
            Engine::Faer { symbolic, .. } => match symbolic.raw() {
                SymbolicCholeskyRaw::Simplicial(_) => SparseMethod::Simplicial,
                SymbolicCholeskyRaw::Supernodal(_) => SparseMethod::Supernodal,
            },
            Engine::Schur(_) => SparseMethod::DenseSchur,
        }
    }

    /// Numeric factorization with triplet values `vals` (same order as in `analyze`). Returns
    /// the inertia, counting pivots with |d_k| ≤ `zero_tol · max_j |A_kj|` (or an exact
    /// breakdown) as zero eigenvalues; after that `solve` returns NaN.
    pub fn factor(&mut self, vals: &[f64], zero_tol: f64) -> Inertia {
        self.values.iter_mut().for_each(|v| *v = 0.0);
        for (k, &v) in vals.iter().enumerate() {
            self.values[self.map[k]] += v;
        }
        self.rowmax.iter_mut().for_each(|v| *v = f64::MIN_POSITIVE);
        let (cp, ri) = (self.pattern.col_ptr(), self.pattern.row_idx());
        for j in 0..self.n {
            for p in cp[j]..cp[j + 1] {
                let v = self.values[p].abs();
                self.rowmax[j] = self.rowmax[j].max(v);
                self.rowmax[ri[p]] = self.rowmax[ri[p]].max(v);
            }
        }
        let result = match &mut self.engine {
            Engine::Faer {
                symbolic,
                l_values,
                diag_pos,
                buf,
            } => {
                let a = SparseColMatRef::new(self.pattern.as_ref(), &self.values);
                let reg = LdltRegularization {
                    dynamic_regularization_signs: None,
                    dynamic_regularization_delta: 0.0,
                    dynamic_regularization_epsilon: 0.0,
                };
                let ok = symbolic
                    .factorize_numeric_ldlt(
                        l_values,
                        a,
                        Side::Lower,
                        reg,
                        Par::Seq,
                        MemStack::new(buf),
                        Default::default(),
                    )
                    .is_ok();
                ok.then(|| {
                    let mut inertia = Inertia::default();
                    for (k, &p) in diag_pos.iter().enumerate() {
                        let d = l_values[p];
                        let ztol = zero_tol * self.rowmax[self.perm[k]];
                        if !d.is_finite() || d.abs() <= ztol {
                            inertia.zero += 1;
                        } else if d > 0.0 {
                            inertia.pos += 1;
                        } else {
                            inertia.neg += 1;
                        }
                    }
                    inertia
                })
            }
            Engine::Schur(s) => s.factor(&self.values, &self.rowmax, zero_tol),
        };
        // an exact breakdown (zero or non-finite pivot): one zero eigenvalue reported
        let inertia = result.unwrap_or(Inertia {
            pos: self.n - 1,
            neg: 0,
            zero: 1,
        });
        self.ok = inertia.zero == 0;
        self.inertia = inertia;
        inertia
    }

    /// Solves `A x = b` in place with the last factorization.
    pub fn solve(&mut self, b: &mut [f64]) {
        if !self.ok {
            b.iter_mut().for_each(|v| *v = f64::NAN);
            return;
        }
        match &mut self.engine {
            Engine::Faer {
                symbolic,
                l_values,
                buf,
                ..
            } => {
                let ldlt = faer::sparse::linalg::cholesky::LdltRef::new(symbolic, l_values);
                let rhs = MatMut::from_column_major_slice_mut(b, self.n, 1);
                ldlt.solve_in_place_with_conj(Conj::No, rhs, Par::Seq, MemStack::new(buf));
            }
            Engine::Schur(s) => s.solve(b),
        }
    }
}

/// True if the block-prefix + dense-Schur factorization ([`SparseMethod::DenseSchur`]) is
/// expected to beat faer's sparse one: its multiply–adds (`nt³/6` for the dense `LDLᵀ` of the
/// trailing `nt` rows, `p·nt²/2` for the Schur update by the `p` prefix columns) are at most
/// [`DENSE_SPEEDUP`] times those of the sparse factor (`Σ_j c_j²/2` over its column counts
/// `c_j`), and the dense part fits in [`DENSE_MAX_DIM`] rows.
fn schur_pays(simplicial: &SymbolicCholesky<usize>, perm: &[usize], adj: &[Vec<usize>]) -> bool {
    let SymbolicCholeskyRaw::Simplicial(s) = simplicial.raw() else {
        return false;
    };
    let n = perm.len();
    let cp = s.col_ptr();
    let sparse: f64 = (0..n)
        .map(|j| ((cp[j + 1] - cp[j]) as f64).powi(2) / 2.0)
        .sum();
    let (p, _) = block_prefix(perm, adj);
    let nt = (n - p) as f64;
    let dense = nt.powi(3) / 6.0 + p as f64 * nt * nt / 2.0;
    n - p <= DENSE_MAX_DIM && dense <= DENSE_SPEEDUP * sparse
}

/// Ratio of the speeds of faer's dense blocked kernels and its sparse factorization on nearly
/// dense factors (measured on the collocation KKT: about 8; taken conservatively).
const DENSE_SPEEDUP: f64 = 3.0;
/// Largest dense trailing part of [`SparseMethod::DenseSchur`] chosen automatically
/// (memory `8·nt²` bytes: 72 MB at 3000).
const DENSE_MAX_DIM: usize = 3000;

/// Symbolic Cholesky of `pattern` in the elimination order `perm` (`perm_inv` is scratch).
fn symbolic_in_order(
    pattern: &SymbolicSparseColMat<usize>,
    perm: &[usize],
    perm_inv: &mut [usize],
    params: CholeskySymbolicParams<'_>,
) -> Result<SymbolicCholesky<usize>, String> {
    let n = perm.len();
    for (k, &p) in perm.iter().enumerate() {
        perm_inv[p] = k;
    }
    let perm_ref = faer::perm::PermRef::new_checked(perm, perm_inv, n);
    factorize_symbolic_cholesky(
        pattern.as_ref(),
        Side::Lower,
        SymmetricOrdering::Custom(perm_ref),
        params,
    )
    .map_err(|e| format!("symbolic Cholesky failed: {e:?}"))
}

/// Position of `D_kk` (pivot `k` of the permuted matrix) in the value array of the factor:
/// in the simplicial layout the diagonal entry of column `k`; in the supernodal layout the
/// diagonal of the supernode's dense column-major block (rows: the supernode's own columns,
/// then its off-diagonal pattern).
fn diagonal_positions(symbolic: &SymbolicCholesky<usize>) -> Result<Vec<usize>, String> {
    let n = symbolic.nrows();
    let mut d = Vec::with_capacity(n);
    match symbolic.raw() {
        SymbolicCholeskyRaw::Simplicial(s) => {
            let (cp, ri) = (s.col_ptr(), s.row_idx());
            for j in 0..n {
                match (cp[j]..cp[j + 1]).find(|&p| ri[p] == j) {
                    Some(p) => d.push(p),
                    None => return Err(format!("no diagonal in column {j} of L")),
                }
            }
        }
        SymbolicCholeskyRaw::Supernodal(s) => {
            let (begin, end, cpv) = (s.supernode_begin(), s.supernode_end(), s.col_ptr_for_val());
            for k in 0..s.n_supernodes() {
                let ncols = end[k] - begin[k];
                let nrows = (cpv[k + 1] - cpv[k]) / ncols.max(1);
                for j in 0..ncols {
                    d.push(cpv[k] + j * nrows + j);
                }
            }
        }
    }
    if d.len() != n {
        return Err(format!("factor has {} pivots for dimension {n}", d.len()));
    }
    Ok(d)
}
