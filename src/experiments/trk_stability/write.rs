//! Writing trk-stability's results: the verdict table, the learned tableaus and (feature
//! `plot`) one stability-region SVG per step size plus one with all of them.

use super::{Outcome, Selection, Verdict};
use crate::experiments::trk_error::TrkError;
use crate::report::{create_dir, Table};
use std::path::Path;

/// Three decimals, or scientific notation for blown-up forecasts.
fn rmse(x: f64) -> String {
    if x.is_finite() && x >= 1e4 {
        format!("{x:.2e}")
    } else {
        format!("{x:.3}")
    }
}

fn verdict_cells(v: &Verdict) -> [String; 3] {
    [
        format!("{}/{}", v.bounded_runs, v.long_runs),
        rmse(v.rmse),
        if v.pass { "pass" } else { "FAIL" }.to_string(),
    ]
}

/// The verdict table (one row per h).
pub fn verdict_table(out: &Outcome) -> Table {
    let c = &out.config;
    let mut t = Table::new(
        &format!(
            "trk-stability: pass = {} long runs of {} steps keep ‖y‖₂ ≤ {} and forecast RMSE over t ∈ (0, {}] on {} test starts < σ = {:.3}",
            c.n_test_long, c.long_steps, c.bound, c.horizon, c.n_test, out.sigma
        ),
        &[
            "h",
            "RK4 bounded",
            "RK4 RMSE",
            "RK4",
            "TRK4 bounded",
            "TRK4 RMSE",
            "TRK4",
            "TRK4 real interval",
            "h·ρ",
            "init",
            "iter",
            "val bounded",
            "val RMSE",
            "screen",
            "V-violations (penalty)",
            "own states",
            "train loss",
            "penalty",
            "max |Σb−1|",
        ],
    );
    for r in &out.rows {
        let mut cells: Vec<String> = vec![format!("{:.2}", r.h)];
        cells.extend(verdict_cells(&r.rk4));
        cells.extend(verdict_cells(&r.trk4));
        cells.push(format!("{:.4}", r.real_interval));
        cells.push(format!("{:.3}", r.h * out.stiffest));
        cells.push(r.trained.init.clone());
        cells.push(r.trained.iter.to_string());
        cells.push(format!(
            "{}/{}",
            r.trained.validation.bounded_runs, r.trained.validation.long_runs
        ));
        cells.push(rmse(r.trained.validation.rmse));
        let fc = |n: usize| {
            if c.n_screen_forecasts > 0 {
                format!(" + {n}/{} fc", c.n_screen_forecasts)
            } else {
                String::new()
            }
        };
        cells.push(match (r.trained.selection, r.screened) {
            (Selection::Screened, _) => {
                format!("{0}/{0}{1}", c.n_screen_long, fc(c.n_screen_forecasts))
            }
            // Not selected by the screen: how the selected scheme fares there.
            (Selection::Ranked, Some((long, f))) => {
                format!("({long}/{}{})", c.n_screen_long, fc(f))
            }
            (Selection::Ranked, None) => "–".to_string(),
        });
        let d = &r.dissip;
        cells.push(format!("{}/{} ({:.1e})", d.violated, d.samples, d.penalty));
        cells.push(r.trained.own_states.to_string());
        cells.push(format!("{:.3e}", r.trained.train_mse));
        cells.push(format!("{:.1e}", r.trained.penalty));
        cells.push(format!("{:.1e}", r.trained.max_sum_b_residual));
        t.push(cells);
    }
    t
}

/// The learned tableaus, one row per h: `c`, `b`, the strict lower triangle of `A`, the
/// stability polynomial's `γ_2..γ_4`, the order-3 residual `bᵀc² − 1/3`, and `|R|` on the
/// decaying frozen-Jacobian spectrum `hλ` (largest value, fraction of points above 1).
pub fn tableau_table(out: &Outcome) -> Table {
    let mut t = Table::new(
        "trk-stability: learned TRK4 tableaus",
        &[
            "h",
            "c",
            "b",
            "A (rows 2–4, strict lower)",
            "γ2 γ3 γ4",
            "bᵀc²−1/3",
            "max |R(hλ)|",
            "|R(hλ)|>1",
            "restarts stopped early",
        ],
    );
    let list = |v: &[f64]| {
        v.iter()
            .map(|x| format!("{x:.6}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    for r in &out.rows {
        let tab = &r.trained.tab;
        let a: Vec<String> = (1..4).map(|i| list(&tab.a[i][..i])).collect();
        t.push([
            format!("{:.2}", r.h),
            list(&tab.c),
            list(&tab.b),
            a.join(" ; "),
            list(&r.spectrum.gamma),
            format!("{:.2e}", r.spectrum.bc2_residual),
            format!("{:.4}", r.spectrum.max_abs_r),
            format!("{:.3}", r.spectrum.unstable_fraction),
            r.trained
                .stopped
                .iter()
                .map(|(init, it, why)| format!("{init} at {it}: {why}"))
                .collect::<Vec<_>>()
                .join("; "),
        ]);
    }
    t
}

/// Write `trk_stability.{md,csv}`, `trk_stability_tableaus.{md,csv}` and (feature `plot`)
/// `trk_stability_regions.svg` plus `trk_stability_region_h<h>.svg` per step size into
/// `dir` (created if missing).
///
/// # Errors
/// [`TrkError::Report`] / [`TrkError::Plot`] for unwritable files.
pub fn write(out: &Outcome, dir: &Path) -> Result<(), TrkError> {
    create_dir(dir)?;
    verdict_table(out).write(dir, "trk_stability")?;
    tableau_table(out).write(dir, "trk_stability_tableaus")?;
    #[cfg(feature = "plot")]
    {
        use crate::trainable::plot::{plot_stability_regions, RegionCurve};
        let mut curves = Vec::new();
        for r in &out.rows {
            let label = format!("TRK4 h={:.2}", r.h);
            let curve = RegionCurve::of(&label, &r.trained.tab)?;
            plot_stability_regions(
                &dir.join(format!("trk_stability_region_h{:.2}.svg", r.h)),
                &format!("Learned TRK4 stability region, h = {:.2} (vs RK4)", r.h),
                std::slice::from_ref(&curve),
            )?;
            curves.push(curve);
        }
        plot_stability_regions(
            &dir.join("trk_stability_regions.svg"),
            "Learned TRK4 stability regions (Lorenz-63) vs RK4",
            &curves,
        )?;
    }
    Ok(())
}
