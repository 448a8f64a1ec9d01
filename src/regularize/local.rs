//! The local regularizer of Pal, Edelman & Rackauckas (2023): one step at a sampled time.
//!
//! From `(t_r, z(t_r))` with `k₁ = f(t_r, z(t_r))` and `h` = the automatic initial step at `t_r`
//! (Hairer's heuristic with RMS norms and `h_max = |t1 − t_r|`, as the reference code's
//! `init(ODEProblem(f, z(t_r), (t_r, t1)))` chooses it), take ONE step with
//! [`crate::step::step`] and measure
//! * [`Quantity::Error`]: `R = E_est·|h|`, `E_est` the scaled RMS norm of the embedded error
//!   ([`crate::step::error_norm`], the very norm the adaptive controller uses), or
//! * [`Quantity::Stiffness`]: `R = S_est·|h|`, `S_est = ρ / scale`, `ρ` Shampine's estimate
//!   `‖k_j − k_i‖ / ‖g_j − g_i‖` from the tableau's stiffness pair.
//!
//! `z(t_r)`, `k₁` and `h` are constants: the gradient reaches θ only through stages `2..s`
//! (reverse pass [`super::stage_vjp`] with `first = 1`), [`FirstStage::Frozen`]. Because
//! `Σ b̃_i = 0`, the error estimate `h Σ b̃_i k_i` is a cancellation of order `h⁵`, but with
//! `k₁` frozen its θ-derivative keeps the uncancelled `−h b̃₁ ∂f/∂θ` term of order `h`; the
//! labelled option [`FirstStage::Differentiated`] differentiates `k₁` too (the exact
//! θ-derivative of `R` at fixed `z(t_r)` and `h`).

use super::error::RegularizeError;
use super::reverse::stage_vjp;
use crate::control::initial_step;
use crate::step::{error_norm, step, StepConfig, Workspace};
use crate::tableau::to_f64;
use crate::{cst, ParamField, State, Tableau, VectorField};
use nalgebra::RealField;

/// Which solver heuristic a regularizer measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Quantity {
    /// The embedded error estimate `E_est` (dimensionless, Hairer's scaled RMS norm).
    Error,
    /// Shampine's stiffness estimate `ρ` (1/time), divided by [`OneStep::stiffness_scale`].
    Stiffness,
}

/// Whether the first stage `k₁ = f(t_r, z(t_r))` of the regularized step is differentiated.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FirstStage {
    /// `k₁` is a constant (the paper's and the reference code's definition): the gradient
    /// reaches θ only through stages `2..s`.
    #[default]
    Frozen,
    /// `k₁` depends on θ too (one more VJP): the exact θ-derivative of `R` at fixed `z(t_r)`
    /// and `h`. A labelled option, not the paper's definition.
    Differentiated,
}

impl FirstStage {
    /// The first stage index the reverse pass differentiates ([`super::stage_vjp`]'s `first`).
    fn first(self) -> usize {
        match self {
            FirstStage::Frozen => 1,
            FirstStage::Differentiated => 0,
        }
    }
}

/// Configuration of the one-step quantity: what to measure and with which tolerances.
///
/// Defaults ([`OneStep::error`]): error estimate, `rtol = 1e-6`, `atol = 1e-8` (those of
/// [`crate::Adaptive::default`]); use the tolerances of the solve you regularize, since they
/// set both the error scaling and the automatic step `h`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OneStep<T = f64> {
    /// What to measure.
    pub quantity: Quantity,
    /// Relative tolerance of the error norm and of the initial-step heuristic (≥ 0).
    pub rtol: T,
    /// Absolute tolerance (≥ 0, not both zero).
    pub atol: T,
    /// Divisor of the stiffness estimate (default 1, i.e. `R = ρ|h|`, dimensionless). Set it
    /// to the method's real stability interval
    /// ([`crate::tableau::stability::real_stability_interval`], ≈ 3.5068 for Tsit5) to measure
    /// `|h|ρ` as a fraction of the stability limit, as the reference code does.
    pub stiffness_scale: T,
}

impl<T: RealField + Copy> Default for OneStep<T> {
    fn default() -> Self {
        Self::error(cst(1e-6), cst(1e-8))
    }
}

