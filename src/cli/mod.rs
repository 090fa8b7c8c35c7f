//! CLI glue for subcommands that need more than a few lines.
#[cfg(feature = "video")]
pub mod inspect;
