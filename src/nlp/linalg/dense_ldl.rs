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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nlp::linalg::SparseLdl;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    fn residual(n: usize, a: &[f64], x: &[f64], b: &[f64]) -> f64 {
        (0..n)
            .map(|i| {
                let ax: f64 = (0..n).map(|j| a[i * n + j] * x[j]).sum();
                (ax - b[i]).abs()
            })
            .fold(0.0, f64::max)
    }

    /// Q diag(λ) Qᵀ with a random orthogonal Q (from nalgebra's QR), so the inertia is known.
    fn with_eigenvalues(lams: &[f64], seed: u64) -> Vec<f64> {
        let n = lams.len();
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let m = nalgebra::DMatrix::<f64>::from_fn(n, n, |_, _| rng.random_range(-1.0..1.0));
        let q = m.qr().q();
        let a = &q
            * nalgebra::DMatrix::from_diagonal(&nalgebra::DVector::from_column_slice(lams))
            * q.transpose();
        let mut out = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..n {
                out[i * n + j] = 0.5 * (a[(i, j)] + a[(j, i)]);
            }
        }
        out
    }

    #[test]
    fn inertia_of_known_spectra() {
        let cases: [(&[f64], Inertia); 4] = [
            (
                &[3.0, 2.0, 1.0, 0.5],
                Inertia {
                    pos: 4,
                    neg: 0,
                    zero: 0,
                },
            ),
            (
                &[3.0, -2.0, 1.0, -0.5, 7.0],
                Inertia {
                    pos: 3,
                    neg: 2,
                    zero: 0,
                },
            ),
            (
                &[1.0, 0.0, -1.0],
                Inertia {
                    pos: 1,
                    neg: 1,
                    zero: 1,
                },
            ),
            (
                &[-1e-3, -2.0, -5.0, 4.0, 1e3, 0.0],
                Inertia {
                    pos: 2,
                    neg: 3,
                    zero: 1,
                },
            ),
        ];
        for (k, (lams, want)) in cases.iter().enumerate() {
            let a = with_eigenvalues(lams, k as u64);
            let f = DenseLdl::factor(lams.len(), &a, 1e-12);
            assert_eq!(f.inertia(), *want, "case {k}");
        }
    }

    #[test]
    fn kkt_inertia_and_solve_residual() {
        // [[H, Jᵀ], [J, 0]] with H = diag(2, −1, 3) and J = [1 1 1]: H is indefinite but its
        // reduction to null(J), [[1, 2], [2, 5]], is positive definite, so In(K) = (3, 1, 0).
        let a = [
            2.0, 0.0, 0.0, 1.0, //
            0.0, -1.0, 0.0, 1.0, //
            0.0, 0.0, 3.0, 1.0, //
            1.0, 1.0, 1.0, 0.0,
        ];
        let f = DenseLdl::factor(4, &a, 1e-14);
        assert_eq!(
            f.inertia(),
            Inertia {
                pos: 3,
                neg: 1,
                zero: 0
            }
        );
        // with H = diag(2, −1, −3) the reduction is indefinite: In(K) = (2, 2, 0)
        let mut a2 = a;
        a2[10] = -3.0;
        assert_eq!(
            DenseLdl::factor(4, &a2, 1e-14).inertia(),
            Inertia {
                pos: 2,
                neg: 2,
                zero: 0
            }
        );
        let b = [1.0, -2.0, 0.5, 3.0];
        let mut x = b;
        f.solve(&mut x);
        assert!(residual(4, &a, &x, &b) < 1e-13);
    }

    #[test]
    fn random_indefinite_solves_accurately() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        for n in [1usize, 2, 5, 17, 40] {
            let mut a = vec![0.0; n * n];
            for i in 0..n {
                for j in 0..=i {
                    let v = rng.random_range(-1.0..1.0);
                    a[i * n + j] = v;
                    a[j * n + i] = v;
                }
            }
            let b: Vec<f64> = (0..n).map(|_| rng.random_range(-1.0..1.0)).collect();
            let f = DenseLdl::factor(n, &a, 1e-14);
            let i = f.inertia();
            assert_eq!(i.pos + i.neg + i.zero, n);
            let mut x = b.clone();
            f.solve(&mut x);
            assert!(residual(n, &a, &x, &b) < 1e-9, "n = {n}");
            // inertia agrees with the eigenvalues
            let m = nalgebra::DMatrix::from_row_slice(n, n, &a);
            let ev = m.symmetric_eigenvalues();
            assert_eq!(i.pos, ev.iter().filter(|&&e| e > 0.0).count(), "n = {n}");
        }
    }

    /// Banded KKT matrix (optimal-control-like): H = diag(h), J bidiagonal.
    fn banded_kkt(nv: usize, h: &[f64], delta_c: f64) -> (usize, Vec<usize>, Vec<usize>, Vec<f64>) {
        let m = nv - 1;
        let (mut r, mut c, mut v) = (Vec::new(), Vec::new(), Vec::new());
        for i in 0..nv {
            r.push(i);
            c.push(i);
            v.push(h[i]);
        }
        for k in 0..m {
            r.push(nv + k);
            c.push(k);
            v.push(-0.9);
            r.push(nv + k);
            c.push(k + 1);
            v.push(1.0);
            r.push(nv + k);
            c.push(nv + k);
            v.push(-delta_c);
        }
        // a duplicate entry, summed
        r.push(0);
        c.push(0);
        v.push(0.25);
        (nv + m, r, c, v)
    }

    #[test]
    fn sparse_matches_dense_on_the_same_kkt() {
        let nv = 60;
        for (case, h) in [
            (0, (0..nv).map(|i| 1.0 + (i % 3) as f64).collect::<Vec<_>>()),
            (
                1,
                (0..nv)
                    .map(|i| if i % 7 == 3 { -0.5 } else { 2.0 })
                    .collect(),
            ),
        ] {
            let (dim, r, c, v) = banded_kkt(nv, &h, 0.0);
            let delayed: Vec<bool> = (0..dim).map(|i| i >= nv).collect();
            let mut sp = SparseLdl::analyze(dim, &r, &c, &delayed).expect("analysis");
            let si = sp.factor(&v, 1e-18);
            let mut dense = vec![0.0; dim * dim];
            for k in 0..r.len() {
                dense[r[k] * dim + c[k]] += v[k];
            }
            let df = DenseLdl::factor(dim, &dense, 1e-18);
            assert_eq!(si, df.inertia(), "case {case}");
            if case == 0 {
                assert_eq!(
                    si,
                    Inertia {
                        pos: nv,
                        neg: nv - 1,
                        zero: 0
                    }
                );
            }
            let b: Vec<f64> = (0..dim).map(|i| (i as f64 * 0.37).sin()).collect();
            let (mut xs, mut xd) = (b.clone(), b.clone());
            sp.solve(&mut xs);
            df.solve(&mut xd);
            for i in 0..dim {
                assert!(
                    (xs[i] - xd[i]).abs() < 1e-9 * (1.0 + xd[i].abs()),
                    "case {case}, {i}"
                );
            }
            // symmetric use of the lower triangle
            let mut full = dense.clone();
            for i in 0..dim {
                for j in 0..i {
                    full[j * dim + i] = full[i * dim + j];
                }
            }
            assert!(residual(dim, &full, &xs, &b) < 1e-10);
        }
    }

    #[test]
    fn sparse_reports_singular_kkt() {
        // two identical constraint rows: J rank deficient, δ_c = 0 ⇒ a zero pivot
        let (r, c, v) = (
            vec![0, 1, 2, 2, 3, 3],
            vec![0, 1, 0, 1, 0, 1],
            vec![1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
        );
        let delayed = [false, false, true, true];
        let mut sp = SparseLdl::analyze(4, &r, &c, &delayed).expect("analysis");
        let i = sp.factor(&v, 1e-14);
        assert!(i.zero >= 1, "{i:?}");
        let mut dense = vec![0.0; 16];
        for k in 0..r.len() {
            dense[r[k] * 4 + c[k]] += v[k];
        }
        assert!(DenseLdl::factor(4, &dense, 1e-14).inertia().zero >= 1);
    }
}
