//! Criterion benchmarks of one training evaluation on the `fit_vdp` model: a 2→32→32→2 tanh
//! MLP vector field, Van der Pol (μ = 1, y(0) = (2, 0)) observed at 100 times on [0, 10],
//! dopri5 at rtol 1e-6, atol 1e-8.
//!
//! * `train/forward`: one forward solve and the MSE (`Objective::loss`).
//! * `train/record`: the forward solve that records the adjoint's tape, alone.
//! * `train/forward_gradient`: forward solve with tape, MSE and discrete-adjoint gradient
//!   (`Objective::eval`, `Sensitivity::Discrete`: one state per step, stages recomputed).
//! * `train/forward_gradient_stored`: the same with `Sensitivity::DiscreteStored` (stages and
//!   MLP activations stored during the forward solve, nothing recomputed).
//! * `train/forward_gradient_backsolve`: the same with `Sensitivity::Backsolve` (continuous
//!   adjoint integrated backwards together with the state, memory independent of the steps).
//!
//! The ratio forward_gradient / forward is the cost of a gradient in forward solves (target
//! ≤ 3). Run: `cargo bench --bench train`; medians are in
//! `target/criterion/train/<id>/new/estimates.json`.

use criterion::{criterion_group, Criterion};
use nodal::nn::{Activation, Mlp, MlpField};
use nodal::sensitivity::{record, Sensitivity};
use nodal::systems::VanDerPol;
use nodal::train::{NodeProblem, Objective, TimeSeries};
use nodal::{solve_at, Adaptive, State, Stepping, Tableau};
use std::hint::black_box;

fn problem() -> NodeProblem<7, 2, MlpField<2>> {
    let times: Vec<f64> = (0..100).map(|i| 10.0 * i as f64 / 99.0).collect();
    let truth = solve_at(
        &Tableau::<12>::dop853(),
        &VanDerPol::new(1.0),
        0.0,
        State::<2>::new(2.0, 0.0),
        &times,
        &Stepping::Adaptive(Adaptive::with_tol(1e-12, 1e-12)),
    )
    .expect("reference solve");
    let data = vec![TimeSeries::new(times, truth.y, None).expect("valid data")];
    let field = Mlp::builder(&[2, 32, 32, 2])
        .hidden_activation(Activation::Tanh)
        .seed(0)
        .build()
        .and_then(Mlp::into_field::<2>)
        .expect("valid architecture");
    NodeProblem::new(
        Tableau::<7>::dopri5(),
        field,
        data,
        Stepping::Adaptive(Adaptive::with_tol(1e-6, 1e-8)),
    )
    .expect("valid problem")
}

fn bench(c: &mut Criterion) {
    let prob = problem();
    let p = prob.initial_params();
    let nfe = prob.predict(&p, 0).expect("solve").stats.nfe;
    let mut g = c.benchmark_group("train");
    g.bench_function("forward", |b| {
        b.iter(|| prob.loss(black_box(&p), &[0]).expect("loss"))
    });
    let ts = &prob.data()[0];
    let field = prob.field_with(&p).expect("parameters");
    let stepping = Stepping::Adaptive(Adaptive::with_tol(1e-6, 1e-8));
    let tab = Tableau::<7>::dopri5();
    g.bench_function("record", |b| {
        b.iter(|| {
            record(
                &tab,
                &field,
                ts.t0(),
                ts.y0(),
                black_box(ts.times()),
                &stepping,
            )
            .expect("record")
        })
    });
    g.bench_function("forward_gradient", |b| {
        b.iter(|| prob.eval(black_box(&p), &[0]).expect("eval"))
    });
    let stored = problem().with_sensitivity(Sensitivity::DiscreteStored);
    g.bench_function("forward_gradient_stored", |b| {
        b.iter(|| stored.eval(black_box(&p), &[0]).expect("eval"))
    });
    let backsolve = problem().with_sensitivity(Sensitivity::Backsolve);
    g.bench_function("forward_gradient_backsolve", |b| {
        b.iter(|| backsolve.eval(black_box(&p), &[0]).expect("eval"))
    });
    g.finish();
    println!("train bench: NFE per forward solve at the initial parameters = {nfe}");
}

criterion_group!(benches, bench);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    // Print the ratio from criterion's own estimates.
    let median = |id: &str| -> Option<f64> {
        let path = format!("target/criterion/train/{id}/new/estimates.json");
        let s = std::fs::read_to_string(path).ok()?;
        let v: serde_json::Value = serde_json::from_str(&s).ok()?;
        v["median"]["point_estimate"].as_f64()
    };
    if let (Some(f), Some(r), Some(g)) = (
        median("forward"),
        median("record"),
        median("forward_gradient"),
    ) {
        println!(
            "train bench: median forward {:.1} us, record (tape) {:.1} us, forward+gradient {:.1} us; ratio gradient/forward {:.2}, record/forward {:.2}",
            f / 1e3,
            r / 1e3,
            g / 1e3,
            g / f,
            r / f
        );
        for id in ["forward_gradient_stored", "forward_gradient_backsolve"] {
            if let Some(x) = median(id) {
                println!(
                    "train bench: median {id} {:.1} us; ratio to forward {:.2}",
                    x / 1e3,
                    x / f
                );
            }
        }
    }
}
