//! foley: predict the sound of objects being struck or scratched from silent video.
//!
//! Data flows one way through typed stages:
//! video → [`video`] frames (30 fps) → [`model`] → [`cochleagram::Cochleagram`] (90 Hz × 42)
//! → [`synth`] / [`cochleagram::invert`] → [`audio::Waveform`] → WAV or muxed video.
// The torch-free sound core lives in crates/foley-dsp (so that `foley features` runs without
// libtorch); its modules keep their paths here.
pub use foley_dsp::{audio, cochleagram, error, npy, util};
pub mod dataset;
pub mod export;
pub mod model;
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
