//! Interior-point solves of `problems::optimal_control(n_steps)` (2·n_steps variables,
//! n_steps equality constraints, banded KKT) with the sparse LDLᵀ path, at several sizes.
//! The plain problem is an equality-constrained QP (one Newton step); the `bounded` variant
//! adds the control bounds `u_k ≥ −1`, active on the first part of the horizon, so that the
//! barrier iterations show. Criterion reports the time per solve; the iteration count is
//! printed once per size, so the time per iteration follows.
//!
//! `kkt_factor_collocation`: one numeric factorization of the KKT matrix of the forced Van der
//! Pol collocation NLP (200 Chebyshev nodes, [2, 32, 2] tanh MLP; n = 962) with each sparse
//! method — faer's simplicial LDLᵀ (the path before the dense-Schur method), faer's supernodal
//! LDLᵀ and the block-prefix + dense-Schur LDLᵀ (sequential) — and the ratio of CPU times
//! per factorization printed (simplicial / each).
//!
//! `ipm_collocation_iterations`: the first 15 IPM iterations on the same collocation NLP
//! (seed 0, λ = 1e-4, one linear-solver thread), with the reduced-space KKT factorization
//! (`Options::reduced_space`, the default) and without it (block-prefix + dense-Schur LDLᵀ of
//! the full KKT matrix); CPU ms per iteration and their ratio are printed. Run with
//! `cargo bench --bench ipm`.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use nodal::collocation::{CollocationConfig, CollocationNlp, NodeKind as Nodes0, Nodes, VdpData};
use nodal::nlp::linalg::{NodeKind, SparseLdl};
use nodal::nlp::problems::optimal_control;
use nodal::nlp::{InteriorPoint, LinearSolver, Nlp, Options, SparseMethod, Status};
use nodal::nn::{Activation, Mlp};
use std::hint::black_box;

/// `optimal_control` with the controls (even indices) bounded below by −1.
struct Bounded(Box<dyn Nlp + Send + Sync>);

impl Nlp for Bounded {
    fn num_vars(&self) -> usize {
        self.0.num_vars()
    }
    fn num_cons(&self) -> usize {
        self.0.num_cons()
    }
    fn bounds(&self, xl: &mut [f64], xu: &mut [f64], gl: &mut [f64], gu: &mut [f64]) {
        self.0.bounds(xl, xu, gl, gu);
        for v in xl.iter_mut().step_by(2) {
            *v = -1.0;
        }
    }
    fn initial_point(&self, x: &mut [f64]) {
        self.0.initial_point(x)
    }
    fn objective(&self, x: &[f64]) -> f64 {
        self.0.objective(x)
    }
    fn gradient(&self, x: &[f64], g: &mut [f64]) {
        self.0.gradient(x, g)
    }
    fn constraints(&self, x: &[f64], g: &mut [f64]) {
        self.0.constraints(x, g)
    }
    fn jacobian_structure(&self) -> Vec<(usize, usize)> {
        self.0.jacobian_structure()
    }
    fn jacobian_values(&self, x: &[f64], v: &mut [f64]) {
        self.0.jacobian_values(x, v)
    }
    fn hessian_structure(&self) -> Option<Vec<(usize, usize)>> {
        self.0.hessian_structure()
    }
    fn hessian_values(&self, x: &[f64], s: f64, l: &[f64], v: &mut [f64]) {
        self.0.hessian_values(x, s, l, v)
    }
}

fn bench_optimal_control(c: &mut Criterion) {
    let mut group = c.benchmark_group("ipm_optimal_control_sparse");
    group.sample_size(10);
    let solver = InteriorPoint::new(Options {
        linear_solver: LinearSolver::Sparse,
        ..Options::default()
    });
    for n_steps in [250usize, 1000, 4000] {
        let p = optimal_control(n_steps);
        let sol = solver.solve(p.nlp.as_ref());
        assert_eq!(sol.status, Status::Solved);
        assert_eq!(sol.linear_solver, LinearSolver::Sparse);
        println!(
            "optimal_control({n_steps}): n = {}, m = {}, iterations = {}",
            p.nlp.num_vars(),
            p.nlp.num_cons(),
            sol.iterations
        );
        group.bench_with_input(BenchmarkId::from_parameter(n_steps), &p, |b, p| {
            b.iter(|| black_box(solver.solve(black_box(p.nlp.as_ref()))))
        });
    }
    group.finish();
    let mut group = c.benchmark_group("ipm_optimal_control_bounded_sparse");
    group.sample_size(10);
    for n_steps in [250usize, 1000, 4000] {
        let p = Bounded(optimal_control(n_steps).nlp);
        let sol = solver.solve(&p);
        assert_eq!(sol.status, Status::Solved);
        println!(
            "bounded optimal_control({n_steps}): n = {}, iterations = {}, f = {}",
            p.num_vars(),
            sol.iterations,
            sol.objective
        );
        group.bench_with_input(BenchmarkId::from_parameter(n_steps), &p, |b, p| {
            b.iter(|| black_box(solver.solve(black_box(p))))
        });
    }
    group.finish();
}

/// The case-study collocation NLP: data file's 200 Chebyshev nodes, [2, 32, 2] tanh MLP
/// (seed 0), λ = 1e-4.
fn vdp_collocation_nlp() -> CollocationNlp {
    let data = VdpData::load_default().expect("data/vdp_forced.json");
    let n = data.t_nodes.len();
    let nodes =
        Nodes::new(Nodes0::Chebyshev, n, data.t_nodes[0], data.t_nodes[n - 1]).expect("nodes");
    let mlp = Mlp::builder(&[2, 32, 2])
        .hidden_activation(Activation::Tanh)
        .seed(0)
        .build()
        .expect("mlp");
    let config = CollocationConfig {
        lambda: 1e-4,
        ..Default::default()
    };
    CollocationNlp::new(nodes, &data.noisy_flat(), mlp, config).expect("nlp")
}

