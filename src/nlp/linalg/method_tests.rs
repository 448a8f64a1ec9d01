//! Every sparse method (faer simplicial, faer supernodal, block prefix + dense Schur) against
//! the dense Bunch–Kaufman factorization on the same KKT matrices: inertia (1×1 and 2×2
//! pivots in the reference) and solutions.

use super::schur_ldl::{block_prefix, MAX_BLOCK};
use super::{DenseLdl, Inertia, NodeKind, SparseLdl, SparseMethod};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const METHODS: [SparseMethod; 4] = [
    SparseMethod::Auto,
    SparseMethod::Simplicial,
    SparseMethod::Supernodal,
    SparseMethod::DenseSchur,
];

/// Collocation-shaped KKT in lower triplets: `nb` state pairs with 2×2 Hessian blocks (some
/// indefinite), `np` parameters coupled to every state, `m` constraint rows coupled densely to
/// the states and parameters, Hessian shift `dw`. Returns (dim, rows, cols, vals, kinds, nw).
#[allow(clippy::type_complexity)]
fn collocation_like(
    nb: usize,
    np: usize,
    m: usize,
    dw: f64,
    seed: u64,
) -> (
    usize,
    Vec<usize>,
    Vec<usize>,
    Vec<f64>,
    Vec<NodeKind>,
    usize,
) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let ns = 2 * nb;
    let nw = ns + np;
    let (mut r, mut c, mut v) = (Vec::new(), Vec::new(), Vec::new());
    let mut push = |i: usize, j: usize, x: f64| {
        r.push(i.max(j));
        c.push(i.min(j));
        v.push(x);
    };
    for b in 0..nb {
        let (i, j) = (2 * b, 2 * b + 1);
        push(i, i, rng.random_range(-0.5..2.0) + dw);
        push(j, j, rng.random_range(-0.5..2.0) + dw);
        push(j, i, rng.random_range(-1.0..1.0));
        for k in 0..np {
            push(ns + k, i, 0.1 * rng.random_range(-1.0..1.0));
            push(ns + k, j, 0.1 * rng.random_range(-1.0..1.0));
        }
    }
    for k in 0..np {
        for l in 0..=k {
            let d = if l == k { 1.0 + dw } else { 0.0 };
            push(ns + k, ns + l, d + 0.05 * rng.random_range(-1.0..1.0));
        }
    }
    for row in 0..m {
        for col in 0..nw {
            if col < ns || rng.random_range(0.0..1.0) < 0.5 {
                push(nw + row, col, rng.random_range(-1.0..1.0));
            }
        }
        push(nw + row, nw + row, 0.0);
    }
    let kind = (0..nw + m)
        .map(|i| {
            if i >= nw {
                NodeKind::Constraint
            } else {
                NodeKind::Variable
            }
        })
        .collect();
    (nw + m, r, c, v, kind, nw)
}

fn dense_of(dim: usize, r: &[usize], c: &[usize], v: &[f64]) -> Vec<f64> {
    let mut a = vec![0.0; dim * dim];
    for k in 0..r.len() {
        a[r[k] * dim + c[k]] += v[k];
    }
    a
}

#[test]
fn every_method_matches_bunch_kaufman_on_collocation_like_kkt() {
    let mut wrong_inertia_seen = false;
    for seed in 0..6 {
        for dw in [0.0, 0.3, 3.0] {
            let (dim, r, c, v, kind, nw) = collocation_like(12, 7, 16, dw, seed);
            let dense = dense_of(dim, &r, &c, &v);
            let bk = DenseLdl::factor(dim, &dense, 1e-18);
            let want = bk.inertia();
            wrong_inertia_seen |= want.pos != nw;
            let b: Vec<f64> = (0..dim).map(|i| (i as f64 * 0.37).sin()).collect();
            let mut xd = b.clone();
            bk.solve(&mut xd);
            for method in METHODS {
                let mut sp = SparseLdl::analyze_with(dim, &r, &c, &kind, method).expect("analysis");
                let got = sp.factor(&v, 1e-18);
                assert_eq!(got, want, "seed {seed}, dw {dw}, {method:?}");
                let mut xs = b.clone();
                sp.solve(&mut xs);
                for i in 0..dim {
                    assert!(
                        (xs[i] - xd[i]).abs() < 1e-8 * (1.0 + xd[i].abs()),
                        "seed {seed}, dw {dw}, {method:?}, x[{i}] = {} vs {}",
                        xs[i],
                        xd[i]
                    );
                }
            }
        }
    }
    assert!(
        wrong_inertia_seen,
        "the cases should include non-convex ones"
    );
}

