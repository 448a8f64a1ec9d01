//! Errors of the trainable-tableau module.

use crate::tableau::order::OrderError;
use crate::tableau::stability::StabilityError;
use crate::tableau::TableauError;
use thiserror::Error;

/// Why a trainable tableau, a projection, a penalty or a report could not be computed.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum TrainableError {
    /// The tableau is not explicit, not finite, or its rows do not sum to its nodes.
    #[error(transparent)]
    Tableau(#[from] TableauError),
    /// A stability quantity could not be computed.
    #[error(transparent)]
    Stability(#[from] StabilityError),
    /// Order conditions could not be evaluated.
    #[error(transparent)]
    Order(#[from] OrderError),
    /// A parameter vector of the wrong length.
    #[error("expected {expected} parameters, got {got}")]
    ParamLength { expected: usize, got: usize },
    /// A parameter or sample is NaN or infinite.
    #[error("{what}[{index}] = {value} is not finite")]
    NonFinite {
        what: &'static str,
        index: usize,
        value: f64,
    },
    /// The requested exactly-projected order is outside `1..=MAX_EXACT_ORDER`.
    #[error("exact order {requested} is not in 1..={max}")]
    ExactOrder { requested: u8, max: u8 },
    /// The linear order conditions cannot all hold for the current `A` (e.g. 4 conditions of
    /// order 3 with fewer than 4 stages, or coinciding nodes): the least-squares projection
    /// leaves this residual.
    #[error("order-{order} conditions on b are infeasible for this A: residual {residual:e} after projection")]
    Infeasible { order: u8, residual: f64 },
    /// A sample-set constructor got an empty or invalid specification.
    #[error("invalid stability samples: {what} = {value}")]
    InvalidSamples { what: &'static str, value: f64 },
}
