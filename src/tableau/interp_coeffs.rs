//! Coefficients of the dense-output (continuous extension) formulas of DOPRI5 and Tsit5.
//!
//! Both are written as stage weights `b_i(θ)`, `θ ∈ [0, 1]`, such that inside an accepted step
//! `y(t + θh) ≈ y + h Σ_i b_i(θ) k_i`, with `k_7 = f(t + h, y⁺)` the FSAL stage. At `θ = 1`
//! the weights equal `b` (the interpolant passes through `y⁺`), at `θ = 0` they vanish.
#![allow(clippy::excessive_precision)] // the published digits are kept verbatim on purpose

use nalgebra::RealField;

/// Shampine's (1986) dense-output coefficients `d1..d7` of Hairer's DOPRI5 (`CDOPRI`,
/// used by `CONTD5`; `d2 = 0`). Dimensionless.
pub fn dopri5_dense_d<T: RealField + Copy>() -> [T; 7] {
    [
        -12715105075.0 / 11282082432.0,
        0.0,
        87487479700.0 / 32700410799.0,
        -10690763975.0 / 1880347072.0,
        701980252875.0 / 199316789632.0,
        -1453857185.0 / 822651844.0,
        69997945.0 / 29380423.0,
    ]
    .map(crate::cst::<T>)
}

/// DOPRI5's continuous extension as stage weights `b_i(θ)` (fourth order in `θh`).
///
/// Hairer's `CONTD5` evaluates `y + θ(Δ + θ'(B + θ(C + θ' D)))` with `θ' = 1 − θ`,
/// `Δ = hΣ b_i k_i`, `B = h k_1 − Δ`, `C = Δ − h k_7 − B`, `D = hΣ d_i k_i`; expanding in the
/// stages gives `b_i(θ) = θ(b_i + θ'((δ_i1 − b_i) + θ((2b_i − δ_i1 − δ_i7) + θ' d_i)))`.
pub fn dopri5_interp_b<T: RealField + Copy>(theta: T) -> [T; 7] {
    let b = super::Tableau::<7, T>::dopri5().b;
    let d = dopri5_dense_d::<T>();
    let one = T::one();
    let th1 = one - theta;
    let mut w = [T::zero(); 7];
    for i in 0..7 {
        let first = if i == 0 { one } else { T::zero() };
        let last = if i == 6 { one } else { T::zero() };
        let bspl = first - b[i];
        let c3 = b[i] - last - bspl;
        w[i] = theta * (b[i] + th1 * (bspl + theta * (c3 + th1 * d[i])));
    }
    w
}

/// Tsitouras' interpolant coefficients `r[i][j]`, so that `b_i(θ) = Σ_{j=0..3} r[i][j] θ^{j+1}`
/// (the expanded polynomials of Tsitouras 2011, high-precision values of OrdinaryDiffEq.jl's
/// `Tsit5Interp`).
pub fn tsit5_interp_r<T: RealField + Copy>() -> [[T; 4]; 7] {
    [
        [
            0.999999999999999974283372471559910888475488471328,
            -2.763706197274825911336735930481400260916070804192,
            2.91325546182191274375068099306808,
            -1.0530884977290216,
        ],
        [0.0, 0.13169999999999999727, -0.22339999999999999818, 0.1017],
        [
            0.0,
            3.93029623689475152850687446709813398,
            -5.94103387213150473470249202589458001,
            2.490627285651252793,
        ],
        [
            0.0,
            -12.411077166933676983734381540685453484102414134010752,
            30.3381886302823215981729903691836576,
            -16.54810288924490272,
        ],
        [
            0.0,
            37.50931341651103919496903965334519631242339792120440212,
            -88.1789048947664011014276693541209817,
            47.37952196281928122,
        ],
        [
            0.0,
            -27.896526289197287805948263144598643896,
            65.09189467479367152629021928716553658,
            -34.87065786149660974,
        ],
        [0.0, 1.5, -4.0, 2.5],
    ]
    .map(|row| row.map(crate::cst::<T>))
}

/// Tsit5's interpolant as stage weights `b_i(θ) = Σ_j r[i][j] θ^{j+1}` (Horner form).
pub fn tsit5_interp_b<T: RealField + Copy>(theta: T) -> [T; 7] {
    tsit5_interp_r::<T>().map(|r| theta * (r[0] + theta * (r[1] + theta * (r[2] + theta * r[3]))))
}

/// Derivative weights `b_i'(θ)`, so that `y'(t + θh) ≈ Σ_i b_i'(θ) k_i` (for dense output of
/// derivatives and Hermite-style checks).
pub fn tsit5_interp_db<T: RealField + Copy>(theta: T) -> [T; 7] {
    let (two, three, four) = (
        crate::cst::<T>(2.0),
        crate::cst::<T>(3.0),
        crate::cst::<T>(4.0),
    );
    tsit5_interp_r::<T>()
        .map(|r| r[0] + theta * (two * r[1] + theta * (three * r[2] + theta * four * r[3])))
}
