//! What both binaries share (see src/main.rs): progress bars and the one-line error exit.
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

/// On error, print it on one line (the cause chain joined, file first: library errors name
/// the file) and exit with status 1.
pub fn exit_on_error(result: anyhow::Result<()>) {
    if let Err(e) = result {
        eprintln!("error: {}", format!("{e:#}").replace('\n', " "));
        std::process::exit(1);
    }
}