/// The constants of one regularized step: start time and state, `k₁` and the step `h`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Frozen<const D: usize, T = f64> {
    /// Start time `t_r`.
    pub t: T,
    /// Start state `z(t_r)`.
    pub z: State<D, T>,
    /// First stage `k₁ = f(t_r, z(t_r))`.
    pub k1: State<D, T>,
    /// Signed step size (the initial-step heuristic at `t_r`, or a given step).
    pub h: T,
    /// Field evaluations spent to obtain `k₁` and `h` (2 with the heuristic, 1 without).
    pub nfe: usize,
}

/// Result of one evaluation of the local regularizer.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LocalEval<T = f64> {
    /// The (unweighted) value `R`.
    pub value: T,
    /// The sampled time `t_r`.
    pub t: T,
    /// The step size used.
    pub h: T,
    /// Field evaluations of the forward part (k₁, heuristic, stages).
    pub nfe: usize,
}

impl<T: RealField + Copy> OneStep<T> {
    /// The error regularizer `E_est·|h|` with the given tolerances.
    pub fn error(rtol: T, atol: T) -> Self {
        Self {
            quantity: Quantity::Error,
            rtol,
            atol,
            stiffness_scale: T::one(),
        }
    }

    /// The stiffness regularizer `ρ·|h|` (scale 1) with the given tolerances (they set `h`).
    pub fn stiffness(rtol: T, atol: T) -> Self {
        Self {
            quantity: Quantity::Stiffness,
            ..Self::error(rtol, atol)
        }
    }

    /// Check the configuration against a tableau; returns the kernel configuration to use.
    ///
    /// # Errors
    /// Invalid tableau or tolerances, a tableau without `b_hat` (error quantity) or without a
    /// stiffness pair (stiffness quantity), a non-positive stiffness scale.
    pub fn check<const S: usize>(
        &self,
        tab: &Tableau<S, T>,
    ) -> Result<StepConfig, RegularizeError> {
        tab.validate()?;
        let (rtol, atol) = (self.rtol, self.atol);
        let ok = rtol.is_finite()
            && atol.is_finite()
            && rtol >= T::zero()
            && atol >= T::zero()
            && (rtol > T::zero() || atol > T::zero());
        if !ok {
            return Err(RegularizeError::InvalidTolerance {
                rtol: to_f64(rtol),
                atol: to_f64(atol),
            });
        }
        match self.quantity {
            Quantity::Error => {
                if tab.b_hat.is_none() {
                    return Err(RegularizeError::NoErrorEstimate { method: tab.name });
                }
                Ok(StepConfig {
                    error: true,
                    stiffness_pair: None,
                })
            }
            Quantity::Stiffness => {
                let pair = tab
                    .stiffness_pair()
                    .ok_or(RegularizeError::NoStiffnessPair { method: tab.name })?;
                let sc = self.stiffness_scale;
                if !(sc.is_finite() && sc > T::zero()) {
                    return Err(RegularizeError::InvalidWeight {
                        name: "stiffness_scale",
                        value: to_f64(sc),
                        expected: "finite and > 0",
                    });
                }
                Ok(StepConfig {
                    error: false,
                    stiffness_pair: Some(pair),
                })
            }
        }
    }

    /// The constants of the step at `t`: `k₁ = f(t, z)` and the automatic initial step of an
    /// adaptive solve of `(t, t1)` from `z`, as the reference code obtains it (OrdinaryDiffEq's
    /// `ode_determine_initdt` on `ODEProblem(f, z(t_r), (t_r, t1))` with the solve's
    /// tolerances): Hairer's heuristic ([`crate::control::initial_step`], order `tab.order`)
    /// with **RMS** norms (Hairer's Fortran sums; the RMS step is `D^(1/(2·order))` times
    /// larger when the `100·h₀` cap does not bind) and `h_max = |t1 − t|`, the remaining span
    /// (`|t1 − t0|` at `t = t1`, where the remaining span is empty). Direction of
    /// `span = (t0, t1)`. Two field evaluations.
    ///
    /// # Errors
    /// A non-finite or empty span, `t` outside it, a non-finite `z` or `k₁`, a non-finite or
    /// zero step.
    pub fn freeze<const S: usize, const D: usize, F>(
        &self,
        tab: &Tableau<S, T>,
        f: &F,
        t: T,
        z: &State<D, T>,
        span: (T, T),
    ) -> Result<Frozen<D, T>, RegularizeError>
    where
        F: VectorField<D, T> + ?Sized,
    {
        let k1 = self.k1_at(tab, f, t, z, span)?;
        let (dir, h_max) = dir_and_h_max(t, span);
        // Hairer's sums over D elements with tolerances scaled by √D are the RMS norms.
        let sqrt_d = cst::<T>(D as f64).sqrt();
        let (h, n) = initial_step(
            f,
            t,
            z,
            &k1,
            tab.order,
            self.rtol * sqrt_d,
            self.atol * sqrt_d,
            dir,
            h_max,
        );
        let fr = Frozen {
            t,
            z: *z,
            k1,
            h,
            nfe: 1 + n,
        };
        check_step(&fr)?;
        Ok(fr)
    }

