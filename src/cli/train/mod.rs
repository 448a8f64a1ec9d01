//! `nodal train`: fit a neural ODE to a CSV of observations (or a simulated built-in system)
//! and write `model.json`, `history.csv`, plots and checkpoints into an output folder.

mod checkpoint;
mod colloc_config;
mod colloc_nlp;
mod collocation;
pub mod config;
mod data;
mod outputs;
mod progress;
mod run;
mod target;

use super::methods::with_method;
use super::CliError;
use checkpoint::{Checkpoint, Phase};
use clap::Args;
use config::{Config, ConfigError};
use nodal::data::DataError;
use nodal::model::{Model, ModelError, Scaling, SolverSpec, SteppingSpec, TrainingSummary};
use nodal::nn::NnError;
use nodal::report::{create_dir, ReportError};
use nodal::sensitivity::Sensitivity;
use nodal::train::TrainError;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use thiserror::Error;

/// Set by the Ctrl-C handler; the training loop checkpoints and stops when it sees it.
pub(crate) static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Arguments of `nodal train`.
#[derive(Args, Debug)]
pub struct TrainArgs {
    /// TOML configuration (see examples/configs/vdp.toml); without it every key has its
    /// default and the data is the simulated Van der Pol oscillator.
    #[arg(long, conflicts_with = "resume")]
    pub config: Option<PathBuf>,
    /// Set any configuration key, overriding the file: `--set optimizer.lr=3e-3`
    /// (repeatable; values in TOML syntax, bare words are strings).
    #[arg(
        long = "set",
        value_name = "SECTION.KEY=VALUE",
        conflicts_with = "resume"
    )]
    pub set: Vec<String>,
    /// Output folder (same as `--set output.dir=DIR`).
    #[arg(long, conflicts_with = "resume")]
    pub out: Option<PathBuf>,
    /// Continue the run whose checkpoint is in DIR, with the configuration stored there; the
    /// result is bit-identical to an uninterrupted run.
    #[arg(long, value_name = "DIR")]
    pub resume: Option<PathBuf>,
}

