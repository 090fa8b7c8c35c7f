//! One error type for the library (`foley` re-exports it). Every variant that concerns a
//! file names it, so that `main` can print a single line: file, what was wrong, what to do.
//! It has no libtorch variant (this crate must not link tch): torch failures are mapped
//! where they happen, naming the file or parameter.
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Reading or writing a file failed at the OS level.
    /// (`cause` is shown in the message, not chained as a source, so it prints once.)
    #[error("{}: {cause}", path.display())]
    Io { path: PathBuf, cause: std::io::Error },
    /// The file exists but its content is not what was expected.
    #[error("{}: {msg}", path.display())]
    BadInput { path: PathBuf, msg: String },
    /// A parameter (flag, config value) is out of range.
    #[error("invalid parameter: {0}")]
    Param(String),
    /// A dataset or split as a whole cannot serve (no usable clips, a clip without video).
    #[error("data: {0}")]
    Data(String),
    /// The requested compute device cannot be used.
    #[error("device: {0}")]
    Device(String),
    /// Training could not go on (diverged, a worker stopped).
    #[error("training: {0}")]
    Training(String),
    /// A value could not be serialised (JSON of a state, card or metrics).
    #[error("cannot serialise {what}: {msg}")]
    Serialise { what: &'static str, msg: String },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io { path: path.into(), cause: source }
    }
    pub fn bad(path: impl Into<PathBuf>, msg: impl Into<String>) -> Self {
        Error::BadInput { path: path.into(), msg: msg.into() }
    }
}
