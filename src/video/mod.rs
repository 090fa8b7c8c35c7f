//! Video in and out: the frame types and the two model inputs always; decoding, probing,
//! encoding and muxing with the feature `video` (FFmpeg through ffmpeg-next).
//!
//! - [`probe`]: stream facts of a media file ([`VideoInfo`]).
//! - [`open_frames`]: a streaming [`FrameSource`] that samples a video at a fixed rate
//!   (30 fps for the model) **by timestamp**: output frame `i` is the source frame shown at
//!   `i / fps` seconds (the last one whose presentation time is `<=` that), whatever the source
//!   rate (constant or variable). Frames are rotated per the stream's display matrix and
//!   scaled with swscale straight to the model size ([`SampleConfig`], [`Fit`]).
//! - [`spacetime`], [`frames_to_tensor`], [`spacetime_tensor`]: the two model inputs of
//!   SPEC §4 (RGB image; grayscale t−1, t, t+1 stacked as 3 channels).
//! - [`mux_audio`]: a copy of a video (video packets copied, not re-encoded) with a new audio
//!   track.
//! - [`contact_sheet`]: what the model sees, as one PNG (`foley inspect --sheet`).
mod frame;
mod spacetime;
#[cfg(feature = "video")]
pub mod encode;
#[cfg(feature = "video")]
mod frames;
#[cfg(feature = "video")]
mod mux;
#[cfg(feature = "video")]
mod probe;
#[cfg(feature = "video")]
mod sheet;

pub use frame::{Fit, Frame, SampleConfig};
pub use spacetime::{frames_to_tensor, gray, spacetime, spacetime_tensor};
#[cfg(feature = "video")]
pub use frames::{open_frames, FrameSource};
#[cfg(feature = "video")]
pub use mux::{mux_audio, mux_audio_with, AudioCodec, MuxOptions};
#[cfg(feature = "video")]
pub use probe::{probe, AudioTrack, VideoInfo};
#[cfg(feature = "video")]
pub use sheet::{contact_sheet, SheetConfig};

/// Model sampling rate of the paper: 30 video frames per second.
pub const MODEL_FPS: f64 = 30.0;

#[cfg(feature = "video")]
/// Initialise FFmpeg once per process and silence its own multi-line logging: foley reports
/// problems itself, one line each.
pub(crate) fn init() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = ffmpeg_next::init();
        ffmpeg_next::util::log::set_level(ffmpeg_next::util::log::Level::Fatal);
    });
}

#[cfg(feature = "video")]
/// Print a one-line warning on stderr (problems that do not stop the work, e.g. a truncated
/// file of which the decodable part is used).
pub(crate) fn warn(path: &std::path::Path, msg: &str) {
    eprintln!("warning: {}: {msg}", path.display());
}
