//! Tables (Markdown, CSV) and charts (SVG, feature `plot`) of the local-regularization runs.

#[cfg(feature = "plot")]
use super::classifier::IterLog;
use super::penalty::Variant;
use super::run::{DigitsOutcome, DigitsRun};
use super::select::{mean_sd, SelectionOutcome};
use super::spiral::SpiralRow;
use super::Outcome;
use crate::report::{create_dir, write_atomic, ReportError, Table};
use std::path::Path;

/// The digits comparison: one row per variant, ratios against the vanilla run (when it ran).
pub fn digits_table(d: &DigitsOutcome) -> Table {
    let c = &d.config;
    let mut t = Table::new(
        &format!(
            "Digits NODE ({} train / {} test, H = {}, {} rtol {:e} atol {:e}, {} epochs × batch {}, seed {})",
            d.sizes.0, d.sizes.1, c.hidden, c.tab.name, c.rtol, c.atol, c.epochs, c.batch_size, d.seed
        ),
        &[
            "variant",
            "test acc %",
            "Δacc (points)",
            "test NFE/sample",
            "NFE ×vanilla",
            "train CPU s",
            "train ×vanilla",
            "predict CPU ms",
            "predict speed-up",
            "train acc %",
            "final train NFE",
            "w0 → w1",
            "val acc %",
            "val NFE/sample",
        ],
    );
    let base = d.runs.iter().find(|r| r.variant == Variant::Vanilla);
    let ratio = |a: f64, b: Option<f64>| b.map_or("–".to_string(), |b| format!("{:.3}", a / b));
    for r in &d.runs {
        t.push([
            r.variant.name().to_string(),
            format!("{:.2}", 100.0 * r.test.accuracy),
            base.map_or("–".into(), |b| {
                format!("{:+.2}", 100.0 * (r.test.accuracy - b.test.accuracy))
            }),
            format!("{:.1}", r.test.nfe),
            ratio(r.test.nfe, base.map(|b| b.test.nfe)),
            format!("{:.1}", r.train_cpu_s),
            ratio(r.train_cpu_s, base.map(|b| b.train_cpu_s)),
            format!("{:.1}", 1e3 * r.predict_cpu_s),
            base.map_or("–".into(), |b| {
                format!("{:.2}", b.predict_cpu_s / r.predict_cpu_s)
            }),
            format!("{:.2}", 100.0 * r.train.accuracy),
            format!("{:.1}", r.train.nfe),
            if r.variant == Variant::Vanilla {
                "–".into()
            } else {
                format!("{} → {}", r.weights.0, r.weights.1)
            },
            r.validation
                .map_or("–".into(), |v| format!("{:.2}", 100.0 * v.accuracy)),
            r.validation.map_or("–".into(), |v| format!("{:.1}", v.nfe)),
        ]);
    }
    t
}

/// `mean ± sd` with `digits` decimals.
fn pm(v: &[f64], scale: f64, digits: usize) -> String {
    let (m, sd) = mean_sd(v);
    format!("{:.*} ± {:.*}", digits, scale * m, digits, scale * sd)
}

/// The weight selection on validation: one row for vanilla and one per candidate schedule of
/// `local accepted`, means ± sample standard deviations over the seeds, and the rule's verdict.
pub fn validation_table(o: &SelectionOutcome) -> Table {
    let c = &o.config;
    let mut t = Table::new(
        &format!(
            "Weight selection on validation ({} train / {} validation images, seeds {:?}; rule: lowest mean validation NFE with mean validation accuracy ≥ vanilla − {} point)",
            o.per_seed.first().map_or(0, |d| d.sizes.0),
            o.per_seed.first().map_or(0, |d| d.validation_size),
            c.seeds,
            c.max_drop_points
        ),
        &["arm", "w0 → w1", "val acc %", "val NFE/sample", "val NFE ×vanilla", "admissible", "selected"],
    );
    let van = o.vanilla_index();
    let col = |j: usize, q: fn(&DigitsRun) -> f64| -> Vec<f64> {
        o.per_seed.iter().map(|d| q(&d.runs[j])).collect()
    };
    let acc = |r: &DigitsRun| r.validation.map_or(f64::NAN, |v| v.accuracy);
    let nfe = |r: &DigitsRun| r.validation.map_or(f64::NAN, |v| v.nfe);
    let ratio = |j: usize| -> Vec<f64> {
        o.per_seed
            .iter()
            .map(|d| van.map_or(f64::NAN, |v| nfe(&d.runs[j]) / nfe(&d.runs[v])))
            .collect()
    };
    if let Some(v) = van {
        t.push([
            "vanilla".to_string(),
            "–".into(),
            pm(&col(v, acc), 100.0, 2),
            pm(&col(v, nfe), 1.0, 1),
            "1.000".into(),
            "–".into(),
            "–".into(),
        ]);
    }
    let floor = o.vanilla.accuracy - c.max_drop_points / 100.0;
    for (i, (&(w0, w1), sc)) in c.candidates.iter().zip(&o.scores).enumerate() {
        let j = o.n_reference() + i;
        t.push([
            Variant::LocalAccepted.name().to_string(),
            format!("{w0} → {w1}"),
            pm(&col(j, acc), 100.0, 2),
            pm(&col(j, nfe), 1.0, 1),
            pm(&ratio(j), 1.0, 3),
            if sc.accuracy >= floor - 1e-12 {
                "yes"
            } else {
                "no"
            }
            .into(),
            if o.selected == Some(i) {
                "**selected**"
            } else {
                ""
            }
            .into(),
        ]);
    }
    t
}

