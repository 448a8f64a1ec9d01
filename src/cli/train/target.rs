//! The only const-generic part of `nodal train`: the neural-ODE problem for one (tableau,
//! dimension) pair, behind the object-safe [`Target`] so that the training loop, Adam and
//! argmin's L-BFGS are compiled once rather than once per (method, dimension). The plain
//! problem is here; the trainable-tableau and regularized ones are in `trk_target.rs` and
//! `reg_target.rs`.

use super::config::Config;
use super::data::Validation;
use super::TrainCmdError;
use argmin::core::{CostFunction, Gradient};
use nodal::data::Dataset;
use nodal::model::Coefficients;
use nodal::nn::{Mlp, MlpField};
use nodal::sensitivity::Sensitivity;
use nodal::train::{squared_error, NodeProblem, Objective, TimeSeries, TrainError};
use nodal::{Stepping, Tableau, Trajectory};

/// What the training loop needs from a problem. (`cost` and `gradient` take `&Vec<f64>`
/// because they forward to argmin's `CostFunction` / `Gradient`, whose parameter type it is.)
#[allow(clippy::ptr_arg)]
pub trait Target: Objective + Send + Sync {
    /// The template network's parameters (the starting point).
    fn initial_params(&self) -> Vec<f64>;
    /// Validation loss (MSE over the scored rows, scaled units; `None` without validation
    /// data) and the NFE of one forward solve of every training trajectory.
    fn evaluate(&self, params: &[f64]) -> Result<(Option<f64>, usize), TrainError>;
    /// The network with parameters `params`.
    fn network(&self, params: &[f64]) -> Result<Mlp<f64>, TrainError>;
    /// Full-batch cost for argmin (computes and caches the gradient too).
    fn cost(&self, p: &Vec<f64>) -> Result<f64, argmin::core::Error>;
    /// Full-batch gradient for argmin.
    fn gradient(&self, p: &Vec<f64>) -> Result<Vec<f64>, argmin::core::Error>;
    /// The optimizer iteration (0-based) of the next evaluations, `None` outside Adam (L-BFGS,
    /// final evaluation): sets a regularizer's weight and sampling seeds.
    fn set_iteration(&self, _iter: Option<u64>) {}
    /// Called after every optimizer step (and after L-BFGS) with the new parameters, e.g. to
    /// project a trainable tableau onto `Σb = 1`; returns what to log.
    fn after_step(&self, _params: &mut [f64]) -> Result<StepInfo, TrainError> {
        Ok(StepInfo::default())
    }
    /// The trained tableau of `params`, for a trainable-tableau problem.
    fn tableau(&self, _params: &[f64]) -> Result<Option<Coefficients>, TrainError> {
        Ok(None)
    }
}

/// Extra per-iteration figures of a step, for `history.csv` and the log.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct StepInfo {
    /// Mean unweighted regularizer over the batch.
    pub regularizer: Option<f64>,
    /// Its weight `w(k)`.
    pub reg_weight: Option<f64>,
    /// Stability penalty of the trainable tableau (unweighted).
    pub stability: Option<f64>,
    /// `|Σb − 1|` of the trainable tableau after the projection.
    pub sum_b_residual: Option<f64>,
}

/// The MLP field of the configuration on `D` states.
pub fn mlp_field<const D: usize>(cfg: &Config) -> Result<MlpField<D>, TrainCmdError> {
    let mut widths = vec![D];
    widths.extend(&cfg.model.hidden);
    widths.push(D);
    Ok(Mlp::builder(&widths)
        .hidden_activation(cfg.model.activation)
        .time_input(cfg.model.time_input)
        .seed(cfg.model.seed)
        .build()?
        .into_field::<D>()?)
}

/// [`Target::evaluate`] for any problem: NFE of one forward solve of each of the `n_train`
/// training trajectories (`train(k)`), and the validation MSE over the scored rows (from row
/// `from[k]` on) of the validation data, predicted by `predict_val(k)`.
pub fn evaluate<const D: usize>(
    n_train: usize,
    train: impl Fn(usize) -> Result<Trajectory<D>, TrainError>,
    val: Option<(&[TimeSeries<D>], &[usize])>,
    predict_val: impl Fn(usize) -> Result<Trajectory<D>, TrainError>,
) -> Result<(Option<f64>, usize), TrainError> {
    let mut nfe = 0;
    for k in 0..n_train {
        nfe += train(k)?.stats.nfe;
    }
    let Some((data, from)) = val else {
        return Ok((None, nfe));
    };
    let (mut sse, mut n) = (0.0, 0usize);
    for (k, ts) in data.iter().enumerate() {
        let tr = predict_val(k)?;
        let f = from[k];
        let mask = ts.mask().map(|m| &m[f..]);
        sse += squared_error(&tr.y[f..], &ts.values()[f..], mask, 1.0)?.value;
        n += mask.map_or((ts.len() - f) * D, |m| {
            m.iter().flatten().filter(|&&b| b).count()
        });
    }
    Ok(((n > 0).then(|| sse / n as f64), nfe))
}

