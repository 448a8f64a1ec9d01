//! The discrete adjoint: exact reverse-mode derivative of the recorded step sequence.

use super::error::SensitivityError;
use super::stage_records::{Recompute, StageSource};
use super::stage_reverse::stage_reverse;
use super::tape::{SavePoint, Tape};
use super::time::TimeDerivative;
use super::{Gradients, TableauGrad, TableauGradStatus};
use crate::tableau::{interp_coeffs, to_f64, Interpolant};
use crate::{ParamField, State, Tableau};
use nalgebra::RealField;

/// Check the inputs common to both adjoints.
pub(crate) fn check_inputs<const S: usize, const D: usize, T: RealField + Copy>(
    tape: &Tape<S, D, T>,
    tab: &Tableau<S, T>,
    dl_dy: &[State<D, T>],
) -> Result<(), SensitivityError> {
    if *tab != tape.tab {
        return Err(SensitivityError::TableauMismatch {
            recorded: tape.tab.name,
            given: tab.name,
        });
    }
    let expected = tape.grid.saves.len();
    if dl_dy.len() != expected {
        return Err(SensitivityError::LossGradientLength {
            expected,
            got: dl_dy.len(),
        });
    }
    for (index, g) in dl_dy.iter().enumerate() {
        if let Some(component) = g.iter().position(|v| !v.is_finite()) {
            return Err(SensitivityError::NonFiniteLossGradient {
                index,
                t: to_f64(tape.grid.times[index]),
                component,
            });
        }
    }
    Ok(())
}

/// Discrete adjoint with [`TimeDerivative::Skip`]: exact `∂L/∂y0`, `∂L/∂θ`, `∂L/∂A`, `∂L/∂b`
/// of the recorded solve; `∂L/∂c` is NaN (see [`backward_with`] to get it).
///
/// `dl_dy[i]` is `∂L/∂y(t_i)` for save time `i` of the tape.
///
/// # Errors
/// See [`backward_with`].
pub fn backward<const S: usize, const D: usize, T, F>(
    tape: &Tape<S, D, T>,
    tab: &Tableau<S, T>,
    f: &F,
    dl_dy: &[State<D, T>],
) -> Result<Gradients<S, D, T>, SensitivityError>
where
    T: RealField + Copy,
    F: ParamField<D, T> + ?Sized,
{
    backward_with(tape, tab, f, dl_dy, TimeDerivative::Skip)
}

/// Discrete adjoint: backpropagate `dl_dy` through the recorded accepted steps (step sizes
/// and the step sequence are constants), the stage equations and the dense output.
///
/// # What is differentiated
/// Exactly the function that [`replay`](super::replay) computes on the tape's grid, which is
/// what [`crate::solve_at`] computes with its steps frozen: stages
/// `k_i = f(t + c_i h, y + h Σ_{j<i} a_ij k_j)`, `y⁺ = y + h Σ b_i k_i` — except for FSAL
/// tableaus, where (as in the kernel) `y⁺` *is* the last stage state and the next step's first
/// stage *is* this step's last stage, so the weights act through row `S−1` of `A` and
/// `∂L/∂b = 0`; for such tableaus the derivative with respect to the shared weights
/// `b = a_{S−1,·}` is `tableau.b + tableau.a[S−1]`. Save times inside a step go through the
/// dense output (Dopri5/Tsit5 weights are constants of θ; Hermite through `y`, `y⁺`, `k_1`
/// and `f(t+h, y⁺)`). `∂L/∂a_ij` is reported for the whole strict lower triangle (zero entries
/// included), `∂L/∂c` according to `time` (see [`TimeDerivative`]).
///
/// # Cost
/// Per step: the `S` stages are recomputed with [`crate::step::step`] through
/// [`ParamField::eval_recorded`] (`S` evaluations; `S − 1` for FSAL tableaus, whose last stage
/// is the next step's first, recomputed just before), then one [`ParamField::vjp_recorded`]
/// per stage with a nonzero cotangent (`S − 1` for FSAL; one plain VJP more for a Hermite save
/// inside a non-FSAL step), plus whatever `time` costs. For an MLP a recorded VJP is the
/// reverse sweep only, about one evaluation. No heap allocation inside the step loop (θ's
/// gradient and `S + 1` evaluation records are allocated once). [`super::backward_stages`]
/// skips the recomputation altogether.
///
/// # Errors
/// [`SensitivityError::TableauMismatch`] if `tab` is not the recorded tableau,
/// [`SensitivityError::LossGradientLength`] / [`SensitivityError::NonFiniteLossGradient`] for
/// bad `dl_dy`, [`SensitivityError::NonFiniteAdjoint`] (with the step and its start time) if
/// the adjoint overflows.
#[allow(clippy::needless_range_loop)] // i, j index a, k and kbar together
pub fn backward_with<const S: usize, const D: usize, T, F>(
    tape: &Tape<S, D, T>,
    tab: &Tableau<S, T>,
    f: &F,
    dl_dy: &[State<D, T>],
    time: TimeDerivative<'_, D, T>,
) -> Result<Gradients<S, D, T>, SensitivityError>
where
    T: RealField + Copy,
    F: ParamField<D, T> + ?Sized,
{
    check_inputs(tape, tab, dl_dy)?;
    // The recomputed stages keep their evaluation records, so the VJPs skip the forward pass
    // (fields without records fall back to plain VJPs).
    let mut src = Recompute::new(tab, f);
    backward_core(tape, tab, f, dl_dy, time, &mut src)
}

