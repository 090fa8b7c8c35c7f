//! CLI glue for the subcommands whose argument handling is more than a few lines.
pub mod bank;
pub mod dataset;
#[cfg(feature = "video")]
pub mod eval;
pub mod features;
pub mod invert;
#[cfg(feature = "video")]
pub mod predict;
pub mod train;

pub mod common;
pub use common::progress_bar;

#[cfg(feature = "video")]
pub mod export;
#[cfg(feature = "video")]
pub mod inspect;
#[cfg(feature = "video")]
pub mod synth_args;
