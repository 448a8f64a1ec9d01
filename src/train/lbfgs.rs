//! L-BFGS through argmin's `Executor`, with More–Thuente or Hager–Zhang line search, typed
//! errors and the last good parameters on failure.

use super::error::{check_len, TrainError};
use super::objective::{from_argmin, TrainObserver, TrainResult};
use argmin::core::observers::{Observe, ObserverMode};
use argmin::core::{CostFunction, Executor, Gradient, State, TerminationReason, KV};
use argmin::solver::linesearch::{HagerZhangLineSearch, MoreThuenteLineSearch};
use argmin::solver::quasinewton::LBFGS;
use std::sync::{Arc, Mutex};

/// Line search used by [`Lbfgs`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum LineSearch {
    /// More–Thuente (strong Wolfe conditions), argmin's defaults. The default.
    #[default]
    MoreThuente,
    /// Hager–Zhang (approximate Wolfe conditions), argmin's defaults.
    HagerZhang,
}

/// L-BFGS options. `Lbfgs::default()`: memory 7, 100 iterations, More–Thuente, gradient
/// tolerance 1e-8 (L2 norm), cost-change tolerance 1e-12.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Lbfgs {
    /// Number of stored correction pairs (≥ 1).
    pub memory: usize,
    /// Largest number of iterations.
    pub max_iters: u64,
    /// The line search.
    pub line_search: LineSearch,
    /// Stop when ‖∇L‖₂ falls below this (≥ 0).
    pub tol_grad: f64,
    /// Stop when the cost changes by less than this between iterations (≥ 0).
    pub tol_cost: f64,
}

impl Default for Lbfgs {
    fn default() -> Self {
        Self {
            memory: 7,
            max_iters: 100,
            line_search: LineSearch::MoreThuente,
            tol_grad: 1e-8,
            tol_cost: 1e-12,
        }
    }
}

/// Records the loss per iteration and the last iterate for the wrapper.
#[derive(Default)]
struct Record {
    history: Vec<f64>,
    last: Option<(u64, Vec<f64>)>,
}

struct Recorder(Arc<Mutex<Record>>);

impl<I> Observe<I> for Recorder
where
    I: State<Param = Vec<f64>, Float = f64>,
{
    fn observe_iter(&mut self, state: &I, _kv: &KV) -> Result<(), argmin::core::Error> {
        let mut r = self
            .0
            .lock()
            .map_err(|e| argmin::core::Error::msg(e.to_string()))?;
        r.history.push(state.get_cost());
        if let Some(p) = state.get_param() {
            r.last = Some((state.get_iter(), p.clone()));
        }
        Ok(())
    }
}

impl Lbfgs {
    fn check(&self, n: usize, init: &[f64]) -> Result<(), TrainError> {
        check_len("initial parameters", n, init.len())?;
        if self.memory == 0 {
            return Err(TrainError::InvalidOption {
                name: "memory",
                value: 0.0,
                expected: "≥ 1",
            });
        }
        for (name, v) in [("tol_grad", self.tol_grad), ("tol_cost", self.tol_cost)] {
            if !(v.is_finite() && v >= 0.0) {
                return Err(TrainError::InvalidOption {
                    name,
                    value: v,
                    expected: "finite and ≥ 0",
                });
            }
        }
        Ok(())
    }