    /// The constants of a step of given size `h` (signed) at `t`: `k₁ = f(t, z)`. One field
    /// evaluation. Used with the accepted step of the forward solve
    /// ([`super::StepChoice::Accepted`]).
    ///
    /// # Errors
    /// As [`OneStep::freeze`].
    pub fn freeze_with_step<const S: usize, const D: usize, F>(
        &self,
        tab: &Tableau<S, T>,
        f: &F,
        t: T,
        z: &State<D, T>,
        span: (T, T),
        h: T,
    ) -> Result<Frozen<D, T>, RegularizeError>
    where
        F: VectorField<D, T> + ?Sized,
    {
        let fr = Frozen {
            t,
            z: *z,
            k1: self.k1_at(tab, f, t, z, span)?,
            h,
            nfe: 1,
        };
        check_step(&fr)?;
        Ok(fr)
    }

    /// Check the configuration, span, `t` and `z`; return `k₁ = f(t, z)` (finite).
    fn k1_at<const S: usize, const D: usize, F>(
        &self,
        tab: &Tableau<S, T>,
        f: &F,
        t: T,
        z: &State<D, T>,
        span: (T, T),
    ) -> Result<State<D, T>, RegularizeError>
    where
        F: VectorField<D, T> + ?Sized,
    {
        self.check(tab)?;
        check_span(t, span)?;
        check_finite(t, z)?;
        let k1 = f.eval(t, z);
        check_finite(t, &k1)?;
        Ok(k1)
    }

    /// The one-step quantity `R` with `z`, `k₁` and `h` taken from `fr` (no gradient). This is
    /// exactly the function whose θ-gradient [`OneStep::value_and_grad_frozen`] returns, so it
    /// is what finite-difference checks perturb.
    ///
    /// # Errors
    /// As [`OneStep::check`]; [`RegularizeError::NonFiniteValue`] for a NaN/∞ result.
    pub fn value_frozen<const S: usize, const D: usize, F>(
        &self,
        tab: &Tableau<S, T>,
        f: &F,
        fr: &Frozen<D, T>,
    ) -> Result<T, RegularizeError>
    where
        F: VectorField<D, T> + ?Sized,
    {
        let cfg = self.check(tab)?;
        let mut ws = Workspace::<S, D, T>::new();
        let (value, _) = self.forward(tab, f, fr, cfg, &mut ws);
        self.finite(fr, value)
    }

    /// `R` and `weight·∂R/∂θ` (added into `gp`) with `z`, `k₁` and `h` from `fr` held constant.
    /// Returns the unweighted `R`. Cost: `S − 1` evaluations and at most `S − 1` VJPs.
    ///
    /// # Errors
    /// As [`OneStep::value_frozen`], plus [`RegularizeError::ParamLength`] if
    /// `gp.len() != f.params().len()`. Input errors leave `gp` untouched; a
    /// [`RegularizeError::NonFiniteValue`] found in the gradient is reported after the
    /// accumulation, so `gp` then holds non-finite entries and should be discarded.
    pub fn value_and_grad_frozen<const S: usize, const D: usize, F>(
        &self,
        tab: &Tableau<S, T>,
        f: &F,
        fr: &Frozen<D, T>,
        weight: T,
        gp: &mut [T],
    ) -> Result<T, RegularizeError>
    where
        F: ParamField<D, T> + ?Sized,
    {
        self.value_and_grad_frozen_with(tab, f, fr, FirstStage::Frozen, weight, gp)
    }

