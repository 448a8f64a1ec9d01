//! The global regularizers of Kelly et al. (2020) / Pal et al. (2021): the sum (or mean) over
//! every accepted step of `E_est·|h|` or `S_est·|h|`, differentiated through the whole solve
//! with the discrete adjoint ([`crate::sensitivity`]).

use super::error::RegularizeError;
use super::local::OneStep;
use super::record::Reduction;
use super::reverse::stage_vjp;
use crate::sensitivity::{backward, SavePoint, StepGrid, Tape};
use crate::step::{step, StepConfig, Workspace};
use crate::tableau::to_f64;
use crate::{cst, ParamField, State, Tableau, Trajectory, VectorField};
use nalgebra::RealField;

/// `R = Σ_n q_n` (or `(1/N) Σ_n q_n`) over the `N` accepted steps `(t_n, h_n)` of a solve,
/// `q_n = E_est,n·|h_n|` or `ρ_n·|h_n|/scale` ([`OneStep::quantity`]), each step evaluated from
/// the solution `y_n` at its start with every stage differentiable (`k₁` included).
///
/// What is differentiated is the discrete solve with its step sequence frozen (as in
/// [`crate::sensitivity::backward`]): `R` depends on θ directly in every step and through the
/// states `y_n`, which the adjoint carries back to `y0`. Reduction default: [`Reduction::Sum`]
/// (the 2021 paper's formula; the reference code averages, [`Reduction::Mean`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Global<T = f64> {
    /// The per-step quantity and its tolerances (the solve's tolerances, so that `E_est,n` is
    /// the controller's error norm).
    pub one_step: OneStep<T>,
    /// Sum or mean over steps.
    pub reduction: Reduction,
}

/// Result of [`Global::value_and_grad`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GlobalEval<const D: usize, T = f64> {
    /// The (unweighted) value `R`.
    pub value: T,
    /// Number of accepted steps `N`.
    pub steps: usize,
    /// `weight·∂R/∂y0`.
    pub y0: State<D, T>,
}

impl<T: RealField + Copy> Global<T> {
    /// A global regularizer of `one_step.quantity`, summed over steps.
    pub fn new(one_step: OneStep<T>) -> Self {
        Self {
            one_step,
            reduction: Reduction::Sum,
        }
    }

    /// `R` along a frozen step sequence `steps = [(t_n, h_n)]` from `y0`: each step recomputed
    /// with [`crate::step::step`]. This is exactly the function whose gradient
    /// [`Global::value_and_grad`] returns (for gradient checks; generic in the scalar).
    ///
    /// # Errors
    /// As [`OneStep::check`]; [`RegularizeError::NonFiniteValue`] for a NaN/∞ result.
    pub fn value_on_grid<const S: usize, const D: usize, F>(
        &self,
        tab: &Tableau<S, T>,
        f: &F,
        y0: &State<D, T>,
        steps: &[(T, T)],
    ) -> Result<T, RegularizeError>
    where
        F: VectorField<D, T> + ?Sized,
    {
        let cfg = self.one_step.check(tab)?;
        let mut ws = Workspace::<S, D, T>::new();
        let mut y = *y0;
        let mut sum = T::zero();
        for &(t, h) in steps {
            ws.k1_ready = false;
            let out = step(tab, f, t, &y, h, cfg, &mut ws);
            sum += self.one_step.measure(&out, &y, h);
            y = out.y_new;
        }
        let value = self.reduce(sum, steps.len());
        if value.is_finite() {
            Ok(value)
        } else {
            Err(RegularizeError::NonFiniteValue {
                t: to_f64(steps.first().map_or(T::zero(), |s| s.0)),
                h: f64::NAN,
                value: to_f64(value),
            })
        }
    }

