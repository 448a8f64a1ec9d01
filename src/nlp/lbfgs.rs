//! Limited-memory BFGS approximation of the Lagrangian Hessian in compact form
//! (Byrd, Nocedal & Schnabel 1994): `B = σI − W M⁻¹ Wᵀ`, `W = [σS  Y]`,
//! `M = [[σSᵀS, L], [Lᵀ, −D]]`, with `L` the strict lower triangle of `SᵀY` and `D` its
//! diagonal. `σ = sᵀy / sᵀs` of the newest pair (IPOPT's `limited_memory_initialization
//! scalar1`), clipped to `[1e-8, 1e8]`; `σ = 1` before the first pair.

use nalgebra::{DMatrix, DVector};
use std::collections::VecDeque;

/// Compact-form L-BFGS Hessian approximation on `n` variables.
#[derive(Clone, Debug)]
pub struct Lbfgs {
    n: usize,
    memory: usize,
    s: VecDeque<Vec<f64>>,
    y: VecDeque<Vec<f64>>,
    sigma: f64,
}

impl Lbfgs {
    /// An empty approximation (`B = I`) keeping at most `memory` pairs (IPOPT default 6).
    pub fn new(n: usize, memory: usize) -> Self {
        Self {
            n,
            memory: memory.max(1),
            s: VecDeque::new(),
            y: VecDeque::new(),
            sigma: 1.0,
        }
    }

    /// Number of stored pairs.
    pub fn len(&self) -> usize {
        self.s.len()
    }

    /// True before the first accepted pair.
    pub fn is_empty(&self) -> bool {
        self.s.is_empty()
    }

    /// Forgets all pairs (`B = I` again).
    pub fn reset(&mut self) {
        self.s.clear();
        self.y.clear();
        self.sigma = 1.0;
    }

    /// Adds the pair `(s, y)` (step and gradient-of-Lagrangian change). Pairs with
    /// `sᵀy ≤ 1e-8 ‖s‖ ‖y‖` would destroy positive definiteness and are skipped; returns
    /// whether the pair was kept.
    pub fn update(&mut self, s: &[f64], y: &[f64]) -> bool {
        let sy: f64 = s.iter().zip(y).map(|(a, b)| a * b).sum();
        let ss: f64 = s.iter().map(|a| a * a).sum();
        let yy: f64 = y.iter().map(|a| a * a).sum();
        if !(sy > 1e-8 * (ss * yy).sqrt()) || !sy.is_finite() || ss == 0.0 {
            return false;
        }
        if self.s.len() == self.memory {
            self.s.pop_front();
            self.y.pop_front();
        }
        self.s.push_back(s.to_vec());
        self.y.push_back(y.to_vec());
        self.sigma = (sy / ss).clamp(1e-8, 1e8);
        true
    }

    /// Writes the full `n × n` matrix `B` in row-major order into `out`.
    pub fn dense(&self, out: &mut [f64]) {
        let n = self.n;
        out.iter_mut().for_each(|v| *v = 0.0);
        for i in 0..n {
            out[i * n + i] = self.sigma;
        }
        let k = self.s.len();
        if k == 0 {
            return;
        }
        let sig = self.sigma;
        let mut w = DMatrix::<f64>::zeros(n, 2 * k);
        for j in 0..k {
            for i in 0..n {
                w[(i, j)] = sig * self.s[j][i];
                w[(i, k + j)] = self.y[j][i];
            }
        }
        let mut m = DMatrix::<f64>::zeros(2 * k, 2 * k);
        for a in 0..k {
            for b in 0..k {
                let ss: f64 = self.s[a].iter().zip(&self.s[b]).map(|(p, q)| p * q).sum();
                m[(a, b)] = sig * ss;
                let sy: f64 = self.s[a].iter().zip(&self.y[b]).map(|(p, q)| p * q).sum();
                if a > b {
                    m[(a, k + b)] = sy;
                    m[(k + b, a)] = sy;
                } else if a == b {
                    m[(k + a, k + a)] = -sy;
                }
            }
        }
        let Some(minv) = m.clone().lu().try_inverse() else {
            return;
        };
        let corr = &w * minv * w.transpose();
        for i in 0..n {
            for j in 0..n {
                out[i * n + j] -= corr[(i, j)];
            }
        }
    }

    /// `B v` (for tests and diagnostics).
    pub fn apply(&self, v: &[f64]) -> Vec<f64> {
        let mut b = vec![0.0; self.n * self.n];
        self.dense(&mut b);
        let bm = DMatrix::from_row_slice(self.n, self.n, &b);
        (bm * DVector::from_column_slice(v)).as_slice().to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secant_equation_and_symmetry() {
        // pairs from a convex quadratic with Hessian A = diag(1, 4, 9): y = A s
        let a = [1.0, 4.0, 9.0];
        let mut l = Lbfgs::new(3, 6);
        let steps = [[1.0, 0.5, -0.2], [0.3, -1.0, 0.4], [-0.2, 0.1, 1.0]];
        for s in &steps {
            let y: Vec<f64> = s.iter().zip(&a).map(|(p, q)| p * q).collect();
            assert!(l.update(s, &y));
        }
        // B reproduces the newest pair (secant equation)
        let s = steps[2];
        let bs = l.apply(&s);
        for i in 0..3 {
            assert!((bs[i] - a[i] * s[i]).abs() < 1e-10);
        }
        // and equals the explicit BFGS recursion from B0 = σI (σ = sᵀy/sᵀs of the newest pair)
        let y2: Vec<f64> = s.iter().zip(&a).map(|(p, q)| p * q).collect();
        let sigma = s.iter().zip(&y2).map(|(p, q)| p * q).sum::<f64>()
            / s.iter().map(|p| p * p).sum::<f64>();
        let mut bref = nalgebra::DMatrix::<f64>::identity(3, 3) * sigma;
        for st in &steps {
            let sv = nalgebra::DVector::from_column_slice(st);
            let yv = nalgebra::DVector::from_iterator(3, st.iter().zip(&a).map(|(p, q)| p * q));
            let bsv = &bref * &sv;
            let sbs = sv.dot(&bsv);
            bref = &bref - &bsv * bsv.transpose() / sbs + &yv * yv.transpose() / yv.dot(&sv);
        }
        let mut b = vec![0.0; 9];
        l.dense(&mut b);
        for i in 0..3 {
            for j in 0..3 {
                assert!((b[i * 3 + j] - bref[(i, j)]).abs() < 1e-9, "{i},{j}");
                assert!((b[i * 3 + j] - b[j * 3 + i]).abs() < 1e-12);
            }
        }
        // negative curvature is skipped
        assert!(!l.update(&[1.0, 0.0, 0.0], &[-1.0, 0.0, 0.0]));
        assert_eq!(l.len(), 3);
    }
}
