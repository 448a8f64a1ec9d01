//! Order conditions (filled by the tableau work).
