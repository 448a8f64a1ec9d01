//! Joint training of a field θ and a trainable explicit tableau φ ([`TrkProblem`]): the
//! gradients in θ and in φ come from one discrete-adjoint pass ([`gradient_with`]), and
//! `∂L/∂(A, b, c)` is mapped to φ by [`TrainableTableau::grad_from_tableau`].

use super::error::{gradient_error, TrainError};
use super::loss::squared_error;
use super::node::NodeProblem;
use super::objective::{sum_parts, Objective};
use super::TimeSeries;
use crate::sensitivity::{gradient_with, GradientOptions, TimeDerivative};
use crate::trainable::{
    stability_penalty, tangent_to_consistency, Projection, StabilityPenalty, StabilitySamples,
    TrainableTableau,
};
use crate::{solve_at, ParamField, Stepping, Tableau, Trajectory};
use rayon::prelude::*;

/// The optional stability term `μ·P(A, b)` of a [`TrkProblem`]: `P` is
/// [`stability_penalty`] over `samples` (points `w = λh`), `μ = weight ≥ 0`.
#[derive(Clone, Debug, PartialEq)]
pub struct StabilityTerm {
    /// Weight `μ` of the penalty in the objective (dimensionless, ≥ 0).
    pub weight: f64,
    /// Where `|R(w)| ≤ 1` is asked for.
    pub samples: StabilitySamples,
}

/// Fit θ (the field's parameters) and φ (a trainable `S`-stage explicit tableau) to observed
/// trajectories, solved with fixed steps `h` of the trainable scheme.
///
/// Parameters: θ followed by φ (length [`TrainableTableau::N_PARAMS`]). The objective is the
/// masked MSE over the batch's observed entries plus, optionally, `μ·P` ([`StabilityTerm`]).
/// The tableau is always evaluated at the projection of φ onto `Σb = 1`
/// ([`TrainableTableau::project`]) and the φ-gradient is tangent to that constraint
/// ([`tangent_to_consistency`]), so it is the exact gradient of `L(θ, project(φ))`: Adam and
/// L-BFGS (through [`super::Cached`]) only ever use consistent schemes. Callers project φ after
/// each optimizer step ([`TrkProblem::project`]) to keep the stored φ on the constraint too.
///
/// `∂L/∂c` needs `∂f/∂t`: declare autonomous fields with [`TrkProblem::with_autonomous`]
/// (exact zero), otherwise it is a central difference (two extra evaluations per stage).
#[derive(Clone, Debug)]
pub struct TrkProblem<const S: usize, const D: usize, F> {
    node: NodeProblem<S, D, F>,
    template: TrainableTableau<S>,
    h: f64,
    autonomous: bool,
    stability: Option<StabilityTerm>,
}

