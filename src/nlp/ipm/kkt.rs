//! The primal–dual KKT matrix
//!
//! ```text
//!   [ W + Σ + δ_w I     Jᵀ    ]
//!   [ J              −δ_c I   ]
//! ```
//!
//! assembled in lower-triangle coordinate form, factorized densely (Bunch–Kaufman) or sparsely
//! (faer LDLᵀ), with IPOPT's inertia correction (Wächter & Biegler 2006, Algorithm IC) and
//! iterative refinement of the solves. When the problem names dependent variables with a
//! square Jacobian block, the reduced-space factorization of `reduced.rs` is tried first
//! (δ_c = 0 only; the full factorization is the fallback).

use super::reduced::{Reduced, Triplets};
use crate::nlp::linalg::{DenseLdl, Inertia, NodeKind, SparseLdl, SparseMethod};

/// Pivots below this times max|K| count as zero eigenvalues.
const ZERO_TOL: f64 = 1e-18;
/// δ̄_w⁰, δ_w^min, δ_w^max, κ_w⁻, κ_w⁺, κ̄_w⁺, δ̄_c, κ_c (IPOPT defaults).
const DW0: f64 = 1e-4;
const DW_MIN: f64 = 1e-20;
const DW_MAX: f64 = 1e40;
const KW_MINUS: f64 = 1.0 / 3.0;
const KW_PLUS: f64 = 8.0;
const KW_PLUS_BAR: f64 = 100.0;
const DC_BAR: f64 = 1e-8;
const KAPPA_C: f64 = 0.25;

enum Backend {
    Dense(Option<DenseLdl>, Vec<f64>),
    Sparse(Box<SparseLdl>),
}

/// KKT matrix storage, factorization and solves.
pub(crate) struct Kkt {
    nw: usize,
    m: usize,
    rows: Vec<usize>,
    cols: Vec<usize>,
    vals: Vec<f64>,
    nh: usize,
    nj: usize,
    base_diag: Vec<f64>,
    backend: Backend,
    /// δ_w of the last successful correction (0 if none was needed).
    pub delta_w_last: f64,
    /// True if the last factorization needed δ_c > 0.
    pub regularized_c: bool,
    /// (δ_w, δ_c) of the current factorization.
    current: (f64, f64),
    /// Numeric factorizations so far (inertia-correction retries included).
    pub factorizations: usize,
    /// Reduced-space factorization, if the problem has a dependent/independent split.
    reduced: Option<Reduced>,
    /// True if the current factorization is the reduced one.
    use_reduced: bool,
    /// True after a reduced solve came back inaccurate: full factorizations until the next
    /// [`Kkt::set_values`].
    force_full: bool,
}

impl Kkt {
    /// Sets up the pattern: Hessian `(hr, hc)` (lower, over w), Jacobian `(jr, jc)`;
    /// `bounded[i]` says whether `w_i` has a finite bound (so Σ_ii > 0); `sparse` selects the
    /// sparse factorization and its method (`None`: dense Bunch–Kaufman).
    pub fn new(
        nw: usize,
        m: usize,
        (hr, hc): (&[usize], &[usize]),
        (jr, jc): (&[usize], &[usize]),
        bounded: &[bool],
        sparse: Option<SparseMethod>,
        dependent: Option<&[usize]>,
    ) -> Result<Self, String> {
        let (nh, nj) = (hr.len(), jr.len());
        let mut rows = Vec::with_capacity(nh + nw + nj + m);
        let mut cols = Vec::with_capacity(nh + nw + nj + m);
        rows.extend_from_slice(hr);
        cols.extend_from_slice(hc);
        rows.extend(0..nw);
        cols.extend(0..nw);
        rows.extend(jr.iter().map(|r| nw + r));
        cols.extend_from_slice(jc);
        rows.extend(nw..nw + m);
        cols.extend(nw..nw + m);
        let dim = nw + m;
        let backend = if let Some(method) = sparse {
            let mut has_diag = vec![false; nw];
            for k in 0..nh {
                if hr[k] == hc[k] {
                    has_diag[hr[k]] = true;
                }
            }
            let kind: Vec<NodeKind> = (0..dim)
                .map(|i| {
                    if i >= nw {
                        NodeKind::Constraint
                    } else if !has_diag[i] && !bounded[i] {
                        NodeKind::ZeroVariable
                    } else {
                        NodeKind::Variable
                    }
                })
                .collect();
            Backend::Sparse(Box::new(SparseLdl::analyze_with(
                dim, &rows, &cols, &kind, method,
            )?))
        } else {
            Backend::Dense(None, vec![0.0; dim * dim])
        };
        let len = rows.len();
        Ok(Self {
            nw,
            m,
            rows,
            cols,
            vals: vec![0.0; len],
            nh,
            nj,
            base_diag: vec![0.0; nw],
            backend,
            delta_w_last: 0.0,
            regularized_c: false,
            current: (0.0, 0.0),
            factorizations: 0,
            reduced: dependent.and_then(|d| Reduced::new(nw, m, d)),
            use_reduced: false,
            force_full: false,
        })
    }

