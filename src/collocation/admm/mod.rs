//! Consensus ADMM across batches of collocation NLPs (SCIENCE.md §3; Boyd et al. 2011, §7.1).
//!
//! The data is split into `K` batches (time windows or separate trajectories), each its own
//! [`CollocationNlp`] over its own node states `y_k` and its own copy `θ_k` of the network
//! parameters. Scaled consensus ADMM drives the copies to agreement:
//!
//! ```text
//! (y_k, θ_k) ← argmin f_k(y_k, θ_k) + (ρ/2)‖θ_k − z + u_k‖²   (all k in parallel, warm-started)
//! z          ← mean_k(θ_k + u_k)
//! u_k        ← u_k + θ_k − z
//! ```
//!
//! Primal residual `‖r‖ = (Σ_k ‖θ_k − z‖²)^½`, dual residual `‖s‖ = ρ√K‖z − z_prev‖`; stop when
//! `‖r‖ ≤ ε_pri = √(Kn)ε_abs + ε_rel·max(‖(θ_k)‖, √K‖z‖)` and
//! `‖s‖ ≤ ε_dual = √(Kn)ε_abs + ε_rel·ρ‖(u_k)‖` (Boyd §3.3). Optional residual balancing
//! (Boyd §3.4.1) rescales ρ (and u) when one residual exceeds the other `μ`-fold.
//!
//! Only θ, u and z cross between the driver and the batches (each batch keeps its states), so
//! the batches could run in separate processes. [`JointNlp`] is the undecomposed problem (one
//! NLP, one shared θ), the reference ADMM converges to; [`Proximal`] is one batch's NLP.

mod joint;
mod prox;

pub use joint::JointNlp;
pub use prox::Proximal;

use crate::collocation::CollocationNlp;
use crate::nlp::{InteriorPoint, Nlp, Options, Solution, Status};
use rayon::prelude::*;
use std::time::Instant;
use thiserror::Error;

/// Typed failures of [`Admm`], with the numbers that explain them.
#[derive(Debug, Error)]
pub enum AdmmError {
    /// ADMM needs at least one batch.
    #[error("ADMM needs at least one batch, got none")]
    NoBatches,
    /// A batch's network has a different number of parameters than batch 0's.
    #[error("batch {batch} has {got} network parameters, batch 0 has {expected}; consensus needs one architecture")]
    ThetaMismatch {
        /// The offending batch.
        batch: usize,
        /// Parameters of batch 0.
        expected: usize,
        /// Parameters of this batch.
        got: usize,
    },
    /// An option is out of range.
    #[error("ADMM option {name} = {value} is invalid: {expected}")]
    InvalidOption {
        /// Option name.
        name: &'static str,
        /// Value given.
        value: f64,
        /// What is required.
        expected: &'static str,
    },
    /// A batch's interior-point solve failed so that no usable point came back.
    #[error("ADMM iteration {iter}: batch {batch} returned no usable point (IPM status {status:?} after {ipm_iterations} iterations)")]
    BatchFailed {
        /// ADMM iteration (1-based).
        iter: usize,
        /// The batch.
        batch: usize,
        /// The solver's status.
        status: Status,
        /// Its iteration count.
        ipm_iterations: usize,
    },
}

/// Residual balancing (Boyd et al. 2011, §3.4.1): after an iteration, if `‖r‖ > μ‖s‖` then
/// `ρ ← τρ, u ← u/τ`; if `‖s‖ > μ‖r‖` then `ρ ← ρ/τ, u ← τu`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ResidualBalancing {
    /// Imbalance ratio that triggers a change, `μ > 1` (default 10).
    pub mu: f64,
    /// Factor by which ρ changes, `τ > 1` (default 2).
    pub tau: f64,
}

impl Default for ResidualBalancing {
    fn default() -> Self {
        ResidualBalancing { mu: 10.0, tau: 2.0 }
    }
}

