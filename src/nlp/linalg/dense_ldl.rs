//! Dense symmetric indefinite `P A Pᵀ = L D Lᵀ` with Bunch–Kaufman pivoting (1×1 and 2×2
//! blocks in `D`), which gives the inertia of `A` by Sylvester's law.
//!
//! Algorithm: the unblocked lower-triangular variant of LAPACK's `dsytf2`, with
//! α = (1 + √17)/8 (Golub & Van Loan, *Matrix Computations*, §4.4).

use super::Inertia;

/// Bunch–Kaufman factorization of a dense symmetric matrix.
#[derive(Clone, Debug)]
pub struct DenseLdl {
    n: usize,
    /// Row-major n×n; the strict lower triangle holds L (unit diagonal implied), the diagonal
    /// and first subdiagonal of 2×2 blocks hold D.
    a: Vec<f64>,
    /// Row swapped with row k at step k (k itself if none).
    swap: Vec<usize>,
    /// Block size starting at k (1 or 2; 0 for the second row of a 2×2 block).
    block: Vec<u8>,
    inertia: Inertia,
}

const ALPHA: f64 = 0.640_388_203_202_208; // (1 + sqrt(17)) / 8

impl DenseLdl {
    /// Factorizes the symmetric `n × n` matrix given in row-major order (only the lower
    /// triangle is read). A pivot `d_k` with |d_k| ≤ `zero_tol · max_j |A_kj|` (the original
    /// row of the pivot, so that rows of very different scale are judged separately) counts as
    /// a zero eigenvalue.
    pub fn factor(n: usize, a_lower: &[f64], zero_tol: f64) -> Self {
        let mut a = vec![0.0; n * n];
        let mut rowmax = vec![f64::MIN_POSITIVE; n];
        for i in 0..n {
            for j in 0..=i {
                let v = a_lower[i * n + j];
                a[i * n + j] = v;
                a[j * n + i] = v;
                rowmax[i] = rowmax[i].max(v.abs());
                rowmax[j] = rowmax[j].max(v.abs());
            }
        }
        let mut swap = vec![0; n];
        let mut block = vec![1u8; n];
        let mut inertia = Inertia::default();
        let (mut c1, mut c2) = (vec![0.0; n], vec![0.0; n]);
        let mut k = 0;
        while k < n {
            let akk = a[k * n + k].abs();
            let ztol = zero_tol * rowmax[k];
            let (mut imax, mut colmax) = (k, 0.0f64);
            for i in k + 1..n {
                let v = a[i * n + k].abs();
                if v > colmax {
                    colmax = v;
                    imax = i;
                }
            }
            let (kp, kstep);
            if akk.max(colmax) <= ztol {
                // Zero column: a zero eigenvalue; nothing to eliminate.
                swap[k] = k;
                block[k] = 1;
                inertia.zero += 1;
                for i in k + 1..n {
                    a[i * n + k] = 0.0;
                }
                a[k * n + k] = 0.0;
                k += 1;
                continue;
            } else if akk >= ALPHA * colmax {
                kp = k;
                kstep = 1;
            } else {
                let mut rowmax = 0.0f64;
                for j in k..n {
                    if j != imax {
                        rowmax = rowmax.max(a[imax * n + j].abs());
                    }
                }
                if akk * rowmax >= ALPHA * colmax * colmax {
                    kp = k;
                    kstep = 1;
                } else if a[imax * n + imax].abs() >= ALPHA * rowmax {
                    kp = imax;
                    kstep = 1;
                } else {
                    kp = imax;
                    kstep = 2;
                }
            }
            let kk = k + kstep - 1;
            if kp != kk {
                // Swap rows kk and kp (all columns, so L's computed part moves too), then
                // columns kk and kp of the trailing rows.
                for j in 0..n {
                    a.swap(kk * n + j, kp * n + j);
                }
                for i in k..n {
                    a.swap(i * n + kk, i * n + kp);
                }
                rowmax.swap(kk, kp);
            }
            let ztol = zero_tol * rowmax[k].max(rowmax[kk]);
            swap[kk] = kp;
            if kstep == 2 {
                swap[k] = k;
            }
            if kstep == 1 {
                let d = a[k * n + k];
                if d.abs() <= ztol {
                    inertia.zero += 1;
                } else if d > 0.0 {
                    inertia.pos += 1;
                } else {
                    inertia.neg += 1;
                }
                block[k] = 1;
                if d != 0.0 {
                    for i in k + 1..n {
                        c1[i] = a[i * n + k];
                    }
                    for i in k + 1..n {
                        let li = c1[i] / d;
                        for j in k + 1..=i {
                            a[i * n + j] -= li * c1[j];
                        }
                        a[i * n + k] = li;
                    }
                    // restore symmetry of the trailing block (upper from lower)
                    for i in k + 1..n {
                        for j in k + 1..i {
                            a[j * n + i] = a[i * n + j];
                        }
                    }
                }
            } else {
                let (d11, d21, d22) = (a[k * n + k], a[(k + 1) * n + k], a[(k + 1) * n + k + 1]);
                let det = d11 * d22 - d21 * d21;
                // eigenvalues of the 2×2 block
                let (mid, rad) = (
                    0.5 * (d11 + d22),
                    (0.25 * (d11 - d22).powi(2) + d21 * d21).sqrt(),
                );
                for lam in [mid + rad, mid - rad] {
                    if lam.abs() <= ztol {
                        inertia.zero += 1;
                    } else if lam > 0.0 {
                        inertia.pos += 1;
                    } else {
                        inertia.neg += 1;
                    }
                }
                block[k] = 2;
                block[k + 1] = 0;
                if det != 0.0 {
                    for i in k + 2..n {
                        c1[i] = a[i * n + k];
                        c2[i] = a[i * n + k + 1];
                    }
                    for i in k + 2..n {
                        let l1 = (c1[i] * d22 - c2[i] * d21) / det;
                        let l2 = (c2[i] * d11 - c1[i] * d21) / det;
                        for j in k + 2..=i {
                            a[i * n + j] -= l1 * c1[j] + l2 * c2[j];
                        }
                        a[i * n + k] = l1;
                        a[i * n + k + 1] = l2;
                    }
                    for i in k + 2..n {
                        for j in k + 2..i {
                            a[j * n + i] = a[i * n + j];
                        }
                    }
                }
            }
            k += kstep;
        }
        Self {
            n,
            a,
            swap,
            block,
            inertia,
        }
    }

