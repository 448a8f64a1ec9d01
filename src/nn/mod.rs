//! Neural networks as trainable vector fields.
//!
//! * [`Mlp`]: a multilayer perceptron `f_θ(t, y)` with runtime widths, optional time input,
//!   a flat parameter vector, Glorot initialisation, and allocation-free forward pass,
//!   reverse-mode VJP and forward-mode JVP ([`Mlp::eval_slice`], [`Mlp::vjp_slice`],
//!   [`Mlp::jvp_slice`]).
//! * [`MlpField`]: the network as a [`VectorField`](crate::VectorField) /
//!   [`ParamField`](crate::ParamField) on `D` states, dimensions checked once.
//! * [`Activation`]: activations with first and second derivatives.
//! * JSON model files: [`Mlp::save_json`], [`Mlp::load_json`] (format in [`io`]).
//!
//! ```
//! use nodal::nn::{Activation, Mlp};
//! use nodal::{State, VectorField};
//! let mlp = Mlp::builder(&[2, 16, 2]).hidden_activation(Activation::Tanh).seed(1).build()?;
//! let field = mlp.into_field::<2>()?;
//! let dy = field.eval(0.0, &State::<2>::new(1.0, 0.5));
//! assert!(dy.iter().all(|v| v.is_finite()));
//! # Ok::<(), nodal::nn::NnError>(())
//! ```

mod activation;
mod error;
mod field;
pub mod io;
mod mlp;
mod pass;

pub use activation::Activation;
pub use error::NnError;
pub use field::MlpField;
pub use mlp::{Mlp, MlpBuilder};