impl<const S: usize, const D: usize, F> TrkProblem<S, D, F>
where
    F: ParamField<D, f64> + Clone + Send + Sync,
{
    /// Windows or trajectories `data` (each solved from its first observation with steps of
    /// size `h`), field template `field` and initial scheme `init` (their parameters are the
    /// natural start, [`Self::initial_params`]).
    ///
    /// # Errors
    /// [`TrainError::Empty`] without data; [`TrainError::InvalidOption`] for `h` not finite
    /// and > 0; [`TrainError::Tableau`] if `init` cannot be parameterised (not explicit,
    /// `c₁ ≠ 0`).
    pub fn new(
        field: F,
        init: &Tableau<S>,
        data: Vec<TimeSeries<D>>,
        h: f64,
    ) -> Result<Self, TrainError> {
        if !(h.is_finite() && h > 0.0) {
            return Err(TrainError::InvalidOption {
                name: "h",
                value: h,
                expected: "finite and > 0",
            });
        }
        let template = TrainableTableau::<S>::from_tableau(init, 1)?;
        let node = NodeProblem::new(template.tableau(), field, data, Stepping::Fixed(h))?;
        Ok(Self {
            node,
            template,
            h,
            autonomous: false,
            stability: None,
        })
    }

    /// Declare the field autonomous (`∂f/∂t ≡ 0`, so `∂L/∂c` needs no extra evaluations).
    /// Only declare it when true (default false: central differences in `t`).
    pub fn with_autonomous(mut self, autonomous: bool) -> Self {
        self.autonomous = autonomous;
        self
    }

    /// Add the stability penalty `μ·P` to the objective (default none).
    ///
    /// # Errors
    /// [`TrainError::InvalidOption`] for a weight that is not finite and ≥ 0.
    pub fn with_stability(mut self, term: StabilityTerm) -> Result<Self, TrainError> {
        if !(term.weight.is_finite() && term.weight >= 0.0) {
            return Err(TrainError::InvalidOption {
                name: "stability weight",
                value: term.weight,
                expected: "finite and ≥ 0",
            });
        }
        self.stability = Some(term);
        Ok(self)
    }

    /// Length of θ.
    pub fn n_theta(&self) -> usize {
        self.node.n_theta()
    }

    /// The step size `h`.
    pub fn h(&self) -> f64 {
        self.h
    }

    /// The data set.
    pub fn data(&self) -> &[TimeSeries<D>] {
        self.node.data()
    }

    /// θ of the template field followed by φ of the initial scheme.
    pub fn initial_params(&self) -> Vec<f64> {
        let mut p = self.node.initial_params();
        p.extend_from_slice(self.template.params());
        p
    }

    fn check(&self, params: &[f64]) -> Result<(), TrainError> {
        super::error::check_len(
            "parameters (θ then φ)",
            self.n_theta() + TrainableTableau::<S>::N_PARAMS,
            params.len(),
        )
    }

    /// The field with θ from `params`.
    ///
    /// # Errors
    /// [`TrainError::ParamLength`].
    pub fn field_with(&self, params: &[f64]) -> Result<F, TrainError> {
        self.check(params)?;
        self.node.field_with(&params[..self.n_theta()])
    }

    /// The trainable tableau holding φ of `params`, projected onto `Σb = 1`, and the
    /// projection's residuals.
    ///
    /// # Errors
    /// [`TrainError::ParamLength`]; [`TrainError::Tableau`] for a non-finite φ.
    pub fn trainable(
        &self,
        params: &[f64],
    ) -> Result<(TrainableTableau<S>, Projection), TrainError> {
        self.check(params)?;
        let mut trk = self.template.clone();
        trk.set_params(&params[self.n_theta()..])?;
        let proj = trk.project()?;
        Ok((trk, proj))
    }

    /// The consistent scheme (φ projected onto `Σb = 1`) of `params`.
    ///
    /// # Errors
    /// As [`Self::trainable`].
    pub fn tableau(&self, params: &[f64]) -> Result<Tableau<S>, TrainError> {
        Ok(self.trainable(params)?.0.tableau())
    }

    /// Replace φ in `params` by its projection onto `Σb = 1` (after an optimizer step) and
    /// return the residuals (`sum_b_residual` is `|Σb − 1|`, at rounding level).
    ///
    /// # Errors
    /// As [`Self::trainable`].
    pub fn project(&self, params: &mut [f64]) -> Result<Projection, TrainError> {
        let (trk, proj) = self.trainable(params)?;
        let nt = self.n_theta();
        params[nt..].copy_from_slice(trk.params());
        Ok(proj)
    }

    /// The stability penalty `P` (unweighted) at `params`, if the problem has one.
    ///
    /// # Errors
    /// As [`Self::trainable`]; [`TrainError::Tableau`] from the penalty.
    pub fn stability_penalty(
        &self,
        params: &[f64],
    ) -> Result<Option<StabilityPenalty<S>>, TrainError> {
        let Some(term) = &self.stability else {
            return Ok(None);
        };
        let tab = self.tableau(params)?;
        Ok(Some(stability_penalty(&tab.a, &tab.b, &term.samples)?))
    }

    /// Solve trajectory `index` with the scheme and field of `params`, saving at its
    /// observation times.
    ///
    /// # Errors
    /// [`TrainError::ParamLength`], [`TrainError::InvalidOption`] for an index out of range,
    /// [`TrainError::Solve`].
    pub fn predict(&self, params: &[f64], index: usize) -> Result<Trajectory<D>, TrainError> {
        let f = self.field_with(params)?;
        let tab = self.tableau(params)?;
        let ts = self.node.series(index)?;
        solve_at(
            &tab,
            &f,
            ts.t0(),
            ts.y0(),
            ts.times(),
            &Stepping::Fixed(self.h),
        )
        .map_err(|source| TrainError::Solve {
            trajectory: index,
            source,
        })
    }

    /// Gradient of trajectory `k`'s share of the data loss (weight `w` per observed entry)
    /// in θ and in `(A, b, c)` mapped to φ.
    fn part(
        &self,
        f: &F,
        tab: &Tableau<S>,
        k: usize,
        w: f64,
    ) -> Result<(f64, Vec<f64>), TrainError> {
        let ts = self.node.series(k)?;
        let opts = GradientOptions {
            time: if self.autonomous {
                TimeDerivative::Autonomous
            } else {
                TimeDerivative::CentralDifference
            },
            ..GradientOptions::default()
        };
        let mut value = 0.0;
        let (_, g) = gradient_with(
            &opts,
            tab,
            f,
            ts.t0(),
            ts.y0(),
            ts.times(),
            &Stepping::Fixed(self.h),
            |tr| {
                squared_error(&tr.y, ts.values(), ts.mask(), w).map(|lg| {
                    value = lg.value;
                    lg.dl_dy
                })
            },
        )
        .map_err(|e| gradient_error(k, e))?;
        let mut grad = g.params;
        grad.extend(TrainableTableau::<S>::grad_from_tableau(
            &g.tableau.a,
            &g.tableau.b,
            &g.tableau.c,
        ));
        Ok((value, grad))
    }
}

