//! The one explicit Runge–Kutta stage kernel.
//!
//! [`step`] computes the stages `k_i = f(t + c_i h, y + h Σ_{j<i} a_ij k_j)`, the step
//! `y⁺ = y + h Σ b_i k_i`, the embedded error vector(s) and Shampine's stiffness estimate. Fixed,
//! adaptive and trainable solvers, dense output, adjoints and regularizers all call this
//! function; there is no second copy of the stage loop.
//!
//! Everything lives on the stack: the stages are held in a caller-owned [`Workspace`] so that a
//! solve reuses one buffer for all its steps.

use crate::{State, Tableau, VectorField};
use nalgebra::RealField;

/// Stage derivatives of one step, reused across the steps of a solve.
#[derive(Clone, Debug)]
pub struct Workspace<const S: usize, const D: usize, T: RealField + Copy = f64> {
    /// `k[i]` is the derivative at stage `i` of the most recent step. `k[0]` holds
    /// `f(t, y)` at the start of the next step when the solver can reuse it.
    pub k: [State<D, T>; S],
    /// Whether `k[0]` already holds `f(t, y)` for the next call of [`step`] (FSAL reuse, or a
    /// value the caller computed). [`step`] leaves it `true` (after a step `k[0]` is still
    /// `f(t, y)` of that step, valid for a retry after a rejection); solve loops update it when
    /// they move to a new point.
    pub k1_ready: bool,
}

impl<const S: usize, const D: usize, T: RealField + Copy> Workspace<S, D, T> {
    /// A zeroed workspace.
    pub fn new() -> Self {
        Self {
            k: [State::<D, T>::zeros(); S],
            k1_ready: false,
        }
    }
}

impl<const S: usize, const D: usize, T: RealField + Copy> Default for Workspace<S, D, T> {
    fn default() -> Self {
        Self::new()
    }
}

/// What the kernel should compute besides the step itself. Built once per solve.
#[derive(Clone, Copy, Debug, Default)]
pub struct StepConfig {
    /// Compute the embedded error vector(s) (needs `b_hat`).
    pub error: bool,
    /// Stage pair `(i, j)` with equal nodes for the stiffness estimate, if wanted.
    pub stiffness_pair: Option<(usize, usize)>,
}

impl StepConfig {
    /// Configuration for a tableau: error estimate when it has `b_hat`, and the stiffness pair
    /// when two stages share a node.
    pub fn for_tableau<const S: usize, T: RealField + Copy>(tab: &Tableau<S, T>) -> Self {
        Self {
            error: tab.b_hat.is_some(),
            stiffness_pair: tab.stiffness_pair(),
        }
    }
}

/// Result of one step.
#[derive(Clone, Copy, Debug)]
pub struct StepOutput<const D: usize, T: RealField + Copy = f64> {
    /// The propagated solution `y⁺`.
    pub y_new: State<D, T>,
    /// `h Σ (b_i − b̂_i) k_i` when an error estimate was requested and the tableau has `b_hat`.
    pub err: Option<State<D, T>>,
    /// `h Σ (b_i − b̂2_i) k_i` for tableaus with a second embedded pair (DOP853).
    pub err2: Option<State<D, T>>,
    /// Shampine's stiffness estimate `‖k_j − k_i‖ / ‖g_j − g_i‖` (an estimate of the dominant
    /// eigenvalue magnitude ρ of ∂f/∂y, units 1/time); `None` when not requested or undefined.
    pub stiffness: Option<T>,
    /// Function evaluations made by this step.
    pub nfe: usize,
}

