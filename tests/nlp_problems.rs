//! Checks of the NLP test-problem collection, independent of any solver:
//!
//! * exact derivatives against central finite differences (gradient, constraint Jacobian, and
//!   Hessian of the Lagrangian with seeded random objective factor and multipliers) at the
//!   start point, a random nearby point and the published optimum;
//! * sparsity structures in range, Hessian entries in the lower triangle, bounds consistent;
//! * published optima: `f(x_opt)` against `f_opt`, `x_opt` feasible, and first-order (KKT)
//!   stationarity of `x_opt` with multipliers of the right sign;
//! * the optimal-control problem's Riccati optimum against a direct solve of its KKT system.
//!
//! Tolerances. Central differences with step `h = 1e-5·max(1, |x_j|)` have truncation error
//! `O(h²)` and cancellation error `≈ ε|F|/h`; a derivative passes when
//! `|exact − fd| ≤ 1e-6·(1 + |exact|) + 100·ε·(|F(x+h)| + |F(x−h)|)/h`. Published optimal
//! points are rounded to about 7 significant digits, so each `x_j` carries an error up to
//! `δ_j = 5e-7·|x_j| + 1e-12`; values computed at `x_opt` pass when within
//! `1e-6·(1 + |value|) + 2·Σ_j |∂value/∂x_j|·δ_j` (the first-order effect of that rounding).

use approx::assert_relative_eq;
use nalgebra::{DMatrix, DVector};
use nodal::nlp::problems::{
    all, by_name, optimal_control, optimal_control_nonlinear, Expect, TestProblem,
};
use nodal::nlp::Nlp;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const EPS: f64 = f64::EPSILON;

struct Dims {
    n: usize,
    m: usize,
    x_l: Vec<f64>,
    x_u: Vec<f64>,
    g_l: Vec<f64>,
    g_u: Vec<f64>,
}

fn dims(p: &dyn Nlp) -> Dims {
    let (n, m) = (p.num_vars(), p.num_cons());
    let mut d = Dims {
        n,
        m,
        x_l: vec![f64::NAN; n],
        x_u: vec![f64::NAN; n],
        g_l: vec![f64::NAN; m],
        g_u: vec![f64::NAN; m],
    };
    p.bounds(&mut d.x_l, &mut d.x_u, &mut d.g_l, &mut d.g_u);
    d
}

fn start(p: &dyn Nlp) -> Vec<f64> {
    let mut x = vec![f64::NAN; p.num_vars()];
    p.initial_point(&mut x);
    x
}

fn grad(p: &dyn Nlp, x: &[f64]) -> Vec<f64> {
    let mut g = vec![f64::NAN; p.num_vars()];
    p.gradient(x, &mut g);
    g
}

fn cons(p: &dyn Nlp, x: &[f64]) -> Vec<f64> {
    let mut g = vec![f64::NAN; p.num_cons()];
    p.constraints(x, &mut g);
    g
}

/// Dense Jacobian assembled from the sparse structure (duplicates summed).
fn jac_dense(p: &dyn Nlp, x: &[f64]) -> DMatrix<f64> {
    let s = p.jacobian_structure();
    let mut v = vec![f64::NAN; s.len()];
    p.jacobian_values(x, &mut v);
    let mut j = DMatrix::zeros(p.num_cons(), p.num_vars());
    for (&(r, c), val) in s.iter().zip(&v) {
        j[(r, c)] += val;
    }
    j
}

/// Dense symmetric Hessian of the Lagrangian from the lower-triangle structure.
fn hess_dense(p: &dyn Nlp, x: &[f64], sigma: f64, lam: &[f64]) -> DMatrix<f64> {
    let n = p.num_vars();
    let s = p
        .hessian_structure()
        .expect("every problem supplies a Hessian");
    let mut v = vec![f64::NAN; s.len()];
    p.hessian_values(x, sigma, lam, &mut v);
    let mut h = DMatrix::zeros(n, n);
    for (&(r, c), val) in s.iter().zip(&v) {
        h[(r, c)] += val;
        if r != c {
            h[(c, r)] += val;
        }
    }
    h
}

