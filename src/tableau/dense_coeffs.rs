//! Coefficients of the methods' own continuous extensions (dense output).

use crate::cst;
use nalgebra::RealField;

/// Hairer's DOPRI5 dense-output coefficients `d₁..d₇` (code DOPRI5, subroutine `CONTD5`;
/// `d₂ = 0`). With `r₅ = h Σ dᵢ kᵢ` the continuous solution is
/// `y + θ(Δ + (1−θ)(h k₁ − Δ + θ(2Δ − h(k₁ + k₇) + (1−θ) r₅)))`, `Δ = y⁺ − y`.
pub fn dopri5_d<T: RealField + Copy>() -> [T; 7] {
    [
        cst(-12715105075.0 / 11282082432.0),
        T::zero(),
        cst(87487479700.0 / 32700410799.0),
        cst(-10690763975.0 / 1880347072.0),
        cst(701980252875.0 / 199316789632.0),
        cst(-1453857185.0 / 822651844.0),
        cst(69997945.0 / 29380423.0),
    ]
}

/// Tsitouras' (2011) interpolation weights `bᵢ(θ) = rᵢ₁θ + rᵢ₂θ² + rᵢ₃θ³ + rᵢ₄θ⁴` of Tsit5, so
/// that `y(t + θh) = y + h Σ bᵢ(θ) kᵢ`. Coefficients as in OrdinaryDiffEq.jl's
/// `Tsit5Interp` (`r11 … r74`); at θ = 1 they reproduce Tsit5's `b`.
pub fn tsit5_b<T: RealField + Copy>(theta: T) -> [T; 7] {
    const R: [[f64; 4]; 7] = [
        [
            1.0,
            -2.763706197274826,
            2.9132554618219126,
            -1.0530884977290216,
        ],
        [0.0, 0.13169999999999998, -0.2234, 0.1017],
        [0.0, 3.9302962368947516, -5.941033872131505, 2.490627285651253],
        [0.0, -12.411077166933676, 30.33818863028232, -16.548102889244902],
        [0.0, 37.50931341651104, -88.1789048947664, 47.37952196281928],
        [0.0, -27.896526289197286, 65.09189467479366, -34.87065786149661],
        [0.0, 1.5, -4.0, 2.5],
    ];
    let mut out = [T::zero(); 7];
    for (o, r) in out.iter_mut().zip(R.iter()) {
        // Horner: θ(r1 + θ(r2 + θ(r3 + θ r4)))
        let p = cst::<T>(r[0]) + theta * (cst::<T>(r[1]) + theta * (cst::<T>(r[2]) + theta * cst::<T>(r[3])));
        *o = theta * p;
    }
    out
}
