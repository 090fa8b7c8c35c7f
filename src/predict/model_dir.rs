//! Where the bundled model is found when no `--model` is given.
use crate::error::{Error, Result};
use std::path::PathBuf;

/// The bundled model directory, `models/default`, looked for beside the installed binary
/// (`…/target/release/foley` → `…/models/default`, or `<prefix>/bin/foley` →
/// `<prefix>/share/foley/models/default`) and in the current directory and its parents.
pub fn default_model_dir() -> Result<PathBuf> {
    let mut tried = Vec::new();
    let mut candidates = Vec::new();
    if let Ok(exe) = std::env::current_exe() {
        let exe = exe.canonicalize().unwrap_or(exe);
        for dir in exe.ancestors().skip(1).take(4) {
            candidates.push(dir.join("models").join("default"));
            candidates.push(dir.join("share").join("foley").join("models").join("default"));
        }
    }
    if let Ok(cwd) = std::env::current_dir() {
        for dir in cwd.ancestors() {
            candidates.push(dir.join("models").join("default"));
        }
    }
    for c in candidates {
        if c.join("config.json").is_file() {
            return Ok(c);
        }
        if !tried.contains(&c) {
            tried.push(c);
        }
    }
    Err(Error::Param(format!(
        "no --model given and the bundled model models/default was not found (looked beside the foley binary and in \
         the current directory and its parents, e.g. {}): pass --model DIR, or run from the foley repository",
        tried.first().map_or_else(|| "models/default".into(), |p| p.display().to_string())
    )))
}

