//! Exact second derivatives of `μᵀ f_θ(t, y)` with respect to `(y, θ)` for a one-hidden-layer
//! MLP `f = W₂·[σ(W₁·[y; t] + b₁); t] + b₂` (a hand-written second-order backward pass).
//!
//! With `z = W₁x + b₁`, `x = [y; t]`, `g_j = Σ_k μ_k W₂[k, j]`, `δ_j = g_j σ'(z_j)` and
//! `c_j = g_j σ''(z_j)`, the only non-zero second derivatives are
//!
//! ```text
//! ∂²/∂y_a∂y_b       = Σ_j c_j W₁[j,a] W₁[j,b]
//! ∂²/∂y_a∂W₁[j,c]   = c_j W₁[j,a] x_c + δ_j [a = c]
//! ∂²/∂y_a∂b₁[j]     = c_j W₁[j,a]
//! ∂²/∂y_a∂W₂[k,j]   = μ_k σ'(z_j) W₁[j,a]
//! ∂²/∂u∂v           = c_j ∂z_j/∂u ∂z_j/∂v        u, v ∈ {W₁[j,·], b₁[j]}
//! ∂²/∂u∂W₂[k,j]     = μ_k σ'(z_j) ∂z_j/∂u        u ∈ {W₁[j,·], b₁[j]}
//! ```
//!
//! so the θ–θ part is block diagonal over hidden units `j`, each block acting on the unit's
//! variables `(W₁[j, 0..cols₁], b₁[j], W₂[0..d, j])`; `b₂` and the output layer's time weights
//! enter linearly and have no curvature.

use super::error::CollocationError;
use crate::nn::{Activation, Mlp};

/// Layout of a one-hidden-layer MLP for the exact Hessian.
#[derive(Clone, Debug)]
pub(crate) struct OneHidden {
    /// State dimension (input = output width).
    pub d: usize,
    /// Hidden width.
    pub h: usize,
    /// Columns of W₁ (`d` or `d + 1` with time input).
    pub cols1: usize,
    /// Columns of W₂ (`h` or `h + 1`).
    pub cols2: usize,
    pub w1_off: usize,
    pub b1_off: usize,
    pub w2_off: usize,
    pub time: bool,
    pub act: Activation,
}

impl OneHidden {
    /// Check the architecture: exactly one hidden layer, identity output, `d_in == d_out`.
    pub fn new(mlp: &Mlp) -> Result<Self, CollocationError> {
        if mlp.n_layers() != 2 || mlp.output_activation() != Activation::Identity {
            return Err(CollocationError::UnsupportedHessian {
                hidden_layers: mlp.n_layers().saturating_sub(1),
                output: mlp.output_activation(),
            });
        }
        let w = mlp.widths();
        if w[0] != w[2] {
            return Err(CollocationError::NotAVectorField {
                d_in: w[0],
                d_out: w[2],
            });
        }
        let unsupported = || CollocationError::UnsupportedHessian {
            hidden_layers: mlp.n_layers().saturating_sub(1),
            output: mlp.output_activation(),
        };
        let (w1, b1) = mlp.layer_param_ranges(0).ok_or_else(unsupported)?;
        let (w2, _) = mlp.layer_param_ranges(1).ok_or_else(unsupported)?;
        let time = mlp.time_input();
        Ok(OneHidden {
            d: w[0],
            h: w[1],
            cols1: w[0] + usize::from(time),
            cols2: w[1] + usize::from(time),
            w1_off: w1.start,
            b1_off: b1.start,
            w2_off: w2.start,
            time,
            act: mlp.hidden_activation(),
        })
    }

    /// Number of variables of one hidden unit's block: `cols₁ + 1 + d`.
    pub fn unit_size(&self) -> usize {
        self.cols1 + 1 + self.d
    }

    /// Index in θ of local variable `loc` of hidden unit `j`.
    pub fn unit_param(&self, j: usize, loc: usize) -> usize {
        if loc < self.cols1 {
            self.w1_off + j * self.cols1 + loc
        } else if loc == self.cols1 {
            self.b1_off + j
        } else {
            let k = loc - self.cols1 - 1;
            self.w2_off + k * self.cols2 + j
        }
    }

