//! What a training run is told: [`TrainConfig`] (`--config F.toml`; the model's architecture
//! under `[model]`, the losses' weights under `[loss]`) and the model-selection metric.
use super::objective::LossConfig;
use super::sampler::SamplerConfig;
use super::validate::ValMetrics;
use crate::error::{Error, Result};
use crate::model::ModelConfig;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Training parameters. Every field has a documented default; `--config F.toml` may set any
/// of them (the model's architecture under `[model]`, the losses under `[loss]`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrainConfig {
    pub model: ModelConfig,
    /// The losses and their weights.
    pub loss: LossConfig,
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
    /// Epoch limit: the run ends after this many passes over the training plan, or at the
    /// time budget (`--minutes`) if that comes first. Default none: the time budget governs
    /// (`--minutes`, 30 without it).
    pub epochs: Option<usize>,
    /// Validate (and keep the best model) every this many steps. Default none: by time,
    /// every `val_minutes`.
    pub val_every: Option<usize>,
    /// Validate every this many minutes of training when `val_every` is not set. Default 2;
    /// and always once at the end.
    pub val_minutes: f64,
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
    pub(super) fn score(self, v: &ValMetrics) -> f64 {
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
            loss: LossConfig::default(),
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
            epochs: None,
            val_every: None,
            val_minutes: 2.0,
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
        let mut table: toml::Table = toml::from_str(&text).map_err(|e| Error::bad(path, format!("invalid training config: {e}")))?;
        migrate_loss_weights(&mut table);
        let cfg = TrainConfig::deserialize(table).map_err(|e| Error::bad(path, format!("invalid training config: {e}")))?;
        cfg.validate().map_err(|e| Error::bad(path, e.to_string()))?;
        Ok(cfg)
    }

    pub fn validate(&self) -> Result<()> {
        self.model.validate()?;
        self.loss.validate(&self.model)?;
        let p = |m: &str| Err(Error::Param(m.to_string()));
        if self.batch == 0 || self.window == 0 || self.epochs == Some(0) || self.val_every == Some(0) || self.log_every == 0 || self.checkpoint_every == 0 {
            return p("batch, window, epochs, val_every, log_every and checkpoint_every must be at least 1");
        }
        if !(self.val_minutes > 0.0) {
            return p("val_minutes must be positive");
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

    pub(super) fn sampler(&self) -> SamplerConfig {
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

    /// Is a validation due, `steps` and `seconds` of training after the last one?
    pub(super) fn validation_due(&self, steps: usize, seconds: f64) -> bool {
        match self.val_every {
            Some(n) => steps >= n,
            None => seconds >= self.val_minutes * 60.0,
        }
    }

    /// The validation cadence in words (for stderr and the model card).
    pub fn validation_cadence(&self) -> String {
        match self.val_every {
            Some(n) => format!("every {n} steps and at the end"),
            None => format!("every {} min of training and at the end", self.val_minutes),
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

/// A config written before the loss weights left `[model]` (model format 1: `aux_onset`,
/// `aux_material`, `aux_loudness`, `aux_action`, `loss`, `loss_eps` there) reads as it did: the
/// weights move to `[loss]` (where not set there) and the read-outs follow them.
fn migrate_loss_weights(table: &mut toml::Table) {
    let Some(toml::Value::Table(model)) = table.get_mut("model") else { return };
    let legacy = ["aux_onset", "aux_material", "aux_loudness", "aux_action", "loss", "loss_eps"];
    if !legacy.iter().any(|k| model.contains_key(*k)) {
        return;
    }
    let mut json: serde_json::Map<String, serde_json::Value> =
        model.iter().filter_map(|(k, v)| Some((k.clone(), serde_json::to_value(v).ok()?))).collect();
    // Absent weights had the defaults of that time (aux_loudness 1 in a training config).
    json.entry("aux_loudness").or_insert(serde_json::json!(1.0));
    let weights = crate::model::migrate_v1(&mut json);
    for k in legacy {
        model.remove(k);
    }
    if let Some(r) = json.get("readouts").and_then(|r| toml::Value::try_from(r).ok()) {
        model.entry("readouts").or_insert(r);
    }
    let loss = table.entry("loss").or_insert_with(|| toml::Value::Table(toml::Table::new()));
    if let toml::Value::Table(loss) = loss {
        for (k, v) in weights {
            if let Ok(v) = toml::Value::try_from(v) {
                loss.entry(k).or_insert(v);
            }
        }
    }
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

    #[test]
    fn configs_with_loss_weights_under_model_read_as_before() {
        // A config of model format 1 (the weights in [model]), as models/*.toml were written.
        let dir = std::env::temp_dir().join(format!("foley-legacy-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("old.toml");
        std::fs::write(&p, "batch = 8\n[model]\nwidth = 64\naux_material = 2.0\naux_action = 1.0\nloss_eps = 0.01\n").unwrap();
        let c = TrainConfig::from_toml_file(&p).unwrap();
        assert_eq!((c.batch, c.model.width), (8, 64));
        assert_eq!((c.loss.material, c.loss.action, c.loss.eps), (2.0, 1.0, 0.01));
        assert_eq!((c.loss.onset, c.loss.loudness), (LossConfig::default().onset, 1.0), "absent weights keep that time's defaults");
        assert_eq!(c.model.readouts, crate::model::ReadOuts { onset: true, material: true, loudness: true, action: true });
        // The new layout; and a weight for a read-out the model lacks is refused, naming it.
        std::fs::write(&p, "[model.readouts]\naction = true\n[loss]\naction = 0.5\n").unwrap();
        let c = TrainConfig::from_toml_file(&p).unwrap();
        assert_eq!((c.loss.action, c.model.readouts.action), (0.5, true));
        std::fs::write(&p, "[loss]\naction = 0.5\n").unwrap();
        let e = TrainConfig::from_toml_file(&p).unwrap_err().to_string();
        assert!(e.contains("old.toml") && e.contains("readouts"), "{e}");
        // A model config.json of format 1: read-outs where the weights were above 0.
        let mut m = serde_json::json!({"width": 96, "aux_onset": 1.0, "aux_material": 0.0, "loss": "robust"});
        let w = crate::model::migrate_v1(m.as_object_mut().unwrap());
        assert_eq!(m["readouts"], serde_json::json!({"onset": true, "material": false, "loudness": false, "action": false}));
        assert!(m.get("loss").is_none() && m.get("aux_onset").is_none());
        assert_eq!(w["kind"], "robust");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
