//! Checks a user problem before the first iteration: bounds, sparsity structures and finite
//! callback values at the start point. Every failure is a typed [`InvalidProblem`].

use crate::nlp::solution::{Callback, InvalidProblem};
use crate::nlp::Nlp;

/// Everything read from the user problem once.
pub(crate) struct Checked {
    pub x_l: Vec<f64>,
    pub x_u: Vec<f64>,
    pub g_l: Vec<f64>,
    pub g_u: Vec<f64>,
    pub x0: Vec<f64>,
    pub jac: Vec<(usize, usize)>,
    pub hess: Option<Vec<(usize, usize)>>,
}

fn first_non_finite(v: &[f64], callback: Callback) -> Result<(), InvalidProblem> {
    match v.iter().position(|x| !x.is_finite()) {
        Some(index) => Err(InvalidProblem::NonFinite {
            callback,
            index,
            value: v[index],
        }),
        None => Ok(()),
    }
}

/// Reads and validates the problem. Callback values are checked at `x0` projected into the
/// bounds (the point the solver evaluates first, up to the bound push).
pub(crate) fn check(nlp: &dyn Nlp, use_hessian: bool) -> Result<Checked, InvalidProblem> {
    let n = nlp.num_vars();
    let m = nlp.num_cons();
    let (mut x_l, mut x_u) = (vec![f64::NEG_INFINITY; n], vec![f64::INFINITY; n]);
    let (mut g_l, mut g_u) = (vec![f64::NEG_INFINITY; m], vec![f64::INFINITY; m]);
    nlp.bounds(&mut x_l, &mut x_u, &mut g_l, &mut g_u);
    for i in 0..n {
        let (l, u) = (x_l[i], x_u[i]);
        if l.is_nan() || u.is_nan() {
            return Err(InvalidProblem::NonFinite {
                callback: Callback::Bounds,
                index: i,
                value: f64::NAN,
            });
        }
        if l > u || l == f64::INFINITY || u == f64::NEG_INFINITY {
            return Err(InvalidProblem::InconsistentVariableBounds {
                index: i,
                lower: l,
                upper: u,
            });
        }
    }
    for i in 0..m {
        let (l, u) = (g_l[i], g_u[i]);
        if l.is_nan() || u.is_nan() {
            return Err(InvalidProblem::NonFinite {
                callback: Callback::Bounds,
                index: n + i,
                value: f64::NAN,
            });
        }
        if l > u || l == f64::INFINITY || u == f64::NEG_INFINITY {
            return Err(InvalidProblem::InconsistentConstraintBounds {
                index: i,
                lower: l,
                upper: u,
            });
        }
    }
    let jac = nlp.jacobian_structure();
    for (entry, &(row, col)) in jac.iter().enumerate() {
        if row >= m || col >= n {
            return Err(InvalidProblem::JacobianIndexOutOfRange {
                entry,
                row,
                col,
                m,
                n,
            });
        }
    }
    let hess = if use_hessian {
        nlp.hessian_structure()
    } else {
        None
    };
    if let Some(h) = &hess {
        for (entry, &(row, col)) in h.iter().enumerate() {
            if row >= n || col >= n {
                return Err(InvalidProblem::HessianIndexOutOfRange { entry, row, col, n });
            }
            if row < col {
                return Err(InvalidProblem::HessianUpperTriangle { entry, row, col });
            }
        }
    }
    let mut x0 = vec![0.0; n];
    nlp.initial_point(&mut x0);
    first_non_finite(&x0, Callback::InitialPoint)?;
    let xp: Vec<f64> = (0..n).map(|i| x0[i].max(x_l[i]).min(x_u[i])).collect();
    check_point(nlp, &xp, jac.len(), hess.as_ref().map(|h| h.len()))?;
    Ok(Checked {
        x_l,
        x_u,
        g_l,
        g_u,
        x0,
        jac,
        hess,
    })
}

/// Evaluates every callback at `x` and reports the first non-finite output.
pub(crate) fn check_point(
    nlp: &dyn Nlp,
    x: &[f64],
    nj: usize,
    nh: Option<usize>,
) -> Result<(), InvalidProblem> {
    let (n, m) = (x.len(), nlp.num_cons());
    let f = nlp.objective(x);
    first_non_finite(&[f], Callback::Objective)?;
    let mut g = vec![0.0; n];
    nlp.gradient(x, &mut g);
    first_non_finite(&g, Callback::Gradient)?;
    let mut c = vec![0.0; m];
    nlp.constraints(x, &mut c);
    first_non_finite(&c, Callback::Constraints)?;
    let mut jv = vec![0.0; nj];
    nlp.jacobian_values(x, &mut jv);
    first_non_finite(&jv, Callback::Jacobian)?;
    if let Some(nh) = nh {
        let mut hv = vec![0.0; nh];
        nlp.hessian_values(x, 1.0, &vec![1.0; m], &mut hv);
        first_non_finite(&hv, Callback::Hessian)?;
    }
    Ok(())
}
