//! The model of SPEC §4 and its directory format.
//!
//! A model directory holds `model.safetensors` (weights), `config.json` (format version,
//! crate version, architecture, feature parameters, normalisation statistics, training
//! summary) and `card.md` (human-readable). [`Model::load`] checks all of it and says what does
//! not match; [`Model::predictor`] gives a streaming [`Predictor`].
pub mod config;
pub mod cuda;
pub mod guide;
pub mod net;
mod predictor;

pub use config::{Backbone, FrameFit, Fusion, ModelConfig, Normalization, ReadOuts, Spacetime, Streams, Temporal};
pub use guide::Guide;
pub use net::Net;
pub use predictor::Predictor;

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::path::Path;
use tch::{nn, Device, Tensor};

/// Version of the model directory layout and `config.json` schema. Bump on any change that
/// makes an older foley misread a newer directory or the reverse. 2: the model config is
/// architecture only (`readouts` instead of the loss weights `aux_*`, `loss`, `loss_eps`);
/// version 1 directories are read by [`migrate_v1`].
pub const FORMAT_VERSION: u32 = 2;
/// Value of `config.json`'s `format` field.
pub const FORMAT_NAME: &str = "foley-model";

/// Contents of `config.json`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ModelFile {
    pub format: String,
    pub format_version: u32,
    /// Version of the foley crate that wrote the directory.
    pub crate_version: String,
    pub model: ModelConfig,
    /// Cochleagram parameters of the targets (SPEC §2).
    pub features: crate::cochleagram::Params,
    pub normalization: Normalization,
    /// Free-form training summary (data, steps, time, validation metrics).
    #[serde(default)]
    pub training: serde_json::Value,
}

/// A model: configuration, statistics and weights on a device.
pub struct Model {
    pub file: ModelFile,
    vs: nn::VarStore,
    net: Net,
}

impl Model {
    /// A freshly initialised model (weights from torch's global RNG: call
    /// `tch::manual_seed` first for reproducibility).
    pub fn new(config: ModelConfig, norm: Normalization, device: Device) -> Result<Model> {
        Self::build(config, norm, device, None)
    }

    /// A freshly initialised model whose weights depend only on `seed`: seeding torch's
    /// global generator and drawing the weights happen under one process-wide lock, so models
    /// built concurrently on other threads cannot interleave their draws.
    pub fn new_seeded(config: ModelConfig, norm: Normalization, device: Device, seed: u64) -> Result<Model> {
        Self::build(config, norm, device, Some(seed))
    }

    fn build(config: ModelConfig, norm: Normalization, device: Device, seed: Option<u64>) -> Result<Model> {
        static INIT: std::sync::Mutex<()> = std::sync::Mutex::new(());
        let _guard = INIT.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(s) = seed {
            tch::manual_seed(s as i64);
        }
        config.validate()?;
        norm.validate(&config).map_err(Error::Param)?;
        let vs = nn::VarStore::new(device);
        let net = Net::new(&vs.root(), &config, &norm);
        let file = ModelFile {
            format: FORMAT_NAME.into(),
            format_version: FORMAT_VERSION,
            crate_version: env!("CARGO_PKG_VERSION").into(),
            model: config,
            features: crate::cochleagram::Params::default(),
            normalization: norm,
            training: serde_json::Value::Null,
        };
        Ok(Model { file, vs, net })
    }

    pub fn config(&self) -> &ModelConfig {
        &self.file.model
    }
    pub fn net(&self) -> &Net {
        &self.net
    }
    pub fn var_store(&self) -> &nn::VarStore {
        &self.vs
    }
    pub fn var_store_mut(&mut self) -> &mut nn::VarStore {
        &mut self.vs
    }

