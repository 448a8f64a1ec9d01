//! SVG plots of stability regions (feature `plot`, on by default through `cli`).

use crate::tableau::stability::{stability_boundary, StabilityError};
use crate::tableau::Tableau;
use nalgebra::Complex;
use plotters::prelude::*;
use std::path::Path;
use thiserror::Error;

/// Number of rays used to sample each boundary (see
/// [`stability_boundary`]); 361 rays give a smooth curve.
pub const BOUNDARY_RAYS: usize = 361;

/// Why a plot could not be written.
#[derive(Debug, Error)]
pub enum PlotError {
    /// A boundary could not be computed.
    #[error(transparent)]
    Stability(#[from] StabilityError),
    /// The drawing backend failed (e.g. the file could not be written).
    #[error("plot backend failed for {path}: {message}")]
    Backend { path: String, message: String },
    /// No curve to draw.
    #[error("no stability region to plot")]
    Empty,
}

/// One labelled stability-region boundary (points `w = λh` in the left half-plane).
#[derive(Clone, Debug, PartialEq)]
pub struct RegionCurve {
    /// Legend label.
    pub label: String,
    /// Boundary points, e.g. from [`stability_boundary`].
    pub boundary: Vec<Complex<f64>>,
}

impl RegionCurve {
    /// The boundary of `tab`'s stability region in the left half-plane, sampled on
    /// [`BOUNDARY_RAYS`] rays.
    ///
    /// # Errors
    /// As [`stability_boundary`].
    pub fn of<const S: usize>(label: &str, tab: &Tableau<S, f64>) -> Result<Self, PlotError> {
        Ok(Self {
            label: label.to_string(),
            boundary: stability_boundary(tab, BOUNDARY_RAYS)?,
        })
    }
}

/// Write an SVG of the boundaries `|R(w)| = 1` of `curves`, with classical RK4's boundary
/// (black) added for comparison. Axes: `Re w`, `Im w` (dimensionless, `w = λh`).
///
/// # Errors
/// [`PlotError::Empty`] without curves; [`PlotError::Backend`] if the file cannot be written.
pub fn plot_stability_regions(
    path: &Path,
    title: &str,
    curves: &[RegionCurve],
) -> Result<(), PlotError> {
    if curves.is_empty() {
        return Err(PlotError::Empty);
    }
    let mut all = curves.to_vec();
    all.insert(0, RegionCurve::of("rk4", &Tableau::<4>::rk4())?);
    let (mut xmin, mut ymax) = (-1.0f64, 1.0f64);
    for c in &all {
        for w in &c.boundary {
            xmin = xmin.min(w.re);
            ymax = ymax.max(w.im.abs());
        }
    }
    let xmin = 1.1 * xmin;
    let ymax = 1.1 * ymax;
    let be = |e: &dyn std::fmt::Display| PlotError::Backend {
        path: path.display().to_string(),
        message: e.to_string(),
    };
    let root = SVGBackend::new(path, (800, 700)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| be(&e))?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(50)
        .build_cartesian_2d(xmin..1.0f64, -ymax..ymax)
        .map_err(|e| be(&e))?;
    chart
        .configure_mesh()
        .x_desc("Re w = Re(λh)")
        .y_desc("Im w")
        .draw()
        .map_err(|e| be(&e))?;
    for (k, c) in all.iter().enumerate() {
        let color = if k == 0 {
            BLACK.to_rgba()
        } else {
            Palette99::pick(k - 1).to_rgba()
        };
        let style = ShapeStyle::from(color).stroke_width(if k == 0 { 3 } else { 2 });
        chart
            .draw_series(LineSeries::new(
                c.boundary.iter().map(|w| (w.re, w.im)),
                style,
            ))
            .map_err(|e| be(&e))?
            .label(c.label.clone())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], style));
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()
        .map_err(|e| be(&e))?;
    root.present().map_err(|e| be(&e))?;
    Ok(())
}