    /// [`OneStep::value_and_grad_frozen`] with the first stage frozen or differentiated
    /// ([`FirstStage`]); `z` and `h` are constants either way.
    ///
    /// # Errors
    /// As [`OneStep::value_and_grad_frozen`].
    pub fn value_and_grad_frozen_with<const S: usize, const D: usize, F>(
        &self,
        tab: &Tableau<S, T>,
        f: &F,
        fr: &Frozen<D, T>,
        first_stage: FirstStage,
        weight: T,
        gp: &mut [T],
    ) -> Result<T, RegularizeError>
    where
        F: ParamField<D, T> + ?Sized,
    {
        if gp.len() != f.params().len() {
            return Err(RegularizeError::ParamLength {
                expected: f.params().len(),
                got: gp.len(),
            });
        }
        let cfg = self.check(tab)?;
        let mut ws = Workspace::<S, D, T>::new();
        let (value, out) = self.forward(tab, f, fr, cfg, &mut ws);
        let value = self.finite(fr, value)?;
        let zero = State::<D, T>::zeros();
        let mut kbar = [zero; S];
        let mut gbar = [zero; S];
        let h = fr.h;
        // z is constant here: its direct cotangent is dropped.
        self.seed(
            tab, cfg, &fr.z, h, &ws.k, &out, weight, &mut kbar, &mut gbar,
        );
        stage_vjp(
            tab,
            f,
            fr.t,
            &fr.z,
            h,
            &ws.k,
            &mut kbar,
            &mut gbar,
            first_stage.first(),
            gp,
        );
        if let Some(i) = gp.iter().position(|g| !g.is_finite()) {
            return Err(RegularizeError::NonFiniteValue {
                t: to_f64(fr.t),
                h: to_f64(h),
                value: to_f64(gp[i]),
            });
        }
        Ok(value)
    }

    /// The whole local regularizer at `t`: freeze `z(t)`, `k₁` and `h` ([`OneStep::freeze`])
    /// then [`OneStep::value_and_grad_frozen`]. Adds `weight·∂R/∂θ` into `gp`.
    ///
    /// # Errors
    /// As [`OneStep::freeze`] and [`OneStep::value_and_grad_frozen`].
    #[allow(clippy::too_many_arguments)]
    pub fn value_and_grad<const S: usize, const D: usize, F>(
        &self,
        tab: &Tableau<S, T>,
        f: &F,
        t: T,
        z: &State<D, T>,
        span: (T, T),
        weight: T,
        gp: &mut [T],
    ) -> Result<LocalEval<T>, RegularizeError>
    where
        F: ParamField<D, T> + ?Sized,
    {
        let fr = self.freeze(tab, f, t, z, span)?;
        let value = self.value_and_grad_frozen(tab, f, &fr, weight, gp)?;
        Ok(LocalEval {
            value,
            t,
            h: fr.h,
            nfe: fr.nfe + S - 1,
        })
    }

    /// One step from the frozen start; returns `R` and the kernel output.
    fn forward<const S: usize, const D: usize, F>(
        &self,
        tab: &Tableau<S, T>,
        f: &F,
        fr: &Frozen<D, T>,
        cfg: StepConfig,
        ws: &mut Workspace<S, D, T>,
    ) -> (T, crate::step::StepOutput<D, T>)
    where
        F: VectorField<D, T> + ?Sized,
    {
        ws.k[0] = fr.k1;
        ws.k1_ready = true;
        let out = step(tab, f, fr.t, &fr.z, fr.h, cfg, ws);
        let value = self.measure(&out, &fr.z, fr.h);
        (value, out)
    }

    /// `R` of one step from `z` with size `h` and kernel output `out`: `E_est·|h|` or
    /// `ρ·|h|/scale` (an undefined stiffness estimate, `‖g_j − g_i‖ = 0`, counts as 0).
    pub(crate) fn measure<const D: usize>(
        &self,
        out: &crate::step::StepOutput<D, T>,
        z: &State<D, T>,
        h: T,
    ) -> T {
        match self.quantity {
            Quantity::Error => match &out.err {
                Some(e) => {
                    error_norm(e, out.err2.as_ref(), z, &out.y_new, self.rtol, self.atol) * h.abs()
                }
                None => T::zero(),
            },
            Quantity::Stiffness => {
                out.stiffness.unwrap_or(T::zero()) * h.abs() / self.stiffness_scale
            }
        }
    }

    fn finite<const D: usize>(&self, fr: &Frozen<D, T>, value: T) -> Result<T, RegularizeError> {
        if value.is_finite() {
            Ok(value)
        } else {
            Err(RegularizeError::NonFiniteValue {
                t: to_f64(fr.t),
                h: to_f64(fr.h),
                value: to_f64(value),
            })
        }
    }

