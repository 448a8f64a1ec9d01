//! A deterministic workload for instruction counts of the gradient cost on the `fit_vdp` model
//! (the same problem as `benches/train.rs`): `adjoint_profile <mode> <reps>` runs `reps`
//! evaluations of `NodeProblem::loss` (`mode = forward`) or `NodeProblem::eval` with
//! `Sensitivity::Discrete` (`gradient`), `DiscreteStored` (`stored`) or `Backsolve`
//! (`backsolve`); any other mode only builds the problem (the baseline to subtract).
//!
//! ```text
//! cargo build --release --example adjoint_profile
//! for m in none forward gradient stored backsolve; do
//!   valgrind --tool=callgrind --callgrind-out-file=cg.$m \
//!     target/release/examples/adjoint_profile $m 20 2>&1 | grep refs
//! done
//! ```
//! Cost of one evaluation in forward solves: `(Ir(mode) − Ir(none)) / (Ir(forward) − Ir(none))`.

use nodal::nn::{Activation, Mlp, MlpField};
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
    .unwrap();
    let data = vec![TimeSeries::new(times, truth.y, None).unwrap()];
    let field = Mlp::builder(&[2, 32, 32, 2])
        .hidden_activation(Activation::Tanh)
        .seed(0)
        .build()
        .and_then(Mlp::into_field::<2>)
        .unwrap();
    NodeProblem::new(
        Tableau::<7>::dopri5(),
        field,
        data,
        Stepping::Adaptive(Adaptive::with_tol(1e-6, 1e-8)),
    )
    .unwrap()
}

fn main() {
    let mode = std::env::args().nth(1).unwrap_or_default();
    let reps: usize = std::env::args().nth(2).map_or(10, |s| s.parse().unwrap());
    let prob = match mode.as_str() {
        "stored" => problem().with_sensitivity(nodal::sensitivity::Sensitivity::DiscreteStored),
        "backsolve" => problem().with_sensitivity(nodal::sensitivity::Sensitivity::Backsolve),
        _ => problem(),
    };
    let p = prob.initial_params();
    for _ in 0..reps {
        match mode.as_str() {
            "forward" => {
                black_box(prob.loss(black_box(&p), &[0]).unwrap());
            }
            "gradient" | "stored" | "backsolve" => {
                black_box(prob.eval(black_box(&p), &[0]).unwrap());
            }
            _ => {}
        }
    }
}
