//! Collocation nodes on `[t0, T]`, barycentric weights, the differentiation matrix and
//! barycentric interpolation (Berrut & Trefethen, "Barycentric Lagrange interpolation", 2004).

use super::error::CollocationError;
use std::f64::consts::PI;

/// Which family of nodes to place on `[t0, T]`.
///
/// All families are ascending and include `t0` (the initial-condition node of the collocation
/// NLP). The default is [`NodeKind::Chebyshev`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum NodeKind {
    /// Chebyshev points of the second kind (Chebyshev–Gauss–Lobatto), the extrema of
    /// `T_{N−1}`: `t_j = t0 + (T − t0)·sin²(jπ / (2(N−1)))`, both endpoints included.
    #[default]
    Chebyshev,
    /// Legendre–Gauss–Radau: `t0` and the `N − 1` roots of `(P_{N−1} + P_N)(x)/(1 + x)`;
    /// `T` is not a node.
    LegendreGaussRadau,
    /// Legendre–Gauss–Lobatto: both endpoints and the `N − 2` roots of `P'_{N−1}`.
    LegendreGaussLobatto,
}

/// `N` collocation nodes with their barycentric weights.
///
/// The weights are `w_j = 1/Π_{m≠j}(t_j − t_m)` multiplied by one common positive factor so
/// that `max_j |w_j| = 1` (the true weights overflow or underflow `f64` for `N = 200`). The
/// differentiation matrix and the interpolant are invariant under that common factor.
#[derive(Clone, Debug, PartialEq)]
pub struct Nodes {
    kind: NodeKind,
    t: Vec<f64>,
    w: Vec<f64>,
}

impl Nodes {
    /// Place `n ≥ 2` nodes of `kind` on `[t0, t1]` (`t0 < t1`, both finite; time units of the
    /// data).
    ///
    /// Errors: [`CollocationError::TooFewNodes`], [`CollocationError::BadInterval`].
    pub fn new(kind: NodeKind, n: usize, t0: f64, t1: f64) -> Result<Self, CollocationError> {
        if n < 2 {
            return Err(CollocationError::TooFewNodes { got: n });
        }
        if !(t0.is_finite() && t1.is_finite() && t0 < t1) {
            return Err(CollocationError::BadInterval { t0, t1 });
        }
        let x = match kind {
            NodeKind::Chebyshev => Vec::new(), // closed forms below
            NodeKind::LegendreGaussLobatto => lgl_reference(n),
            NodeKind::LegendreGaussRadau => lgr_reference(n),
        };
        let half = 0.5 * (t1 - t0);
        let t: Vec<f64> = match kind {
            // sin² form: no cancellation near t0.
            NodeKind::Chebyshev => (0..n)
                .map(|j| {
                    let s = (j as f64 * PI / (2.0 * (n - 1) as f64)).sin();
                    t0 + (t1 - t0) * s * s
                })
                .collect(),
            _ => x.iter().map(|&xi| t0 + half * (xi + 1.0)).collect(),
        };
        let w = match kind {
            NodeKind::Chebyshev => chebyshev_weights(n),
            _ => barycentric_weights(&x),
        };
        Ok(Nodes { kind, t, w })
    }

    /// The node family.
    pub fn kind(&self) -> NodeKind {
        self.kind
    }

    /// Number of nodes `N`.
    pub fn len(&self) -> usize {
        self.t.len()
    }

    /// Always `false` (a node set has at least two nodes); present for API symmetry.
    pub fn is_empty(&self) -> bool {
        self.t.is_empty()
    }

    /// The nodes, ascending.
    pub fn times(&self) -> &[f64] {
        &self.t
    }

    /// The barycentric weights (common scale: `max |w_j| = 1`).
    pub fn weights(&self) -> &[f64] {
        &self.w
    }

    /// The differentiation matrix, row-major `N × N`: `D_ij = (w_j/w_i)/(t_i − t_j)` for
    /// `i ≠ j` and `D_ii = −Σ_{j≠i} D_ij` (the "negative sum trick", exact on constants).
    /// `(D·p(t))_i = p'(t_i)` for every polynomial of degree `< N`. Units: 1/time.
    pub fn diff_matrix(&self) -> Vec<f64> {
        let n = self.len();
        let mut d = vec![0.0; n * n];
        for i in 0..n {
            let mut diag = 0.0;
            for j in 0..n {
                if i != j {
                    let v = (self.w[j] / self.w[i]) / (self.t[i] - self.t[j]);
                    d[i * n + j] = v;
                    diag -= v;
                }
            }
            d[i * n + i] = diag;
        }
        d
    }

    /// Barycentric interpolation: write into `out` (length `dim`) the value at `t` of the
    /// polynomial through `values` (row-major `N × dim`: node `j` holds
    /// `values[j·dim..(j+1)·dim]`). Exact node hits return the node value.
    ///
    /// Errors: [`CollocationError::Length`] if `values.len() != N·dim` or `out.len() != dim`.
    pub fn interpolate(
        &self,
        values: &[f64],
        t: f64,
        out: &mut [f64],
    ) -> Result<(), CollocationError> {
        let dim = out.len();
        self.check_values(values, dim)?;
        if let Some(j) = self.t.iter().position(|&tj| tj == t) {
            out.copy_from_slice(&values[j * dim..(j + 1) * dim]);
            return Ok(());
        }
        out.fill(0.0);
        let mut den = 0.0;
        for (j, (&tj, &wj)) in self.t.iter().zip(&self.w).enumerate() {
            let c = wj / (t - tj);
            den += c;
            for (o, v) in out.iter_mut().zip(&values[j * dim..(j + 1) * dim]) {
                *o += c * v;
            }
        }
        out.iter_mut().for_each(|o| *o /= den);
        Ok(())
    }

