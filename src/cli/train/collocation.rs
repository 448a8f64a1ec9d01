//! The collocation trainer of `nodal train` (`trainer.kind = "collocation"`): one
//! interior-point solve of the joint collocation NLP of all training trajectories (shared θ),
//! watched iteration by iteration for the progress display, `history.csv` and Ctrl-C.
//!
//! The IPM iteration takes the place of the optimizer iteration: `loss` is the NLP objective,
//! the validation loss and NFE come from simulating the current θ with the configured solver
//! (the [`Target`] the gradient trainer uses), so both trainers' outputs mean the same.

use super::checkpoint::{Checkpoint, HistoryRow, Phase};
use super::colloc_config::HessianChoice;
use super::colloc_nlp::{batches, validate, ColloError};
use super::progress::Progress;
use super::run::{stopped, Outcome, Setup};
use super::target::Target;
use super::{TrainCmdError, INTERRUPTED};
use nodal::collocation::{between_node_residual, CollocationNlp, HessianMode, JointNlp};
use nodal::data::Dataset;
use nodal::nlp::{
    Control, HessianApproximation, InteriorPoint, IterInfo, IterateFn, Nlp, Options, Solution,
    Status,
};
use nodal::report::write_atomic;
use nodal::train::Adam;
use std::path::Path;
use std::sync::atomic::Ordering;
use std::time::Instant;

/// File with the solver status and the between-node ODE residual.
pub const REPORT_FILE: &str = "collocation.json";

/// A simulation-based evaluation of one iterate.
struct Scored {
    /// IPM iteration.
    iter: u64,
    /// Variables `(y_1, …, y_K, θ)`.
    x: Vec<f64>,
    /// Validation MSE, or the training MSE without validation data (`∞` if the simulation
    /// failed): "best" means lowest.
    score: f64,
}

/// Validation loss and NFE of `theta`, and the score used to pick the best iterate; `None`
/// when the simulation fails (early IPM iterates may blow up).
fn evaluate(target: &dyn Target, theta: &[f64]) -> Option<(Option<f64>, usize, f64)> {
    let (val, nfe) = target.evaluate(theta).ok()?;
    let score = match val {
        Some(v) => v,
        None => {
            let all: Vec<usize> = (0..target.n_samples()).collect();
            target.loss(theta, &all).ok()?
        }
    };
    Some((val, nfe, score))
}

/// The Hessian mode `choice` resolves to for hidden widths `hidden`.
fn hessian_mode(choice: HessianChoice, hidden: &[usize]) -> Result<HessianMode, ColloError> {
    match (choice, hidden.len() == 1) {
        (HessianChoice::Exact, false) => Err(ColloError::ExactHessian {
            hidden: hidden.to_vec(),
        }),
        (HessianChoice::Exact | HessianChoice::Auto, true) => Ok(HessianMode::Exact),
        _ => Ok(HessianMode::QuasiNewton),
    }
}