    /// Seed the stage cotangents `kbar = ∂(w·R)/∂k_i`, `gbar = ∂(w·R)/∂g_i` of one step
    /// `(z, h)` with stages `k` and kernel output `out` (made with `cfg`), and return the direct
    /// cotangent of the start state `z` (through the error scaling and, for non-FSAL tableaus,
    /// `y⁺ = z + h Σ b_i k_i`); the part through the stage states comes from [`stage_vjp`].
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn seed<const S: usize, const D: usize>(
        &self,
        tab: &Tableau<S, T>,
        cfg: StepConfig,
        z: &State<D, T>,
        h: T,
        k: &[State<D, T>; S],
        out: &crate::step::StepOutput<D, T>,
        weight: T,
        kbar: &mut [State<D, T>; S],
        gbar: &mut [State<D, T>; S],
    ) -> State<D, T> {
        let mut zbar = State::<D, T>::zeros();
        match self.quantity {
            Quantity::Error => {
                // `check` required b_hat and asked for the error, so `err` is present.
                if let Some(err) = &out.err {
                    zbar = self.seed_error(
                        tab,
                        z,
                        h,
                        err,
                        out.err2.as_ref(),
                        &out.y_new,
                        weight * h.abs(),
                        kbar,
                        gbar,
                    );
                }
            }
            Quantity::Stiffness => {
                if let Some((si, sj)) = cfg.stiffness_pair {
                    let gi = stage_state(tab, z, h, k, si);
                    let gj = stage_state(tab, z, h, k, sj);
                    let dk = k[sj] - k[si];
                    let dg = gj - gi;
                    let (nk, ng) = (dk.norm(), dg.norm());
                    if nk > T::zero() && ng > T::zero() {
                        let c = weight * h.abs() / self.stiffness_scale;
                        let rho = nk / ng;
                        let wk = dk * (c / (nk * ng));
                        let wg = dg * (-c * rho / (ng * ng));
                        kbar[sj] += wk;
                        kbar[si] -= wk;
                        gbar[sj] += wg;
                        gbar[si] -= wg;
                    }
                }
            }
        }
        zbar
    }

    /// Seed the stage cotangents with `∂(c·E_est)/∂k_i` and `∂/∂g_S` (through `y⁺` in the
    /// error scaling `atol + rtol·max(|z_i|, |y⁺_i|)`); returns the direct cotangent of `z`.
    #[allow(clippy::too_many_arguments, clippy::needless_range_loop)]
    fn seed_error<const S: usize, const D: usize>(
        &self,
        tab: &Tableau<S, T>,
        z: &State<D, T>,
        h: T,
        err: &State<D, T>,
        err2: Option<&State<D, T>>,
        y_new: &State<D, T>,
        c: T,
        kbar: &mut [State<D, T>; S],
        gbar: &mut [State<D, T>; S],
    ) -> State<D, T> {
        let n = cst::<T>(D as f64);
        let two = cst::<T>(2.0);
        let mut sk = State::<D, T>::zeros();
        let (mut s1, mut s2) = (T::zero(), T::zero());
        for i in 0..D {
            sk[i] = self.atol + self.rtol * z[i].abs().max(y_new[i].abs());
            s1 += (err[i] / sk[i]).powi(2);
            if let Some(e2) = err2 {
                s2 += (e2[i] / sk[i]).powi(2);
            }
        }
        // ∂E/∂s1, ∂E/∂s2 of E = sqrt(s1/n) or (DOP853) E = s1 / sqrt(n (s1 + 0.01 s2)).
        let (d1, d2) = match err2 {
            None => {
                let e = (s1 / n).sqrt();
                if e > T::zero() {
                    (T::one() / (two * n * e), T::zero())
                } else {
                    (T::zero(), T::zero())
                }
            }
            Some(_) => {
                let deno = s1 + cst::<T>(0.01) * s2;
                if deno > T::zero() {
                    let r = T::one() / (n * deno).sqrt();
                    (
                        r * (T::one() - s1 / (two * deno)),
                        -cst::<T>(0.005) * s1 * r / deno,
                    )
                } else {
                    (T::zero(), T::zero())
                }
            }
        };
        let mut ebar = State::<D, T>::zeros();
        let mut e2bar = State::<D, T>::zeros();
        let mut ynbar = State::<D, T>::zeros();
        let mut zbar = State::<D, T>::zeros();
        for i in 0..D {
            let e1 = err[i] / sk[i];
            ebar[i] = c * d1 * two * e1 / sk[i];
            let mut skbar = -c * d1 * two * e1 * e1 / sk[i];
            if let Some(e2) = err2 {
                let e = e2[i] / sk[i];
                e2bar[i] = c * d2 * two * e / sk[i];
                skbar -= c * d2 * two * e * e / sk[i];
            }
            if y_new[i].abs() > z[i].abs() {
                ynbar[i] = skbar * self.rtol * y_new[i].signum();
            } else {
                zbar[i] = skbar * self.rtol * z[i].signum();
            }
        }
        let b_hat = tab.b_hat.unwrap_or(tab.b);
        for i in 0..S {
            let w = h * (tab.b[i] - b_hat[i]);
            if w != T::zero() {
                kbar[i].axpy(w, &ebar, T::one());
            }
            if let (Some(_), Some(bh2)) = (err2, &tab.b_hat2) {
                let w2 = h * (tab.b[i] - bh2[i]);
                if w2 != T::zero() {
                    kbar[i].axpy(w2, &e2bar, T::one());
                }
            }
        }
        // y⁺: the last stage state for FSAL tableaus (as in the kernel), else z + h Σ b_i k_i.
        if tab.fsal {
            gbar[S - 1] += ynbar;
        } else {
            for i in 0..S {
                if tab.b[i] != T::zero() {
                    kbar[i].axpy(h * tab.b[i], &ynbar, T::one());
                }
            }
            zbar += ynbar;
        }
        zbar
    }
}