    /// Copy a ResNet-18 weight file with torchvision's names (safetensors) into both streams'
    /// backbones (`rgb.backbone.*`, `st.backbone.*`); returns how many tensors were copied.
    /// Every backbone tensor must be found with its shape; extra names (`fc.*`) are ignored.
    pub fn init_backbone(&mut self, path: &Path) -> Result<usize> {
        if self.config().backbone != Backbone::Resnet18 {
            return Err(Error::bad(path, "--init-backbone needs backbone = \"resnet18\" in the model config"));
        }
        let weights = Tensor::read_safetensors(path).map_err(|e| Error::bad(path, format!("not a safetensors weight file ({e})")))?;
        let weights: std::collections::HashMap<String, Tensor> = weights.into_iter().collect();
        let mut vars = self.vs.variables();
        let mut copied = 0;
        for (name, var) in vars.iter_mut() {
            let Some(short) = ["rgb.backbone.", "st.backbone."].iter().find_map(|p| name.strip_prefix(p)) else { continue };
            let w = weights.get(short).ok_or_else(|| Error::bad(path, format!("no tensor '{short}' (torchvision ResNet-18 names expected)")))?;
            if w.size() != var.size() {
                return Err(Error::bad(path, format!("'{short}' has shape {:?}, the backbone wants {:?}", w.size(), var.size())));
            }
            tch::no_grad(|| var.copy_(&w.to_kind(var.kind()).to_device(var.device())));
            copied += 1;
        }
        Ok(copied)
    }
    pub fn device(&self) -> Device {
        self.vs.device()
    }

