//! Hand-written reference loops for `benches/solve.rs`: plain `[f64; D]` arrays, tableau
//! coefficients written out as literals (copied from `src/tableau/presets.rs`), every stage
//! spelled out, no generics over the tableau, no `Option`s, no observer.
//!
//! The adaptive loops implement exactly the algorithm of `nodal::solve_adaptive` (Hairer's
//! DOPRI5 logic): scaled RMS error norm with `sk = atol + rtol·max(|y|, |y⁺|)`, PI controller
//! (β = 0.04, safety 0.9, factors in [0.2, 10], exponent `1/5 − 0.75β`, no growth right after
//! a rejection, rejection with the smallest factor for a non-finite error), Hairer's initial
//! step (`HINIT`), FSAL reuse, steps stretched by up to 1% to land on `t1`, the step-size
//! underflow test and the 100 000-attempt limit. The floating-point operations are performed
//! in the same order as nodal's kernel (`g = y + (h·a_i1)·k_1 + (h·a_i2)·k_2 + …`, zero
//! coefficients skipped, error `Σ (h·(b_i − b̂_i))·k_i`), so on the same problem the results
//! agree to round-off and the step sequences are identical. What nodal computes and these loops
//! do not: Shampine's stiffness estimate of every step (`Stats::max_stiffness`) and a scan of
//! `y⁺` for non-finite entries (here a non-finite `y⁺` shows up as a non-finite error norm).
#![allow(
    clippy::excessive_precision,
    clippy::needless_range_loop,
    clippy::too_many_arguments
)]

/// Counters of a hand-written solve, comparable with `nodal::Stats`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Function evaluations (including the initial-step heuristic).
    pub nfe: usize,
    /// Accepted steps.
    pub accepted: usize,
    /// Rejected steps.
    pub rejected: usize,
}

/// Lorenz-63 with σ = 10, ρ = 28, β = 8/3, written out (same expressions as
/// `nodal::systems::Lorenz63`).
#[inline(always)]
pub fn lorenz(y: &[f64; 3]) -> [f64; 3] {
    const SIGMA: f64 = 10.0;
    const RHO: f64 = 28.0;
    const BETA: f64 = 8.0 / 3.0;
    [
        SIGMA * (y[1] - y[0]),
        y[0] * (RHO - y[2]) - y[1],
        y[0] * y[1] - BETA * y[2],
    ]
}

/// A dense 64×64 linear field `y' = M y`, `M` stored column-major in plain arrays.
pub struct Dense64 {
    /// `cols[j][i] = M[i, j]`.
    pub cols: [[f64; 64]; 64],
}

impl Dense64 {
    /// Copy `M` given entry-wise (`m(i, j) = M[i, j]`).
    pub fn from_fn(m: impl Fn(usize, usize) -> f64) -> Self {
        let mut cols = [[0.0; 64]; 64];
        for (j, col) in cols.iter_mut().enumerate() {
            for (i, v) in col.iter_mut().enumerate() {
                *v = m(i, j);
            }
        }
        Self { cols }
    }

    /// `M x`, accumulated column by column (`y = M[:,0]·x_0`, then `y += M[:,j]·x_j`).
    #[inline(always)]
    pub fn eval(&self, x: &[f64; 64]) -> [f64; 64] {
        let mut y = [0.0; 64];
        let c0 = &self.cols[0];
        for i in 0..64 {
            y[i] = c0[i] * x[0];
        }
        for j in 1..64 {
            let (c, xj) = (&self.cols[j], x[j]);
            for i in 0..64 {
                y[i] += c[i] * xj;
            }
        }
        y
    }
}

