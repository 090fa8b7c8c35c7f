//! Model and training: a tiny config learns the toy data in seconds; save → load gives
//! identical predictions; streaming equals one pass; resume equals an uninterrupted run;
//! corrupt checkpoints and model directories of another version give clear errors.
mod model_support;
use foley::model::{Model, ModelConfig, Normalization, ReadOuts};
use foley::train::{self, LossConfig, TrainConfig, TrainData, TrainOptions};
use model_support::{toy_clip, H, W};
use tch::Device;

fn tiny_train_config() -> TrainConfig {
    TrainConfig {
        model: ModelConfig { width: W, height: H, ..ModelConfig::tiny() },
        batch: 4,
        epochs: Some(3),
        steps_per_epoch: Some(10),
        warmup: 5,
        lr: 3e-3,
        log_every: 5,
        checkpoint_every: 5,
        ..TrainConfig::default()
    }
}

fn toy_data() -> TrainData {
    let train = (0..4).map(|i| toy_clip(&format!("clip{i}"), 4.0, i)).collect();
    let val = vec![toy_clip("val0", 4.0, 11)];
    TrainData { train, val, source: "toy".into() }
}

fn opts(run: &std::path::Path) -> TrainOptions {
    TrainOptions { run: run.to_path_buf(), device: Device::Cpu, resume: false, minutes: None, max_steps: None, quiet: true, trace: None, init: None }
}

fn predict(model: &Model, clip: &foley::train::cache::CachedClip, chunk: usize) -> Vec<f32> {
    let mut p = model.predictor();
    let mut out = Vec::new();
    let frames: Vec<&[u8]> = (0..clip.n_frames()).map(|i| clip.frame(i)).collect();
    for c in frames.chunks(chunk) {
        out.extend(p.push_images(c).unwrap().data);
    }
    out.extend(p.finish().unwrap().data);
    out
}

#[test]
fn tiny_config_learns_and_reloads() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let data = toy_data();
    let s = train::train(&data, &tiny_train_config(), &opts(&run)).unwrap();
    assert_eq!(s.steps, 30);
    let metrics = std::fs::read_to_string(run.join("metrics.jsonl")).unwrap();
    let losses: Vec<f64> = metrics
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter_map(|v| v["loss"].as_f64())
        .collect();
    assert!(losses.len() >= 5, "{metrics}");
    assert!(losses.last().unwrap() < &(losses[0] - 0.1), "training loss did not fall: {losses:?}");
    let v = s.best_val.unwrap();
    assert!(v.loss < v.mean_baseline_loss, "val {} vs mean predictor {}", v.loss, v.mean_baseline_loss);
    for f in ["model.safetensors", "config.json", "card.md", "loss.png", "checkpoint.safetensors"] {
        assert!(run.join(f).exists(), "{f} missing");
    }
    // Load the written model directory twice: identical outputs, 3 steps per frame.
    let a = Model::load(&run, Device::Cpu).unwrap();
    let b = Model::load(&run, Device::Cpu).unwrap();
    let clip = &data.val[0];
    let pa = predict(&a, clip, 1000);
    assert_eq!(pa.len(), clip.n_frames() * 3 * 42);
    assert_eq!(pa, predict(&b, clip, 1000));
    // Streaming in odd chunks gives the same steps (the LSTM state is carried).
    let pc = predict(&a, clip, 7);
    let err = pa.iter().zip(&pc).map(|(x, y)| (x - y).abs()).fold(0.0f32, f32::max);
    assert!(err < 1e-5, "chunked prediction differs by {err}");
}

#[test]
fn streaming_with_held_rgb_matches_one_pass() {
    let cfg = ModelConfig { width: W, height: H, rgb_every: 4, ..ModelConfig::tiny() };
    let m = Model::new_seeded(cfg.clone(), Normalization::identity(&cfg), Device::Cpu, 3).unwrap();
    let clip = toy_clip("c", 1.0, 2);
    let one = predict(&m, &clip, 1000);
    for chunk in [1, 3, 5] {
        let other = predict(&m, &clip, chunk);
        let err = one.iter().zip(&other).map(|(x, y)| (x - y).abs()).fold(0.0f32, f32::max);
        assert!(err < 1e-5, "chunk {chunk}: differs by {err}");
    }
}

