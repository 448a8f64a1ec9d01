//! Joint training of an MLP field θ and a trainable explicit tableau φ on 3-state windows:
//! the experiment's names for the library objective [`TrkProblem`].

use crate::nn::MlpField;
use crate::train::{Objective, TimeSeries, TrainError, TrkProblem};
use crate::Tableau;

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
/// trainable tableau; parameters are θ (the field's) followed by φ (the tableau's). The
/// library's [`TrkProblem`] on an autonomous 3-state MLP field, without a stability penalty:
/// the tableau is always evaluated at the projection of φ onto `Σb = 1` and the gradient is
/// tangent to it, so Adam (which never projects) still only ever uses consistent schemes.
pub struct TrkNodeProblem<const S: usize>(TrkProblem<S, 3, MlpField<3>>);

impl<const S: usize> TrkNodeProblem<S> {
    /// Windows `data` (each solved from its first observation with steps of size `h`), field
    /// template `field` and initial scheme `init` (their parameters are the natural start,
    /// [`Self::initial_params`]).
    ///
    /// # Errors
    /// As [`TrkProblem::new`].
    pub fn new(
        field: MlpField<3>,
        init: &Tableau<S>,
        data: Vec<TimeSeries<3>>,
        h: f64,
    ) -> Result<Self, TrainError> {
        Ok(Self(
            TrkProblem::new(field, init, data, h)?.with_autonomous(true),
        ))
    }

    /// Length of θ.
    pub fn n_theta(&self) -> usize {
        self.0.n_theta()
    }

    /// θ of the template field followed by φ of the initial scheme.
    pub fn initial_params(&self) -> Vec<f64> {
        self.0.initial_params()
    }

    /// The field with θ from `params`.
    ///
    /// # Errors
    /// [`TrainError::ParamLength`].
    pub fn field_with(&self, params: &[f64]) -> Result<MlpField<3>, TrainError> {
        self.0.field_with(params)
    }

    /// The consistent scheme (φ projected onto `Σb = 1`) of `params`.
    ///
    /// # Errors
    /// As [`TrkProblem::tableau`].
    pub fn tableau(&self, params: &[f64]) -> Result<Tableau<S>, TrainError> {
        self.0.tableau(params)
    }
}

impl<const S: usize> Objective for TrkNodeProblem<S> {
    fn n_params(&self) -> usize {
        self.0.n_params()
    }

    fn n_samples(&self) -> usize {
        self.0.n_samples()
    }

    fn eval(&self, params: &[f64], batch: &[usize]) -> Result<(f64, Vec<f64>), TrainError> {
        self.0.eval(params, batch)
    }

    fn loss(&self, params: &[f64], batch: &[usize]) -> Result<f64, TrainError> {
        self.0.loss(params, batch)
    }
}
