//! The digits comparison: train the four variants from the same initial network on the same
//! mini-batches, then measure test accuracy, test NFE and (interleaved, CPU time) prediction
//! cost.

use super::classifier::{evaluate, ClassifierObjective, Evaluation, IterLog};
use super::digits::{Digits, DigitsError, CLASSES, PIXELS};
use super::penalty::Variant;
use crate::experiments::cpu::timed;
use crate::nn::{Mlp, MlpField, NnError};
use crate::regularize::{RegularizeError, Weight};
use crate::sensitivity::Sensitivity;
use crate::train::{Adam, TrainError};
use crate::{Adaptive, ParamField, Tableau};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::path::PathBuf;

/// Settings of the digits experiment. `Default` is the full run of `nodal repro local-reg`.
#[derive(Clone, Debug, PartialEq)]
pub struct DigitsConfig {
    /// The data file (default: the shipped `data/digits.csv.gz`).
    pub data: PathBuf,
    /// Training fraction of the fixed first/last split (default 0.8: 1438 / 359 samples).
    pub train_fraction: f64,
    /// Use only the first `n` training and test samples (smoke tests); `None` uses all.
    pub limit: Option<(usize, usize)>,
    /// The embedded pair (default tsit5; any `Tableau<7>` with `b_hat`, e.g. dopri5).
    pub tab: Tableau<7>,
    /// Relative tolerance of every solve (default 1e-6; the paper's MNIST runs use 1.4e-8,
    /// too costly here, see `docs/results.md`).
    pub rtol: f64,
    /// Absolute tolerance (default 1e-6).
    pub atol: f64,
    /// Hidden width H of Dense(65→H, tanh) → Dense(H+1→64) (default 100, as the paper).
    pub hidden: usize,
    /// Passes over the training set (default 10).
    pub epochs: usize,
    /// Mini-batch size (default 32: 45 Adam iterations per epoch; the paper's 512 is a third of
    /// this training set).
    pub batch_size: usize,
    /// Adam learning rate (default 1e-3, as the paper).
    pub lr: f64,
    /// Regularization weight at the first iteration (default 2.5, as the paper) ...
    pub w0: f64,
    /// ... decaying exponentially to this at the last one (default 1.0, as the paper).
    pub w1: f64,
    /// Adjoint of the data loss (default discrete).
    pub sensitivity: Sensitivity,
    /// Repetitions of the test-set prediction timing, interleaved over the variants (default
    /// 5; the median is reported).
    pub prediction_repeats: usize,
    /// Variants to train (default all four), each with the weight schedule `w0 → w1`.
    pub variants: Vec<Variant>,
    /// Fraction of the training part held out as a fixed validation set: the **last**
    /// `round(f·n_train)` training images (file order), never trained on and disjoint from the
    /// test set (default 0: no validation set, all 1438 training images are used). Weight
    /// selection ([`super::run_selection`]) uses 0.15: 1222 train / 216 validation.
    pub validation_fraction: f64,
}

/// One training run of [`run_arms`]: a variant and its weight schedule `w0 → w1`
/// (exponential decay over the iterations; ignored for vanilla).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Arm {
    /// The variant.
    pub variant: Variant,
    /// Weight at the first iteration.
    pub w0: f64,
    /// Weight at the last iteration.
    pub w1: f64,
}

/// The three fixed parts of the digits data: training, validation (possibly empty) and test.
#[derive(Clone, Debug, PartialEq)]
pub struct DigitsSplit {
    /// Images trained on.
    pub train: Digits,
    /// Held-out images for model selection (empty when `validation_fraction` is 0).
    pub validation: Digits,
    /// Images of the reported test figures.
    pub test: Digits,
}

impl DigitsSplit {
    /// The split of `cfg`: first `train_fraction` of the file for training+validation, the
    /// rest for testing; of the training part, the last `validation_fraction` is the
    /// validation set; then `cfg.limit = (a, b)` keeps the first `a` training and the first
    /// `b` validation and test images (smoke tests).
    ///
    /// # Errors
    /// [`DigitsRunError::Data`] for a bad `train_fraction` or a validation fraction that
    /// leaves a part empty; [`DigitsRunError::Config`] for a validation fraction outside
    /// `[0, 1)`.
    pub fn new(cfg: &DigitsConfig, all: &Digits) -> Result<Self, DigitsRunError> {
        let (mut train, mut test) = all.split(cfg.train_fraction)?;
        let f = cfg.validation_fraction;
        if !(0.0..1.0).contains(&f) {
            return Err(DigitsRunError::Config {
                name: "validation_fraction",
                value: f,
                expected: "in [0, 1)",
            });
        }
        let mut validation = Digits {
            images: Vec::new(),
            labels: Vec::new(),
        };
        if f > 0.0 {
            let (tr, va) = train.split(1.0 - f)?;
            train = tr;
            validation = va;
        }
        if let Some((a, b)) = cfg.limit {
            for (d, n) in [(&mut train, a), (&mut validation, b), (&mut test, b)] {
                d.images.truncate(n.max(1));
                d.labels.truncate(n.max(1));
            }
        }
        Ok(Self {
            train,
            validation,
            test,
        })
    }
}

