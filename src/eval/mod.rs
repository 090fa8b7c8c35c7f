//! Evaluation (SPEC §7): onset detection and the onset AP protocol, material classification,
//! per-hit loudness/timbre correlation and cochleagram error — pure functions on
//! [`Waveform`](crate::Waveform) and [`Cochleagram`](crate::Cochleagram).
pub mod detection;
pub mod hits;
pub mod interval;
pub mod material;
pub mod onset;
pub mod report;
pub mod run;
pub mod score;
#[cfg(feature = "video")]
pub mod systems;

pub use detection::{score_onsets, ClipScore, OnsetSummary, ScoredOnset};
pub use interval::{Difference, Differences, Headline, Interval, Intervals};
pub use onset::{detect_onsets, OnsetParams, Onsets};
pub use report::{text_table, ClipAssets, ReportMeta, ReportWriter, SystemResult};
pub use run::{evaluate, source_clips, RunOptions, SourceClip, Systems, REAL_SOUND};
pub use score::{score_clip, Annotation, ClipMetrics, EvalClip, MaterialConfusion, MaterialModel, Output, SystemMetrics};