/// The evaluation's baseline variants (no LSTM, one stream; SPEC §7) train, save, reload and
/// stream like the default; the no-LSTM model has no memory (its 3 steps per frame are equal).
#[test]
fn baseline_variants_train_reload_and_stream() {
    use foley::model::{Fusion, Streams, Temporal};
    let dir = tempfile::tempdir().unwrap();
    let data = toy_data();
    let variants = [
        ("nolstm", ModelConfig { temporal: Temporal::None, ..tiny_train_config().model }),
        ("rgb", ModelConfig { streams: Streams::Rgb, rgb_every: 3, ..tiny_train_config().model }),
        ("st-pool", ModelConfig { streams: Streams::Spacetime, fusion: Fusion::Pool, ..tiny_train_config().model }),
        ("action", ModelConfig { readouts: ReadOuts { action: true, ..Default::default() }, ..tiny_train_config().model }),
    ];
    for (name, model) in variants {
        let run = dir.path().join(name);
        let cfg = TrainConfig { model: model.clone(), epochs: Some(2), steps_per_epoch: Some(2), ..tiny_train_config() };
        train::train(&data, &cfg, &opts(&run)).unwrap();
        let m = Model::load(&run, Device::Cpu).unwrap();
        assert_eq!(m.config(), &model, "{name}: config not kept");
        let clip = &data.val[0];
        let one = predict(&m, clip, 1000);
        assert_eq!(one.len(), clip.n_frames() * 3 * 42, "{name}");
        let chunked = predict(&m, clip, 5);
        let err = one.iter().zip(&chunked).map(|(x, y)| (x - y).abs()).fold(0.0f32, f32::max);
        assert!(err < 1e-5, "{name}: chunked prediction differs by {err}");
        // The hit/scratch read-out streams out beside the cochleagram, one value per step.
        let mut p = m.predictor();
        let frames: Vec<&[u8]> = (0..clip.n_frames()).map(|i| clip.frame(i)).collect();
        p.push_images(&frames).unwrap();
        p.finish().unwrap();
        let guide = p.take_guide().unwrap_or_default();
        assert_eq!(guide.scratch.len(), if model.readouts.action { clip.n_frames() * 3 } else { 0 }, "{name}");
        assert!(guide.scratch.iter().all(|x| (0.0..=1.0).contains(x)), "{name}");
        if model.temporal == Temporal::None {
            for f in one.chunks(3 * 42) {
                assert_eq!(f[..42], f[42..84], "{name}: steps of a frame differ without an LSTM");
            }
        }
    }
}

#[test]
fn resume_equals_uninterrupted_run() {
    let dir = tempfile::tempdir().unwrap();
    let data = toy_data();
    let mut cfg = tiny_train_config();
    cfg.epochs = Some(2);
    let full = dir.path().join("full");
    train::train(&data, &cfg, &opts(&full)).unwrap();
    let part = dir.path().join("part");
    // Stop after 7 steps (mid-epoch, between checkpoints), then after 6 more, then finish.
    let mut o = opts(&part);
    o.max_steps = Some(7);
    train::train(&data, &cfg, &o).unwrap();
    o.resume = true;
    o.max_steps = Some(6);
    train::train(&data, &cfg, &o).unwrap();
    o.max_steps = None;
    let s = train::train(&data, &cfg, &o).unwrap();
    assert_eq!(s.steps, 20);
    let a = tch::Tensor::read_safetensors(full.join("checkpoint.safetensors")).unwrap();
    let b = tch::Tensor::read_safetensors(part.join("checkpoint.safetensors")).unwrap();
    let mut n = 0;
    for (name, t) in &a {
        if name == "state" {
            continue;
        }
        let u = &b.iter().find(|(m, _)| m == name).unwrap().1;
        assert!(t.equal(u), "{name} differs after resume");
        n += 1;
    }
    assert!(n > 10);
    // Starting again over a finished run without --resume is refused.
    let e = train::train(&data, &cfg, &opts(&part)).unwrap_err().to_string();
    assert!(e.contains("--resume"), "{e}");
}