    /// Threads for the dense kernels of the sparse backend (0 = rayon's pool, 1 = none).
    pub fn set_threads(&mut self, threads: usize) {
        if let Backend::Sparse(s) = &mut self.backend {
            s.set_threads(threads);
        }
    }

    /// True for the sparse backend.
    pub fn is_sparse(&self) -> bool {
        matches!(self.backend, Backend::Sparse(_))
    }

    /// Dimension `nw + m`.
    pub fn dim(&self) -> usize {
        self.nw + self.m
    }

    /// Sets `W` (Hessian values in pattern order), the diagonal `Σ` and `J`.
    pub fn set_values(&mut self, hess: &[f64], diag: &[f64], jac: &[f64]) {
        self.vals[..self.nh].copy_from_slice(hess);
        self.base_diag.copy_from_slice(diag);
        let o = self.nh + self.nw;
        self.vals[o..o + self.nj].copy_from_slice(jac);
        if let Some(r) = &mut self.reduced {
            r.invalidate();
        }
        self.force_full = false;
    }

    /// True if the last factorization was the reduced-space one.
    pub fn is_reduced(&self) -> bool {
        self.use_reduced
    }

    fn factor(&mut self, dw: f64, dc: f64) -> Inertia {
        self.current = (dw, dc);
        self.factorizations += 1;
        let (nh, nw, nj) = (self.nh, self.nw, self.nj);
        for i in 0..nw {
            self.vals[nh + i] = self.base_diag[i] + dw;
        }
        for v in &mut self.vals[nh + nw + nj..] {
            *v = -dc;
        }
        self.use_reduced = false;
        let try_reduced = dc == 0.0 && !self.force_full;
        if let (Some(r), true) = (&mut self.reduced, try_reduced) {
            let o = nh + nw;
            let h = Triplets {
                rows: &self.rows[..nh],
                cols: &self.cols[..nh],
                vals: &self.vals[..nh],
            };
            let j = Triplets {
                rows: &self.rows[o..o + nj],
                cols: &self.cols[o..o + nj],
                vals: &self.vals[o..o + nj],
            };
            if let Some(inertia) = r.factor(h, &self.base_diag, j, dw, ZERO_TOL) {
                self.use_reduced = true;
                return inertia;
            }
        }
        let dim = self.dim();
        match &mut self.backend {
            Backend::Dense(fac, buf) => {
                buf.iter_mut().for_each(|v| *v = 0.0);
                for k in 0..self.vals.len() {
                    buf[self.rows[k] * dim + self.cols[k]] += self.vals[k];
                }
                if buf.iter().any(|v| !v.is_finite()) {
                    *fac = None;
                    return Inertia {
                        pos: 0,
                        neg: 0,
                        zero: dim,
                    };
                }
                let f = DenseLdl::factor(dim, buf, ZERO_TOL);
                let inertia = f.inertia();
                *fac = Some(f);
                inertia
            }
            Backend::Sparse(s) => {
                if self.vals.iter().any(|v| !v.is_finite()) {
                    return Inertia {
                        pos: 0,
                        neg: 0,
                        zero: dim,
                    };
                }
                s.factor(&self.vals, ZERO_TOL)
            }
        }
    }

    fn correct(&self, i: Inertia) -> bool {
        i.pos == self.nw && i.neg == self.m && i.zero == 0
    }