/// Classical RK4 with fixed steps `h` from `t0` to `t1 > t0` (autonomous `f`): `⌈(t1 − t0)/h⌉`
/// steps (with nodal's 1e-10 relative round-off allowance), the last one ending exactly at
/// `t1`.
#[inline(always)]
pub fn rk4<const D: usize>(
    f: impl Fn(&[f64; D]) -> [f64; D],
    t0: f64,
    t1: f64,
    y0: [f64; D],
    h: f64,
) -> ([f64; D], Counts) {
    let n = ((t1 - t0) / h * (1.0 - 1e-10)).ceil().max(1.0) as usize;
    let mut y = y0;
    let mut g = [0.0; D];
    for i in 0..n {
        let t = t0 + h * i as f64;
        let hi = if i + 1 == n { t1 - t } else { h };
        let h2 = hi * 0.5;
        let k1 = f(&y);
        for d in 0..D {
            g[d] = y[d] + h2 * k1[d];
        }
        let k2 = f(&g);
        for d in 0..D {
            g[d] = y[d] + h2 * k2[d];
        }
        let k3 = f(&g);
        for d in 0..D {
            g[d] = y[d] + hi * k3[d];
        }
        let k4 = f(&g);
        let (w1, w2) = (hi * (1.0 / 6.0), hi * (1.0 / 3.0));
        for d in 0..D {
            y[d] = y[d] + w1 * k1[d] + w2 * k2[d] + w2 * k3[d] + w1 * k4[d];
        }
    }
    (
        y,
        Counts {
            nfe: 4 * n,
            accepted: n,
            rejected: 0,
        },
    )
}

/// One step of a 7-stage FSAL 5(4) pair: `(y⁺, f(y⁺), error vector)`.
pub struct StepOut<const D: usize> {
    /// The propagated solution.
    pub y_new: [f64; D],
    /// `f(y⁺)`, the first stage of the next step.
    pub k7: [f64; D],
    /// `h Σ (b_i − b̂_i) k_i`.
    pub err: [f64; D],
}

// Dormand–Prince 5(4) (Hairer's dopri5.f), from src/tableau/presets.rs.
const D21: f64 = 1.0 / 5.0;
const D31: f64 = 3.0 / 40.0;
const D32: f64 = 9.0 / 40.0;
const D41: f64 = 44.0 / 45.0;
const D42: f64 = -56.0 / 15.0;
const D43: f64 = 32.0 / 9.0;
const D51: f64 = 19372.0 / 6561.0;
const D52: f64 = -25360.0 / 2187.0;
const D53: f64 = 64448.0 / 6561.0;
const D54: f64 = -212.0 / 729.0;
const D61: f64 = 9017.0 / 3168.0;
const D62: f64 = -355.0 / 33.0;
const D63: f64 = 46732.0 / 5247.0;
const D64: f64 = 49.0 / 176.0;
const D65: f64 = -5103.0 / 18656.0;
const DB1: f64 = 35.0 / 384.0;
const DB3: f64 = 500.0 / 1113.0;
const DB4: f64 = 125.0 / 192.0;
const DB5: f64 = -2187.0 / 6784.0;
const DB6: f64 = 11.0 / 84.0;
const DE1: f64 = DB1 - 5179.0 / 57600.0;
const DE3: f64 = DB3 - 7571.0 / 16695.0;
const DE4: f64 = DB4 - 393.0 / 640.0;
const DE5: f64 = DB5 - -92097.0 / 339200.0;
const DE6: f64 = DB6 - 187.0 / 2100.0;
const DE7: f64 = 0.0 - 1.0 / 40.0;

