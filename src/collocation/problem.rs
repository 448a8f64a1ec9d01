//! [`CollocationNlp`]: simultaneous training of a neural vector field as one nonlinear program
//! (Tsay & Shapovalova 2025; SCIENCE.md §3).

use super::error::CollocationError;
use super::hessian::OneHidden;
use super::nodes::Nodes;
use super::smoother::{default_bandwidth, epanechnikov_smooth};
use crate::nlp::Nlp;
use crate::nn::{Mlp, MlpField};
use std::sync::{Mutex, MutexGuard};

/// Where the NLP's second derivatives come from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum HessianMode {
    /// Exact Hessian of the Lagrangian (default). Needs a one-hidden-layer MLP with identity
    /// output; other networks are rejected with [`CollocationError::UnsupportedHessian`].
    #[default]
    Exact,
    /// No Hessian: [`Nlp::hessian_structure`] returns `None`, so the solver uses its
    /// limited-memory quasi-Newton approximation. Any MLP depth.
    QuasiNewton,
}

/// Options of [`CollocationNlp`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CollocationConfig {
    /// Weight decay λ of the objective `(1/N) Σ‖y_i − y_obs,i‖² + λ‖θ‖²` (default 1e-4).
    pub lambda: f64,
    /// Optional box `|y_i,a| ≤ state_bound` on every state variable (default `None`).
    pub state_bound: Option<f64>,
    /// Optional box `|θ_p| ≤ param_bound` on every network parameter (default `None`).
    pub param_bound: Option<f64>,
    /// Hessian source (default [`HessianMode::Exact`]).
    pub hessian: HessianMode,
    /// Kernel-smoother bandwidth as a multiple of the mean node spacing (default 5; see
    /// [`default_bandwidth`]).
    pub bandwidth_factor: f64,
    /// Starting θ = `init_scale` × the network's (seeded Glorot) parameters (default 0.1).
    pub init_scale: f64,
    /// Fit only the observations at nodes `t_i ≤ fit_until` (default `None`: all): the data
    /// term becomes `(1/N_fit) Σ_{t_i ≤ fit_until} ‖y_i − y_obs,i‖²`, the later nodes keep
    /// their ODE constraints but no data, so their observations can validate the model
    /// (a held-out tail of the training window).
    pub fit_until: Option<f64>,
}

impl Default for CollocationConfig {
    fn default() -> Self {
        CollocationConfig {
            lambda: 1e-4,
            state_bound: None,
            param_bound: None,
            hessian: HessianMode::Exact,
            bandwidth_factor: 5.0,
            init_scale: 0.1,
            fit_until: None,
        }
    }
}

/// Precomputed positions of the sparse exact Hessian.
#[derive(Clone, Debug)]
struct HessLayout {
    oh: OneHidden,
    /// Start of the y–θ entries of node 1 (node i at `yth_start + (i−1)·d·h·s`).
    yth_start: usize,
    /// Start of the θ–θ unit blocks (lower triangles, unit after unit).
    thth_start: usize,
    /// Position of each θ diagonal entry in the value array.
    theta_diag: Vec<usize>,
    structure: Vec<(usize, usize)>,
}

/// The collocation NLP on `N` nodes for a state of dimension `d` and an MLP with `n_θ`
/// parameters.
///
/// Variables `x = (y_0, …, y_{N−1}, θ)` (node states row-major, then θ in the MLP layout);
/// constraints, row `i·d + a`: `y_0,a − y_obs,0,a = 0` for `i = 0` and
/// `Σ_j D_ij y_j,a − f_θ,a(t_i, y_i) = 0` for `i ≥ 1`; objective
/// `(1/N) Σ_i ‖y_i − y_obs,i‖² + λ‖θ‖²`. Exact sparse Jacobian; exact lower-triangular Hessian
/// of the Lagrangian in [`HessianMode::Exact`] (state blocks `d × d` per node, their coupling
/// to θ, and the θ–θ part, which for one hidden layer is block diagonal over hidden units).
#[derive(Debug)]
pub struct CollocationNlp {
    nodes: Nodes,
    d: usize,
    dmat: Vec<f64>,
    y_obs: Vec<f64>,
    mlp: Mutex<Mlp>,
    n_theta: usize,
    config: CollocationConfig,
    /// Whether each node's observation enters the data term (see `fit_until`).
    fitted: Vec<bool>,
    /// Number of fitted nodes `N_fit`.
    n_fit: usize,
    x0: Vec<f64>,
    hess: Option<HessLayout>,
    jac_nnz: usize,
}

