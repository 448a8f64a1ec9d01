//! SVG line and scatter charts (feature `plot`): loss curves, NFE curves, observed vs
//! predicted trajectories, residuals.

use super::write::ReportError;
use plotters::prelude::*;
use std::path::Path;

/// How a series is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Style {
    /// A polyline through the points (default).
    #[default]
    Line,
    /// A small circle at each point (e.g. noisy observations).
    Points,
}

/// One labelled series of `(x, y)` points. Non-finite points (and, on a log axis,
/// non-positive `y`) are skipped when drawing.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    /// Legend label.
    pub label: String,
    /// Points in drawing order.
    pub points: Vec<(f64, f64)>,
    /// Line or points.
    pub style: Style,
}

impl Series {
    /// A polyline series.
    pub fn line(label: &str, points: Vec<(f64, f64)>) -> Self {
        Self {
            label: label.to_string(),
            points,
            style: Style::Line,
        }
    }

    /// A scatter series.
    pub fn points(label: &str, points: Vec<(f64, f64)>) -> Self {
        Self {
            label: label.to_string(),
            points,
            style: Style::Points,
        }
    }
}

/// A 2-D chart of several series with a legend, written as SVG (800×500 px by default).
#[derive(Clone, Debug, PartialEq)]
pub struct LineChart {
    /// Caption.
    pub title: String,
    /// x-axis label (with units).
    pub x_label: String,
    /// y-axis label (with units).
    pub y_label: String,
    /// Logarithmic y axis (default false); non-positive values are skipped.
    pub log_y: bool,
    /// Size in pixels (default 800×500).
    pub size: (u32, u32),
    /// The series, drawn in order with colours from plotters' `Palette99`.
    pub series: Vec<Series>,
}

impl LineChart {
    /// An empty linear-axis chart.
    pub fn new(title: &str, x_label: &str, y_label: &str) -> Self {
        Self {
            title: title.to_string(),
            x_label: x_label.to_string(),
            y_label: y_label.to_string(),
            log_y: false,
            size: (800, 500),
            series: Vec::new(),
        }
    }

    /// Use a logarithmic y axis (loss curves).
    pub fn log_y(mut self) -> Self {
        self.log_y = true;
        self
    }

    /// Add a series.
    pub fn with(mut self, s: Series) -> Self {
        self.series.push(s);
        self
    }

    fn keep(&self, p: &(f64, f64)) -> bool {
        p.0.is_finite() && p.1.is_finite() && (!self.log_y || p.1 > 0.0)
    }

