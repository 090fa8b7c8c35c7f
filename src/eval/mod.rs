//! `foley eval` (SPEC §7): the harness that runs systems (the model through the prediction
//! pipeline, retrieval baselines, baseline models, the real sound itself) on a split's clips,
//! scores them with [`crate::metrics`] and writes the report (`metrics.json`, `index.html`).
pub mod report;
pub mod run;
pub mod systems;

pub use report::{text_table, ClipAssets, ReportMeta, ReportWriter, SystemResult};
pub use run::{evaluate, source_clips, RunOptions, SourceClip, Systems, REAL_SOUND};
