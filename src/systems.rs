//! Ready vector fields: classic test problems, some with closed-form solutions.
//!
//! Every system is generic in the scalar `T` and implements [`VectorField`]. Systems with a
//! closed-form solution also implement [`Exact`], used by the accuracy tests.

use crate::{cst, State, VectorField};
use nalgebra::{RealField, SMatrix};

/// A system whose solution is known in closed form.
pub trait Exact<const D: usize, T = f64> {
    /// The solution at `t` of the initial-value problem `y(t0) = y0`.
    fn exact(&self, t0: T, y0: &State<D, T>, t: T) -> State<D, T>;
}

/// Lorenz-63: `x' = σ(y − x)`, `y' = x(ρ − z) − y`, `z' = xy − βz`.
/// Default: the chaotic parameters σ = 10, ρ = 28, β = 8/3.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Lorenz63<T = f64> {
    /// Prandtl number σ.
    pub sigma: T,
    /// Rayleigh number ρ.
    pub rho: T,
    /// Geometric factor β.
    pub beta: T,
}

impl<T: RealField + Copy> Default for Lorenz63<T> {
    fn default() -> Self {
        Self {
            sigma: cst(10.0),
            rho: cst(28.0),
            beta: cst(8.0 / 3.0),
        }
    }
}

impl<T: RealField + Copy> VectorField<3, T> for Lorenz63<T> {
    #[inline(always)]
    fn eval(&self, _t: T, y: &State<3, T>) -> State<3, T> {
        State::<3, T>::new(
            self.sigma * (y[1] - y[0]),
            y[0] * (self.rho - y[2]) - y[1],
            y[0] * y[1] - self.beta * y[2],
        )
    }
}

/// Van der Pol oscillator, optionally forced:
/// `y₀' = y₁`, `y₁' = μ(1 − y₀²)y₁ − y₀ + A cos(ωt)`.
/// Default: μ = 1, unforced (A = 0, ω = 1). [`VanDerPol::forced`] gives the collocation case
/// study's A = 1, ω = 1.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct VanDerPol<T = f64> {
    /// Nonlinear damping μ.
    pub mu: T,
    /// Forcing amplitude A.
    pub amplitude: T,
    /// Forcing angular frequency ω (rad per time unit).
    pub omega: T,
}

impl<T: RealField + Copy> VanDerPol<T> {
    /// Unforced oscillator with damping μ.
    pub fn new(mu: T) -> Self {
        Self {
            mu,
            amplitude: T::zero(),
            omega: T::one(),
        }
    }
    /// Forced oscillator `… + cos(t)` with damping μ (SCIENCE.md §3).
    pub fn forced(mu: T) -> Self {
        Self {
            mu,
            amplitude: T::one(),
            omega: T::one(),
        }
    }
}

impl<T: RealField + Copy> Default for VanDerPol<T> {
    fn default() -> Self {
        Self::new(T::one())
    }
}

impl<T: RealField + Copy> VectorField<2, T> for VanDerPol<T> {
    #[inline(always)]
    fn eval(&self, t: T, y: &State<2, T>) -> State<2, T> {
        let force = if self.amplitude == T::zero() {
            T::zero()
        } else {
            self.amplitude * (self.omega * t).cos()
        };
        State::<2, T>::new(
            y[1],
            self.mu * (T::one() - y[0] * y[0]) * y[1] - y[0] + force,
        )
    }
}

/// Harmonic oscillator `y₀' = y₁`, `y₁' = −ω²y₀` (angular frequency ω, default 1).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Harmonic<T = f64> {
    /// Angular frequency ω.
    pub omega: T,
}

impl<T: RealField + Copy> Default for Harmonic<T> {
    fn default() -> Self {
        Self { omega: T::one() }
    }
}

impl<T: RealField + Copy> VectorField<2, T> for Harmonic<T> {
    #[inline(always)]
    fn eval(&self, _t: T, y: &State<2, T>) -> State<2, T> {
        State::<2, T>::new(y[1], -self.omega * self.omega * y[0])
    }
}

impl<T: RealField + Copy> Exact<2, T> for Harmonic<T> {
    fn exact(&self, t0: T, y0: &State<2, T>, t: T) -> State<2, T> {
        let w = self.omega;
        let (s, c) = (w * (t - t0)).sin_cos();
        State::<2, T>::new(y0[0] * c + y0[1] / w * s, -y0[0] * w * s + y0[1] * c)
    }
}

/// Dahlquist's linear test equation `y' = λy` (real λ, default −1).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LinearTest<T = f64> {
    /// Eigenvalue λ (1/time).
    pub lambda: T,
}

impl<T: RealField + Copy> Default for LinearTest<T> {
    fn default() -> Self {
        Self { lambda: -T::one() }
    }
}

impl<T: RealField + Copy> VectorField<1, T> for LinearTest<T> {
    #[inline(always)]
    fn eval(&self, _t: T, y: &State<1, T>) -> State<1, T> {
        y * self.lambda
    }
}

impl<T: RealField + Copy> Exact<1, T> for LinearTest<T> {
    fn exact(&self, t0: T, y0: &State<1, T>, t: T) -> State<1, T> {
        y0 * (self.lambda * (t - t0)).exp()
    }
}

