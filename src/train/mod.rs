//! Training (`foley train`): Adam with warm-up and cosine learning-rate decay, gradient
//! clipping, validation each epoch with model selection on validation loss, exact resume from
//! atomic checkpoints, metrics log (JSON lines), loss-curve PNG, model directory output.
//!
//! Run directory (`--out RUN`):
//! - `checkpoint.safetensors`: weights (`model.*`), Adam moments (`adam.m.*`, `adam.v.*`) and the
//!   training state as a JSON byte tensor (`state`): one file, written atomically.
//! - `model.safetensors`, `config.json`, `card.md`: the best model so far (a model directory).
//! - `metrics.jsonl`, `loss.png`.
pub mod adam;
pub mod onsets;
pub mod plot;
pub mod sampler;

use crate::dataset::cache::CachedClip;
use crate::error::{Error, Result};
use crate::model::{Model, ModelConfig, ModelFile, Normalization};
use adam::Adam;
use sampler::{SamplerConfig, Window};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;
use tch::{Device, Kind, Tensor};

/// Version of the checkpoint state layout.
pub const CHECKPOINT_VERSION: u32 = 1;

/// Training parameters. Every field has a documented default; `--config F.toml` may set any
/// of them (and the model's under `[model]`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrainConfig {
    pub model: ModelConfig,
    /// Windows per batch. Default 16.
    pub batch: usize,
    /// Frames per window. Default 15 (0.5 s at 30 fps, as the paper).
    pub window: usize,
    /// Share of windows centred near an annotated action; the rest are at random positions.
    /// Default 0.5.
    pub event_share: f64,
    /// An action falls at least this many frames after the window start, so the stick's
    /// approach (its speed, hence the loudness) is in the window. Default 5.
    pub min_before: usize,
    /// ... and at least this many frames before the window end. Default 2.
    pub min_after: usize,
    /// Random left–right mirroring. Default true.
    pub flip: bool,
    /// Peak learning rate. Default 1e-3.
    pub lr: f64,
    /// Learning rate at the end of the cosine decay, as a share of `lr`. Default 0.05.
    pub final_lr_share: f64,
    /// Linear warm-up steps. Default 50.
    pub warmup: usize,
    /// Largest global gradient L2 norm (0 = no clipping). Default 1.0.
    pub grad_clip: f64,
    /// L2 weight decay added to the gradients. Default 0.
    pub weight_decay: f64,
    /// Epochs. Default 20.
    pub epochs: usize,
    /// Steps per epoch; default: the windows of one epoch plan (every annotated action once,
    /// plus random windows) divided by the batch size.
    pub steps_per_epoch: Option<usize>,
    /// Without a `val.txt`, this share of the training clips (every k-th by id) validates.
    /// Default 0.15.
    pub val_share: f64,
    /// Seed of initialisation and sampling. Default 1.
    pub seed: u64,
    /// With `backbone = "resnet18"`: start both streams' ResNet-18 from this weight file
    /// (safetensors with torchvision's names, e.g. `conv1.weight`, `layer1.0.bn1.running_mean`;
    /// the `fc.*` classifier is ignored). Default none (random initialisation).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub init_backbone: Option<std::path::PathBuf>,
    /// Log a metrics line every this many steps. Default 10.
    pub log_every: usize,
    /// Write a checkpoint every this many steps (and after each validation). Default 100.
    pub checkpoint_every: usize,
    /// Validation metric that selects the best checkpoint. Default `quality` (measured: the
    /// robust validation loss is lowest early, before the model puts hits anywhere; and
    /// selecting on onset AP alone kept models/default at step 6000 of 11382, where its
    /// material read-out was 0.612 against 0.649 at the end).
    pub select: Select,
    /// Train only the variables whose names start with one of these (e.g. `["action"]`: fit a
    /// new hit/scratch read-out on an `--init` model whose other weights stay as they are);
    /// the rest are frozen and run in inference mode. Default empty: train everything.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub train_only: Vec<String>,
}

/// Model-selection metric.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Select {
    /// Highest mean of onset AP, material read-out accuracy, loudness read-out r and hit/scratch
    /// read-out accuracy (those the model has): when, what, how loud and which action,
    /// weighted alike (ties: lower loss).
    Quality,
    /// Highest onset AP against the annotated times (ties: lower loss).
    OnsetAp,
    /// Lowest robust loss.
    Loss,
}

impl Select {
    /// Score to minimise.
    fn score(self, v: &ValMetrics) -> f64 {
        match self {
            Select::Quality => {
                let parts = [Some(v.onset_ap), v.material_head_accuracy, v.loudness_head_r, v.action_head_accuracy];
                let (sum, n) = parts.iter().flatten().fold((0.0, 0.0), |(s, n), x| (s + x, n + 1.0));
                -sum / n + 1e-6 * v.loss
            }
            Select::OnsetAp => -v.onset_ap + 1e-6 * v.loss,
            Select::Loss => v.loss,
        }
    }
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            model: ModelConfig::default(),
            batch: 16,
            window: 15,
            event_share: 0.5,
            min_before: 5,
            min_after: 2,
            flip: true,
            lr: 1e-3,
            final_lr_share: 0.05,
            warmup: 50,
            grad_clip: 1.0,
            weight_decay: 0.0,
            epochs: 20,
            steps_per_epoch: None,
            val_share: 0.15,
            seed: 1,
            init_backbone: None,
            log_every: 10,
            checkpoint_every: 100,
            select: Select::Quality,
            train_only: Vec::new(),
        }
    }
}

