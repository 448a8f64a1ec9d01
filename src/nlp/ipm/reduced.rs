//! Reduced-space (null-space) factorization of the KKT matrix
//!
//! ```text
//!   K = [ H + δ_w I   Jᵀ ]      H = ∇²L + Σ,   J = [ J_y  J_θ ]
//!       [ J           0  ]
//! ```
//!
//! for problems that name `m` *dependent* variables `y` whose Jacobian block `J_y` (`m × m`) is
//! nonsingular, the other `n_r = n − m` variables being `θ` (e.g. the node states and the
//! network parameters of a collocation NLP). With `M = J_y⁻¹ J_θ` the columns of
//! `Z = [−M; I]` span the null space of `J`, and by Gould's theorem
//! `inertia(K) = inertia(Zᵀ(H + δ_w I)Z) + (m, m, 0)`. So the inertia test needs only the
//! `n_r × n_r` reduced Hessian
//!
//! ```text
//!   R(δ_w) = Zᵀ H Z + δ_w ZᵀZ,   ZᵀHZ = H_θθ − T − Tᵀ + Mᵀ H_yy M,  T = H_θy M,
//!   ZᵀZ = I + MᵀM,
//! ```
//!
//! and the expensive part (the LU of `J_y`, `M`, `ZᵀHZ`, `ZᵀZ`) is computed once per matrix and
//! reused by every δ_w trial of the inertia correction, which then costs one `n_r³/3`
//! Bunch–Kaufman factorization. For the collocation KKT (n = 562, m = 400) this replaces
//! ≈ 2.4 factorizations of a dense 562-row Schur complement per iteration by one LU of 400
//! rows and a 162-row LDLᵀ.
//!
//! Solve of `K [x; λ] = [r₁; r₂]`: `p_y = J_y⁻¹ r₂`, `q = R⁻¹ Zᵀ(r₁ − H̃ [p_y; 0])`,
//! `x = [p_y − M q; q]`, `λ = J_y⁻ᵀ (r₁ − H̃ x)_y` with `H̃ = H + δ_w I`.
//!
//! All kernels run sequentially, so the result does not depend on the number of threads.
//! Only for `δ_c = 0`; the caller falls back to the full factorization otherwise, and when
//! `J_y` is numerically singular.

use crate::nlp::linalg::{DenseLdl, Inertia};
use faer::dyn_stack::{MemBuffer, MemStack, StackReq};
use faer::linalg::lu::partial_pivoting::{factor as lu, solve as lu_solve};
use faer::linalg::matmul::matmul;
use faer::perm::PermRef;
use faer::{Accum, Mat, Par};

/// `J_y` counts as singular when its smallest LU pivot is below this times the largest.
const SINGULAR_TOL: f64 = 1e-13;

/// Where a variable sits in the split.
#[derive(Clone, Copy, Debug)]
enum Role {
    /// Dependent variable number `k` (column `k` of `J_y`).
    Dep(usize),
    /// Independent variable number `k` (column `k` of `J_θ`).
    Ind(usize),
}

/// The reduced-space factorization (module docs).
pub(crate) struct Reduced {
    nw: usize,
    m: usize,
    nr: usize,
    role: Vec<Role>,
    dep: Vec<usize>,
    ind: Vec<usize>,
    /// LU of `J_y` (in place) and its row permutation.
    lu: Mat<f64>,
    perm: Vec<usize>,
    perm_inv: Vec<usize>,
    /// `J_θ`, overwritten by `M = J_y⁻¹ J_θ` (`m × n_r`).
    mm: Mat<f64>,
    /// `ZᵀHZ` and `ZᵀZ` (`n_r × n_r`).
    zhz: Mat<f64>,
    zz: Mat<f64>,
    /// Reduced Hessian of the current δ_w (row-major lower, for [`DenseLdl`]) and its factor.
    r: Vec<f64>,
    ldl: Option<DenseLdl>,
    /// True when `lu`, `mm`, `zhz`, `zz` belong to the current matrix values.
    prepared: bool,
    /// False when the current `J_y` is singular.
    nonsingular: bool,
    buf: MemBuffer,
}

