//! Heavier check (ignored by default; `cargo test --release --test model_probe -- --ignored`,
//! about 15 s): on the toy data (a square falling onto a floor, a burst at each contact, see
//! tests/model_support) the tiny config puts hits at the right times after 300 steps:
//! validation onset AP against the annotated times (±0.1 s) above 0.8 (measured 0.95–1.0).
mod model_support;
use foley::model::ModelConfig;
use foley::train::{self, TrainConfig, TrainData, TrainOptions};
use model_support::{toy_clip, H, W};

#[test]
#[ignore]
fn tiny_model_learns_toy_onsets() {
    let dir = tempfile::tempdir().unwrap();
    let train: Vec<_> = (0..8).map(|i| toy_clip(&format!("clip{i}"), 6.0, i)).collect();
    let val = vec![toy_clip("val0", 6.0, 11), toy_clip("val1", 6.0, 12)];
    let data = TrainData { train, val, source: "toy".into() };
    let cfg = TrainConfig {
        model: ModelConfig { width: W, height: H, ..ModelConfig::tiny() },
        batch: 8,
        epochs: Some(10),
        steps_per_epoch: Some(30),
        ..TrainConfig::default()
    };
    let o = TrainOptions { run: dir.path().join("run"), device: tch::Device::Cpu, resume: false, minutes: None, max_steps: None, quiet: true, trace: None, init: None };
    let s = train::train(&data, &cfg, &o).unwrap();
    let v = s.best_val.unwrap();
    assert!(v.onset_ap > 0.8, "onset AP {} (P {}, R {})", v.onset_ap, v.onset_precision, v.onset_recall);
    assert!(v.loss < v.mean_baseline_loss - 1.0, "{v:?}");
}
