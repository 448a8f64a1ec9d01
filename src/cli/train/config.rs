//! The configuration of `nodal train`: a TOML file whose every key can also be set with
//! `--set section.key=value`. Unknown keys are errors that suggest the closest known key.

pub use super::colloc_config::{CollocationSection, TrainerConfig, TrainerKind};
use nodal::nn::Activation;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use thiserror::Error;

/// Where the observations come from and how they are split.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DataConfig {
    /// CSV file (header row; a time column and one column per state). Relative paths are
    /// relative to the config file. Without `csv`, the built-in `system` is simulated.
    pub csv: Option<PathBuf>,
    /// Name of the time column (default `t`).
    pub time_column: String,
    /// State columns in model order (default: every column but time and trajectory).
    pub states: Option<Vec<String>>,
    /// Column holding a trajectory id (default: the whole file is one trajectory).
    pub trajectory_column: Option<String>,
    /// Built-in system when there is no CSV: `vdp`, `harmonic` or `lorenz` (default `vdp`).
    pub system: Option<String>,
    /// Standard deviation of the Gaussian noise added to the simulated observations, in state
    /// units (default 0.02).
    pub noise: f64,
    /// Seed of the simulated initial states and noise (default 0).
    pub seed: u64,
    /// Number of simulated trajectories (default 4).
    pub trajectories: usize,
    /// Observations per simulated trajectory, evenly spaced on [0, t1] (default 40).
    pub points: usize,
    /// End time of the simulated trajectories (default: the system's, e.g. 6 for vdp).
    pub t1: Option<f64>,
    /// Fraction of the data held out for validation, in [0, 1) (default 0.25): whole
    /// trajectories (the last ones) when there are several, else the last time points of the
    /// single trajectory (a forecast).
    pub validation: f64,
}

impl Default for DataConfig {
    fn default() -> Self {
        Self {
            csv: None,
            time_column: "t".into(),
            states: None,
            trajectory_column: None,
            system: None,
            noise: 0.02,
            seed: 0,
            trajectories: 4,
            points: 40,
            t1: None,
            validation: 0.25,
        }
    }
}

/// The neural vector field.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ModelConfig {
    /// Hidden-layer widths (default `[32, 32]`).
    pub hidden: Vec<usize>,
    /// Hidden activation: tanh, softplus, relu, gelu, identity (default tanh).
    pub activation: Activation,
    /// Feed time to every layer (default false: an autonomous ODE).
    pub time_input: bool,
    /// Seed of the Glorot initialisation (default 0).
    pub seed: u64,
}

impl Default for ModelConfig {
    fn default() -> Self {
        Self {
            hidden: vec![32, 32],
            activation: Activation::Tanh,
            time_input: false,
            seed: 0,
        }
    }
}

/// The integrator and the gradient method.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SolverConfig {
    /// Runge–Kutta preset (default dopri5); see `nodal tableau`.
    pub method: String,
    /// Fixed step size (time units); omit for adaptive stepping.
    pub h: Option<f64>,
    /// Relative tolerance of adaptive stepping (default 1e-6).
    pub rtol: f64,
    /// Absolute tolerance of adaptive stepping, in scaled state units (default 1e-8).
    pub atol: f64,
    /// Largest number of step attempts per solve (default 100000).
    pub max_steps: usize,
    /// Gradient method: `discrete` adjoint (default, exact gradient of the computed loss) or
    /// `continuous` adjoint.
    pub sensitivity: String,
    /// Train the tableau too: an explicit `stages`-stage scheme started from `init`, trained
    /// jointly with the network (needs a fixed step `h` and the discrete adjoint; `method` is
    /// then ignored). Default: none (the preset `method` is used as is).
    pub trainable: Option<TrainableConfig>,
}