#[test]
fn corrupt_checkpoint_and_wrong_version_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let data = toy_data();
    let mut cfg = tiny_train_config();
    cfg.epochs = Some(1);
    cfg.steps_per_epoch = Some(2);
    train::train(&data, &cfg, &opts(&run)).unwrap();
    // Truncated checkpoint.
    let ck = run.join("checkpoint.safetensors");
    let bytes = std::fs::read(&ck).unwrap();
    std::fs::write(&ck, &bytes[..bytes.len() / 2]).unwrap();
    let mut o = opts(&run);
    o.resume = true;
    let e = train::train(&data, &cfg, &o).unwrap_err().to_string();
    assert!(e.contains("checkpoint.safetensors") && e.contains("corrupt"), "{e}");
    // Model directory from another format version.
    let cfg_path = run.join("config.json");
    let text = std::fs::read_to_string(&cfg_path).unwrap();
    std::fs::write(&cfg_path, text.replace("\"format_version\": 2", "\"format_version\": 99")).unwrap();
    let e = Model::load(&run, Device::Cpu).err().unwrap().to_string();
    assert!(e.contains("config.json") && e.contains("version 99"), "{e}");
    // Weights of another architecture.
    std::fs::write(&cfg_path, &text).unwrap();
    let other = ModelConfig { hidden: 16, ..cfg.model.clone() };
    let m = Model::new(other.clone(), Normalization::identity(&other), Device::Cpu).unwrap();
    m.save(&dir.path().join("other"), "").unwrap();
    std::fs::copy(dir.path().join("other/model.safetensors"), run.join("model.safetensors")).unwrap();
    let e = Model::load(&run, Device::Cpu).err().unwrap().to_string();
    assert!(e.contains("model.safetensors") && e.contains("shape"), "{e}");
}

/// `--init-backbone`: a torchvision-named ResNet-18 file is copied into both streams; a file
/// with a missing tensor or a small backbone config is refused with the file named.
#[test]
fn resnet_backbone_starts_from_a_weight_file() {
    use foley::model::Backbone;
    let dir = tempfile::tempdir().unwrap();
    let cfg = ModelConfig { backbone: Backbone::Resnet18, width: 64, height: 48, ..ModelConfig::tiny() };
    let mut m = Model::new_seeded(cfg.clone(), Normalization::identity(&cfg), Device::Cpu, 1).unwrap();
    // A "pretrained" file: every backbone tensor set to a constant, plus a classifier to ignore.
    let mut named: Vec<(String, tch::Tensor)> = m
        .var_store()
        .variables()
        .into_iter()
        .filter_map(|(n, t)| n.strip_prefix("rgb.backbone.").map(|s| (s.to_string(), t.ones_like() * 0.5)))
        .collect();
    named.push(("fc.weight".into(), tch::Tensor::zeros([1000, 512], (tch::Kind::Float, Device::Cpu))));
    let file = dir.path().join("resnet18.safetensors");
    tch::Tensor::write_safetensors(&named.iter().map(|(n, t)| (n.as_str(), t)).collect::<Vec<_>>(), &file).unwrap();
    let n = m.init_backbone(&file).unwrap();
    assert_eq!(n, 2 * (named.len() - 1));
    for (name, t) in m.var_store().variables() {
        if name.contains(".backbone.") {
            assert_eq!(t.mean(tch::Kind::Float).double_value(&[]), 0.5, "{name} not copied");
        }
    }
    // Missing tensors and the small backbone are clear errors naming the file.
    let partial = dir.path().join("partial.safetensors");
    tch::Tensor::write_safetensors(&named[..3].iter().map(|(n, t)| (n.as_str(), t)).collect::<Vec<_>>(), &partial).unwrap();
    let e = m.init_backbone(&partial).unwrap_err().to_string();
    assert!(e.contains("partial.safetensors") && e.contains("no tensor"), "{e}");
    let small = ModelConfig::tiny();
    let mut s = Model::new_seeded(small.clone(), Normalization::identity(&small), Device::Cpu, 1).unwrap();
    assert!(s.init_backbone(&file).unwrap_err().to_string().contains("resnet18"));
}

