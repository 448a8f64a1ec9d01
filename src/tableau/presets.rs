//! Published Runge–Kutta tableaus as associated functions of [`Tableau`], plus a validated
//! constructor for user tableaus.
//!
//! Every preset is stored once as an `f64` tableau (rational coefficients written as `p / q`,
//! evaluated in `f64` and hence correctly rounded; irrational ones as the published decimal
//! expansions) and converted to the scalar `T` with `crate::cst`, so `f32`, `f64` and dual
//! numbers all get the same coefficients. Sources:
//!
//! * Euler, midpoint, Heun, Ralston, RK4, Kutta's 3/8 rule: Hairer, Nørsett & Wanner, *Solving
//!   ODEs I*, Sec. II.1; A. Ralston, Math. Comp. 16 (1962) 431–437.
//! * `bs3`: P. Bogacki & L. F. Shampine, "A 3(2) pair of Runge–Kutta formulas", Appl. Math.
//!   Lett. 2 (1989) 321–325 (as in scipy's `RK23`).
//! * `dopri5`: Hairer's `dopri5.f` (`CDOPRI`, Dormand & Prince 1980), embedded weights
//!   `b̂ = b − E` with Hairer's `E1..E7`.
//! * `tsit5`: Ch. Tsitouras, "Runge–Kutta pairs of order 5(4) satisfying only the first column
//!   simplifying assumption", Comput. Math. Appl. 62 (2011) 770–775, with the high-precision
//!   coefficients of OrdinaryDiffEq.jl (`tsit_tableaus.jl`).
//! * `dop853`: Hairer's `dop853.f` (Dormand & Prince 8(5,3)), coefficients to 30 digits.
#![allow(clippy::excessive_precision)] // the published digits are kept verbatim on purpose

use super::{Interpolant, Tableau, TableauError};
use nalgebra::RealField;

/// Convert an `f64` preset into scalar `T` (coefficient by coefficient, via `crate::cst`).
fn from_f64<const S: usize, T: RealField + Copy>(p: &Tableau<S, f64>) -> Tableau<S, T> {
    let cv = |x: f64| crate::cst::<T>(x);
    Tableau {
        a: p.a.map(|row| row.map(cv)),
        b: p.b.map(cv),
        c: p.c.map(cv),
        b_hat: p.b_hat.map(|v| v.map(cv)),
        b_hat2: p.b_hat2.map(|v| v.map(cv)),
        order: p.order,
        embedded_order: p.embedded_order,
        fsal: p.fsal,
        interpolant: p.interpolant,
        name: p.name,
    }
}

const EULER: Tableau<1, f64> = Tableau {
    a: [[0.0]],
    b: [1.0],
    c: [0.0],
    b_hat: None,
    b_hat2: None,
    order: 1,
    embedded_order: None,
    fsal: false,
    interpolant: Interpolant::Hermite,
    name: "euler",
};

const MIDPOINT: Tableau<2, f64> = Tableau {
    a: [[0.0, 0.0], [1.0 / 2.0, 0.0]],
    b: [0.0, 1.0],
    c: [0.0, 1.0 / 2.0],
    b_hat: None,
    b_hat2: None,
    order: 2,
    embedded_order: None,
    fsal: false,
    interpolant: Interpolant::Hermite,
    name: "midpoint",
};

const HEUN: Tableau<2, f64> = Tableau {
    a: [[0.0, 0.0], [1.0, 0.0]],
    b: [1.0 / 2.0, 1.0 / 2.0],
    c: [0.0, 1.0],
    b_hat: None,
    b_hat2: None,
    order: 2,
    embedded_order: None,
    fsal: false,
    interpolant: Interpolant::Hermite,
    name: "heun",
};

const RALSTON: Tableau<2, f64> = Tableau {
    a: [[0.0, 0.0], [2.0 / 3.0, 0.0]],
    b: [1.0 / 4.0, 3.0 / 4.0],
    c: [0.0, 2.0 / 3.0],
    b_hat: None,
    b_hat2: None,
    order: 2,
    embedded_order: None,
    fsal: false,
    interpolant: Interpolant::Hermite,
    name: "ralston",
};

const RK4: Tableau<4, f64> = Tableau {
    a: [
        [0.0, 0.0, 0.0, 0.0],
        [1.0 / 2.0, 0.0, 0.0, 0.0],
        [0.0, 1.0 / 2.0, 0.0, 0.0],
        [0.0, 0.0, 1.0, 0.0],
    ],
    b: [1.0 / 6.0, 1.0 / 3.0, 1.0 / 3.0, 1.0 / 6.0],
    c: [0.0, 1.0 / 2.0, 1.0 / 2.0, 1.0],
    b_hat: None,
    b_hat2: None,
    order: 4,
    embedded_order: None,
    fsal: false,
    interpolant: Interpolant::Hermite,
    name: "rk4",
};

