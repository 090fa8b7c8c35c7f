//! The scores of SPEC §7 as pure functions on [`Waveform`](crate::Waveform),
//! [`Cochleagram`](crate::Cochleagram) and annotated [`Action`](crate::labels::Action)s: onset
//! detection and the onset AP protocol, material classification, per-hit loudness/timbre
//! correlation, cochleagram error, bootstrap intervals. No model, no video: the `foley eval`
//! harness ([`crate::eval`]) runs systems and feeds their sounds here.
pub mod detection;
pub mod hits;
pub mod interval;
pub mod material;
pub mod onset;
pub mod score;
pub mod system;

pub use detection::{score_onsets, ClipScore, OnsetSummary, ScoredOnset};
pub use interval::{Difference, Differences, Headline, Interval, Intervals};
pub use material::MaterialModel;
pub use onset::{detect_onsets, OnsetParams, Onsets};
pub use score::{score_clip, ClipMetrics, EvalClip, Output};
pub use system::{MaterialConfusion, SystemMetrics};
