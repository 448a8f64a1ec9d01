//! Dense forward-mode automatic differentiation to second order, for the small test problems.
//!
//! An [`Ad`] carries a value, its gradient and its (packed, lower-triangular) Hessian with
//! respect to up to [`MAXN`] variables. Arithmetic applies the exact first- and second-order
//! chain rules, so derivatives are exact up to floating-point rounding: the small
//! Hock–Schittkowski problems are written once as plain formulas and get exact gradients,
//! Jacobians and Hessians of the Lagrangian from it.
//!
//! A *pattern* mode replaces every chain-rule coefficient by one and every subtraction by an
//! addition, so the derivative slots hold positive numbers exactly where the derivative is not
//! structurally zero. That gives the sparsity structures independently of the point.

use std::ops::{Add, Div, Mul, Neg, Sub};

/// Largest number of variables an [`Ad`] tracks.
pub(crate) const MAXN: usize = 16;
/// Length of the packed lower triangle of a `MAXN × MAXN` Hessian.
const MAXH: usize = MAXN * (MAXN + 1) / 2;

/// Position of the Hessian entry `(i, j)`, `i >= j`, in the packed lower triangle.
#[inline]
pub(crate) fn hidx(i: usize, j: usize) -> usize {
    i * (i + 1) / 2 + j
}

/// A value with exact first and second derivatives (see the module documentation).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Ad {
    /// The value.
    pub(crate) v: f64,
    /// Number of tracked variables (0 for a constant).
    n: usize,
    /// Highest derivative order tracked: 0, 1 or 2.
    order: u8,
    /// Pattern mode (see the module documentation).
    pattern: bool,
    /// Gradient; entries at and beyond `n` are zero.
    pub(crate) g: [f64; MAXN],
    /// Packed lower-triangular Hessian; entries beyond `n(n+1)/2` are zero.
    pub(crate) h: [f64; MAXH],
}

impl Ad {
    /// A constant.
    pub(crate) fn cst(v: f64) -> Self {
        Ad {
            v,
            n: 0,
            order: 0,
            pattern: false,
            g: [0.0; MAXN],
            h: [0.0; MAXH],
        }
    }

    /// A NaN value with NaN derivatives, marking an invalid evaluation.
    pub(crate) fn nan() -> Self {
        Ad {
            v: f64::NAN,
            n: 0,
            order: 0,
            pattern: false,
            g: [f64::NAN; MAXN],
            h: [f64::NAN; MAXH],
        }
    }

    /// Variable number `i` of `n` (`n <= MAXN`) with value `v`, tracking derivatives up to
    /// `order`; `pattern` selects pattern mode.
    pub(crate) fn var(v: f64, i: usize, n: usize, order: u8, pattern: bool) -> Self {
        let mut a = Ad::cst(v);
        a.n = n.min(MAXN);
        a.order = order.min(2);
        a.pattern = pattern;
        if order > 0 && i < a.n {
            a.g[i] = 1.0;
        }
        a
    }

    fn nh(&self) -> usize {
        if self.order >= 2 {
            self.n * (self.n + 1) / 2
        } else {
            0
        }
    }

    fn ng(&self) -> usize {
        if self.order >= 1 {
            self.n
        } else {
            0
        }
    }

    /// Header of a result combining `a` and `b`, with value `v` and zero derivatives.
    fn join(a: &Ad, b: &Ad, v: f64) -> Ad {
        let mut r = Ad::cst(v);
        r.n = a.n.max(b.n);
        r.order = a.order.max(b.order);
        r.pattern = a.pattern || b.pattern;
        r
    }

    /// `ca·a + cb·b` for the derivatives, value `v`.
    fn lin(ca: f64, a: &Ad, cb: f64, b: &Ad, v: f64) -> Ad {
        let mut r = Ad::join(a, b, v);
        let (ca, cb) = if r.pattern { (1.0, 1.0) } else { (ca, cb) };
        for k in 0..r.ng() {
            r.g[k] = ca * a.g[k] + cb * b.g[k];
        }
        for k in 0..r.nh() {
            r.h[k] = ca * a.h[k] + cb * b.h[k];
        }
        r
    }

    /// `φ(a)` given `φ(a.v)`, `φ'(a.v)` and `φ''(a.v)`.
    fn chain(&self, f0: f64, f1: f64, f2: f64) -> Ad {
        let mut r = *self;
        r.v = f0;
        let (f1, f2) = if r.pattern { (1.0, 1.0) } else { (f1, f2) };
        for k in 0..r.ng() {
            r.g[k] = f1 * self.g[k];
        }
        if r.order >= 2 {
            for i in 0..r.n {
                for j in 0..=i {
                    let k = hidx(i, j);
                    r.h[k] = f1 * self.h[k] + f2 * self.g[i] * self.g[j];
                }
            }
        }
        r
    }

    fn mul_ad(a: &Ad, b: &Ad) -> Ad {
        let mut r = Ad::join(a, b, a.v * b.v);
        let (ca, cb) = if r.pattern { (1.0, 1.0) } else { (b.v, a.v) };
        for k in 0..r.ng() {
            r.g[k] = ca * a.g[k] + cb * b.g[k];
        }
        if r.order >= 2 {
            for i in 0..r.n {
                for j in 0..=i {
                    let k = hidx(i, j);
                    r.h[k] = ca * a.h[k] + cb * b.h[k] + a.g[i] * b.g[j] + b.g[i] * a.g[j];
                }
            }
        }
        r
    }

    fn scale(&self, c: f64) -> Ad {
        let z = Ad::cst(0.0);
        Ad::lin(c, self, 0.0, &z, c * self.v)
    }