/// A time budget longer than the epochs need: the epoch limit ends training (no re-planning
/// past it).
#[test]
fn time_budget_beyond_the_epoch_limit_stops_at_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let mut o = opts(&dir.path().join("run"));
    o.minutes = Some(30.0);
    let s = train::train(&toy_data(), &tiny_train_config(), &o).unwrap();
    assert_eq!(s.steps, 30);
    assert_eq!(s.stopped_by, train::Stop::Epochs);
    let card = std::fs::read_to_string(dir.path().join("run/card.md")).unwrap();
    assert!(card.contains("30 steps") && card.contains("epoch limit reached"), "{card}");
}

/// Given both limits, the time budget can come first; the card and config.json say so, and
/// name the step the model directory holds. Validation runs on its own cadence (every
/// `val_every` steps here), not once per epoch, and once more at the end.
#[test]
fn the_first_limit_ends_the_run_and_the_card_says_which() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let mut o = opts(&run);
    o.minutes = Some(0.05); // 3 s: far fewer steps than 1000 epochs
    let cfg = TrainConfig { epochs: Some(1000), val_every: Some(4), ..tiny_train_config() };
    let s = train::train(&toy_data(), &cfg, &o).unwrap();
    assert_eq!(s.stopped_by, train::Stop::TimeBudget);
    assert!(s.steps < 1000 * 10 && s.elapsed_s < 30.0, "{} steps in {} s", s.steps, s.elapsed_s);
    let card = std::fs::read_to_string(run.join("card.md")).unwrap();
    assert!(card.contains("time budget reached") && card.contains(&format!("{} steps", s.steps)), "{card}");
    let kept = s.kept_step.unwrap();
    assert!(card.contains(&format!("holds step {kept}")), "{card}");
    let json = Model::read_config(&run).unwrap().training;
    assert_eq!(json["run"]["stopped_by"], "time budget reached");
    assert_eq!(json["run"]["kept_step"], kept);
    let metrics = std::fs::read_to_string(run.join("metrics.jsonl")).unwrap();
    let vals: Vec<usize> = metrics
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|r| r["kind"] == "val")
        .map(|r| r["step"].as_u64().unwrap() as usize)
        .collect();
    let mut want: Vec<usize> = (1..=s.steps / 4).map(|k| 4 * k).collect();
    if s.steps % 4 != 0 {
        want.push(s.steps);
    }
    assert_eq!(vals, want, "validations every 4 steps and at the end");
}

/// Every weight of `model` is the one in the trace's starting state (`trace.init.safetensors`).
fn assert_trace_starts_from(init_file: &std::path::Path, model: &Model) {
    let init = tch::Tensor::read_safetensors(init_file).unwrap();
    for (name, t) in model.weights() {
        let u = &init.iter().find(|(m, _)| *m == format!("model.{name}")).unwrap_or_else(|| panic!("{name} missing")).1;
        assert!(t.equal(u), "{name} is not the starting weight");
    }
}