    /// Streaming prediction from the start of a video.
    pub fn predictor(&self) -> Predictor<'_> {
        Predictor::new(self)
    }

    /// Read `config.json` of a model directory and check format, version and parameters.
    pub fn read_config(dir: &Path) -> Result<ModelFile> {
        let path = dir.join("config.json");
        let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
        let mut raw: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| Error::bad(&path, format!("not valid JSON: {e}")))?;
        if raw.get("format").and_then(|f| f.as_str()) != Some(FORMAT_NAME) {
            return Err(Error::bad(&path, format!("not a foley model config (no \"format\": \"{FORMAT_NAME}\")")));
        }
        let version = raw.get("format_version").and_then(|v| v.as_u64());
        let writer = raw.get("crate_version").and_then(|v| v.as_str()).unwrap_or("unknown");
        if !matches!(version, Some(1) | Some(2)) {
            let v = version.map_or("none".to_string(), |v| v.to_string());
            return Err(Error::bad(
                &path,
                format!(
                    "model format version {v} (written by foley {writer}), but this foley {} reads versions 1 and {FORMAT_VERSION}; \
                     use the matching foley or retrain the model",
                    env!("CARGO_PKG_VERSION")
                ),
            ));
        }
        if version == Some(1) {
            if let Some(m) = raw.get_mut("model").and_then(|m| m.as_object_mut()) {
                migrate_v1(m);
            }
            raw["format_version"] = serde_json::json!(FORMAT_VERSION);
        }
        let file: ModelFile =
            serde_json::from_value(raw).map_err(|e| Error::bad(&path, format!("invalid model config: {e}")))?;
        file.model.validate().map_err(|e| Error::bad(&path, e.to_string()))?;
        file.normalization.validate(&file.model).map_err(|e| Error::bad(&path, e))?;
        let f = &file.features;
        if f.total_bands() != crate::cochleagram::BANDS || f.env_rate as f64 != crate::cochleagram::ENVELOPE_RATE {
            return Err(Error::bad(
                &path,
                format!(
                    "model predicts {} bands at {} Hz, foley's cochleagram is {} bands at {} Hz",
                    f.total_bands(),
                    f.env_rate,
                    crate::cochleagram::BANDS,
                    crate::cochleagram::ENVELOPE_RATE
                ),
            ));
        }
        if file.model.bands != f.total_bands() || file.model.step_rate() != f.env_rate as f64 {
            return Err(Error::bad(
                &path,
                format!(
                    "model runs at {} Hz with {} bands but its features are {} Hz with {} bands",
                    file.model.step_rate(),
                    file.model.bands,
                    f.env_rate,
                    f.total_bands()
                ),
            ));
        }
        Ok(file)
    }

    /// Load a model directory onto `device`, checking config, version and every weight's
    /// name and shape.
    pub fn load(dir: &Path, device: Device) -> Result<Model> {
        let file = Self::read_config(dir)?;
        let mut model = Model::new(file.model.clone(), file.normalization.clone(), device)?;
        model.file = file;
        model.load_weights(&dir.join("model.safetensors"))?;
        Ok(model)
    }

    /// The starting point of a fine-tuning run with model config `cfg` (`foley train --init
    /// DIR`): the model of `dir` when its architecture is `cfg`'s; when `cfg` also adds the
    /// hit/scratch read-out, that model's weights with a freshly initialised (from `seed`)
    /// `action` layer.
    pub fn load_init(dir: &Path, cfg: &ModelConfig, device: Device, seed: u64) -> Result<Model> {
        let file = Self::read_config(dir)?;
        let adds_action = !file.model.readouts.action && cfg.readouts.action;
        let without_new = ModelConfig { readouts: ReadOuts { action: file.model.readouts.action, ..cfg.readouts }, ..cfg.clone() };
        if file.model != without_new {
            return Err(Error::bad(
                dir.join("config.json"),
                "this model's architecture differs from the run's [model] config: fine-tune with the same [model] section \
                 (loss weights may change; readouts.action may be added, for the hit/scratch read-out)",
            ));
        }
        let mut model = Model::new_seeded(cfg.clone(), file.normalization.clone(), device, seed)?;
        model.file = ModelFile { model: cfg.clone(), ..file };
        let path = dir.join("model.safetensors");
        let fresh: &[&str] = if adds_action { &["action."] } else { &[] };
        model.set_weights_keeping(&path, &read_tensors(&path)?, "", fresh)?;
        Ok(model)
    }

    /// Copy weights from a safetensors file into this model; every variable must be present
    /// with the same shape.
    pub fn load_weights(&mut self, path: &Path) -> Result<()> {
        let tensors = read_tensors(path)?;
        self.set_weights(path, &tensors, "")
    }

    /// Copy named tensors (names prefixed by `prefix`) into the variables.
    pub(crate) fn set_weights(&mut self, path: &Path, tensors: &[(String, Tensor)], prefix: &str) -> Result<()> {
        self.set_weights_keeping(path, tensors, prefix, &[])
    }

    /// [`Model::set_weights`], except that variables whose names start with one of `fresh`
    /// keep their initial values (and must be absent from the file).
    fn set_weights_keeping(&mut self, path: &Path, tensors: &[(String, Tensor)], prefix: &str, fresh: &[&str]) -> Result<()> {
        let map: std::collections::HashMap<&str, &Tensor> = tensors.iter().map(|(n, t)| (n.as_str(), t)).collect();
        let mut vars = self.vs.variables();
        let mut names: Vec<_> = vars.keys().filter(|n| !fresh.iter().any(|f| n.starts_with(f))).cloned().collect();
        names.sort();
        for name in &names {
            let src = map.get(format!("{prefix}{name}").as_str()).ok_or_else(|| {
                Error::bad(path, format!("weight `{name}` is missing: the file was written for another architecture"))
            })?;
            let dst = vars.get_mut(name).expect("name from the same map");
            if src.size() != dst.size() {
                return Err(Error::bad(
                    path,
                    format!("weight `{name}` has shape {:?}, the model config needs {:?}", src.size(), dst.size()),
                ));
            }
            tch::no_grad(|| dst.f_copy_(src)).map_err(|e| Error::bad(path, format!("weight `{name}`: {e}")))?;
        }
        Ok(())
    }

    /// Named weight tensors (CPU, contiguous), sorted by name.
    pub fn weights(&self) -> Vec<(String, Tensor)> {
        let mut v: Vec<_> =
            self.vs.variables().into_iter().map(|(n, t)| (n, t.detach().to_device(Device::Cpu).contiguous())).collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    }

    /// Write the model directory: `model.safetensors`, `config.json`, `card.md` (each atomically).
    pub fn save(&self, dir: &Path, card: &str) -> Result<()> {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        write_tensors(&dir.join("model.safetensors"), &self.weights())?;
        let json = serde_json::to_string_pretty(&self.file).map_err(|e| Error::Serialise { what: "model config", msg: e.to_string() })?;
        let cfg = dir.join("config.json");
        crate::util::write_atomic(&cfg, |tmp| std::fs::write(tmp, json + "\n").map_err(|e| Error::io(tmp, e)))?;
        let card_path = dir.join("card.md");
        crate::util::write_atomic(&card_path, |tmp| std::fs::write(tmp, card).map_err(|e| Error::io(tmp, e)))?;
        Ok(())
    }
}