/// `g_i = z + h Σ_{j<i} a_ij k_j`.
#[allow(clippy::needless_range_loop)]
fn stage_state<const S: usize, const D: usize, T: RealField + Copy>(
    tab: &Tableau<S, T>,
    z: &State<D, T>,
    h: T,
    k: &[State<D, T>; S],
    i: usize,
) -> State<D, T> {
    let mut g = *z;
    for j in 0..i {
        if tab.a[i][j] != T::zero() {
            g.axpy(h * tab.a[i][j], &k[j], T::one());
        }
    }
    g
}

fn check_finite<const D: usize, T: RealField + Copy>(
    t: T,
    z: &State<D, T>,
) -> Result<(), RegularizeError> {
    match z.iter().position(|v| !v.is_finite()) {
        Some(index) => Err(RegularizeError::NonFiniteState {
            t: to_f64(t),
            index,
            value: to_f64(z[index]),
        }),
        None => Ok(()),
    }
}

/// A finite, non-empty span containing `t`.
fn check_span<T: RealField + Copy>(t: T, span: (T, T)) -> Result<(), RegularizeError> {
    let (t0, t1) = span;
    if !(t0.is_finite() && t1.is_finite()) || t0 == t1 {
        return Err(RegularizeError::InvalidSpan {
            t0: to_f64(t0),
            t1: to_f64(t1),
        });
    }
    let (lo, hi) = if t0 < t1 { (t0, t1) } else { (t1, t0) };
    if !(t.is_finite() && t >= lo && t <= hi) {
        return Err(RegularizeError::TimeOutsideSpan {
            t: to_f64(t),
            t0: to_f64(t0),
            t1: to_f64(t1),
        });
    }
    Ok(())
}

/// A finite, nonzero step.
/// Direction (±1) of `span` and the initial-step cap at `t`: the remaining span `|t1 − t|`,
/// or `|t1 − t0|` at `t = t1` where the remaining span is empty.
pub(super) fn dir_and_h_max<T: RealField + Copy>(t: T, span: (T, T)) -> (T, T) {
    let (t0, t1) = span;
    let dir = if t1 > t0 { T::one() } else { -T::one() };
    let rest = (t1 - t).abs();
    let h_max = if rest > T::zero() {
        rest
    } else {
        (t1 - t0).abs()
    };
    (dir, h_max)
}

pub(super) fn check_step<const D: usize, T: RealField + Copy>(
    fr: &Frozen<D, T>,
) -> Result<(), RegularizeError> {
    if fr.h.is_finite() && fr.h != T::zero() {
        Ok(())
    } else {
        Err(RegularizeError::NonFiniteValue {
            t: to_f64(fr.t),
            h: to_f64(fr.h),
            value: f64::NAN,
        })
    }
}