impl<const S: usize, const D: usize, F> Objective for TrkProblem<S, D, F>
where
    F: ParamField<D, f64> + Clone + Send + Sync,
{
    fn n_params(&self) -> usize {
        self.n_theta() + TrainableTableau::<S>::N_PARAMS
    }

    fn n_samples(&self) -> usize {
        self.data().len()
    }

    /// `MSE(batch) + μ·P` and its gradient (φ-part tangent to `Σb = 1`).
    fn eval(&self, params: &[f64], batch: &[usize]) -> Result<(f64, Vec<f64>), TrainError> {
        let f = self.field_with(params)?;
        let tab = self.tableau(params)?;
        let w = self.node.weight(batch)?;
        let parts: Vec<(f64, Vec<f64>)> = batch
            .par_iter()
            .map(|&k| self.part(&f, &tab, k, w))
            .collect::<Result<_, TrainError>>()?;
        let (mut value, mut grad) = sum_parts(params.len(), parts);
        let nt = self.n_theta();
        if let (Some(term), Some(pen)) = (&self.stability, self.stability_penalty(params)?) {
            value += term.weight * pen.value;
            let gp = TrainableTableau::<S>::grad_from_tableau(&pen.grad_a, &pen.grad_b, &[0.0; S]);
            for (g, p) in grad[nt..].iter_mut().zip(&gp) {
                *g += term.weight * p;
            }
        }
        tangent_to_consistency(&mut grad[nt..], S);
        Ok((value, grad))
    }

    /// The data term only (masked MSE on `batch`), without the stability penalty: what a
    /// run is judged by.
    fn loss(&self, params: &[f64], batch: &[usize]) -> Result<f64, TrainError> {
        let w = self.node.weight(batch)?;
        let mut value = 0.0;
        for &k in batch {
            let ts = self.node.series(k)?;
            let tr = self.predict(params, k)?;
            value += squared_error(&tr.y, ts.values(), ts.mask(), w)?.value;
        }
        Ok(value)
    }
}

/// The `S`-stage starting scheme that equals the `S0`-stage method `tab` (`S ≥ S0`): its
/// stages first, then `S − S0` spare stages at the step's end (`c = 1`, row `= b`, so each
/// evaluates `f` at the new state) with zero weight. Training starts from a sound scheme and
/// can put weight on the spare stages.
///
/// # Errors
/// [`TrainError::InvalidOption`] if `S < S0`.
#[allow(clippy::needless_range_loop)]
pub fn pad_stages<const S0: usize, const S: usize>(
    tab: &Tableau<S0>,
) -> Result<Tableau<S>, TrainError> {
    if S < S0 {
        return Err(TrainError::InvalidOption {
            name: "stages",
            value: S as f64,
            expected: "at least the initial method's number of stages",
        });
    }
    let mut a = [[0.0; S]; S];
    let mut b = [0.0; S];
    let mut c = [1.0; S];
    for i in 0..S {
        if i < S0 {
            a[i][..S0].copy_from_slice(&tab.a[i]);
            c[i] = tab.c[i];
            b[i] = tab.b[i];
        } else {
            a[i][..S0].copy_from_slice(&tab.b);
        }
    }
    Ok(Tableau {
        a,
        b,
        c,
        b_hat: None,
        b_hat2: None,
        order: tab.order,
        embedded_order: None,
        fsal: false,
        interpolant: crate::tableau::Interpolant::Hermite,
        name: "padded",
    })
}
