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

use indicatif::{ProgressBar, ProgressStyle};

/// A progress bar on stderr of `len` units, hidden with `--quiet`.
pub fn progress_bar(len: u64, quiet: bool, what: &str) -> ProgressBar {
    if quiet {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len);
    if let Ok(style) = ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} {elapsed_precise}") {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(what.to_string());
    bar
}

#[cfg(feature = "video")]
pub mod export;
#[cfg(feature = "video")]
pub mod inspect;
#[cfg(feature = "video")]
pub mod synth_args;
