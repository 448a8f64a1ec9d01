//! Honest weight selection for the labelled option `local accepted`: every candidate weight
//! schedule is trained on the training part minus a fixed validation set (the last 15 % of
//! the training images), the schedule is chosen on **validation** figures only, and the test
//! figures of the chosen schedule are reported over several seeds next to vanilla and the
//! paper's variants trained on the same images, seeds and mini-batches.

use super::classifier::Evaluation;
use super::penalty::Variant;
use super::run::{run_arms, Arm, DigitsConfig, DigitsOutcome, DigitsRunError};

/// Settings of [`run_selection`].
#[derive(Clone, Debug, PartialEq)]
pub struct SelectConfig {
    /// The digits settings; `validation_fraction` must be > 0 (default 0.15), `variants` are
    /// the reference arms trained at `w0 → w1` (default vanilla, local unbiased and global at
    /// the paper's 2.5 → 1).
    pub digits: DigitsConfig,
    /// Network / mini-batch seeds (default 0, 1, 2).
    pub seeds: Vec<u64>,
    /// Candidate schedules `w0 → w1` of `local accepted` (default 2.5 → 1, 5 → 2, 10 → 4,
    /// 25 → 10).
    pub candidates: Vec<(f64, f64)>,
    /// The rule's accuracy tolerance in percentage points (default 1, the goal).
    pub max_drop_points: f64,
}

impl Default for SelectConfig {
    fn default() -> Self {
        Self {
            digits: DigitsConfig {
                validation_fraction: 0.15,
                variants: vec![Variant::Vanilla, Variant::LocalUnbiased, Variant::Global],
                ..DigitsConfig::default()
            },
            seeds: vec![0, 1, 2],
            candidates: vec![(2.5, 1.0), (5.0, 2.0), (10.0, 4.0), (25.0, 10.0)],
            max_drop_points: 1.0,
        }
    }
}

/// Mean and sample standard deviation (0 for a single value) of `v`.
pub fn mean_sd(v: &[f64]) -> (f64, f64) {
    let n = v.len() as f64;
    if v.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    let m = v.iter().sum::<f64>() / n;
    if v.len() < 2 {
        return (m, 0.0);
    }
    let var = v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (n - 1.0);
    (m, var.sqrt())
}

/// One candidate's validation figures, averaged over the seeds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CandidateScore {
    /// Mean validation accuracy, in [0, 1].
    pub accuracy: f64,
    /// Mean validation NFE per sample.
    pub nfe: f64,
}

/// The selection rule: among the candidates whose mean validation accuracy is at least the
/// vanilla model's minus `max_drop_points` percentage points, the one with the lowest mean
/// validation NFE (the first on ties); `None` if no candidate is admissible or a figure is
/// not finite.
pub fn select(
    vanilla: CandidateScore,
    candidates: &[CandidateScore],
    max_drop_points: f64,
) -> Option<usize> {
    let floor = vanilla.accuracy - max_drop_points / 100.0;
    candidates
        .iter()
        .enumerate()
        .filter(|(_, c)| c.accuracy.is_finite() && c.nfe.is_finite() && c.accuracy >= floor - 1e-12)
        .fold(None, |best: Option<(usize, f64)>, (i, c)| match best {
            Some((_, n)) if n <= c.nfe => best,
            _ => Some((i, c.nfe)),
        })
        .map(|(i, _)| i)
}

/// Everything [`run_selection`] measured.
#[derive(Clone, Debug, PartialEq)]
pub struct SelectionOutcome {
    /// The settings.
    pub config: SelectConfig,
    /// One run per seed: the reference arms, then one `local accepted` arm per candidate.
    pub per_seed: Vec<DigitsOutcome>,
    /// Mean validation score of vanilla.
    pub vanilla: CandidateScore,
    /// Mean validation score of each candidate, in `config.candidates` order.
    pub scores: Vec<CandidateScore>,
    /// Index of the selected candidate (`None`: none admissible).
    pub selected: Option<usize>,
    /// Wall seconds of the whole selection.
    pub wall_s: f64,
}

impl SelectionOutcome {
    /// Number of reference arms before the candidates in each run.
    pub fn n_reference(&self) -> usize {
        self.config.digits.variants.len()
    }

    /// Index of the vanilla arm in each run (`None` if it was not trained).
    pub fn vanilla_index(&self) -> Option<usize> {
        self.config
            .digits
            .variants
            .iter()
            .position(|&v| v == Variant::Vanilla)
    }
}

/// Mean validation score of arm `j` over the seeds' runs.
fn score(runs: &[DigitsOutcome], j: usize) -> CandidateScore {
    let val = |q: fn(&Evaluation) -> f64| {
        let v: Vec<f64> = runs
            .iter()
            .map(|o| o.runs[j].validation.as_ref().map_or(f64::NAN, q))
            .collect();
        mean_sd(&v).0
    };
    CandidateScore {
        accuracy: val(|e| e.accuracy),
        nfe: val(|e| e.nfe),
    }
}

/// Train the reference arms and every candidate for every seed (validation set held out),
/// score the candidates on validation and select one with [`select`].
///
/// # Errors
/// [`DigitsRunError::Config`] for a zero validation fraction, no seeds, no candidates, or
/// reference arms without vanilla; otherwise as [`run_arms`].
pub fn run_selection(cfg: &SelectConfig) -> Result<SelectionOutcome, DigitsRunError> {
    let bad = |name, value: f64, expected| DigitsRunError::Config {
        name,
        value,
        expected,
    };
    if cfg.digits.validation_fraction <= 0.0 {
        return Err(bad(
            "validation_fraction",
            cfg.digits.validation_fraction,
            "> 0 for a selection",
        ));
    }
    if cfg.seeds.is_empty() {
        return Err(bad("seeds", 0.0, "at least one seed"));
    }
    if cfg.candidates.is_empty() {
        return Err(bad("candidates", 0.0, "at least one weight schedule"));
    }
    let Some(van) = cfg
        .digits
        .variants
        .iter()
        .position(|&v| v == Variant::Vanilla)
    else {
        return Err(bad(
            "variants",
            cfg.digits.variants.len() as f64,
            "a list containing vanilla",
        ));
    };
    let t = std::time::Instant::now();
    let mut arms: Vec<Arm> = cfg
        .digits
        .variants
        .iter()
        .map(|&variant| Arm {
            variant,
            w0: cfg.digits.w0,
            w1: cfg.digits.w1,
        })
        .collect();
    let n_ref = arms.len();
    arms.extend(cfg.candidates.iter().map(|&(w0, w1)| Arm {
        variant: Variant::LocalAccepted,
        w0,
        w1,
    }));
    let per_seed = cfg
        .seeds
        .iter()
        .map(|&s| run_arms(&cfg.digits, s, &arms))
        .collect::<Result<Vec<_>, _>>()?;
    let vanilla = score(&per_seed, van);
    let scores: Vec<CandidateScore> = (0..cfg.candidates.len())
        .map(|c| score(&per_seed, n_ref + c))
        .collect();
    let selected = select(vanilla, &scores, cfg.max_drop_points);
    Ok(SelectionOutcome {
        config: cfg.clone(),
        per_seed,
        vanilla,
        scores,
        selected,
        wall_s: t.elapsed().as_secs_f64(),
    })
}
