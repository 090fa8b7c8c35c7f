//! Small helpers shared by every stage.
use crate::error::{Error, Result};
use std::path::{Path, PathBuf};

/// Temporary name beside `path` used while it is being written.
pub fn temp_path(path: &Path) -> PathBuf {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    path.with_file_name(format!(".{name}.partial-{}", std::process::id()))
}

/// Write a file atomically: `write` fills a temporary file beside `path`, which is renamed
/// to `path` only when `write` succeeded; on failure the temporary file is removed.
/// The temporary name keeps `path`'s extension so format-sniffing writers still work.
pub fn write_atomic<T>(path: &Path, write: impl FnOnce(&Path) -> Result<T>) -> Result<T> {
    let tmp = match path.extension() {
        Some(ext) => temp_path(path).with_extension(ext),
        None => temp_path(path),
    };
    match write(&tmp) {
        Ok(v) => {
            std::fs::rename(&tmp, path).map_err(|e| {
                let _ = std::fs::remove_file(&tmp);
                Error::io(path, e)
            })?;
            Ok(v)
        }
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}
