//! The only const-generic part of `nodal train`: the neural-ODE problem for one (tableau,
//! dimension) pair, behind the object-safe [`Target`] so that the training loop, Adam and
//! argmin's L-BFGS are compiled once rather than once per (method, dimension).

use super::config::Config;
use super::data::Validation;
use super::TrainCmdError;
use argmin::core::{CostFunction, Gradient};
use nodal::data::Dataset;
use nodal::nn::{Mlp, MlpField};
use nodal::sensitivity::Sensitivity;
use nodal::train::{squared_error, NodeProblem, Objective, TrainError};
use nodal::{Stepping, Tableau};

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
    let mut widths = vec![D];
    widths.extend(&cfg.model.hidden);
    widths.push(D);
    let field = Mlp::builder(&widths)
        .hidden_activation(cfg.model.activation)
        .time_input(cfg.model.time_input)
        .seed(cfg.model.seed)
        .build()?
        .into_field::<D>()?;
    let prob = NodeProblem::new(tab, field.clone(), train.to_series::<D>()?, stepping)?
        .with_sensitivity(sensitivity);
    let val = match val {
        Some(v) => Some((
            NodeProblem::new(tab, field, v.data.to_series::<D>()?, stepping)?,
            v.from.clone(),
        )),
        None => None,
    };
    Ok(Box::new(NodeTarget { prob, val }))
}

impl<const S: usize, const D: usize> Objective for NodeTarget<S, D> {
    fn n_params(&self) -> usize {
        self.prob.n_params()
    }
    fn n_samples(&self) -> usize {
        Objective::n_samples(&self.prob)
    }
    fn eval(&self, params: &[f64], batch: &[usize]) -> Result<(f64, Vec<f64>), TrainError> {
        self.prob.eval(params, batch)
    }
    fn loss(&self, params: &[f64], batch: &[usize]) -> Result<f64, TrainError> {
        self.prob.loss(params, batch)
    }
}

impl<const S: usize, const D: usize> Target for NodeTarget<S, D> {
    fn initial_params(&self) -> Vec<f64> {
        self.prob.initial_params()
    }

    fn evaluate(&self, params: &[f64]) -> Result<(Option<f64>, usize), TrainError> {
        let mut nfe = 0;
        for k in 0..self.prob.data().len() {
            nfe += self.prob.predict(params, k)?.stats.nfe;
        }
        let Some((vp, from)) = &self.val else {
            return Ok((None, nfe));
        };
        let (mut sse, mut n) = (0.0, 0usize);
        for (k, ts) in vp.data().iter().enumerate() {
            let tr = vp.predict(params, k)?;
            let f = from[k];
            let mask = ts.mask().map(|m| &m[f..]);
            sse += squared_error(&tr.y[f..], &ts.values()[f..], mask, 1.0)?.value;
            n += mask.map_or((ts.len() - f) * D, |m| {
                m.iter().flatten().filter(|&&b| b).count()
            });
        }
        Ok(((n > 0).then(|| sse / n as f64), nfe))
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
