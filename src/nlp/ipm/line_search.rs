//! Backtracking filter line search with second-order corrections (Wächter & Biegler 2006,
//! §2.3–2.4, Algorithm A steps ).

use super::engine::{norm_1, Direction, Engine, Evals, Iterate};
use super::filter::{GAMMA_PHI, GAMMA_THETA};

const DELTA: f64 = 1.0;
const S_THETA: f64 = 1.1;
const S_PHI: f64 = 2.3;
const ETA_PHI: f64 = 1e-8;
const GAMMA_ALPHA: f64 = 0.05;
const KAPPA_SOC: f64 = 0.99;

/// An accepted trial point and the steps that lead to it.
pub(crate) struct Accepted {
    pub w: Vec<f64>,
    pub alpha: f64,
    pub dy: Vec<f64>,
    pub dzl: Vec<f64>,
    pub dzu: Vec<f64>,
    pub trials: usize,
}

struct Current {
    theta: f64,
    phi: f64,
    gphi_d: f64,
}

/// Acceptance test; returns `Some(f_type)` if accepted.
fn test(eng: &Engine, cur: &Current, theta_t: f64, phi_t: f64, alpha: f64) -> Option<bool> {
    if !theta_t.is_finite() || !phi_t.is_finite() || !eng.filter.acceptable(theta_t, phi_t) {
        return None;
    }
    let switching =
        cur.gphi_d < 0.0 && alpha * (-cur.gphi_d).powf(S_PHI) > DELTA * cur.theta.powf(S_THETA);
    if cur.theta <= eng.theta_min && switching {
        if phi_t <= cur.phi + ETA_PHI * alpha * cur.gphi_d {
            Some(true)
        } else {
            None
        }
    } else if theta_t <= (1.0 - GAMMA_THETA) * cur.theta || phi_t <= cur.phi - GAMMA_PHI * cur.theta
    {
        Some(false)
    } else {
        None
    }
}

fn trial(eng: &Engine, w: &[f64], dw: &[f64], alpha: f64) -> (Vec<f64>, f64, f64, Vec<f64>) {
    let wt: Vec<f64> = w.iter().zip(dw).map(|(a, b)| a + alpha * b).collect();
    match eng.eval_fc(&wt) {
        Some((f, c)) => {
            let phi = eng.barrier(&wt, f, eng.mu);
            (wt, norm_1(&c), phi, c)
        }
        None => (wt, f64::INFINITY, f64::INFINITY, Vec::new()),
    }
}

/// Runs the line search from `it` along `d`. On success the filter has been augmented as
/// needed; `None` means α fell below α_min (the caller enters restoration).
pub(crate) fn search(
    eng: &mut Engine,
    it: &Iterate,
    ev: &Evals,
    d: &Direction,
) -> Option<Accepted> {
    let theta = norm_1(&ev.c);
    let phi = eng.barrier(&it.w, ev.f, eng.mu);
    let gphi = eng.barrier_grad(&it.w, &ev.grad, eng.mu);
    let gphi_d: f64 = gphi.iter().zip(&d.dw).map(|(a, b)| a * b).sum();
    let cur = Current { theta, phi, gphi_d };
    let alpha_min = if gphi_d < 0.0 {
        let g = -gphi_d;
        let mut a = GAMMA_THETA.min(GAMMA_PHI * theta / g);
        if theta <= eng.theta_min {
            a = a.min(DELTA * theta.powf(S_THETA) / g.powf(S_PHI));
        }
        GAMMA_ALPHA * a
    } else {
        GAMMA_ALPHA * GAMMA_THETA
    };
    let alpha_max = eng.max_step_primal(&it.w, &d.dw);
    // tiny step: accept without line search (IPOPT's tiny_step_tol = 10 ε)
    let tiny = (0..eng.n).all(|i| d.dw[i].abs() <= 10.0 * f64::EPSILON * (1.0 + it.w[i].abs()));
    let mut alpha = alpha_max;
    let mut trials = 0;
    loop {
        trials += 1;
        let (wt, theta_t, phi_t, c_t) = trial(eng, &it.w, &d.dw, alpha);
        let accepted = if tiny && theta_t.is_finite() {
            Some(false)
        } else {
            test(eng, &cur, theta_t, phi_t, alpha)
        };
        if let Some(f_type) = accepted {
            if !f_type && !tiny {
                eng.filter.add(theta, phi);
            }
            return Some(Accepted {
                w: wt,
                alpha,
                dy: d.dy.clone(),
                dzl: d.dzl.clone(),
                dzu: d.dzu.clone(),
                trials,
            });
        }
        // second-order correction on the first trial when θ did not decrease
        if trials == 1 && eng.m > 0 && theta_t.is_finite() && theta_t >= theta {
            if let Some(acc) = soc(eng, it, ev, d, &cur, alpha, c_t, theta_t, &mut trials) {
                return Some(acc);
            }
        }
        alpha *= 0.5;
        if alpha < alpha_min || trials > 60 {
            return None;
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn soc(
    eng: &mut Engine,
    it: &Iterate,
    ev: &Evals,
    d: &Direction,
    cur: &Current,
    alpha0: f64,
    c_trial: Vec<f64>,
    theta_trial: f64,
    trials: &mut usize,
) -> Option<Accepted> {
    let mut c_soc: Vec<f64> =
        ev.c.iter()
            .zip(&c_trial)
            .map(|(a, b)| alpha0 * a + b)
            .collect();
    let mut theta_old = cur.theta;
    let mut theta_t = theta_trial;
    for _ in 0..eng.opt.max_soc {
        if theta_t > KAPPA_SOC * theta_old && theta_old != cur.theta {
            break;
        }
        theta_old = theta_t;
        let (dw, dy) = eng.solve_with(&d.rhs_w, &c_soc)?;
        let alpha_soc = eng.max_step_primal(&it.w, &dw);
        *trials += 1;
        let (wt, th, phi_t, ct) = trial(eng, &it.w, &dw, alpha_soc);
        if !th.is_finite() {
            return None;
        }
        if let Some(f_type) = test(eng, cur, th, phi_t, alpha0) {
            if !f_type {
                eng.filter.add(cur.theta, cur.phi);
            }
            let (dzl, dzu) = eng.dz(it, &dw);
            return Some(Accepted {
                w: wt,
                alpha: alpha_soc,
                dy,
                dzl,
                dzu,
                trials: *trials,
            });
        }
        theta_t = th;
        c_soc = c_soc
            .iter()
            .zip(&ct)
            .map(|(a, b)| alpha_soc * a + b)
            .collect();
    }
    None
}
