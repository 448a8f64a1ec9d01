//! The regularized problem of `nodal train` (`[regularization]`): [`Regularized`] behind
//! [`Target`].

use super::config::{Config, RegularizationConfig};
use super::target::{evaluate, StepInfo, Target};
use super::TrainCmdError;
use argmin::core::{CostFunction, Gradient};
use nodal::nn::{Mlp, MlpField};
use nodal::regularize::{Quantity, Weight};
use nodal::train::{
    Cached, NodeProblem, RegKind, RegTerm, Regularization, Regularized, TrainError,
};
use nodal::{Stepping, Tableau};

/// Known values of `regularization.kind`.
const KINDS: &str = "none, local-unbiased, local-biased, local-accepted, global";

/// The configured regularization for a solve with `tab` and `stepping`, `None` for
/// `kind = "none"`.
///
/// # Errors
/// [`TrainCmdError::Setting`] for an unknown kind or quantity or an inconsistent weight;
/// [`TrainCmdError::RegularizationSolver`] for fixed stepping, a method without an embedded
/// pair or (stiffness) without a stiffness pair.
pub fn regularization<const S: usize>(
    cfg: &Config,
    tab: &Tableau<S>,
    stepping: &Stepping<f64>,
) -> Result<Option<Regularization>, TrainCmdError> {
    let r: &RegularizationConfig = &cfg.regularization;
    let kind = match r.kind.as_str() {
        "none" => return Ok(None),
        "local-unbiased" => RegKind::LocalUnbiased,
        "local-biased" => RegKind::LocalBiased,
        "local-accepted" => RegKind::LocalAccepted,
        "global" => RegKind::Global,
        other => {
            return Err(TrainCmdError::Setting(format!(
                "regularization.kind `{other}`: expected one of {KINDS}"
            )))
        }
    };
    let quantity = match r.quantity.as_str() {
        "error" => Quantity::Error,
        "stiffness" => Quantity::Stiffness,
        other => {
            return Err(TrainCmdError::Setting(format!(
                "regularization.quantity `{other}`: expected `error` or `stiffness`"
            )))
        }
    };
    let weight = match (r.weight, r.w0, r.w1) {
        (Some(w), None, None) => Weight::Constant(w),
        (None, None, None) => Weight::Constant(1.0),
        (None, Some(w0), Some(w1)) => Weight::ExpDecay {
            w0,
            w1,
            iters: usize::try_from(r.decay_iters.unwrap_or(cfg.optimizer.adam_iters).max(1))
                .unwrap_or(usize::MAX),
        },
        _ => {
            return Err(TrainCmdError::Setting(
                "regularization: give either `weight` (constant) or both `w0` and `w1` (exponential decay)".into(),
            ))
        }
    };
    weight
        .check()
        .map_err(|e| TrainCmdError::Setting(format!("regularization: {e}")))?;
    let method = cfg.solver.method.clone();
    let Stepping::Adaptive(opts) = stepping else {
        return Err(TrainCmdError::RegularizationSolver {
            kind: r.kind.clone(),
            method,
            reason: "it steps with a fixed h; remove solver.h".into(),
        });
    };
    let term = RegTerm { kind, quantity };
    term.one_step(opts)
        .check(tab)
        .map_err(|e| TrainCmdError::RegularizationSolver {
            kind: r.kind.clone(),
            method,
            reason: e.to_string(),
        })?;
    Ok(Some(Regularization {
        term,
        weight,
        seed: r.seed,
    }))
}

/// [`Target`] for a regularized MLP field on `D` states solved adaptively with an `S`-stage
/// embedded pair.
struct RegTarget<const S: usize, const D: usize> {
    prob: Cached<Regularized<S, D, MlpField<D>>>,
    val: Option<(NodeProblem<S, D, MlpField<D>>, Vec<usize>)>,
}

/// The regularized target of the data problem `prob` (validation problem `val`).
pub fn build<const S: usize, const D: usize>(
    prob: NodeProblem<S, D, MlpField<D>>,
    val: Option<(NodeProblem<S, D, MlpField<D>>, Vec<usize>)>,
    reg: Regularization,
) -> Result<Box<dyn Target>, TrainCmdError> {
    let prob = Cached::new(Regularized::new(prob, reg)?);
    Ok(Box::new(RegTarget { prob, val }))
}

super::target::forward_objective!(RegTarget, prob.objective);

impl<const S: usize, const D: usize> Target for RegTarget<S, D> {
    fn initial_params(&self) -> Vec<f64> {
        self.prob.objective.node().initial_params()
    }

    fn evaluate(&self, params: &[f64]) -> Result<(Option<f64>, usize), TrainError> {
        let node = self.prob.objective.node();
        let val = self.val.as_ref();
        evaluate(
            node.data().len(),
            |k| node.predict(params, k),
            val.map(|(vp, from)| (vp.data(), from.as_slice())),
            |k| {
                val.map_or(Err(TrainError::Empty("no validation data")), |(vp, _)| {
                    vp.predict(params, k)
                })
            },
        )
    }

    fn network(&self, params: &[f64]) -> Result<Mlp<f64>, TrainError> {
        Ok(self.prob.objective.node().field_with(params)?.into_mlp())
    }

    fn cost(&self, p: &Vec<f64>) -> Result<f64, argmin::core::Error> {
        CostFunction::cost(&self.prob, p)
    }

    fn gradient(&self, p: &Vec<f64>) -> Result<Vec<f64>, argmin::core::Error> {
        Gradient::gradient(&self.prob, p)
    }

    fn set_iteration(&self, iter: Option<u64>) {
        self.prob.objective.set_iteration(iter);
    }

    fn after_step(&self, _params: &mut [f64]) -> Result<StepInfo, TrainError> {
        let stats = self.prob.objective.last_stats();
        Ok(StepInfo {
            regularizer: stats.map(|s| s.value),
            reg_weight: stats.map(|s| s.weight),
            ..StepInfo::default()
        })
    }
}
