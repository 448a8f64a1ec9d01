//! The local regularizer evaluated over a whole mini-batch, as the reference code
//! (LocalRegNeuralDE.jl) does: the batch is one `D × N` state, so there is **one** `t_r`, one
//! automatic initial step `h` (RMS norms over all `N·D` entries) and one RMS error norm over
//! the whole array:
//!
//! `R_b = |h| · sqrt( (1/N) Σ_i E_i² )`, `E_i` = the RMS error norm of state `i` at the common
//! `h` (so `sqrt(mean E_i²)` is the RMS over all entries).
//!
//! As in the per-state definition, `z_i(t_r)`, `k₁,i` and `h` are constants; the gradient is
//! `Σ_i E_i / (N·E_b) · ∂(E_i·|h|)/∂θ` (`E_b = R_b/|h|`), each term from
//! [`OneStep::value_and_grad_frozen_with`].

use super::error::RegularizeError;
use super::local::{check_step, dir_and_h_max, FirstStage, Frozen, OneStep, Quantity};
use crate::control::initial_step_batch;
use crate::tableau::to_f64;
use crate::{cst, ParamField, State, Tableau, VectorField};
use nalgebra::RealField;

impl<T: RealField + Copy> OneStep<T> {
    /// The constants of the batch-level step at `t`: `k₁,i = f(t, z_i)` and one automatic
    /// initial step for the batch as one system (OrdinaryDiffEq's `ode_determine_initdt` with
    /// RMS norms over all `N·D` entries, `h_max = |t1 − t|`, as [`OneStep::freeze`] does for
    /// one state). Every returned [`Frozen`] carries the common `h`; `nfe` is 2 per state.
    ///
    /// # Errors
    /// [`RegularizeError::EmptyBatch`], [`RegularizeError::NotBatchable`], and the errors of
    /// [`OneStep::freeze`] for any state.
    pub fn freeze_batch<const S: usize, const D: usize, F>(
        &self,
        tab: &Tableau<S, T>,
        f: &F,
        t: T,
        zs: &[State<D, T>],
        span: (T, T),
    ) -> Result<Vec<Frozen<D, T>>, RegularizeError>
    where
        F: VectorField<D, T> + ?Sized,
    {
        self.check_batchable(tab, zs.len())?;
        let mut frs = zs
            .iter()
            .map(|z| self.freeze_with_step(tab, f, t, z, span, T::one()))
            .collect::<Result<Vec<_>, _>>()?;
        let (dir, h_max) = dir_and_h_max(t, span);
        let scale = cst::<T>((zs.len() * D) as f64).sqrt();
        let k1s: Vec<State<D, T>> = frs.iter().map(|fr| fr.k1).collect();
        let (h, _) = initial_step_batch(
            f,
            t,
            zs,
            &k1s,
            tab.order,
            self.rtol * scale,
            self.atol * scale,
            dir,
            h_max,
        );
        for fr in &mut frs {
            fr.h = h;
            fr.nfe = 2;
            check_step(fr)?;
        }
        Ok(frs)
    }

    /// `R_b = |h|·sqrt(mean_i E_i²)` over the frozen states `frs` (all with the same `h`, as
    /// [`OneStep::freeze_batch`] returns them) and `weight·∂R_b/∂θ` added into `gp`; returns
    /// the unweighted `R_b`. Cost per state: twice the stages (value, then gradient).
    ///
    /// # Errors
    /// [`RegularizeError::EmptyBatch`], [`RegularizeError::NotBatchable`],
    /// [`RegularizeError::BatchSteps`] for states with different `h`, and the errors of
    /// [`OneStep::value_and_grad_frozen_with`]; input errors leave `gp` untouched.
    pub fn batch_value_and_grad_frozen<const S: usize, const D: usize, F>(
        &self,
        tab: &Tableau<S, T>,
        f: &F,
        frs: &[Frozen<D, T>],
        first_stage: FirstStage,
        weight: T,
        gp: &mut [T],
    ) -> Result<T, RegularizeError>
    where
        F: ParamField<D, T> + ?Sized,
    {
        self.check_batchable(tab, frs.len())?;
        if gp.len() != f.params().len() {
            return Err(RegularizeError::ParamLength {
                expected: f.params().len(),
                got: gp.len(),
            });
        }
        let h = frs[0].h;
        if let Some(fr) = frs.iter().find(|fr| fr.h != h) {
            return Err(RegularizeError::BatchSteps {
                first: to_f64(h),
                other: to_f64(fr.h),
            });
        }
        let n = cst::<T>(frs.len() as f64);
        let e: Vec<T> = frs
            .iter()
            .map(|fr| Ok(self.value_frozen(tab, f, fr)? / h.abs()))
            .collect::<Result<_, RegularizeError>>()?;
        let eb = (e.iter().fold(T::zero(), |a, &x| a + x * x) / n).sqrt();
        if eb > T::zero() {
            for (fr, &ei) in frs.iter().zip(&e) {
                let wi = weight * ei / (n * eb);
                if wi != T::zero() {
                    self.value_and_grad_frozen_with(tab, f, fr, first_stage, wi, gp)?;
                }
            }
        }
        Ok(eb * h.abs())
    }

    fn check_batchable<const S: usize>(
        &self,
        tab: &Tableau<S, T>,
        n: usize,
    ) -> Result<(), RegularizeError> {
        self.check(tab)?;
        if n == 0 {
            return Err(RegularizeError::EmptyBatch);
        }
        let quantity = match self.quantity {
            Quantity::Error if tab.b_hat2.is_none() => return Ok(()),
            Quantity::Error => "a double error estimate",
            Quantity::Stiffness => "the stiffness quantity",
        };
        Err(RegularizeError::NotBatchable {
            method: tab.name,
            quantity,
        })
    }
}
