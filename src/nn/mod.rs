//! Neural networks as trainable vector fields.