/// Gradient of the Lagrangian `σ∇f + Jᵀλ`.
fn lag_grad(p: &dyn Nlp, x: &[f64], sigma: f64, lam: &[f64]) -> Vec<f64> {
    let g = grad(p, x);
    let j = jac_dense(p, x);
    (0..p.num_vars())
        .map(|c| sigma * g[c] + (0..p.num_cons()).map(|r| lam[r] * j[(r, c)]).sum::<f64>())
        .collect()
}

fn step(xj: f64) -> f64 {
    1e-5 * xj.abs().max(1.0)
}

fn fd_ok(exact: f64, fd: f64, f_plus: f64, f_minus: f64, h: f64) -> bool {
    let tol = 1e-6 * (1.0 + exact.abs()) + 100.0 * EPS * (f_plus.abs() + f_minus.abs()) / h;
    (exact - fd).abs() <= tol
}

/// All derivative checks at `x`.
fn check_derivatives(name: &str, p: &dyn Nlp, x: &[f64], rng: &mut ChaCha8Rng) {
    let (n, m) = (p.num_vars(), p.num_cons());
    // Gradient.
    let g = grad(p, x);
    let mut xp = x.to_vec();
    for j in 0..n {
        let h = step(x[j]);
        xp[j] = x[j] + h;
        let fp = p.objective(&xp);
        xp[j] = x[j] - h;
        let fm = p.objective(&xp);
        xp[j] = x[j];
        let fd = (fp - fm) / (2.0 * h);
        assert!(
            fd_ok(g[j], fd, fp, fm, h),
            "{name}: df/dx{j} = {} but finite difference {fd} at {x:?}",
            g[j]
        );
    }
    // Jacobian.
    let jac = jac_dense(p, x);
    for j in 0..n {
        let h = step(x[j]);
        xp[j] = x[j] + h;
        let cp = cons(p, &xp);
        xp[j] = x[j] - h;
        let cm = cons(p, &xp);
        xp[j] = x[j];
        for i in 0..m {
            let fd = (cp[i] - cm[i]) / (2.0 * h);
            assert!(
                fd_ok(jac[(i, j)], fd, cp[i], cm[i], h),
                "{name}: dg{i}/dx{j} = {} but finite difference {fd}",
                jac[(i, j)]
            );
        }
    }
    // Hessian of the Lagrangian, random σ and λ.
    let sigma: f64 = rng.random_range(0.5..2.0);
    let lam: Vec<f64> = (0..m).map(|_| rng.random_range(-2.0..2.0)).collect();
    let hess = hess_dense(p, x, sigma, &lam);
    for j in 0..n {
        let h = step(x[j]);
        xp[j] = x[j] + h;
        let lp = lag_grad(p, &xp, sigma, &lam);
        xp[j] = x[j] - h;
        let lm = lag_grad(p, &xp, sigma, &lam);
        xp[j] = x[j];
        for i in 0..n {
            let fd = (lp[i] - lm[i]) / (2.0 * h);
            assert!(
                fd_ok(hess[(i, j)], fd, lp[i], lm[i], h),
                "{name}: Hessian ({i},{j}) = {} but finite difference {fd}",
                hess[(i, j)]
            );
        }
    }
}

fn nearby(x: &[f64], rng: &mut ChaCha8Rng) -> Vec<f64> {
    x.iter()
        .map(|&v| v + 0.1 * (1.0 + v.abs()) * rng.random_range(-1.0..1.0))
        .collect()
}