impl TrainConfig {
    /// Read a TOML file (any subset of the fields).
    pub fn from_toml_file(path: &Path) -> Result<TrainConfig> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let cfg: TrainConfig = toml::from_str(&text).map_err(|e| Error::bad(path, format!("invalid training config: {e}")))?;
        cfg.validate().map_err(|e| Error::bad(path, e.to_string()))?;
        Ok(cfg)
    }

    pub fn validate(&self) -> Result<()> {
        self.model.validate()?;
        let p = |m: &str| Err(Error::Param(m.to_string()));
        if self.batch == 0 || self.window == 0 || self.epochs == 0 || self.log_every == 0 || self.checkpoint_every == 0 {
            return p("batch, window, epochs, log_every and checkpoint_every must be at least 1");
        }
        if !(0.0..=1.0).contains(&self.event_share) || !(0.0..1.0).contains(&self.val_share) {
            return p("event_share must be in [0, 1] and val_share in [0, 1)");
        }
        if !(self.lr > 0.0) || !(0.0..=1.0).contains(&self.final_lr_share) || self.grad_clip < 0.0 || self.weight_decay < 0.0 {
            return p("lr must be positive, final_lr_share in [0, 1], grad_clip and weight_decay non-negative");
        }
        if self.min_before + self.min_after >= self.window {
            return p("min_before + min_after must be less than window");
        }
        Ok(())
    }

    fn sampler(&self) -> SamplerConfig {
        SamplerConfig {
            window: self.window,
            steps_per_frame: self.model.steps_per_frame,
            fps: self.model.fps,
            event_share: self.event_share,
            min_before: self.min_before,
            min_after: self.min_after,
            flip: self.flip,
            seed: self.seed,
        }
    }

    /// Learning rate at `step` (0-based) of `total`: linear warm-up, then cosine decay.
    pub fn lr_at(&self, step: usize, total: usize) -> f64 {
        if step < self.warmup {
            return self.lr * (step + 1) as f64 / self.warmup as f64;
        }
        let span = total.saturating_sub(self.warmup).max(1) as f64;
        let x = ((step - self.warmup) as f64 / span).min(1.0);
        let lo = self.lr * self.final_lr_share;
        lo + (self.lr - lo) * 0.5 * (1.0 + (std::f64::consts::PI * x).cos())
    }
}

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

/// How to run training (besides the config).
#[derive(Clone, Debug)]
pub struct TrainOptions {
    pub run: PathBuf,
    pub device: Device,
    pub resume: bool,
    /// Stop after this much training time (all runs of a resumed training together), and plan
    /// the learning-rate schedule to end there.
    pub minutes: Option<f64>,
    /// Stop after this many steps of this invocation (used to test resume).
    pub max_steps: Option<usize>,
    pub quiet: bool,
    /// Write each step's windows, learning rate and loss here (JSON lines), and the state
    /// before the first step beside it (`trace.jsonl` → `trace.init.safetensors`, a checkpoint).
    pub trace: Option<PathBuf>,
    /// Start a new run from this model directory's weights and normalisation (fine-tuning:
    /// fresh optimiser and schedule). Its model config must equal the run's up to read-out
    /// loss weights, or lack the run's hit/scratch read-out ([`Model::load_init`]).
    pub init: Option<PathBuf>,
}

/// One line of `metrics.jsonl`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Record {
    pub kind: String,
    pub step: usize,
    pub epoch: usize,
    pub elapsed_s: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub loss: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lr: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub steps_per_s: Option<f64>,
    /// Share of step time spent waiting for the next batch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_wait_share: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub val: Option<ValMetrics>,
}

/// Validation metrics over whole clips predicted as at inference (streaming from frame 0).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ValMetrics {
    /// Mean robust loss per step.
    pub loss: f64,
    /// The same loss for a predictor of the per-band training mean.
    pub mean_baseline_loss: f64,
    /// Mean absolute error per value.
    pub mae: f64,
    pub onset_ap: f64,
    pub onset_precision: f64,
    pub onset_recall: f64,
    pub onset_f1: f64,
    /// The onset-strength threshold of that best F1, in the units of
    /// `synth::HitParams::threshold` (mean rise per band and step). Reported only: hit
    /// detection keeps its own default (`--threshold`).
    #[serde(default)]
    pub onset_threshold: f32,
    /// Pearson correlation, over annotated actions, of predicted and real loudness (the
    /// largest summed envelope within 0.1 s after the annotated time).
    pub loudness_r: f64,
    /// Pearson correlation, over annotated actions, of the loudness read-out (ln) and the
    /// real hit loudness (ln `synth::hit_loudness`), for models with that read-out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loudness_head_r: Option<f64>,
    /// Share of annotated actions whose material the material read-out gets right.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub material_head_accuracy: Option<f64>,
    /// Share of annotated hits and scratches that the action read-out calls right.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action_head_accuracy: Option<f64>,
    /// Onset scores of the real cochleagrams (what a perfect prediction would reach).
    pub real_onset_ap: f64,
    pub real_onset_f1: f64,
    pub clips: usize,
    pub annotated_onsets: usize,
}

/// Training state saved in checkpoints.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct State {
    version: u32,
    config: TrainConfig,
    model_file: ModelFile,
    /// Next epoch / batch within it.
    epoch: usize,
    batch: usize,
    step: usize,
    total_steps: usize,
    elapsed_s: f64,
    best: Option<(f64, usize)>,
    records: Vec<Record>,
    data_fingerprint: String,
}

