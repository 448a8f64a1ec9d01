//! The published experiments, as library code: `nodal repro <name>`, the examples and the
//! tests all call these functions, so a figure in `docs/results.md` comes from the same code
//! a user runs.
//!
//! Each experiment module has a `Config` (with the published settings as `Default` and a
//! reduced `quick()` for smoke tests), a `run(&Config) -> Result<Outcome, _>` that computes
//! everything, and a `write(&Outcome, dir)` that writes the tables through
//! [`crate::report::Table`] and the plots through `crate::report::chart` (feature `plot`).

pub mod collocation;
pub mod cpu;
pub mod local_reg;
pub mod lorenz_data;
pub mod trk_error;
pub mod trk_forecast;
pub mod trk_stability;