impl CollocationNlp {
    /// Build the NLP from the nodes, the observations at the nodes (row-major `N × d`), a
    /// network whose architecture (and, scaled by `init_scale`, initial θ) is used, and the
    /// options. The starting states are the Epanechnikov smoother of the observations.
    ///
    /// Errors: [`CollocationError::NotAVectorField`], [`CollocationError::Length`],
    /// [`CollocationError::InvalidOption`] (negative λ, non-positive bounds),
    /// [`CollocationError::UnsupportedHessian`] in exact mode for other than one hidden layer.
    pub fn new(
        nodes: Nodes,
        y_obs: &[f64],
        mlp: Mlp,
        config: CollocationConfig,
    ) -> Result<Self, CollocationError> {
        let d = mlp.d_in();
        if mlp.d_out() != d {
            return Err(CollocationError::NotAVectorField {
                d_in: d,
                d_out: mlp.d_out(),
            });
        }
        let n = nodes.len();
        if y_obs.len() != n * d {
            return Err(CollocationError::Length {
                what: "observations (N × d)",
                expected: n * d,
                got: y_obs.len(),
            });
        }
        if !(config.lambda.is_finite() && config.lambda >= 0.0) {
            return Err(CollocationError::InvalidOption {
                name: "lambda",
                value: config.lambda,
                expected: "finite and >= 0",
            });
        }
        for (name, b) in [
            ("state_bound", config.state_bound),
            ("param_bound", config.param_bound),
        ] {
            if let Some(b) = b {
                if b.is_nan() || b <= 0.0 {
                    return Err(CollocationError::InvalidOption {
                        name,
                        value: b,
                        expected: "> 0",
                    });
                }
            }
        }
        if !config.init_scale.is_finite() {
            return Err(CollocationError::InvalidOption {
                name: "init_scale",
                value: config.init_scale,
                expected: "finite",
            });
        }
        let fitted = |t: f64| config.fit_until.is_none_or(|u| t <= u);
        let n_fit = nodes.times().iter().filter(|&&t| fitted(t)).count();
        if n_fit == 0 || config.fit_until.is_some_and(|u| !u.is_finite()) {
            return Err(CollocationError::InvalidOption {
                name: "fit_until",
                value: config.fit_until.unwrap_or(f64::NAN),
                expected: "finite and >= the first node",
            });
        }
        let fitted: Vec<bool> = nodes.times().iter().map(|&t| fitted(t)).collect();
        let h = default_bandwidth(nodes.times(), config.bandwidth_factor)?;
        let mut x0 = epanechnikov_smooth(nodes.times(), y_obs, d, nodes.times(), h)?;
        x0.extend(mlp.params().iter().map(|p| config.init_scale * p));
        let n_theta = mlp.n_params();
        let hess = match config.hessian {
            HessianMode::Exact => Some(Self::hess_layout(OneHidden::new(&mlp)?, n, d, n_theta)),
            HessianMode::QuasiNewton => None,
        };
        let dmat = nodes.diff_matrix();
        let jac_nnz = d + (n - 1) * d * ((n - 1) + d + n_theta);
        Ok(CollocationNlp {
            nodes,
            d,
            dmat,
            y_obs: y_obs.to_vec(),
            mlp: Mutex::new(mlp),
            n_theta,
            config,
            fitted,
            n_fit,
            x0,
            hess,
            jac_nnz,
        })
    }

    fn hess_layout(oh: OneHidden, n: usize, d: usize, n_theta: usize) -> HessLayout {
        let off = n * d;
        let s = oh.unit_size();
        let mut st = Vec::new();
        for i in 0..n {
            for a in 0..d {
                for b in 0..=a {
                    st.push((i * d + a, i * d + b));
                }
            }
        }
        let yth_start = st.len();
        for i in 1..n {
            for a in 0..d {
                for j in 0..oh.h {
                    for loc in 0..s {
                        st.push((off + oh.unit_param(j, loc), i * d + a));
                    }
                }
            }
        }
        let thth_start = st.len();
        let mut theta_diag = vec![usize::MAX; n_theta];
        for j in 0..oh.h {
            for p in 0..s {
                for q in 0..=p {
                    let (gp, gq) = (oh.unit_param(j, p), oh.unit_param(j, q));
                    if gp == gq {
                        theta_diag[gp] = st.len();
                    }
                    st.push((off + gp.max(gq), off + gp.min(gq)));
                }
            }
        }
        for (p, pos) in theta_diag.iter_mut().enumerate() {
            if *pos == usize::MAX {
                *pos = st.len();
                st.push((off + p, off + p));
            }
        }
        HessLayout {
            oh,
            yth_start,
            thth_start,
            theta_diag,
            structure: st,
        }
    }