    /// `R` on the steps of `tape`, adding `weight·∂R/∂θ` into `gp`; returns `R` (unweighted) and
    /// `weight·∂R/∂y0`.
    ///
    /// Per step: the stages are recomputed, the quantity's cotangents are seeded and pulled back
    /// through the stage equations ([`stage_vjp`], all stages) to θ and `y_n`; then one discrete
    /// adjoint pass ([`crate::sensitivity::backward`]) carries the `∂R/∂y_n` back to θ and `y0`.
    /// Cost: about two backward passes of the adjoint (`2S` evaluations and `2S` VJPs per step).
    ///
    /// # Errors
    /// As [`OneStep::check`]; [`RegularizeError::ParamLength`]; `tab` differing from the tape's
    /// tableau and a non-finite adjoint ([`RegularizeError::Sensitivity`]);
    /// [`RegularizeError::NonFiniteValue`].
    pub fn value_and_grad<const S: usize, const D: usize, F>(
        &self,
        tab: &Tableau<S, T>,
        f: &F,
        tape: &Tape<S, D, T>,
        weight: T,
        gp: &mut [T],
    ) -> Result<GlobalEval<D, T>, RegularizeError>
    where
        F: ParamField<D, T> + ?Sized,
    {
        if gp.len() != f.params().len() {
            return Err(RegularizeError::ParamLength {
                expected: f.params().len(),
                got: gp.len(),
            });
        }
        let cfg: StepConfig = self.one_step.check(tab)?;
        let grid = tape.grid();
        let n = grid.steps.len();
        let zero = State::<D, T>::zeros();
        if n == 0 {
            return Ok(GlobalEval {
                value: T::zero(),
                steps: 0,
                y0: zero,
            });
        }
        let c = match self.reduction {
            Reduction::Sum => weight,
            Reduction::Mean => weight / cst::<T>(n as f64),
        };
        let mut ws = Workspace::<S, D, T>::new();
        let mut ys = Vec::with_capacity(n + 1);
        let mut lambda = Vec::with_capacity(n);
        let mut sum = T::zero();
        // Direct parts, into a scratch gradient so a failure leaves `gp` untouched.
        let mut g_direct = vec![T::zero(); gp.len()];
        for (i, &(t, h)) in grid.steps.iter().enumerate() {
            // Cannot be None: the tape holds steps + 1 states.
            let y = *tape.state(i).ok_or(RegularizeError::EmptyRecord)?;
            ys.push(y);
            ws.k1_ready = false;
            let out = step(tab, f, t, &y, h, cfg, &mut ws);
            sum += self.one_step.measure(&out, &y, h);
            let mut kbar = [zero; S];
            let mut gbar = [zero; S];
            let zbar = self
                .one_step
                .seed(tab, cfg, &y, h, &ws.k, &out, c, &mut kbar, &mut gbar);
            let ybar = stage_vjp(
                tab,
                f,
                t,
                &y,
                h,
                &ws.k,
                &mut kbar,
                &mut gbar,
                0,
                &mut g_direct,
            );
            lambda.push(zbar + ybar);
        }
        ys.push(*tape.state(n).ok_or(RegularizeError::EmptyRecord)?);
        let value = self.reduce(sum, n);
        if !value.is_finite() {
            return Err(RegularizeError::NonFiniteValue {
                t: to_f64(grid.t0),
                h: f64::NAN,
                value: to_f64(value),
            });
        }
        // The same frozen steps, "saved" at every step start, so that the adjoint receives
        // ∂R/∂y_n as the loss gradient at save time t_n.
        let mut saves = Vec::with_capacity(n);
        saves.push(SavePoint::Start);
        for i in 0..n - 1 {
            saves.push(SavePoint::Step {
                index: i,
                theta: T::one(),
            });
        }
        let at_starts = Tape {
            tab: *tape.tableau(),
            grid: StepGrid {
                t0: grid.t0,
                steps: grid.steps.clone(),
                times: grid.steps.iter().map(|s| s.0).collect(),
                saves,
            },
            ys,
            traj: Trajectory {
                t: Vec::new(),
                y: Vec::new(),
                stats: *tape.stats(),
            },
            stepping: tape.stepping,
        };
        let g = backward(&at_starts, tab, f, &lambda)?;
        for (a, (b, d)) in gp.iter_mut().zip(g.params.iter().zip(&g_direct)) {
            *a += *b + *d;
        }
        Ok(GlobalEval {
            value,
            steps: n,
            y0: g.y0,
        })
    }

    fn reduce(&self, sum: T, n: usize) -> T {
        match self.reduction {
            Reduction::Sum => sum,
            Reduction::Mean if n == 0 => T::zero(),
            Reduction::Mean => sum / cst::<T>(n as f64),
        }
    }
}
