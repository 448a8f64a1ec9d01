//! Cost of the adjoints relative to the plain solve, on a 2 → 32 → 32 → 2 tanh MLP field:
//! `cargo run --release --example sensitivity_cost [n_save_times]`.
//!
//! Prints, for fixed and adaptive Dopri5, the time of `solve_at`, `record` (the forward pass
//! with a tape), the discrete adjoint `backward` and the continuous `backward_continuous`, each
//! as a multiple of `solve_at` (best of 5 rounds, so that machine load inflates less).

use nodal::nn::{Activation, Mlp};
use nodal::sensitivity::{backward, backward_continuous, record};
use nodal::{Adaptive, State, Stepping, Tableau};
use std::time::Instant;

fn best_of<R>(rounds: usize, reps: usize, mut run: impl FnMut() -> R) -> f64 {
    (0..rounds)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..reps {
                std::hint::black_box(run());
            }
            t.elapsed().as_secs_f64() / reps as f64
        })
        .fold(f64::INFINITY, f64::min)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n_save: usize = std::env::args().nth(1).map_or(Ok(10), |s| s.parse())?;
    let f = Mlp::builder(&[2, 32, 32, 2])
        .hidden_activation(Activation::Tanh)
        .seed(1)
        .build()?
        .into_field::<2>()?;
    let times: Vec<f64> = (1..=n_save)
        .map(|i| i as f64 * 10.0 / n_save as f64)
        .collect();
    let y0 = State::<2>::new(1.0, 0.0);
    let tab = Tableau::dopri5();
    for (name, st) in [
        ("fixed h = 0.01", Stepping::Fixed(0.01)),
        (
            "adaptive rtol 1e-8",
            Stepping::Adaptive(Adaptive::with_tol(1e-8, 1e-10)),
        ),
    ] {
        let tape = record(&tab, &f, 0.0, y0, &times, &st)?;
        let dl: Vec<State<2>> = tape.trajectory().y.clone();
        let reps = if tape.steps() > 100 { 3 } else { 50 };
        let solve = best_of(5, reps, || nodal::solve_at(&tab, &f, 0.0, y0, &times, &st));
        let rec = best_of(5, reps, || record(&tab, &f, 0.0, y0, &times, &st));
        let bw = best_of(5, reps, || backward(&tape, &tab, &f, &dl));
        let bc = best_of(5, reps, || backward_continuous(&tape, &tab, &f, &dl));
        println!(
            "{name}, {n_save} save times: {} steps, tape {} B | solve_at {:.3} ms | record {:.2}x | \
             backward {:.2}x | backward_continuous {:.2}x",
            tape.steps(),
            tape.memory_bytes(),
            solve * 1e3,
            rec / solve,
            bw / solve,
            bc / solve
        );
    }
    Ok(())
}