/// Take one explicit Runge–Kutta step of size `h` (negative for backward integration) from
/// `(t, y)`.
///
/// If `ws.k1_ready` is true, `ws.k[0]` must already hold `f(t, y)` (FSAL reuse or a value
/// computed by the caller) and is not re-evaluated; the kernel re-evaluates it anyway when
/// `c_0 ≠ 0`, since then it depends on `h`. After the call `ws.k` holds all stage derivatives.
///
/// The tableau must have been validated (strictly lower-triangular `A`); the kernel only reads
/// the strictly lower triangle.
#[inline(always)]
pub fn step<const S: usize, const D: usize, T, F>(
    tab: &Tableau<S, T>,
    f: &F,
    t: T,
    y: &State<D, T>,
    h: T,
    cfg: StepConfig,
    ws: &mut Workspace<S, D, T>,
) -> StepOutput<D, T>
where
    T: RealField + Copy,
    F: VectorField<D, T> + ?Sized,
{
    let mut nfe = 0;
    // After the loop `g` holds the last stage's state.
    let mut g = *y;
    for i in 0..S {
        if i > 0 {
            g = stage_state(tab, y, h, &ws.k, i);
        }
        if i > 0 || !ws.k1_ready || tab.c[0] != T::zero() {
            ws.k[i] = f.eval(t + tab.c[i] * h, &g);
            nfe += 1;
        }
    }
    ws.k1_ready = tab.c[0] == T::zero();

    // FSAL tableaus: the last stage state is exactly y⁺ (its row of A is b).
    let y_new = if tab.fsal {
        g
    } else {
        combine(y, h, &tab.b, &ws.k)
    };

    let (mut err, mut err2) = (None, None);
    if cfg.error {
        if let Some(bh) = &tab.b_hat {
            err = Some(difference(h, &tab.b, bh, &ws.k));
        }
        if let Some(bh2) = &tab.b_hat2 {
            err2 = Some(difference(h, &tab.b, bh2, &ws.k));
        }
    }

    // The pair's stage states are rebuilt from k only on steps that ask for the estimate, so
    // the stage loop carries no bookkeeping for it.
    let stiffness = match cfg.stiffness_pair {
        Some((si, sj)) if si < sj && sj < S => {
            let g_i = stage_state(tab, y, h, &ws.k, si);
            let g_j = if sj == S - 1 {
                g
            } else {
                stage_state(tab, y, h, &ws.k, sj)
            };
            // One pass and one square root: ‖k_j − k_i‖ / ‖g_j − g_i‖.
            let (mut num, mut den) = (T::zero(), T::zero());
            for d in 0..D {
                let dk = ws.k[sj][d] - ws.k[si][d];
                let dg = g_j[d] - g_i[d];
                num += dk * dk;
                den += dg * dg;
            }
            if den > T::zero() {
                Some((num / den).sqrt())
            } else {
                None
            }
        }
        _ => None,
    };

    StepOutput {
        y_new,
        err,
        err2,
        stiffness,
        nfe,
    }
}

/// The state of stage `i`: `y + h Σ_{j<i} a_ij k_j`, skipping zero coefficients.
#[inline(always)]
pub fn stage_state<const S: usize, const D: usize, T: RealField + Copy>(
    tab: &Tableau<S, T>,
    y: &State<D, T>,
    h: T,
    k: &[State<D, T>; S],
    i: usize,
) -> State<D, T> {
    let mut g = *y;
    for (a, kj) in tab.a[i][..i].iter().zip(k.iter()) {
        if *a != T::zero() {
            g.axpy(h * *a, kj, T::one());
        }
    }
    g
}

/// `y + h Σ w_i k_i`, skipping zero weights.
#[inline(always)]
fn combine<const S: usize, const D: usize, T: RealField + Copy>(
    y: &State<D, T>,
    h: T,
    w: &[T; S],
    k: &[State<D, T>; S],
) -> State<D, T> {
    let mut out = *y;
    for i in 0..S {
        if w[i] != T::zero() {
            out.axpy(h * w[i], &k[i], T::one());
        }
    }
    out
}

/// `h Σ (b_i − b̂_i) k_i`, skipping zero differences.
#[inline(always)]
fn difference<const S: usize, const D: usize, T: RealField + Copy>(
    h: T,
    b: &[T; S],
    b_hat: &[T; S],
    k: &[State<D, T>; S],
) -> State<D, T> {
    let mut out = State::<D, T>::zeros();
    for i in 0..S {
        let e = b[i] - b_hat[i];
        if e != T::zero() {
            out.axpy(h * e, &k[i], T::one());
        }
    }
    out
}

