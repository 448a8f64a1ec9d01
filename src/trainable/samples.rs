//! Sample points `w = λh` at which the stability penalty asks for `|R(w)| ≤ 1`.

use super::TrainableError;
use nalgebra::{Complex, SMatrix};

/// A set of points `w` in the complex plane (dimensionless, `w = λh`).
#[derive(Clone, Debug, PartialEq)]
pub struct StabilitySamples {
    /// The sample points.
    pub points: Vec<Complex<f64>>,
}

fn positive(what: &'static str, value: f64) -> Result<(), TrainableError> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(TrainableError::InvalidSamples { what, value })
    }
}

fn count(what: &'static str, n: usize) -> Result<(), TrainableError> {
    if n == 0 {
        Err(TrainableError::InvalidSamples { what, value: 0.0 })
    } else {
        Ok(())
    }
}

impl StabilitySamples {
    /// `n` evenly spaced points `w = −x_max·k/n`, `k = 1..=n`, on the segment `[−x_max, 0)` of
    /// the negative real axis (the stability interval a method should cover).
    ///
    /// # Errors
    /// [`TrainableError::InvalidSamples`] if `x_max` is not finite and positive or `n = 0`.
    pub fn real_segment(x_max: f64, n: usize) -> Result<Self, TrainableError> {
        positive("x_max", x_max)?;
        count("n", n)?;
        let points = (1..=n)
            .map(|k| Complex::new(-x_max * k as f64 / n as f64, 0.0))
            .collect();
        Ok(Self { points })
    }

    /// A polar grid filling the closed disk of `radius` about `center`: the center plus
    /// `n_radial` circles of radii `radius·k/n_radial` with `n_angular` points each.
    ///
    /// # Errors
    /// [`TrainableError::InvalidSamples`] for a non-positive radius, zero counts or a
    /// non-finite center.
    pub fn disk(
        center: Complex<f64>,
        radius: f64,
        n_radial: usize,
        n_angular: usize,
    ) -> Result<Self, TrainableError> {
        positive("radius", radius)?;
        count("n_radial", n_radial)?;
        count("n_angular", n_angular)?;
        if !(center.re.is_finite() && center.im.is_finite()) {
            return Err(TrainableError::InvalidSamples {
                what: "center",
                value: center.re + center.im,
            });
        }
        let mut points = vec![center];
        for k in 1..=n_radial {
            let r = radius * k as f64 / n_radial as f64;
            for l in 0..n_angular {
                let phi = std::f64::consts::TAU * l as f64 / n_angular as f64;
                points.push(center + Complex::new(r * phi.cos(), r * phi.sin()));
            }
        }
        Ok(Self { points })
    }

    /// The eigenvalues of every Jacobian `∂f/∂y` (e.g. along the training data) times the step
    /// `h`: the linearised dynamics a step of size `h` must keep stable. Eigenvalues with
    /// positive real part are kept too (they are the system's own growth; the penalty only
    /// bites where `|R| > 1`, and a consistent `R ≈ e^w` exceeds 1 there anyway, so callers
    /// usually pass [`Self::retain_left`] afterwards).
    ///
    /// # Errors
    /// [`TrainableError::InvalidSamples`] for an empty list or a non-finite/non-positive `h`;
    /// [`TrainableError::NonFinite`] for a Jacobian with a non-finite entry.
    pub fn spectrum<const D: usize>(
        jacobians: &[SMatrix<f64, D, D>],
        h: f64,
    ) -> Result<Self, TrainableError> {
        positive("h", h)?;
        count("jacobians", jacobians.len())?;
        let mut points = Vec::with_capacity(jacobians.len() * D);
        for (index, j) in jacobians.iter().enumerate() {
            if let Some(&value) = j.iter().find(|v| !v.is_finite()) {
                return Err(TrainableError::NonFinite {
                    what: "jacobians",
                    index,
                    value,
                });
            }
            let dj = nalgebra::DMatrix::from_column_slice(D, D, j.as_slice());
            points.extend(dj.complex_eigenvalues().iter().map(|l| l * h));
        }
        Ok(Self { points })
    }

    /// Keep only points with `Re w < 0` (where a stable ODE needs `|R(w)| ≤ 1`).
    pub fn retain_left(mut self) -> Self {
        self.points.retain(|w| w.re < 0.0);
        self
    }
}