/// Outcome of [`train`].
#[derive(Clone, Debug)]
pub struct Summary {
    pub steps: usize,
    pub elapsed_s: f64,
    pub best_val: Option<ValMetrics>,
    pub final_train_loss: Option<f64>,
    pub steps_per_s: f64,
    pub data_wait_share: f64,
    pub stopped_early: bool,
}

/// Statistics of the training data: pixel mean/std (over every 7th frame), per-band target
/// mean/std, and the PCA basis when the config asks for one.
pub fn compute_normalization(clips: &[CachedClip], cfg: &ModelConfig) -> Normalization {
    let mut px = [(0.0f64, 0.0f64); 3];
    let mut npx = 0u64;
    for c in clips {
        for i in (0..c.n_frames()).step_by(7) {
            for p in c.frame(i).chunks_exact(3) {
                for k in 0..3 {
                    let v = p[k] as f64 / 255.0;
                    px[k].0 += v;
                    px[k].1 += v * v;
                }
                npx += 1;
            }
        }
    }
    // Spread of the gray difference between consecutive frames (every 7th pair).
    let (mut d2, mut nd) = (0.0f64, 0u64);
    for c in clips {
        for i in (1..c.n_frames()).step_by(7) {
            for (p, q) in c.frame(i - 1).chunks_exact(3).zip(c.frame(i).chunks_exact(3)) {
                let g = |x: &[u8]| (0..3).map(|k| crate::model::net::LUMA[k] as f64 * x[k] as f64).sum::<f64>() / 255.0;
                let d = g(q) - g(p);
                d2 += d * d;
                nd += 1;
            }
        }
    }
    let bands = cfg.bands;
    let mut s = vec![(0.0f64, 0.0f64); bands];
    let mut nt = 0u64;
    for c in clips {
        for row in c.coch.chunks_exact(bands) {
            for (b, &v) in row.iter().enumerate() {
                s[b].0 += v as f64;
                s[b].1 += (v as f64) * (v as f64);
            }
            nt += 1;
        }
    }
    let ms = |(a, b): (f64, f64), n: u64| {
        let n = n.max(1) as f64;
        let m = a / n;
        (m as f32, ((b / n - m * m).max(0.0).sqrt() as f32))
    };
    let mut norm = Normalization::identity(cfg);
    if npx > 0 {
        for k in 0..3 {
            let (m, sd) = ms(px[k], npx);
            norm.pixel_mean[k] = m;
            norm.pixel_std[k] = sd.max(1e-2);
        }
    }
    if nd > 0 {
        norm.motion_std = ((d2 / nd as f64).sqrt() as f32).max(1e-3);
    }
    if nt > 0 {
        for b in 0..bands {
            let (m, sd) = ms(s[b], nt);
            norm.target_mean[b] = m;
            norm.target_std[b] = sd.max(1e-3);
        }
    }
    if let Some(k) = cfg.pca {
        norm.pca_basis = Some(pca_basis(clips, &norm, k));
    }
    norm
}

/// Top-k principal directions of the standardised targets (eigenvectors of their covariance).
fn pca_basis(clips: &[CachedClip], norm: &Normalization, k: usize) -> Vec<Vec<f32>> {
    let bands = norm.target_mean.len();
    let rows: Vec<f32> = clips
        .iter()
        .flat_map(|c| c.coch.chunks_exact(bands))
        .flat_map(|r| r.iter().enumerate().map(|(b, v)| (v - norm.target_mean[b]) / norm.target_std[b]).collect::<Vec<_>>())
        .collect();
    if rows.is_empty() {
        return Normalization::identity(&ModelConfig { bands, pca: Some(k), ..ModelConfig::default() }).pca_basis.unwrap_or_default();
    }
    let x = Tensor::from_slice(&rows).view([-1, bands as i64]).to_kind(Kind::Double);
    let cov = x.transpose(0, 1).matmul(&x) / (x.size()[0] as f64);
    let (_vals, vecs) = cov.linalg_eigh("L"); // ascending eigenvalues; columns are vectors
    let top = vecs.flip([1]).narrow(1, 0, k as i64).transpose(0, 1).to_kind(Kind::Float).contiguous();
    Vec::<Vec<f32>>::try_from(&top).unwrap_or_default()
}