/// A trainable explicit tableau (`[solver] trainable = { stages = 6, init = "rk4" }`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TrainableConfig {
    /// Number of stages S, 2..=10 (default 4).
    pub stages: usize,
    /// Starting scheme: an explicit preset with at most `stages` stages (default `rk4`);
    /// missing stages are appended with zero weight at the step's end (`c = 1`).
    pub init: String,
    /// Weight μ of the stability penalty `mean max(0, |R(w)| − 1)²` (default 0: off).
    pub stability_weight: f64,
    /// The penalty asks `|R(w)| ≤ 1` on `stability_points` evenly spaced points of the real
    /// segment `[−stability_x_max, 0)` of `w = λh` (default 2.785, RK4's real interval).
    pub stability_x_max: f64,
    /// Number of penalty sample points (default 32).
    pub stability_points: usize,
}

impl Default for TrainableConfig {
    fn default() -> Self {
        Self {
            stages: 4,
            init: "rk4".into(),
            stability_weight: 0.0,
            stability_x_max: 2.785,
            stability_points: 32,
        }
    }
}

/// A solver-heuristic regularizer added to the training loss (`[regularization]`), after Pal,
/// Edelman & Rackauckas (2023): `loss = MSE + w(k)·mean_batch R`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RegularizationConfig {
    /// `none` (default), `local-unbiased` (one step at `t ~ U[t0, t1]`), `local-biased` (one
    /// step at a uniformly chosen accepted step start), `local-accepted` (labelled option, not
    /// the paper's: the accepted step containing `t ~ U[t0, t1]`, `k₁` differentiated) or
    /// `global` (every accepted step).
    pub kind: String,
    /// What a step measures: `error` (`E_est·|h|`, default) or `stiffness` (`ρ·|h|`).
    pub quantity: String,
    /// Constant weight `w` (give either `weight` or `w0` and `w1`; default 1 when neither).
    pub weight: Option<f64>,
    /// Weight at the first Adam iteration of an exponential decay to `w1`.
    pub w0: Option<f64>,
    /// Weight reached at iteration `decay_iters` and kept afterwards.
    pub w1: Option<f64>,
    /// Length of the decay in Adam iterations (default: `optimizer.adam_iters`).
    pub decay_iters: Option<u64>,
    /// Seed of the local samplers (default 0).
    pub seed: u64,
}

impl Default for RegularizationConfig {
    fn default() -> Self {
        Self {
            kind: "none".into(),
            quantity: "error".into(),
            weight: None,
            w0: None,
            w1: None,
            decay_iters: None,
            seed: 0,
        }
    }
}

impl Default for SolverConfig {
    fn default() -> Self {
        Self {
            method: "dopri5".into(),
            h: None,
            rtol: 1e-6,
            atol: 1e-8,
            max_steps: 100_000,
            sensitivity: "discrete".into(),
            trainable: None,
        }
    }
}

/// Adam, then optionally L-BFGS.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OptimizerConfig {
    /// Adam iterations (default 300).
    pub adam_iters: u64,
    /// Adam learning rate (default 1e-2).
    pub lr: f64,
    /// Trajectories per Adam mini-batch (default: all).
    pub batch_size: Option<usize>,
    /// Seed of the mini-batch shuffling (default 0).
    pub seed: u64,
    /// L-BFGS iterations after Adam (default 0: none).
    pub lbfgs_iters: u64,
}

impl Default for OptimizerConfig {
    fn default() -> Self {
        Self {
            adam_iters: 300,
            lr: 1e-2,
            batch_size: None,
            seed: 0,
            lbfgs_iters: 0,
        }
    }
}

/// Where and how often to write.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OutputConfig {
    /// Output folder (default `runs/nodal`); relative to the working directory.
    pub dir: PathBuf,
    /// Write a checkpoint every this many Adam iterations (default 50; 0 = only on Ctrl-C
    /// and at the end of Adam).
    pub checkpoint_every: u64,
    /// Compute validation loss and NFE every this many iterations (default 10).
    pub eval_every: u64,
    /// Without a terminal, print a log line every this many iterations (default 50).
    pub log_every: u64,
    /// Write SVG plots (default true).
    pub plots: bool,
}