/// Test figures over the seeds (mean ± sample standard deviation of each seed's value or
/// ratio to the same seed's vanilla): the reference arms and the selected candidate.
pub fn selection_test_table(o: &SelectionOutcome) -> Table {
    let mut t = Table::new(
        &format!(
            "Digits test figures, seeds {:?} (mean ± sd over seeds; ratios per seed to that seed's vanilla)",
            o.config.seeds
        ),
        &[
            "variant",
            "w0 → w1",
            "test acc %",
            "Δacc (points)",
            "test NFE/sample",
            "NFE ×vanilla",
            "train CPU s",
            "train ×vanilla",
            "predict speed-up",
        ],
    );
    let van = o.vanilla_index();
    let mut rows: Vec<usize> = (0..o.n_reference()).collect();
    if let Some(s) = o.selected {
        rows.push(o.n_reference() + s);
    }
    for j in rows {
        let per = |q: &dyn Fn(&DigitsRun, Option<&DigitsRun>) -> f64| -> Vec<f64> {
            o.per_seed
                .iter()
                .map(|d| q(&d.runs[j], van.map(|v| &d.runs[v])))
                .collect()
        };
        let Some(first) = o.per_seed.first().map(|d| &d.runs[j]) else {
            continue;
        };
        let nan = f64::NAN;
        t.push([
            first.variant.name().to_string(),
            if first.variant == Variant::Vanilla {
                "–".into()
            } else {
                format!("{} → {}", first.weights.0, first.weights.1)
            },
            pm(&per(&|r, _| r.test.accuracy), 100.0, 2),
            pm(
                &per(&|r, b| b.map_or(nan, |b| r.test.accuracy - b.test.accuracy)),
                100.0,
                2,
            ),
            pm(&per(&|r, _| r.test.nfe), 1.0, 1),
            pm(
                &per(&|r, b| b.map_or(nan, |b| r.test.nfe / b.test.nfe)),
                1.0,
                3,
            ),
            pm(&per(&|r, _| r.train_cpu_s), 1.0, 1),
            pm(
                &per(&|r, b| b.map_or(nan, |b| r.train_cpu_s / b.train_cpu_s)),
                1.0,
                3,
            ),
            pm(
                &per(&|r, b| b.map_or(nan, |b| b.predict_cpu_s / r.predict_cpu_s)),
                1.0,
                2,
            ),
        ]);
    }
    t
}

/// Write `validation.md|csv`, `test.md|csv` and one `seed<s>.md|csv` per seed (every arm's
/// raw figures) into `dir` (created if missing).
///
/// # Errors
/// [`ReportError`] with the failing path.
pub fn write_selection(o: &SelectionOutcome, dir: &Path) -> Result<(), ReportError> {
    create_dir(dir)?;
    validation_table(o).write(dir, "validation")?;
    selection_test_table(o).write(dir, "test")?;
    for d in &o.per_seed {
        digits_table(d).write(dir, &format!("seed{}", d.seed))?;
    }
    Ok(())
}

/// The spiral runs: one row per (seed, variant, weight), with ratios to the same seed's vanilla.
pub fn spiral_table(rows: &[SpiralRow]) -> Table {
    let mut t = Table::new(
        "Spiral z' = A z³: trained-model MSE and NFE (tsit5)",
        &[
            "seed",
            "variant",
            "weight",
            "MSE",
            "MSE ×vanilla",
            "NFE",
            "NFE ×vanilla",
            "R_E = Σ E_est·|h|",
            "CPU ms/iter",
            "note",
        ],
    );
    for r in rows {
        let base = rows
            .iter()
            .find(|b| b.seed == r.seed && b.variant == Variant::Vanilla);
        t.push([
            r.seed.to_string(),
            r.variant.name().to_string(),
            format!("{}", r.weight),
            format!("{:.3e}", r.mse),
            base.map_or("–".into(), |b| format!("{:.2}", r.mse / b.mse)),
            r.nfe.to_string(),
            base.map_or("–".into(), |b| {
                format!("{:.3}", r.nfe as f64 / b.nfe as f64)
            }),
            format!("{:.3e}", r.r_e),
            format!("{:.2}", r.cpu_ms_per_iter),
            r.stopped_at
                .map_or(String::new(), |k| format!("stopped at iteration {k}")),
        ]);
    }
    t
}