    /// The collocation nodes.
    pub fn nodes(&self) -> &Nodes {
        &self.nodes
    }

    /// State dimension `d`.
    pub fn dim(&self) -> usize {
        self.d
    }

    /// Number of network parameters `n_θ`.
    pub fn n_theta(&self) -> usize {
        self.n_theta
    }

    /// The options in use.
    pub fn config(&self) -> &CollocationConfig {
        &self.config
    }

    /// The node states of a variable vector (row-major `N × d`).
    ///
    /// Errors: [`CollocationError::Length`] if `x.len() != num_vars()`.
    pub fn states<'x>(&self, x: &'x [f64]) -> Result<&'x [f64], CollocationError> {
        self.check_x(x)?;
        Ok(&x[..self.nodes.len() * self.d])
    }

    /// The network with θ taken from a variable vector (e.g. the solver's solution).
    ///
    /// Errors: [`CollocationError::Length`] if `x.len() != num_vars()`.
    pub fn mlp_from(&self, x: &[f64]) -> Result<Mlp, CollocationError> {
        self.check_x(x)?;
        let mut m = self.lock().clone();
        m.set_params(&x[self.nodes.len() * self.d..])?;
        Ok(m)
    }

    /// The network with θ from `x` as a const-dimension vector field for the ODE solvers.
    ///
    /// Errors: as [`mlp_from`](Self::mlp_from), plus a dimension error if `D != d`.
    pub fn field_from<const D: usize>(&self, x: &[f64]) -> Result<MlpField<D>, CollocationError> {
        Ok(self.mlp_from(x)?.into_field::<D>()?)
    }

    fn check_x(&self, x: &[f64]) -> Result<(), CollocationError> {
        if x.len() != self.num_vars() {
            return Err(CollocationError::Length {
                what: "variable vector",
                expected: self.num_vars(),
                got: x.len(),
            });
        }
        Ok(())
    }

    fn lock(&self) -> MutexGuard<'_, Mlp> {
        self.mlp.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Lock the network and load θ from `x`.
    fn net(&self, x: &[f64]) -> MutexGuard<'_, Mlp> {
        let mut m = self.lock();
        m.params_mut()
            .copy_from_slice(&x[self.nodes.len() * self.d..]);
        m
    }
}

impl Nlp for CollocationNlp {
    fn num_vars(&self) -> usize {
        self.nodes.len() * self.d + self.n_theta
    }

    fn num_cons(&self) -> usize {
        self.nodes.len() * self.d
    }

    /// The node states: their Jacobian block (the differentiation matrix with the initial
    /// condition row, minus the field's state Jacobian at each node) is square.
    fn dependent_variables(&self) -> Option<Vec<usize>> {
        Some((0..self.nodes.len() * self.d).collect())
    }

    fn bounds(&self, x_l: &mut [f64], x_u: &mut [f64], g_l: &mut [f64], g_u: &mut [f64]) {
        let ny = self.nodes.len() * self.d;
        let sb = self.config.state_bound.unwrap_or(f64::INFINITY);
        let pb = self.config.param_bound.unwrap_or(f64::INFINITY);
        for (k, (l, u)) in x_l.iter_mut().zip(x_u.iter_mut()).enumerate() {
            let b = if k < ny { sb } else { pb };
            *l = -b;
            *u = b;
        }
        g_l.fill(0.0);
        g_u.fill(0.0);
    }

    fn initial_point(&self, x: &mut [f64]) {
        x.copy_from_slice(&self.x0);
    }

    fn objective(&self, x: &[f64]) -> f64 {
        let ny = self.nodes.len() * self.d;
        let fit: f64 = x[..ny]
            .iter()
            .zip(&self.y_obs)
            .enumerate()
            .filter(|(k, _)| self.fitted[k / self.d])
            .map(|(_, (y, o))| (y - o) * (y - o))
            .sum();
        let reg: f64 = x[ny..].iter().map(|p| p * p).sum();
        fit / self.n_fit as f64 + self.config.lambda * reg
    }

    fn gradient(&self, x: &[f64], grad: &mut [f64]) {
        let ny = self.nodes.len() * self.d;
        let c = 2.0 / self.n_fit as f64;
        for k in 0..ny {
            grad[k] = if self.fitted[k / self.d] {
                c * (x[k] - self.y_obs[k])
            } else {
                0.0
            };
        }
        for k in ny..x.len() {
            grad[k] = 2.0 * self.config.lambda * x[k];
        }
    }

