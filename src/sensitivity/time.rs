//! `wᵀ ∂f/∂t`: the one derivative the discrete adjoint needs that [`ParamField`] does not
//! provide. It is only used for `∂L/∂c` (the nodes enter the solve only through the time
//! argument of `f`, `k_i = f(t + c_i h, ·)`).

use super::error::SensitivityError;
use crate::nn::MlpField;
use crate::{ParamField, State, VectorField};
use nalgebra::RealField;

/// Reverse-mode time derivative of a field: `wᵀ ∂f/∂t (t, y)`.
pub trait TimeVjp<const D: usize, T = f64> {
    /// `wᵀ ∂f/∂t` at `(t, y)`.
    fn time_vjp(&self, t: T, y: &State<D, T>, w: &State<D, T>) -> T;
}

/// How the discrete adjoint obtains `wᵀ ∂f/∂t` for `∂L/∂c`.
///
/// A general [`ParamField`] cannot tell whether it depends on `t`, so the plain
/// [`backward`](super::backward) uses [`TimeDerivative::Skip`]: `∂L/∂A`, `∂L/∂b`, `∂L/∂θ`,
/// `∂L/∂y0` are exact, and `∂L/∂c` is reported as NaN with
/// [`TableauGradStatus::NodesSkipped`](super::TableauGradStatus::NodesSkipped) rather than as
/// a silently wrong zero. Choose another variant with [`backward_with`](super::backward_with).
#[derive(Clone, Copy, Default)]
pub enum TimeDerivative<'a, const D: usize, T = f64> {
    /// Do not compute `∂L/∂c`: it is NaN (no extra cost). Default.
    #[default]
    Skip,
    /// The caller declares `f` autonomous (`∂f/∂t ≡ 0`), so `∂L/∂c = 0` exactly. Wrong for a
    /// time-dependent field: only declare it when true.
    Autonomous,
    /// Exact `wᵀ ∂f/∂t` from the caller (one call per stage per step), e.g. [`MlpTime`].
    Exact(&'a dyn TimeVjp<D, T>),
    /// Central difference `wᵀ (f(τ+δ, g) − f(τ−δ, g)) / 2δ` with `δ = ε^{1/3}·max(1, |τ|)`:
    /// two extra evaluations per stage, relative accuracy about `ε^{2/3}` (≈ 1e-10 in `f64`)
    /// for fields that vary on time scales ≳ 1. The fallback for fields without [`TimeVjp`].
    CentralDifference,
}

impl<const D: usize, T> std::fmt::Debug for TimeDerivative<'_, D, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            TimeDerivative::Skip => "Skip",
            TimeDerivative::Autonomous => "Autonomous",
            TimeDerivative::Exact(_) => "Exact(..)",
            TimeDerivative::CentralDifference => "CentralDifference",
        })
    }
}

impl<const D: usize, T: RealField + Copy> TimeDerivative<'_, D, T> {
    /// `wᵀ ∂f/∂t (τ, g)`, or `None` for [`TimeDerivative::Skip`].
    #[inline]
    pub(crate) fn eval<F: VectorField<D, T> + ?Sized>(
        &self,
        f: &F,
        tau: T,
        g: &State<D, T>,
        w: &State<D, T>,
    ) -> Option<T> {
        match self {
            TimeDerivative::Skip => None,
            TimeDerivative::Autonomous => Some(T::zero()),
            TimeDerivative::Exact(tv) => Some(tv.time_vjp(tau, g, w)),
            TimeDerivative::CentralDifference => {
                let eps = T::default_epsilon().powf(crate::cst(1.0 / 3.0));
                let d = eps * T::one().max(tau.abs());
                let (tp, tm) = (tau + d, tau - d);
                let df = f.eval(tp, g) - f.eval(tm, g);
                Some(w.dot(&df) / (tp - tm))
            }
        }
    }
}

/// Exact `wᵀ ∂f/∂t` of an [`MlpField`].
///
/// With time input, `t` enters layer `l` as `W_l[:, last]·t`, which is the same as a shift of
/// the bias by the time column; so `∂f/∂t = ∂f/∂θ · u` with `u` the vector that holds
/// `W_l[:, last]` at the bias positions of every layer and zero elsewhere. `time_vjp` is one
/// forward-mode pass (`Mlp::jvp_slice` with that `u`, about two evaluations). A network
/// without time input is autonomous and gives 0 at no cost.
///
/// Built once per backward pass (it copies `u`, one allocation); it borrows the field, so it
/// always matches the current θ.
pub struct MlpTime<'a, const D: usize, T: RealField + Copy = f64> {
    field: &'a MlpField<D, T>,
    u: Option<Vec<T>>,
}

impl<'a, const D: usize, T: RealField + Copy> MlpTime<'a, D, T> {
    /// Prepare the time direction of `field`.
    pub fn new(field: &'a MlpField<D, T>) -> Self {
        let mlp = field.mlp();
        if !mlp.time_input() {
            return Self { field, u: None };
        }
        let theta = mlp.params();
        let mut u = vec![T::zero(); theta.len()];
        for l in 0..mlp.n_layers() {
            if let Some((w, b)) = mlp.layer_param_ranges(l) {
                let n_out = b.len();
                let cols = w.len() / n_out;
                for i in 0..n_out {
                    u[b.start + i] = theta[w.start + i * cols + cols - 1];
                }
            }
        }
        Self { field, u: Some(u) }
    }

    /// Check that `self` was built for a field with `n` parameters.
    pub fn check(&self, n: usize) -> Result<(), SensitivityError> {
        let got = self.field.params().len();
        if got != n {
            return Err(SensitivityError::ParamLength {
                what: "MlpTime field vs backward field",
                expected: n,
                got,
            });
        }
        Ok(())
    }
}

impl<const D: usize, T: RealField + Copy> TimeVjp<D, T> for MlpTime<'_, D, T> {
    fn time_vjp(&self, t: T, y: &State<D, T>, w: &State<D, T>) -> T {
        let Some(u) = &self.u else {
            return T::zero();
        };
        let zero = State::<D, T>::zeros();
        match self.field.jvp(t, y, &zero, Some(u)) {
            Ok((_, jv)) => w.dot(&jv),
            Err(_) => T::zero() / T::zero(), // cannot happen: u has the field's length
        }
    }
}
