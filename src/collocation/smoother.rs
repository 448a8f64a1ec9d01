//! Epanechnikov kernel smoothing of noisy observations: the starting states of the collocation
//! NLP.

use super::error::CollocationError;

/// The default bandwidth rule: `h = factor · (t_max − t_min)/(N − 1)`, i.e. `factor` times the
/// mean spacing of the observation times (with the default factor 5 about ten observations
/// fall inside a window in the middle of a Chebyshev grid). Time units of `t`.
///
/// Errors: [`CollocationError::TooFewNodes`] for fewer than two times,
/// [`CollocationError::InvalidOption`] for a non-positive or non-finite factor.
pub fn default_bandwidth(t: &[f64], factor: f64) -> Result<f64, CollocationError> {
    if t.len() < 2 {
        return Err(CollocationError::TooFewNodes { got: t.len() });
    }
    if !(factor.is_finite() && factor > 0.0) {
        return Err(CollocationError::InvalidOption {
            name: "bandwidth_factor",
            value: factor,
            expected: "finite and > 0",
        });
    }
    let (lo, hi) = t
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
            (a.min(x), b.max(x))
        });
    Ok(factor * (hi - lo) / (t.len() - 1) as f64)
}

/// Local-linear regression with the Epanechnikov kernel `K(u) = ¾(1 − u²)` on `|u| ≤ 1`:
/// at each `t_eval[e]` fit a line to the observations weighted by `K((t_k − t)/h)` and return
/// its value (local-linear rather than Nadaraya–Watson to avoid the boundary bias at `t0` and
/// `T`). Falls back to the kernel-weighted mean where the window holds a single time.
///
/// `y` is row-major `len(t_data) × dim`; the result is row-major `len(t_eval) × dim`.
///
/// Errors: [`CollocationError::Length`], [`CollocationError::InvalidOption`] for a bad
/// bandwidth, [`CollocationError::EmptyWindow`] if no observation lies within `h` of an
/// evaluation time.
pub fn epanechnikov_smooth(
    t_data: &[f64],
    y: &[f64],
    dim: usize,
    t_eval: &[f64],
    bandwidth: f64,
) -> Result<Vec<f64>, CollocationError> {
    if y.len() != t_data.len() * dim {
        return Err(CollocationError::Length {
            what: "observations (len(t) × dim)",
            expected: t_data.len() * dim,
            got: y.len(),
        });
    }
    if !(bandwidth.is_finite() && bandwidth > 0.0) {
        return Err(CollocationError::InvalidOption {
            name: "bandwidth",
            value: bandwidth,
            expected: "finite and > 0",
        });
    }
    let mut out = vec![0.0; t_eval.len() * dim];
    for (e, &t) in t_eval.iter().enumerate() {
        let (mut s0, mut s1, mut s2) = (0.0, 0.0, 0.0);
        for &tk in t_data {
            let u = (tk - t) / bandwidth;
            if u.abs() < 1.0 {
                let w = 0.75 * (1.0 - u * u);
                let dt = tk - t;
                s0 += w;
                s1 += w * dt;
                s2 += w * dt * dt;
            }
        }
        if s0 <= 0.0 {
            return Err(CollocationError::EmptyWindow { t, bandwidth });
        }
        let det = s0 * s2 - s1 * s1;
        let linear = det > 1e-12 * s0 * s2 && det > 0.0;
        let row = &mut out[e * dim..(e + 1) * dim];
        for (k, &tk) in t_data.iter().enumerate() {
            let u = (tk - t) / bandwidth;
            if u.abs() < 1.0 {
                let w = 0.75 * (1.0 - u * u);
                let c = if linear {
                    w * (s2 - s1 * (tk - t)) / det
                } else {
                    w / s0
                };
                for (r, v) in row.iter_mut().zip(&y[k * dim..(k + 1) * dim]) {
                    *r += c * v;
                }
            }
        }
    }
    Ok(out)
}