/// Options of [`Admm`].
#[derive(Clone, Debug)]
pub struct AdmmConfig {
    /// Penalty ρ > 0 of the proximal term (default 1, as in the paper).
    pub rho: f64,
    /// Largest number of ADMM iterations, ≥ 1 (default 10, as in the paper's toy run).
    pub max_iter: usize,
    /// Absolute tolerance ε_abs ≥ 0 of the stopping rule (default 1e-4).
    pub eps_abs: f64,
    /// Relative tolerance ε_rel ≥ 0 of the stopping rule (default 1e-3).
    pub eps_rel: f64,
    /// Adaptive ρ by residual balancing; `None` (default) keeps ρ fixed.
    pub balancing: Option<ResidualBalancing>,
    /// Solve iteration 1 without the proximal term (each batch fits its own data from its own
    /// start, as the reference code of Tsay & Shapovalova does), so z starts at the mean of
    /// the independent fits rather than at the initial θ (default `false`).
    pub unpenalized_start: bool,
    /// Solve the batches in parallel on rayon's pool (default `true`); `false` solves them one
    /// after the other (same results, for timing comparisons).
    pub parallel: bool,
    /// Options of each batch's interior-point solve (default IPOPT's).
    pub ipm: Options,
}

impl Default for AdmmConfig {
    fn default() -> Self {
        AdmmConfig {
            rho: 1.0,
            max_iter: 10,
            eps_abs: 1e-4,
            eps_rel: 1e-3,
            balancing: None,
            unpenalized_start: false,
            parallel: true,
            ipm: Options::default(),
        }
    }
}

/// What one ADMM iteration did.
#[derive(Clone, Debug)]
pub struct AdmmIteration {
    /// Iteration number, 1-based.
    pub iter: usize,
    /// Primal residual `(Σ_k ‖θ_k − z‖²)^½` (Boyd's ‖r‖₂).
    pub primal: f64,
    /// Primal residual as SCIENCE.md §3 states it: `Σ_k ‖θ_k − z‖`.
    pub primal_sum: f64,
    /// Dual residual `ρ√K‖z − z_prev‖` (ρ of this iteration).
    pub dual: f64,
    /// Primal tolerance ε_pri of the stopping rule.
    pub eps_primal: f64,
    /// Dual tolerance ε_dual of the stopping rule.
    pub eps_dual: f64,
    /// ρ of this iteration (the batch solves used 0 in iteration 1 with
    /// [`AdmmConfig::unpenalized_start`]).
    pub rho: f64,
    /// Interior-point iterations of each batch.
    pub ipm_iterations: Vec<usize>,
    /// Interior-point status of each batch.
    pub statuses: Vec<Status>,
    /// Wall-clock seconds of the batch-solve phase (parallel or serial).
    pub solve_secs: f64,
    /// Wall-clock seconds of each batch's own solve.
    pub batch_secs: Vec<f64>,
    /// CPU seconds of each batch's own solve, on the thread that ran it (Linux
    /// `/proc/thread-self/stat`, 10 ms resolution; `NaN` elsewhere). Unlike wall time this is
    /// not inflated by other processes sharing the cores, so `Σ/max` over the batches bounds
    /// the speedup parallel solves can reach.
    pub batch_cpu_secs: Vec<f64>,
}

/// CPU time (user + system) of the calling thread in seconds, from `/proc/thread-self/stat`
/// (Linux, clock ticks of 10 ms); `NaN` where unavailable.
fn thread_cpu_seconds() -> f64 {
    std::fs::read_to_string("/proc/thread-self/stat")
        .ok()
        .and_then(|s| {
            let f: Vec<&str> = s.rsplit(')').next()?.split_whitespace().collect();
            let ut: f64 = f.get(11)?.parse().ok()?;
            let st: f64 = f.get(12)?.parse().ok()?;
            Some((ut + st) / 100.0)
        })
        .unwrap_or(f64::NAN)
}

/// The result of [`Admm::run`].
#[derive(Clone, Debug)]
pub struct AdmmResult {
    /// Consensus parameters z.
    pub z: Vec<f64>,
    /// Each batch's last solution `(y_k, θ_k)` (its variable vector).
    pub x: Vec<Vec<f64>>,
    /// Scaled duals `u_k`.
    pub u: Vec<Vec<f64>>,
    /// Final ρ.
    pub rho: f64,
    /// One entry per iteration.
    pub history: Vec<AdmmIteration>,
    /// Whether the stopping rule was met (otherwise `max_iter` ran out).
    pub converged: bool,
}

/// Consensus ADMM over collocation batches; see the [module documentation](self).
#[derive(Debug)]
pub struct Admm {
    batches: Vec<CollocationNlp>,
    config: AdmmConfig,
    n_theta: usize,
}