const RK38: Tableau<4, f64> = Tableau {
    a: [
        [0.0, 0.0, 0.0, 0.0],
        [1.0 / 3.0, 0.0, 0.0, 0.0],
        [-1.0 / 3.0, 1.0, 0.0, 0.0],
        [1.0, -1.0, 1.0, 0.0],
    ],
    b: [1.0 / 8.0, 3.0 / 8.0, 3.0 / 8.0, 1.0 / 8.0],
    c: [0.0, 1.0 / 3.0, 2.0 / 3.0, 1.0],
    b_hat: None,
    b_hat2: None,
    order: 4,
    embedded_order: None,
    fsal: false,
    interpolant: Interpolant::Hermite,
    name: "rk38",
};

const BS3: Tableau<4, f64> = Tableau {
    a: [
        [0.0, 0.0, 0.0, 0.0],
        [1.0 / 2.0, 0.0, 0.0, 0.0],
        [0.0, 3.0 / 4.0, 0.0, 0.0],
        [2.0 / 9.0, 1.0 / 3.0, 4.0 / 9.0, 0.0],
    ],
    b: [2.0 / 9.0, 1.0 / 3.0, 4.0 / 9.0, 0.0],
    c: [0.0, 1.0 / 2.0, 3.0 / 4.0, 1.0],
    b_hat: Some([7.0 / 24.0, 1.0 / 4.0, 1.0 / 3.0, 1.0 / 8.0]),
    b_hat2: None,
    order: 3,
    embedded_order: Some(2),
    fsal: true,
    interpolant: Interpolant::Hermite,
    name: "bs3",
};

const DOPRI5_B: [f64; 7] = [
    35.0 / 384.0,
    0.0,
    500.0 / 1113.0,
    125.0 / 192.0,
    -2187.0 / 6784.0,
    11.0 / 84.0,
    0.0,
];