/// Hairer's scaled RMS error norm:
/// `sqrt(mean_i (err_i / (atol + rtol·max(|y_i|, |y⁺_i|)))²)`.
///
/// With a second error vector (DOP853) the combination of Hairer's DOP853 is used:
/// `E5² / sqrt(E5² + 0.01·E3²)` with `E5`, `E3` the scaled RMS norms of the two vectors.
/// A step is acceptable when the norm is ≤ 1.
#[inline(always)]
pub fn error_norm<const D: usize, T: RealField + Copy>(
    err: &State<D, T>,
    err2: Option<&State<D, T>>,
    y: &State<D, T>,
    y_new: &State<D, T>,
    rtol: T,
    atol: T,
) -> T {
    let mut s1 = T::zero();
    let mut s2 = T::zero();
    for i in 0..D {
        let sk = atol + rtol * y[i].abs().max(y_new[i].abs());
        let e = err[i] / sk;
        s1 += e * e;
        if let Some(e2) = err2 {
            let e = e2[i] / sk;
            s2 += e * e;
        }
    }
    let n = crate::cst::<T>(D as f64);
    match err2 {
        None => (s1 / n).sqrt(),
        Some(_) => {
            let deno = s1 + crate::cst::<T>(0.01) * s2;
            if deno > T::zero() {
                s1 / (n * deno).sqrt()
            } else {
                T::zero()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rk4() -> Tableau<4> {
        Tableau {
            a: [
                [0.0, 0.0, 0.0, 0.0],
                [0.5, 0.0, 0.0, 0.0],
                [0.0, 0.5, 0.0, 0.0],
                [0.0, 0.0, 1.0, 0.0],
            ],
            b: [1.0 / 6.0, 1.0 / 3.0, 1.0 / 3.0, 1.0 / 6.0],
            c: [0.0, 0.5, 0.5, 1.0],
            b_hat: None,
            b_hat2: None,
            order: 4,
            embedded_order: None,
            fsal: false,
            interpolant: crate::tableau::Interpolant::Hermite,
            name: "rk4-test",
        }
    }

    #[test]
    fn rk4_step_on_linear_equation_is_taylor_polynomial() {
        // y' = λy: one RK4 step multiplies by 1 + z + z²/2 + z³/6 + z⁴/24, z = λh.
        let tab = rk4();
        let lam = -0.7;
        let f = move |_t: f64, y: &State<1>| y * lam;
        let mut ws = Workspace::new();
        let h = 0.3;
        let out = step(
            &tab,
            &f,
            0.0,
            &State::<1>::new(2.0),
            h,
            StepConfig::default(),
            &mut ws,
        );
        let z: f64 = lam * h;
        let r = 1.0 + z + z * z / 2.0 + z.powi(3) / 6.0 + z.powi(4) / 24.0;
        approx::assert_relative_eq!(out.y_new[0], 2.0 * r, max_relative = 1e-15);
        assert_eq!(out.nfe, 4);
        // k1 reuse saves one evaluation and gives the same result.
        assert!(ws.k1_ready);
        let out2 = step(
            &tab,
            &f,
            0.0,
            &State::<1>::new(2.0),
            h,
            StepConfig::default(),
            &mut ws,
        );
        assert_eq!(out2.nfe, 3);
        assert_eq!(out2.y_new, out.y_new);
    }

    #[test]
    fn time_enters_through_c() {
        // y' = t: exact for RK4 (quadrature of a linear function).
        let tab = rk4();
        let f = |t: f64, _y: &State<1>| State::<1>::new(t);
        let mut ws = Workspace::new();
        let out = step(
            &tab,
            &f,
            1.0,
            &State::<1>::new(0.0),
            0.5,
            StepConfig::default(),
            &mut ws,
        );
        approx::assert_relative_eq!(out.y_new[0], (1.5f64.powi(2) - 1.0) / 2.0, epsilon = 1e-15);
    }

    #[test]
    fn error_norm_is_scaled_rms() {
        let err = State::<2>::new(1e-6, 2e-6);
        let y = State::<2>::new(1.0, -3.0);
        let yn = State::<2>::new(2.0, 1.0);
        let n = error_norm(&err, None, &y, &yn, 1e-3, 1e-6);
        let s0 = 1e-6 + 1e-3 * 2.0;
        let s1 = 1e-6 + 1e-3 * 3.0;
        let expect = (((1e-6f64 / s0).powi(2) + (2e-6f64 / s1).powi(2)) / 2.0).sqrt();
        approx::assert_relative_eq!(n, expect, max_relative = 1e-14);
    }
}