impl Default for OutputConfig {
    fn default() -> Self {
        Self {
            dir: PathBuf::from("runs/nodal"),
            checkpoint_every: 50,
            eval_every: 10,
            log_every: 50,
            plots: true,
        }
    }
}

/// The whole configuration of a training run.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Observations.
    pub data: DataConfig,
    /// Network.
    pub model: ModelConfig,
    /// Integrator.
    pub solver: SolverConfig,
    /// Solver-heuristic regularization.
    pub regularization: RegularizationConfig,
    /// Optimizers.
    pub optimizer: OptimizerConfig,
    /// Outputs.
    pub output: OutputConfig,
    /// Which trainer runs (gradient or collocation).
    pub trainer: TrainerConfig,
    /// Options of the collocation trainer.
    pub collocation: CollocationSection,
}

/// A configuration that cannot be used.
#[derive(Debug, Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config `{}`: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating-system error.
        source: std::io::Error,
    },
    /// The file is not valid TOML.
    #[error("{file}:{line}:{column}: invalid TOML: {message}")]
    Syntax {
        /// The file.
        file: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The parser's message.
        message: String,
    },
    /// A `--set` argument is not `section.key=value`.
    #[error("--set {arg:?}: expected section.key=value (e.g. optimizer.lr=3e-3)")]
    SetSyntax {
        /// The argument.
        arg: String,
    },
    /// A key that does not exist.
    #[error("{location}: unknown config key `{key}`{hint}; known keys here: {known}")]
    UnknownKey {
        /// `file:line:column` or `--set`.
        location: String,
        /// The key.
        key: String,
        /// `", did you mean `x`?"` or empty.
        hint: String,
        /// The valid keys at that place.
        known: String,
    },
    /// A value of the wrong type or out of range.
    #[error("{location}: {message}")]
    Invalid {
        /// Where (file or `--set`).
        location: String,
        /// What is wrong.
        message: String,
    },
}

/// Levenshtein distance between two short strings.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, &cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The closest of `known` to `key`, if it is close enough to be a plausible typo.
pub fn closest<'a>(key: &str, known: &[&'a str]) -> Option<&'a str> {
    known
        .iter()
        .map(|k| (edit_distance(key, k), *k))
        .min()
        .filter(|(d, k)| *d <= (k.len().max(key.len()) / 2).max(2))
        .map(|(_, k)| k)
}

/// 1-based (line, column) of byte `offset` in `text`.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
    (line, col)
}

/// Insert `value` at the dotted `path` of `table`, creating sub-tables.
fn set_path(
    table: &mut toml::Table,
    path: &[&str],
    value: toml::Value,
    arg: &str,
) -> Result<(), ConfigError> {
    let (last, parents) = path
        .split_last()
        .ok_or_else(|| ConfigError::SetSyntax { arg: arg.into() })?;
    let mut t = table;
    for p in parents {
        let entry = t
            .entry(p.to_string())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        t = entry
            .as_table_mut()
            .ok_or_else(|| ConfigError::SetSyntax { arg: arg.into() })?;
    }
    t.insert(last.to_string(), value);
    Ok(())
}