/// One Dormand–Prince 5(4) step of size `h` from `y` with `k1 = f(y)` (6 evaluations).
#[inline(always)]
pub fn dopri5_step<const D: usize>(
    f: &impl Fn(&[f64; D]) -> [f64; D],
    y: &[f64; D],
    k1: &[f64; D],
    h: f64,
) -> StepOut<D> {
    let mut g = [0.0; D];
    let h21 = h * D21;
    for d in 0..D {
        g[d] = y[d] + h21 * k1[d];
    }
    let k2 = f(&g);
    let (h31, h32) = (h * D31, h * D32);
    for d in 0..D {
        g[d] = y[d] + h31 * k1[d] + h32 * k2[d];
    }
    let k3 = f(&g);
    let (h41, h42, h43) = (h * D41, h * D42, h * D43);
    for d in 0..D {
        g[d] = y[d] + h41 * k1[d] + h42 * k2[d] + h43 * k3[d];
    }
    let k4 = f(&g);
    let (h51, h52, h53, h54) = (h * D51, h * D52, h * D53, h * D54);
    for d in 0..D {
        g[d] = y[d] + h51 * k1[d] + h52 * k2[d] + h53 * k3[d] + h54 * k4[d];
    }
    let k5 = f(&g);
    let (h61, h62, h63, h64, h65) = (h * D61, h * D62, h * D63, h * D64, h * D65);
    for d in 0..D {
        g[d] = y[d] + h61 * k1[d] + h62 * k2[d] + h63 * k3[d] + h64 * k4[d] + h65 * k5[d];
    }
    let k6 = f(&g);
    let (b1, b3, b4, b5, b6) = (h * DB1, h * DB3, h * DB4, h * DB5, h * DB6);
    let mut y_new = [0.0; D];
    for d in 0..D {
        y_new[d] = y[d] + b1 * k1[d] + b3 * k3[d] + b4 * k4[d] + b5 * k5[d] + b6 * k6[d];
    }
    let k7 = f(&y_new);
    let (e1, e3, e4, e5, e6, e7) = (h * DE1, h * DE3, h * DE4, h * DE5, h * DE6, h * DE7);
    let mut err = [0.0; D];
    for d in 0..D {
        err[d] = e1 * k1[d] + e3 * k3[d] + e4 * k4[d] + e5 * k5[d] + e6 * k6[d] + e7 * k7[d];
    }
    StepOut { y_new, k7, err }
}

// Tsitouras 5(4) (OrdinaryDiffEq.jl's coefficients), from src/tableau/presets.rs.
const T21: f64 = 0.161;
const T31: f64 =
    -0.008480655492356988544426874250230774675121177393430391537369234245294192976164141156943;
const T32: f64 =
    0.3354806554923569885444268742502307746751211773934303915373692342452941929761641411569;
const T41: f64 =
    2.897153057105493432130432594192938764924887287701866490314866693455023795137503079289;
const T42: f64 =
    -6.359448489975074843148159912383825625952700647415626703305928850207288721235210244366;
const T43: f64 =
    4.362295432869581411017727318190886861027813359713760212991062156752264926097707165077;
const T51: f64 =
    5.325864828439256604428877920840511317836476253097040101202360397727981648835607691791;
const T52: f64 =
    -11.74888356406282787774717033978577296188744178259862899288666928009020615663593781589;
const T53: f64 =
    7.495539342889836208304604784564358155658679161518186721010132816213648793440552049753;
const T54: f64 =
    -0.09249506636175524925650207933207191611349983406029535244034750452930469056411389539635;
const T61: f64 =
    5.861455442946420028659251486982647890394337666164814434818157239052507339770711679748;
const T62: f64 =
    -12.92096931784710929170611868178335939541780751955743459166312250439928519268343184452;
const T63: f64 =
    8.159367898576158643180400794539253485181918321135053305748355423955009222648673734986;
const T64: f64 =
    -0.07158497328140099722453054252582973869127213147363544882721139659546372402303777878835;
const T65: f64 =
    -0.02826905039406838290900305721271224146717633626879770007617876201276764571291579142206;
const TB1: f64 =
    0.09646076681806522951816731316512876333711995238157997181903319145764851595234062815396;
const TB2: f64 = 0.01;
const TB3: f64 =
    0.4798896504144995747752495322905965199130404621990332488332634944254542060153074523509;
const TB4: f64 =
    1.379008574103741893192274821856872770756462643091360525934940067397245698027561293331;
const TB5: f64 =
    -3.290069515436080679901047585711363850115683290894936158531296799594813811049925401677;
const TB6: f64 =
    2.324710524099773982415355918398765796109060233222962411944060046314465391054716027841;
const TBH1: f64 =
    0.09468075576583945807478876255758922856117527357724631226139574065785592789071067303271;