/// Validate: predict every validation clip from its first frame as `foley predict` would.
pub fn validate(model: &Model, clips: &[CachedClip]) -> Result<ValMetrics> {
    let cfg = model.config();
    let spf = cfg.steps_per_frame;
    let bands = cfg.bands;
    let mean = &model.file.normalization.target_mean;
    let eps = cfg.loss_eps;
    let (mut loss, mut base, mut mae, mut n) = (0.0f64, 0.0f64, 0.0f64, 0usize);
    let mut pred_onsets = Vec::new();
    let mut real_onsets = Vec::new();
    let mut loud = Vec::new();
    let (mut head_loud, mut head_mat, mut head_act) = (Vec::new(), Vec::new(), Vec::new());
    for c in clips {
        let usable = c.usable_frames(spf);
        if usable < 2 {
            continue;
        }
        let mut p = model.predictor();
        let imgs: Vec<&[u8]> = (0..usable).map(|i| c.frame(i)).collect();
        let mut pred = p.push_images(&imgs)?.data;
        pred.extend(p.finish()?.data);
        let guide = p.take_guide().unwrap_or_default();
        let steps = usable * spf;
        let real = &c.coch[..steps * bands];
        for (ps, rs) in pred.chunks_exact(bands).zip(real.chunks_exact(bands)) {
            let d2: f64 = ps.iter().zip(rs).map(|(a, b)| ((a - b) as f64).powi(2)).sum();
            let m2: f64 = mean.iter().zip(rs).map(|(a, b)| ((a - b) as f64).powi(2)).sum();
            loss += (eps + d2).ln();
            base += (eps + m2).ln();
            mae += ps.iter().zip(rs).map(|(a, b)| (a - b).abs() as f64).sum::<f64>() / bands as f64;
            n += 1;
        }
        let refs: Vec<f64> = c.events.iter().map(|e| e.time).filter(|&t| t < usable as f64 / cfg.fps).collect();
        let rate = cfg.step_rate();
        for &t in &refs {
            let s0 = (t * rate).round() as usize;
            let s1 = (s0 + (0.1 * rate).round() as usize).min(steps);
            let peak = |x: &[f32]| (s0..s1).map(|s| x[s * bands..(s + 1) * bands].iter().sum::<f32>() as f64).fold(0.0, f64::max);
            if s0 < s1 {
                loud.push((peak(&pred), peak(real)));
            }
        }
        for e in c.events.iter().filter(|e| e.time < usable as f64 / cfg.fps) {
            // The read-out is queried where training labels it: from the annotated step on.
            let step = (e.time * rate).round() as usize;
            if let Some(l) = guide.loudness_at_hit(step) {
                let real = crate::synth::hit_log_loudness(&c.coch, bands, rate, e.time);
                head_loud.push((l.ln() as f64, real as f64));
            }
            if let (Some((m, _)), Some(truth)) = (guide.material_at_hit(step), &e.material) {
                head_mat.push((m.as_str() == truth.as_str()) as u8 as f64);
            }
            if let (Some(a), Some(truth)) = (guide.action_at_hit(step), &e.action) {
                head_act.push((a.as_str() == truth.as_str()) as u8 as f64);
            }
        }
        pred_onsets.push((onsets::candidates(&pred, bands, cfg.step_rate()), refs.clone()));
        real_onsets.push((onsets::candidates(real, bands, cfg.step_rate()), refs));
    }
    let n = n.max(1) as f64;
    let ps = onsets::score(&pred_onsets);
    let rs = onsets::score(&real_onsets);
    Ok(ValMetrics {
        loss: loss / n,
        mean_baseline_loss: base / n,
        mae: mae / n,
        onset_ap: ps.ap,
        onset_precision: ps.precision,
        onset_recall: ps.recall,
        onset_f1: ps.f1,
        onset_threshold: ps.threshold / bands as f32,
        loudness_r: pearson(&loud),
        loudness_head_r: (!head_loud.is_empty()).then(|| pearson(&head_loud)),
        material_head_accuracy: (!head_mat.is_empty()).then(|| head_mat.iter().sum::<f64>() / head_mat.len() as f64),
        action_head_accuracy: (!head_act.is_empty()).then(|| head_act.iter().sum::<f64>() / head_act.len() as f64),
        real_onset_ap: rs.ap,
        real_onset_f1: rs.f1,
        clips: pred_onsets.len(),
        annotated_onsets: ps.references,
    })
}

fn pearson(xy: &[(f64, f64)]) -> f64 {
    let n = xy.len() as f64;
    if n < 2.0 {
        return 0.0;
    }
    let (mx, my) = (xy.iter().map(|p| p.0).sum::<f64>() / n, xy.iter().map(|p| p.1).sum::<f64>() / n);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for &(x, y) in xy {
        sxy += (x - mx) * (y - my);
        sxx += (x - mx).powi(2);
        syy += (y - my).powi(2);
    }
    if sxx <= 0.0 || syy <= 0.0 {
        0.0
    } else {
        sxy / (sxx * syy).sqrt()
    }
}

fn data_fingerprint(data: &TrainData) -> String {
    let ids: Vec<String> = data
        .train
        .iter()
        .map(|c| format!("{}:{}:{}", c.id, c.n_frames(), c.steps()))
        .chain(data.val.iter().map(|c| format!("val {}:{}", c.id, c.n_frames())))
        .collect();
    format!("{:016x}", crate::dataset::cache::fnv1a(ids.join("\n").as_bytes()))
}

fn checkpoint_path(run: &Path) -> PathBuf {
    run.join("checkpoint.safetensors")
}

fn save_checkpoint(run: &Path, model: &Model, opt: &Adam, state: &State) -> Result<()> {
    save_checkpoint_to(&checkpoint_path(run), model, opt, state)
}

fn save_checkpoint_to(path: &Path, model: &Model, opt: &Adam, state: &State) -> Result<()> {
    let mut tensors: Vec<(String, Tensor)> = model.weights().into_iter().map(|(n, t)| (format!("model.{n}"), t)).collect();
    for (i, name) in opt.names().iter().enumerate() {
        tensors.push((format!("adam.m.{name}"), opt.m[i].detach().to_device(Device::Cpu).contiguous()));
        tensors.push((format!("adam.v.{name}"), opt.v[i].detach().to_device(Device::Cpu).contiguous()));
    }
    let json = serde_json::to_vec(state).map_err(|e| Error::Param(e.to_string()))?;
    tensors.push(("state".into(), Tensor::from_slice(&json)));
    crate::model::write_tensors(path, &tensors)
}

