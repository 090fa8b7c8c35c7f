//! foley: predict the sound of objects being struck or scratched from silent video.
//!
//! Data flows one way through typed stages:
//! video → [`video`] frames (30 fps) → [`model`] → [`cochleagram::Cochleagram`] (90 Hz × 42)
//! → [`synth`] / [`cochleagram::invert`] → [`audio::Waveform`] → WAV or muxed video.
// The sound core lives in crates/foley-dsp, without libtorch or FFmpeg (so that `foley
// features` loads neither); its modules keep their paths here.
pub use foley_dsp::{cochleagram, error, npy, stats, util};
/// Audio: [`foley_dsp::audio`], whose [`read_audio`](audio::read_audio) here also reads
/// media files through FFmpeg (feature `video`).
pub mod audio {
    pub use foley_dsp::audio::*;
    #[cfg(feature = "video")]
    pub use crate::media_audio::read_audio;
}
#[cfg(feature = "video")]
mod media_audio;
// The layers, bottom to top (each imports only those listed before it; checked by
// tests/layers.rs): the sound core (foley-dsp, re-exported above), then
pub mod picture; //    axes, ticks, text and legends for the PNG plots
pub mod labels; //     the annotation vocabulary (Material, ActionKind, Action)
pub mod metrics; //    pure scores of SPEC §7
pub mod video; //      frame types, model inputs; decode/probe/mux with `video`
pub mod model; //      the network, its read-outs, load/save
pub mod synth; //      options, hits, bank, retrieval, streaming synthesis
#[cfg(feature = "video")]
pub mod predict; //    video → model → synth → sink
pub mod dataset; //    Greatest Hits layout, checker, generator, bank from a dataset
pub mod train; //      cache, sampler, loop, checkpoints, run dir
#[cfg(feature = "video")]
pub mod eval; //       the `foley eval` harness and report
pub mod export; //     batch prediction

pub use audio::Waveform;
pub use cochleagram::Cochleagram;
pub use error::{Error, Result};
