//! Experiment outputs: tables written as Markdown and CSV, atomic file writes, and (feature
//! `plot`) SVG line charts.
//!
//! Every `nodal repro ...` command and `nodal train` write their results through this module, so
//! all tables look the same and no kill at any moment leaves a half-written file behind
//! ([`write_atomic`] writes a temporary file in the same folder, then renames it).

mod table;
mod write;

#[cfg(feature = "plot")]
pub mod chart;

pub use table::Table;
pub use write::{create_dir, write_atomic, ReportError};
