//! [`JointNlp`]: several collocation batches with one shared θ as a single NLP — the
//! centralized problem that consensus ADMM decomposes, used as its reference solution.

use super::AdmmError;
use crate::collocation::CollocationNlp;
use crate::nlp::Nlp;
use std::sync::Mutex;

/// The batches `f_k(y_k, θ)` of [`super::Admm`] joined into one NLP over
/// `x = (y_1, …, y_K, θ)`: objective `Σ_k f_k` (so each batch's `λ‖θ‖²` counts once per batch,
/// exactly as in the ADMM splitting), constraints stacked batch after batch. Jacobian and
/// Hessian are the batches' exact ones with their columns moved to the joint layout; the
/// batches' θ–θ Hessian entries land on the same positions and are summed.
#[derive(Debug)]
pub struct JointNlp<'a> {
    batches: &'a [CollocationNlp],
    /// Start of each batch's states in `x`, and of its rows in `g`; one more entry at the end.
    y_off: Vec<usize>,
    g_off: Vec<usize>,
    n_theta: usize,
    /// Per batch: constraint count, Jacobian and Hessian entry counts (output block sizes).
    cons_len: Vec<usize>,
    jac_len: Vec<usize>,
    hess_len: Vec<usize>,
    /// Scratch for one batch's variable vector.
    scratch: Mutex<Vec<f64>>,
}

impl<'a> JointNlp<'a> {
    /// Join `batches` (at least one, all with the same number of network parameters).
    ///
    /// Errors: [`AdmmError::NoBatches`], [`AdmmError::ThetaMismatch`].
    pub fn new(batches: &'a [CollocationNlp]) -> Result<Self, AdmmError> {
        let n_theta = super::common_theta(batches)?;
        let (mut y_off, mut g_off) = (vec![0], vec![0]);
        for b in batches {
            y_off.push(y_off.last().copied().unwrap_or(0) + b.num_vars() - n_theta);
            g_off.push(g_off.last().copied().unwrap_or(0) + b.num_cons());
        }
        Ok(JointNlp {
            batches,
            y_off,
            g_off,
            n_theta,
            cons_len: batches.iter().map(|b| b.num_cons()).collect(),
            jac_len: batches
                .iter()
                .map(|b| b.jacobian_structure().len())
                .collect(),
            hess_len: batches
                .iter()
                .map(|b| b.hessian_structure().map_or(0, |s| s.len()))
                .collect(),
            scratch: Mutex::new(Vec::new()),
        })
    }

    /// Number of state variables of all batches (θ starts here).
    fn ny(&self) -> usize {
        self.y_off[self.batches.len()]
    }

    /// Batch `k`'s variable vector `(y_k, θ)` cut from the joint `x`, into `buf`.
    fn local(&self, k: usize, x: &[f64], buf: &mut Vec<f64>) {
        buf.clear();
        buf.extend_from_slice(&x[self.y_off[k]..self.y_off[k + 1]]);
        buf.extend_from_slice(&x[self.ny()..]);
    }

    /// Joint column of batch `k`'s variable `v`.
    fn col(&self, k: usize, v: usize) -> usize {
        let nyk = self.y_off[k + 1] - self.y_off[k];
        if v < nyk {
            self.y_off[k] + v
        } else {
            self.ny() + v - nyk
        }
    }

    /// Batch `k`'s variable vector `(y_k, θ)` from a joint one (e.g. the joint solution).
    pub fn batch_x(&self, k: usize, x: &[f64]) -> Vec<f64> {
        let mut buf = Vec::new();
        self.local(k, x, &mut buf);
        buf
    }

    /// Run `f(k, local x, output part)` for every batch, with the output cut by `sizes`.
    fn each(
        &self,
        x: &[f64],
        out: &mut [f64],
        sizes: &[usize],
        f: impl Fn(usize, &[f64], &mut [f64]),
    ) {
        let mut buf = self.scratch.lock().unwrap_or_else(|e| e.into_inner());
        let mut start = 0;
        for (k, &len) in sizes.iter().enumerate() {
            self.local(k, x, &mut buf);
            f(k, &buf, &mut out[start..start + len]);
            start += len;
        }
    }
}