const TBH2: f64 =
    0.009183565540343253096776363936645313759813746240984095238905939532922955247253608687270;
const TBH3: f64 =
    0.4877705284247615707855642599631228241516691959761363774365216240304071651579571959813;
const TBH4: f64 =
    1.234297566930478985655109673884237654035539930748192848315425833500484878378061439761;
const TBH5: f64 =
    -2.707712349983525454881109975059321670689605166938197378763992255714444407154902012702;
const TBH6: f64 =
    1.866628418170587035753719399566211498666255505244122593996591602841258328965767580089;
const TBH7: f64 = 1.0 / 66.0;
const TE1: f64 = TB1 - TBH1;
const TE2: f64 = TB2 - TBH2;
const TE3: f64 = TB3 - TBH3;
const TE4: f64 = TB4 - TBH4;
const TE5: f64 = TB5 - TBH5;
const TE6: f64 = TB6 - TBH6;
const TE7: f64 = 0.0 - TBH7;

/// One Tsitouras 5(4) step of size `h` from `y` with `k1 = f(y)` (6 evaluations).
#[inline(always)]
pub fn tsit5_step<const D: usize>(
    f: &impl Fn(&[f64; D]) -> [f64; D],
    y: &[f64; D],
    k1: &[f64; D],
    h: f64,
) -> StepOut<D> {
    let mut g = [0.0; D];
    let h21 = h * T21;
    for d in 0..D {
        g[d] = y[d] + h21 * k1[d];
    }
    let k2 = f(&g);
    let (h31, h32) = (h * T31, h * T32);
    for d in 0..D {
        g[d] = y[d] + h31 * k1[d] + h32 * k2[d];
    }
    let k3 = f(&g);
    let (h41, h42, h43) = (h * T41, h * T42, h * T43);
    for d in 0..D {
        g[d] = y[d] + h41 * k1[d] + h42 * k2[d] + h43 * k3[d];
    }
    let k4 = f(&g);
    let (h51, h52, h53, h54) = (h * T51, h * T52, h * T53, h * T54);
    for d in 0..D {
        g[d] = y[d] + h51 * k1[d] + h52 * k2[d] + h53 * k3[d] + h54 * k4[d];
    }
    let k5 = f(&g);
    let (h61, h62, h63, h64, h65) = (h * T61, h * T62, h * T63, h * T64, h * T65);
    for d in 0..D {
        g[d] = y[d] + h61 * k1[d] + h62 * k2[d] + h63 * k3[d] + h64 * k4[d] + h65 * k5[d];
    }
    let k6 = f(&g);
    let (b1, b2, b3) = (h * TB1, h * TB2, h * TB3);
    let (b4, b5, b6) = (h * TB4, h * TB5, h * TB6);
    let mut y_new = [0.0; D];
    for d in 0..D {
        y_new[d] =
            y[d] + b1 * k1[d] + b2 * k2[d] + b3 * k3[d] + b4 * k4[d] + b5 * k5[d] + b6 * k6[d];
    }
    let k7 = f(&y_new);
    let (e1, e2, e3, e4) = (h * TE1, h * TE2, h * TE3, h * TE4);
    let (e5, e6, e7) = (h * TE5, h * TE6, h * TE7);
    let mut err = [0.0; D];
    for d in 0..D {
        err[d] = e1 * k1[d]
            + e2 * k2[d]
            + e3 * k3[d]
            + e4 * k4[d]
            + e5 * k5[d]
            + e6 * k6[d]
            + e7 * k7[d];
    }
    StepOut { y_new, k7, err }
}

// Hairer's DOPRI5 step-size control.
const SAFETY: f64 = 0.9;
const FAC_MIN: f64 = 0.2;
const FAC_MAX: f64 = 10.0;
const BETA: f64 = 0.04;
const MAX_STEPS: usize = 100_000;

/// Why a hand-written adaptive solve stopped early.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Failure {
    /// More than 100 000 step attempts.
    MaxSteps,
    /// The step size fell below round-off at `t`.
    Underflow(f64),
}

