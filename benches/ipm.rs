//! Interior-point solves of `problems::optimal_control(n_steps)` (2·n_steps variables,
//! n_steps equality constraints, banded KKT) with the sparse LDLᵀ path, at several sizes.
//! The plain problem is an equality-constrained QP (one Newton step); the `bounded` variant
//! adds the control bounds `u_k ≥ −1`, active on the first part of the horizon, so that the
//! barrier iterations show. Criterion reports the time per solve; the iteration count is
//! printed once per size, so the time per iteration follows. Run with
//! `cargo bench --bench ipm`.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use nodal::nlp::problems::optimal_control;
use nodal::nlp::{InteriorPoint, LinearSolver, Nlp, Options, Status};
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

criterion_group!(benches, bench_optimal_control);
criterion_main!(benches);