impl Default for DigitsConfig {
    fn default() -> Self {
        Self {
            data: Digits::shipped_path(),
            train_fraction: 0.8,
            limit: None,
            tab: Tableau::tsit5(),
            rtol: 1e-6,
            atol: 1e-6,
            hidden: 100,
            epochs: 10,
            batch_size: 32,
            lr: 1e-3,
            w0: 2.5,
            w1: 1.0,
            sensitivity: Sensitivity::Discrete,
            prediction_repeats: 5,
            variants: Variant::ALL.to_vec(),
            validation_fraction: 0.0,
        }
    }
}

impl DigitsConfig {
    /// A smoke-test run: 96 training and 64 test samples, hidden width 32, 2 epochs of
    /// batches of 32 (6 iterations), 2 prediction repeats.
    pub fn quick() -> Self {
        Self {
            limit: Some((96, 64)),
            hidden: 32,
            epochs: 2,
            batch_size: 32,
            prediction_repeats: 2,
            ..Self::default()
        }
    }
}

/// One trained variant.
#[derive(Clone, Debug, PartialEq)]
pub struct DigitsRun {
    /// The variant.
    pub variant: Variant,
    /// Its weight schedule `w0 → w1` (unused for vanilla).
    pub weights: (f64, f64),
    /// Accuracy and cost on the validation set (`None` without one).
    pub validation: Option<Evaluation>,
    /// Test accuracy, NFE per sample and cross-entropy of the trained model.
    pub test: Evaluation,
    /// Training-set accuracy and cost.
    pub train: Evaluation,
    /// CPU seconds of training (this process, all threads).
    pub train_cpu_s: f64,
    /// Wall seconds of training.
    pub train_wall_s: f64,
    /// Median CPU seconds of one prediction pass over the test set.
    pub predict_cpu_s: f64,
    /// Per-iteration log of the training.
    pub log: Vec<IterLog>,
}

/// What the digits experiment measured.
#[derive(Clone, Debug, PartialEq)]
pub struct DigitsOutcome {
    /// The configuration it ran with.
    pub config: DigitsConfig,
    /// Seed of the network, head, mini-batches and samplers.
    pub seed: u64,
    /// Training and test sizes.
    pub sizes: (usize, usize),
    /// Validation size (0 without a validation set).
    pub validation_size: usize,
    /// Adam iterations per variant.
    pub iters: u64,
    /// One entry per variant, in `config.variants` order.
    pub runs: Vec<DigitsRun>,
}

