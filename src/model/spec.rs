//! The solver of a model and the scaling of its data.

use super::error::ModelError;
use super::{MAX_STAGES, METHODS, MIN_STAGES, TRAINABLE};
use crate::data::Dataset;
use crate::tableau::Interpolant;
use crate::{Adaptive, Stepping, Tableau};
use serde::{Deserialize, Serialize};

/// Fixed or adaptive stepping, as stored in a model file.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum SteppingSpec {
    /// Fixed steps of size `h` (time units of the data, > 0).
    Fixed {
        /// Step size.
        h: f64,
    },
    /// Adaptive steps with Hairer's error control.
    Adaptive {
        /// Relative tolerance (> 0).
        rtol: f64,
        /// Absolute tolerance (> 0), in scaled state units.
        atol: f64,
        /// Largest number of step attempts per solve.
        max_steps: usize,
    },
}

/// The coefficients `(A, b, c)` of an explicit tableau as stored in a model file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Coefficients {
    /// `A`, row by row (`s × s`, strictly lower triangular).
    pub a: Vec<Vec<f64>>,
    /// Weights `b` (length `s`).
    pub b: Vec<f64>,
    /// Nodes `c` (length `s`).
    pub c: Vec<f64>,
}

impl Coefficients {
    /// The coefficients of `tab`.
    pub fn of<const S: usize>(tab: &Tableau<S>) -> Self {
        Self {
            a: tab.a.iter().map(|r| r.to_vec()).collect(),
            b: tab.b.to_vec(),
            c: tab.c.to_vec(),
        }
    }

    /// Number of stages `s` (the length of `b`).
    pub fn stages(&self) -> usize {
        self.b.len()
    }

    /// The explicit tableau (name `"trainable"`, order 1 declared, Hermite dense output).
    ///
    /// # Errors
    /// [`ModelError::BadTableau`] if the shape is not `S × S`, `S`, `S`, or the tableau fails
    /// [`Tableau::validate`] (implicit, non-finite, rows not summing to `c`).
    pub fn to_tableau<const S: usize>(&self) -> Result<Tableau<S>, ModelError> {
        let bad = |message: String| ModelError::BadTableau { message };
        if self.b.len() != S || self.c.len() != S || self.a.len() != S {
            return Err(bad(format!(
                "shape: a has {} rows, b {} and c {} entries; expected {S}",
                self.a.len(),
                self.b.len(),
                self.c.len()
            )));
        }
        let mut a = [[0.0; S]; S];
        for (i, (row, src)) in a.iter_mut().zip(&self.a).enumerate() {
            if src.len() != S {
                return Err(bad(format!(
                    "row {i} of a has {} entries, expected {S}",
                    src.len()
                )));
            }
            row.copy_from_slice(src);
        }
        let mut b = [0.0; S];
        b.copy_from_slice(&self.b);
        let mut c = [0.0; S];
        c.copy_from_slice(&self.c);
        let tab = Tableau {
            a,
            b,
            c,
            b_hat: None,
            b_hat2: None,
            order: 1,
            embedded_order: None,
            fsal: false,
            interpolant: Interpolant::Hermite,
            name: TRAINABLE,
        };
        tab.validate().map_err(|e| bad(e.to_string()))?;
        Ok(tab)
    }

    /// `|Σb − 1|`, the consistency residual.
    pub fn sum_b_residual(&self) -> f64 {
        (self.b.iter().sum::<f64>() - 1.0).abs()
    }
}

/// Which Runge–Kutta method integrates the model, and how it steps.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SolverSpec {
    /// A preset name from [`METHODS`], or [`TRAINABLE`] for a trained tableau.
    pub method: String,
    /// Fixed or adaptive stepping.
    pub stepping: SteppingSpec,
    /// The trained coefficients when `method` is [`TRAINABLE`] (required then, with fixed
    /// stepping); `None` for presets. Stored in the model file's `tableau` key.
    #[serde(skip)]
    pub tableau: Option<Coefficients>,
}

impl SolverSpec {
    /// Check the method name and the step options.
    ///
    /// # Errors
    /// [`ModelError::UnknownMethod`], [`ModelError::BadSolver`] (a step size or tolerance
    /// that is not finite and positive, `max_steps` = 0, adaptive stepping with a method that
    /// has no embedded error estimate).
    pub fn validate(&self) -> Result<(), ModelError> {
        if self.method == TRAINABLE {
            return self.validate_trained();
        }
        if !METHODS.contains(&self.method.as_str()) {
            return Err(ModelError::UnknownMethod {
                name: self.method.clone(),
                known: METHODS.join(", "),
            });
        }
        let bad = |what: &'static str, value: f64| Err(ModelError::BadSolver { what, value });
        let pos = |v: f64| v.is_finite() && v > 0.0;
        match self.stepping {
            SteppingSpec::Fixed { h } if !pos(h) => bad("fixed step h (must be > 0)", h),
            SteppingSpec::Adaptive { rtol, .. } if !pos(rtol) => bad("rtol (must be > 0)", rtol),
            SteppingSpec::Adaptive { atol, .. } if !pos(atol) => bad("atol (must be > 0)", atol),
            SteppingSpec::Adaptive { max_steps: 0, .. } => bad("max_steps (must be ≥ 1)", 0.0),
            SteppingSpec::Adaptive { .. } => {
                let embedded =
                    crate::with_preset!(self.method.as_str(), tab => tab.b_hat.is_some())
                        .unwrap_or(false);
                if embedded {
                    Ok(())
                } else {
                    Err(ModelError::NeedsFixedStep {
                        method: self.method.clone(),
                    })
                }
            }
            SteppingSpec::Fixed { .. } => Ok(()),
        }
    }