/// Adaptive solve of an autonomous `f` from `t0` to `t1 > t0` with a 7-stage FSAL 5(4) pair
/// given by its `step` function (order 5, error order 4), Hairer's DOPRI5 control.
#[inline(always)]
pub fn adaptive54<const D: usize, F, St>(
    f: F,
    step: St,
    t0: f64,
    t1: f64,
    y0: [f64; D],
    rtol: f64,
    atol: f64,
) -> Result<([f64; D], Counts), Failure>
where
    F: Fn(&[f64; D]) -> [f64; D],
    St: Fn(&F, &[f64; D], &[f64; D], f64) -> StepOut<D>,
{
    let h_max = t1 - t0;
    let mut y = y0;
    let mut t = t0;
    let mut k1 = f(&y);

    // Hairer's HINIT for order 5 (sums, not means, as in dopri5.f).
    let mut h = {
        let (mut dnf, mut dny) = (0.0, 0.0);
        for d in 0..D {
            let sk = atol + rtol * y[d].abs();
            dnf += (k1[d] / sk).powi(2);
            dny += (y[d] / sk).powi(2);
        }
        let mut h = if dnf <= 1e-10 || dny <= 1e-10 {
            1e-6
        } else {
            (dny / dnf).sqrt() * 0.01
        };
        h = h.min(h_max);
        let mut y1 = [0.0; D];
        for d in 0..D {
            y1[d] = y[d] + k1[d] * h;
        }
        let f1 = f(&y1);
        let mut der2 = 0.0;
        for d in 0..D {
            let sk = atol + rtol * y[d].abs();
            der2 += ((f1[d] - k1[d]) / sk).powi(2);
        }
        let der2 = der2.sqrt() / h;
        let der12 = der2.abs().max(dnf.sqrt());
        let h1 = if der12 <= 1e-15 {
            (1e-6f64).max(h * 1e-3)
        } else {
            (0.01 / der12).powf(1.0 / 5.0)
        };
        (h * 100.0).min(h1).min(h_max)
    };
    let mut counts = Counts {
        nfe: 2,
        ..Counts::default()
    };

    let expo = 1.0 / 5.0 - 0.75 * BETA;
    let mut err_old: f64 = 1e-4;
    let mut last_rejected = false;
    let mut attempts = 0;
    loop {
        if attempts >= MAX_STEPS {
            return Err(Failure::MaxSteps);
        }
        attempts += 1;
        if 0.1 * h.abs() <= t.abs() * f64::EPSILON || h == 0.0 || !h.is_finite() {
            return Err(Failure::Underflow(t));
        }
        let mut last = false;
        if t + 1.01 * h - t1 >= 0.0 {
            h = t1 - t;
            last = true;
        }

        let out = step(&f, &y, &k1, h);
        counts.nfe += 6;
        let mut s = 0.0;
        for d in 0..D {
            let sk = atol + rtol * y[d].abs().max(out.y_new[d].abs());
            let e = out.err[d] / sk;
            s += e * e;
        }
        let err = (s / D as f64).sqrt();

        if !err.is_finite() {
            last_rejected = true;
            counts.rejected += 1;
            h *= FAC_MIN;
            continue;
        }
        let fac11 = if err > 0.0 { err.powf(expo) } else { 0.0 };
        if err <= 1.0 {
            let fac = fac11 / err_old.powf(BETA);
            let fac = (1.0 / FAC_MAX).max((1.0 / FAC_MIN).min(fac / SAFETY));
            let mut h_next = h / fac;
            if last_rejected && h_next.abs() > h.abs() {
                h_next = h;
            }
            err_old = err.max(1e-4);
            last_rejected = false;
            counts.accepted += 1;
            y = out.y_new;
            k1 = out.k7;
            if last {
                return Ok((y, counts));
            }
            t += h;
            h = if h_next.abs() > h_max { h_max } else { h_next };
        } else {
            last_rejected = true;
            counts.rejected += 1;
            h /= (1.0 / FAC_MIN).min(fac11 / SAFETY);
        }
    }
}