/// Errors of the digits experiment.
#[derive(Debug, thiserror::Error)]
pub enum DigitsRunError {
    /// Reading the data.
    #[error("data: {0}")]
    Data(#[from] DigitsError),
    /// Building the network.
    #[error("network: {0}")]
    Nn(#[from] NnError),
    /// Training or evaluating a variant.
    #[error("{variant}: {source}")]
    Train {
        /// Which variant.
        variant: &'static str,
        /// What failed.
        source: TrainError,
    },
    /// The weight schedule.
    #[error("weight schedule: {0}")]
    Weight(#[from] RegularizeError),
    /// A setting out of range.
    #[error("invalid setting `{name}` = {value}: {expected}")]
    Config {
        /// Which setting.
        name: &'static str,
        /// Its value.
        value: f64,
        /// What is allowed.
        expected: &'static str,
    },
}

/// The initial network every variant starts from: the field Dense(65→`hidden`, tanh) →
/// Dense(`hidden`+1→64) with time input (seeded), and all parameters (field θ, then the
/// head's weights uniform in ±1/√64 (seeded) and zero biases).
///
/// # Errors
/// [`DigitsRunError::Nn`].
pub fn initial_network(
    hidden: usize,
    seed: u64,
) -> Result<(MlpField<PIXELS>, Vec<f64>), DigitsRunError> {
    let field = Mlp::builder(&[PIXELS, hidden, PIXELS])
        .time_input(true)
        .seed(seed)
        .build()?
        .into_field::<PIXELS>()?;
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x4845_4144);
    let mut p0 = field.params().to_vec();
    let lim = 1.0 / (PIXELS as f64).sqrt();
    p0.extend((0..CLASSES * PIXELS).map(|_| rng.random_range(-lim..lim)));
    p0.extend(std::iter::repeat_n(0.0, CLASSES));
    Ok((field, p0))
}

/// Train and evaluate every variant of `cfg` with `seed`, all at the weights `cfg.w0 → cfg.w1`.
///
/// # Errors
/// [`DigitsRunError`].
pub fn run_digits(cfg: &DigitsConfig, seed: u64) -> Result<DigitsOutcome, DigitsRunError> {
    let arms: Vec<Arm> = cfg
        .variants
        .iter()
        .map(|&variant| Arm {
            variant,
            w0: cfg.w0,
            w1: cfg.w1,
        })
        .collect();
    run_arms(cfg, seed, &arms)
}

/// Train and evaluate each arm (variant and weight schedule) from the same initial network on
/// the same mini-batches with `seed`; `cfg.variants`, `cfg.w0` and `cfg.w1` are ignored.
/// Every model is evaluated on the test set and, if `cfg.validation_fraction > 0`, on the
/// validation set.
///
/// # Errors
/// [`DigitsRunError`].
pub fn run_arms(
    cfg: &DigitsConfig,
    seed: u64,
    arms: &[Arm],
) -> Result<DigitsOutcome, DigitsRunError> {
    let bad = |name, value: f64, expected| DigitsRunError::Config {
        name,
        value,
        expected,
    };
    if cfg.batch_size == 0 {
        return Err(bad("batch_size", 0.0, "≥ 1"));
    }
    if cfg.epochs == 0 {
        return Err(bad("epochs", 0.0, "≥ 1"));
    }
    if cfg.prediction_repeats == 0 {
        return Err(bad("prediction_repeats", 0.0, "≥ 1"));
    }
    let split = DigitsSplit::new(cfg, &Digits::load(&cfg.data)?)?;
    let (train, test) = (&split.train, &split.test);
    let per_epoch = train.len().div_ceil(cfg.batch_size);
    let iters = (cfg.epochs * per_epoch) as u64;
    let schedule = |a: &Arm| -> Result<Weight, DigitsRunError> {
        let w = Weight::ExpDecay {
            w0: a.w0,
            w1: a.w1,
            iters: iters as usize,
        };
        if a.variant != Variant::Vanilla {
            w.check()?;
        }
        Ok(w)
    };
    let (field, p0) = initial_network(cfg.hidden, seed)?;
    let opts = Adaptive::with_tol(cfg.rtol, cfg.atol);
    let adam = Adam {
        max_iters: iters,
        batch_size: Some(cfg.batch_size),
        seed,
        ..Adam::new(cfg.lr)
    };
    let objective = |a: &Arm, data| -> Result<ClassifierObjective<'_>, DigitsRunError> {
        Ok(ClassifierObjective::new(
            cfg.tab,
            opts,
            cfg.sensitivity,
            a.variant,
            schedule(a)?,
            field.clone(),
            data,
            seed,
        ))
    };
    let mut trained = Vec::new();
    for arm in arms {
        let obj = objective(arm, train)?;
        let (res, cpu, wall) = timed(|| adam.minimize(&obj, p0.clone(), None));
        let params = res.map_err(|source| DigitsRunError::Train {
            variant: arm.variant.name(),
            source,
        })?;
        trained.push((*arm, obj.log(), params.params, cpu, wall));
    }
    // Prediction cost: interleaved repetitions, CPU time, median per variant.
    let mut pred_cpu = vec![Vec::new(); trained.len()];
    let mut evals = Vec::new();
    for rep in 0..cfg.prediction_repeats {
        for (j, (arm, _, params, _, _)) in trained.iter().enumerate() {
            let err = |source| DigitsRunError::Train {
                variant: arm.variant.name(),
                source,
            };
            let (f, hw) = objective(arm, test)?.split(params).map_err(err)?;
            let (ev, cpu, _) = timed(|| evaluate(&cfg.tab, &opts, &f, hw, test));
            let ev = ev.map_err(err)?;
            pred_cpu[j].push(cpu);
            if rep == 0 {
                let tr = evaluate(&cfg.tab, &opts, &f, hw, train).map_err(err)?;
                let va = if split.validation.is_empty() {
                    None
                } else {
                    Some(evaluate(&cfg.tab, &opts, &f, hw, &split.validation).map_err(err)?)
                };
                evals.push((ev, tr, va));
            }
        }
    }
    let runs = trained
        .into_iter()
        .zip(evals)
        .zip(pred_cpu)
        .map(
            |(((arm, log, _, cpu, wall), (test, train, validation)), mut pc)| DigitsRun {
                variant: arm.variant,
                weights: (arm.w0, arm.w1),
                validation,
                test,
                train,
                train_cpu_s: cpu,
                train_wall_s: wall,
                predict_cpu_s: median(&mut pc),
                log,
            },
        )
        .collect();
    Ok(DigitsOutcome {
        config: cfg.clone(),
        seed,
        sizes: (train.len(), test.len()),
        validation_size: split.validation.len(),
        iters,
        runs,
    })
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n == 0 {
        f64::NAN
    } else if n % 2 == 1 {
        v[n / 2]
    } else {
        0.5 * (v[n / 2 - 1] + v[n / 2])
    }
}
