//! Adaptive-step solving with an embedded pair (Hairer's DOPRI5 logic).

use super::{check_span, check_y0, first_non_finite, Accepted, Adaptive, Stats, StepObserver};
use crate::control::{error_order, initial_step, Controller, Decision, PiController};
use crate::step::{error_norm, step, StepConfig, Workspace};
use crate::tableau::to_f64;
use crate::{cst, SolveError, State, Tableau, VectorField};
use nalgebra::RealField;

/// Integrate `y' = f(t, y)` from `t0` to `t1` with error control, using an embedded pair.
///
/// Follows Hairer's DOPRI5: scaled RMS error norm (see [`crate::step::error_norm`]), PI
/// controller ([`PiController`]), Hairer's initial step when `opts.h0` is `None`, FSAL reuse,
/// steps stretched by up to 1% to land on `t1`, no growth right after a rejection, and a
/// rejection (with the smallest allowed factor) when the error estimate is not finite.
/// `t1 < t0` integrates backwards. Makes no heap allocation.
///
/// # Errors
/// Everything [`crate::solve_fixed`] reports, plus: a tableau without `b_hat`, invalid
/// tolerances or options, step-size underflow, and more than `opts.max_steps` attempts.
pub fn solve_adaptive<const S: usize, const D: usize, T, F>(
    tab: &Tableau<S, T>,
    f: &F,
    t0: T,
    t1: T,
    y0: State<D, T>,
    opts: &Adaptive<T>,
) -> Result<(State<D, T>, Stats), SolveError>
where
    T: RealField + Copy,
    F: VectorField<D, T> + ?Sized,
{
    solve_adaptive_with(tab, f, t0, t1, y0, opts, &mut ())
}

/// Check adaptive options; returns the controller to use.
fn check_opts<const S: usize, T: RealField + Copy>(
    tab: &Tableau<S, T>,
    opts: &Adaptive<T>,
) -> Result<PiController<T>, SolveError> {
    if tab.b_hat.is_none() {
        return Err(SolveError::NoErrorEstimate { method: tab.name });
    }
    let (rtol, atol) = (opts.rtol, opts.atol);
    let ok = rtol.is_finite()
        && atol.is_finite()
        && rtol >= T::zero()
        && atol >= T::zero()
        && (rtol > T::zero() || atol > T::zero());
    if !ok {
        return Err(SolveError::InvalidTolerance {
            rtol: to_f64(rtol),
            atol: to_f64(atol),
        });
    }
    if let Some(h0) = opts.h0 {
        if !(h0.is_finite() && h0 > T::zero()) {
            return Err(SolveError::InvalidStepSize { h: to_f64(h0) });
        }
    }
    if let Some(hm) = opts.h_max {
        if !(hm.is_finite() && hm > T::zero()) {
            return Err(SolveError::InvalidOption {
                name: "h_max",
                value: to_f64(hm),
                expected: "finite and > 0",
            });
        }
    }
    if opts.max_steps == 0 {
        return Err(SolveError::InvalidOption {
            name: "max_steps",
            value: 0.0,
            expected: "≥ 1",
        });
    }
    let ctrl = opts
        .controller
        .unwrap_or_else(|| PiController::hairer_for_order(tab.order));
    ctrl.check()
        .map_err(|(name, value, expected)| SolveError::InvalidOption {
            name,
            value: to_f64(value),
            expected,
        })?;
    Ok(ctrl)
}

