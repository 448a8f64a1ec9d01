//! Scalar activation functions with their first and second derivatives.
//!
//! Every function is generic in `T: RealField + Copy`, so `f64`, `f32` and dual / hyper-dual
//! numbers go through the same code. The second derivative is provided for exact Hessians
//! (collocation training differentiates the network twice).

use crate::cst;
use nalgebra::RealField;
use serde::{Deserialize, Serialize};

/// An element-wise activation function σ.
///
/// Serialized in `snake_case` (`"tanh"`, `"softplus"`, `"relu"`, `"gelu"`, `"identity"`), the
/// spelling used by model files. The default is [`Activation::Identity`] (the usual output
/// activation).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Activation {
    /// `tanh(x)`: smooth, bounded, the classic neural-ODE choice.
    Tanh,
    /// `ln(1 + eˣ)`, evaluated stably as `x + ln_1p(e^{−x})` for `x > 0` and `ln_1p(eˣ)`
    /// otherwise (no overflow for large `|x|`, no cancellation for very negative `x`).
    Softplus,
    /// `max(x, 0)`. The derivative at exactly 0 is taken as 0; the second derivative is 0
    /// everywhere (the distributional delta at 0 is ignored).
    Relu,
    /// GELU in its **tanh approximation** (Hendrycks & Gimpel):
    /// `0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))`. This is not the exact erf form; the two
    /// differ by less than 1e-3 in value.
    Gelu,
    /// `x` (no nonlinearity).
    #[default]
    Identity,
}

/// `√(2/π)`, the GELU tanh-approximation scale.
const GELU_K: f64 = 0.797_884_560_802_865_4;
/// The cubic coefficient of the GELU tanh approximation.
const GELU_C: f64 = 0.044_715;

/// Numerically stable logistic sigmoid `1/(1 + e^{−x})`: never exponentiates a positive number.
#[inline]
fn sigmoid<T: RealField + Copy>(x: T) -> T {
    let one = T::one();
    if x >= T::zero() {
        one / (one + (-x).exp())
    } else {
        let e = x.exp();
        e / (one + e)
    }
}

impl Activation {
    /// All variants, in declaration order (handy for tests and command-line parsing).
    pub const ALL: [Activation; 5] = [
        Activation::Tanh,
        Activation::Softplus,
        Activation::Relu,
        Activation::Gelu,
        Activation::Identity,
    ];

    /// σ(x).
    #[inline]
    pub fn value<T: RealField + Copy>(self, x: T) -> T {
        match self {
            Activation::Tanh => x.tanh(),
            // Each branch is an exact formula for softplus (no `abs`/`max` kinks), so dual
            // numbers get the right derivative everywhere, including x = 0.
            Activation::Softplus => {
                if x > T::zero() {
                    x + (-x).exp().ln_1p()
                } else {
                    x.exp().ln_1p()
                }
            }
            Activation::Relu => {
                if x > T::zero() {
                    x
                } else {
                    T::zero()
                }
            }
            Activation::Gelu => {
                let u = cst::<T>(GELU_K) * (x + cst::<T>(GELU_C) * x * x * x);
                cst::<T>(0.5) * x * (T::one() + u.tanh())
            }
            Activation::Identity => x,
        }
    }

    /// σ'(x).
    #[inline]
    pub fn derivative<T: RealField + Copy>(self, x: T) -> T {
        match self {
            Activation::Tanh => {
                let th = x.tanh();
                T::one() - th * th
            }
            Activation::Softplus => sigmoid(x),
            Activation::Relu => {
                if x > T::zero() {
                    T::one()
                } else {
                    T::zero()
                }
            }
            Activation::Gelu => {
                let half = cst::<T>(0.5);
                let k = cst::<T>(GELU_K);
                let c = cst::<T>(GELU_C);
                let u = k * (x + c * x * x * x);
                let du = k * (T::one() + cst::<T>(3.0) * c * x * x);
                let th = u.tanh();
                let sech2 = T::one() - th * th;
                half * (T::one() + th) + half * x * sech2 * du
            }
            Activation::Identity => T::one(),
        }
    }

    /// σ''(x).
    #[inline]
    pub fn second_derivative<T: RealField + Copy>(self, x: T) -> T {
        match self {
            Activation::Tanh => {
                let th = x.tanh();
                cst::<T>(-2.0) * th * (T::one() - th * th)
            }
            // σ(x)·σ(−x) instead of σ(1−σ): no cancellation for large x.
            Activation::Softplus => sigmoid(x) * sigmoid(-x),
            Activation::Relu | Activation::Identity => T::zero(),
            Activation::Gelu => {
                let half = cst::<T>(0.5);
                let k = cst::<T>(GELU_K);
                let c = cst::<T>(GELU_C);
                let u = k * (x + c * x * x * x);
                let du = k * (T::one() + cst::<T>(3.0) * c * x * x);
                let d2u = k * cst::<T>(6.0) * c * x;
                let th = u.tanh();
                let sech2 = T::one() - th * th;
                sech2 * du + half * x * sech2 * (d2u - cst::<T>(2.0) * th * du * du)
            }
        }
    }

    /// σ'(x) given both the pre-activation `x` and the already computed `a = σ(x)`; cheaper
    /// than [`derivative`](Self::derivative) for tanh (`1 − a²`, no second `tanh`).
    #[inline]
    pub(crate) fn derivative_with_value<T: RealField + Copy>(self, x: T, a: T) -> T {
        match self {
            Activation::Tanh => T::one() - a * a,
            _ => self.derivative(x),
        }
    }
}
