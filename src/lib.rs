//! foley: predict the sound of objects being struck or scratched from silent video.
//!
//! Data flows one way through typed stages:
//! video → [`video`] frames (30 fps) → [`model`] → [`cochleagram::Cochleagram`] (90 Hz × 42)
//! → [`synth`] / [`cochleagram::invert`] → [`audio::Waveform`] → WAV or muxed video.
pub mod audio;
pub mod cochleagram;
pub mod dataset;
pub mod error;
pub mod export;
pub mod model;
pub mod eval;
pub mod npy;
#[cfg(feature = "video")]
pub mod predict;
pub mod train;
pub mod synth;
pub mod util;
#[cfg(feature = "video")]
pub mod video;

pub use audio::Waveform;
pub use cochleagram::Cochleagram;
pub use error::{Error, Result};