impl std::fmt::Debug for Reduced {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Reduced(n = {}, m = {}, reduced = {})",
            self.nw, self.m, self.nr
        )
    }
}

impl Reduced {
    /// Sets up the split of `nw` variables with `m` constraints; `dep` must hold `m` distinct
    /// indices below `nw` and `m < nw`, else `None`.
    pub(crate) fn new(nw: usize, m: usize, dep: &[usize]) -> Option<Self> {
        if m == 0 || dep.len() != m || m >= nw {
            return None;
        }
        let mut role = vec![Role::Ind(usize::MAX); nw];
        let mut seen = vec![false; nw];
        for (k, &v) in dep.iter().enumerate() {
            if v >= nw || seen[v] {
                return None;
            }
            seen[v] = true;
            role[v] = Role::Dep(k);
        }
        let ind: Vec<usize> = (0..nw).filter(|&v| !seen[v]).collect();
        for (k, &v) in ind.iter().enumerate() {
            role[v] = Role::Ind(k);
        }
        let nr = nw - m;
        let req = StackReq::any_of(&[
            lu::lu_in_place_scratch::<usize, f64>(m, m, Par::Seq, Default::default()),
            lu_solve::solve_in_place_scratch::<usize, f64>(m, nr, Par::Seq),
            lu_solve::solve_transpose_in_place_scratch::<usize, f64>(m, 1, Par::Seq),
        ]);
        Some(Self {
            nw,
            m,
            nr,
            role,
            dep: dep.to_vec(),
            ind,
            lu: Mat::zeros(m, m),
            perm: vec![0; m],
            perm_inv: vec![0; m],
            mm: Mat::zeros(m, nr),
            zhz: Mat::zeros(nr, nr),
            zz: Mat::zeros(nr, nr),
            r: vec![0.0; nr * nr],
            ldl: None,
            prepared: false,
            nonsingular: false,
            buf: MemBuffer::new(req),
        })
    }

    /// Marks the matrix values as changed (the next [`Reduced::factor`] recomputes the LU).
    pub(crate) fn invalidate(&mut self) {
        self.prepared = false;
    }

