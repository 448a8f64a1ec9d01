//! Iteration log in argmin style: the solver calls [`Observer::observe`] once per iteration.

/// What one iteration did (IPOPT's log columns).
#[derive(Clone, Debug, Default)]
pub struct IterInfo {
    /// Iteration number (0 = start point).
    pub iter: usize,
    /// Unscaled objective `f(x)`.
    pub objective: f64,
    /// Scaled primal infeasibility ‖c(x, s)‖∞.
    pub inf_pr: f64,
    /// Scaled dual infeasibility ‖∇f + Jᵀy − z_l + z_u‖∞.
    pub inf_du: f64,
    /// Barrier parameter μ.
    pub mu: f64,
    /// ‖d‖∞ of the primal step.
    pub d_norm: f64,
    /// Hessian regularization δ_w of this iteration's KKT matrix (0 if none).
    pub regularization: f64,
    /// Primal step length α_pr.
    pub alpha_pr: f64,
    /// Dual step length α_du.
    pub alpha_du: f64,
    /// Number of backtracking trials in the line search.
    pub ls_trials: usize,
    /// True while in the feasibility restoration phase.
    pub restoration: bool,
}

/// What an observer wants the solver to do after an iteration.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Control {
    /// Go on iterating (the default).
    #[default]
    Continue,
    /// End the solve now with [`Status::UserStop`](crate::nlp::Status::UserStop); the
    /// solution holds the current iterate of the regular phase.
    Stop,
}

/// Receives an [`IterInfo`] after every iteration (argmin-style observers), and may look at
/// the current iterate and stop the solve (a deadline, Ctrl-C, keeping the best iterate by
/// an outside measure).
pub trait Observer {
    /// Called once per iteration, in order.
    fn observe(&mut self, info: &IterInfo);

    /// Called right after [`observe`](Observer::observe) with the current primal iterate
    /// `x` (the user's variables and units, length `num_vars`; during restoration the
    /// restoration phase's `x`). Return [`Control::Stop`] to end the solve. The default
    /// ignores `x` and continues.
    fn iterate(&mut self, _info: &IterInfo, _x: &[f64]) -> Control {
        Control::Continue
    }
}

/// Closures are observers.
impl<F: FnMut(&IterInfo)> Observer for F {
    fn observe(&mut self, info: &IterInfo) {
        self(info)
    }
}

/// A closure `FnMut(&IterInfo, &[f64]) -> Control` as an observer that sees the iterate
/// ([`Observer::iterate`]) and may stop the solve.
pub struct IterateFn<F>(pub F);

impl<F: FnMut(&IterInfo, &[f64]) -> Control> Observer for IterateFn<F> {
    fn observe(&mut self, _info: &IterInfo) {}
    fn iterate(&mut self, info: &IterInfo, x: &[f64]) -> Control {
        (self.0)(info, x)
    }
}

/// An observer that does nothing (the default).
#[derive(Clone, Copy, Debug, Default)]
pub struct NoObserver;

impl Observer for NoObserver {
    fn observe(&mut self, _info: &IterInfo) {}
}

/// Prints IPOPT-like log lines to stdout (a header every 10 iterations); restoration
/// iterations are marked with an `r` after the number, as IPOPT does.
#[derive(Clone, Copy, Debug, Default)]
pub struct PrintObserver;

impl Observer for PrintObserver {
    fn observe(&mut self, i: &IterInfo) {
        if i.iter % 10 == 0 {
            println!(
                "iter    objective    inf_pr   inf_du lg(mu)  ||d||  lg(rg) alpha_du alpha_pr  ls"
            );
        }
        let lg = |v: f64| {
            if v > 0.0 {
                format!("{:5.1}", v.log10())
            } else {
                "    -".to_string()
            }
        };
        println!(
            "{:4}{} {:14.7e} {:8.2e} {:8.2e} {} {:8.2e} {} {:8.2e} {:8.2e} {:3}",
            i.iter,
            if i.restoration { 'r' } else { ' ' },
            i.objective,
            i.inf_pr,
            i.inf_du,
            lg(i.mu),
            i.d_norm,
            lg(i.regularization),
            i.alpha_du,
            i.alpha_pr,
            i.ls_trials
        );
    }
}