/// Non-autonomous scalar problem `y' = −2t·y`, solution `y0·exp(−(t² − t0²))`: exercises the
/// nodes `c` of a tableau, which autonomous problems do not.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Gaussian;

impl<T: RealField + Copy> VectorField<1, T> for Gaussian {
    #[inline(always)]
    fn eval(&self, t: T, y: &State<1, T>) -> State<1, T> {
        y * (-(t + t))
    }
}

impl<T: RealField + Copy> Exact<1, T> for Gaussian {
    fn exact(&self, t0: T, y0: &State<1, T>, t: T) -> State<1, T> {
        y0 * (-(t * t - t0 * t0)).exp()
    }
}

/// Logistic growth `y' = r·y(1 − y/K)` (rate r, capacity K; default r = 1, K = 1), solution
/// `K / (1 + (K/y0 − 1)·exp(−r(t − t0)))`: a nonlinear problem with a closed form.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Logistic<T = f64> {
    /// Growth rate r (1/time).
    pub rate: T,
    /// Carrying capacity K.
    pub capacity: T,
}

impl<T: RealField + Copy> Default for Logistic<T> {
    fn default() -> Self {
        Self {
            rate: T::one(),
            capacity: T::one(),
        }
    }
}

impl<T: RealField + Copy> VectorField<1, T> for Logistic<T> {
    #[inline(always)]
    fn eval(&self, _t: T, y: &State<1, T>) -> State<1, T> {
        y.map(|v| self.rate * v * (T::one() - v / self.capacity))
    }
}

impl<T: RealField + Copy> Exact<1, T> for Logistic<T> {
    fn exact(&self, t0: T, y0: &State<1, T>, t: T) -> State<1, T> {
        let k = self.capacity;
        y0.map(|v| k / (T::one() + (k / v - T::one()) * (-self.rate * (t - t0)).exp()))
    }
}

/// Dense linear field `y' = M y` on `D` states (the network-sized benchmark field).
#[derive(Clone, Debug, PartialEq)]
pub struct DenseLinear<const D: usize, T = f64> {
    /// The matrix M.
    pub m: SMatrix<T, D, D>,
}

impl<const D: usize, T: RealField + Copy> DenseLinear<D, T> {
    /// A reproducible, contractive test matrix: `M = −I + 0.5·(W − Wᵀ)/√D + 0.1·S/√D`, with
    /// deterministic pseudo-random `W`, `S` in [−1, 1] from a fixed linear congruential
    /// sequence seeded by `seed`.
    pub fn test_matrix(seed: u64) -> Self {
        let mut state = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let mut next = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
        };
        let scale = 1.0 / (D as f64).sqrt();
        let mut w = [[0.0f64; D]; D];
        let mut s = [[0.0f64; D]; D];
        for i in 0..D {
            for j in 0..D {
                w[i][j] = next();
                s[i][j] = next();
            }
        }
        let m = SMatrix::<T, D, D>::from_fn(|i, j| {
            let diag = if i == j { -1.0 } else { 0.0 };
            cst(diag + 0.5 * scale * (w[i][j] - w[j][i]) + 0.1 * scale * s[i][j])
        });
        Self { m }
    }
}

impl<const D: usize, T: RealField + Copy> VectorField<D, T> for DenseLinear<D, T> {
    #[inline(always)]
    fn eval(&self, _t: T, y: &State<D, T>) -> State<D, T> {
        self.m * y
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    /// The closed forms solve their ODEs: central difference of `exact` equals `f`.
    fn check_exact<const D: usize, F: VectorField<D> + Exact<D>>(f: &F, y0: State<D>, t: f64) {
        let d = 1e-5;
        let fd = (f.exact(0.3, &y0, t + d) - f.exact(0.3, &y0, t - d)) / (2.0 * d);
        let y = f.exact(0.3, &y0, t);
        assert_relative_eq!(fd, f.eval(t, &y), max_relative = 1e-8, epsilon = 1e-9);
        assert_relative_eq!(f.exact(0.3, &y0, 0.3), y0, epsilon = 1e-15);
    }

    #[test]
    fn closed_forms_satisfy_their_odes() {
        check_exact(&Harmonic { omega: 1.7 }, State::<2>::new(0.4, -1.2), 2.1);
        check_exact(&LinearTest { lambda: -0.8 }, State::<1>::new(1.5), 1.4);
        check_exact(&Gaussian, State::<1>::new(2.0), 1.1);
        check_exact(
            &Logistic {
                rate: 1.3,
                capacity: 2.0,
            },
            State::<1>::new(0.1),
            3.0,
        );
    }

    #[test]
    fn lorenz_has_fixed_points_where_expected() {
        let l = Lorenz63::<f64>::default();
        let b: f64 = 8.0 / 3.0;
        let x = (b * 27.0).sqrt();
        let f = l.eval(0.0, &State::<3>::new(x, x, 27.0));
        assert!(f.norm() < 1e-12);
    }

    #[test]
    fn forced_vdp_includes_cosine() {
        let v = VanDerPol::<f64>::forced(1.0);
        let f = v.eval(std::f64::consts::PI, &State::<2>::new(0.0, 0.0));
        assert_relative_eq!(f[1], -1.0, epsilon = 1e-15);
    }
}