    /// A trained tableau: coefficients present, stages in range, a valid explicit tableau,
    /// fixed stepping with `h > 0`.
    fn validate_trained(&self) -> Result<(), ModelError> {
        let coef = self
            .tableau
            .as_ref()
            .ok_or_else(|| ModelError::BadTableau {
                message: format!("solver.method is `{TRAINABLE}` but the model has no tableau"),
            })?;
        match self.stepping {
            SteppingSpec::Fixed { h } if !(h.is_finite() && h > 0.0) => {
                return Err(ModelError::BadSolver {
                    what: "fixed step h (must be > 0)",
                    value: h,
                })
            }
            SteppingSpec::Fixed { .. } => {}
            SteppingSpec::Adaptive { .. } => {
                return Err(ModelError::NeedsFixedStep {
                    method: TRAINABLE.into(),
                })
            }
        }
        let s = coef.stages();
        crate::with_stages!(s, S => coef.to_tableau::<S>().map(|_| ())).unwrap_or_else(|| {
            Err(ModelError::BadTableau {
                message: format!("{s} stages; supported: {MIN_STAGES}..={MAX_STAGES}"),
            })
        })
    }

    /// The solver's [`Stepping`].
    pub fn stepping(&self) -> Stepping<f64> {
        match self.stepping {
            SteppingSpec::Fixed { h } => Stepping::Fixed(h),
            SteppingSpec::Adaptive {
                rtol,
                atol,
                max_steps,
            } => Stepping::Adaptive(Adaptive {
                max_steps,
                ..Adaptive::with_tol(rtol, atol)
            }),
        }
    }
}

/// Per-component affine scaling of states: the model sees `z = (y − mean) / scale`.
///
/// Training on scaled states keeps every component of order one whatever the units of the
/// data, so one learning rate and one tolerance fit all components.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scaling {
    /// Per-component offset (data units).
    pub mean: Vec<f64>,
    /// Per-component scale (data units, > 0).
    pub scale: Vec<f64>,
}

impl Scaling {
    /// No scaling in `d` dimensions (mean 0, scale 1).
    pub fn identity(d: usize) -> Self {
        Self {
            mean: vec![0.0; d],
            scale: vec![1.0; d],
        }
    }

    /// Mean and standard deviation of every observed value of `data`, per component. A
    /// component whose standard deviation is zero (or below 1e-12 of its mean) gets scale 1.
    pub fn fit(data: &Dataset) -> Self {
        let d = data.dim();
        let (mut n, mut s, mut s2) = (vec![0usize; d], vec![0.0; d], vec![0.0; d]);
        for row in data.trajectories.iter().flat_map(|t| &t.values) {
            for (c, v) in row.iter().enumerate() {
                if let Some(v) = v {
                    n[c] += 1;
                    s[c] += v;
                }
            }
        }
        let mean: Vec<f64> = (0..d).map(|c| s[c] / n[c].max(1) as f64).collect();
        for row in data.trajectories.iter().flat_map(|t| &t.values) {
            for (c, v) in row.iter().enumerate() {
                if let Some(v) = v {
                    s2[c] += (v - mean[c]).powi(2);
                }
            }
        }
        let scale = (0..d)
            .map(|c| {
                let sd = (s2[c] / n[c].max(1) as f64).sqrt();
                if sd.is_finite() && sd > 1e-12 * mean[c].abs().max(1e-300) {
                    sd
                } else {
                    1.0
                }
            })
            .collect();
        Self { mean, scale }
    }

    /// Number of components.
    pub fn dim(&self) -> usize {
        self.mean.len()
    }

    /// `(y − mean) / scale`, component-wise (`y` has [`Scaling::dim`] entries).
    pub fn to_model(&self, y: &[f64]) -> Vec<f64> {
        y.iter()
            .zip(self.mean.iter().zip(&self.scale))
            .map(|(v, (m, s))| (v - m) / s)
            .collect()
    }

    /// `mean + scale · z`, component-wise.
    pub fn to_data(&self, z: &[f64]) -> Vec<f64> {
        z.iter()
            .zip(self.mean.iter().zip(&self.scale))
            .map(|(v, (m, s))| m + s * v)
            .collect()
    }

    /// `data` with every value scaled to model units (times unchanged).
    pub fn apply(&self, data: &Dataset) -> Dataset {
        let mut out = data.clone();
        for row in out.trajectories.iter_mut().flat_map(|t| &mut t.values) {
            for (c, v) in row.iter_mut().enumerate() {
                if let Some(v) = v {
                    *v = (*v - self.mean[c]) / self.scale[c];
                }
            }
        }
        out
    }

    /// Check lengths against `d` and that every scale is finite and > 0.
    ///
    /// # Errors
    /// [`ModelError::Inconsistent`], [`ModelError::BadScaling`].
    pub fn validate(&self, d: usize) -> Result<(), ModelError> {
        for (what, len) in [
            ("scaling.mean", self.mean.len()),
            ("scaling.scale", self.scale.len()),
        ] {
            if len != d {
                return Err(ModelError::Inconsistent {
                    what,
                    expected: d,
                    got: len,
                });
            }
        }
        if let Some((index, &value)) = self
            .scale
            .iter()
            .enumerate()
            .find(|(_, s)| !(s.is_finite() && **s > 0.0))
        {
            return Err(ModelError::BadScaling { index, value });
        }
        if let Some((index, &value)) = self.mean.iter().enumerate().find(|(_, m)| !m.is_finite()) {
            return Err(ModelError::BadScaling { index, value });
        }
        Ok(())
    }
}
