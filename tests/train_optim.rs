//! Optimizers against known minima: Adam on a convex quadratic, L-BFGS (argmin) on Rosenbrock;
//! seeded mini-batches repeat bit for bit; failures stop with the last good parameters.

use approx::assert_relative_eq;
use argmin::core::{CostFunction, Error, Gradient};
use nodal::train::{Adam, FullBatch, Lbfgs, LineSearch, Objective, TrainError};

/// f(x) = Σ_i a_i (x_i − c_i)², minimiser c.
struct Quadratic {
    a: Vec<f64>,
    c: Vec<f64>,
}

impl CostFunction for Quadratic {
    type Param = Vec<f64>;
    type Output = f64;
    fn cost(&self, x: &Vec<f64>) -> Result<f64, Error> {
        Ok((0..x.len())
            .map(|i| self.a[i] * (x[i] - self.c[i]).powi(2))
            .sum())
    }
}
impl Gradient for Quadratic {
    type Param = Vec<f64>;
    type Gradient = Vec<f64>;
    fn gradient(&self, x: &Vec<f64>) -> Result<Vec<f64>, Error> {
        Ok((0..x.len())
            .map(|i| 2.0 * self.a[i] * (x[i] - self.c[i]))
            .collect())
    }
}

/// Rosenbrock in n dimensions, minimum 0 at (1, …, 1).
struct Rosenbrock;
impl CostFunction for Rosenbrock {
    type Param = Vec<f64>;
    type Output = f64;
    fn cost(&self, x: &Vec<f64>) -> Result<f64, Error> {
        Ok(x.windows(2)
            .map(|w| 100.0 * (w[1] - w[0] * w[0]).powi(2) + (1.0 - w[0]).powi(2))
            .sum())
    }
}
impl Gradient for Rosenbrock {
    type Param = Vec<f64>;
    type Gradient = Vec<f64>;
    fn gradient(&self, x: &Vec<f64>) -> Result<Vec<f64>, Error> {
        let mut g = vec![0.0; x.len()];
        for i in 0..x.len() - 1 {
            let r = x[i + 1] - x[i] * x[i];
            g[i] += -400.0 * x[i] * r - 2.0 * (1.0 - x[i]);
            g[i + 1] += 200.0 * r;
        }
        Ok(g)
    }
}

#[test]
fn adam_converges_to_quadratic_minimiser() {
    let q = Quadratic {
        a: vec![1.0, 4.0, 0.5],
        c: vec![1.5, -2.0, 0.25],
    };
    let obj = FullBatch {
        problem: q,
        n_params: 3,
    };
    let mut adam = Adam::new(0.05);
    adam.max_iters = 3000;
    let mut seen = 0u64;
    let mut obs = |_: u64, _: f64| seen += 1;
    let r = adam.minimize(&obj, vec![0.0; 3], Some(&mut obs)).unwrap();
    assert_eq!(seen, 3000);
    assert_eq!(r.history.len(), 3000);
    for (x, c) in r.params.iter().zip([1.5, -2.0, 0.25]) {
        assert_relative_eq!(*x, c, epsilon = 1e-4);
    }
    assert!(r.loss < 1e-8, "loss {}", r.loss);
}

#[test]
fn lbfgs_reaches_rosenbrock_minimum_with_both_line_searches() {
    for ls in [LineSearch::MoreThuente, LineSearch::HagerZhang] {
        let opts = Lbfgs {
            max_iters: 500,
            line_search: ls,
            ..Lbfgs::default()
        };
        let mut hist = Vec::new();
        let mut obs = |_: u64, l: f64| hist.push(l);
        let r = opts
            .minimize(Rosenbrock, 4, vec![-1.2, 1.0, -1.2, 1.0], Some(&mut obs))
            .unwrap();
        for x in &r.params {
            assert_relative_eq!(*x, 1.0, epsilon = 1e-6);
        }
        assert!(r.loss < 1e-12, "{ls:?}: loss {}", r.loss);
        assert!(!hist.is_empty() && hist.len() as u64 <= r.iters + 1);
    }
}

/// Least squares over samples: L = mean_k (x·u_k − y_k)², for mini-batch tests.
struct Regression {
    u: Vec<[f64; 2]>,
    y: Vec<f64>,
}
impl Objective for Regression {
    fn n_params(&self) -> usize {
        2
    }
    fn n_samples(&self) -> usize {
        self.y.len()
    }
    fn eval(&self, x: &[f64], batch: &[usize]) -> Result<(f64, Vec<f64>), TrainError> {
        let n = batch.len() as f64;
        let mut l = 0.0;
        let mut g = vec![0.0; 2];
        for &k in batch {
            let r = x[0] * self.u[k][0] + x[1] * self.u[k][1] - self.y[k];
            l += r * r / n;
            g[0] += 2.0 * r * self.u[k][0] / n;
            g[1] += 2.0 * r * self.u[k][1] / n;
        }
        Ok((l, g))
    }
}

