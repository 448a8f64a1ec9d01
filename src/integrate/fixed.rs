//! Fixed-step solving.

use super::{check_span, check_y0, first_non_finite, Accepted, Stats, StepObserver};
use crate::step::{step, StepConfig, Workspace};
use crate::tableau::to_f64;
use crate::{cst, SolveError, State, Tableau, VectorField};
use nalgebra::RealField;

/// Integrate `y' = f(t, y)` from `t0` to `t1` with steps of magnitude `h` (> 0) using `tab`.
///
/// Takes `n = ⌈|t1 − t0| / h⌉` steps (a span that is a multiple of `h` up to a relative 1e-10
/// round-off gives exactly that many); step `i` starts at `t0 ± i·h` (no accumulated round-off)
/// and the last step ends exactly at `t1`. `t1 < t0` integrates backwards. FSAL tableaus reuse
/// their last stage. Makes no heap allocation. The stiffness estimate is computed only for
/// observers that ask for it ([`StepObserver::wants_stiffness`]).
///
/// # Errors
/// Invalid tableau, non-finite `y0` or times, `t1 == t0`, `h` not finite or ≤ 0 (or so small
/// that the step count overflows), and a state that becomes non-finite (with its time and
/// step).
pub fn solve_fixed<const S: usize, const D: usize, T, F>(
    tab: &Tableau<S, T>,
    f: &F,
    t0: T,
    t1: T,
    y0: State<D, T>,
    h: T,
) -> Result<(State<D, T>, Stats), SolveError>
where
    T: RealField + Copy,
    F: VectorField<D, T> + ?Sized,
{
    solve_fixed_with(tab, f, t0, t1, y0, h, &mut ())
}

/// [`solve_fixed`] reporting every step to `obs`.
pub fn solve_fixed_with<const S: usize, const D: usize, T, F, O>(
    tab: &Tableau<S, T>,
    f: &F,
    t0: T,
    t1: T,
    y0: State<D, T>,
    h: T,
    obs: &mut O,
) -> Result<(State<D, T>, Stats), SolveError>
where
    T: RealField + Copy,
    F: VectorField<D, T> + ?Sized,
    O: StepObserver<S, D, T> + ?Sized,
{
    tab.validate()?;
    let dir = check_span(t0, t1)?;
    if !(h.is_finite() && h > T::zero()) {
        return Err(SolveError::InvalidStepSize { h: to_f64(h) });
    }
    check_y0(&y0)?;
    // The step count is computed on the real parts (`ceil` is not defined for dual numbers).
    let ratio = to_f64((t1 - t0).abs()) / to_f64(h);
    let n_f64 = (ratio * (1.0 - 1e-10)).ceil().max(1.0);
    if !(n_f64.is_finite() && n_f64 < 1e15) || t0 + dir * h == t0 {
        return Err(SolveError::StepSizeUnderflow {
            t: to_f64(t0),
            h: to_f64(h),
        });
    }
    let n = n_f64 as usize;

    let cfg = StepConfig {
        error: false,
        stiffness_pair: if obs.wants_stiffness() {
            tab.stiffness_pair()
        } else {
            None
        },
    };
    let want_end = obs.wants_end_derivative() && !tab.fsal;
    let mut ws = Workspace::<S, D, T>::new();
    let mut stats = Stats::default();
    let mut y = y0;
    for i in 0..n {
        let t = t0 + dir * h * cst::<T>(i as f64);
        let hi = if i + 1 == n { t1 - t } else { dir * h };
        let out = step(tab, f, t, &y, hi, cfg, &mut ws);
        stats.nfe += out.nfe;
        if let Some(index) = first_non_finite(&out.y_new) {
            return Err(SolveError::NonFiniteState {
                t: to_f64(t),
                h: to_f64(hi),
                step: i,
                index,
            });
        }
        let f_new = if want_end {
            stats.nfe += 1;
            Some(f.eval(t + hi, &out.y_new))
        } else {
            None
        };
        stats.note_stiffness(hi, out.stiffness);
        obs.on_accept(&Accepted {
            index: i,
            t,
            h: hi,
            y: &y,
            y_new: &out.y_new,
            k: &ws.k,
            f_new: if tab.fsal {
                Some(&ws.k[S - 1])
            } else {
                f_new.as_ref()
            },
            err_norm: None,
            stiffness: out.stiffness,
        });
        if tab.fsal {
            ws.k[0] = ws.k[S - 1];
        } else if let Some(fk) = f_new {
            ws.k[0] = fk;
        } else {
            ws.k1_ready = false;
        }
        y = out.y_new;
        stats.accepted += 1;
        stats.last_h = to_f64(hi);
    }
    Ok((y, stats))
}
