//! Training (`foley train`): Adam with warm-up and cosine learning-rate decay, gradient
//! clipping, validation each epoch with model selection on validation loss, exact resume from
//! atomic checkpoints, metrics log (JSON lines), loss-curve PNG, model directory output.
//!
//! Run directory (`--out RUN`):
//! - `checkpoint.safetensors`: weights (`model.*`), Adam moments (`adam.m.*`, `adam.v.*`) and the
//!   training state as a JSON byte tensor (`state`): one file, written atomically.
//! - `model.safetensors`, `config.json`, `card.md`: the best model so far (a model directory).
//! - `metrics.jsonl`, `loss.png`.
//!
//! Rooms: [`config`] (what a run is told), [`objective`] (the losses and their weights),
//! [`cache`] and [`sampler`] (what it reads), [`normalize`] (statistics of the data),
//! [`run`] (the loop), [`validate`] (whole-clip validation), [`checkpoint`] (exact resume),
//! [`run_dir`] (metrics, loss plot, model card, the model directory).
pub mod adam;
pub mod cache;
pub mod checkpoint;
pub mod config;
pub mod normalize;
pub mod objective;
pub mod onsets;
pub mod plot;
pub mod run;
pub mod run_dir;
pub mod sampler;
pub mod validate;

pub use config::{Select, TrainConfig};
pub use normalize::compute_normalization;
pub use objective::{Loss, LossConfig};
pub use run::{train, Stop, Summary, TrainOptions, DEFAULT_MINUTES};
pub use run_dir::Record;
pub use validate::{validate, ValMetrics};

use cache::CachedClip;

/// Training and validation clips, preprocessed.
pub struct TrainData {
    pub train: Vec<CachedClip>,
    pub val: Vec<CachedClip>,
    /// Where the data came from (for the model card).
    pub source: String,
}

impl TrainData {
    /// Split off a deterministic validation share: every k-th clip in id order.
    pub fn split_off_val(mut train: Vec<CachedClip>, share: f64, source: String) -> TrainData {
        train.sort_by(|a, b| a.id.cmp(&b.id));
        let n_val = ((train.len() as f64) * share).round() as usize;
        if n_val == 0 || train.len() < 2 {
            return TrainData { train, val: Vec::new(), source };
        }
        let k = train.len() as f64 / n_val as f64;
        let picks: Vec<usize> = (0..n_val).map(|i| ((i as f64 + 0.5) * k) as usize).collect();
        let mut val = Vec::new();
        let mut rest = Vec::new();
        for (i, c) in train.into_iter().enumerate() {
            if picks.contains(&i) {
                val.push(c)
            } else {
                rest.push(c)
            }
        }
        TrainData { train: rest, val, source }
    }
}
