//! Building the collocation NLP of `nodal train` from a data set, and the wrapper that lets the
//! training loop watch (and interrupt) the interior-point solve.

use super::colloc_config::CollocationSection;
use nodal::collocation::{
    default_bandwidth, epanechnikov_smooth, CollocationConfig, CollocationError, CollocationNlp,
    HessianMode, Nodes,
};
use nodal::data::{Dataset, Trajectory};
use nodal::nn::Mlp;
use thiserror::Error;

/// Fewest collocation nodes per trajectory `collocation.nodes` accepts.
pub const MIN_NODES: usize = 3;

/// What can go wrong in the collocation trainer, with the configuration key at fault.
#[derive(Debug, Error)]
pub enum ColloError {
    /// Too few nodes.
    #[error("collocation.nodes = {got}: need at least {min} nodes per trajectory")]
    TooFewNodes {
        /// Nodes requested.
        got: usize,
        /// The minimum.
        min: usize,
    },
    /// A number out of range.
    #[error("collocation.{name} = {value}: must be {expected}")]
    Invalid {
        /// The key.
        name: &'static str,
        /// The value given.
        value: f64,
        /// What is required.
        expected: &'static str,
    },
    /// Exact Hessian requested for a network it is not implemented for.
    #[error("collocation.hessian = \"exact\" needs a network with exactly one hidden layer (model.hidden = {hidden:?}); use hessian = \"quasi-newton\" or \"auto\"")]
    ExactHessian {
        /// The configured hidden widths.
        hidden: Vec<usize>,
    },
    /// A state with too few observations in a trajectory for the smoother.
    #[error("trajectory `{id}`: state `{state}` has {got} observation(s); the collocation trainer needs at least 2 per state and trajectory")]
    FewObservations {
        /// Trajectory id.
        id: String,
        /// State name.
        state: String,
        /// Observations present.
        got: usize,
    },
    /// Building one trajectory's NLP failed (e.g. a gap in the data wider than the smoother's
    /// bandwidth).
    #[error("trajectory `{id}`: {source}")]
    Trajectory {
        /// Trajectory id.
        id: String,
        /// The library's error.
        source: CollocationError,
    },
    /// An option of the gradient trainer that the collocation trainer cannot honour.
    #[error("{key} is not supported with trainer.kind = \"collocation\" (one NLP over the states and the network; no solver runs during training): remove it or use trainer.kind = \"gradient\"")]
    Unsupported {
        /// The configuration key.
        key: &'static str,
    },
    /// A collocation library error after the solve.
    #[error(transparent)]
    Library(#[from] CollocationError),
    /// Joining the trajectories' NLPs.
    #[error(transparent)]
    Joint(#[from] nodal::collocation::AdmmError),
    /// The solver rejected the problem before iterating.
    #[error("the interior-point solver rejected the collocation NLP: {0}")]
    Rejected(nodal::nlp::InvalidProblem),
    /// The solve ended at a point with non-finite entries.
    #[error("the interior-point solve ended ({status}) after {iterations} iterations at a non-finite point; try a smaller init_scale, bounds, or more nodes")]
    NonFinite {
        /// The solver's status.
        status: String,
        /// Its iterations.
        iterations: usize,
    },
}

/// Check the options that the library would reject with less context.
pub fn validate(c: &CollocationSection) -> Result<(), ColloError> {
    if c.nodes < MIN_NODES {
        return Err(ColloError::TooFewNodes {
            got: c.nodes,
            min: MIN_NODES,
        });
    }
    let bad = |name, value, expected| {
        Err(ColloError::Invalid {
            name,
            value,
            expected,
        })
    };
    if !(c.lambda.is_finite() && c.lambda >= 0.0) {
        return bad("lambda", c.lambda, "finite and >= 0");
    }
    if !(c.bandwidth.is_finite() && c.bandwidth > 0.0) {
        return bad("bandwidth", c.bandwidth, "finite and > 0");
    }
    if !c.init_scale.is_finite() {
        return bad("init_scale", c.init_scale, "finite");
    }
    if !(c.tol.is_finite() && c.tol > 0.0) {
        return bad("tol", c.tol, "finite and > 0");
    }
    if c.max_iter == 0 {
        return bad("max_iter", 0.0, ">= 1");
    }
    for (name, b) in [
        ("state_bound", c.state_bound),
        ("param_bound", c.param_bound),
    ] {
        if let Some(b) = b {
            if b.is_nan() || b <= 0.0 {
                return bad(name, b, "> 0");
            }
        }
    }
    Ok(())
}

/// Targets ŷ at the nodes (row-major `N × d`): per state, the Epanechnikov local-linear
/// smoother of that state's observations in `tr` with bandwidth `factor` × their mean spacing.
fn node_targets(
    tr: &Trajectory,
    names: &[String],
    nodes: &Nodes,
    factor: f64,
) -> Result<Vec<f64>, ColloError> {
    let d = names.len();
    let mut y = vec![0.0; nodes.len() * d];
    let wrap = |source| ColloError::Trajectory {
        id: tr.id.clone(),
        source,
    };
    for (a, name) in names.iter().enumerate() {
        let (t, v): (Vec<f64>, Vec<f64>) = tr
            .times
            .iter()
            .zip(&tr.values)
            .filter_map(|(&t, row)| row[a].map(|v| (t, v)))
            .unzip();
        if t.len() < 2 {
            return Err(ColloError::FewObservations {
                id: tr.id.clone(),
                state: name.clone(),
                got: t.len(),
            });
        }
        let h = default_bandwidth(&t, factor).map_err(wrap)?;
        let col = epanechnikov_smooth(&t, &v, 1, nodes.times(), h).map_err(wrap)?;
        for (i, c) in col.into_iter().enumerate() {
            y[i * d + a] = c;
        }
    }
    Ok(y)
}

/// One [`CollocationNlp`] per trajectory of `data` (scaled units): `c.nodes` nodes of
/// `c.node_kind` on the trajectory's [first, last] time, targets from [`node_targets`],
/// network `template`, weight decay `c.lambda / K` each so that the joint objective carries
/// `λ‖θ‖²` once.
pub fn batches(
    data: &Dataset,
    template: &Mlp,
    c: &CollocationSection,
    hessian: HessianMode,
) -> Result<Vec<CollocationNlp>, ColloError> {
    let k = data.trajectories.len().max(1) as f64;
    let config = CollocationConfig {
        lambda: c.lambda / k,
        state_bound: c.state_bound,
        param_bound: c.param_bound,
        hessian,
        init_scale: c.init_scale,
        ..CollocationConfig::default()
    };
    data.trajectories
        .iter()
        .map(|tr| {
            let wrap = |source| ColloError::Trajectory {
                id: tr.id.clone(),
                source,
            };
            let (t0, t1) = (tr.times[0], tr.times[tr.times.len() - 1]);
            let nodes = Nodes::new(c.node_kind.into(), c.nodes, t0, t1).map_err(wrap)?;
            let y = node_targets(tr, &data.state_names, &nodes, c.bandwidth)?;
            CollocationNlp::new(nodes, &y, template.clone(), config).map_err(wrap)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use nodal::collocation::NodeKind;

    /// The local-linear smoother reproduces straight lines exactly, so targets at the nodes of
    /// linear data (with a missing cell) are the lines' values there.
    #[test]
    fn node_targets_reproduce_linear_data_with_gaps() {
        let times: Vec<f64> = (0..21).map(|i| 0.3 * i as f64).collect();
        let values = times
            .iter()
            .enumerate()
            .map(|(i, &t)| vec![Some(1.0 + 2.0 * t), (i != 7).then_some(-0.5 * t)])
            .collect();
        let tr = Trajectory {
            id: "a".into(),
            lines: vec![0; times.len()],
            times,
            values,
        };
        let nodes = Nodes::new(NodeKind::LegendreGaussLobatto, 9, 0.0, 6.0).unwrap();
        let names = ["x".to_string(), "v".to_string()];
        let y = node_targets(&tr, &names, &nodes, 3.0).unwrap();
        for (i, &t) in nodes.times().iter().enumerate() {
            approx::assert_abs_diff_eq!(y[2 * i], 1.0 + 2.0 * t, epsilon = 1e-12);
            approx::assert_abs_diff_eq!(y[2 * i + 1], -0.5 * t, epsilon = 1e-12);
        }
    }

    #[test]
    fn options_out_of_range_name_their_key() {
        let c = CollocationSection {
            nodes: 2,
            ..CollocationSection::default()
        };
        assert!(matches!(
            validate(&c),
            Err(ColloError::TooFewNodes { got: 2, min: 3 })
        ));
        let c = CollocationSection {
            param_bound: Some(0.0),
            ..CollocationSection::default()
        };
        let e = validate(&c).unwrap_err().to_string();
        assert!(e.contains("collocation.param_bound = 0"), "{e}");
        assert!(validate(&CollocationSection::default()).is_ok());
    }
}
