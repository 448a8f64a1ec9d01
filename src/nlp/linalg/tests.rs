//! Tests of the factorizations: inertia of matrices with known spectra, solve residuals, and
//! the sparse path against the dense one on the same KKT matrices.

use super::{DenseLdl, Inertia, NodeKind, SparseLdl};
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
        let kind: Vec<NodeKind> = (0..dim)
            .map(|i| {
                if i >= nv {
                    NodeKind::Constraint
                } else {
                    NodeKind::Variable
                }
            })
            .collect();
        let mut sp = SparseLdl::analyze(dim, &r, &c, &kind).expect("analysis");
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
    use NodeKind::{Constraint, Variable};
    let kind = [Variable, Variable, Constraint, Constraint];
    let mut sp = SparseLdl::analyze(4, &r, &c, &kind).expect("analysis");
    let i = sp.factor(&v, 1e-14);
    assert!(i.zero >= 1, "{i:?}");
    let mut dense = vec![0.0; 16];
    for k in 0..r.len() {
        dense[r[k] * 4 + c[k]] += v[k];
    }
    assert!(DenseLdl::factor(4, &dense, 1e-14).inertia().zero >= 1);
}

#[test]
fn zero_diagonal_variables_are_ordered_after_their_rows() {
    // H = diag(0, 2, 0, 2, ...) (even variables have no diagonal entry at all), J bidiagonal:
    // unpivoted elimination in natural order would hit a zero pivot at once
    let nv = 40;
    let m = nv / 2;
    let (mut r, mut c, mut v) = (Vec::new(), Vec::new(), Vec::new());
    for i in (1..nv).step_by(2) {
        r.push(i);
        c.push(i);
        v.push(2.0);
    }
    for k in 0..m {
        for (col, val) in [(2 * k, 0.3), (2 * k + 1, 1.0)] {
            r.push(nv + k);
            c.push(col);
            v.push(val);
        }
        if k > 0 {
            r.push(nv + k);
            c.push(2 * k - 1);
            v.push(-1.1);
        }
    }
    let dim = nv + m;
    let kind: Vec<NodeKind> = (0..dim)
        .map(|i| match i {
            i if i >= nv => NodeKind::Constraint,
            i if i % 2 == 0 => NodeKind::ZeroVariable,
            _ => NodeKind::Variable,
        })
        .collect();
    let mut sp = SparseLdl::analyze(dim, &r, &c, &kind).expect("analysis");
    let si = sp.factor(&v, 1e-18);
    let mut dense = vec![0.0; dim * dim];
    for k in 0..r.len() {
        dense[r[k] * dim + c[k]] += v[k];
    }
    let df = DenseLdl::factor(dim, &dense, 1e-18);
    assert_eq!(si, df.inertia());
    assert_eq!(
        si,
        Inertia {
            pos: nv,
            neg: m,
            zero: 0
        }
    );
    let b: Vec<f64> = (0..dim).map(|i| 1.0 + (i as f64).cos()).collect();
    let (mut xs, mut xd) = (b.clone(), b.clone());
    sp.solve(&mut xs);
    df.solve(&mut xd);
    for i in 0..dim {
        assert!((xs[i] - xd[i]).abs() < 1e-9 * (1.0 + xd[i].abs()), "{i}");
    }
}
