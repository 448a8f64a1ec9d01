//! Command-line interface: argument parsing, dispatch and error reporting.

mod methods;
mod predict;
mod repro;
mod solve;
mod tableau;
mod train;

use clap::{Parser, Subcommand};
use std::process::ExitCode;
use thiserror::Error;

/// nodal: neural ODEs that are cheap to train and cheap to solve.
#[derive(Parser, Debug)]
#[command(name = "nodal", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Integrate a built-in system and print the final state and solver statistics.
    Solve(solve::SolveArgs),
    /// Print a tableau with its order, stability polynomial and real stability interval.
    Tableau(tableau::TableauArgs),
    /// Re-run a published experiment; write tables (Markdown, CSV) and plots (SVG). Boxed:
    /// the experiments' arguments are several times the other commands' (clippy's
    /// `large_enum_variant`).
    Repro(Box<repro::ReproArgs>),
    /// Train a neural ODE on a CSV (or a built-in system); write model.json, history.csv,
    /// plots and checkpoints.
    Train(train::TrainArgs),
    /// Forecast with a model written by `nodal train`.
    Predict(predict::PredictArgs),
}

/// Everything that can go wrong in the CLI, with the numbers and names that explain it.
#[derive(Debug, Error)]
pub enum CliError {
    /// The solver refused or failed.
    #[error(transparent)]
    Solve(#[from] nodal::SolveError),
    /// An unknown method name.
    #[error("unknown method `{name}`; known methods: {known}")]
    UnknownMethod { name: String, known: String },
    /// An unknown system name.
    #[error("unknown system `{name}`; known systems: {known}")]
    UnknownSystem { name: String, known: String },
    /// `--y0` has the wrong number of components.
    #[error("--y0 has {got} components but system `{system}` has {expected}")]
    Y0Length {
        system: String,
        expected: usize,
        got: usize,
    },
    /// A method without an embedded pair was asked to run adaptively.
    #[error("method `{method}` has no error estimate: give a fixed step with --h")]
    NeedsFixedStep { method: String },
    /// Writing the output failed.
    #[error("cannot write `{path}`: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    /// A trainable-solver experiment failed.
    #[error(transparent)]
    Trk(#[from] nodal::experiments::trk_error::TrkError),
    /// Tableau analysis failed.
    #[error(transparent)]
    Stability(#[from] nodal::tableau::stability::StabilityError),
    /// An unknown training variant of `nodal repro local-reg`.
    #[error("unknown variant `{name}`; known variants: {known}")]
    UnknownVariant { name: String, known: String },
    /// `nodal repro local-reg` failed.
    #[error(transparent)]
    LocalReg(#[from] nodal::experiments::local_reg::LocalRegError),
    /// The collocation experiment failed.
    #[error(transparent)]
    Collocation(#[from] nodal::experiments::collocation::ExperimentError),
    /// `nodal train` failed or was interrupted.
    #[error(transparent)]
    Train(#[from] train::TrainCmdError),
    /// `nodal predict` failed.
    #[error(transparent)]
    Predict(#[from] predict::PredictError),
}

/// Parse the arguments, run the command, and map errors to exit code 2 with a message.
pub fn main() -> ExitCode {
    restore_default_sigpipe();
    let cli = Cli::parse();
    let res = match cli.command {
        Command::Solve(a) => solve::run(&a),
        Command::Tableau(a) => tableau::run(&a),
        Command::Repro(a) => repro::run(&a),
        Command::Train(a) => train::run(&a),
        Command::Predict(a) => predict::run(&a),
    };
    match res {
        Ok(()) => ExitCode::SUCCESS,
        Err(CliError::Train(e)) if e.is_interrupt() => {
            eprintln!("{e}");
            ExitCode::from(130)
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

/// Give SIGPIPE its default action again (Rust ignores it), so that `nodal … | head` ends
/// quietly when the reader closes the pipe, as other Unix tools do, instead of panicking in
/// `println!` with "Broken pipe".
fn restore_default_sigpipe() {
    #[cfg(unix)]
    // SAFETY: `signal` with `SIG_DFL` only resets the disposition of SIGPIPE; it is called
    // once, at start-up, before any other thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
