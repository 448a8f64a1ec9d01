//! [`InteriorPoint`]: a primal–dual interior-point filter line-search method after IPOPT
//! (Wächter & Biegler 2006, Math. Prog. 106:25–57).
//!
//! Structure: `inner` (slacks, scaling, the internal problem form), `validate` (typed input
//! checks), `kkt` (assembly, inertia correction), `engine` (iterate algebra, μ, errors),
//! `line_search` (filter + second-order corrections), `restoration` (feasibility restoration),
//! `driver` (the outer loop), `step` (multiplier steps, fraction to the boundary), `filter`,
//! `mu` (barrier updates).

mod driver;
mod engine;
mod filter;
mod inner;
mod kkt;
mod line_search;
mod mu;
mod reduced;
mod restoration;
mod step;
mod validate;

use crate::nlp::observer::{NoObserver, Observer};
use crate::nlp::options::{HessianApproximation, LinearSolver, Options};
use crate::nlp::solution::{Solution, Status};
use crate::nlp::Nlp;
use engine::{norm_inf, Engine, EngineStatus, Iterate};
use inner::{Inner, Scaled};

/// The interior-point solver. Construct with [`InteriorPoint::new`] (or `default()`), then call
/// [`InteriorPoint::solve`] on any `&dyn Nlp`; the solver holds only options, so one value can
/// solve many problems (also concurrently).
///
/// ```
/// use nodal::nlp::{InteriorPoint, Nlp, Options, Status};
/// /// min (x0 − 1)² + (x1 − 2)²  s.t.  x0 + x1 = 1
/// struct P;
/// impl Nlp for P {
///     fn num_vars(&self) -> usize { 2 }
///     fn num_cons(&self) -> usize { 1 }
///     fn bounds(&self, xl: &mut [f64], xu: &mut [f64], gl: &mut [f64], gu: &mut [f64]) {
///         xl.fill(f64::NEG_INFINITY); xu.fill(f64::INFINITY); gl[0] = 1.0; gu[0] = 1.0;
///     }
///     fn initial_point(&self, x: &mut [f64]) { x.fill(0.0); }
///     fn objective(&self, x: &[f64]) -> f64 { (x[0] - 1.0).powi(2) + (x[1] - 2.0).powi(2) }
///     fn gradient(&self, x: &[f64], g: &mut [f64]) { g[0] = 2.0 * (x[0] - 1.0); g[1] = 2.0 * (x[1] - 2.0); }
///     fn constraints(&self, x: &[f64], g: &mut [f64]) { g[0] = x[0] + x[1]; }
///     fn jacobian_structure(&self) -> Vec<(usize, usize)> { vec![(0, 0), (0, 1)] }
///     fn jacobian_values(&self, _x: &[f64], v: &mut [f64]) { v.fill(1.0); }
///     fn hessian_structure(&self) -> Option<Vec<(usize, usize)>> { Some(vec![(0, 0), (1, 1)]) }
///     fn hessian_values(&self, _x: &[f64], s: f64, _l: &[f64], v: &mut [f64]) { v.fill(2.0 * s); }
/// }
/// let sol = InteriorPoint::new(Options::default()).solve(&P);
/// assert_eq!(sol.status, Status::Solved);
/// assert!((sol.x[0] - 0.0).abs() < 1e-8 && (sol.x[1] - 1.0).abs() < 1e-8);
/// ```
#[derive(Clone, Debug, Default)]
pub struct InteriorPoint {
    /// The options used by every solve.
    pub options: Options,
}

impl InteriorPoint {
    /// A solver with the given options.
    pub fn new(options: Options) -> Self {
        Self { options }
    }

    /// Solves `nlp` from its initial point. Never panics on bad input: problems that fail the
    /// checks return [`Status::InvalidProblem`] with the reason.
    pub fn solve(&self, nlp: &dyn Nlp) -> Solution {
        self.solve_with_observer(nlp, &mut NoObserver)
    }