fn check_structure(name: &str, p: &dyn Nlp) {
    let d = dims(p);
    for (k, &(r, c)) in p.jacobian_structure().iter().enumerate() {
        assert!(
            r < d.m && c < d.n,
            "{name}: Jacobian entry {k} = ({r},{c}) out of range"
        );
    }
    let hs = p
        .hessian_structure()
        .expect("every problem supplies a Hessian");
    for (k, &(r, c)) in hs.iter().enumerate() {
        assert!(
            r < d.n && c <= r,
            "{name}: Hessian entry {k} = ({r},{c}) not lower-triangular"
        );
    }
    for j in 0..d.n {
        assert!(
            !d.x_l[j].is_nan() && !d.x_u[j].is_nan(),
            "{name}: NaN bound x{j}"
        );
        assert!(d.x_l[j] <= d.x_u[j], "{name}: x_l > x_u at {j}");
        assert!(
            d.x_l[j] < f64::INFINITY && d.x_u[j] > f64::NEG_INFINITY,
            "{name}: x{j}"
        );
    }
    for i in 0..d.m {
        assert!(
            !d.g_l[i].is_nan() && !d.g_u[i].is_nan(),
            "{name}: NaN bound g{i}"
        );
        assert!(d.g_l[i] <= d.g_u[i], "{name}: g_l > g_u at {i}");
        assert!(
            d.g_l[i] < f64::INFINITY && d.g_u[i] > f64::NEG_INFINITY,
            "{name}: g{i}"
        );
    }
    let x0 = start(p);
    assert!(
        x0.iter().all(|v| v.is_finite()),
        "{name}: non-finite start {x0:?}"
    );
    assert!(p.objective(&x0).is_finite(), "{name}: f(x0) not finite");
}

/// Rounding allowance of the published optimum (see the module documentation).
fn delta(x: &[f64]) -> Vec<f64> {
    x.iter().map(|v| 5e-7 * v.abs() + 1e-12).collect()
}

fn rounding_tol(value: f64, dvalue: impl Iterator<Item = f64>, delta: &[f64]) -> f64 {
    1e-6 * (1.0 + value.abs()) + 2.0 * dvalue.zip(delta).map(|(d, e)| d.abs() * e).sum::<f64>()
}

/// f(x_opt) = f_opt, x_opt feasible, and KKT stationarity with correctly signed multipliers.
fn check_optimum(tp: &TestProblem) {
    let (name, p) = (tp.name, tp.nlp.as_ref());
    let (Some(f_opt), Some(x)) = (tp.f_opt, tp.x_opt.as_ref()) else {
        return;
    };
    let d = dims(p);
    assert_eq!(x.len(), d.n, "{name}: x_opt has the wrong length");
    let dl = delta(x);
    let g = grad(p, x);
    let f = p.objective(x);
    let tol = rounding_tol(f_opt, g.iter().copied(), &dl);
    assert!(
        (f - f_opt).abs() <= tol,
        "{name}: f(x_opt) = {f} but published f_opt = {f_opt} (tolerance {tol:e})"
    );
    // Feasibility, and which bounds and constraints are active.
    let c = cons(p, x);
    let jac = jac_dense(p, x);
    let mut active: Vec<(DVector<f64>, f64)> = Vec::new(); // (gradient, sign: +1 lower, -1 upper, 0 equality)
    for (i, &ci) in c.iter().enumerate() {
        let tol = rounding_tol(ci, jac.row(i).iter().copied(), &dl);
        assert!(
            ci >= d.g_l[i] - tol && ci <= d.g_u[i] + tol,
            "{name}: constraint {i} = {} outside [{}, {}] at x_opt (tolerance {tol:e})",
            ci,
            d.g_l[i],
            d.g_u[i]
        );
        let row = DVector::from_iterator(d.n, jac.row(i).iter().copied());
        if d.g_l[i] == d.g_u[i] {
            active.push((row, 0.0));
        } else if (ci - d.g_l[i]).abs() <= 10.0 * tol {
            active.push((row, 1.0));
        } else if (ci - d.g_u[i]).abs() <= 10.0 * tol {
            active.push((row, -1.0));
        }
    }
    for j in 0..d.n {
        let tol = 1e-9 * (1.0 + x[j].abs());
        assert!(
            x[j] >= d.x_l[j] - tol && x[j] <= d.x_u[j] + tol,
            "{name}: x_opt[{j}] = {} outside [{}, {}]",
            x[j],
            d.x_l[j],
            d.x_u[j]
        );
        let e = DVector::from_fn(d.n, |k, _| if k == j { 1.0 } else { 0.0 });
        let btol = 10.0 * dl[j] + 1e-9;
        if (x[j] - d.x_l[j]).abs() <= btol {
            active.push((e, 1.0));
        } else if (x[j] - d.x_u[j]).abs() <= btol {
            active.push((e, -1.0));
        }
    }
    // Stationarity: ∇f = Σ y_k s_k a_k with y_k >= 0 (s_k = +1 at lower-active rows, -1 at
    // upper-active rows; equality rows enter with both signs). The active rows may be
    // linearly dependent (HS116), so the multipliers are found by nonnegative least squares.
    let gf = DVector::from_vec(g);
    let scale = 1.0 + gf.amax();
    let mut cols = Vec::new();
    for (v, s) in &active {
        if *s == 0.0 {
            cols.push(v.clone());
            cols.push(-v);
        } else {
            cols.push(v * *s);
        }
    }
    let resid = if cols.is_empty() {
        gf.amax()
    } else {
        let a = DMatrix::from_columns(&cols);
        let y = nnls(&a, &gf);
        (&a * &y - &gf).amax()
    };
    assert!(
        resid <= 1e-4 * scale,
        "{name}: x_opt is not a KKT point: stationarity residual {resid:e} with multipliers \
         of the right signs (gradient scale {scale:e})"
    );
}

