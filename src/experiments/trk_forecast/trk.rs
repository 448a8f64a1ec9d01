//! Joint training of an MLP field θ and a trainable explicit tableau φ on 3-state windows:
//! the experiment's names for the library objective [`TrkProblem`].

use crate::nn::MlpField;
use crate::train::{Objective, TimeSeries, TrainError, TrkProblem};
use crate::Tableau;

/// The starting scheme of TRK10: two classical RK4 half steps (8 stages, order 4, real
/// stability interval 2 × 2.785 in units of h/2) followed by 2 spare stages with zero weight
/// (each evaluates `f` at the step's end state, `c = 1`), so training starts from a sound
/// scheme and can put weight on the spare stages.
pub fn rk4_twice_plus_two() -> Tableau<10> {
    composed(&Tableau::<4>::rk4(), 2, 4, "rk4x2+2")
}

/// The alternative starting scheme of TRK10: five explicit-midpoint fifth steps (10 stages,
/// order 2, real stability interval 5 × 2 = 10 in units of h against RK4 halves' 5.57):
/// stable for `h·|λ| < 10`, i.e. at h = 0.4 for Lorenz-63's stiffest eigenvalue (≈ −22.8,
/// `h·|λ| ≈ 9.1`), where the RK4 halves (`h·|λ|/2 ≈ 4.6 > 2.785`) are not.
pub fn midpoint_five_times() -> Tableau<10> {
    composed(&Tableau::<2>::midpoint(), 5, 2, "midpoint×5")
}

/// A third starting scheme of TRK10: explicit Euler (all weight on the first stage, `b₁ = 1`)
/// with the nine other stages of [`midpoint_five_times`] carrying zero weight. At the start
/// the scheme is Euler, so the first (θ-only) stage regresses the one-step flow map like the
/// Euler model does; the joint L-BFGS stages can then move weight onto the midpoint stages,
/// whose stage states follow a stable (h·|λ| < 10) integration path.
pub fn euler_then_midpoint() -> Tableau<10> {
    let mut t = midpoint_five_times();
    t.b = [0.0; 10];
    t.b[0] = 1.0;
    t.order = 1;
    t.name = "euler+midpoint×5(0)";
    t
}

/// `n` substeps of size `1/n` of `rk` (K stages each, order `order`), then `S − nK` spare
/// stages with zero weight evaluating `f` at the step's end state (`c = 1`). Requires
/// `nK ≤ S` (the callers above are fixed).
fn composed<const K: usize, const S: usize>(
    rk: &Tableau<K>,
    n: usize,
    order: u8,
    name: &'static str,
) -> Tableau<S> {
    debug_assert!(n * K <= S && n >= 1);
    let w = 1.0 / n as f64;
    let mut a = [[0.0; S]; S];
    let mut c = [0.0; S];
    let mut b = [0.0; S];
    for (row, (a_row, c_row)) in a.iter_mut().zip(c.iter_mut()).enumerate() {
        // Substep of this stage (`n` for the spare stages) and its stage within the substep.
        let (sub, i) = if row < n * K {
            (row / K, row % K)
        } else {
            (n, 0)
        };
        for (col, v) in a_row.iter_mut().enumerate().take(n * K) {
            let (sub_j, j) = (col / K, col % K);
            if sub_j < sub {
                *v = w * rk.b[j];
            } else if sub_j == sub {
                *v = w * rk.a[i][j];
            }
        }
        *c_row = if sub < n {
            w * (sub as f64 + rk.c[i])
        } else {
            1.0
        };
        if sub < n {
            b[row] = w * rk.b[i];
        }
    }
    Tableau {
        a,
        b,
        c,
        b_hat: None,
        b_hat2: None,
        order,
        embedded_order: None,
        fsal: false,
        interpolant: crate::tableau::Interpolant::Hermite,
        name,
    }
}

/// Which scheme TRK10 starts from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrkInit {
    /// [`rk4_twice_plus_two`] (default for h ≤ 0.2).
    Rk4Halves,
    /// [`midpoint_five_times`].
    MidpointFifths,
    /// [`euler_then_midpoint`].
    EulerFirst,
}

impl TrkInit {
    /// The starting tableau.
    pub fn tableau(self) -> Tableau<10> {
        match self {
            TrkInit::Rk4Halves => rk4_twice_plus_two(),
            TrkInit::MidpointFifths => midpoint_five_times(),
            TrkInit::EulerFirst => euler_then_midpoint(),
        }
    }
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

#[cfg(test)]
mod tests {
    use super::{euler_then_midpoint, midpoint_five_times, rk4_twice_plus_two};
    use crate::Tableau;
    use approx::assert_relative_eq;

    /// Stability function `R(z) = 1 + z bᵀ Y`, `Y = 1 + z A Y` (explicit, so forward
    /// substitution), computed from the tableau's entries.
    fn r<const S: usize>(t: &Tableau<S>, z: f64) -> f64 {
        let mut y = [0.0; S];
        for i in 0..S {
            y[i] = 1.0 + z * (0..i).map(|j| t.a[i][j] * y[j]).sum::<f64>();
        }
        1.0 + z * (0..S).map(|i| t.b[i] * y[i]).sum::<f64>()
    }

    #[test]
    fn composed_schemes_are_their_substeps_repeated() {
        let (rk4, mid) = (rk4_twice_plus_two(), midpoint_five_times());
        for t in [&rk4, &mid] {
            t.validate().unwrap();
            assert_relative_eq!(t.b.iter().sum::<f64>(), 1.0, epsilon = 1e-15);
        }
        // RK4 halves use 8 stages; the two spare ones sit at the step's end with zero weight.
        assert_eq!(
            (rk4.c[8], rk4.c[9], rk4.b[8], rk4.b[9]),
            (1.0, 1.0, 0.0, 0.0)
        );
        // Midpoint fifths use all 10: the last substep's stages at c = 0.8 and 0.9.
        assert_relative_eq!(mid.c[8], 0.8, epsilon = 1e-15);
        assert_relative_eq!(mid.c[9], 0.9, epsilon = 1e-15);
        assert_eq!((mid.b[8], mid.b[9]), (0.0, 0.2));
        for z in [-9.0_f64, -4.5, -1.0, 0.3] {
            let w = z / 2.0;
            let rk4_half = 1.0 + w + w * w / 2.0 + w.powi(3) / 6.0 + w.powi(4) / 24.0;
            assert_relative_eq!(r(&rk4, z), rk4_half.powi(2), max_relative = 1e-13);
            let w = z / 5.0;
            assert_relative_eq!(
                r(&mid, z),
                (1.0 + w + w * w / 2.0).powi(5),
                max_relative = 1e-13
            );
        }
        // Lorenz' stiffest eigenvalue ≈ −22.8 at h = 0.4: midpoint fifths stable, RK4 halves not.
        let z = -22.8 * 0.4;
        assert!(r(&mid, z).abs() < 1.0 && r(&rk4, z).abs() > 1.0);
        // Euler first: consistent, and the stability function is Euler's 1 + z.
        let eu = euler_then_midpoint();
        eu.validate().unwrap();
        assert_eq!(eu.b.iter().sum::<f64>(), 1.0);
        for z in [-9.0_f64, -1.0, 0.3] {
            assert_relative_eq!(r(&eu, z), 1.0 + z, max_relative = 1e-15);
        }
    }
}