/// The discrete adjoint's step loop, with the stages from `src`. Inputs are checked.
#[allow(clippy::needless_range_loop)] // i, j index a, k and kbar together
pub(crate) fn backward_core<const S: usize, const D: usize, T, F, Src>(
    tape: &Tape<S, D, T>,
    tab: &Tableau<S, T>,
    f: &F,
    dl_dy: &[State<D, T>],
    time: TimeDerivative<'_, D, T>,
    src: &mut Src,
) -> Result<Gradients<S, D, T>, SensitivityError>
where
    T: RealField + Copy,
    F: ParamField<D, T> + ?Sized,
    Src: StageSource<S, D, T>,
{
    let zero = State::<D, T>::zeros();
    let np = f.params().len();
    let mut gp = vec![T::zero(); np];
    let mut ga = [[T::zero(); S]; S];
    let mut gb = [T::zero(); S];
    let mut gc = [T::zero(); S];
    let with_time = !matches!(time, TimeDerivative::Skip);
    let fsal = tab.fsal;
    let interp = tab.interpolant;
    let saves = &tape.grid.saves;
    let steps = &tape.grid.steps;

    let mut s = saves.len(); // saves[s..] are done
    let mut ybar = zero; // adjoint of y_{n+1}
    let mut kcarry = zero; // FSAL: adjoint of this step's last stage from the next step's k_1
    for n in (0..steps.len()).rev() {
        let (t, h) = steps[n];
        let y = &tape.ys[n];
        let y1 = &tape.ys[n + 1];
        let k = &src.load(n, t, y, h);

        let mut kbar = [zero; S];
        let mut ybar_n = zero;
        let mut f1bar = zero;
        // Save times in this step.
        while s > 0 {
            let SavePoint::Step { index, theta } = saves[s - 1] else {
                break;
            };
            if index != n {
                break;
            }
            s -= 1;
            let w = &dl_dy[s];
            if theta >= T::one() {
                ybar += w;
                continue;
            }
            match interp {
                Interpolant::Hermite => {
                    let one = T::one();
                    let q = theta * (theta - one);
                    let r = one - (theta + theta);
                    ybar_n.axpy(one - theta - q * r, w, one);
                    ybar.axpy(theta + q * r, w, one);
                    kbar[0].axpy(q * h * (theta - one), w, one);
                    f1bar.axpy(q * h * theta, w, one);
                }
                Interpolant::Dopri5 | Interpolant::Tsit5 => {
                    let wt: [T; 7] = if interp == Interpolant::Dopri5 {
                        interp_coeffs::dopri5_interp_b(theta)
                    } else {
                        interp_coeffs::tsit5_interp_b(theta)
                    };
                    ybar_n += w;
                    for i in 0..S.min(7) {
                        kbar[i].axpy(h * wt[i], w, T::one());
                    }
                }
            }
        }
        // Hermite's f(t + h, y⁺).
        if f1bar != zero {
            if fsal {
                kbar[S - 1] += f1bar;
            } else {
                f.vjp(t + h, y1, &f1bar, &mut ybar, &mut gp);
            }
        }
        // The step's output y⁺.
        if !fsal {
            ybar_n += ybar;
            for i in 0..S {
                kbar[i].axpy(h * tab.b[i], &ybar, T::one());
                gb[i] += h * k[i].dot(&ybar);
            }
        } else if n + 1 < steps.len() {
            kbar[S - 1] += kcarry;
        }
        // Stages in reverse. FSAL: y⁺ is the last stage state, and k_1 of this step is the
        // previous step's last stage (frozen here, its cotangent carried to step n − 1).
        let mut gbar = [zero; S];
        if fsal {
            gbar[S - 1] = ybar;
        }
        let first = usize::from(fsal && n > 0);
        let src_ref = &*src;
        ybar_n += stage_reverse(
            tab,
            t,
            y,
            h,
            k,
            &mut kbar,
            &mut gbar,
            first,
            |i, tau, g, w, gb| {
                src_ref.vjp(i, tau, g, w, gb, &mut gp);
                if with_time {
                    if let Some(d) = time.eval(f, tau, g, w) {
                        gc[i] += h * d;
                    }
                }
            },
            |i, gb| {
                for j in 0..i {
                    ga[i][j] += h * k[j].dot(gb);
                }
            },
        );
        if first == 1 {
            kcarry = kbar[0];
        }
        let finite = ybar_n.iter().all(|v| v.is_finite())
            && kcarry.iter().all(|v| v.is_finite())
            && gp.iter().all(|v| v.is_finite());
        if !finite {
            return Err(SensitivityError::NonFiniteAdjoint {
                step: n,
                t: to_f64(t),
            });
        }
        ybar = ybar_n;
        src.finish(t, y, &k[0]);
    }
    // Save times at t0.
    while s > 0 {
        s -= 1;
        ybar += dl_dy[s];
    }
    let status = if with_time {
        match time {
            TimeDerivative::CentralDifference => TableauGradStatus::NodesByCentralDifference,
            _ => TableauGradStatus::Complete,
        }
    } else {
        gc = [T::zero() / T::zero(); S];
        TableauGradStatus::NodesSkipped
    };
    Ok(Gradients {
        y0: ybar,
        params: gp,
        tableau: TableauGrad {
            a: ga,
            b: gb,
            c: gc,
        },
        tableau_status: status,
    })
}