/// Train by collocation. Returns the outcome (written by the caller like the gradient
/// trainer's) and, after Ctrl-C, the interruption to report once the outputs are written.
/// The outcome then holds the best evaluated iterate (see [`Scored`]).
pub fn train(
    target: &dyn Target,
    data: &Dataset,
    s: Setup<'_>,
) -> Result<(Outcome, Option<TrainCmdError>), TrainCmdError> {
    let (cfg, c) = (s.cfg, &s.cfg.collocation);
    validate(c)?;
    let mode = hessian_mode(c.hessian, &cfg.model.hidden)?;
    let template = target.network(&target.initial_params())?;
    let batches = batches(data, &template, c, mode)?;
    let joint = JointNlp::new(&batches).map_err(ColloError::from)?;
    let (n_vars, ny) = (joint.num_vars(), joint.num_vars() - template.n_params());
    let exact = mode == HessianMode::Exact;
    let options = Options {
        tol: c.tol,
        max_iter: c.max_iter,
        linear_solver: c.linear_solver.into(),
        hessian_approximation: if exact {
            HessianApproximation::Exact
        } else {
            HessianApproximation::LimitedMemory
        },
        // One thread: the dense-Schur kernels agree with the threaded ones only up to
        // rounding, and runs must be bit-reproducible.
        linear_solver_threads: 1,
        ..Options::default()
    };
    let progress = Progress::new(c.max_iter as u64, 0, cfg.output.log_every);
    if s.resume.is_some() {
        progress.println(
            "collocation runs cannot continue an interior-point solve; solving again from the start (deterministic: the same result as an uninterrupted run)",
        );
    }
    progress.println(&format!(
        "collocation: {} trajectories × {} {:?} nodes, {n_vars} variables, {} constraints, {} Hessian",
        batches.len(),
        c.nodes,
        c.node_kind,
        joint.num_cons(),
        if exact { "exact" } else { "quasi-Newton" }
    ));
    let clock = Instant::now();
    let mut x0 = vec![0.0; n_vars];
    joint.initial_point(&mut x0);
    let adam = Adam::new(cfg.optimizer.lr).start(target.n_params(), target.n_samples())?;
    let save = |phase, theta: &[f64], history: &[HistoryRow], secs| {
        Checkpoint::new(cfg, s.fingerprint, phase, theta, &adam, history, secs).write(s.out)
    };
    // A checkpoint from the start, so that `--resume` works even after a kill.
    save(Phase::Adam, &x0[ny..], &[], 0.0)?;

    let mut history: Vec<HistoryRow> = Vec::new();
    let mut best: Option<Scored> = None;
    let every = cfg.output.eval_every.max(1);
    let consider = |iter: u64, x: &[f64], best: &mut Option<Scored>| {
        let e = evaluate(target, &x[ny..]);
        let score = e.map_or(f64::INFINITY, |e| e.2);
        if best.as_ref().is_none_or(|b| score < b.score) {
            *best = Some(Scored {
                iter,
                x: x.to_vec(),
                score,
            });
        }
        e
    };
    // Sees every iterate: evaluates every `every`-th, logs, and stops the solve on Ctrl-C.
    let mut observer = IterateFn(|info: &IterInfo, x: &[f64]| {
        let iter = info.iter as u64;
        let e = if !info.restoration && iter % every == 0 {
            consider(iter, x, &mut best)
        } else {
            None
        };
        let (val, nfe) = e.map_or((None, None), |e| (e.0, Some(e.1)));
        let label = if info.restoration { "ipm-resto" } else { "ipm" };
        progress.update(label, iter, info.objective, val, nfe);
        history.push(HistoryRow {
            iteration: iter,
            optimizer: label.into(),
            loss: info.objective,
            val_loss: val,
            nfe,
            seconds: clock.elapsed().as_secs_f64(),
            regularizer: None,
            reg_weight: None,
            stability: None,
            sum_b_residual: None,
        });
        if INTERRUPTED.load(Ordering::SeqCst) {
            Control::Stop
        } else {
            Control::Continue
        }
    });
    let sol = InteriorPoint::new(options).solve_with_observer(&joint, &mut observer);
    progress.finish();
    let interrupted = sol.status == Status::UserStop;
    let last_iter = history.last().map_or(0, |r| r.iteration);
    let x = if interrupted {
        if best.as_ref().is_none_or(|b| b.iter != last_iter) {
            consider(last_iter, &sol.x, &mut best);
        }
        let (it, b) = best.map_or((0, x0), |b| (b.iter, b.x));
        progress.println(&format!(
            "interrupted: keeping the best evaluated iterate, IPM iteration {it} (lowest validation MSE, or training MSE without validation data)"
        ));
        b
    } else {
        checked(&sol)?;
        sol.x.clone()
    };
    let theta = &x[ny..];
    let all: Vec<usize> = (0..target.n_samples()).collect();
    let loss = target.loss(theta, &all).map_err(|e| stopped(0, s.out, e))?;
    let (val_loss, nfe) = target.evaluate(theta).map_err(|e| stopped(0, s.out, e))?;
    if let Some(last) = history.last_mut() {
        last.val_loss = last.val_loss.or(val_loss);
        last.nfe = last.nfe.or(Some(nfe));
    }
    report(
        s.out,
        data,
        &joint,
        &batches,
        &x,
        &sol,
        interrupted,
        &progress,
    )?;
    let seconds = clock.elapsed().as_secs_f64();
    let phase = if interrupted {
        Phase::Adam
    } else {
        Phase::Done
    };
    let ck = save(phase, theta, &history, seconds)?;
    let outcome = Outcome {
        network: target.network(theta)?,
        tableau: None,
        iterations: if interrupted {
            last_iter
        } else {
            sol.iterations as u64
        },
        history,
        loss,
        val_loss,
        seconds,
    };
    let stop = interrupted.then(|| TrainCmdError::Interrupted {
        iteration: last_iter,
        checkpoint: ck,
        dir: s.out.to_path_buf(),
    });
    Ok((outcome, stop))
}