/// What can go wrong in `nodal train`.
#[derive(Debug, Error)]
pub enum TrainCmdError {
    /// The configuration.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A configuration value that is out of range or inconsistent.
    #[error("config: {0}")]
    Setting(String),
    /// The data.
    #[error(transparent)]
    Data(#[from] DataError),
    /// Model files and solver settings.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// The network.
    #[error(transparent)]
    Network(#[from] NnError),
    /// Problem setup.
    #[error(transparent)]
    Train(#[from] TrainError),
    /// Simulating a built-in system.
    #[error(transparent)]
    Solve(#[from] nodal::SolveError),
    /// Writing outputs.
    #[error(transparent)]
    Report(#[from] ReportError),
    /// Training failed at an iteration.
    #[error("training stopped at iteration {iteration}: {source}{}", checkpoint.as_ref().map_or(String::new(), |p| format!(" (last checkpoint: {})", p.display())))]
    Stopped {
        /// 1-based iteration (0: final evaluation).
        iteration: u64,
        /// The last checkpoint, if one was written.
        checkpoint: Option<PathBuf>,
        /// Why.
        source: TrainError,
    },
    /// A checkpoint that cannot be used.
    #[error("checkpoint `{}`: {message}", path.display())]
    Checkpoint {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The data differ from those the checkpoint was trained on.
    #[error("the data differ from the checkpointed run's (fingerprint {got:016x}, checkpoint has {expected:016x}); resume needs the same data")]
    DataChanged {
        /// Fingerprint stored in the checkpoint.
        expected: u64,
        /// Fingerprint of the data now.
        got: u64,
    },
    /// Ctrl-C: the run stopped after a checkpoint.
    #[error("interrupted after iteration {iteration}; checkpoint written to {}; continue with `nodal train --resume {}`", checkpoint.display(), dir.display())]
    Interrupted {
        /// Last completed iteration.
        iteration: u64,
        /// The checkpoint.
        checkpoint: PathBuf,
        /// The output folder.
        dir: PathBuf,
    },
    /// The collocation trainer.
    #[error(transparent)]
    Collocation(#[from] colloc_nlp::ColloError),
    /// The Ctrl-C handler could not be installed.
    #[error("cannot install the Ctrl-C handler: {0}")]
    Signal(String),
}

impl TrainCmdError {
    /// Whether this is a user interruption (exit code 130) rather than a failure.
    pub fn is_interrupt(&self) -> bool {
        matches!(self, TrainCmdError::Interrupted { .. })
    }
}

/// The solver settings of a configuration.
fn solver_spec(cfg: &Config) -> Result<(SolverSpec, Sensitivity), TrainCmdError> {
    let s = &cfg.solver;
    let stepping = match s.h {
        Some(h) => SteppingSpec::Fixed { h },
        None => SteppingSpec::Adaptive {
            rtol: s.rtol,
            atol: s.atol,
            max_steps: s.max_steps,
        },
    };
    let spec = SolverSpec {
        method: s.method.clone(),
        stepping,
    };
    spec.validate()?;
    let sens = match s.sensitivity.as_str() {
        "discrete" => Sensitivity::Discrete,
        "continuous" => Sensitivity::Continuous,
        other => {
            return Err(TrainCmdError::Setting(format!(
                "solver.sensitivity `{other}`: expected `discrete` or `continuous`"
            )))
        }
    };
    Ok((spec, sens))
}

/// Run `nodal train`.
pub fn run(a: &TrainArgs) -> Result<(), CliError> {
    train(a).map_err(CliError::from)
}

fn train(a: &TrainArgs) -> Result<(), TrainCmdError> {
    let (cfg, resume) = match &a.resume {
        Some(dir) => {
            let c = Checkpoint::read(dir)?;
            let mut cfg = c.config.clone();
            cfg.output.dir = dir.clone();
            (cfg, Some(c))
        }
        None => {
            let mut cfg = Config::load(a.config.as_deref(), &a.set)?;
            if let Some(o) = &a.out {
                cfg.output.dir = o.clone();
            }
            (cfg, None)
        }
    };
    let (spec, sensitivity) = solver_spec(&cfg)?;
    let raw = data::load(&cfg.data)?;
    let fingerprint = data::fingerprint(&raw);
    if let Some(c) = &resume {
        if c.data_fingerprint != fingerprint {
            return Err(TrainCmdError::DataChanged {
                expected: c.data_fingerprint,
                got: fingerprint,
            });
        }
    }
    let (train_raw, val_raw) = data::split(&raw, cfg.data.validation)?;
    let scaling = Scaling::fit(&train_raw);
    let train_data = scaling.apply(&train_raw);
    let val = val_raw.map(|v| data::Validation {
        data: scaling.apply(&v.data),
        from: v.from,
    });
    let out = cfg.output.dir.clone();
    create_dir(&out)?;
    let resumed_at = resume.as_ref().map(|c| (c.phase, c.adam.iter));
    ctrlc::set_handler(|| INTERRUPTED.store(true, Ordering::SeqCst))
        .map_err(|e| TrainCmdError::Signal(e.to_string()))?;
    println!(
        "nodal train: {} — {} training / {} validation trajectories, {} states ({}), {} rows",
        raw.source,
        train_data.trajectories.len(),
        val.as_ref().map_or(0, |v| v.data.trajectories.len()),
        raw.dim(),
        raw.state_names.join(", "),
        raw.n_rows()
    );
    match resumed_at {
        Some((Phase::Done, _)) => println!("the checkpoint is complete; rewriting the outputs"),
        Some((phase, it)) => println!(
            "resuming from {} ({phase:?}, iteration {it})",
            out.join(checkpoint::FILE).display()
        ),
        None => {}
    }
    let dim = raw.dim();
    let stepping = spec.stepping();
    let target = nodal::with_dim!(dim, D => {
        with_method!(spec.method.as_str(), tab => Ok(target::build(
            tab, target::Dim::<D>, &cfg, &train_data, val.as_ref(), stepping, sensitivity,
        )))
    });
    let target = match target {
        Some(Ok(t)) => t?,
        Some(Err(e)) => return Err(TrainCmdError::Setting(e.to_string())),
        None => {
            return Err(ModelError::TooManyStates {
                got: dim,
                max: nodal::model::MAX_DIM,
            }
            .into())
        }
    };
    let setup = run::Setup {
        cfg: &cfg,
        fingerprint,
        out: &out,
        resume,
    };
    let (outcome, stop) = match cfg.trainer.kind {
        config::TrainerKind::Gradient => (run::train(target.as_ref(), setup)?, None),
        config::TrainerKind::Collocation => {
            collocation::train(target.as_ref(), &train_data, setup)?
        }
    };
    let model = Model {
        network: outcome.network,
        time_name: raw.time_name.clone(),
        state_names: raw.state_names.clone(),
        solver: spec,
        scaling,
        training: Some(TrainingSummary {
            iterations: outcome.iterations,
            loss: outcome.loss,
            validation_loss: outcome.val_loss,
            data: raw.source.clone(),
            seconds: outcome.seconds,
        }),
    };
    model.save(out.join("model.json"))?;
    outputs::history_csv(&out, &outcome.history)?;
    outputs::observations_csv(&out, &raw)?;
    if cfg.output.plots {
        outputs::loss_plot(&out, &outcome.history)?;
        outputs::fit_plot(&out, &model, &raw)?;
    }
    println!(
        "done: {} iterations in {:.1} s; training MSE {:.4e}{} (scaled units)",
        outcome.iterations,
        outcome.seconds,
        outcome.loss,
        outcome
            .val_loss
            .map_or(String::new(), |v| format!(", validation MSE {v:.4e}"))
    );
    println!(
        "wrote {}/{{model.json, history.csv, observations.csv{}}}",
        out.display(),
        if cfg.output.plots {
            ", loss.svg, fit.svg"
        } else {
            ""
        }
    );
    stop.map_or(Ok(()), Err)
}