    /// Add the second derivatives of `μᵀ f_θ(t, y)` into
    /// * `yy` (`d × d`, full, row-major),
    /// * `yth` (`d × h × unit_size`: entry `[a][j][loc]` = ∂²/∂y_a∂(unit j, loc)),
    /// * `thth` (`h × unit_size × unit_size`, full symmetric blocks).
    #[allow(clippy::too_many_arguments)]
    pub fn accumulate(
        &self,
        theta: &[f64],
        t: f64,
        y: &[f64],
        mu: &[f64],
        yy: &mut [f64],
        yth: &mut [f64],
        thth: &mut [f64],
    ) {
        let (d, s, c1) = (self.d, self.unit_size(), self.cols1);
        let mut x = [0.0f64; 16];
        let mut xv: Vec<f64>;
        let x: &mut [f64] = if c1 <= 16 {
            &mut x[..c1]
        } else {
            xv = vec![0.0; c1];
            &mut xv
        };
        x[..d].copy_from_slice(y);
        if self.time {
            x[d] = t;
        }
        for j in 0..self.h {
            let w1 = &theta[self.w1_off + j * c1..self.w1_off + (j + 1) * c1];
            let z =
                theta[self.b1_off + j] + w1.iter().zip(x.iter()).map(|(a, b)| a * b).sum::<f64>();
            let s1 = self.act.derivative(z);
            let s2 = self.act.second_derivative(z);
            let mut g = 0.0;
            for (k, m) in mu.iter().enumerate() {
                g += m * theta[self.w2_off + k * self.cols2 + j];
            }
            let delta = g * s1;
            let cc = g * s2;
            // dz/d(local) for the first c1 + 1 locals.
            let dz = |p: usize| if p < c1 { x[p] } else { 1.0 };
            // θ–θ block of unit j.
            let blk = &mut thth[j * s * s..(j + 1) * s * s];
            for p in 0..=c1 {
                for q in 0..=c1 {
                    blk[p * s + q] += cc * dz(p) * dz(q);
                }
                for (k, m) in mu.iter().enumerate() {
                    let v = m * s1 * dz(p);
                    blk[p * s + c1 + 1 + k] += v;
                    blk[(c1 + 1 + k) * s + p] += v;
                }
            }
            // y–θ and y–y.
            for a in 0..d {
                let wa = w1[a];
                let row = &mut yth[(a * self.h + j) * s..(a * self.h + j + 1) * s];
                for c in 0..c1 {
                    row[c] += cc * wa * x[c];
                }
                row[a] += delta;
                row[c1] += cc * wa;
                for (k, m) in mu.iter().enumerate() {
                    row[c1 + 1 + k] += m * s1 * wa;
                }
                for b in 0..d {
                    yy[a * d + b] += cc * wa * w1[b];
                }
            }
        }
    }
}

/// The dense Hessian of `μᵀ f_θ(t, y)` with respect to `v = (y, θ)` (`(d + n_θ)²`, row-major),
/// for a one-hidden-layer MLP with identity output, at the network's own θ. Meant for checking
/// and small problems; the NLP uses the sparse form.
///
/// Errors: [`CollocationError::UnsupportedHessian`] for other architectures,
/// [`CollocationError::Length`] if `y` or `mu` is not of length `d`.
pub fn mlp_lagrangian_hessian(
    mlp: &Mlp,
    t: f64,
    y: &[f64],
    mu: &[f64],
) -> Result<Vec<f64>, CollocationError> {
    let oh = OneHidden::new(mlp)?;
    let d = oh.d;
    for (what, v) in [("state y", y), ("multiplier mu", mu)] {
        if v.len() != d {
            return Err(CollocationError::Length {
                what,
                expected: d,
                got: v.len(),
            });
        }
    }
    let s = oh.unit_size();
    let mut yy = vec![0.0; d * d];
    let mut yth = vec![0.0; d * oh.h * s];
    let mut thth = vec![0.0; oh.h * s * s];
    oh.accumulate(mlp.params(), t, y, mu, &mut yy, &mut yth, &mut thth);
    let nv = d + mlp.n_params();
    let mut hm = vec![0.0; nv * nv];
    for a in 0..d {
        for b in 0..d {
            hm[a * nv + b] = yy[a * d + b];
        }
        for j in 0..oh.h {
            for loc in 0..s {
                let p = d + oh.unit_param(j, loc);
                let v = yth[(a * oh.h + j) * s + loc];
                hm[a * nv + p] += v;
                hm[p * nv + a] += v;
            }
        }
    }
    for j in 0..oh.h {
        for p in 0..s {
            for q in 0..s {
                let (gp, gq) = (d + oh.unit_param(j, p), d + oh.unit_param(j, q));
                hm[gp * nv + gq] += thth[(j * s + p) * s + q];
            }
        }
    }
    Ok(hm)
}
