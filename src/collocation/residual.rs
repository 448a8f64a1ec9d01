//! The ODE residual of a collocation solution between the nodes, where the NLP does not
//! enforce the ODE.

use super::error::CollocationError;
use super::nodes::Nodes;
use crate::nn::Mlp;

/// Size of `p'(t) − f_θ(t, p(t))` at the midpoints between consecutive nodes, `p` being the
/// barycentric interpolant of the node states. Units of `f` (state per time).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OdeResidual {
    /// Largest absolute component over all midpoints.
    pub max_abs: f64,
    /// Root mean square over all midpoints and components.
    pub rms: f64,
    /// Number of midpoints (`N − 1`).
    pub points: usize,
}

/// Evaluate the residual of the states `y` (row-major `N × d`) against the network at the
/// `N − 1` midpoints `(t_i + t_{i+1})/2`.
///
/// Errors: [`CollocationError::NotAVectorField`], [`CollocationError::Length`], network
/// dimension errors.
pub fn between_node_residual(
    nodes: &Nodes,
    y: &[f64],
    mlp: &Mlp,
) -> Result<OdeResidual, CollocationError> {
    let d = mlp.d_in();
    if mlp.d_out() != d {
        return Err(CollocationError::NotAVectorField {
            d_in: d,
            d_out: mlp.d_out(),
        });
    }
    let t = nodes.times();
    let (mut p, mut dp, mut f) = (vec![0.0; d], vec![0.0; d], vec![0.0; d]);
    let (mut max_abs, mut sq) = (0.0f64, 0.0);
    for w in t.windows(2) {
        let tm = 0.5 * (w[0] + w[1]);
        nodes.interpolate_with_derivative(y, tm, &mut p, &mut dp)?;
        mlp.eval_slice(tm, &p, &mut f)?;
        for (a, b) in dp.iter().zip(&f) {
            let r = a - b;
            max_abs = max_abs.max(r.abs());
            sq += r * r;
        }
    }
    let points = t.len() - 1;
    Ok(OdeResidual {
        max_abs,
        rms: (sq / (points * d) as f64).sqrt(),
        points,
    })
}
