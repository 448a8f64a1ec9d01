//! Method names → presets for the CLI: a thin wrapper over the library's
//! [`nodal::with_preset!`] that turns an unknown name into [`CliError::UnknownMethod`].
//!
//! [`CliError::UnknownMethod`]: crate::cli::CliError::UnknownMethod

/// Names of all presets, in the order `nodal tableau` lists them (the library's list).
pub use nodal::model::METHODS;

/// `with_method!(name, tab => body)`: bind `tab` to the preset called `name` and evaluate
/// `body`; evaluates to `Err(CliError::UnknownMethod)` for other names. `body` must evaluate to
/// `Result<_, CliError>`.
macro_rules! with_method {
    ($name:expr, $tab:ident => $body:expr) => {{
        let name: &str = $name;
        match nodal::with_preset!(name, $tab => $body) {
            Some(result) => result,
            None => Err($crate::cli::CliError::UnknownMethod {
                name: name.to_string(),
                known: $crate::cli::methods::METHODS.join(", "),
            }),
        }
    }};
}
pub(crate) use with_method;