    /// Factorizes with the smallest regularization giving inertia `(nw, m, 0)`
    /// (Algorithm IC). Returns `δ_w`, or `None` if `δ_w` would exceed 1e40.
    pub fn factor_corrected(&mut self, mu: f64) -> Option<f64> {
        self.regularized_c = false;
        let i0 = self.factor(0.0, 0.0);
        if self.correct(i0) {
            return Some(0.0);
        }
        let mut dc = 0.0;
        if i0.zero > 0 {
            dc = DC_BAR * mu.powf(KAPPA_C);
            self.regularized_c = true;
            let i1 = self.factor(0.0, dc);
            if self.correct(i1) {
                return Some(0.0);
            }
        }
        let mut dw = if self.delta_w_last == 0.0 {
            DW0
        } else {
            (KW_MINUS * self.delta_w_last).max(DW_MIN)
        };
        loop {
            let i = self.factor(dw, dc);
            if self.correct(i) {
                self.delta_w_last = dw;
                return Some(dw);
            }
            if i.zero > 0 && dc == 0.0 {
                dc = DC_BAR * mu.powf(KAPPA_C);
                self.regularized_c = true;
            }
            dw *= if self.delta_w_last == 0.0 {
                KW_PLUS_BAR
            } else {
                KW_PLUS
            };
            if dw > DW_MAX {
                return None;
            }
        }
    }

    /// Refactorizes with a larger δ_w (at least δ̄_w⁰, else κ̄_w⁺ times the current one) after
    /// a solve came back inaccurate, e.g. from a tiny unpivoted sparse pivot. Returns the new
    /// δ_w, or `None` beyond δ_w^max.
    pub fn factor_stronger(&mut self) -> Option<f64> {
        let (dw0, dc) = self.current;
        if self.use_reduced {
            // an inaccurate reduced solve (ill-conditioned J_y): same δ_w, full factorization
            self.force_full = true;
            let i = self.factor(dw0, dc);
            if self.correct(i) {
                return Some(dw0);
            }
        }
        let mut dw = (KW_PLUS_BAR * dw0).max(DW0);
        loop {
            if dw > DW_MAX {
                return None;
            }
            let i = self.factor(dw, dc);
            if self.correct(i) {
                self.delta_w_last = dw;
                return Some(dw);
            }
            dw *= KW_PLUS;
        }
    }

    /// Factorizes as is (no correction); used for the least-squares multiplier estimate.
    /// Returns false if the matrix is singular.
    pub fn factor_plain(&mut self) -> bool {
        let i = self.factor(0.0, 0.0);
        i.zero == 0
    }

    fn raw_solve(&mut self, b: &mut [f64]) {
        if self.use_reduced {
            if let Some(r) = &mut self.reduced {
                let nhw = self.nh + self.nw;
                let (rows, cols, vals) = (&self.rows[..nhw], &self.cols[..nhw], &self.vals[..nhw]);
                let hmul = |x: &[f64], y: &mut [f64]| sym_multiply(rows, cols, vals, x, y);
                r.solve(b, &hmul);
                return;
            }
        }
        match &mut self.backend {
            Backend::Dense(Some(f), _) => f.solve(b),
            Backend::Dense(None, _) => b.iter_mut().for_each(|v| *v = f64::NAN),
            Backend::Sparse(s) => s.solve(b),
        }
    }

    fn multiply(&self, x: &[f64], y: &mut [f64]) {
        sym_multiply(&self.rows, &self.cols, &self.vals, x, y);
    }

    /// Solves `K x = b` in place with up to 3 steps of iterative refinement; returns the final
    /// relative residual ‖b − Kx‖∞ / ‖b‖∞ (NaN-safe: non-finite counts as +∞).
    pub fn solve(&mut self, b: &mut [f64]) -> f64 {
        let rhs = b.to_vec();
        self.raw_solve(b);
        let bnorm = rhs.iter().fold(0.0f64, |a, v| a.max(v.abs())).max(1e-300);
        let mut r = vec![0.0; b.len()];
        let mut step = 0;
        loop {
            self.multiply(b, &mut r);
            let mut rmax = 0.0f64;
            for k in 0..r.len() {
                r[k] = rhs[k] - r[k];
                rmax = rmax.max(r[k].abs());
            }
            let rel = rmax / bnorm;
            if !rel.is_finite() {
                return f64::INFINITY;
            }
            if rel <= 1e-12 || step == 3 {
                return rel;
            }
            self.raw_solve(&mut r);
            for k in 0..r.len() {
                b[k] += r[k];
            }
            step += 1;
        }
    }
}

/// `y = A x` for the symmetric `A` given by its lower-triangle triplets (duplicates summed).
fn sym_multiply(rows: &[usize], cols: &[usize], vals: &[f64], x: &[f64], y: &mut [f64]) {
    y.iter_mut().for_each(|v| *v = 0.0);
    for ((&i, &j), &v) in rows.iter().zip(cols).zip(vals) {
        y[i] += v * x[j];
        if i != j {
            y[j] += v * x[i];
        }
    }
}