/// Nonnegative least squares `min ‖A y − b‖, y >= 0` (Lawson & Hanson 1974, ch. 23).
fn nnls(a: &DMatrix<f64>, b: &DVector<f64>) -> DVector<f64> {
    let k = a.ncols();
    let mut y = DVector::zeros(k);
    let mut passive = vec![false; k];
    let tol = 1e-12 * (1.0 + a.amax() * b.amax());
    for _ in 0..3 * k + 10 {
        let w = a.transpose() * (b - a * &y);
        let Some((j, wj)) = (0..k)
            .filter(|&j| !passive[j])
            .map(|j| (j, w[j]))
            .max_by(|p, q| p.1.total_cmp(&q.1))
        else {
            break;
        };
        if wj <= tol {
            break;
        }
        passive[j] = true;
        loop {
            let idx: Vec<usize> = (0..k).filter(|&i| passive[i]).collect();
            let sub = DMatrix::from_columns(&idx.iter().map(|&i| a.column(i)).collect::<Vec<_>>());
            let sol = sub
                .svd(true, true)
                .solve(b, 1e-13)
                .expect("SVD solve of the passive set");
            let mut z = DVector::zeros(k);
            for (t, &i) in idx.iter().enumerate() {
                z[i] = sol[t];
            }
            if idx.iter().all(|&i| z[i] > 0.0) {
                y = z;
                break;
            }
            let alpha = idx
                .iter()
                .filter(|&&i| z[i] <= 0.0)
                .map(|&i| y[i] / (y[i] - z[i]))
                .fold(f64::INFINITY, f64::min);
            y += (z - &y) * alpha;
            for &i in &idx {
                if y[i] <= 1e-15 {
                    y[i] = 0.0;
                    passive[i] = false;
                }
            }
        }
    }
    y
}

#[test]
fn collection_has_the_required_problems() {
    let probs = all();
    let names: Vec<&str> = probs.iter().map(|p| p.name).collect();
    for required in [
        "hs071", "hs035", "hs038", "hs047", "hs100", "hs106", "hs108", "hs116",
    ] {
        assert!(names.contains(&required), "missing {required}");
    }
    let hs = names.iter().filter(|n| n.starts_with("hs")).count();
    assert!(hs >= 25, "only {hs} Hock–Schittkowski problems");
    for n in ["rosenbrock_2", "rosenbrock_10", "rosenbrock_100"] {
        let p = by_name(n).expect(n);
        assert_eq!(p.nlp.num_vars(), n[11..].parse::<usize>().unwrap());
    }
    let mut sorted = names.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(sorted.len(), names.len(), "duplicate names");
    assert!(probs.iter().any(|p| p.expect == Expect::Infeasible));
    assert!(probs.iter().any(|p| p.expect == Expect::Unbounded));
    for p in &probs {
        assert_eq!(p.expect == Expect::Optimal, p.f_opt.is_some(), "{}", p.name);
        assert!(!p.source.is_empty(), "{}: no source", p.name);
        assert_eq!(by_name(p.name).map(|q| q.name), Some(p.name));
    }
    assert!(by_name("no_such_problem").is_none());
}