    /// LU of `J_y`, `M`, `ZᵀHZ` and `ZᵀZ` from the Hessian triplets `h` (lower triangle,
    /// duplicates summed), the diagonal `diag` (Σ, without δ_w) and the Jacobian triplets `j`
    /// (rows numbered after the variables, `nw + i` for constraint `i`, as in the KKT matrix).
    fn prepare(&mut self, h: Triplets<'_>, diag: &[f64], j: Triplets<'_>) {
        let (m, nr) = (self.m, self.nr);
        self.prepared = true;
        self.lu.fill(0.0);
        self.mm.fill(0.0);
        for ((&r, &c), &v) in j.rows.iter().zip(j.cols).zip(j.vals) {
            let r = r - self.nw;
            match self.role[c] {
                Role::Dep(k) => self.lu[(r, k)] += v,
                Role::Ind(k) => self.mm[(r, k)] += v,
            }
        }
        let _ = lu::lu_in_place(
            self.lu.as_mut(),
            &mut self.perm,
            &mut self.perm_inv,
            Par::Seq,
            MemStack::new(&mut self.buf),
            Default::default(),
        );
        let (mut umin, mut umax) = (f64::INFINITY, 0.0f64);
        for k in 0..m {
            let u = self.lu[(k, k)].abs();
            umin = umin.min(u);
            umax = umax.max(u);
        }
        self.nonsingular = umin.is_finite() && umin > SINGULAR_TOL * umax;
        if !self.nonsingular {
            return;
        }
        // M = J_y⁻¹ J_θ
        let lu = (&self.lu, &self.perm[..], &self.perm_inv[..]);
        lu_solve_in_place(lu, self.mm.as_mut(), &mut self.buf, false);
        // H_yy M (sparse), H_θy (dense, n_r × m) and H_θθ (dense, symmetric)
        let mut hyym = Mat::<f64>::zeros(m, nr);
        let mut hty = Mat::<f64>::zeros(nr, m);
        self.zhz.fill(0.0);
        let diag_entries = diag.iter().enumerate().map(|(i, d)| (i, i, *d));
        let entries = h
            .rows
            .iter()
            .zip(h.cols)
            .zip(h.vals)
            .map(|((&r, &c), &v)| (r, c, v))
            .chain(diag_entries);
        for (r, c, v) in entries {
            match (self.role[r], self.role[c]) {
                (Role::Dep(a), Role::Dep(b)) => {
                    for k in 0..nr {
                        hyym[(a, k)] += v * self.mm[(b, k)];
                    }
                    if a != b {
                        for k in 0..nr {
                            hyym[(b, k)] += v * self.mm[(a, k)];
                        }
                    }
                }
                (Role::Ind(a), Role::Ind(b)) => {
                    self.zhz[(a, b)] += v;
                    if a != b {
                        self.zhz[(b, a)] += v;
                    }
                }
                (Role::Ind(a), Role::Dep(b)) | (Role::Dep(b), Role::Ind(a)) => hty[(a, b)] += v,
            }
        }
        // ZᵀHZ = H_θθ − T − Tᵀ + Mᵀ (H_yy M),  T = H_θy M
        let mut t = Mat::<f64>::zeros(nr, nr);
        matmul(
            t.as_mut(),
            Accum::Replace,
            hty.as_ref(),
            self.mm.as_ref(),
            1.0,
            Par::Seq,
        );
        matmul(
            self.zhz.as_mut(),
            Accum::Add,
            self.mm.transpose(),
            hyym.as_ref(),
            1.0,
            Par::Seq,
        );
        for a in 0..nr {
            for b in 0..nr {
                self.zhz[(a, b)] -= t[(a, b)] + t[(b, a)];
            }
        }
        // ZᵀZ = I + MᵀM
        matmul(
            self.zz.as_mut(),
            Accum::Replace,
            self.mm.transpose(),
            self.mm.as_ref(),
            1.0,
            Par::Seq,
        );
        for a in 0..nr {
            self.zz[(a, a)] += 1.0;
        }
    }

    /// Factorizes `K` with Hessian triplets `h`, diagonal `diag` (without δ_w), Jacobian
    /// triplets `j` and regularization δ_w (δ_c = 0). Returns the inertia of `K`, or `None`
    /// when `J_y` is singular (use a full factorization instead).
    pub(crate) fn factor(
        &mut self,
        h: Triplets<'_>,
        diag: &[f64],
        j: Triplets<'_>,
        dw: f64,
        zero_tol: f64,
    ) -> Option<Inertia> {
        if !self.prepared {
            self.prepare(h, diag, j);
        }
        if !self.nonsingular {
            return None;
        }
        let nr = self.nr;
        for a in 0..nr {
            for b in 0..=a {
                self.r[a * nr + b] = self.zhz[(a, b)] + dw * self.zz[(a, b)];
            }
        }
        if self.r.iter().any(|v| !v.is_finite()) {
            return None;
        }
        let f = DenseLdl::factor(nr, &self.r, zero_tol);
        let i = f.inertia();
        self.ldl = Some(f);
        Some(Inertia {
            pos: i.pos + self.m,
            neg: i.neg + self.m,
            zero: i.zero,
        })
    }