    /// Draw the chart to `path` (SVG).
    ///
    /// # Errors
    /// [`ReportError::EmptyChart`] if no series has a drawable point;
    /// [`ReportError::Plot`] if the backend fails (e.g. the folder does not exist).
    pub fn write_svg(&self, path: &Path) -> Result<(), ReportError> {
        let pts = self
            .series
            .iter()
            .flat_map(|s| s.points.iter())
            .filter(|p| self.keep(p));
        let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
        let mut any = false;
        for p in pts {
            any = true;
            x0 = x0.min(p.0);
            x1 = x1.max(p.0);
            y0 = y0.min(p.1);
            y1 = y1.max(p.1);
        }
        if !any {
            return Err(ReportError::EmptyChart {
                title: self.title.clone(),
            });
        }
        if x1 <= x0 {
            x1 = x0 + 1.0;
        }
        if self.log_y {
            y0 /= 1.2;
            y1 *= 1.2;
            if y1 <= y0 {
                y1 = y0 * 10.0;
            }
        } else {
            let pad = 0.05 * (y1 - y0).max(1e-12 * y1.abs().max(1.0));
            y0 -= pad;
            y1 += pad;
        }
        let be = |e: &dyn std::fmt::Display| ReportError::Plot {
            path: path.to_path_buf(),
            message: e.to_string(),
        };
        let root = SVGBackend::new(path, self.size).into_drawing_area();
        root.fill(&WHITE).map_err(|e| be(&e))?;
        let mut builder = ChartBuilder::on(&root);
        builder
            .caption(&self.title, ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(70);
        if self.log_y {
            let mut chart = builder
                .build_cartesian_2d(x0..x1, (y0..y1).log_scale())
                .map_err(|e| be(&e))?;
            chart
                .configure_mesh()
                .x_desc(self.x_label.as_str())
                .y_desc(self.y_label.as_str())
                .draw()
                .map_err(|e| be(&e))?;
            self.draw_series(&mut chart, &be)?;
            legend(&mut chart, &be)?;
        } else {
            let mut chart = builder
                .build_cartesian_2d(x0..x1, y0..y1)
                .map_err(|e| be(&e))?;
            chart
                .configure_mesh()
                .x_desc(self.x_label.as_str())
                .y_desc(self.y_label.as_str())
                .draw()
                .map_err(|e| be(&e))?;
            self.draw_series(&mut chart, &be)?;
            legend(&mut chart, &be)?;
        }
        root.present().map_err(|e| be(&e))?;
        Ok(())
    }

    fn draw_series<'a, DB, CT>(
        &self,
        chart: &mut ChartContext<'a, DB, CT>,
        be: &dyn Fn(&dyn std::fmt::Display) -> ReportError,
    ) -> Result<(), ReportError>
    where
        DB: DrawingBackend + 'a,
        CT: CoordTranslate<From = (f64, f64)>,
    {
        for (k, s) in self.series.iter().enumerate() {
            let color = Palette99::pick(k).to_rgba();
            let pts: Vec<(f64, f64)> = s.points.iter().copied().filter(|p| self.keep(p)).collect();
            let style = ShapeStyle::from(color).stroke_width(2);
            match s.style {
                Style::Line => chart
                    .draw_series(LineSeries::new(pts, style))
                    .map_err(|e| be(&e))?
                    .label(s.label.clone())
                    .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], style)),
                Style::Points => chart
                    .draw_series(pts.into_iter().map(|p| Circle::new(p, 2, color.filled())))
                    .map_err(|e| be(&e))?
                    .label(s.label.clone())
                    .legend(move |(x, y)| Circle::new((x + 10, y), 3, color.filled())),
            };
        }
        Ok(())
    }
}

fn legend<'a, DB, CT>(
    chart: &mut ChartContext<'a, DB, CT>,
    be: &dyn Fn(&dyn std::fmt::Display) -> ReportError,
) -> Result<(), ReportError>
where
    DB: DrawingBackend + 'a,
    CT: CoordTranslate,
{
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()
        .map_err(|e| be(&e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_linear_and_log_charts() {
        let dir = std::env::temp_dir().join(format!("nodal-chart-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let loss: Vec<(f64, f64)> = (0..50)
            .map(|i| (i as f64, (-0.1 * i as f64).exp()))
            .collect();
        let c = LineChart::new("loss", "iteration", "MSE")
            .log_y()
            .with(Series::line("train", loss.clone()))
            .with(Series::points("val", loss));
        let p = dir.join("loss.svg");
        c.write_svg(&p).unwrap();
        let svg = std::fs::read_to_string(&p).unwrap();
        assert!(svg.starts_with("<svg") && svg.contains("train") && svg.contains("val"));
        let lin =
            LineChart::new("x", "t", "y").with(Series::line("a", vec![(0.0, -1.0), (1.0, 1.0)]));
        lin.write_svg(&dir.join("lin.svg")).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn empty_or_non_finite_chart_is_an_error() {
        let c = LineChart::new("nothing", "x", "y")
            .log_y()
            .with(Series::line("bad", vec![(0.0, f64::NAN), (1.0, -1.0)]));
        let e = c
            .write_svg(Path::new("/tmp/never-written.svg"))
            .unwrap_err();
        assert!(matches!(e, ReportError::EmptyChart { .. }));
    }
}
