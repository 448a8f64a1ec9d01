//! The training schedule: Adam with checkpoints and Ctrl-C handling, then optionally L-BFGS,
//! on any [`Target`].

use super::checkpoint::{Checkpoint, HistoryRow, Phase};
use super::config::Config;
use super::progress::Progress;
use super::target::Target;
use super::{TrainCmdError, INTERRUPTED};
use argmin::core::{CostFunction, Gradient};
use nodal::model::Coefficients;
use nodal::nn::Mlp;
use nodal::train::{Adam, Lbfgs, TrainError};
use std::path::Path;
use std::sync::atomic::Ordering;
use std::time::Instant;

/// Everything a run needs besides the problem.
pub struct Setup<'a> {
    /// The configuration.
    pub cfg: &'a Config,
    /// Fingerprint of the raw data, stored in checkpoints.
    pub fingerprint: u64,
    /// Output folder.
    pub out: &'a Path,
    /// Checkpoint to continue from.
    pub resume: Option<Checkpoint>,
}

/// What a finished run hands to the outputs.
pub struct Outcome {
    /// The trained network.
    pub network: Mlp<f64>,
    /// The trained tableau (trainable-tableau runs).
    pub tableau: Option<Coefficients>,
    /// Rows of `history.csv`.
    pub history: Vec<HistoryRow>,
    /// Full-data training loss at the final parameters (scaled units).
    pub loss: f64,
    /// Validation loss at the final parameters.
    pub val_loss: Option<f64>,
    /// Wall-clock seconds of training.
    pub seconds: f64,
    /// Total iterations.
    pub iterations: u64,
}