fn regression() -> Regression {
    let u: Vec<[f64; 2]> = (0..20)
        .map(|k| [(k as f64 * 0.7).sin(), (k as f64 * 1.3).cos()])
        .collect();
    let y = u.iter().map(|u| 2.0 * u[0] - 0.5 * u[1]).collect();
    Regression { u, y }
}

#[test]
fn minibatch_adam_is_deterministic_and_converges() {
    let obj = regression();
    let run = |seed| {
        let adam = Adam {
            max_iters: 2000,
            batch_size: Some(6),
            seed,
            ..Adam::new(0.02)
        };
        adam.minimize(&obj, vec![0.0, 0.0], None).unwrap()
    };
    let (a, b, c) = (run(3), run(3), run(4));
    assert_eq!(
        a.params, b.params,
        "same seed must give identical parameters"
    );
    assert_eq!(a.history, b.history);
    assert_ne!(
        a.history, c.history,
        "a different seed shuffles differently"
    );
    assert_relative_eq!(a.params[0], 2.0, epsilon = 1e-3);
    assert_relative_eq!(a.params[1], -0.5, epsilon = 1e-3);
}

/// Finite on x < 1, NaN beyond.
struct Cliff;
impl Objective for Cliff {
    fn n_params(&self) -> usize {
        1
    }
    fn eval(&self, x: &[f64], _: &[usize]) -> Result<(f64, Vec<f64>), TrainError> {
        if x[0] < 1.0 {
            Ok((-x[0], vec![-1.0]))
        } else {
            Ok((f64::NAN, vec![f64::NAN]))
        }
    }
}

#[test]
fn non_finite_loss_stops_with_last_good_params() {
    // lr 0.3 from 0: Adam's first steps are ≈ lr each, so x reaches 1.2 at iteration 4.
    let adam = Adam {
        max_iters: 50,
        ..Adam::new(0.3)
    };
    match adam.minimize(&Cliff, vec![0.0], None).unwrap_err() {
        TrainError::Stopped {
            iter,
            params,
            source,
        } => {
            assert_eq!(iter, 4);
            assert!(params[0] < 1.0 && params[0] > 0.8, "last good {params:?}");
            assert!(matches!(
                *source,
                TrainError::NonFinite { what: "loss", .. }
            ));
        }
        e => panic!("unexpected {e:?}"),
    }
}

struct NanRosenbrock;
impl CostFunction for NanRosenbrock {
    type Param = Vec<f64>;
    type Output = f64;
    fn cost(&self, x: &Vec<f64>) -> Result<f64, Error> {
        Rosenbrock
            .cost(x)
            .map(|c| if x[0] > 0.0 { f64::NAN } else { c })
    }
}
impl Gradient for NanRosenbrock {
    type Param = Vec<f64>;
    type Gradient = Vec<f64>;
    fn gradient(&self, x: &Vec<f64>) -> Result<Vec<f64>, Error> {
        Rosenbrock.gradient(x)
    }
}

#[test]
fn lbfgs_failure_is_typed_and_keeps_parameters() {
    let e = Lbfgs::default()
        .minimize(NanRosenbrock, 2, vec![-1.2, 1.0], None)
        .unwrap_err();
    match e {
        TrainError::Stopped { params, source, .. } => {
            assert_eq!(params.len(), 2);
            assert!(
                params[0] <= 0.0,
                "kept params must have finite loss: {params:?}"
            );
            assert!(matches!(
                *source,
                TrainError::NonFinite { what: "loss", .. }
            ));
        }
        e => panic!("unexpected {e:?}"),
    }
}

#[test]
fn option_and_length_errors() {
    let obj = regression();
    assert_eq!(
        Adam::new(0.1)
            .minimize(&obj, vec![0.0; 3], None)
            .unwrap_err(),
        TrainError::ParamLength {
            what: "initial parameters",
            expected: 2,
            got: 3
        }
    );
    assert!(matches!(
        Adam::new(-1.0).minimize(&obj, vec![0.0; 2], None),
        Err(TrainError::InvalidOption { name: "lr", .. })
    ));
    assert!(matches!(
        Lbfgs::default().minimize(Rosenbrock, 2, vec![0.0; 3], None),
        Err(TrainError::ParamLength {
            expected: 2,
            got: 3,
            ..
        })
    ));
}