    /// Solves `K x = b` in place (original indexing: variables, then constraints) with the
    /// last successful [`Reduced::factor`]; `hmul(v, out)` must set `out = (H + δ_w I) v`.
    pub(crate) fn solve(&mut self, b: &mut [f64], hmul: &dyn Fn(&[f64], &mut [f64])) {
        let (nw, m, nr) = (self.nw, self.m, self.nr);
        let Some(ldl) = &self.ldl else {
            b.iter_mut().for_each(|v| *v = f64::NAN);
            return;
        };
        let r1 = b[..nw].to_vec();
        // p_y = J_y⁻¹ r₂
        let mut py = Mat::<f64>::from_fn(m, 1, |i, _| b[nw + i]);
        let lu = (&self.lu, &self.perm[..], &self.perm_inv[..]);
        lu_solve_in_place(lu, py.as_mut(), &mut self.buf, false);
        let mut x = vec![0.0; nw];
        for (k, &v) in self.dep.iter().enumerate() {
            x[v] = py[(k, 0)];
        }
        let mut hx = vec![0.0; nw];
        hmul(&x, &mut hx);
        // q = R⁻¹ Zᵀ (r₁ − H̃ [p_y; 0]),  Zᵀ g = g_θ − Mᵀ g_y
        let gy = Mat::<f64>::from_fn(m, 1, |k, _| r1[self.dep[k]] - hx[self.dep[k]]);
        let mut q = Mat::<f64>::from_fn(nr, 1, |k, _| r1[self.ind[k]] - hx[self.ind[k]]);
        matmul(
            q.as_mut(),
            Accum::Add,
            self.mm.transpose(),
            gy.as_ref(),
            -1.0,
            Par::Seq,
        );
        let mut qv: Vec<f64> = (0..nr).map(|k| q[(k, 0)]).collect();
        ldl.solve(&mut qv);
        // x = [p_y − M q; q]
        let qm = Mat::<f64>::from_fn(nr, 1, |k, _| qv[k]);
        matmul(
            py.as_mut(),
            Accum::Add,
            self.mm.as_ref(),
            qm.as_ref(),
            -1.0,
            Par::Seq,
        );
        for (k, &v) in self.dep.iter().enumerate() {
            x[v] = py[(k, 0)];
        }
        for (k, &v) in self.ind.iter().enumerate() {
            x[v] = qv[k];
        }
        // λ = J_y⁻ᵀ (r₁ − H̃ x)_y
        hmul(&x, &mut hx);
        let mut lam = Mat::<f64>::from_fn(m, 1, |k, _| r1[self.dep[k]] - hx[self.dep[k]]);
        let lu = (&self.lu, &self.perm[..], &self.perm_inv[..]);
        lu_solve_in_place(lu, lam.as_mut(), &mut self.buf, true);
        b[..nw].copy_from_slice(&x);
        for i in 0..m {
            b[nw + i] = lam[(i, 0)];
        }
    }
}

/// `X ← J_y⁻¹ X` (or `J_y⁻ᵀ X` if `transpose`) with the in-place LU of `J_y` and its row
/// permutation (forward, inverse).
fn lu_solve_in_place(
    (lu, perm, perm_inv): (&Mat<f64>, &[usize], &[usize]),
    x: faer::MatMut<'_, f64>,
    buf: &mut MemBuffer,
    transpose: bool,
) {
    let perm = PermRef::new_checked(perm, perm_inv, perm.len());
    let (lu, stack) = (lu.as_ref(), MemStack::new(buf));
    if transpose {
        lu_solve::solve_transpose_in_place(lu, lu, perm, x, Par::Seq, stack);
    } else {
        lu_solve::solve_in_place(lu, lu, perm, x, Par::Seq, stack);
    }
}

/// Coordinate entries `(rows[k], cols[k], vals[k])`.
#[derive(Clone, Copy)]
pub(crate) struct Triplets<'a> {
    pub rows: &'a [usize],
    pub cols: &'a [usize],
    pub vals: &'a [f64],
}