#[test]
fn structures_and_bounds_are_consistent() {
    for tp in all() {
        check_structure(tp.name, tp.nlp.as_ref());
    }
    check_structure("optimal_control(20)", optimal_control(20).nlp.as_ref());
    check_structure(
        "optimal_control_nonlinear(20)",
        optimal_control_nonlinear(20).nlp.as_ref(),
    );
}

#[test]
fn derivatives_match_finite_differences() {
    let mut rng = ChaCha8Rng::seed_from_u64(20260522);
    for tp in all() {
        let p = tp.nlp.as_ref();
        let x0 = start(p);
        check_derivatives(tp.name, p, &x0, &mut rng);
        let x1 = nearby(&x0, &mut rng);
        check_derivatives(tp.name, p, &x1, &mut rng);
        if let Some(x) = &tp.x_opt {
            check_derivatives(tp.name, p, x, &mut rng);
        }
    }
}

#[test]
fn published_optima_are_consistent() {
    let mut checked = 0;
    for tp in all() {
        if tp.x_opt.is_some() {
            check_optimum(&tp);
            checked += 1;
        }
    }
    assert!(checked >= 30, "only {checked} optima checked");
}

#[test]
fn optimal_control_derivatives_at_small_size() {
    let tp = optimal_control(20);
    let p = tp.nlp.as_ref();
    assert_eq!((p.num_vars(), p.num_cons()), (40, 20));
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let x0 = start(p);
    check_derivatives("optimal_control(20)", p, &x0, &mut rng);
    let x1 = nearby(&x0, &mut rng);
    check_derivatives("optimal_control(20)", p, &x1, &mut rng);
}

#[test]
fn optimal_control_is_banded_and_large() {
    let tp = optimal_control(500);
    let p = tp.nlp.as_ref();
    assert!(p.num_vars() >= 1000);
    let js = p.jacobian_structure();
    assert_eq!(js.len(), 3 * 500 - 1);
    assert!(js.iter().all(|&(r, c)| c + 1 >= 2 * r && c <= 2 * r + 1));
    let hs = p.hessian_structure().unwrap();
    assert!(hs.iter().all(|&(r, c)| r == c));
    assert_eq!(optimal_control(0).nlp.num_vars(), 2);
}

/// The Riccati optimum against an independent direct solve of the KKT system
/// `[H Jᵀ; J 0] [z; ν] = [0; −c(0)]` (the objective is `½ zᵀHz + const`, the constraints
/// `Jz + c(0)`), with nalgebra's LU.
#[test]
fn optimal_control_optimum_matches_kkt_solve() {
    for n_steps in [20, 200] {
        let tp = optimal_control(n_steps);
        let p = tp.nlp.as_ref();
        let (n, m) = (p.num_vars(), p.num_cons());
        let zero = vec![0.0; n];
        let h = hess_dense(p, &zero, 1.0, &vec![0.0; m]);
        let j = jac_dense(p, &zero);
        let c0 = cons(p, &zero);
        let mut k = DMatrix::zeros(n + m, n + m);
        k.view_mut((0, 0), (n, n)).copy_from(&h);
        k.view_mut((n, 0), (m, n)).copy_from(&j);
        k.view_mut((0, n), (n, m)).copy_from(&j.transpose());
        let mut rhs = DVector::zeros(n + m);
        for i in 0..m {
            rhs[n + i] = -c0[i];
        }
        let sol = k.lu().solve(&rhs).expect("KKT matrix is nonsingular");
        let z: Vec<f64> = sol.iter().take(n).copied().collect();
        let x_opt = tp.x_opt.as_ref().unwrap();
        for i in 0..n {
            assert_relative_eq!(z[i], x_opt[i], epsilon = 1e-10, max_relative = 1e-8);
        }
        assert_relative_eq!(p.objective(&z), tp.f_opt.unwrap(), max_relative = 1e-10);
        assert!(cons(p, x_opt).iter().all(|v| v.abs() < 1e-12));
        // The quadratic objective is exact in f(z) = ½ zᵀHz + f(0).
        let f0 = p.objective(&zero);
        let zv = DVector::from_vec(z.clone());
        assert_relative_eq!(
            p.objective(&z),
            0.5 * zv.dot(&(&h * &zv)) + f0,
            max_relative = 1e-12
        );
    }
}

