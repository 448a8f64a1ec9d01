//! Integrate Lorenz-63 with fixed-step RK4 and adaptive DOPRI5/Tsit5/DOP853 and print the final
//! states and solver statistics.
//!
//! Run: `cargo run --release --example lorenz`

use nodal::systems::Lorenz63;
use nodal::{solve_adaptive, solve_fixed, Adaptive, State, Stats, Tableau};
use std::time::Instant;

fn report(name: &str, y: State<3>, s: Stats, secs: f64) {
    println!(
        "{name:<22} y(20) = [{:>10.6}, {:>10.6}, {:>10.6}]  nfe {:>6}  accepted {:>5}  rejected {:>3}  {:.3} ms",
        y[0], y[1], y[2], s.nfe, s.accepted, s.rejected, secs * 1e3
    );
}

fn main() -> Result<(), nodal::SolveError> {
    let f = Lorenz63::default();
    let y0 = State::<3>::new(1.0, 1.0, 1.0);
    let (t0, t1) = (0.0, 20.0);

    let start = Instant::now();
    let (y, s) = solve_fixed(&Tableau::rk4(), &f, t0, t1, y0, 1e-3)?;
    report("rk4, h = 1e-3", y, s, start.elapsed().as_secs_f64());

    let opts = Adaptive::with_tol(1e-10, 1e-10);
    let start = Instant::now();
    let (y, s) = solve_adaptive(&Tableau::dopri5(), &f, t0, t1, y0, &opts)?;
    report("dopri5, tol 1e-10", y, s, start.elapsed().as_secs_f64());

    let start = Instant::now();
    let (y, s) = solve_adaptive(&Tableau::tsit5(), &f, t0, t1, y0, &opts)?;
    report("tsit5, tol 1e-10", y, s, start.elapsed().as_secs_f64());

    let start = Instant::now();
    let (y, s) = solve_adaptive(&Tableau::dop853(), &f, t0, t1, y0, &opts)?;
    report("dop853, tol 1e-10", y, s, start.elapsed().as_secs_f64());

    let reference = Adaptive::with_tol(1e-13, 1e-13);
    let (y, s) = solve_adaptive(&Tableau::dop853(), &f, t0, t1, y0, &reference)?;
    report("dop853, tol 1e-13 (ref)", y, s, 0.0);
    Ok(())
}
