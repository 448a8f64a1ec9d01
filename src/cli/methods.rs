//! Method names → presets. Tableaus differ in their stage count `S`, so dispatch is a macro
//! that instantiates the body once per preset.

/// Names of all presets, in the order `nodal tableau` lists them.
pub const METHODS: &[&str] = &[
    "euler", "midpoint", "heun", "ralston", "rk4", "rk38", "bs3", "dopri5", "tsit5", "dop853",
];

/// `with_method!(name, tab => body)`: bind `tab` to the preset called `name` and evaluate
/// `body`; evaluates to `Err(CliError::UnknownMethod)` for other names. `body` must evaluate to
/// `Result<_, CliError>`.
macro_rules! with_method {
    ($name:expr, $tab:ident => $body:expr) => {{
        use nodal::Tableau;
        match $name {
            "euler" => {
                let $tab = Tableau::<1>::euler();
                $body
            }
            "midpoint" => {
                let $tab = Tableau::<2>::midpoint();
                $body
            }
            "heun" => {
                let $tab = Tableau::<2>::heun();
                $body
            }
            "ralston" => {
                let $tab = Tableau::<2>::ralston();
                $body
            }
            "rk4" => {
                let $tab = Tableau::<4>::rk4();
                $body
            }
            "rk38" => {
                let $tab = Tableau::<4>::rk38();
                $body
            }
            "bs3" => {
                let $tab = Tableau::<4>::bs3();
                $body
            }
            "dopri5" => {
                let $tab = Tableau::<7>::dopri5();
                $body
            }
            "tsit5" => {
                let $tab = Tableau::<7>::tsit5();
                $body
            }
            "dop853" => {
                let $tab = Tableau::<12>::dop853();
                $body
            }
            other => Err($crate::cli::CliError::UnknownMethod {
                name: other.to_string(),
                known: $crate::cli::methods::METHODS.join(", "),
            }),
        }
    }};
}
pub(crate) use with_method;
