//! CLI glue for the subcommands whose argument handling is more than a few lines.
pub mod bank;
pub mod dataset;
#[cfg(feature = "video")]
pub mod eval;
#[cfg(feature = "video")]
pub mod predict;
pub mod train;

// Shared with the `foley` front binary (crates/foley-front).
pub use foley_front::{common, features, invert, progress_bar};

#[cfg(feature = "video")]
pub mod export;
#[cfg(feature = "video")]
pub mod inspect;
#[cfg(feature = "video")]
pub mod synth_args;
