//! The digits neural-ODE classifier (a small stand-in for the MNIST NODE of Pal et al. 2023):
//! `z(0)` = pixels/16 (D = 64), `z' = f_θ(t, z)` with `f` = Dense(65→H, tanh) → Dense(H+1→64)
//! (time appended to each layer's input), an adaptive solve on [0, 1], a linear head 64→10 and
//! softmax cross-entropy. Samples are solved one by one (each its own adaptive step sequence),
//! in parallel with rayon.

use super::digits::{Digits, CLASSES, PIXELS};
use super::penalty::{mix_seed, sample_gradient, PenaltySetup, Variant};
use crate::nn::MlpField;
use crate::regularize::{FirstStage, OneStep, Weight};
use crate::sensitivity::Sensitivity;
use crate::train::{LinearHead, Objective, TrainError};
use crate::{solve_adaptive, Adaptive, ParamField, State, Tableau};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// What one training iteration saw (means over its mini-batch).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct IterLog {
    /// Mean cross-entropy (nats).
    pub ce: f64,
    /// Mean unweighted regularizer `R` (0 for vanilla).
    pub reg: f64,
    /// The weight `w(k)` used.
    pub weight: f64,
    /// Mean NFE of the forward solves.
    pub nfe: f64,
}

/// Accuracy, cost and loss of a model on a data set (forward solves only).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Evaluation {
    /// Fraction of correctly classified samples, in [0, 1].
    pub accuracy: f64,
    /// Mean NFE per sample.
    pub nfe: f64,
    /// Mean cross-entropy (nats).
    pub ce: f64,
}

/// The training objective: mean cross-entropy over a mini-batch plus `w(k)·mean R`, with
/// parameters θ (the field's) followed by the head's weights.
pub struct ClassifierObjective<'a> {
    /// Solver and tolerances.
    pub tab: Tableau<7>,
    /// Tolerances of every solve (training, regularizer, test).
    pub opts: Adaptive,
    /// Adjoint of the data loss.
    pub sensitivity: Sensitivity,
    /// Which regularizer.
    pub variant: Variant,
    /// Its schedule over iterations.
    pub weight: Weight,
    /// The field template (its θ is replaced by the optimizer's).
    pub field: MlpField<PIXELS>,
    /// The classification head.
    pub head: LinearHead<PIXELS>,
    /// Training data.
    pub data: &'a Digits,
    /// Seed of the regularizer's time samples.
    pub seed: u64,
    iter: AtomicU64,
    log: Mutex<Vec<IterLog>>,
}

impl<'a> ClassifierObjective<'a> {
    /// An objective at iteration 0 with an empty log.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        tab: Tableau<7>,
        opts: Adaptive,
        sensitivity: Sensitivity,
        variant: Variant,
        weight: Weight,
        field: MlpField<PIXELS>,
        data: &'a Digits,
        seed: u64,
    ) -> Self {
        Self {
            tab,
            opts,
            sensitivity,
            variant,
            weight,
            field,
            head: LinearHead { n_classes: CLASSES },
            data,
            seed,
            iter: AtomicU64::new(0),
            log: Mutex::new(Vec::new()),
        }
    }

    /// The per-iteration log so far.
    pub fn log(&self) -> Vec<IterLog> {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }

    /// The field with θ = `params[..n_theta]` and the head weights `params[n_theta..]`.
    ///
    /// # Errors
    /// [`TrainError::ParamLength`].
    pub fn split<'p>(
        &self,
        params: &'p [f64],
    ) -> Result<(MlpField<PIXELS>, &'p [f64]), TrainError> {
        if params.len() != self.n_params() {
            return Err(TrainError::ParamLength {
                what: "classifier parameters (field θ then head)",
                expected: self.n_params(),
                got: params.len(),
            });
        }
        let n = self.field.params().len();
        let mut f = self.field.clone();
        f.params_mut().copy_from_slice(&params[..n]);
        Ok((f, &params[n..]))
    }
}

