//! Published presets (filled by the tableau work).
