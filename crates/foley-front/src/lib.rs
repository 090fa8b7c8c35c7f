//! The two subcommands that need neither libtorch nor FFmpeg (`features` of WAV files and
//! `invert`) and what both binaries share (progress bars, the one-line error exit). The `foley`
//! binary of this package runs them itself; the complete command line `foley-torch` (package
//! `foley`) parses them with these same argument types, so the two cannot disagree.
pub mod common;
pub mod features;
pub mod invert;

pub use common::progress_bar;