fn load_checkpoint(run: &Path) -> Result<(State, Vec<(String, Tensor)>)> {
    let path = checkpoint_path(run);
    let tensors = crate::model::read_tensors(&path)?;
    let st = tensors
        .iter()
        .find(|(n, _)| n == "state")
        .ok_or_else(|| Error::bad(&path, "checkpoint has no training state: not a foley checkpoint"))?;
    let bytes = Vec::<u8>::try_from(&st.1).map_err(|e| Error::bad(&path, format!("checkpoint state: {e}")))?;
    let raw: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|e| Error::bad(&path, format!("corrupt checkpoint state: {e}")))?;
    let v = raw.get("version").and_then(|v| v.as_u64());
    if v != Some(CHECKPOINT_VERSION as u64) {
        return Err(Error::bad(
            &path,
            format!("checkpoint version {v:?}, this foley resumes version {CHECKPOINT_VERSION}; start a new run"),
        ));
    }
    let state: State =
        serde_json::from_value(raw).map_err(|e| Error::bad(&path, format!("corrupt checkpoint state: {e}")))?;
    Ok((state, tensors))
}

fn write_metrics(run: &Path, records: &[Record]) -> Result<()> {
    let path = run.join("metrics.jsonl");
    let mut text = String::new();
    for r in records {
        text.push_str(&serde_json::to_string(r).map_err(|e| Error::Param(e.to_string()))?);
        text.push('\n');
    }
    crate::util::write_atomic(&path, |tmp| std::fs::write(tmp, &text).map_err(|e| Error::io(tmp, e)))
}

fn append_metric(run: &Path, r: &Record) -> Result<()> {
    let path = run.join("metrics.jsonl");
    let mut f = std::fs::OpenOptions::new().create(true).append(true).open(&path).map_err(|e| Error::io(&path, e))?;
    writeln!(f, "{}", serde_json::to_string(r).map_err(|e| Error::Param(e.to_string()))?).map_err(|e| Error::io(&path, e))
}

fn draw_curve(run: &Path, records: &[Record]) -> Result<()> {
    let train: Vec<(f64, f64)> = records.iter().filter_map(|r| r.loss.map(|l| (r.step as f64, l))).collect();
    let val: Vec<(f64, f64)> = records.iter().filter_map(|r| r.val.as_ref().map(|v| (r.step as f64, v.loss))).collect();
    let base = records.iter().rev().find_map(|r| r.val.as_ref().map(|v| v.mean_baseline_loss));
    plot::loss_curve(&run.join("loss.png"), &train, &val, base)
}

fn card(state: &State, data: &TrainData, best: Option<&ValMetrics>) -> String {
    let m = &state.config.model;
    let mut s = format!(
        "# foley model\n\nTwo-stream CNN + LSTM predicting a {}-band cochleagram at {} Hz from {}x{} video frames at {} fps \
         (SPEC §4). Backbone `{:?}`, fusion `{:?}`, RGB every {} frame(s), LSTM {}.\n\n\
         ## Training\n\n- data: {}\n- clips: {} train, {} validation\n- steps: {} (batch {} windows of {} frames), {:.1} min\n- foley {}\n",
        m.bands,
        m.step_rate(),
        m.width,
        m.height,
        m.fps,
        m.backbone,
        m.effective_fusion(),
        m.rgb_every,
        m.hidden,
        data.source,
        data.train.len(),
        data.val.len(),
        state.step,
        state.config.batch,
        state.config.window,
        state.elapsed_s / 60.0,
        env!("CARGO_PKG_VERSION"),
    );
    if let Some(init) = fine_tuned_from(state).and_then(|v| v.as_str()) {
        s.push_str(&format!("- fine-tuned from the weights of `{init}` (`--init`)\n"));
    }
    if let (Some(v), Some((_, step))) = (best, state.best) {
        s.push_str(&format!(
            "\n## Validation (best checkpoint, step {step})\n\n| metric | value |\n| --- | --- |\n\
             | robust loss | {:.3} |\n| predict-the-mean loss | {:.3} |\n| mean abs. error | {:.4} |\n\
             | onset AP vs annotations (±0.1 s) | {:.3} |\n| onset precision / recall | {:.3} / {:.3} |\n\
             | per-hit loudness correlation | {:.3} |\n| real-audio onset AP (ceiling) | {:.3} |\n",
            v.loss, v.mean_baseline_loss, v.mae, v.onset_ap, v.onset_precision, v.onset_recall, v.loudness_r, v.real_onset_ap
        ));
        if let Some(r) = v.loudness_head_r {
            s.push_str(&format!("| loudness read-out vs real hit loudness (r, ln) | {r:.3} |\n"));
        }
        if let Some(a) = v.material_head_accuracy {
            s.push_str(&format!("| material read-out accuracy at annotated actions | {a:.3} |\n"));
        }
        if let Some(a) = v.action_head_accuracy {
            s.push_str(&format!("| hit/scratch read-out accuracy at annotated actions | {a:.3} |\n"));
        }
    }
    s
}

