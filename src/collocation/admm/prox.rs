//! [`Proximal`]: one ADMM batch NLP, a [`CollocationNlp`] plus the proximal term
//! `(ρ/2)‖θ − c‖²` (with `c = z − u` in scaled consensus ADMM), started from a given point.

use crate::collocation::CollocationNlp;
use crate::nlp::Nlp;

/// A [`CollocationNlp`] whose objective carries the extra proximal term `(ρ/2)‖θ − c‖²`.
///
/// Gradient `ρ(θ − c)` and Hessian `ρ I` on the θ block are exact: the Hessian structure is the
/// wrapped problem's followed by one diagonal entry per parameter (duplicates are summed, see
/// [`Nlp`]). The start point is `start` (the batch's previous solution: a warm start), not the
/// wrapped problem's kernel-smoother start.
#[derive(Clone, Copy, Debug)]
pub struct Proximal<'a> {
    nlp: &'a CollocationNlp,
    rho: f64,
    center: &'a [f64],
    start: &'a [f64],
}

impl<'a> Proximal<'a> {
    /// Wrap `nlp` with weight `rho` (≥ 0; 0 drops the term), centre `center` (length `n_θ`) and starting point
    /// `start` (length `num_vars`). Lengths are checked by the caller ([`super::Admm`]).
    pub(crate) fn new(
        nlp: &'a CollocationNlp,
        rho: f64,
        center: &'a [f64],
        start: &'a [f64],
    ) -> Self {
        debug_assert_eq!(center.len(), nlp.n_theta());
        debug_assert_eq!(start.len(), nlp.num_vars());
        Proximal {
            nlp,
            rho,
            center,
            start,
        }
    }

    /// Index of θ's first entry in the variable vector.
    fn off(&self) -> usize {
        self.nlp.num_vars() - self.nlp.n_theta()
    }
}

impl Nlp for Proximal<'_> {
    fn num_vars(&self) -> usize {
        self.nlp.num_vars()
    }

    fn num_cons(&self) -> usize {
        self.nlp.num_cons()
    }

    fn dependent_variables(&self) -> Option<Vec<usize>> {
        self.nlp.dependent_variables()
    }

    fn bounds(&self, x_l: &mut [f64], x_u: &mut [f64], g_l: &mut [f64], g_u: &mut [f64]) {
        self.nlp.bounds(x_l, x_u, g_l, g_u)
    }

    fn initial_point(&self, x: &mut [f64]) {
        x.copy_from_slice(self.start);
    }

    fn objective(&self, x: &[f64]) -> f64 {
        let prox: f64 = x[self.off()..]
            .iter()
            .zip(self.center)
            .map(|(t, c)| (t - c) * (t - c))
            .sum();
        self.nlp.objective(x) + 0.5 * self.rho * prox
    }

    fn gradient(&self, x: &[f64], grad: &mut [f64]) {
        self.nlp.gradient(x, grad);
        let off = self.off();
        for ((g, t), c) in grad[off..].iter_mut().zip(&x[off..]).zip(self.center) {
            *g += self.rho * (t - c);
        }
    }

    fn constraints(&self, x: &[f64], g: &mut [f64]) {
        self.nlp.constraints(x, g)
    }

    fn jacobian_structure(&self) -> Vec<(usize, usize)> {
        self.nlp.jacobian_structure()
    }

    fn jacobian_values(&self, x: &[f64], vals: &mut [f64]) {
        self.nlp.jacobian_values(x, vals)
    }

    fn hessian_structure(&self) -> Option<Vec<(usize, usize)>> {
        let mut st = self.nlp.hessian_structure()?;
        st.extend((self.off()..self.num_vars()).map(|k| (k, k)));
        Some(st)
    }

    fn hessian_values(&self, x: &[f64], obj_factor: f64, lambda: &[f64], vals: &mut [f64]) {
        let nt = self.nlp.n_theta();
        let (inner, diag) = vals.split_at_mut(vals.len() - nt);
        self.nlp.hessian_values(x, obj_factor, lambda, inner);
        diag.fill(obj_factor * self.rho);
    }
}
