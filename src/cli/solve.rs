//! `nodal solve`: integrate a built-in system.

use super::methods::with_method;
use super::CliError;
use clap::Args;
use nodal::systems::{Harmonic, Lorenz63, VanDerPol};
use nodal::{solve_adaptive, solve_at, solve_fixed, Adaptive, State, Stats, Stepping, Tableau};
use nodal::{Trajectory, VectorField};
use std::io::Write;
use std::time::Instant;

/// Names of the built-in systems.
const SYSTEMS: &str = "lorenz, vdp, vdp-forced, harmonic";

/// Arguments of `nodal solve`.
#[derive(Args, Debug)]
pub struct SolveArgs {
    /// System: lorenz (σ=10, ρ=28, β=8/3; y0 = 1,1,1), vdp (μ=1; y0 = 2,0),
    /// vdp-forced (μ=1, + cos t; y0 = 0,1), harmonic (ω=1; y0 = 1,0).
    #[arg(long, default_value = "lorenz")]
    pub system: String,
    /// Runge–Kutta preset.
    #[arg(long, default_value = "dopri5")]
    pub method: String,
    /// Relative tolerance (adaptive stepping).
    #[arg(long, default_value_t = 1e-6, allow_negative_numbers = true)]
    pub rtol: f64,
    /// Absolute tolerance (adaptive stepping).
    #[arg(long, default_value_t = 1e-8, allow_negative_numbers = true)]
    pub atol: f64,
    /// Fixed step size; when given, the solve uses fixed steps (required for methods without an
    /// embedded pair).
    #[arg(long, allow_negative_numbers = true)]
    pub h: Option<f64>,
    /// Start time.
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    pub t0: f64,
    /// End time (may be < t0 to integrate backwards).
    #[arg(long, default_value_t = 10.0, allow_negative_numbers = true)]
    pub t1: f64,
    /// Initial state as comma-separated numbers (default: the system's).
    #[arg(long, value_delimiter = ',', allow_hyphen_values = true)]
    pub y0: Option<Vec<f64>>,
    /// Largest number of adaptive step attempts.
    #[arg(long, default_value_t = 100_000)]
    pub max_steps: usize,
    /// Write the trajectory as CSV (t, y0, y1, ...) at `--save` evenly spaced times.
    #[arg(long)]
    pub out: Option<String>,
    /// Number of evenly spaced save intervals for `--out`.
    #[arg(long, default_value_t = 1000)]
    pub save: usize,
}

/// Run `nodal solve`.
pub fn run(a: &SolveArgs) -> Result<(), CliError> {
    match a.system.as_str() {
        "lorenz" => dispatch(a, &Lorenz63::default(), [1.0, 1.0, 1.0]),
        "vdp" => dispatch(a, &VanDerPol::new(1.0), [2.0, 0.0]),
        "vdp-forced" => dispatch(a, &VanDerPol::forced(1.0), [0.0, 1.0]),
        "harmonic" => dispatch(a, &Harmonic::default(), [1.0, 0.0]),
        other => Err(CliError::UnknownSystem {
            name: other.to_string(),
            known: SYSTEMS.to_string(),
        }),
    }
}

fn dispatch<const D: usize, F: VectorField<D>>(
    a: &SolveArgs,
    f: &F,
    y0_default: [f64; D],
) -> Result<(), CliError> {
    let y0 = match &a.y0 {
        None => State::<D>::from(y0_default),
        Some(v) if v.len() == D => State::<D>::from_column_slice(v),
        Some(v) => {
            return Err(CliError::Y0Length {
                system: a.system.clone(),
                expected: D,
                got: v.len(),
            })
        }
    };
    with_method!(a.method.as_str(), tab => solve_one(a, &tab, f, y0))
}

fn solve_one<const S: usize, const D: usize, F: VectorField<D>>(
    a: &SolveArgs,
    tab: &Tableau<S>,
    f: &F,
    y0: State<D>,
) -> Result<(), CliError> {
    let stepping = match a.h {
        Some(h) => Stepping::Fixed(h),
        None if tab.b_hat.is_none() => {
            return Err(CliError::NeedsFixedStep {
                method: tab.name.to_string(),
            })
        }
        None => Stepping::Adaptive(Adaptive {
            max_steps: a.max_steps,
            ..Adaptive::with_tol(a.rtol, a.atol)
        }),
    };
    let start = Instant::now();
    let (y, stats) = match &stepping {
        Stepping::Fixed(h) => solve_fixed(tab, f, a.t0, a.t1, y0, *h)?,
        Stepping::Adaptive(o) => solve_adaptive(tab, f, a.t0, a.t1, y0, o)?,
    };
    let elapsed = start.elapsed();
    match &stepping {
        Stepping::Fixed(h) => println!(
            "{} on {}, t in [{}, {}], fixed h = {h}",
            tab.name, a.system, a.t0, a.t1
        ),
        Stepping::Adaptive(o) => println!(
            "{} on {}, t in [{}, {}], rtol = {:e}, atol = {:e}",
            tab.name, a.system, a.t0, a.t1, o.rtol, o.atol
        ),
    }
    let ys: Vec<String> = y.iter().map(|v| format!("{v:.12e}")).collect();
    println!("y({}) = [{}]", a.t1, ys.join(", "));
    print_stats(&stats);
    println!("wall time: {:.3} ms", elapsed.as_secs_f64() * 1e3);
    if let Some(path) = &a.out {
        let n = a.save.max(1);
        let times: Vec<f64> = (0..=n)
            .map(|i| a.t0 + (a.t1 - a.t0) * i as f64 / n as f64)
            .collect();
        let tr = solve_at(tab, f, a.t0, y0, &times, &stepping)?;
        write_csv(path, &tr).map_err(|source| CliError::Io {
            path: path.clone(),
            source,
        })?;
        println!("wrote {} rows to {path}", tr.t.len());
    }
    Ok(())
}

fn print_stats(s: &Stats) {
    print!(
        "nfe = {}, accepted = {}, rejected = {}",
        s.nfe, s.accepted, s.rejected
    );
    match s.max_stiffness {
        Some(v) => println!(", max |h|·ρ = {v:.4}"),
        None => println!(),
    }
}

fn write_csv<const D: usize>(path: &str, tr: &Trajectory<D>) -> std::io::Result<()> {
    let tmp = format!("{path}.tmp");
    {
        let mut w = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
        let header: Vec<String> = (0..D).map(|i| format!("y{i}")).collect();
        writeln!(w, "t,{}", header.join(","))?;
        for (t, y) in tr.t.iter().zip(&tr.y) {
            let vals: Vec<String> = y.iter().map(|v| format!("{v:e}")).collect();
            writeln!(w, "{t:e},{}", vals.join(","))?;
        }
        w.flush()?;
    }
    std::fs::rename(&tmp, path)
}