    /// As [`InteriorPoint::solve`], reporting every iteration to `observer`.
    pub fn solve_with_observer(&self, nlp: &dyn Nlp, observer: &mut dyn Observer) -> Solution {
        let (n, m) = (nlp.num_vars(), nlp.num_cons());
        let exact = self.options.hessian_approximation == HessianApproximation::Exact;
        let chk = match validate::check(nlp, exact) {
            Ok(c) => c,
            Err(e) => return Solution::invalid(n, m, e),
        };
        let x0 = chk.x0.clone();
        let scaled = Scaled::new(
            nlp,
            &self.options,
            chk.x_l,
            chk.x_u,
            chk.g_l,
            chk.g_u,
            &chk.jac,
            chk.hess.as_deref(),
            &x0,
        );
        let dense_opt;
        let opt = &self.options;
        let mut eng = match Engine::new(&scaled, opt, opt.mu_init) {
            Ok(e) => e,
            Err(_) => {
                dense_opt = Options {
                    linear_solver: LinearSolver::Dense,
                    ..opt.clone()
                };
                match Engine::new(&scaled, &dense_opt, opt.mu_init) {
                    Ok(e) => e,
                    Err(_) => return self.failed(nlp, &scaled, &x0, Status::RestorationFailed),
                }
            }
        };
        // start point: x pushed into its bounds, slacks at the pushed constraint values
        let mut w = x0.clone();
        w.resize(scaled.n(), 0.0);
        let mut g = vec![0.0; m];
        nlp.constraints(&x0, &mut g);
        for i in 0..m {
            if let Some(k) = scaled.slack[i] {
                w[k] = scaled.con_scale[i] * g[i];
            }
        }
        eng.push_into_bounds(&mut w);
        let nw = scaled.n();
        let zl: Vec<f64> = (0..nw)
            .map(|i| {
                if eng.hl[i] {
                    opt.bound_mult_init_val
                } else {
                    0.0
                }
            })
            .collect();
        let zu: Vec<f64> = (0..nw)
            .map(|i| {
                if eng.hu[i] {
                    opt.bound_mult_init_val
                } else {
                    0.0
                }
            })
            .collect();
        let Some(mut ev) = eng.eval(&w) else {
            let reason = validate::check_point(
                nlp,
                &w[..n],
                chk.jac.len(),
                chk.hess.as_ref().map(|h| h.len()),
            );
            return match reason {
                Err(e) => Solution::invalid(n, m, e),
                Ok(()) => self.failed(nlp, &scaled, &w[..n], Status::RestorationFailed),
            };
        };
        let mut it = Iterate {
            w,
            y: vec![0.0; m],
            zl,
            zu,
        };
        it.y = eng.ls_multipliers(&it, &ev);
        let mut iter = 0usize;
        let st = driver::run(&mut eng, &mut it, &mut ev, &mut iter, observer, None);
        let status = match st {
            EngineStatus::Solved => Status::Solved,
            EngineStatus::Acceptable => Status::SolvedToAcceptableLevel,
            EngineStatus::MaxIter => Status::MaxIterations,
            EngineStatus::Diverging => Status::DivergingIterates,
            EngineStatus::LocallyInfeasible => Status::LocallyInfeasible,
            EngineStatus::UserStop => Status::UserStop,
            EngineStatus::ReturnToRegular
            | EngineStatus::RestorationFailed
            | EngineStatus::Internal(_) => Status::RestorationFailed,
        };
        // IPOPT's honor_original_bounds: undo the bound relaxation in the returned point
        let x: Vec<f64> = (0..n)
            .map(|i| it.w[i].max(scaled.x_l[i]).min(scaled.x_u[i]))
            .collect();
        let mut sol = self.failed(nlp, &scaled, &x, status);
        sol.lambda = scaled.unscale_lambda(&it.y);
        let os = scaled.obj_scale;
        sol.z_l = it.zl[..n].iter().map(|z| z / os).collect();
        sol.z_u = it.zu[..n].iter().map(|z| z / os).collect();
        sol.iterations = iter;
        sol.mu = eng.mu;
        sol.dual_inf = dual_inf(nlp, &scaled, &sol);
        sol.factorizations = eng.kkt.factorizations;
        sol.linear_solver = if eng.kkt.is_sparse() {
            LinearSolver::Sparse
        } else {
            LinearSolver::Dense
        };
        sol
    }

    /// A solution at `x` with zero multipliers and the given status.
    fn failed(&self, nlp: &dyn Nlp, sc: &Scaled, x: &[f64], status: Status) -> Solution {
        let (n, m) = (sc.nx, sc.m);
        let mut g = vec![0.0; m];
        nlp.constraints(x, &mut g);
        let mut viol = 0.0f64;
        for i in 0..m {
            viol = viol.max(sc.g_l[i] - g[i]).max(g[i] - sc.g_u[i]);
        }
        for i in 0..n {
            viol = viol.max(sc.x_l[i] - x[i]).max(x[i] - sc.x_u[i]);
        }
        Solution {
            x: x.to_vec(),
            lambda: vec![0.0; m],
            z_l: vec![0.0; n],
            z_u: vec![0.0; n],
            objective: nlp.objective(x),
            constr_viol: viol,
            dual_inf: f64::NAN,
            iterations: 0,
            mu: f64::NAN,
            status,
            linear_solver: LinearSolver::Dense,
            factorizations: 0,
        }
    }
}

/// Unscaled ‖∇f + ∇gᵀλ − z_l + z_u‖∞.
fn dual_inf(nlp: &dyn Nlp, sc: &Scaled, s: &Solution) -> f64 {
    let n = sc.nx;
    let mut d = vec![0.0; n];
    nlp.gradient(&s.x, &mut d);
    let jac = nlp.jacobian_structure();
    let mut jv = vec![0.0; jac.len()];
    nlp.jacobian_values(&s.x, &mut jv);
    for (k, &(r, c)) in jac.iter().enumerate() {
        d[c] += jv[k] * s.lambda[r];
    }
    for i in 0..n {
        d[i] += s.z_u[i] - s.z_l[i];
    }
    norm_inf(&d)
}