impl Nlp for JointNlp<'_> {
    fn num_vars(&self) -> usize {
        self.ny() + self.n_theta
    }

    fn num_cons(&self) -> usize {
        self.g_off[self.batches.len()]
    }

    /// All batches' node states (one square Jacobian block per batch).
    fn dependent_variables(&self) -> Option<Vec<usize>> {
        Some((0..self.ny()).collect())
    }

    fn bounds(&self, x_l: &mut [f64], x_u: &mut [f64], g_l: &mut [f64], g_u: &mut [f64]) {
        for (k, b) in self.batches.iter().enumerate() {
            let n = b.num_vars();
            let (mut l, mut u) = (vec![0.0; n], vec![0.0; n]);
            let rows = self.g_off[k]..self.g_off[k + 1];
            b.bounds(&mut l, &mut u, &mut g_l[rows.clone()], &mut g_u[rows]);
            for v in 0..n {
                x_l[self.col(k, v)] = l[v];
                x_u[self.col(k, v)] = u[v];
            }
        }
    }

    fn initial_point(&self, x: &mut [f64]) {
        let ny = self.ny();
        x[ny..].fill(0.0);
        for (k, b) in self.batches.iter().enumerate() {
            let mut xk = vec![0.0; b.num_vars()];
            b.initial_point(&mut xk);
            let nyk = self.y_off[k + 1] - self.y_off[k];
            x[self.y_off[k]..self.y_off[k + 1]].copy_from_slice(&xk[..nyk]);
            // θ starts at the batches' mean start (identical when they share one network).
            for (t, s) in x[ny..].iter_mut().zip(&xk[nyk..]) {
                *t += s / self.batches.len() as f64;
            }
        }
    }

    fn objective(&self, x: &[f64]) -> f64 {
        let mut buf = Vec::new();
        (0..self.batches.len())
            .map(|k| {
                self.local(k, x, &mut buf);
                self.batches[k].objective(&buf)
            })
            .sum()
    }

    fn gradient(&self, x: &[f64], grad: &mut [f64]) {
        grad.fill(0.0);
        let mut buf = Vec::new();
        let mut gk = Vec::new();
        for (k, b) in self.batches.iter().enumerate() {
            self.local(k, x, &mut buf);
            gk.resize(buf.len(), 0.0);
            b.gradient(&buf, &mut gk);
            for (v, g) in gk.iter().enumerate() {
                grad[self.col(k, v)] += g;
            }
        }
    }

    fn constraints(&self, x: &[f64], g: &mut [f64]) {
        self.each(x, g, &self.cons_len, |k, xk, gk| {
            self.batches[k].constraints(xk, gk)
        });
    }

    fn jacobian_structure(&self) -> Vec<(usize, usize)> {
        let mut st = Vec::new();
        for (k, b) in self.batches.iter().enumerate() {
            st.extend(
                b.jacobian_structure()
                    .into_iter()
                    .map(|(r, c)| (self.g_off[k] + r, self.col(k, c))),
            );
        }
        st
    }

    fn jacobian_values(&self, x: &[f64], vals: &mut [f64]) {
        self.each(x, vals, &self.jac_len, |k, xk, vk| {
            self.batches[k].jacobian_values(xk, vk)
        });
    }

    fn hessian_structure(&self) -> Option<Vec<(usize, usize)>> {
        let mut st = Vec::new();
        for (k, b) in self.batches.iter().enumerate() {
            st.extend(
                b.hessian_structure()?
                    .into_iter()
                    .map(|(r, c)| (self.col(k, r), self.col(k, c))),
            );
        }
        Some(st)
    }

    fn hessian_values(&self, x: &[f64], obj_factor: f64, lambda: &[f64], vals: &mut [f64]) {
        self.each(x, vals, &self.hess_len, |k, xk, vk| {
            let l = &lambda[self.g_off[k]..self.g_off[k + 1]];
            self.batches[k].hessian_values(xk, obj_factor, l, vk)
        });
    }
}