/// [`Target`] for an MLP field on `D` states solved with an `S`-stage tableau.
struct NodeTarget<const S: usize, const D: usize> {
    prob: NodeProblem<S, D, MlpField<D>>,
    val: Option<(NodeProblem<S, D, MlpField<D>>, Vec<usize>)>,
}

/// Names the state dimension `D` at a call site where it cannot be inferred.
pub struct Dim<const D: usize>;

/// Build the problem: the configured MLP on the (scaled) training data, and the validation
/// problem.
pub fn build<const S: usize, const D: usize>(
    tab: Tableau<S>,
    _dim: Dim<D>,
    cfg: &Config,
    train: &Dataset,
    val: Option<&Validation>,
    stepping: Stepping<f64>,
    sensitivity: Sensitivity,
) -> Result<Box<dyn Target>, TrainCmdError> {
    let field = mlp_field::<D>(cfg)?;
    let prob = NodeProblem::new(tab, field.clone(), train.to_series::<D>()?, stepping)?
        .with_sensitivity(sensitivity);
    let val = match val {
        Some(v) => Some((
            NodeProblem::new(tab, field, v.data.to_series::<D>()?, stepping)?,
            v.from.clone(),
        )),
        None => None,
    };
    if let Some(reg) = super::reg_target::regularization(cfg, &tab, &stepping)? {
        return super::reg_target::build(prob, val, reg);
    }
    Ok(Box::new(NodeTarget { prob, val }))
}

/// Implements [`Objective`] for a target struct generic over `<S, D>` by forwarding every
/// method to the objective at the given field path (one copy of the forwarding for every
/// target).
macro_rules! forward_objective {
    ($ty:ident, $($field:tt).+) => {
        impl<const S: usize, const D: usize> nodal::train::Objective for $ty<S, D> {
            fn n_params(&self) -> usize {
                nodal::train::Objective::n_params(&self.$($field).+)
            }
            fn n_samples(&self) -> usize {
                nodal::train::Objective::n_samples(&self.$($field).+)
            }
            fn eval(
                &self,
                params: &[f64],
                batch: &[usize],
            ) -> Result<(f64, Vec<f64>), nodal::train::TrainError> {
                nodal::train::Objective::eval(&self.$($field).+, params, batch)
            }
            fn loss(
                &self,
                params: &[f64],
                batch: &[usize],
            ) -> Result<f64, nodal::train::TrainError> {
                nodal::train::Objective::loss(&self.$($field).+, params, batch)
            }
        }
    };
}
pub(crate) use forward_objective;

forward_objective!(NodeTarget, prob);

impl<const S: usize, const D: usize> Target for NodeTarget<S, D> {
    fn initial_params(&self) -> Vec<f64> {
        self.prob.initial_params()
    }

    fn evaluate(&self, params: &[f64]) -> Result<(Option<f64>, usize), TrainError> {
        let val = self.val.as_ref();
        evaluate(
            self.prob.data().len(),
            |k| self.prob.predict(params, k),
            val.map(|(vp, from)| (vp.data(), from.as_slice())),
            |k| {
                val.map_or(Err(TrainError::Empty("no validation data")), |(vp, _)| {
                    vp.predict(params, k)
                })
            },
        )
    }

    fn network(&self, params: &[f64]) -> Result<Mlp<f64>, TrainError> {
        Ok(self.prob.field_with(params)?.into_mlp())
    }

    fn cost(&self, p: &Vec<f64>) -> Result<f64, argmin::core::Error> {
        CostFunction::cost(&self.prob, p)
    }

    fn gradient(&self, p: &Vec<f64>) -> Result<Vec<f64>, argmin::core::Error> {
        Gradient::gradient(&self.prob, p)
    }
}