/// [`solve_adaptive`] reporting every accepted step to `obs`.
pub fn solve_adaptive_with<const S: usize, const D: usize, T, F, O>(
    tab: &Tableau<S, T>,
    f: &F,
    t0: T,
    t1: T,
    y0: State<D, T>,
    opts: &Adaptive<T>,
    obs: &mut O,
) -> Result<(State<D, T>, Stats), SolveError>
where
    T: RealField + Copy,
    F: VectorField<D, T> + ?Sized,
    O: StepObserver<S, D, T> + ?Sized,
{
    tab.validate()?;
    let dir = check_span(t0, t1)?;
    check_y0(&y0)?;
    let mut ctrl = check_opts(tab, opts)?;
    ctrl.reset(error_order(tab));
    let (rtol, atol) = (opts.rtol, opts.atol);
    let h_max = opts.h_max.unwrap_or((t1 - t0).abs()).min((t1 - t0).abs());

    let cfg_full = StepConfig::for_tableau(tab);
    let cfg_plain = StepConfig {
        stiffness_pair: None,
        ..cfg_full
    };
    // Countdown to the next attempt that estimates stiffness (0 = never).
    let every = if obs.wants_stiffness() {
        1
    } else {
        opts.stiffness_interval
    };
    let mut until_stiff = if every > 0 { 1 } else { 0 };
    let want_end = obs.wants_end_derivative() && !tab.fsal;
    let mut ws = Workspace::<S, D, T>::new();
    let mut stats = Stats::default();
    let mut y = y0;
    let mut t = t0;

    // First stage at t0 (reused by the first step), then the initial step.
    ws.k[0] = f.eval(t0, &y);
    stats.nfe += 1;
    ws.k1_ready = tab.c[0] == T::zero();
    let mut h = match opts.h0 {
        Some(h0) => h0.min(h_max) * dir,
        None => {
            let (h, n) = initial_step(f, t0, &y, &ws.k[0], tab.order, rtol, atol, dir, h_max);
            stats.nfe += n;
            h
        }
    };

    let uround = T::default_epsilon();
    let mut attempts = 0usize;
    let mut non_finite: Option<usize> = None;
    loop {
        if attempts >= opts.max_steps {
            return Err(SolveError::MaxStepsExceeded {
                max_steps: opts.max_steps,
                t: to_f64(t),
                t1: to_f64(t1),
            });
        }
        attempts += 1;
        if cst::<T>(0.1) * h.abs() <= t.abs() * uround || h == T::zero() || !h.is_finite() {
            if let Some(index) = non_finite {
                return Err(SolveError::NonFiniteState {
                    t: to_f64(t),
                    h: to_f64(h),
                    step: stats.accepted,
                    index,
                });
            }
            return Err(SolveError::StepSizeUnderflow {
                t: to_f64(t),
                h: to_f64(h),
            });
        }
        let mut last = false;
        if (t + cst::<T>(1.01) * h - t1) * dir >= T::zero() {
            h = t1 - t;
            last = true;
        }

        // Stiffness on the first attempt and then every `every`-th one (Hairer's NSTIFF).
        let cfg = if until_stiff == 1 {
            until_stiff = every;
            cfg_full
        } else {
            until_stiff = until_stiff.saturating_sub(1);
            cfg_plain
        };
        let out = step(tab, f, t, &y, h, cfg, &mut ws);
        stats.nfe += out.nfe;
        let err = match &out.err {
            Some(e) => error_norm(e, out.err2.as_ref(), &y, &out.y_new, rtol, atol),
            None => T::zero(),
        };
        non_finite = first_non_finite(&out.y_new);
        let err = if non_finite.is_some() {
            T::one() / T::zero() // forces a rejection with the smallest factor
        } else {
            err
        };

        match ctrl.decide(err, h) {
            Decision::Accept { h_next } => {
                let f_new = if want_end && !last {
                    stats.nfe += 1;
                    Some(f.eval(t + h, &out.y_new))
                } else if want_end {
                    stats.nfe += 1;
                    Some(f.eval(t1, &out.y_new))
                } else {
                    None
                };
                stats.note_stiffness(h, out.stiffness);
                obs.on_accept(&Accepted {
                    index: stats.accepted,
                    t,
                    h,
                    y: &y,
                    y_new: &out.y_new,
                    k: &ws.k,
                    f_new: if tab.fsal {
                        Some(&ws.k[S - 1])
                    } else {
                        f_new.as_ref()
                    },
                    err_norm: Some(err),
                    stiffness: out.stiffness,
                });
                if tab.fsal {
                    ws.k[0] = ws.k[S - 1];
                } else if let Some(fk) = f_new {
                    ws.k[0] = fk;
                } else {
                    ws.k1_ready = false;
                }
                stats.accepted += 1;
                stats.last_h = to_f64(h);
                y = out.y_new;
                t = if last { t1 } else { t + h };
                if last {
                    return Ok((y, stats));
                }
                let mut hn = h_next;
                if hn.abs() > h_max {
                    hn = h_max * dir;
                }
                h = hn;
            }
            Decision::Reject { h_next } => {
                stats.rejected += 1;
                h = h_next;
            }
        }
    }
}