/// The collocation KKT matrix at the start point (multipliers 0.3, Hessian shift 1e-2, as
/// in an IPM iteration with δ_w > 0): dimension, lower triplets, values, node kinds.
#[allow(clippy::type_complexity)]
fn collocation_kkt() -> (usize, Vec<usize>, Vec<usize>, Vec<f64>, Vec<NodeKind>) {
    let nlp = vdp_collocation_nlp();
    let (nw, m) = (nlp.num_vars(), nlp.num_cons());
    let mut x = vec![0.0; nw];
    nlp.initial_point(&mut x);
    let hs = nlp.hessian_structure().expect("exact Hessian");
    let js = nlp.jacobian_structure();
    let mut hv = vec![0.0; hs.len()];
    nlp.hessian_values(&x, 1.0, &vec![0.3; m], &mut hv);
    let mut jv = vec![0.0; js.len()];
    nlp.jacobian_values(&x, &mut jv);
    let (mut r, mut c, mut v) = (Vec::new(), Vec::new(), Vec::new());
    for (k, &(i, j)) in hs.iter().enumerate() {
        r.push(i);
        c.push(j);
        v.push(hv[k]);
    }
    for i in 0..nw {
        r.push(i);
        c.push(i);
        v.push(1e-2);
    }
    for (k, &(i, j)) in js.iter().enumerate() {
        r.push(nw + i);
        c.push(j);
        v.push(jv[k]);
    }
    for i in 0..m {
        r.push(nw + i);
        c.push(nw + i);
        v.push(0.0);
    }
    let mut has_diag = vec![false; nw];
    hs.iter()
        .filter(|(i, j)| i == j)
        .for_each(|&(i, _)| has_diag[i] = true);
    let kind = (0..nw + m)
        .map(|i| match i {
            i if i >= nw => NodeKind::Constraint,
            i if !has_diag[i] => NodeKind::ZeroVariable,
            _ => NodeKind::Variable,
        })
        .collect();
    (nw + m, r, c, v, kind)
}

/// CPU seconds of this process (user + system) from /proc/self/stat, NaN elsewhere.
fn cpu_seconds() -> f64 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            let f: Vec<String> = s
                .rsplit(')')
                .next()?
                .split_whitespace()
                .map(String::from)
                .collect();
            Some((f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?) / 100.0)
        })
        .unwrap_or(f64::NAN)
}

fn bench_kkt_factor_collocation(c: &mut Criterion) {
    let (dim, r, cols, v, kind) = collocation_kkt();
    let mut group = c.benchmark_group("kkt_factor_collocation");
    group.sample_size(10);
    let methods = [
        SparseMethod::Simplicial,
        SparseMethod::Supernodal,
        SparseMethod::DenseSchur,
    ];
    let mut cpu_per_factor = Vec::new();
    for method in methods {
        let mut ldl = SparseLdl::analyze_with(dim, &r, &cols, &kind, method).expect("analysis");
        ldl.set_threads(1);
        let inertia = ldl.factor(&v, 1e-18);
        let reps = 20;
        let t0 = cpu_seconds();
        for _ in 0..reps {
            black_box(ldl.factor(black_box(&v), 1e-18));
        }
        let per = (cpu_seconds() - t0) / reps as f64;
        println!(
            "kkt_factor_collocation {method:?}: n = {dim}, stored factor values {}, inertia {inertia:?}, {:.1} ms CPU per factorization",
            ldl.nnz_factor(),
            per * 1e3
        );
        cpu_per_factor.push(per);
        group.bench_function(BenchmarkId::from_parameter(format!("{method:?}")), |b| {
            b.iter(|| black_box(ldl.factor(black_box(&v), 1e-18)))
        });
    }
    for (method, per) in methods.iter().zip(&cpu_per_factor) {
        println!(
            "kkt_factor_collocation: Simplicial / {method:?} CPU time ratio {:.2}",
            cpu_per_factor[0] / per
        );
    }
    group.finish();
}

fn bench_collocation_iterations(c: &mut Criterion) {
    let nlp = vdp_collocation_nlp();
    let mut group = c.benchmark_group("ipm_collocation_iterations");
    group.sample_size(10);
    let mut per_iter = Vec::new();
    for reduced in [true, false] {
        let solver = InteriorPoint::new(Options {
            max_iter: 15,
            reduced_space: reduced,
            linear_solver_threads: 1,
            ..Options::default()
        });
        let t0 = cpu_seconds();
        let sol = solver.solve(&nlp);
        let per = (cpu_seconds() - t0) / sol.iterations.max(1) as f64;
        println!(
            "ipm_collocation_iterations reduced_space = {reduced}: {} iterations, {} \
             factorizations, {:.1} ms CPU per iteration",
            sol.iterations,
            sol.factorizations,
            per * 1e3
        );
        per_iter.push(per);
        group.bench_function(
            BenchmarkId::from_parameter(if reduced { "reduced" } else { "full" }),
            |b| b.iter(|| black_box(solver.solve(black_box(&nlp)))),
        );
    }
    println!(
        "ipm_collocation_iterations: full / reduced CPU time per iteration {:.2}",
        per_iter[1] / per_iter[0]
    );
    group.finish();
}

criterion_group!(
    benches,
    bench_optimal_control,
    bench_kkt_factor_collocation,
    bench_collocation_iterations
);
criterion_main!(benches);