    /// Minimize the argmin problem `problem` (parameter length `n_params`) from `init`.
    ///
    /// The problem's cost or gradient should return a [`TrainError`] (wrapped in argmin's
    /// error) for bad input or a failed solve; a non-finite value is caught here. The observer
    /// is called with each iteration's loss after the run (argmin's observers must be
    /// `'static`, so the wrapper records and replays). The result's `loss` is argmin's best
    /// cost and `params` the best parameters.
    ///
    /// # Errors
    /// [`TrainError::ParamLength`], [`TrainError::InvalidOption`]; a failure during the run
    /// gives [`TrainError::Stopped`] with the iteration and the last accepted iterate (`init`
    /// if none).
    pub fn minimize<P>(
        &self,
        problem: P,
        n_params: usize,
        init: Vec<f64>,
        observer: Option<&mut dyn TrainObserver>,
    ) -> Result<TrainResult, TrainError>
    where
        P: CostFunction<Param = Vec<f64>, Output = f64>
            + Gradient<Param = Vec<f64>, Gradient = Vec<f64>>,
    {
        self.check(n_params, &init)?;
        let failure = Arc::new(Mutex::new(None));
        let finite = Finite(problem, failure.clone());
        let rec = Arc::new(Mutex::new(Record::default()));
        let obs = Recorder(rec.clone());
        let (max_iters, tol_grad, tol_cost) = (self.max_iters, self.tol_grad, self.tol_cost);
        let start = init.clone();
        macro_rules! run {
            ($ls:expr) => {{
                let solver = LBFGS::new($ls, self.memory)
                    .with_tolerance_grad(tol_grad)
                    .and_then(|s| s.with_tolerance_cost(tol_cost))
                    .map_err(from_argmin)?;
                Executor::new(finite, solver)
                    .configure(|s| s.param(start).max_iters(max_iters))
                    .add_observer(obs, ObserverMode::Always)
                    .run()
                    .map(|r| {
                        let s = r.state();
                        (
                            s.get_best_param().cloned(),
                            s.get_best_cost(),
                            s.get_iter(),
                            s.get_param().cloned(),
                            matches!(
                                s.get_termination_reason(),
                                Some(TerminationReason::SolverExit(_))
                            ),
                        )
                    })
            }};
        }
        let out = match self.line_search {
            LineSearch::MoreThuente => run!(MoreThuenteLineSearch::new()),
            LineSearch::HagerZhang => run!(HagerZhangLineSearch::new()),
        };
        let rec = std::mem::take(
            &mut *rec
                .lock()
                .map_err(|e| TrainError::Optimizer(e.to_string()))?,
        );
        if let Some(o) = observer {
            for (i, &l) in rec.history.iter().enumerate() {
                o.observe_iter(i as u64, l);
            }
        }
        let failure = failure
            .lock()
            .map_err(|e| TrainError::Optimizer(e.to_string()))?
            .take();
        match out {
            // argmin turns errors inside the line search into a solver exit: report ours.
            Ok((_, _, iters, param, true)) if failure.is_some() => Err(TrainError::Stopped {
                iter: iters,
                params: param.unwrap_or(init),
                source: Box::new(failure.unwrap_or(TrainError::Optimizer(String::new()))),
            }),
            Ok((best, loss, iters, _, _)) => Ok(TrainResult {
                params: best.unwrap_or(init),
                loss,
                iters,
                history: rec.history,
            }),
            Err(e) => {
                let (iter, params) = match rec.last {
                    Some((i, p)) => (i + 1, p),
                    None => (0, init),
                };
                Err(TrainError::Stopped {
                    iter,
                    params,
                    source: Box::new(from_argmin(e)),
                })
            }
        }
    }
}

/// Wraps a problem so that non-finite costs and gradients become typed errors; the first of
/// our errors is kept, since argmin swallows errors raised inside a line search.
struct Finite<P>(P, Arc<Mutex<Option<TrainError>>>);

impl<P> Finite<P> {
    fn note<V>(&self, r: Result<V, argmin::core::Error>) -> Result<V, argmin::core::Error> {
        r.inspect_err(|e| {
            if let (Some(t), Ok(mut slot)) = (e.downcast_ref::<TrainError>(), self.1.lock()) {
                slot.get_or_insert_with(|| t.clone());
            }
        })
    }
}

impl<P: CostFunction<Param = Vec<f64>, Output = f64>> CostFunction for Finite<P> {
    type Param = Vec<f64>;
    type Output = f64;
    fn cost(&self, p: &Vec<f64>) -> Result<f64, argmin::core::Error> {
        self.note(self.0.cost(p).and_then(|c| {
            super::error::check_finite(c, &[])?;
            Ok(c)
        }))
    }
}

impl<P: Gradient<Param = Vec<f64>, Gradient = Vec<f64>>> Gradient for Finite<P> {
    type Param = Vec<f64>;
    type Gradient = Vec<f64>;
    fn gradient(&self, p: &Vec<f64>) -> Result<Vec<f64>, argmin::core::Error> {
        self.note(self.0.gradient(p).and_then(|g| {
            check_len("gradient", p.len(), g.len())?;
            super::error::check_finite(0.0, &g)?;
            Ok(g)
        }))
    }
}