/// Write the tables, a `README.md` with the settings and run time, and the charts into `dir`
/// (created if missing).
///
/// # Errors
/// [`ReportError`] with the failing path.
pub fn write(o: &Outcome, dir: &Path) -> Result<(), ReportError> {
    create_dir(dir)?;
    digits_table(&o.digits).write(dir, "digits")?;
    spiral_table(&o.spiral).write(dir, "spiral")?;
    let c = &o.digits.config;
    let s = &o.spiral_config;
    let readme = format!(
        "# nodal repro local-reg\n\nSeed {}, wall time {:.0} s.\n\n\
         Digits: data {}, split first {:.0}% train / rest test, {} Adam iterations (lr {:e}, batch {}), \
         weight {} → {} (exponential decay over the iterations), {:?} adjoint for the data loss, \
         prediction timing: median of {} interleaved passes over the test set (process CPU time).\n\n\
         Spiral: {} Adam iterations, lr {:e}, 2-{}-2 tanh on z³, weights {:?}, seeds {:?}, \
         rtol {:e} atol {:e}.\n\n{}\n{}",
        o.digits.seed,
        o.wall_s,
        c.data.display(),
        100.0 * c.train_fraction,
        o.digits.iters,
        c.lr,
        c.batch_size,
        c.w0,
        c.w1,
        c.sensitivity,
        c.prediction_repeats,
        s.iters,
        s.lr,
        s.hidden,
        s.weights,
        s.seeds,
        s.rtol,
        s.atol,
        digits_table(&o.digits).to_markdown()?,
        spiral_table(&o.spiral).to_markdown()?,
    );
    write_atomic(&dir.join("README.md"), readme.as_bytes())?;
    #[cfg(feature = "plot")]
    charts(o, dir)?;
    Ok(())
}

#[cfg(feature = "plot")]
/// Per-epoch means of a per-iteration quantity, as `(epoch, value)` points.
fn per_epoch(log: &[IterLog], per: usize, q: impl Fn(&IterLog) -> f64) -> Vec<(f64, f64)> {
    log.chunks(per.max(1))
        .enumerate()
        .map(|(e, c)| {
            (
                (e + 1) as f64,
                c.iter().map(&q).sum::<f64>() / c.len() as f64,
            )
        })
        .collect()
}

#[cfg(feature = "plot")]
fn charts(o: &Outcome, dir: &Path) -> Result<(), ReportError> {
    use crate::report::chart::{LineChart, Series};
    let d = &o.digits;
    let per = d.sizes.0.div_ceil(d.config.batch_size);
    let mut loss = LineChart::new(
        "Digits NODE: training cross-entropy (epoch means)",
        "epoch",
        "cross-entropy (nats)",
    )
    .log_y();
    let mut nfe = LineChart::new(
        "Digits NODE: forward NFE per training sample (epoch means)",
        "epoch",
        "NFE per sample",
    );
    for r in &d.runs {
        loss = loss.with(Series::line(
            r.variant.name(),
            per_epoch(&r.log, per, |l| l.ce),
        ));
        nfe = nfe.with(Series::line(
            r.variant.name(),
            per_epoch(&r.log, per, |l| l.nfe),
        ));
    }
    loss.write_svg(&dir.join("digits_loss.svg"))?;
    nfe.write_svg(&dir.join("digits_nfe.svg"))?;
    if let Some(first) = o.spiral.first() {
        let w = o.spiral_config.weights.first().copied().unwrap_or(0.0);
        let mut ch = LineChart::new(
            &format!("Spiral (seed {}): training loss, weight {w}", first.seed),
            "Adam iteration",
            "MSE + w·R",
        )
        .log_y();
        for r in o
            .spiral
            .iter()
            .filter(|r| r.seed == first.seed && (r.variant == Variant::Vanilla || r.weight == w))
        {
            let pts = r
                .history
                .iter()
                .enumerate()
                .map(|(k, v)| (k as f64, *v))
                .collect();
            ch = ch.with(Series::line(r.variant.name(), pts));
        }
        ch.write_svg(&dir.join("spiral_loss.svg"))?;
    }
    Ok(())
}
