//! foley's sound core, free of libtorch and FFmpeg: [`audio`] (WAV) I/O and resampling, the
//! [`cochleagram`] (SPEC §2) and its inversion (SPEC §3), `.npy` files, the error type.
//!
//! It is a crate of its own so that the `foley` command can run `features` and `invert`
//! without loading libtorch (about 0.25 s of start-up) or FFmpeg (0.02 s); the `foley`
//! library re-exports these modules under the same paths (`foley::audio`,
//! `foley::cochleagram`, ...), its `audio::read_audio` reading media files too.
pub mod audio;
pub mod cochleagram;
pub mod error;
pub mod npy;
pub mod stats;
pub mod util;

pub use audio::Waveform;
pub use cochleagram::Cochleagram;
pub use error::{Error, Result};
