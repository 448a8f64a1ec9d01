//! Losses on saved trajectories with exact gradients: (masked) mean squared error against
//! observations, and a linear softmax cross-entropy head for classifying a final state.

use super::error::{check_len, TrainError};
use crate::State;

/// A loss value with its gradient with respect to each saved state, dL/dy(t_i).
#[derive(Clone, Debug, PartialEq)]
pub struct LossGrad<const D: usize> {
    /// The loss value (dimensionless, in squared state units for the MSE).
    pub value: f64,
    /// dL/dy(t_i), one per saved state, in the same order.
    pub dl_dy: Vec<State<D>>,
}

/// `weight · Σ_i Σ_c m_ic (pred_ic − obs_ic)²` and its gradient `2·weight·m_ic(pred_ic − obs_ic)`.
///
/// `mask[i][c] = false` drops component `c` at time `i` (`None` keeps all). [`mse`] is this
/// with `weight = 1 / (number of observed entries)`; batches use one weight for all
/// trajectories so that the batch loss is the mean over all observed entries.
///
/// # Errors
/// [`TrainError::LengthMismatch`] when `obs` or `mask` differ in length from `pred`.
pub fn squared_error<const D: usize>(
    pred: &[State<D>],
    obs: &[State<D>],
    mask: Option<&[[bool; D]]>,
    weight: f64,
) -> Result<LossGrad<D>, TrainError> {
    let n = pred.len();
    if obs.len() != n {
        return Err(TrainError::LengthMismatch {
            trajectory: 0,
            what: "observations vs predictions",
            expected: n,
            got: obs.len(),
        });
    }
    if let Some(m) = mask {
        if m.len() != n {
            return Err(TrainError::LengthMismatch {
                trajectory: 0,
                what: "mask vs predictions",
                expected: n,
                got: m.len(),
            });
        }
    }
    let mut value = 0.0;
    let mut dl_dy = Vec::with_capacity(n);
    for i in 0..n {
        let mut g = State::<D>::zeros();
        for c in 0..D {
            if mask.is_none_or(|m| m[i][c]) {
                let r = pred[i][c] - obs[i][c];
                value += r * r;
                g[c] = 2.0 * weight * r;
            }
        }
        dl_dy.push(g);
    }
    Ok(LossGrad {
        value: weight * value,
        dl_dy,
    })
}

/// Mean squared error over the observed entries, `(1/N) Σ m_ic (pred_ic − obs_ic)²` with
/// `N = Σ m_ic`, and its exact gradient dL/dy(t_i).
///
/// # Errors
/// As [`squared_error`], and [`TrainError::Empty`] when the mask observes nothing.
pub fn mse<const D: usize>(
    pred: &[State<D>],
    obs: &[State<D>],
    mask: Option<&[[bool; D]]>,
) -> Result<LossGrad<D>, TrainError> {
    let n_obs = match mask {
        None => pred.len() * D,
        Some(m) => m.iter().flatten().filter(|&&b| b).count(),
    };
    if n_obs == 0 {
        return Err(TrainError::Empty("the mask observes no entry"));
    }
    squared_error(pred, obs, mask, 1.0 / n_obs as f64)
}

/// A linear classification head on a `D`-dimensional state: logits `ℓ = W z + b` with `W`
/// of shape `n_classes × D`, followed by softmax cross-entropy. Its weights are extra trainable
/// parameters, laid out as `W` row-major then `b` (length `n_classes·(D + 1)`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LinearHead<const D: usize> {
    /// Number of classes K (≥ 2).
    pub n_classes: usize,
}

/// Cross-entropy loss of one sample with its gradients.
#[derive(Clone, Debug, PartialEq)]
pub struct HeadGrad<const D: usize> {
    /// `−log softmax(ℓ)[label]` (nats).
    pub value: f64,
    /// dL/dz, the gradient with respect to the classified state z(t1).
    pub dz: State<D>,
    /// dL/d(head weights), same layout as the weights.
    pub dweights: Vec<f64>,
}

impl<const D: usize> LinearHead<D> {
    /// Number of head weights, `n_classes·(D + 1)`.
    pub fn n_params(&self) -> usize {
        self.n_classes * (D + 1)
    }

    /// The logits `W z + b`.
    ///
    /// # Errors
    /// [`TrainError::ParamLength`] if `weights.len() != n_params()`; [`TrainError::Empty`] for
    /// fewer than two classes.
    pub fn logits(&self, weights: &[f64], z: &State<D>) -> Result<Vec<f64>, TrainError> {
        if self.n_classes < 2 {
            return Err(TrainError::Empty("a classification head needs ≥ 2 classes"));
        }
        check_len("head weights", self.n_params(), weights.len())?;
        let (w, b) = weights.split_at(self.n_classes * D);
        Ok((0..self.n_classes)
            .map(|k| b[k] + (0..D).map(|c| w[k * D + c] * z[c]).sum::<f64>())
            .collect())
    }

    /// The most likely class of `z`.
    ///
    /// # Errors
    /// As [`LinearHead::logits`].
    pub fn predict(&self, weights: &[f64], z: &State<D>) -> Result<usize, TrainError> {
        let l = self.logits(weights, z)?;
        Ok((0..l.len()).fold(0, |best, k| if l[k] > l[best] { k } else { best }))
    }

    /// Softmax cross-entropy of `z` with true class `label`, and its exact gradients with
    /// respect to `z` and the head weights (numerically stable log-sum-exp).
    ///
    /// # Errors
    /// As [`LinearHead::logits`], and [`TrainError::Label`] for `label ≥ n_classes`.
    pub fn cross_entropy(
        &self,
        weights: &[f64],
        z: &State<D>,
        label: usize,
    ) -> Result<HeadGrad<D>, TrainError> {
        let logits = self.logits(weights, z)?;
        if label >= self.n_classes {
            return Err(TrainError::Label {
                label,
                n_classes: self.n_classes,
            });
        }
        let max = logits.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let sum: f64 = logits.iter().map(|l| (l - max).exp()).sum();
        let lse = max + sum.ln();
        let value = lse - logits[label];
        // dL/dℓ_k = softmax_k − [k = label].
        let dl: Vec<f64> = logits
            .iter()
            .enumerate()
            .map(|(k, l)| (l - lse).exp() - if k == label { 1.0 } else { 0.0 })
            .collect();
        let (w, _) = weights.split_at(self.n_classes * D);
        let mut dz = State::<D>::zeros();
        let mut dweights = vec![0.0; self.n_params()];
        for (k, &d) in dl.iter().enumerate() {
            for c in 0..D {
                dz[c] += w[k * D + c] * d;
                dweights[k * D + c] = d * z[c];
            }
            dweights[self.n_classes * D + k] = d;
        }
        Ok(HeadGrad {
            value,
            dz,
            dweights,
        })
    }
}
