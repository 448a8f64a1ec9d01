//! The outer loop (Wächter & Biegler 2006, Algorithm A): termination tests, μ update,
//! direction, line search, multiplier updates, and the switch into restoration.

use super::engine::{norm_1, norm_inf, Engine, EngineStatus, Evals, Iterate};
use super::filter::Filter;
use super::{line_search, restoration};
use crate::nlp::observer::{Control, IterInfo, Observer};

/// Restoration-mode stop test on the restoration iterate.
pub(crate) type Predicate<'p> = &'p mut dyn FnMut(&[f64]) -> bool;

/// Runs iterations from `it` until a termination test fires. In restoration mode
/// (`predicate` given) the run also stops, with `ReturnToRegular`, as soon as the predicate
/// holds for an accepted iterate.
pub(crate) fn run(
    eng: &mut Engine,
    it: &mut Iterate,
    ev: &mut Evals,
    iter: &mut usize,
    obs: &mut dyn Observer,
    mut predicate: Option<Predicate>,
) -> EngineStatus {
    let opt = eng.opt;
    let theta0 = norm_1(&ev.c);
    eng.filter = Filter::new(1e4 * theta0.max(1.0));
    eng.theta_min = 1e-4 * theta0.max(1.0);
    let mut last = IterInfo::default();
    let mut acceptable_count = 0usize;
    let mut stalled_huge = 0usize;
    let start = *iter;
    loop {
        let (e0, _, du, co) = eng.errors(it, ev, 0.0);
        if eng.report(obs, *iter, ev, it, &last) == Control::Stop {
            return EngineStatus::UserStop;
        }
        if let Some(pred) = predicate.as_mut() {
            if *iter > start && pred(&it.w) {
                return EngineStatus::ReturnToRegular;
            }
        }
        let os = eng.p.obj_scale();
        let viol = eng.p.viol_unscaled(&ev.c);
        if e0 <= opt.tol
            && viol <= opt.constr_viol_tol
            && du / os <= opt.dual_inf_tol
            && co / os <= opt.compl_inf_tol
        {
            return EngineStatus::Solved;
        }
        if e0 <= opt.acceptable_tol && viol <= opt.acceptable_constr_viol_tol && co / os <= 1e-2 {
            acceptable_count += 1;
        } else {
            acceptable_count = 0;
        }
        if acceptable_count >= opt.acceptable_iter.max(1) {
            return EngineStatus::Acceptable;
        }
        if *iter >= opt.max_iter {
            return if acceptable_count > 0 {
                EngineStatus::Acceptable
            } else {
                EngineStatus::MaxIter
            };
        }
        let xmax = norm_inf(&it.w[..eng.p.n_curv()]);
        if xmax > opt.diverging_iterates_tol {
            return EngineStatus::Diverging;
        }
        // Iterates pinned at an enormous magnitude (roundoff or the filter's θ_max stop
        // progress before the threshold is crossed; steps α‖d‖ below 1e-8‖x‖∞ for 20
        // iterations): also diverging.
        if xmax > opt.diverging_iterates_tol.sqrt() && last.alpha_pr * last.d_norm < 1e-8 * xmax {
            stalled_huge += 1;
            if stalled_huge >= 20 {
                return EngineStatus::Diverging;
            }
        } else {
            stalled_huge = 0;
        }
        if eng.update_mu(it, ev, e0) {
            eng.filter.reset();
        }
        let step = match eng.direction(it, ev) {
            Some((d, reg)) => {
                let r = line_search::search(eng, it, ev, &d).map(|a| (a, d, reg));
                if r.is_none() && std::env::var("IPM_DEBUG").is_ok() {
                    eprintln!("line search failed: e0 {e0:e} mu {:e}", eng.mu);
                }
                r
            }
            None => {
                if std::env::var("IPM_DEBUG").is_ok() {
                    eprintln!("direction failed: e0 {e0:e} mu {:e}", eng.mu);
                }
                None
            }
        };
        let Some((acc, d, reg)) = step else {
            if eng.adaptive {
                // leave free mode for good and retry with monotone μ
                eng.adaptive = false;
                eng.filter.reset();
                continue;
            }
            if eng.restoration {
                return EngineStatus::RestorationFailed;
            }
            if acceptable_count > 0 {
                return EngineStatus::Acceptable;
            }
            match restoration::restore(eng, it, ev, iter, obs) {
                Ok(()) => {
                    last = IterInfo {
                        restoration: true,
                        ..IterInfo::default()
                    };
                    continue;
                }
                Err(s) => return s,
            }
        };
        let alpha_z = eng.max_step_dual(it, &acc.dzl, &acc.dzu);
        let w_old = std::mem::replace(&mut it.w, acc.w);
        for (y, dy) in it.y.iter_mut().zip(&acc.dy) {
            *y += acc.alpha * dy;
        }
        for i in 0..eng.n {
            it.zl[i] += alpha_z * acc.dzl[i];
            it.zu[i] += alpha_z * acc.dzu[i];
        }
        eng.safeguard_z(it);
        let Some(ev_new) = eng.eval(&it.w) else {
            // f and c were finite but a derivative was not: give up on this point
            it.w = w_old;
            return EngineStatus::RestorationFailed;
        };
        eng.update_lbfgs(&w_old, ev, &it.w, &ev_new, &it.y);
        *ev = ev_new;
        *iter += 1;
        last = IterInfo {
            d_norm: norm_inf(&d.dw),
            regularization: reg,
            alpha_pr: acc.alpha,
            alpha_du: alpha_z,
            ls_trials: acc.trials,
            ..IterInfo::default()
        };
    }
}
