//! The observations of a run: read a CSV or simulate a built-in system, then split off a
//! validation set.

use super::config::{closest, DataConfig};
use super::TrainCmdError;
use nodal::data::{CsvOptions, Dataset, Trajectory};
use nodal::systems::{Harmonic, Lorenz63, VanDerPol};
use nodal::{solve_at, Adaptive, State, Stepping, Tableau, VectorField};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Names of the built-in systems (`data.system`).
pub const SYSTEMS: &[&str] = &["vdp", "harmonic", "lorenz"];

/// Read the CSV, or simulate `system` (default `vdp`).
pub fn load(cfg: &DataConfig) -> Result<Dataset, TrainCmdError> {
    match (&cfg.csv, &cfg.system) {
        (Some(_), Some(_)) => Err(TrainCmdError::Setting(
            "give either data.csv or data.system, not both".into(),
        )),
        (Some(path), None) => {
            let opts = CsvOptions {
                time_column: cfg.time_column.clone(),
                state_columns: cfg.states.clone(),
                trajectory_column: cfg.trajectory_column.clone(),
                min_rows: 3,
            };
            Ok(Dataset::from_csv_path(path, &opts)?)
        }
        (None, sys) => {
            let name = sys.as_deref().unwrap_or("vdp");
            match name {
                "vdp" => simulate(
                    cfg,
                    name,
                    &VanDerPol::new(1.0),
                    [2.0, 0.0],
                    6.0,
                    0.5,
                    &["x", "v"],
                ),
                "harmonic" => simulate(
                    cfg,
                    name,
                    &Harmonic::default(),
                    [1.0, 0.0],
                    6.0,
                    0.5,
                    &["x", "v"],
                ),
                "lorenz" => simulate(
                    cfg,
                    name,
                    &Lorenz63::default(),
                    [1.0, 1.0, 1.0],
                    1.0,
                    2.0,
                    &["x", "y", "z"],
                ),
                other => Err(TrainCmdError::Setting(format!(
                    "unknown data.system `{other}`{}; known systems: {}",
                    closest(other, SYSTEMS)
                        .map_or(String::new(), |s| format!(" (did you mean `{s}`?)")),
                    SYSTEMS.join(", ")
                ))),
            }
        }
    }
}

/// A standard normal draw (Box–Muller).
fn normal(rng: &mut ChaCha8Rng) -> f64 {
    let u1: f64 = 1.0 - rng.random::<f64>(); // in (0, 1]
    let u2: f64 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// `cfg.trajectories` solves of `f` (dop853, tolerance 1e-10) at `cfg.points` even times on
/// [0, t1], from `y0` and then from `y0 + U(−spread, spread)` per component, plus Gaussian
/// noise of standard deviation `cfg.noise`; all seeded by `cfg.seed`.
fn simulate<const D: usize, F: VectorField<D>>(
    cfg: &DataConfig,
    name: &str,
    f: &F,
    y0: [f64; D],
    t1_default: f64,
    spread: f64,
    names: &[&str],
) -> Result<Dataset, TrainCmdError> {
    let t1 = cfg.t1.unwrap_or(t1_default);
    if !(t1.is_finite() && t1 > 0.0) || cfg.points < 3 || cfg.trajectories == 0 {
        return Err(TrainCmdError::Setting(format!(
            "simulated data needs data.t1 > 0 (got {t1}), data.points ≥ 3 (got {}), data.trajectories ≥ 1 (got {})",
            cfg.points, cfg.trajectories
        )));
    }
    if !(cfg.noise.is_finite() && cfg.noise >= 0.0) {
        return Err(TrainCmdError::Setting(format!(
            "data.noise must be ≥ 0, got {}",
            cfg.noise
        )));
    }
    let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed);
    let times: Vec<f64> = (0..cfg.points)
        .map(|i| t1 * i as f64 / (cfg.points - 1) as f64)
        .collect();
    let mut trajectories = Vec::with_capacity(cfg.trajectories);
    for k in 0..cfg.trajectories {
        let mut start = State::<D>::from(y0);
        if k > 0 {
            start
                .iter_mut()
                .for_each(|v| *v += spread * (2.0 * rng.random::<f64>() - 1.0));
        }
        let tr = solve_at(
            &Tableau::<12>::dop853(),
            f,
            0.0,
            start,
            &times,
            &Stepping::Adaptive(Adaptive::with_tol(1e-10, 1e-10)),
        )?;
        let values =
            tr.y.iter()
                .map(|y| {
                    y.iter()
                        .map(|v| Some(v + cfg.noise * normal(&mut rng)))
                        .collect()
                })
                .collect();
        trajectories.push(Trajectory {
            id: k.to_string(),
            times: times.clone(),
            values,
            lines: vec![0; times.len()],
        });
    }
    Ok(Dataset {
        source: format!(
            "built-in `{name}` ({} trajectories, noise {})",
            cfg.trajectories, cfg.noise
        ),
        time_name: "t".into(),
        state_names: names.iter().map(|s| s.to_string()).collect(),
        trajectories,
    })
}

/// The validation part: trajectories, each scored from row `from[k]` on (the rows before are
/// training data or the initial state).
#[derive(Clone, Debug)]
pub struct Validation {
    /// Trajectories solved from their first row.
    pub data: Dataset,
    /// First scored row of each trajectory.
    pub from: Vec<usize>,
}

/// Hold out a `fraction` of the data: the last `round(fraction·n)` trajectories (at least one,
/// leaving at least one) when there are several; otherwise the last time points of the single
/// trajectory, which is then validated as a forecast from its start. `fraction = 0`: no
/// validation.
pub fn split(ds: &Dataset, fraction: f64) -> Result<(Dataset, Option<Validation>), TrainCmdError> {
    if !(0.0..1.0).contains(&fraction) {
        return Err(TrainCmdError::Setting(format!(
            "data.validation must be in [0, 1), got {fraction}"
        )));
    }
    if fraction == 0.0 {
        return Ok((ds.clone(), None));
    }
    let n = ds.trajectories.len();
    let mut train = ds.clone();
    if n >= 2 {
        let n_val = ((fraction * n as f64).round() as usize).clamp(1, n - 1);
        let val_tr = train.trajectories.split_off(n - n_val);
        let from = vec![1; val_tr.len()];
        let data = Dataset {
            trajectories: val_tr,
            ..ds.clone()
        };
        return Ok((train, Some(Validation { data, from })));
    }
    let rows = ds.trajectories[0].times.len();
    let n_train = (((1.0 - fraction) * rows as f64).ceil() as usize).max(2);
    if n_train >= rows {
        return Ok((train, None));
    }
    let tr = &mut train.trajectories[0];
    tr.times.truncate(n_train);
    tr.values.truncate(n_train);
    tr.lines.truncate(n_train);
    Ok((
        train,
        Some(Validation {
            data: ds.clone(),
            from: vec![n_train],
        }),
    ))
}

/// FNV-1a hash of the dimensions, times and values (bit patterns) of `ds`: a resumed run
/// checks that its data did not change.
pub fn fingerprint(ds: &Dataset) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |x: u64| {
        for b in x.to_le_bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    };
    eat(ds.dim() as u64);
    for tr in &ds.trajectories {
        eat(tr.times.len() as u64);
        for (t, row) in tr.times.iter().zip(&tr.values) {
            eat(t.to_bits());
            for v in row {
                eat(v.map_or(u64::MAX, f64::to_bits));
            }
        }
    }
    h
}
