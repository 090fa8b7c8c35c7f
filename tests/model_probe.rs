mod model_support;
use foley::model::ModelConfig;
use foley::train::{self, TrainConfig, TrainData, TrainOptions};
use model_support::{toy_clip, H, W};
#[test]
#[ignore]
fn probe() {
    tch::set_num_threads(1);
    let dir = tempfile::tempdir().unwrap();
    let train: Vec<_> = (0..8).map(|i| toy_clip(&format!("clip{i}"), 6.0, i)).collect();
    let val = vec![toy_clip("val0", 6.0, 11), toy_clip("val1", 6.0, 12)];
    let data = TrainData { train, val, source: "toy".into() };
    let cfg = TrainConfig { model: ModelConfig { width: W, height: H, ..ModelConfig::tiny() }, batch: 8, epochs: 10, steps_per_epoch: Some(30), log_every: 10, ..TrainConfig::default() };
    let _ = std::fs::remove_dir_all("/tmp/fd/probe"); let o = TrainOptions { run: "/tmp/fd/probe".into(), device: tch::Device::Cpu, resume: false, minutes: None, max_steps: None, quiet: false };
    train::train(&data, &cfg, &o).unwrap();
}