    fn shift(&self, c: f64) -> Ad {
        let mut r = *self;
        r.v += c;
        r
    }

    /// `1 / self`.
    pub(crate) fn recip(&self) -> Ad {
        let x = self.v;
        self.chain(1.0 / x, -1.0 / (x * x), 2.0 / (x * x * x))
    }

    /// `self^k` for an integer `k`.
    pub(crate) fn powi(&self, k: i32) -> Ad {
        let x = self.v;
        let kf = f64::from(k);
        let f1 = if k == 0 { 0.0 } else { kf * x.powi(k - 1) };
        let f2 = if k == 0 || k == 1 {
            0.0
        } else {
            kf * (kf - 1.0) * x.powi(k - 2)
        };
        if k == 0 {
            return Ad::cst(1.0);
        }
        self.chain(x.powi(k), f1, f2)
    }

    /// `self²`.
    pub(crate) fn sq(&self) -> Ad {
        self.powi(2)
    }

    /// Sine.
    pub(crate) fn sin(&self) -> Ad {
        let (s, c) = self.v.sin_cos();
        self.chain(s, c, -s)
    }

    /// Cosine.
    pub(crate) fn cos(&self) -> Ad {
        let (s, c) = self.v.sin_cos();
        self.chain(c, -s, -c)
    }

    /// Natural logarithm.
    pub(crate) fn ln(&self) -> Ad {
        let x = self.v;
        self.chain(x.ln(), 1.0 / x, -1.0 / (x * x))
    }
}

impl Add for Ad {
    type Output = Ad;
    fn add(self, b: Ad) -> Ad {
        Ad::lin(1.0, &self, 1.0, &b, self.v + b.v)
    }
}
impl Sub for Ad {
    type Output = Ad;
    fn sub(self, b: Ad) -> Ad {
        Ad::lin(1.0, &self, -1.0, &b, self.v - b.v)
    }
}
impl Mul for Ad {
    type Output = Ad;
    fn mul(self, b: Ad) -> Ad {
        Ad::mul_ad(&self, &b)
    }
}
impl Div for Ad {
    type Output = Ad;
    #[allow(clippy::suspicious_arithmetic_impl)]
    fn div(self, b: Ad) -> Ad {
        Ad::mul_ad(&self, &b.recip())
    }
}
impl Neg for Ad {
    type Output = Ad;
    fn neg(self) -> Ad {
        self.scale(-1.0)
    }
}
impl Add<f64> for Ad {
    type Output = Ad;
    fn add(self, c: f64) -> Ad {
        self.shift(c)
    }
}
impl Sub<f64> for Ad {
    type Output = Ad;
    fn sub(self, c: f64) -> Ad {
        self.shift(-c)
    }
}
impl Mul<f64> for Ad {
    type Output = Ad;
    fn mul(self, c: f64) -> Ad {
        self.scale(c)
    }
}
impl Div<f64> for Ad {
    type Output = Ad;
    fn div(self, c: f64) -> Ad {
        self.scale(1.0 / c)
    }
}
impl Add<Ad> for f64 {
    type Output = Ad;
    fn add(self, a: Ad) -> Ad {
        a.shift(self)
    }
}
impl Sub<Ad> for f64 {
    type Output = Ad;
    fn sub(self, a: Ad) -> Ad {
        a.scale(-1.0).shift(self)
    }
}
impl Mul<Ad> for f64 {
    type Output = Ad;
    fn mul(self, a: Ad) -> Ad {
        a.scale(self)
    }
}
impl Div<Ad> for f64 {
    type Output = Ad;
    fn div(self, a: Ad) -> Ad {
        a.recip().scale(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn product_rule_and_chain_rule_are_exact() {
        // f(x, y) = x·y·sin(x) + y²/x at (1.3, -0.7)
        let (xv, yv) = (1.3_f64, -0.7_f64);
        let x = Ad::var(xv, 0, 2, 2, false);
        let y = Ad::var(yv, 1, 2, 2, false);
        let f = x * y * x.sin() + y.sq() / x;
        let (s, c) = xv.sin_cos();
        assert!((f.v - (xv * yv * s + yv * yv / xv)).abs() < 1e-14);
        let fx = yv * s + xv * yv * c - yv * yv / (xv * xv);
        let fy = xv * s + 2.0 * yv / xv;
        assert!((f.g[0] - fx).abs() < 1e-13);
        assert!((f.g[1] - fy).abs() < 1e-13);
        let fxx = 2.0 * yv * c - xv * yv * s + 2.0 * yv * yv / xv.powi(3);
        let fxy = s + xv * c - 2.0 * yv / (xv * xv);
        let fyy = 2.0 / xv;
        assert!((f.h[hidx(0, 0)] - fxx).abs() < 1e-13);
        assert!((f.h[hidx(1, 0)] - fxy).abs() < 1e-13);
        assert!((f.h[hidx(1, 1)] - fyy).abs() < 1e-13);
    }

    #[test]
    fn pattern_mode_marks_structural_nonzeros_only() {
        // f(x, y, z) = x·y + z (x = 0 so the value-based derivative ∂f/∂y is 0)
        let x = Ad::var(0.0, 0, 3, 2, true);
        let y = Ad::var(0.0, 1, 3, 2, true);
        let z = Ad::var(0.0, 2, 3, 2, true);
        let f = x * y - z * 0.0;
        assert!(f.g[0] > 0.0 && f.g[1] > 0.0 && f.g[2] > 0.0);
        assert!(f.h[hidx(1, 0)] > 0.0);
        assert_eq!(f.h[hidx(0, 0)], 0.0);
        assert_eq!(f.h[hidx(1, 1)], 0.0);
        assert_eq!(f.h[hidx(2, 2)], 0.0);
    }
}