/// Read every tensor of a safetensors file; a missing, truncated or corrupt file is an error
/// naming it.
pub fn read_tensors(path: &Path) -> Result<Vec<(String, Tensor)>> {
    if !path.exists() {
        return Err(Error::io(path, std::io::Error::new(std::io::ErrorKind::NotFound, "no such file")));
    }
    Tensor::read_safetensors(path)
        .map_err(|e| Error::bad(path, format!("not a readable safetensors file (corrupt or truncated?): {e}")))
}

/// A format-1 `[model]` object as format 2 reads it: a read-out exists where its loss weight
/// (`aux_onset`, `aux_material`, `aux_loudness`, `aux_action`) was above 0 (`aux_loudness`
/// absent = 0: older models were trained without it); the training-only `loss` and `loss_eps`
/// are dropped. A `[model]` section of a training config of that time reads the same way
/// (see `train::config`).
pub fn migrate_v1(m: &mut serde_json::Map<String, serde_json::Value>) -> serde_json::Map<String, serde_json::Value> {
    let mut weights = serde_json::Map::new();
    let mut readouts = serde_json::Map::new();
    for (old, new, default) in [("aux_onset", "onset", 1.0), ("aux_material", "material", 0.5), ("aux_loudness", "loudness", 0.0), ("aux_action", "action", 0.0)] {
        let w = m.remove(old);
        let weight = w.as_ref().and_then(|v| v.as_f64()).unwrap_or(default);
        readouts.insert(new.into(), serde_json::json!(weight > 0.0));
        if let Some(w) = w {
            weights.insert(new.into(), w);
        }
    }
    for (old, new) in [("loss", "kind"), ("loss_eps", "eps")] {
        if let Some(v) = m.remove(old) {
            weights.insert(new.into(), v);
        }
    }
    m.entry("readouts").or_insert(serde_json::Value::Object(readouts));
    weights
}

/// Write named tensors to a safetensors file atomically.
pub fn write_tensors(path: &Path, tensors: &[(String, Tensor)]) -> Result<()> {
    crate::util::write_atomic(path, |tmp| {
        Tensor::write_safetensors(tensors, tmp).map_err(|e| Error::bad(tmp, format!("cannot write weights: {e}")))
    })
}

/// Device from a `--device` value: `auto` (CUDA when available, else CPU), `cpu`, `cuda` or
/// `cuda:N`.
pub fn select_device(name: &str) -> Result<Device> {
    match name {
        "auto" => Ok(Device::cuda_if_available()),
        "cpu" => Ok(Device::Cpu),
        _ => {
            let idx = match name.strip_prefix("cuda") {
                Some("") => 0,
                Some(rest) => rest
                    .strip_prefix(':')
                    .and_then(|n| n.parse::<usize>().ok())
                    .ok_or_else(|| Error::Device(format!("'{name}': use auto, cpu, cuda or cuda:N")))?,
                None => return Err(Error::Device(format!("'{name}': use auto, cpu, cuda or cuda:N"))),
            };
            if !tch::Cuda::is_available() {
                return Err(Error::Device(format!(
                    "'{name}': CUDA is not available (no GPU, or libtorch without CUDA); use --device cpu"
                )));
            }
            if idx >= tch::Cuda::device_count() as usize {
                return Err(Error::Device(format!("'{name}': only {} CUDA device(s)", tch::Cuda::device_count())));
            }
            Ok(Device::Cuda(idx))
        }
    }
}