const DOPRI5: Tableau<7, f64> = Tableau {
    a: [
        [0.0; 7],
        [1.0 / 5.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        [3.0 / 40.0, 9.0 / 40.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        [44.0 / 45.0, -56.0 / 15.0, 32.0 / 9.0, 0.0, 0.0, 0.0, 0.0],
        [
            19372.0 / 6561.0,
            -25360.0 / 2187.0,
            64448.0 / 6561.0,
            -212.0 / 729.0,
            0.0,
            0.0,
            0.0,
        ],
        [
            9017.0 / 3168.0,
            -355.0 / 33.0,
            46732.0 / 5247.0,
            49.0 / 176.0,
            -5103.0 / 18656.0,
            0.0,
            0.0,
        ],
        DOPRI5_B,
    ],
    b: DOPRI5_B,
    c: [0.0, 1.0 / 5.0, 3.0 / 10.0, 4.0 / 5.0, 8.0 / 9.0, 1.0, 1.0],
    b_hat: Some([
        5179.0 / 57600.0,
        0.0,
        7571.0 / 16695.0,
        393.0 / 640.0,
        -92097.0 / 339200.0,
        187.0 / 2100.0,
        1.0 / 40.0,
    ]),
    b_hat2: None,
    order: 5,
    embedded_order: Some(4),
    fsal: true,
    interpolant: Interpolant::Dopri5,
    name: "dopri5",
};

const TSIT5_B: [f64; 7] = [
    0.09646076681806522951816731316512876333711995238157997181903319145764851595234062815396,
    0.01,
    0.4798896504144995747752495322905965199130404621990332488332634944254542060153074523509,
    1.379008574103741893192274821856872770756462643091360525934940067397245698027561293331,
    -3.290069515436080679901047585711363850115683290894936158531296799594813811049925401677,
    2.324710524099773982415355918398765796109060233222962411944060046314465391054716027841,
    0.0,
];

const TSIT5: Tableau<7, f64> = Tableau {
    a: [
        [0.0; 7],
        [0.161, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        [
            -0.008480655492356988544426874250230774675121177393430391537369234245294192976164141156943,
            0.3354806554923569885444268742502307746751211773934303915373692342452941929761641411569,
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
        ],
        [
            2.897153057105493432130432594192938764924887287701866490314866693455023795137503079289,
            -6.359448489975074843148159912383825625952700647415626703305928850207288721235210244366,
            4.362295432869581411017727318190886861027813359713760212991062156752264926097707165077,
            0.0,
            0.0,
            0.0,
            0.0,
        ],
        [
            5.325864828439256604428877920840511317836476253097040101202360397727981648835607691791,
            -11.74888356406282787774717033978577296188744178259862899288666928009020615663593781589,
            7.495539342889836208304604784564358155658679161518186721010132816213648793440552049753,
            -0.09249506636175524925650207933207191611349983406029535244034750452930469056411389539635,
            0.0,
            0.0,
            0.0,
        ],
        [
            5.861455442946420028659251486982647890394337666164814434818157239052507339770711679748,
            -12.92096931784710929170611868178335939541780751955743459166312250439928519268343184452,
            8.159367898576158643180400794539253485181918321135053305748355423955009222648673734986,
            -0.07158497328140099722453054252582973869127213147363544882721139659546372402303777878835,
            -0.02826905039406838290900305721271224146717633626879770007617876201276764571291579142206,
            0.0,
            0.0,
        ],
        TSIT5_B,
    ],
    b: TSIT5_B,
    c: [
        0.0,
        0.161,
        0.327,
        0.9,
        0.9800255409045096857298102862870245954942137979563024768854764293221195950761080302604,
        1.0,
        1.0,
    ],
    b_hat: Some([
        0.09468075576583945807478876255758922856117527357724631226139574065785592789071067303271,
        0.009183565540343253096776363936645313759813746240984095238905939532922955247253608687270,
        0.4877705284247615707855642599631228241516691959761363774365216240304071651579571959813,
        1.234297566930478985655109673884237654035539930748192848315425833500484878378061439761,
        -2.707712349983525454881109975059321670689605166938197378763992255714444407154902012702,
        1.866628418170587035753719399566211498666255505244122593996591602841258328965767580089,
        1.0 / 66.0,
    ]),
    b_hat2: None,
    order: 5,
    embedded_order: Some(4),
    fsal: true,
    interpolant: Interpolant::Tsit5,
    name: "tsit5",
};

// DOP853 (Hairer's dop853.f). Stages 1..12 of the 8th-order method; stage 12 is at c = 1 and
// the FSAL evaluation f(t + h, y⁺) of the Fortran code is *not* part of this 12-stage form.
const DOP853_B: [f64; 12] = [
    5.42937341165687622380535766363e-2,
    0.0,
    0.0,
    0.0,
    0.0,
    4.45031289275240888144113950566e0,
    1.89151789931450038304281599044e0,
    -5.8012039600105847814672114227e0,
    3.1116436695781989440891606237e-1,
    -1.52160949662516078556178806805e-1,
    2.01365400804030348374776537501e-1,
    4.47106157277725905176885569043e-2,
];

/// Hairer's 5th-order error weights `er1..er12` (`er2..er5 = 0`): `err5 = h Σ er_i k_i`.
const DOP853_ER: [f64; 12] = [
    0.1312004499419488073250102996e-01,
    0.0,
    0.0,
    0.0,
    0.0,
    -0.1225156446376204440720569753e+01,
    -0.4957589496572501915214079952e+00,
    0.1664377182454986536961530415e+01,
    -0.3503288487499736816886487290e+00,
    0.3341791187130174790297318841e+00,
    0.8192320648511571246570742613e-01,
    -0.2235530786388629525884427845e-01,
];

/// Hairer's third-order weights `bhh1, bhh2, bhh3` on stages 1, 9 and 12.
const DOP853_BHH: [f64; 12] = [
    0.244094488188976377952755905512e+00,
    0.0,
    0.0,
    0.0,
    0.0,
    0.0,
    0.0,
    0.0,
    0.733846688281611857341361741547e+00,
    0.0,
    0.0,
    0.220588235294117647058823529412e-01,
];

const DOP853_A: [[f64; 12]; 12] = [
    [0.0; 12],
    [
        5.26001519587677318785587544488e-2,
        0.0,
        0.0,
        0.0,
        0.0,
        0.0,
        0.0,
        0.0,
        0.0,
        0.0,
        0.0,
        0.0,
    ],
    [
        1.97250569845378994544595329183e-2,
        5.91751709536136983633785987549e-2,
        0.0,
        0.0,
        0.0,
        0.0,
        0.0,
        0.0,
        0.0,
        0.0,
        0.0,
        0.0,
    ],
    [
        2.95875854768068491816892993775e-2,
        0.0,
        8.87627564304205475450678981324e-2,
        0.0,
        0.0,
        0.0,
        0.0,
        0.0,
        0.0,
        0.0,
        0.0,
        0.0,
    ],
    [
        2.41365134159266685502369798665e-1,
        0.0,
        -8.84549479328286085344864962717e-1,
        9.24834003261792003115737966543e-1,
        0.0,
        0.0,
        0.0,
        0.0,
        0.0,
        0.0,
        0.0,
        0.0,
    ],
    [
        3.7037037037037037037037037037e-2,
        0.0,
        0.0,
        1.70828608729473871279604482173e-1,
        1.25467687566822425016691814123e-1,
        0.0,
        0.0,
        0.0,
        0.0,
        0.0,
        0.0,
        0.0,
    ],
    [
        3.7109375e-2,
        0.0,
        0.0,
        1.70252211019544039314978060272e-1,
        6.02165389804559606850219397283e-2,
        -1.7578125e-2,
        0.0,
        0.0,
        0.0,
        0.0,
        0.0,
        0.0,
    ],
    [
        3.70920001185047927108779319836e-2,
        0.0,
        0.0,
        1.70383925712239993810214054705e-1,
        1.07262030446373284651809199168e-1,
        -1.53194377486244017527936158236e-2,
        8.27378916381402288758473766002e-3,
        0.0,
        0.0,
        0.0,
        0.0,
        0.0,
    ],
    [
        6.24110958716075717114429577812e-1,
        0.0,
        0.0,
        -3.36089262944694129406857109825e0,
        -8.68219346841726006818189891453e-1,
        2.75920996994467083049415600797e1,
        2.01540675504778934086186788979e1,
        -4.34898841810699588477366255144e1,
        0.0,
        0.0,
        0.0,
        0.0,
    ],
    [
        4.77662536438264365890433908527e-1,
        0.0,
        0.0,
        -2.48811461997166764192642586468e0,
        -5.90290826836842996371446475743e-1,
        2.12300514481811942347288949897e1,
        1.52792336328824235832596922938e1,
        -3.32882109689848629194453265587e1,
        -2.03312017085086261358222928593e-2,
        0.0,
        0.0,
        0.0,
    ],
    [
        -9.3714243008598732571704021658e-1,
        0.0,
        0.0,
        5.18637242884406370830023853209e0,
        1.09143734899672957818500254654e0,
        -8.14978701074692612513997267357e0,
        -1.85200656599969598641566180701e1,
        2.27394870993505042818970056734e1,
        2.49360555267965238987089396762e0,
        -3.0467644718982195003823669022e0,
        0.0,
        0.0,
    ],
    [
        2.27331014751653820792359768449e0,
        0.0,
        0.0,
        -1.05344954667372501984066689879e1,
        -2.00087205822486249909675718444e0,
        -1.79589318631187989172765950534e1,
        2.79488845294199600508499808837e1,
        -2.85899827713502369474065508674e0,
        -8.87285693353062954433549289258e0,
        1.23605671757943030647266201528e1,
        6.43392746015763530355970484046e-1,
        0.0,
    ],
];

const DOP853_C: [f64; 12] = [
    0.0,
    0.526001519587677318785587544488e-01,
    0.789002279381515978178381316732e-01,
    0.118350341907227396726757197510e+00,
    0.281649658092772603273242802490e+00,
    0.333333333333333333333333333333e+00,
    0.25e+00,
    0.307692307692307692307692307692e+00,
    0.651282051282051282051282051282e+00,
    0.6e+00,
    0.857142857142857142857142857142e+00,
    1.0,
];

/// Subtract two weight vectors elementwise (usable in constants).
const fn sub12(x: [f64; 12], y: [f64; 12]) -> [f64; 12] {
    let mut out = [0.0; 12];
    let mut i = 0;
    while i < 12 {
        out[i] = x[i] - y[i];
        i += 1;
    }
    out
}

const DOP853: Tableau<12, f64> = Tableau {
    a: DOP853_A,
    b: DOP853_B,
    c: DOP853_C,
    // b − b̂ = er (Hairer's 5th-order error weights), so b̂ = b − er.
    b_hat: Some(sub12(DOP853_B, DOP853_ER)),
    // b − b̂₂ = b − bhh (Hairer's 3rd-order estimate), so b̂₂ = bhh.
    b_hat2: Some(DOP853_BHH),
    order: 8,
    embedded_order: Some(5),
    fsal: false,
    interpolant: Interpolant::Hermite,
    name: "dop853",
};

impl<T: RealField + Copy> Tableau<1, T> {
    /// Explicit (forward) Euler: one stage, order 1, no embedded pair, Hermite dense output.
    pub fn euler() -> Self {
        from_f64(&EULER)
    }
}

impl<T: RealField + Copy> Tableau<2, T> {
    /// Explicit midpoint rule (`c₂ = 1/2`, `b = (0, 1)`): order 2.
    pub fn midpoint() -> Self {
        from_f64(&MIDPOINT)
    }

    /// Heun's method, the explicit trapezoidal rule (`c₂ = 1`, `b = (1/2, 1/2)`): order 2.
    pub fn heun() -> Self {
        from_f64(&HEUN)
    }

    /// Ralston's second-order method (`c₂ = 2/3`, `b = (1/4, 3/4)`), minimal error bound.
    pub fn ralston() -> Self {
        from_f64(&RALSTON)
    }
}

impl<T: RealField + Copy> Tableau<4, T> {
    /// The classical fourth-order Runge–Kutta method (Kutta 1901): 4 stages, order 4.
    pub fn rk4() -> Self {
        from_f64(&RK4)
    }

    /// Kutta's 3/8 rule (`c = (0, 1/3, 2/3, 1)`, `b = (1, 3, 3, 1)/8`): 4 stages, order 4.
    pub fn rk38() -> Self {
        from_f64(&RK38)
    }

    /// Bogacki–Shampine 3(2): order 3 with an embedded order-2 solution, FSAL (the fourth
    /// stage is `f(t + h, y⁺)`), so 3 new evaluations per accepted step. Hermite dense output.
    pub fn bs3() -> Self {
        from_f64(&BS3)
    }
}

impl<T: RealField + Copy> Tableau<7, T> {
    /// Dormand–Prince 5(4) (Hairer's DOPRI5): order 5 with an embedded order-4 solution,
    /// FSAL, and Shampine's fourth-order continuous extension ([`Interpolant::Dopri5`], see
    /// [`super::interp_coeffs::dopri5_interp_b`]).
    pub fn dopri5() -> Self {
        from_f64(&DOPRI5)
    }

    /// Tsitouras 5(4) (2011): order 5 with an embedded order-4 solution, FSAL, and its own
    /// fourth-order interpolant ([`Interpolant::Tsit5`], see
    /// [`super::interp_coeffs::tsit5_interp_b`]). Coefficients are irrational; they are the
    /// high-precision decimals of OrdinaryDiffEq.jl, rounded to `f64`.
    pub fn tsit5() -> Self {
        from_f64(&TSIT5)
    }
}

impl<T: RealField + Copy> Tableau<12, T> {
    /// Hairer's DOP853 (Dormand–Prince 8(5,3)): 12 stages of order 8. Not FSAL in this form
    /// (the Fortran code's 13th evaluation `f(t + h, y⁺)` is the next step's first stage, but
    /// stage 12 here is not that evaluation). `b − b_hat` equals Hairer's fifth-order error
    /// weights `er1..er12` (`embedded_order = 5`); `b − b_hat2` is Hairer's `b − bhh`, the
    /// third-order estimate, combined as `E5² / sqrt(E5² + 0.01 E3²)`. Hermite dense output
    /// (DOP853's own 7th-order interpolant needs 3 extra stages and is not provided).
    pub fn dop853() -> Self {
        from_f64(&DOP853)
    }
}

impl<const S: usize, T: RealField + Copy> Tableau<S, T> {
    /// Build and validate a user tableau `(A, b, c)` without embedded pair.
    ///
    /// The result is named `"custom"`, is not FSAL, uses Hermite dense output, and has
    /// `order` set to the order actually achieved by `(A, b)` according to the order
    /// conditions ([`super::order::achieved_order`], trees up to
    /// [`super::order::MAX_TREE_ORDER`], tolerance `max(1e-12, 64 ε_T)` with `ε_T` the machine
    /// epsilon of `T`). Order 0 means not even `Σ b_i = 1` holds.
    ///
    /// # Errors
    /// Any [`TableauError`] of [`Tableau::validate`]: non-finite coefficients, a non-explicit
    /// `A`, or a row sum of `A` that differs from `c_i`.
    pub fn new_explicit(a: [[T; S]; S], b: [T; S], c: [T; S]) -> Result<Self, TableauError> {
        let mut tab = Tableau {
            a,
            b,
            c,
            b_hat: None,
            b_hat2: None,
            order: 0,
            embedded_order: None,
            fsal: false,
            interpolant: Interpolant::Hermite,
            name: "custom",
        };
        tab.validate()?;
        let tol = crate::cst::<T>(1e-12).max(crate::cst::<T>(64.0) * T::default_epsilon());
        tab.order = super::order::achieved_order(&tab, tol);
        Ok(tab)
    }
}
