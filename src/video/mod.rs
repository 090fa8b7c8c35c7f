//! Video I/O through FFmpeg.
#[cfg(feature = "video")]
pub mod encode;