#[test]
fn trace_records_each_step_from_the_starting_weights() {
    let dir = tempfile::tempdir().unwrap();
    let data = toy_data();
    let cfg = tiny_train_config();
    let trace = dir.path().join("trace.jsonl");
    let mut o = opts(&dir.path().join("run"));
    o.max_steps = Some(3);
    o.trace = Some(trace.clone());
    train::train(&data, &cfg, &o).unwrap();
    let lines: Vec<serde_json::Value> =
        std::fs::read_to_string(&trace).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.iter().map(|l| l["step"].as_u64().unwrap()).collect::<Vec<_>>(), vec![0, 1, 2]);
    // The starting weights are those of a fresh model of the same seed.
    let norm = train::compute_normalization(&data.train, &cfg.model);
    let model = Model::new_seeded(cfg.model.clone(), norm, Device::Cpu, cfg.seed).unwrap();
    assert_trace_starts_from(&dir.path().join("trace.init.safetensors"), &model);
    // From them, the first traced windows give the first traced loss.
    let wins: Vec<train::sampler::Window> = lines[0]["windows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| train::sampler::Window {
            clip: data.train.iter().position(|c| c.id == w[0].as_str().unwrap()).unwrap(),
            start: w[1].as_u64().unwrap() as usize,
            flip: w[2].as_bool().unwrap(),
        })
        .collect();
    assert_eq!(wins.len(), cfg.batch);
    let m = &cfg.model;
    let b = train::sampler::fill_batch(&data.train, &wins, cfg.window, m.steps_per_frame, m.fps);
    let (bs, ts) = (cfg.batch as i64, (cfg.window * m.steps_per_frame) as i64);
    let frames = tch::Tensor::from_slice(&b.frames).view([bs, cfg.window as i64 + 2, m.height as i64, m.width as i64, 3]);
    let (pred, aux) = model.net().forward_train(&frames, true);
    let mut loss = cfg.loss.cochleagram(&pred, &tch::Tensor::from_slice(&b.targets).view([bs, ts, m.bands as i64]));
    if let Some(logits) = aux {
        let v = |x: &[f32]| tch::Tensor::from_slice(x).view([bs, ts]);
        let (extra, _, _) = cfg.loss.read_outs(m, &logits, &v(&b.onset), &tch::Tensor::from_slice(&b.material).view([bs, ts]), &v(&b.log_loudness), &v(&b.scratch));
        loss = loss + extra;
    }
    let want = lines[0]["loss"].as_f64().unwrap();
    assert!((loss.double_value(&[]) - want).abs() < 1e-5, "{} vs traced {want}", loss.double_value(&[]));
}

/// A one-epoch tiny model to fine-tune: (its temp dir, the data, the config, its directory, it).
fn trained_base() -> (tempfile::TempDir, TrainData, TrainConfig, std::path::PathBuf, Model) {
    let dir = tempfile::tempdir().unwrap();
    let data = toy_data();
    let cfg = tiny_train_config();
    let base = dir.path().join("base");
    train::train(&data, &TrainConfig { epochs: Some(1), ..cfg.clone() }, &opts(&base)).unwrap();
    let base_model = Model::load(&base, Device::Cpu).unwrap();
    (dir, data, cfg, base, base_model)
}

