//! Joint training of an MLP field θ and a trainable explicit tableau φ: the objective whose
//! gradients in θ and in φ both come from one discrete-adjoint pass
//! ([`gradient_with`], `∂L/∂(A, b, c)` mapped to φ by
//! [`TrainableTableau::grad_from_tableau`]).

use crate::experiments::trk_stability::tangent_to_consistency;
use crate::nn::MlpField;
use crate::sensitivity::{gradient_with, GradientError, GradientOptions, TimeDerivative};
use crate::train::{squared_error, Objective, TimeSeries, TrainError};
use crate::trainable::TrainableTableau;
use crate::{ParamField, Stepping, Tableau};
use rayon::prelude::*;

/// The starting scheme of TRK10: two classical RK4 half steps (8 stages, order 4, real
/// stability interval 2 × 2.785) followed by 2 spare stages with zero weight (each evaluates
/// `f` at the step's end state, `c = 1`), so training starts from a sound scheme and can put
/// weight on the spare stages.
pub fn rk4_twice_plus_two() -> Tableau<10> {
    let rk = Tableau::<4>::rk4();
    let mut a = [[0.0; 10]; 10];
    let mut c = [0.0; 10];
    let mut b = [0.0; 10];
    for half in 0..2 {
        let o = 4 * half;
        for i in 0..4 {
            for j in 0..4 {
                a[o + i][o + j] = 0.5 * rk.a[i][j];
            }
            for (j, v) in a[o + i].iter_mut().take(o).enumerate() {
                *v = b_half(&rk, j);
            }
            c[o + i] = 0.5 * half as f64 + 0.5 * rk.c[i];
            b[o + i] = 0.5 * rk.b[i];
        }
    }
    for row in a.iter_mut().skip(8) {
        for (j, v) in row.iter_mut().take(8).enumerate() {
            *v = b_half(&rk, j % 4);
        }
    }
    c[8] = 1.0;
    c[9] = 1.0;
    Tableau {
        a,
        b,
        c,
        b_hat: None,
        b_hat2: None,
        order: 4,
        embedded_order: None,
        fsal: false,
        interpolant: crate::tableau::Interpolant::Hermite,
        name: "rk4x2+2",
    }
}

fn b_half(rk: &Tableau<4>, j: usize) -> f64 {
    0.5 * rk.b[j % 4]
}

/// Mean squared forecast error over windows of observations, solved with fixed steps of the
/// trainable tableau; parameters are θ (the field's) followed by φ (the tableau's, length
/// [`TrainableTableau::N_PARAMS`]). The tableau is always evaluated at the projection of φ
/// onto `Σb = 1` and the gradient is tangent to it, so Adam (which never projects) still
/// only ever uses consistent schemes.
pub struct TrkNodeProblem<const S: usize> {
    field: MlpField<3>,
    template: TrainableTableau<S>,
    data: Vec<TimeSeries<3>>,
    h: f64,
}

fn config_err(e: impl std::fmt::Display) -> TrainError {
    TrainError::Optimizer(e.to_string())
}

impl<const S: usize> TrkNodeProblem<S> {
    /// Windows `data` (each solved from its first observation with steps of size `h`), field
    /// template `field` and initial scheme `init` (their parameters are the natural start,
    /// [`Self::initial_params`]).
    ///
    /// # Errors
    /// [`TrainError::Empty`] without windows; [`TrainError::Optimizer`] if `init` cannot be
    /// parameterised (not explicit, `c₁ ≠ 0`).
    pub fn new(
        field: MlpField<3>,
        init: &Tableau<S>,
        data: Vec<TimeSeries<3>>,
        h: f64,
    ) -> Result<Self, TrainError> {
        crate::train::validate_set(&data)?;
        let template = TrainableTableau::<S>::from_tableau(init, 1).map_err(config_err)?;
        Ok(Self {
            field,
            template,
            data,
            h,
        })
    }

    /// Length of θ.
    pub fn n_theta(&self) -> usize {
        self.field.params().len()
    }

    /// θ of the template field followed by φ of the initial scheme.
    pub fn initial_params(&self) -> Vec<f64> {
        let mut p = self.field.params().to_vec();
        p.extend_from_slice(self.template.params());
        p
    }

    /// The field with θ from `params`.
    ///
    /// # Errors
    /// [`TrainError::ParamLength`].
    pub fn field_with(&self, params: &[f64]) -> Result<MlpField<3>, TrainError> {
        self.check(params)?;
        let mut f = self.field.clone();
        f.params_mut().copy_from_slice(&params[..self.n_theta()]);
        Ok(f)
    }

    /// The consistent scheme (φ projected onto `Σb = 1`) of `params`.
    ///
    /// # Errors
    /// [`TrainError::ParamLength`]; [`TrainError::Optimizer`] for a non-finite φ.
    pub fn tableau(&self, params: &[f64]) -> Result<Tableau<S>, TrainError> {
        self.check(params)?;
        let mut trk = self.template.clone();
        trk.set_params(&params[self.n_theta()..])
            .and_then(|_| trk.project())
            .map_err(config_err)?;
        Ok(trk.tableau())
    }

    fn check(&self, params: &[f64]) -> Result<(), TrainError> {
        let expected = self.n_theta() + TrainableTableau::<S>::N_PARAMS;
        if params.len() == expected {
            Ok(())
        } else {
            Err(TrainError::ParamLength {
                what: "parameters (θ then φ)",
                expected,
                got: params.len(),
            })
        }
    }
}

impl<const S: usize> Objective for TrkNodeProblem<S> {
    fn n_params(&self) -> usize {
        self.n_theta() + TrainableTableau::<S>::N_PARAMS
    }

    fn n_samples(&self) -> usize {
        self.data.len()
    }

    fn eval(&self, params: &[f64], batch: &[usize]) -> Result<(f64, Vec<f64>), TrainError> {
        let f = self.field_with(params)?;
        let tab = self.tableau(params)?;
        let n_obs: usize = batch
            .iter()
            .filter_map(|&k| self.data.get(k))
            .map(|ts| ts.n_observed())
            .sum();
        if n_obs == 0 {
            return Err(TrainError::Empty("the batch observes no entry"));
        }
        let w = 1.0 / n_obs as f64;
        let nt = self.n_theta();
        let parts: Vec<(f64, Vec<f64>)> = batch
            .par_iter()
            .map(|&k| {
                let ts = self.data.get(k).ok_or(TrainError::InvalidOption {
                    name: "batch index",
                    value: k as f64,
                    expected: "< number of windows",
                })?;
                let opts = GradientOptions {
                    time: TimeDerivative::Autonomous,
                    ..GradientOptions::default()
                };
                let mut value = 0.0;
                let (_, g) = gradient_with(
                    &opts,
                    &tab,
                    &f,
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
                .map_err(|e| match e {
                    GradientError::Loss(e) => e,
                    GradientError::Sensitivity(source) => TrainError::Sensitivity {
                        trajectory: k,
                        source,
                    },
                })?;
                let mut grad = g.params;
                grad.extend(TrainableTableau::<S>::grad_from_tableau(
                    &g.tableau.a,
                    &g.tableau.b,
                    &g.tableau.c,
                ));
                Ok((value, grad))
            })
            .collect::<Result<_, TrainError>>()?;
        let mut value = 0.0;
        let mut grad = vec![0.0; params.len()];
        for (v, g) in parts {
            value += v;
            for (a, b) in grad.iter_mut().zip(&g) {
                *a += b;
            }
        }
        tangent_to_consistency(&mut grad[nt..], S);
        Ok((value, grad))
    }
}