    /// Inertia of the factorized matrix.
    pub fn inertia(&self) -> Inertia {
        self.inertia
    }

    /// Solves `A x = b` in place. Zero pivots are skipped (their component set to 0), so the
    /// result is only meaningful when the inertia has no zero eigenvalues.
    pub fn solve(&self, b: &mut [f64]) {
        let n = self.n;
        let a = &self.a;
        // b := P b, then forward substitution with L
        for k in 0..n {
            b.swap(k, self.swap[k]);
        }
        let mut k = 0;
        while k < n {
            let kstep = if self.block[k] == 2 { 2 } else { 1 };
            for c in k..k + kstep {
                let bc = b[c];
                if bc != 0.0 {
                    for i in k + kstep..n {
                        b[i] -= a[i * n + c] * bc;
                    }
                }
            }
            k += kstep;
        }
        // D
        let mut k = 0;
        while k < n {
            if self.block[k] == 2 {
                let (d11, d21, d22) = (a[k * n + k], a[(k + 1) * n + k], a[(k + 1) * n + k + 1]);
                let det = d11 * d22 - d21 * d21;
                let (b1, b2) = (b[k], b[k + 1]);
                if det != 0.0 {
                    b[k] = (d22 * b1 - d21 * b2) / det;
                    b[k + 1] = (d11 * b2 - d21 * b1) / det;
                } else {
                    b[k] = 0.0;
                    b[k + 1] = 0.0;
                }
                k += 2;
            } else {
                let d = a[k * n + k];
                b[k] = if d != 0.0 { b[k] / d } else { 0.0 };
                k += 1;
            }
        }
        // backward Lᵀ, then Pᵀ
        let mut k = n;
        while k > 0 {
            let top = k - 1;
            let kstart = if self.block[top] == 0 { top - 1 } else { top };
            let kstep = top - kstart + 1;
            for c in kstart..=top {
                let mut s = b[c];
                for i in kstart + kstep..n {
                    s -= a[i * n + c] * b[i];
                }
                b[c] = s;
            }
            k = kstart;
        }
        for k in (0..n).rev() {
            b.swap(k, self.swap[k]);
        }
    }
}
