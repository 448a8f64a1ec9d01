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
mod reg_target;
mod run;
mod target;
mod trk_target;

use super::methods::with_method;
use super::CliError;
use checkpoint::{Checkpoint, Phase};
use clap::Args;
use config::{Config, ConfigError};
use nodal::data::DataError;
use nodal::model::{
    Coefficients, Model, ModelError, Scaling, SolverSpec, SteppingSpec, TrainingSummary, TRAINABLE,
};
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
    /// A trainable tableau with a stage count out of range.
    #[error("solver.trainable.stages = {got}: expected {min}..={max} (at least the initial method's stages)")]
    Stages {
        /// Stages asked for.
        got: usize,
        /// Fewest allowed (2, or the initial preset's stage count).
        min: usize,
        /// Most allowed.
        max: usize,
    },
    /// A trainable tableau with a solver setting it cannot use.
    #[error("solver.trainable needs {needs}, got {got}")]
    TrainableSolver {
        /// What it needs.
        needs: &'static str,
        /// What the configuration has.
        got: String,
    },
    /// Regularization with a solver that has no adaptive error/stiffness estimate.
    #[error("regularization `{kind}` needs adaptive steps with an embedded error estimate (solver.method dopri5, tsit5, bs3 or dop853, no solver.h); method `{method}`: {reason}")]
    RegularizationSolver {
        /// The regularization kind.
        kind: String,
        /// The configured method.
        method: String,
        /// Why it cannot be used.
        reason: String,
    },
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
    if s.trainable.is_some() {
        return trainable_spec(cfg);
    }
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
        tableau: None,
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

/// The solver settings of a trainable tableau: fixed step `h` and the discrete adjoint
/// (the tableau's gradient comes from it); the coefficients are filled in after training.
fn trainable_spec(cfg: &Config) -> Result<(SolverSpec, Sensitivity), TrainCmdError> {
    let s = &cfg.solver;
    let Some(h) = s.h else {
        return Err(TrainCmdError::TrainableSolver {
            needs: "a fixed step (set solver.h)",
            got: format!("adaptive stepping (rtol {}, atol {})", s.rtol, s.atol),
        });
    };
    if s.sensitivity != "discrete" {
        return Err(TrainCmdError::TrainableSolver {
            needs: "solver.sensitivity = \"discrete\"",
            got: format!("`{}`", s.sensitivity),
        });
    }
    if cfg.regularization.kind != "none" {
        return Err(TrainCmdError::RegularizationSolver {
            kind: cfg.regularization.kind.clone(),
            method: TRAINABLE.into(),
            reason: format!("a trainable tableau steps with a fixed h = {h}"),
        });
    }
    if !(h.is_finite() && h > 0.0) {
        return Err(ModelError::BadSolver {
            what: "fixed step h (must be > 0)",
            value: h,
        }
        .into());
    }
    let spec = SolverSpec {
        method: TRAINABLE.into(),
        stepping: SteppingSpec::Fixed { h },
        tableau: None,
    };
    Ok((spec, Sensitivity::Discrete))
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
    if cfg.trainer.kind == config::TrainerKind::Collocation {
        if cfg.solver.trainable.is_some() {
            return Err(colloc_nlp::ColloError::Unsupported {
                key: "solver.trainable",
            }
            .into());
        }
        if cfg.regularization.kind != "none" {
            return Err(colloc_nlp::ColloError::Unsupported {
                key: "regularization",
            }
            .into());
        }
    }
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
    let target = match (&cfg.solver.trainable, spec.stepping) {
        (Some(t), SteppingSpec::Fixed { h }) => {
            trk_target::build(dim, t, &cfg, &train_data, val.as_ref(), h)?
        }
        _ => preset_target(&cfg, &spec, &train_data, val.as_ref(), sensitivity)?,
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
    let mut solver = spec;
    solver.tableau = outcome.tableau.clone();
    let model = Model {
        network: outcome.network,
        time_name: raw.time_name.clone(),
        state_names: raw.state_names.clone(),
        solver,
        scaling,
        training: Some(TrainingSummary {
            iterations: outcome.iterations,
            loss: outcome.loss,
            validation_loss: outcome.val_loss,
            data: raw.source.clone(),
            seconds: outcome.seconds,
            sum_b_residual: outcome.tableau.as_ref().map(Coefficients::sum_b_residual),
        }),
    };
    model.save(out.join("model.json"))?;
    outputs::history_csv(&out, &outcome.history)?;
    outputs::observations_csv(&out, &raw)?;
    let mut plots = vec!["loss.svg", "fit.svg"];
    if cfg.output.plots {
        outputs::loss_plot(&out, &outcome.history)?;
        outputs::fit_plot(&out, &model, &raw)?;
        if let Some(coef) = &outcome.tableau {
            outputs::stability_plot(&out, coef)?;
            plots.push("stability.svg");
        }
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
    if let Some(coef) = &outcome.tableau {
        println!(
            "trained tableau: {} stages, |Σb − 1| = {:.1e}",
            coef.stages(),
            coef.sum_b_residual()
        );
    }
    println!(
        "wrote {}/{{model.json, history.csv, observations.csv{}}}",
        out.display(),
        if cfg.output.plots {
            format!(", {}", plots.join(", "))
        } else {
            String::new()
        }
    );
    stop.map_or(Ok(()), Err)
}

/// The problem for a preset method (plain or regularized), dispatched over the dimension
/// and the method.
fn preset_target(
    cfg: &Config,
    spec: &SolverSpec,
    train_data: &nodal::data::Dataset,
    val: Option<&data::Validation>,
    sensitivity: Sensitivity,
) -> Result<Box<dyn target::Target>, TrainCmdError> {
    let dim = train_data.dim();
    let stepping = spec.stepping();
    let target = nodal::with_dim!(dim, D => {
        with_method!(spec.method.as_str(), tab => Ok(target::build(
            tab, target::Dim::<D>, cfg, train_data, val, stepping, sensitivity,
        )))
    });
    match target {
        Some(Ok(t)) => t,
        Some(Err(e)) => Err(TrainCmdError::Setting(e.to_string())),
        None => Err(ModelError::TooManyStates {
            got: dim,
            max: nodal::model::MAX_DIM,
        }
        .into()),
    }
}
