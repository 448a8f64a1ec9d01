//! Stability functions (filled by the tableau work).