/// The optimum check is not vacuous: misprinted or non-optimal data are rejected.
#[test]
fn optimum_check_rejects_wrong_data() {
    let rejects = |name: &str, x: Vec<f64>, f: Option<f64>| {
        let mut tp = by_name(name).unwrap();
        let fx = tp.nlp.objective(&x);
        tp.f_opt = Some(f.unwrap_or(fx));
        tp.x_opt = Some(x);
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check_optimum(&tp))).is_err()
    };
    let pi = std::f64::consts::PI;
    // HS005 as misprinted in some collections: x* = (1/2 - pi/2, -1/2 - pi/2), f* = -2√3 - pi/2.
    let f5 = -2.0 * 3.0_f64.sqrt() - pi / 2.0;
    assert!(rejects(
        "hs005",
        vec![0.5 - pi / 2.0, -0.5 - pi / 2.0],
        Some(f5)
    ));
    // HS040 with the sign of x3* misprinted.
    let x40 = vec![
        2.0_f64.powf(-1.0 / 3.0),
        2.0_f64.powf(-0.5),
        -(2.0_f64.powf(-11.0 / 12.0)),
        2.0_f64.powf(-0.25),
    ];
    assert!(rejects("hs040", x40, Some(-0.25)));
    // HS116 with x10* misprinted as 1.0: infeasible.
    let mut x116 = by_name("hs116").unwrap().x_opt.unwrap();
    x116[9] = 1.0;
    assert!(rejects("hs116", x116, None));
    // Feasible but not optimal (HS035's start, HS071 on its constraints), with f_opt set to
    // the objective there: only the KKT test can reject these.
    assert!(rejects("hs035", vec![0.5, 0.5, 0.5], None));
    // (1.5, a, a, 1.5) with 4.5 + 2a² = 40 satisfies both constraints strictly inside the box.
    let a = 17.75_f64.sqrt();
    let x71 = vec![1.5, a, a, 1.5];
    assert!(cons(by_name("hs071").unwrap().nlp.as_ref(), &x71)[0] > 25.0);
    assert!(rejects("hs071", x71, None));
    // The published points themselves pass.
    assert!(!rejects(
        "hs071",
        by_name("hs071").unwrap().x_opt.unwrap(),
        Some(17.014_017_3)
    ));
}

/// Callbacks given slices of the wrong length must not panic (the `Nlp` contract).
#[test]
fn wrong_length_inputs_do_not_panic() {
    let mut probs = all();
    probs.push(optimal_control(5));
    probs.push(optimal_control_nonlinear(5));
    for tp in probs {
        let p = tp.nlp.as_ref();
        let (n, m) = (p.num_vars(), p.num_cons());
        let nj = p.jacobian_structure().len();
        let nh = p.hessian_structure().map_or(0, |s| s.len());
        for len in [0, n / 2, n + 3] {
            let x = vec![0.5; len];
            assert!(
                p.objective(&x).is_nan(),
                "{}: objective of a wrong-length x",
                tp.name
            );
            p.gradient(&x, &mut vec![0.0; len]);
            p.constraints(&x, &mut vec![0.0; m / 2]);
            p.jacobian_values(&x, &mut vec![0.0; nj / 2]);
            p.hessian_values(&x, 1.0, &vec![1.0; m / 2], &mut vec![0.0; nh / 2]);
            let (mut a, mut b, mut c, mut d) = (vec![0.0; len], vec![0.0; 1], vec![], vec![]);
            p.bounds(&mut a, &mut b, &mut c, &mut d);
            p.initial_point(&mut vec![0.0; len]);
        }
    }
}

#[test]
fn nonlinear_control_derivatives_at_small_size() {
    let tp = optimal_control_nonlinear(20);
    let p = tp.nlp.as_ref();
    assert_eq!((p.num_vars(), p.num_cons()), (40, 20));
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let x0 = start(p);
    check_derivatives("optimal_control_nonlinear(20)", p, &x0, &mut rng);
    let x1 = nearby(&x0, &mut rng);
    check_derivatives("optimal_control_nonlinear(20)", p, &x1, &mut rng);
    let xo = tp.x_opt.clone().expect("DDP converged");
    check_derivatives("optimal_control_nonlinear(20)", p, &xo, &mut rng);
}