#[cfg(test)]
mod tests {
    use super::super::kkt::Kkt;
    use approx::assert_relative_eq;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// A dense KKT pattern with `nw` variables and `m` constraints, random values: an
    /// indefinite Hessian (so the inertia correction has work to do), `J_y` on the
    /// variables `dep` (diagonally dominant times `jy_scale`, 0 makes it singular).
    #[allow(clippy::type_complexity)]
    fn problem(
        nw: usize,
        m: usize,
        dep: &[usize],
        jy_scale: f64,
        seed: u64,
    ) -> (
        (Vec<usize>, Vec<usize>, Vec<f64>),
        (Vec<usize>, Vec<usize>, Vec<f64>),
        Vec<f64>,
    ) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let (mut hr, mut hc, mut hv) = (vec![], vec![], vec![]);
        for i in 0..nw {
            for j in 0..=i {
                hr.push(i);
                hc.push(j);
                hv.push(rng.random_range(-1.0..1.0));
            }
        }
        let (mut jr, mut jc, mut jv) = (vec![], vec![], vec![]);
        for i in 0..m {
            for j in 0..nw {
                let mut v = rng.random_range(-1.0..1.0);
                if let Some(k) = dep.iter().position(|&d| d == j) {
                    v *= jy_scale;
                    if k == i {
                        v += 3.0 * m as f64 * jy_scale;
                    }
                }
                jr.push(i);
                jc.push(j);
                jv.push(v);
            }
        }
        let diag = (0..nw).map(|_| rng.random_range(0.0..0.5)).collect();
        ((hr, hc, hv), (jr, jc, jv), diag)
    }

    fn kkts(nw: usize, m: usize, dep: &[usize], jy_scale: f64, seed: u64) -> (Kkt, Kkt) {
        let ((hr, hc, hv), (jr, jc, jv), diag) = problem(nw, m, dep, jy_scale, seed);
        let bounded = vec![false; nw];
        let mk = |d: Option<&[usize]>| {
            let mut k = Kkt::new(nw, m, (&hr, &hc), (&jr, &jc), &bounded, None, d).unwrap();
            k.set_values(&hv, &diag, &jv);
            k
        };
        (mk(Some(dep)), mk(None))
    }

    #[test]
    fn reduced_space_matches_full_bunch_kaufman() {
        let (nw, m, dep) = (9, 5, [0, 2, 3, 6, 8]);
        for seed in 0..5 {
            let (mut red, mut full) = kkts(nw, m, &dep, 1.0, seed);
            // the same inertia at every δ_w trial, hence the same correction
            let (dr, df) = (red.factor_corrected(0.1), full.factor_corrected(0.1));
            assert!(red.is_reduced());
            assert_eq!(dr, df);
            assert!(dr.is_some_and(|d| d > 0.0), "indefinite H needs δ_w > 0");
            let mut rng = ChaCha8Rng::seed_from_u64(100 + seed);
            let b: Vec<f64> = (0..nw + m).map(|_| rng.random_range(-1.0..1.0)).collect();
            let (mut xr, mut xf) = (b.clone(), b);
            assert!(red.solve(&mut xr) < 1e-12);
            full.solve(&mut xf);
            for (a, e) in xr.iter().zip(&xf) {
                assert_relative_eq!(*a, *e, epsilon = 1e-10, max_relative = 1e-9);
            }
        }
    }

    #[test]
    fn singular_dependent_block_falls_back_to_the_full_factorization() {
        let (nw, m, dep) = (6, 3, [1, 2, 4]);
        let (mut red, mut full) = kkts(nw, m, &dep, 0.0, 7);
        let (dr, df) = (red.factor_corrected(0.1), full.factor_corrected(0.1));
        assert!(!red.is_reduced());
        assert_eq!(dr, df);
        let b: Vec<f64> = (0..nw + m).map(|i| (i as f64).sin()).collect();
        let (mut xr, mut xf) = (b.clone(), b);
        red.solve(&mut xr);
        full.solve(&mut xf);
        assert_eq!(xr, xf);
    }

    #[test]
    fn invalid_splits_are_ignored() {
        assert!(super::Reduced::new(5, 2, &[0, 0]).is_none());
        assert!(super::Reduced::new(5, 2, &[0, 5]).is_none());
        assert!(super::Reduced::new(5, 2, &[0]).is_none());
        assert!(super::Reduced::new(3, 3, &[0, 1, 2]).is_none());
        assert!(super::Reduced::new(5, 2, &[4, 1]).is_some());
    }
}