#[test]
fn auto_picks_dense_schur_for_nearly_dense_factors_only() {
    let (dim, r, c, _, kind, _) = collocation_like(40, 10, 30, 1.0, 1);
    let sp = SparseLdl::analyze(dim, &r, &c, &kind).expect("analysis");
    assert_eq!(sp.method(), SparseMethod::DenseSchur);
    // banded (optimal-control-like): a sparse factor, faer's method
    let nv = 200;
    let (mut r, mut c) = (Vec::new(), Vec::new());
    for i in 0..nv {
        r.push(i);
        c.push(i);
    }
    for k in 0..nv - 1 {
        r.extend([nv + k, nv + k, nv + k]);
        c.extend([k, k + 1, nv + k]);
    }
    let kind: Vec<NodeKind> = (0..2 * nv - 1)
        .map(|i| {
            if i >= nv {
                NodeKind::Constraint
            } else {
                NodeKind::Variable
            }
        })
        .collect();
    let sp = SparseLdl::analyze(2 * nv - 1, &r, &c, &kind).expect("analysis");
    assert_ne!(sp.method(), SparseMethod::DenseSchur);
}

#[test]
fn block_prefix_stops_at_the_first_large_component() {
    // nodes 0..2q: pairs (2k, 2k+1); node 2q couples to all of them, node 2q+1 to the hub
    let q = MAX_BLOCK;
    let hub = 2 * q;
    let mut adj = vec![Vec::new(); hub + 2];
    let mut link = |a: usize, b: usize| {
        adj[a].push(b);
        adj[b].push(a);
    };
    for k in 0..q {
        link(2 * k, 2 * k + 1);
        link(2 * k, hub);
    }
    link(hub, hub + 1);
    let perm: Vec<usize> = (0..hub + 2).collect();
    let (p, blocks) = block_prefix(&perm, &adj);
    assert_eq!(p, hub);
    let want: Vec<Vec<usize>> = (0..q).map(|k| vec![2 * k, 2 * k + 1]).collect();
    assert_eq!(blocks, want);
}

#[test]
fn dense_schur_reports_exact_and_tiny_pivots_as_zero() {
    // two identical constraint rows: a zero eigenvalue (pivot 0 in the trailing part)
    let (r, c, v) = (
        vec![0, 1, 2, 2, 3, 3],
        vec![0, 1, 0, 1, 0, 1],
        vec![1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
    );
    use NodeKind::{Constraint, Variable};
    let kind = [Variable, Variable, Constraint, Constraint];
    let mut sp =
        SparseLdl::analyze_with(4, &r, &c, &kind, SparseMethod::DenseSchur).expect("analysis");
    let i = sp.factor(&v, 1e-14);
    assert!(i.zero >= 1, "{i:?}");
    let mut x = vec![1.0; 4];
    sp.solve(&mut x);
    assert!(x.iter().all(|v| v.is_nan()));
    // a zero pivot in a prefix block
    let v0 = [0.0, 1.0, 1.0, 1.0, 1.0, 2.0];
    let i = sp.factor(&v0, 1e-14);
    assert_eq!(
        i,
        Inertia {
            pos: 3,
            neg: 0,
            zero: 1
        }
    );
}