/// Train on `data` into `opts.run`.
pub fn train(data: &TrainData, config: &TrainConfig, opts: &TrainOptions) -> Result<Summary> {
    config.validate()?;
    if data.train.is_empty() {
        return Err(Error::Param("no training clips".into()));
    }
    let run = &opts.run;
    std::fs::create_dir_all(run).map_err(|e| Error::io(run, e))?;
    let fingerprint = data_fingerprint(data);
    let mcfg = &config.model;
    for c in data.train.iter().chain(&data.val) {
        if c.width != mcfg.width || c.height != mcfg.height || c.bands != mcfg.bands {
            return Err(Error::Param(format!(
                "clip {} is {}x{} with {} bands, the model wants {}x{} with {}: rebuild the cache",
                c.id, c.width, c.height, c.bands, mcfg.width, mcfg.height, mcfg.bands
            )));
        }
    }

    // Fresh start or resume.
    let (mut model, mut opt, mut state) = if opts.resume {
        let (state, tensors) = load_checkpoint(run)?;
        let path = checkpoint_path(run);
        if state.config != *config {
            return Err(Error::bad(&path, "the run was started with a different training config; resume with the same --config"));
        }
        if state.data_fingerprint != fingerprint {
            return Err(Error::bad(&path, "the run was started on different data; resume with the same --data"));
        }
        let mut model = Model::new(state.model_file.model.clone(), state.model_file.normalization.clone(), opts.device)?;
        model.set_weights(&path, &tensors, "model.")?;
        freeze_except(&model, &config.train_only)?;
        let mut opt = Adam::new(model.var_store().variables().into_iter().collect(), config.weight_decay);
        let map: std::collections::HashMap<&str, &Tensor> = tensors.iter().map(|(n, t)| (n.as_str(), t)).collect();
        for i in 0..opt.names().len() {
            let name = opt.names()[i].clone();
            for (kind, dst) in [("m", &mut opt.m[i]), ("v", &mut opt.v[i])] {
                let src = map
                    .get(format!("adam.{kind}.{name}").as_str())
                    .ok_or_else(|| Error::bad(&path, format!("checkpoint lacks optimiser state for `{name}`")))?;
                if src.size() != dst.size() {
                    return Err(Error::bad(&path, format!("optimiser state for `{name}` has the wrong shape")));
                }
                tch::no_grad(|| dst.copy_(src));
            }
        }
        opt.step = state.step as i64;
        write_metrics(run, &state.records)?;
        (model, opt, state)
    } else {
        if checkpoint_path(run).exists() {
            return Err(Error::bad(
                checkpoint_path(run),
                "this run directory already holds a training checkpoint: pass --resume to continue it, or choose another --out",
            ));
        }
        let mut model = match &opts.init {
            // The weights were trained on inputs and targets scaled by that model's statistics:
            // keep them, rather than this data's.
            Some(dir) => Model::load_init(dir, mcfg, opts.device, config.seed)?,
            None => Model::new_seeded(mcfg.clone(), compute_normalization(&data.train, mcfg), opts.device, config.seed)?,
        };
        if let Some(path) = &config.init_backbone {
            model.init_backbone(path)?;
        }
        freeze_except(&model, &config.train_only)?;
        let opt = Adam::new(model.var_store().variables().into_iter().collect(), config.weight_decay);
        let mut model_file = model.file.clone();
        model_file.training = serde_json::json!({ "data": data.source });
        if let Some(dir) = &opts.init {
            model_file.training["init"] = serde_json::json!(dir);
        }
        let state = State {
            version: CHECKPOINT_VERSION,
            config: config.clone(),
            model_file,
            epoch: 0,
            batch: 0,
            step: 0,
            total_steps: 0,
            elapsed_s: 0.0,
            best: None,
            records: Vec::new(),
            data_fingerprint: fingerprint,
        };
        write_metrics(run, &[])?;
        (model, opt, state)
    };
    model.file = state.model_file.clone();

    let scfg = config.sampler();
    let first_plan_len = sampler::epoch_plan(&data.train, &scfg, 0).len();
    let spe = config.steps_per_epoch.unwrap_or((first_plan_len / config.batch).max(1));
    if state.total_steps == 0 {
        state.total_steps = spe * config.epochs;
    }
    let budget_s = opts.minutes.map(|m| m * 60.0);

    let bar = if opts.quiet { indicatif::ProgressBar::hidden() } else { indicatif::ProgressBar::new(state.total_steps as u64) };
    bar.set_style(
        indicatif::ProgressStyle::with_template("{elapsed_precise} [{bar:30}] {pos}/{len} steps {msg} ETA {eta}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_position(state.step as u64);

    let started = Instant::now();
    let elapsed_before = state.elapsed_s;
    let elapsed = |st: &Instant| elapsed_before + st.elapsed().as_secs_f64();
    let mut steps_this_run = 0usize;
    let (mut wait_s, mut step_s) = (0.0f64, 0.0f64);
    let (mut log_loss, mut log_n, mut log_t0, mut log_steps0) = (0.0f64, 0usize, Instant::now(), 0usize);
    let mut last_loss = None;
    let mut stopped_early = false;
    let (b, w) = (config.batch, config.window);
    let (h, wd) = (mcfg.height as i64, mcfg.width as i64);
    let spf = mcfg.steps_per_frame;
    let mut planned_once = state.step > 0;
    let mut trace = match &opts.trace {
        Some(p) => {
            save_checkpoint_to(&p.with_extension("init.safetensors"), &model, &opt, &state)?;
            Some((p, std::io::BufWriter::new(std::fs::File::create(p).map_err(|e| Error::io(p, e))?)))
        }
        None => None,
    };

    'epochs: while state.epoch < config.epochs.max(1) && state.step < state.total_steps {
        let plan = sampler::epoch_plan(&data.train, &scfg, state.epoch as u64);
        let batches: Vec<Vec<Window>> =
            (0..spe).map(|i| (0..b).map(|k| plan[(i * b + k) % plan.len()]).collect()).collect();
        let start_batch = state.batch;
        let epoch_done = std::thread::scope(|scope| -> Result<bool> {
            // Batches are assembled on a second thread, two ahead of the training step.
            let (tx, rx) = std::sync::mpsc::sync_channel::<sampler::Batch>(2);
            let train_clips = &data.train;
            let batches_ref = &batches;
            let fps = mcfg.fps;
            scope.spawn(move || {
                for wins in &batches_ref[start_batch..] {
                    if tx.send(sampler::fill_batch(train_clips, wins, w, spf, fps)).is_err() {
                        break;
                    }
                }
            });
            for bi in start_batch..spe {
                if state.step >= state.total_steps
                    || opts.max_steps.is_some_and(|m| steps_this_run >= m)
                    || budget_s.is_some_and(|bs| elapsed(&started) >= bs)
                {
                    stopped_early = state.step < state.total_steps;
                    return Ok(false);
                }
                let t0 = Instant::now();
                let batch = rx.recv().map_err(|_| Error::Param("batch producer stopped".into()))?;
                let t1 = Instant::now();
                let ts = (w * spf) as i64;
                let frames = Tensor::from_slice(&batch.frames).view([b as i64, w as i64 + 2, h, wd, 3]);
                let target = Tensor::from_slice(&batch.targets).view([b as i64, ts, mcfg.bands as i64]).to_device(opts.device);
                let (pred, aux) = model.net().forward_train(&frames, config.train_only.is_empty());
                let mut loss = model.net().loss(&pred, &target);
                if let Some(logits) = aux {
                    let onset = Tensor::from_slice(&batch.onset).view([b as i64, ts]).to_device(opts.device);
                    let material = Tensor::from_slice(&batch.material).view([b as i64, ts]).to_device(opts.device);
                    let loudness = Tensor::from_slice(&batch.log_loudness).view([b as i64, ts]).to_device(opts.device);
                    let scratch = Tensor::from_slice(&batch.scratch).view([b as i64, ts]).to_device(opts.device);
                    let (extra, _, _) = model.net().aux_loss(&logits, &onset, &material, &loudness, &scratch);
                    loss = loss + extra;
                }
                opt.zero_grad();
                let lr = config.lr_at(state.step, state.total_steps);
                // Training only a read-out, a batch without its labels has nothing to learn.
                if loss.requires_grad() {
                    loss.backward();
                    opt.clip_grad_norm(config.grad_clip);
                    opt.step(lr);
                }
                let lv = loss.double_value(&[]);
                if !lv.is_finite() {
                    return Err(Error::Param(format!("training diverged (loss {lv}) at step {}; lower lr", state.step)));
                }
                if let Some((p, f)) = trace.as_mut() {
                    use std::io::Write;
                    let wins: Vec<(&str, usize, bool)> =
                        batches[bi].iter().map(|w| (data.train[w.clip].id.as_str(), w.start, w.flip)).collect();
                    let line = serde_json::json!({ "step": state.step, "lr": lr, "loss": lv, "windows": wins });
                    writeln!(f, "{line}").and_then(|_| f.flush()).map_err(|e| Error::io(p.as_path(), e))?;
                }
                wait_s += (t1 - t0).as_secs_f64();
                step_s += t0.elapsed().as_secs_f64();
                state.step += 1;
                state.batch += 1;
                steps_this_run += 1;
                log_loss += lv;
                log_n += 1;
                bar.inc(1);
                if state.step % config.log_every == 0 {
                    let sps = (steps_this_run - log_steps0) as f64 / log_t0.elapsed().as_secs_f64().max(1e-9);
                    let rec = Record {
                        kind: "train".into(),
                        step: state.step,
                        epoch: state.epoch,
                        elapsed_s: elapsed(&started),
                        loss: Some(log_loss / log_n as f64),
                        lr: Some(lr),
                        steps_per_s: Some(sps),
                        data_wait_share: Some(wait_s / step_s.max(1e-9)),
                        val: None,
                    };
                    last_loss = rec.loss;
                    bar.set_message(format!("loss {:.3} {:.2} steps/s", log_loss / log_n as f64, sps));
                    append_metric(run, &rec)?;
                    state.records.push(rec);
                    log_loss = 0.0;
                    log_n = 0;
                    log_t0 = Instant::now();
                    log_steps0 = steps_this_run;
                }
                // With a time budget, plan the schedule once the speed is known.
                if let (Some(bs), false) = (budget_s, planned_once) {
                    if steps_this_run == 20.min(spe) {
                        let rate = steps_this_run as f64 / (elapsed(&started) - elapsed_before).max(1e-9);
                        let est = state.step + ((bs - elapsed(&started)) * rate * 0.9).max(0.0) as usize;
                        // Never past the epoch limit (at it, training ends here).
                        state.total_steps = est.max(state.step + 1).min(spe * config.epochs);
                        bar.set_length(state.total_steps as u64);
                        planned_once = true;
                    }
                }
                if state.step % config.checkpoint_every == 0 {
                    state.elapsed_s = elapsed(&started);
                    save_checkpoint(run, &model, &opt, &state)?;
                }
            }
            Ok(true)
        })?;
        if epoch_done {
            state.epoch += 1;
            state.batch = 0;
        }
        // Validate at the end of each epoch and when stopping.
        let is_last = !epoch_done || state.epoch >= config.epochs || state.step >= state.total_steps;
        if epoch_done || is_last {
            state.elapsed_s = elapsed(&started);
            if !data.val.is_empty() && (epoch_done || opts.max_steps.is_none()) {
                let v = validate(&model, &data.val)?;
                let rec = Record {
                    kind: "val".into(),
                    step: state.step,
                    epoch: state.epoch,
                    elapsed_s: elapsed(&started),
                    val: Some(v.clone()),
                    ..Default::default()
                };
                bar.println(format!(
                    "epoch {} step {}: val loss {:.3} (mean predictor {:.3}), onset AP {:.3} P {:.2} R {:.2}, loudness r {:.2}",
                    state.epoch, state.step, v.loss, v.mean_baseline_loss, v.onset_ap, v.onset_precision, v.onset_recall, v.loudness_r
                ));
                append_metric(run, &rec)?;
                state.records.push(rec);
                let score = config.select.score(&v);
                if state.best.is_none_or(|(l, _)| score < l) {
                    state.best = Some((score, state.step));
                    save_model(run, &mut model, &state, data, Some(&v))?;
                }
            } else if data.val.is_empty() {
                state.best = Some((f64::NAN, state.step));
                save_model(run, &mut model, &state, data, None)?;
            }
            // Re-plan the schedule with the measured overall speed (validation included).
            if let (Some(bs), true) = (budget_s, epoch_done) {
                let rate = steps_this_run as f64 / (elapsed(&started) - elapsed_before).max(1e-9);
                let est = state.step + ((bs - elapsed(&started)) * rate * 0.95).max(0.0) as usize;
                // Never past the epoch limit (at it, training ends here).
                state.total_steps = est.max(state.step + 1).min(spe * config.epochs);
                bar.set_length(state.total_steps as u64);
            }
            state.elapsed_s = elapsed(&started);
            save_checkpoint(run, &model, &opt, &state)?;
            draw_curve(run, &state.records)?;
        }
        if !epoch_done {
            break 'epochs;
        }
    }
    state.elapsed_s = elapsed(&started);
    save_checkpoint(run, &model, &opt, &state)?;
    draw_curve(run, &state.records)?;
    bar.finish_and_clear();
    let best_val = state
        .best
        .and_then(|(_, step)| state.records.iter().find(|r| r.step == step && r.val.is_some()).and_then(|r| r.val.clone()));
    Ok(Summary {
        steps: state.step,
        elapsed_s: state.elapsed_s,
        best_val,
        final_train_loss: last_loss,
        steps_per_s: steps_this_run as f64 / step_s.max(1e-9),
        data_wait_share: wait_s / step_s.max(1e-9),
        stopped_early,
    })
}

/// Freeze every variable of `model` whose name does not start with one of `train_only`
/// (none when it is empty).
fn freeze_except(model: &Model, train_only: &[String]) -> Result<()> {
    if train_only.is_empty() {
        return Ok(());
    }
    let vars = model.var_store().variables();
    let trained = |n: &str| train_only.iter().any(|p| n.starts_with(p.as_str()));
    if !vars.keys().any(|n| trained(n)) {
        let mut names: Vec<_> = vars.keys().map(|n| n.split('.').next().unwrap_or(n)).collect();
        names.sort();
        names.dedup();
        return Err(Error::Param(format!(
            "train_only = {train_only:?} matches none of the model's variables (they start with {})",
            names.join(", ")
        )));
    }
    for (name, t) in vars {
        let _ = t.set_requires_grad(trained(&name));
    }
    Ok(())
}

/// The model directory a fine-tuning run started from (`--init`), as recorded at its start.
fn fine_tuned_from(state: &State) -> Option<&serde_json::Value> {
    state.model_file.training.get("init")
}

/// Write the current weights as the run's model directory (the best so far).
fn save_model(run: &Path, model: &mut Model, state: &State, data: &TrainData, v: Option<&ValMetrics>) -> Result<()> {
    model.file.training = serde_json::json!({
        "data": data.source,
        "train_clips": data.train.len(),
        "val_clips": data.val.len(),
        "step": state.step,
        "epoch": state.epoch,
        "elapsed_s": state.elapsed_s,
        "validation": v,
        "config": state.config,
    });
    if let Some(init) = fine_tuned_from(state) {
        model.file.training["init"] = init.clone();
    }
    let mut st = state.clone();
    st.best = state.best;
    model.save(run, &card(&st, data, v))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn val(onset_ap: f64, material: Option<f64>, loudness: Option<f64>, loss: f64) -> ValMetrics {
        ValMetrics { loss, onset_ap, loudness_head_r: loudness, material_head_accuracy: material, ..Default::default() }
    }

    #[test]
    fn quality_weighs_timing_material_and_loudness_alike() {
        // models/default's validations at steps 6000 and 11382: onset AP alone prefers the
        // earlier one, the mean of the three the later one.
        let early = val(0.978, Some(0.612), Some(0.721), -3.652);
        let late = val(0.971, Some(0.649), Some(0.742), -3.535);
        assert!(Select::OnsetAp.score(&early) < Select::OnsetAp.score(&late));
        assert!(Select::Quality.score(&late) < Select::Quality.score(&early));
        // Without read-outs it is onset AP; ties go to the lower loss.
        let (a, b) = (val(0.9, None, None, -3.0), val(0.9, None, None, -2.0));
        assert!((Select::Quality.score(&a) - Select::OnsetAp.score(&a)).abs() < 1e-12);
        assert!(Select::Quality.score(&a) < Select::Quality.score(&b));
    }
}
