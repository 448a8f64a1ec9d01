//! L-BFGS finishing (`lbfgs_iters`, default 50): after Adam, [`crate::train::Lbfgs`]
//! (memory 10, run by trk-forecast's `optim::lbfgs_with_memory`) minimises the same training
//! loss (forecast + μ·penalty, gradient tangent to `Σb = 1`, so the iterates keep `Σb = 1` up
//! to rounding; projected exactly at the end) from the best validation candidates of the
//! restarts.

use super::loss::loss;
use super::own::OwnStates;
use super::train::Data;
use super::Config;
use crate::experiments::trk_error::TrkError;
use crate::experiments::trk_forecast::optim::lbfgs_with_memory;
use crate::train::{Objective, TrainError};
use crate::trainable::TrainableTableau;
use crate::Tableau;

type Trk4 = TrainableTableau<4>;

/// The training loss of one step size as an [`Objective`] over φ (full batch).
struct TrainLoss<'a> {
    cfg: &'a Config,
    h: f64,
    d: &'a Data<'a>,
    trk: Trk4,
    own: &'a OwnStates,
}

impl Objective for TrainLoss<'_> {
    fn n_params(&self) -> usize {
        Trk4::N_PARAMS
    }

    fn eval(&self, params: &[f64], _batch: &[usize]) -> Result<(f64, Vec<f64>), TrainError> {
        let mut trk = self.trk.clone();
        trk.set_params(params)
            .map_err(|e| TrainError::Optimizer(e.to_string()))?;
        let (mse, pen, grad) = loss(self.cfg, self.h, &trk, self.d, self.own)
            .map_err(|e| TrainError::Optimizer(e.to_string()))?;
        Ok((mse + self.cfg.mu * pen, grad))
    }
}

/// Run `cfg.lbfgs_iters` L-BFGS iterations from `tab` (the dissipativity penalty, if on, also
/// over the harvested states of `own`); the result is projected onto
/// `Σb = 1`. Returns the tableau, the projection's `|Σb − 1|` and why L-BFGS stopped early
/// (if it did).
///
/// An L-BFGS run that stops early (a failed loss evaluation) keeps its last accepted
/// iterate and says why in the third element.
///
/// # Errors
/// A trainable error if `tab` cannot be parameterised or projected.
pub(super) fn lbfgs(
    cfg: &Config,
    h: f64,
    d: &Data<'_>,
    tab: &Tableau<4>,
    own: &OwnStates,
) -> Result<(Tableau<4>, f64, Option<String>), TrkError> {
    let mut trk = Trk4::from_tableau(tab, cfg.exact_order)?;
    let obj = TrainLoss {
        cfg,
        h,
        d,
        trk: trk.clone(),
        own,
    };
    let mut params = trk.params().to_vec();
    let stop = lbfgs_with_memory(10, cfg.lbfgs_iters as u64, &obj, &mut params).err();
    trk.set_params(&params)?;
    let residual = trk.project()?.sum_b_residual;
    Ok((trk.tableau(), residual, stop))
}
