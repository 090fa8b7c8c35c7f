//! foley: predict the sound of objects being struck or scratched from silent video.
//!
//! Data flows one way through typed stages:
//! video → [`video`] frames (30 fps) → [`model`] → [`cochleagram::Cochleagram`] (90 Hz × 42)
//! → [`synth`] / [`cochleagram::invert`] → [`audio::Waveform`] → WAV or muxed video.
// The sound core lives in crates/foley-dsp, without libtorch or FFmpeg (so that `foley
// features` loads neither); its modules keep their paths here.
pub use foley_dsp::{cochleagram, error, npy, util};
/// Audio: [`foley_dsp::audio`], whose [`read_audio`](audio::read_audio) here also reads
/// media files through FFmpeg (feature `video`).
pub mod audio {
    pub use foley_dsp::audio::*;
    #[cfg(feature = "video")]
    pub use crate::media_audio::read_audio;
}
#[cfg(feature = "video")]
mod media_audio;
pub mod dataset;
pub mod export;
pub mod model;
pub mod picture;
pub mod eval;
#[cfg(feature = "video")]
pub mod predict;
pub mod train;
pub mod synth;
#[cfg(feature = "video")]
pub mod video;

pub use audio::Waveform;
pub use cochleagram::Cochleagram;
pub use error::{Error, Result};