/// Train `target` as configured.
pub fn train(target: &dyn Target, s: Setup<'_>) -> Result<Outcome, TrainCmdError> {
    let (cfg, o) = (s.cfg, &s.cfg.optimizer);
    let adam = Adam {
        max_iters: o.adam_iters,
        batch_size: o.batch_size,
        seed: o.seed,
        ..Adam::new(o.lr)
    };
    let n = target.n_params();
    let (mut params, mut st, mut history, mut phase, base) = match s.resume {
        Some(c) => {
            if c.params.len() != n {
                return Err(TrainCmdError::Checkpoint {
                    path: s.out.join(super::checkpoint::FILE),
                    message: format!(
                        "{} parameters, the configured network has {n}",
                        c.params.len()
                    ),
                });
            }
            (c.params, c.adam, c.history, c.phase, c.seconds)
        }
        None => (
            target.initial_params(),
            adam.start(n, target.n_samples())?,
            Vec::new(),
            Phase::Adam,
            0.0,
        ),
    };
    let clock = Instant::now();
    let secs = || base + clock.elapsed().as_secs_f64();
    let done = if phase == Phase::Adam {
        st.iter
    } else {
        o.adam_iters
    };
    let progress = Progress::new(o.adam_iters + o.lbfgs_iters, done, cfg.output.log_every);
    let save = |phase, params: &[f64], st: &nodal::train::AdamState, history: &[HistoryRow]| {
        Checkpoint::new(cfg, s.fingerprint, phase, params, st, history, secs()).write(s.out)
    };
    let every = |k: u64, i: u64| k > 0 && i % k == 0;
    while phase == Phase::Adam && st.iter < o.adam_iters {
        let it = st.iter + 1;
        let evaluated = every(cfg.output.eval_every, it) || it == 1 || it == o.adam_iters;
        let (val_loss, nfe) = if evaluated {
            let (v, n) = target
                .evaluate(&params)
                .map_err(|e| stopped(it, s.out, e))?;
            (v, Some(n))
        } else {
            (None, None)
        };
        target.set_iteration(Some(st.iter));
        let loss = adam
            .step(target, &mut params, &mut st)
            .map_err(|e| stopped(it, s.out, e))?;
        let info = target
            .after_step(&mut params)
            .map_err(|e| stopped(it, s.out, e))?;
        history.push(HistoryRow {
            iteration: it,
            optimizer: "adam".into(),
            loss,
            val_loss,
            nfe,
            seconds: secs(),
            regularizer: info.regularizer,
            reg_weight: info.reg_weight,
            stability: info.stability,
            sum_b_residual: info.sum_b_residual,
        });
        progress.update("adam", it, loss, val_loss, nfe);
        let interrupted = INTERRUPTED.load(Ordering::SeqCst);
        if interrupted || (every(cfg.output.checkpoint_every, it) && it < o.adam_iters) {
            let path = save(Phase::Adam, &params, &st, &history)?;
            if interrupted {
                progress.finish();
                return Err(TrainCmdError::Interrupted {
                    iteration: it,
                    checkpoint: path,
                    dir: s.out.to_path_buf(),
                });
            }
        }
    }
    if phase == Phase::Adam {
        phase = Phase::Lbfgs;
        save(phase, &params, &st, &history)?;
    }
    if phase == Phase::Lbfgs && o.lbfgs_iters > 0 {
        // L-BFGS needs a deterministic objective: regularizers are off (Adam phase only); a
        // trainable tableau keeps training (its gradient is tangent to Σb = 1).
        target.set_iteration(None);
        let watched = Watched(target);
        let lbfgs = Lbfgs {
            max_iters: o.lbfgs_iters,
            ..Lbfgs::default()
        };
        progress.println(&format!("L-BFGS: up to {} iterations", o.lbfgs_iters));
        let r = lbfgs.minimize(watched, n, params.clone(), None);
        if INTERRUPTED.load(Ordering::SeqCst) {
            progress.finish();
            return Err(TrainCmdError::Interrupted {
                iteration: o.adam_iters,
                checkpoint: s.out.join(super::checkpoint::FILE),
                dir: s.out.to_path_buf(),
            });
        }
        let (p, hist) = match r {
            Ok(r) => (r.params, r.history),
            Err(TrainError::Stopped {
                iter,
                params: p,
                source,
            }) => {
                progress.println(&format!(
                    "warning: L-BFGS stopped at its iteration {iter}: {source}; keeping its last accepted iterate"
                ));
                (p, Vec::new())
            }
            Err(e) => return Err(e.into()),
        };
        params = p;
        let info = target
            .after_step(&mut params)
            .map_err(|e| stopped(o.adam_iters, s.out, e))?;
        for (i, &loss) in hist.iter().enumerate() {
            let it = o.adam_iters + i as u64 + 1;
            progress.update("lbfgs", it, loss, None, None);
            let last = i + 1 == hist.len();
            history.push(HistoryRow {
                iteration: it,
                optimizer: "lbfgs".into(),
                loss,
                val_loss: None,
                nfe: None,
                seconds: secs(),
                regularizer: None,
                reg_weight: None,
                stability: info.stability.filter(|_| last),
                sum_b_residual: info.sum_b_residual.filter(|_| last),
            });
        }
    }
    progress.finish();
    target.set_iteration(None);
    let all: Vec<usize> = (0..target.n_samples()).collect();
    let loss = target
        .loss(&params, &all)
        .map_err(|e| stopped(0, s.out, e))?;
    let (val_loss, nfe) = target.evaluate(&params).map_err(|e| stopped(0, s.out, e))?;
    if let Some(last) = history.last_mut() {
        last.val_loss = last.val_loss.or(val_loss);
        last.nfe = last.nfe.or(Some(nfe));
    }
    save(Phase::Done, &params, &st, &history)?;
    Ok(Outcome {
        network: target.network(&params)?,
        tableau: target.tableau(&params)?,
        iterations: history.last().map_or(0, |r| r.iteration),
        history,
        loss,
        val_loss,
        seconds: secs(),
    })
}

/// A training failure at iteration `iteration`, pointing at the last checkpoint.
pub(super) fn stopped(iteration: u64, out: &Path, source: TrainError) -> TrainCmdError {
    let ck = out.join(super::checkpoint::FILE);
    TrainCmdError::Stopped {
        iteration,
        checkpoint: ck.exists().then_some(ck),
        source,
    }
}

/// The problem as argmin sees it, returning an error once Ctrl-C was pressed so that L-BFGS
/// stops at its next evaluation.
struct Watched<'a>(&'a dyn Target);

fn check_interrupt() -> Result<(), argmin::core::Error> {
    if INTERRUPTED.load(Ordering::SeqCst) {
        return Err(TrainError::Optimizer("interrupted (Ctrl-C)".into()).into());
    }
    Ok(())
}

impl CostFunction for Watched<'_> {
    type Param = Vec<f64>;
    type Output = f64;
    fn cost(&self, p: &Vec<f64>) -> Result<f64, argmin::core::Error> {
        check_interrupt()?;
        self.0.cost(p)
    }
}

impl Gradient for Watched<'_> {
    type Param = Vec<f64>;
    type Gradient = Vec<f64>;
    fn gradient(&self, p: &Vec<f64>) -> Result<Vec<f64>, argmin::core::Error> {
        check_interrupt()?;
        self.0.gradient(p)
    }
}
