//! Run-time → const-generic dispatch for state dimensions and method names.

/// `with_dim!(d, D => body)`: evaluate `body` with `const D: usize = d` for `d` in
/// `1..=`[`MAX_DIM`](crate::model::MAX_DIM); evaluates to `None` for other `d`, `Some(body)`
/// otherwise. Lets code that reads the dimension from a file call const-generic solvers.
///
/// ```
/// fn zeros<const D: usize>() -> usize { nodal::State::<D>::zeros().len() }
/// assert_eq!(nodal::with_dim!(3, D => zeros::<D>()), Some(3));
/// assert_eq!(nodal::with_dim!(99, D => zeros::<D>()), None);
/// ```
#[macro_export]
macro_rules! with_dim {
    ($d:expr, $D:ident => $body:expr) => {{
        match $d {
            1 => {
                const $D: usize = 1;
                Some($body)
            }
            2 => {
                const $D: usize = 2;
                Some($body)
            }
            3 => {
                const $D: usize = 3;
                Some($body)
            }
            4 => {
                const $D: usize = 4;
                Some($body)
            }
            5 => {
                const $D: usize = 5;
                Some($body)
            }
            6 => {
                const $D: usize = 6;
                Some($body)
            }
            7 => {
                const $D: usize = 7;
                Some($body)
            }
            8 => {
                const $D: usize = 8;
                Some($body)
            }
            _ => None,
        }
    }};
}

/// `with_preset!(name, tab => body)`: bind `tab` to the preset called `name` (one of
/// [`METHODS`](crate::model::METHODS)) and evaluate to `Some(body)`; `None` for other names.
#[macro_export]
macro_rules! with_preset {
    ($name:expr, $tab:ident => $body:expr) => {{
        use $crate::Tableau;
        match $name {
            "euler" => {
                let $tab = Tableau::<1>::euler();
                Some($body)
            }
            "midpoint" => {
                let $tab = Tableau::<2>::midpoint();
                Some($body)
            }
            "heun" => {
                let $tab = Tableau::<2>::heun();
                Some($body)
            }
            "ralston" => {
                let $tab = Tableau::<2>::ralston();
                Some($body)
            }
            "rk4" => {
                let $tab = Tableau::<4>::rk4();
                Some($body)
            }
            "rk38" => {
                let $tab = Tableau::<4>::rk38();
                Some($body)
            }
            "bs3" => {
                let $tab = Tableau::<4>::bs3();
                Some($body)
            }
            "dopri5" => {
                let $tab = Tableau::<7>::dopri5();
                Some($body)
            }
            "tsit5" => {
                let $tab = Tableau::<7>::tsit5();
                Some($body)
            }
            "dop853" => {
                let $tab = Tableau::<12>::dop853();
                Some($body)
            }
            _ => None,
        }
    }};
}

/// `with_stages!(s, S => body)`: evaluate `body` with `const S: usize = s` for `s` in
/// [`MIN_STAGES`](crate::model::MIN_STAGES)`..=`[`MAX_STAGES`](crate::model::MAX_STAGES)
/// (2..=10); `None` for other `s`. Dispatches the stage count of a trainable tableau.
///
/// ```
/// assert_eq!(nodal::with_stages!(7, S => nodal::trainable::TrainableTableau::<S>::N_PARAMS), Some(28));
/// assert_eq!(nodal::with_stages!(11, S => S), None);
/// ```
#[macro_export]
macro_rules! with_stages {
    ($s:expr, $S:ident => $body:expr) => {{
        match $s {
            2 => {
                const $S: usize = 2;
                Some($body)
            }
            3 => {
                const $S: usize = 3;
                Some($body)
            }
            4 => {
                const $S: usize = 4;
                Some($body)
            }
            5 => {
                const $S: usize = 5;
                Some($body)
            }
            6 => {
                const $S: usize = 6;
                Some($body)
            }
            7 => {
                const $S: usize = 7;
                Some($body)
            }
            8 => {
                const $S: usize = 8;
                Some($body)
            }
            9 => {
                const $S: usize = 9;
                Some($body)
            }
            10 => {
                const $S: usize = 10;
                Some($body)
            }
            _ => None,
        }
    }};
}

#[cfg(test)]
mod tests {
    use crate::model::METHODS;

    #[test]
    fn every_listed_method_dispatches() {
        for m in METHODS {
            let s = with_preset!(*m, tab => tab.b.len());
            assert!(s.is_some(), "{m}");
        }
        assert!(with_preset!("rk5", tab => tab.b.len()).is_none());
    }
}