/// The DDP optimum of the nonlinear control problem satisfies, checked independently with
/// dense linear algebra: feasibility, first-order stationarity `∇f + Jᵀλ = 0` with
/// least-squares multipliers, and the second-order sufficient condition (the Hessian of the
/// Lagrangian is positive definite on the null space of `J`: `P H P + JᵀJ` is positive
/// definite, `P` the orthogonal projector onto that null space).
#[test]
fn nonlinear_control_optimum_is_a_strict_local_minimum() {
    for n_steps in [20, 200] {
        let tp = optimal_control_nonlinear(n_steps);
        let p = tp.nlp.as_ref();
        let (n, m) = (p.num_vars(), p.num_cons());
        let z = tp.x_opt.clone().expect("DDP converged");
        let f_opt = tp.f_opt.expect("DDP converged");
        assert_relative_eq!(p.objective(&z), f_opt, max_relative = 1e-14);
        assert!(cons(p, &z).iter().all(|v| v.abs() < 1e-13));
        let gf = DVector::from_vec(grad(p, &z));
        let j = jac_dense(p, &z);
        let lam = j
            .transpose()
            .svd(true, true)
            .solve(&(-&gf), 1e-14)
            .expect("SVD solve");
        let resid = (&gf + j.transpose() * &lam).amax();
        assert!(
            resid < 1e-9 * (1.0 + gf.amax()),
            "n = {n_steps}: residual {resid:e}"
        );
        let h = hess_dense(p, &z, 1.0, lam.as_slice());
        let jjt = &j * j.transpose();
        let proj = DMatrix::identity(n, n)
            - j.transpose() * jjt.lu().solve(&j).expect("J has full row rank");
        let reduced = &proj * &h * &proj + j.transpose() * &j;
        let min_eig = reduced.symmetric_eigen().eigenvalues.min();
        assert!(min_eig > 0.0, "n = {n_steps}: min eigenvalue {min_eig:e}");
        assert_eq!(m, n_steps);
    }
    // The benchmark size converges too.
    let big = optimal_control_nonlinear(500);
    assert!(big.nlp.num_vars() >= 1000);
    let z = big.x_opt.expect("DDP converged at n = 500");
    assert!(cons(big.nlp.as_ref(), &z).iter().all(|v| v.abs() < 1e-13));
}

/// An independent damped Newton method (Levenberg shift until Cholesky succeeds, Armijo
/// backtracking) using the problems' exact Hessians: from the documented starts it reaches the
/// global minimum of the unbounded Rosenbrock problems, not the spurious local one.
#[test]
fn rosenbrock_newton_reaches_the_global_minimum() {
    for name in ["rosenbrock_2", "rosenbrock_10", "rosenbrock_100"] {
        let tp = by_name(name).unwrap();
        let p = tp.nlp.as_ref();
        let n = p.num_vars();
        let mut x = start(p);
        for _ in 0..500 {
            let g = DVector::from_vec(grad(p, &x));
            if g.amax() < 1e-12 {
                break;
            }
            let h = hess_dense(p, &x, 1.0, &[]);
            let mut shift = 0.0;
            let d = loop {
                let hs = &h + DMatrix::identity(n, n) * shift;
                if let Some(c) = hs.cholesky() {
                    break -c.solve(&g);
                }
                shift = if shift == 0.0 { 1e-4 } else { shift * 10.0 };
            };
            let f = p.objective(&x);
            let mut t = 1.0;
            loop {
                let xt: Vec<f64> = x.iter().zip(d.iter()).map(|(a, b)| a + t * b).collect();
                if p.objective(&xt) <= f + 1e-4 * t * g.dot(&d) || t < 1e-12 {
                    x = xt;
                    break;
                }
                t *= 0.5;
            }
        }
        assert!(p.objective(&x) < 1e-20, "{name}: f = {}", p.objective(&x));
        for v in &x {
            assert_relative_eq!(*v, 1.0, epsilon = 1e-9);
        }
    }
}