    /// Value `p(t)` and derivative `p'(t)` of the barycentric interpolant at a time `t` that is
    /// not a node, by `p'(t) = Σ_j w_j (p(t) − y_j)/(t − t_j)² / Σ_j w_j/(t − t_j)` (Schneider &
    /// Werner 1986). At a node, the derivative is row `j` of `D·values`.
    ///
    /// Errors: [`CollocationError::Length`] as in [`interpolate`](Self::interpolate).
    pub fn interpolate_with_derivative(
        &self,
        values: &[f64],
        t: f64,
        p: &mut [f64],
        dp: &mut [f64],
    ) -> Result<(), CollocationError> {
        let dim = p.len();
        if dp.len() != dim {
            return Err(CollocationError::Length {
                what: "derivative output",
                expected: dim,
                got: dp.len(),
            });
        }
        self.interpolate(values, t, p)?;
        let n = self.len();
        if let Some(j) = self.t.iter().position(|&tj| tj == t) {
            let d = self.diff_matrix();
            dp.fill(0.0);
            for m in 0..n {
                for a in 0..dim {
                    dp[a] += d[j * n + m] * values[m * dim + a];
                }
            }
            return Ok(());
        }
        dp.fill(0.0);
        let mut den = 0.0;
        for (j, (&tj, &wj)) in self.t.iter().zip(&self.w).enumerate() {
            let r = 1.0 / (t - tj);
            den += wj * r;
            for a in 0..dim {
                dp[a] += wj * r * r * (p[a] - values[j * dim + a]);
            }
        }
        dp.iter_mut().for_each(|o| *o /= den);
        Ok(())
    }

    fn check_values(&self, values: &[f64], dim: usize) -> Result<(), CollocationError> {
        if values.len() != self.len() * dim {
            return Err(CollocationError::Length {
                what: "node values (N × dim)",
                expected: self.len() * dim,
                got: values.len(),
            });
        }
        Ok(())
    }
}

/// Closed-form Chebyshev-second-kind weights for ascending nodes: `(−1)^{N−1−j} δ_j` with
/// `δ = 1/2` at the endpoints and 1 elsewhere (Salzer 1972), proportional to the true weights.
fn chebyshev_weights(n: usize) -> Vec<f64> {
    (0..n)
        .map(|j| {
            let sign = if (n - 1 - j) % 2 == 0 { 1.0 } else { -1.0 };
            let delta = if j == 0 || j == n - 1 { 0.5 } else { 1.0 };
            sign * delta
        })
        .collect()
}

/// `w_j ∝ 1/Π_{m≠j}(x_j − x_m)` computed in logarithms (no overflow for any `N`), then scaled
/// so that `max |w_j| = 1`.
pub(crate) fn barycentric_weights(x: &[f64]) -> Vec<f64> {
    let n = x.len();
    let mut logs = vec![0.0; n];
    let mut signs = vec![1.0; n];
    for j in 0..n {
        for m in 0..n {
            if m != j {
                let d = x[j] - x[m];
                logs[j] -= d.abs().ln();
                if d < 0.0 {
                    signs[j] = -signs[j];
                }
            }
        }
    }
    let mx = logs.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    logs.iter()
        .zip(&signs)
        .map(|(l, s)| s * (l - mx).exp())
        .collect()
}

/// Legendre polynomials `P_{k}(x)` for `k = 0..=kmax` by the three-term recurrence; returns
/// `(P_{kmax−1}(x), P_{kmax}(x))`.
fn legendre_pair(kmax: usize, x: f64) -> (f64, f64) {
    let (mut p0, mut p1) = (1.0, x);
    if kmax == 0 {
        return (0.0, 1.0);
    }
    for k in 2..=kmax {
        let p2 = ((2 * k - 1) as f64 * x * p1 - (k - 1) as f64 * p0) / k as f64;
        p0 = p1;
        p1 = p2;
    }
    (p0, p1)
}

/// Legendre–Gauss–Lobatto points on [−1, 1], ascending, by Newton's method from the Chebyshev
/// points (the iteration of Greg von Winckel's `lglnodes`).
fn lgl_reference(n: usize) -> Vec<f64> {
    let k = n - 1; // polynomial degree
    let mut x: Vec<f64> = (0..n).map(|j| -(j as f64 * PI / k as f64).cos()).collect();
    for xi in x.iter_mut().take(n - 1).skip(1) {
        for _ in 0..100 {
            let (pkm1, pk) = legendre_pair(k, *xi);
            let dx = (*xi * pk - pkm1) / (n as f64 * pk);
            *xi -= dx;
            if dx.abs() < 1e-16 {
                break;
            }
        }
    }
    x[0] = -1.0;
    x[n - 1] = 1.0;
    x
}

/// Legendre–Gauss–Radau points on [−1, 1) including −1, ascending, by Newton's method (the
/// iteration of Greg von Winckel's `lgrnodes`).
fn lgr_reference(n: usize) -> Vec<f64> {
    let mut x: Vec<f64> = (0..n)
        .map(|j| -(2.0 * PI * j as f64 / (2 * n - 1) as f64).cos())
        .collect();
    for xi in x.iter_mut().skip(1) {
        for _ in 0..100 {
            let (pnm1, pn) = legendre_pair(n, *xi);
            let dx = ((1.0 - *xi) / n as f64) * (pnm1 + pn) / (pnm1 - pn);
            *xi -= dx;
            if dx.abs() < 1e-16 {
                break;
            }
        }
    }
    x[0] = -1.0;
    x.sort_by(|a, b| a.total_cmp(b));
    x
}