impl Objective for ClassifierObjective<'_> {
    fn n_params(&self) -> usize {
        self.field.params().len() + self.head.n_params()
    }

    fn n_samples(&self) -> usize {
        self.data.len()
    }

    fn eval(&self, params: &[f64], batch: &[usize]) -> Result<(f64, Vec<f64>), TrainError> {
        let (f, hw) = self.split(params)?;
        if batch.is_empty() {
            return Err(TrainError::Empty("an empty mini-batch"));
        }
        let k = self.iter.fetch_add(1, Ordering::Relaxed);
        let w = match self.variant {
            Variant::Vanilla => 0.0,
            _ => self
                .weight
                .at(k as usize)
                .map_err(|source| TrainError::Regularize {
                    trajectory: batch[0],
                    source,
                })?,
        };
        let inv_b = 1.0 / batch.len() as f64;
        let batch_level = self.variant == Variant::LocalBatch;
        let setup = PenaltySetup {
            tab: &self.tab,
            opts: &self.opts,
            sensitivity: self.sensitivity,
            // The batch-level variant adds its term below, over the whole batch.
            variant: if batch_level {
                Variant::Vanilla
            } else {
                self.variant
            },
            weight: w * inv_b,
        };
        let head = self.head;
        let parts = batch
            .par_iter()
            .map(|&i| {
                let (x, label) = self.sample(i)?;
                let mut dhead = Vec::new();
                let sg = sample_gradient(
                    &setup,
                    &f,
                    0.0,
                    x,
                    &[1.0],
                    i,
                    mix_seed(self.seed, k, i as u64),
                    |tr| {
                        let hg = head.cross_entropy(hw, &tr.y[0], label)?;
                        dhead = hg.dweights;
                        Ok((hg.value, vec![hg.dz * inv_b]))
                    },
                )?;
                Ok((sg, dhead))
            })
            .collect::<Result<Vec<_>, TrainError>>()?;
        let n_theta = self.field.params().len();
        let mut grad = vec![0.0; params.len()];
        let (mut ce, mut reg, mut nfe) = (0.0, 0.0, 0.0);
        for (sg, dhead) in &parts {
            ce += sg.loss * inv_b;
            reg += sg.reg * inv_b;
            nfe += sg.nfe as f64 * inv_b;
            for (a, b) in grad[..n_theta].iter_mut().zip(&sg.params) {
                *a += b;
            }
            for (a, b) in grad[n_theta..].iter_mut().zip(dhead) {
                *a += b * inv_b;
            }
        }
        if batch_level {
            reg = self.batch_term(&f, batch, k, w, &mut grad[..n_theta])?;
        }
        if let Ok(mut l) = self.log.lock() {
            l.push(IterLog {
                ce,
                reg,
                weight: w,
                nfe,
            });
        }
        Ok((ce + w * reg, grad))
    }

    fn loss(&self, params: &[f64], batch: &[usize]) -> Result<f64, TrainError> {
        let (f, hw) = self.split(params)?;
        let sub = Digits {
            images: batch.iter().map(|&i| self.data.images[i]).collect(),
            labels: batch.iter().map(|&i| self.data.labels[i]).collect(),
        };
        Ok(evaluate(&self.tab, &self.opts, &f, hw, &sub)?.ce)
    }
}

impl ClassifierObjective<'_> {
    /// The batch-level local regularizer ([`Variant::LocalBatch`]): one `t_r ~ U[0, 1)` drawn
    /// for iteration `k`, `z_i(t_r)` from a forward solve of each sample to `t_r`, then
    /// [`OneStep::freeze_batch`] and [`OneStep::batch_value_and_grad_frozen`] (adds
    /// `w·∂R_b/∂θ` into `grad_theta`). Returns `R_b`.
    fn batch_term(
        &self,
        f: &MlpField<PIXELS>,
        batch: &[usize],
        k: u64,
        w: f64,
        grad_theta: &mut [f64],
    ) -> Result<f64, TrainError> {
        let reg_err = |source| TrainError::Regularize {
            trajectory: batch[0],
            source,
        };
        let t_r: f64 =
            ChaCha8Rng::seed_from_u64(mix_seed(self.seed, k, u64::MAX)).random_range(0.0..1.0);
        let zs = batch
            .par_iter()
            .map(|&i| {
                let (x, _) = self.sample(i)?;
                if t_r == 0.0 {
                    return Ok(x);
                }
                solve_adaptive(&self.tab, f, 0.0, t_r, x, &self.opts)
                    .map(|(z, _)| z)
                    .map_err(|source| TrainError::Solve {
                        trajectory: i,
                        source,
                    })
            })
            .collect::<Result<Vec<_>, TrainError>>()?;
        let one = OneStep::error(self.opts.rtol, self.opts.atol);
        let frs = one
            .freeze_batch(&self.tab, f, t_r, &zs, (0.0, 1.0))
            .map_err(reg_err)?;
        one.batch_value_and_grad_frozen(&self.tab, f, &frs, FirstStage::Frozen, w, grad_theta)
            .map_err(reg_err)
    }

    fn sample(&self, i: usize) -> Result<(State<PIXELS>, usize), TrainError> {
        match (self.data.images.get(i), self.data.labels.get(i)) {
            (Some(x), Some(&y)) => Ok((*x, y)),
            _ => Err(TrainError::InvalidOption {
                name: "sample index",
                value: i as f64,
                expected: "< number of training samples",
            }),
        }
    }
}

/// Classify every sample of `data` (one adaptive solve each, in parallel): accuracy, mean NFE
/// and mean cross-entropy.
///
/// # Errors
/// [`TrainError::Solve`] naming the sample; head errors ([`TrainError::ParamLength`],
/// [`TrainError::Label`]); [`TrainError::Empty`] for an empty set.
pub fn evaluate<F: ParamField<PIXELS> + Sync>(
    tab: &Tableau<7>,
    opts: &Adaptive,
    f: &F,
    head_weights: &[f64],
    data: &Digits,
) -> Result<Evaluation, TrainError> {
    if data.is_empty() {
        return Err(TrainError::Empty("no samples to evaluate"));
    }
    let head = LinearHead::<PIXELS> { n_classes: CLASSES };
    let per = (0..data.len())
        .into_par_iter()
        .map(|i| {
            let (z, stats) =
                solve_adaptive(tab, f, 0.0, 1.0, data.images[i], opts).map_err(|source| {
                    TrainError::Solve {
                        trajectory: i,
                        source,
                    }
                })?;
            let ce = head.cross_entropy(head_weights, &z, data.labels[i])?.value;
            let hit = head.predict(head_weights, &z)? == data.labels[i];
            Ok((hit, stats.nfe, ce))
        })
        .collect::<Result<Vec<_>, TrainError>>()?;
    let n = per.len() as f64;
    Ok(Evaluation {
        accuracy: per.iter().filter(|p| p.0).count() as f64 / n,
        nfe: per.iter().map(|p| p.1 as f64).sum::<f64>() / n,
        ce: per.iter().map(|p| p.2).sum::<f64>() / n,
    })
}