#[test]
fn fine_tuning_starts_from_the_given_model() {
    let (dir, data, cfg, base, base_model) = trained_base();

    // The first step starts from the base model's weights, not a fresh seeded model's.
    let tuned = dir.path().join("tuned");
    let mut o = opts(&tuned);
    o.init = Some(base.clone());
    o.trace = Some(dir.path().join("trace.jsonl"));
    train::train(&data, &TrainConfig { seed: cfg.seed + 1, epochs: Some(1), ..cfg.clone() }, &o).unwrap();
    assert_trace_starts_from(&dir.path().join("trace.init.safetensors"), &base_model);
    // The model directory says where it started.
    let file = Model::read_config(&tuned).unwrap();
    assert_eq!(file.training["init"].as_str(), base.to_str());
    let card = std::fs::read_to_string(tuned.join("card.md")).unwrap();
    assert!(card.contains("fine-tuned from"), "{card}");
    let fresh = Model::new_seeded(cfg.model.clone(), train::compute_normalization(&data.train, &cfg.model), Device::Cpu, cfg.seed + 1).unwrap();
    assert!(fresh.weights().iter().zip(base_model.weights()).any(|((_, a), (_, b))| !a.equal(&b)));

    // A run whose [model] differs from the base model's is refused, naming its config.
    let mut o = opts(&dir.path().join("other"));
    o.init = Some(base.clone());
    let other = TrainConfig { model: ModelConfig { hidden: cfg.model.hidden * 2, ..cfg.model.clone() }, ..cfg.clone() };
    let e = train::train(&data, &other, &o).err().expect("a different model config must be refused").to_string();
    assert!(e.contains("config.json") && e.contains("differs"), "{e}");

    // Loss weights are the training config's, not the model's: the same architecture starts
    // from the base weights; dropping a read-out changes the architecture and is refused.
    assert!(cfg.model.readouts.material);
    let start = Model::load_init(&base, &cfg.model, Device::Cpu, 1).unwrap();
    assert_eq!(start.config(), &cfg.model);
    assert!(start.weights().iter().zip(base_model.weights()).all(|((n, a), (m, b))| *n == m && a.equal(&b)));
    let without = ModelConfig { readouts: ReadOuts { material: false, ..cfg.model.readouts }, ..cfg.model.clone() };
    assert!(Model::load_init(&base, &without, Device::Cpu, 1).is_err());
    // A heavier material loss trains from the same start.
    let mut o = opts(&dir.path().join("heavier"));
    o.init = Some(base.clone());
    o.max_steps = Some(1);
    let heavier = TrainConfig { loss: LossConfig { material: 4.0 * cfg.loss.material, ..cfg.loss.clone() }, ..cfg.clone() };
    train::train(&data, &heavier, &o).unwrap();
}

/// A trained model gains the hit/scratch read-out (`--init` with `readouts.action`, `train_only =
/// ["action"]`): only the new `action` layer changes; every other weight, hence the
/// cochleagram and the other read-outs, stays the base model's. A name that matches no
/// variable is refused.
#[test]
fn a_new_read_out_trains_on_frozen_weights() {
    let (dir, data, cfg, base, base_model) = trained_base();

    let with_action = ModelConfig { readouts: ReadOuts { action: true, ..cfg.model.readouts }, ..cfg.model.clone() };
    let probe = TrainConfig { model: with_action.clone(), loss: LossConfig { action: 1.0, ..cfg.loss.clone() }, train_only: vec!["action".into()], epochs: Some(1), seed: 9, ..cfg.clone() };
    let tuned = dir.path().join("tuned");
    let mut o = opts(&tuned);
    o.init = Some(base.clone());
    o.trace = Some(dir.path().join("trace.jsonl"));
    train::train(&data, &probe, &o).unwrap();
    let tuned_model = Model::load(&tuned, Device::Cpu).unwrap();
    assert_eq!(tuned_model.config(), &with_action);
    let start = tch::Tensor::read_safetensors(dir.path().join("trace.init.safetensors")).unwrap();
    let base_w = base_model.weights();
    let mut action_moved = false;
    for (name, t) in tuned_model.weights() {
        match base_w.iter().find(|(n, _)| *n == name) {
            Some((_, b)) => assert!(t.equal(b), "{name} changed although frozen"),
            None => {
                assert!(name.starts_with("action."), "{name} is new but not the action read-out");
                let s = &start.iter().find(|(n, _)| *n == format!("model.{name}")).unwrap().1;
                action_moved |= !t.equal(s);
            }
        }
    }
    assert!(action_moved, "the action read-out did not train");
    let clip = &data.val[0];
    assert_eq!(predict(&tuned_model, clip, 1000), predict(&base_model, clip, 1000));
    let v = Model::read_config(&tuned).unwrap().training["validation"].clone();
    assert!(v["action_head_accuracy"].as_f64().is_some_and(|a| (0.0..=1.0).contains(&a)), "{v}");

    let mut o = opts(&dir.path().join("nothing"));
    o.init = Some(base.clone());
    let nothing = TrainConfig { train_only: vec!["actoin".into()], ..probe.clone() };
    let e = train::train(&data, &nothing, &o).err().expect("a train_only that matches nothing must be refused").to_string();
    assert!(e.contains("actoin") && e.contains("matches none"), "{e}");
}
