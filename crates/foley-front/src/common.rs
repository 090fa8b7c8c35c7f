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

/// The exit status of a command's result: 0, or 1 after printing the error on one line (the
/// cause chain joined, file first: library errors name the file).
pub fn status_of(result: anyhow::Result<()>) -> i32 {
    match result {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("error: {}", format!("{e:#}").replace('\n', " "));
            1
        }
    }
}