/// A solution that can be used: not rejected, finite. Other statuses (iteration limit,
/// restoration failure) keep the final iterate with a warning in the report.
fn checked(sol: &Solution) -> Result<(), ColloError> {
    if let Status::InvalidProblem(p) = &sol.status {
        return Err(ColloError::Rejected(p.clone()));
    }
    if sol.x.iter().any(|v| !v.is_finite()) {
        return Err(ColloError::NonFinite {
            status: format!("{:?}", sol.status),
            iterations: sol.iterations,
        });
    }
    Ok(())
}

/// Print and write ([`REPORT_FILE`]) the solve's status and the between-node ODE residual of
/// the kept iterate `x`, per trajectory and pooled (rms over all midpoints and states).
#[allow(clippy::too_many_arguments)]
fn report(
    out: &Path,
    data: &Dataset,
    joint: &JointNlp<'_>,
    batches: &[CollocationNlp],
    x: &[f64],
    sol: &Solution,
    interrupted: bool,
    progress: &Progress,
) -> Result<(), TrainCmdError> {
    let (mut max_abs, mut sq, mut count) = (0.0f64, 0.0, 0usize);
    let mut per = Vec::new();
    for (k, b) in batches.iter().enumerate() {
        let xk = joint.batch_x(k, x);
        let r = between_node_residual(
            b.nodes(),
            b.states(&xk).map_err(ColloError::from)?,
            &b.mlp_from(&xk).map_err(ColloError::from)?,
        )
        .map_err(ColloError::from)?;
        max_abs = max_abs.max(r.max_abs);
        let n = r.points * b.dim();
        sq += r.rms * r.rms * n as f64;
        count += n;
        per.push(serde_json::json!({
            "trajectory": data.trajectories[k].id,
            "t0": b.nodes().times()[0],
            "t1": b.nodes().times()[b.nodes().len() - 1],
            "residual_max": r.max_abs,
            "residual_rms": r.rms,
        }));
    }
    let rms = (sq / count.max(1) as f64).sqrt();
    let (status, objective, viol) = if interrupted {
        let mut g = vec![0.0; joint.num_cons()];
        joint.constraints(x, &mut g);
        let viol = g.iter().fold(0.0f64, |a, v| a.max(v.abs()));
        ("Interrupted".to_string(), joint.objective(x), viol)
    } else {
        (format!("{:?}", sol.status), sol.objective, sol.constr_viol)
    };
    progress.println(&format!(
        "interior point: {status} after {} iterations; kept iterate: objective {objective:.4e}, constraint violation {viol:.2e}",
        sol.iterations
    ));
    progress.println(&format!(
        "between-node ODE residual |p' − f(p)| at the midpoints: max {max_abs:.3e}, rms {rms:.3e} (scaled units per time unit; see {REPORT_FILE})"
    ));
    let finite = |v: f64| v.is_finite().then_some(v);
    let doc = serde_json::json!({
        "status": status,
        "iterations": sol.iterations,
        "objective": finite(objective),
        "constraint_violation": finite(viol),
        "nodes": batches.first().map_or(0, |b| b.nodes().len()),
        "residual_max": max_abs,
        "residual_rms": rms,
        "trajectories": per,
    });
    let text = serde_json::to_string_pretty(&doc).map_err(|e| TrainCmdError::Checkpoint {
        path: out.join(REPORT_FILE),
        message: e.to_string(),
    })?;
    write_atomic(&out.join(REPORT_FILE), text.as_bytes())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_hessian_is_exact_only_for_one_hidden_layer() {
        use HessianChoice::*;
        assert_eq!(hessian_mode(Auto, &[16]).unwrap(), HessianMode::Exact);
        assert_eq!(
            hessian_mode(Auto, &[16, 16]).unwrap(),
            HessianMode::QuasiNewton
        );
        assert_eq!(
            hessian_mode(QuasiNewton, &[16]).unwrap(),
            HessianMode::QuasiNewton
        );
        assert!(matches!(
            hessian_mode(Exact, &[8, 8]),
            Err(ColloError::ExactHessian { .. })
        ));
    }
}