    fn constraints(&self, x: &[f64], g: &mut [f64]) {
        let (n, d) = (self.nodes.len(), self.d);
        let m = self.net(x);
        let t = self.nodes.times();
        for a in 0..d {
            g[a] = x[a] - self.y_obs[a];
        }
        for i in 1..n {
            let row = &self.dmat[i * n..(i + 1) * n];
            let gi = &mut g[i * d..(i + 1) * d];
            // A dimension error is impossible here (checked at construction); a failure
            // leaves NaN so the solver sees an invalid evaluation rather than a panic.
            if m.eval_slice(t[i], &x[i * d..(i + 1) * d], gi).is_err() {
                gi.fill(f64::NAN);
            }
            for a in 0..d {
                let dy: f64 = row
                    .iter()
                    .enumerate()
                    .map(|(j, dij)| dij * x[j * d + a])
                    .sum();
                gi[a] = dy - gi[a];
            }
        }
    }

    fn jacobian_structure(&self) -> Vec<(usize, usize)> {
        let (n, d) = (self.nodes.len(), self.d);
        let off = n * d;
        let mut st = Vec::with_capacity(self.jac_nnz);
        for a in 0..d {
            st.push((a, a));
        }
        for i in 1..n {
            for a in 0..d {
                let r = i * d + a;
                for j in (0..n).filter(|&j| j != i) {
                    st.push((r, j * d + a));
                }
                for b in 0..d {
                    st.push((r, i * d + b));
                }
                for p in 0..self.n_theta {
                    st.push((r, off + p));
                }
            }
        }
        st
    }

    fn jacobian_values(&self, x: &[f64], vals: &mut [f64]) {
        let (n, d, nt) = (self.nodes.len(), self.d, self.n_theta);
        let m = self.net(x);
        let t = self.nodes.times();
        vals[..d].fill(1.0);
        let mut k = d;
        let mut e = vec![0.0; d];
        for i in 1..n {
            let yi = &x[i * d..(i + 1) * d];
            for a in 0..d {
                for j in (0..n).filter(|&j| j != i) {
                    vals[k] = self.dmat[i * n + j];
                    k += 1;
                }
                let (gy, rest) = vals[k..k + d + nt].split_at_mut(d);
                gy.fill(0.0);
                rest.fill(0.0);
                e.fill(0.0);
                e[a] = 1.0;
                if m.vjp_slice(t[i], yi, &e, gy, rest).is_err() {
                    gy.fill(f64::NAN);
                }
                for v in gy.iter_mut().chain(rest.iter_mut()) {
                    *v = -*v;
                }
                gy[a] += self.dmat[i * n + i];
                k += d + nt;
            }
        }
    }

    fn hessian_structure(&self) -> Option<Vec<(usize, usize)>> {
        self.hess.as_ref().map(|h| h.structure.clone())
    }

    fn hessian_values(&self, x: &[f64], obj_factor: f64, lambda: &[f64], vals: &mut [f64]) {
        let Some(hl) = self.hess.as_ref() else {
            return;
        };
        let (n, d) = (self.nodes.len(), self.d);
        let oh = &hl.oh;
        let s = oh.unit_size();
        let theta = &x[n * d..];
        let t = self.nodes.times();
        vals.fill(0.0);
        let mut thth = vec![0.0; oh.h * s * s];
        let mut yy = vec![0.0; d * d];
        let mut mu = vec![0.0; d];
        let per_node = d * oh.h * s;
        let cy = obj_factor * 2.0 / self.n_fit as f64;
        let tri = d * (d + 1) / 2;
        for i in 0..n {
            yy.fill(0.0);
            if i >= 1 {
                // g = D y − f, so the constraint curvature is that of −λᵢᵀ f.
                for a in 0..d {
                    mu[a] = -lambda[i * d + a];
                }
                let start = hl.yth_start + (i - 1) * per_node;
                let yth = &mut vals[start..start + per_node];
                oh.accumulate(
                    theta,
                    t[i],
                    &x[i * d..(i + 1) * d],
                    &mu,
                    &mut yy,
                    yth,
                    &mut thth,
                );
            }
            let mut k = i * tri;
            for a in 0..d {
                for b in 0..=a {
                    vals[k] = yy[a * d + b] + if a == b && self.fitted[i] { cy } else { 0.0 };
                    k += 1;
                }
            }
        }
        let mut k = hl.thth_start;
        for j in 0..oh.h {
            for p in 0..s {
                for q in 0..=p {
                    vals[k] = thth[(j * s + p) * s + q];
                    k += 1;
                }
            }
        }
        let ct = obj_factor * 2.0 * self.config.lambda;
        for &pos in &hl.theta_diag {
            vals[pos] += ct;
        }
    }
}
