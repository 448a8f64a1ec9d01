//! The trainable-tableau problem of `nodal train` (`[solver] trainable = {...}`):
//! [`TrkProblem`] behind [`Target`], dispatched over the stage count.

use super::config::{Config, TrainableConfig};
use super::data::Validation;
use super::target::{evaluate, mlp_field, StepInfo, Target};
use super::TrainCmdError;
use argmin::core::{CostFunction, Gradient};
use nodal::data::Dataset;
use nodal::model::{Coefficients, ModelError, MAX_DIM, MAX_STAGES, METHODS, MIN_STAGES};
use nodal::nn::{Mlp, MlpField};
use nodal::train::{pad_stages, Cached, StabilityTerm, TrainError, TrkProblem};
use nodal::trainable::StabilitySamples;
use nodal::Tableau;

/// [`Target`] for an MLP field on `D` states and a trainable `S`-stage tableau.
struct TrkTarget<const S: usize, const D: usize> {
    prob: Cached<TrkProblem<S, D, MlpField<D>>>,
    val: Option<(TrkProblem<S, D, MlpField<D>>, Vec<usize>)>,
}

/// Build the trainable-tableau problem for `dim` states with fixed step `h`: the stage count
/// and the initial preset are dispatched here.
///
/// # Errors
/// [`TrainCmdError::Stages`] for `stages` outside 2..=10 or below the initial preset's,
/// [`TrainCmdError::Setting`] for an unknown `init` or a bad penalty,
/// [`ModelError::TooManyStates`], and the problem's errors.
pub fn build(
    dim: usize,
    t: &TrainableConfig,
    cfg: &Config,
    train: &Dataset,
    val: Option<&Validation>,
    h: f64,
) -> Result<Box<dyn Target>, TrainCmdError> {
    let stages_err = |min| TrainCmdError::Stages {
        got: t.stages,
        min,
        max: MAX_STAGES,
    };
    let built = nodal::with_dim!(dim, D => {
        nodal::with_stages!(t.stages, S => {
            nodal::with_preset!(t.init.as_str(), tab => {
                let s0 = tab.b.len();
                if s0 > S {
                    Err(stages_err(s0))
                } else {
                    pad_stages(&tab)
                        .map_err(TrainCmdError::from)
                        .and_then(|init: Tableau<S>| {
                            build_for::<S, D>(&init, t, cfg, train, val, h)
                        })
                }
            })
            .ok_or_else(|| TrainCmdError::Setting(format!(
                "solver.trainable.init `{}`: expected a preset ({})",
                t.init,
                METHODS.join(", ")
            )))
        })
        .ok_or_else(|| stages_err(MIN_STAGES))
    });
    match built {
        Some(Ok(Ok(Ok(target)))) => Ok(target),
        Some(Ok(Ok(Err(e)))) | Some(Ok(Err(e))) | Some(Err(e)) => Err(e),
        None => Err(ModelError::TooManyStates {
            got: dim,
            max: MAX_DIM,
        }
        .into()),
    }
}

fn build_for<const S: usize, const D: usize>(
    init: &Tableau<S>,
    t: &TrainableConfig,
    cfg: &Config,
    train: &Dataset,
    val: Option<&Validation>,
    h: f64,
) -> Result<Box<dyn Target>, TrainCmdError> {
    let field = mlp_field::<D>(cfg)?;
    let autonomous = !cfg.model.time_input;
    let problem = |data| -> Result<TrkProblem<S, D, MlpField<D>>, TrainCmdError> {
        Ok(TrkProblem::new(field.clone(), init, data, h)?.with_autonomous(autonomous))
    };
    let mut prob = problem(train.to_series::<D>()?)?;
    if t.stability_weight > 0.0 {
        let samples = StabilitySamples::real_segment(t.stability_x_max, t.stability_points)
            .map_err(|e| TrainCmdError::Setting(format!("solver.trainable: {e}")))?;
        prob = prob.with_stability(StabilityTerm {
            weight: t.stability_weight,
            samples,
        })?;
    }
    let val = match val {
        Some(v) => Some((problem(v.data.to_series::<D>()?)?, v.from.clone())),
        None => None,
    };
    Ok(Box::new(TrkTarget {
        prob: Cached::new(prob),
        val,
    }))
}

super::target::forward_objective!(TrkTarget, prob.objective);

impl<const S: usize, const D: usize> Target for TrkTarget<S, D> {
    fn initial_params(&self) -> Vec<f64> {
        self.prob.objective.initial_params()
    }

    fn evaluate(&self, params: &[f64]) -> Result<(Option<f64>, usize), TrainError> {
        let prob = &self.prob.objective;
        let val = self.val.as_ref();
        evaluate(
            prob.data().len(),
            |k| prob.predict(params, k),
            val.map(|(vp, from)| (vp.data(), from.as_slice())),
            |k| {
                val.map_or(Err(TrainError::Empty("no validation data")), |(vp, _)| {
                    vp.predict(params, k)
                })
            },
        )
    }

    fn network(&self, params: &[f64]) -> Result<Mlp<f64>, TrainError> {
        Ok(self.prob.objective.field_with(params)?.into_mlp())
    }

    fn cost(&self, p: &Vec<f64>) -> Result<f64, argmin::core::Error> {
        CostFunction::cost(&self.prob, p)
    }

    fn gradient(&self, p: &Vec<f64>) -> Result<Vec<f64>, argmin::core::Error> {
        Gradient::gradient(&self.prob, p)
    }

    /// Project φ onto `Σb = 1`; log the residual and the stability penalty.
    fn after_step(&self, params: &mut [f64]) -> Result<StepInfo, TrainError> {
        let prob = &self.prob.objective;
        let proj = prob.project(params)?;
        Ok(StepInfo {
            stability: prob.stability_penalty(params)?.map(|p| p.value),
            sum_b_residual: Some(proj.sum_b_residual),
            ..StepInfo::default()
        })
    }

    fn tableau(&self, params: &[f64]) -> Result<Option<Coefficients>, TrainError> {
        Ok(Some(Coefficients::of(
            &self.prob.objective.tableau(params)?,
        )))
    }
}