impl Config {
    /// Read `path` (if any), apply `sets` (`section.key=value`, value in TOML syntax or a bare
    /// string), and check every key. Relative `data.csv` paths are resolved against the
    /// config file's folder.
    ///
    /// # Errors
    /// [`ConfigError`] with file, line and column, or the `--set` argument at fault.
    pub fn load(path: Option<&Path>, sets: &[String]) -> Result<Self, ConfigError> {
        let (text, file) = match path {
            Some(p) => (
                std::fs::read_to_string(p).map_err(|source| ConfigError::Io {
                    path: p.to_path_buf(),
                    source,
                })?,
                p.display().to_string(),
            ),
            None => (String::new(), "(no config file)".to_string()),
        };
        let mut table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
            let (line, column) = e.span().map_or((0, 0), |s| line_col(&text, s.start));
            ConfigError::Syntax {
                file: file.clone(),
                line,
                column,
                message: e.message().to_string(),
            }
        })?;
        for arg in sets {
            let (key, val) = arg
                .split_once('=')
                .ok_or_else(|| ConfigError::SetSyntax { arg: arg.clone() })?;
            let key = key.trim();
            let value = toml::from_str::<toml::Table>(&format!("v = {}", val.trim()))
                .ok()
                .and_then(|mut t| t.remove("v"))
                .unwrap_or_else(|| toml::Value::String(val.trim().to_string()));
            let parts: Vec<&str> = key.split('.').collect();
            set_path(&mut table, &parts, value, arg)?;
        }
        let mut cfg: Config = toml::Value::Table(table)
            .try_into()
            .map_err(|e: toml::de::Error| explain(e.message(), &text, &file, sets))?;
        if let (Some(csv), Some(dir)) = (&cfg.data.csv, path.and_then(Path::parent)) {
            if csv.is_relative()
                && !dir.as_os_str().is_empty()
                && !sets.iter().any(|s| s.trim_start().starts_with("data.csv"))
            {
                cfg.data.csv = Some(dir.join(csv));
            }
        }
        Ok(cfg)
    }
}

/// Turn serde's message into a located error; unknown keys get a suggestion.
fn explain(message: &str, text: &str, file: &str, sets: &[String]) -> ConfigError {
    // serde's wording: "unknown field `k`, expected one of `a`, `b`" or "expected `a`".
    let ticks: Vec<&str> = message.split('`').skip(1).step_by(2).collect();
    let find_line = |key: &str| -> String {
        if let Some(arg) = sets.iter().find(|s| {
            s.split('=')
                .next()
                .is_some_and(|k| k.trim().split('.').any(|part| part == key))
        }) {
            return format!("--set {arg}");
        }
        for (i, line) in text.lines().enumerate() {
            let l = line.trim_start();
            let is_key = l
                .strip_prefix(key)
                .is_some_and(|r| r.trim_start().starts_with('='));
            let is_section = l
                .strip_prefix('[')
                .and_then(|r| r.strip_prefix(key))
                .is_some_and(|r| r.starts_with(']'));
            if is_key || is_section {
                return format!("{file}:{}:{}", i + 1, line.len() - l.len() + 1);
            }
        }
        file.to_string()
    };
    if message.starts_with("unknown field") && !ticks.is_empty() {
        let key = ticks[0];
        let known = &ticks[1..];
        let hint = closest(key, known).map_or(String::new(), |k| format!(", did you mean `{k}`?"));
        return ConfigError::UnknownKey {
            location: find_line(key),
            key: key.to_string(),
            hint,
            known: known.join(", "),
        };
    }
    ConfigError::Invalid {
        location: file.to_string(),
        message: message.trim().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typo_suggests_the_closest_key_with_its_line() {
        let dir = std::env::temp_dir().join(format!("nodal-cfg-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("run.toml");
        std::fs::write(&p, "[optimizer]\nlr = 1e-3\nadam_iter = 5\n").unwrap();
        let e = Config::load(Some(&p), &[]).unwrap_err().to_string();
        assert!(
            e.contains("run.toml:3:1") && e.contains("did you mean `adam_iters`?"),
            "{e}"
        );
        let e = Config::load(None, &["optimiser.lr=1".into()])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("did you mean `optimizer`?") && e.contains("--set"),
            "{e}"
        );
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn set_overrides_file_values_and_parses_types() {
        let c = Config::load(
            None,
            &[
                "optimizer.lr=3e-3".into(),
                "model.hidden=[8, 8]".into(),
                "solver.method=rk4".into(),
            ],
        )
        .unwrap();
        assert_eq!(c.optimizer.lr, 3e-3);
        assert_eq!(c.model.hidden, [8, 8]);
        assert_eq!(c.solver.method, "rk4");
    }
}
