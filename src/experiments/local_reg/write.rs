//! Tables (Markdown, CSV) and charts (SVG, feature `plot`) of the local-regularization runs.

#[cfg(feature = "plot")]
use super::classifier::IterLog;
use super::penalty::Variant;
use super::run::DigitsOutcome;
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
        ]);
    }
    t
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