/// The common θ length of `batches`.
pub(crate) fn common_theta(batches: &[CollocationNlp]) -> Result<usize, AdmmError> {
    let n = batches.first().ok_or(AdmmError::NoBatches)?.n_theta();
    for (batch, b) in batches.iter().enumerate() {
        if b.n_theta() != n {
            return Err(AdmmError::ThetaMismatch {
                batch,
                expected: n,
                got: b.n_theta(),
            });
        }
    }
    Ok(n)
}

fn norm(v: impl Iterator<Item = f64>) -> f64 {
    v.map(|a| a * a).sum::<f64>().sqrt()
}

fn check_config(c: &AdmmConfig) -> Result<(), AdmmError> {
    let bad = |name, value, expected| {
        Err(AdmmError::InvalidOption {
            name,
            value,
            expected,
        })
    };
    if !(c.rho.is_finite() && c.rho > 0.0) {
        return bad("rho", c.rho, "finite and > 0");
    }
    if c.max_iter == 0 {
        return bad("max_iter", 0.0, ">= 1");
    }
    for (name, v) in [("eps_abs", c.eps_abs), ("eps_rel", c.eps_rel)] {
        if !(v.is_finite() && v >= 0.0) {
            return bad(name, v, "finite and >= 0");
        }
    }
    if let Some(b) = c.balancing {
        for (name, v) in [("balancing.mu", b.mu), ("balancing.tau", b.tau)] {
            if !(v.is_finite() && v > 1.0) {
                return bad(name, v, "finite and > 1");
            }
        }
    }
    Ok(())
}

impl Admm {
    /// ADMM over `batches` (at least one; all networks with the same number of parameters)
    /// with options `config`.
    ///
    /// Errors: [`AdmmError::NoBatches`], [`AdmmError::ThetaMismatch`],
    /// [`AdmmError::InvalidOption`] (ρ ≤ 0, `max_iter` = 0, negative tolerances, balancing
    /// μ or τ ≤ 1).
    pub fn new(batches: Vec<CollocationNlp>, config: AdmmConfig) -> Result<Self, AdmmError> {
        let n_theta = common_theta(&batches)?;
        check_config(&config)?;
        Ok(Admm {
            batches,
            config,
            n_theta,
        })
    }

    /// The batches.
    pub fn batches(&self) -> &[CollocationNlp] {
        &self.batches
    }

    /// The options.
    pub fn config(&self) -> &AdmmConfig {
        &self.config
    }

