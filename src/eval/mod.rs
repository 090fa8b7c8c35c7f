//! Evaluation (SPEC §7): onset detection and the onset AP protocol, material classification,
//! per-hit loudness/timbre correlation and cochleagram error — pure functions on
//! [`Waveform`](crate::Waveform) and [`Cochleagram`](crate::Cochleagram).
pub mod detection;
pub mod hits;
pub mod material;
pub mod onset;
mod resample;

pub use detection::{score_onsets, ClipScore, OnsetSummary, ScoredOnset};
pub use onset::{detect_onsets, OnsetParams, Onsets};

use crate::audio::Waveform;

/// Band-limited resampling used by the metrics.
pub fn resample(wave: &Waveform, rate: u32) -> Waveform {
    resample::resample(wave, rate)
}