    /// The undecomposed problem: all batches with one shared θ.
    pub fn joint(&self) -> JointNlp<'_> {
        // The batches were checked in `new`, so this cannot fail.
        JointNlp::new(&self.batches)
            .unwrap_or_else(|_| unreachable!("batches checked in Admm::new"))
    }

    /// Run ADMM from the batches' own starting points (kernel-smoother states, initial θ),
    /// `z` = mean of the starting θ's, `u = 0`.
    ///
    /// Errors: [`AdmmError::BatchFailed`] when a batch solve returns no usable point.
    pub fn run(&self) -> Result<AdmmResult, AdmmError> {
        self.run_with(|_, _| {})
    }

    /// As [`run`](Self::run), calling `observer(iteration, z)` after every iteration (e.g. to
    /// evaluate the consensus model).
    pub fn run_with(
        &self,
        mut observer: impl FnMut(&AdmmIteration, &[f64]),
    ) -> Result<AdmmResult, AdmmError> {
        let (k_n, nt) = (self.batches.len(), self.n_theta);
        let mut x: Vec<Vec<f64>> = self
            .batches
            .iter()
            .map(|b| {
                let mut v = vec![0.0; b.num_vars()];
                b.initial_point(&mut v);
                v
            })
            .collect();
        let theta = |x: &Vec<f64>| x.len() - nt;
        let mut z = vec![0.0; nt];
        for xk in &x {
            for (zi, t) in z.iter_mut().zip(&xk[theta(xk)..]) {
                *zi += t / k_n as f64;
            }
        }
        let mut u = vec![vec![0.0; nt]; k_n];
        let mut rho = self.config.rho;
        let mut history = Vec::new();
        let sqrt_kn = ((k_n * nt) as f64).sqrt();
        let solver = InteriorPoint::new(self.config.ipm.clone());
        for iter in 1..=self.config.max_iter {
            let centers: Vec<Vec<f64>> = u
                .iter()
                .map(|uk| z.iter().zip(uk).map(|(a, b)| a - b).collect())
                .collect();
            let t0 = Instant::now();
            let solve = |k: usize| -> (Solution, f64, f64) {
                let (t, cpu) = (Instant::now(), thread_cpu_seconds());
                let weight = if iter == 1 && self.config.unpenalized_start {
                    0.0
                } else {
                    rho
                };
                let p = Proximal::new(&self.batches[k], weight, &centers[k], &x[k]);
                let sol = solver.solve(&p);
                (sol, t.elapsed().as_secs_f64(), thread_cpu_seconds() - cpu)
            };
            let sols: Vec<(Solution, f64, f64)> = if self.config.parallel {
                (0..k_n).into_par_iter().map(solve).collect()
            } else {
                (0..k_n).map(solve).collect()
            };
            let solve_secs = t0.elapsed().as_secs_f64();
            for (batch, (sol, _, _)) in sols.iter().enumerate() {
                let unusable = matches!(sol.status, Status::InvalidProblem(_))
                    || sol.x.iter().any(|v| !v.is_finite());
                if unusable {
                    return Err(AdmmError::BatchFailed {
                        iter,
                        batch,
                        status: sol.status.clone(),
                        ipm_iterations: sol.iterations,
                    });
                }
            }
            for (xk, (sol, _, _)) in x.iter_mut().zip(&sols) {
                xk.copy_from_slice(&sol.x);
            }
            let z_prev = std::mem::replace(&mut z, vec![0.0; nt]);
            for (xk, uk) in x.iter().zip(&u) {
                for ((zi, t), ui) in z.iter_mut().zip(&xk[theta(xk)..]).zip(uk) {
                    *zi += (t + ui) / k_n as f64;
                }
            }
            let mut primal_sq = 0.0;
            let mut primal_sum = 0.0;
            for (xk, uk) in x.iter().zip(u.iter_mut()) {
                let th = &xk[theta(xk)..];
                let r = norm(th.iter().zip(&z).map(|(t, zi)| t - zi));
                primal_sq += r * r;
                primal_sum += r;
                for ((ui, t), zi) in uk.iter_mut().zip(th).zip(&z) {
                    *ui += t - zi;
                }
            }
            let primal = primal_sq.sqrt();
            let dual = rho * (k_n as f64).sqrt() * norm(z.iter().zip(&z_prev).map(|(a, b)| a - b));
            let theta_norm = norm(x.iter().flat_map(|xk| xk[theta(xk)..].iter().copied()));
            let z_norm = (k_n as f64).sqrt() * norm(z.iter().copied());
            let u_norm = norm(u.iter().flatten().copied());
            let eps_primal =
                sqrt_kn * self.config.eps_abs + self.config.eps_rel * theta_norm.max(z_norm);
            let eps_dual = sqrt_kn * self.config.eps_abs + self.config.eps_rel * rho * u_norm;
            let it = AdmmIteration {
                iter,
                primal,
                primal_sum,
                dual,
                eps_primal,
                eps_dual,
                rho,
                ipm_iterations: sols.iter().map(|s| s.0.iterations).collect(),
                statuses: sols.iter().map(|s| s.0.status.clone()).collect(),
                solve_secs,
                batch_secs: sols.iter().map(|s| s.1).collect(),
                batch_cpu_secs: sols.iter().map(|s| s.2).collect(),
            };
            observer(&it, &z);
            history.push(it);
            if primal <= eps_primal && dual <= eps_dual {
                return Ok(AdmmResult {
                    z,
                    x,
                    u,
                    rho,
                    history,
                    converged: true,
                });
            }
            if let Some(b) = self.config.balancing {
                let scale = if primal > b.mu * dual {
                    b.tau
                } else if dual > b.mu * primal {
                    1.0 / b.tau
                } else {
                    1.0
                };
                rho *= scale;
                u.iter_mut().flatten().for_each(|v| *v /= scale);
            }
        }
        Ok(AdmmResult {
            z,
            x,
            u,
            rho,
            history,
            converged: false,
        })
    }
}
