//! Checkpoints: weights, Adam moments and the training state in one safetensors file, written
//! atomically, so that `--resume` continues exactly.
use super::adam::Adam;
use super::config::TrainConfig;
use super::run_dir::Record;
use crate::error::{Error, Result};
use crate::model::{Model, ModelFile};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use tch::{Device, Tensor};

/// Version of the checkpoint state layout (2: loss weights in the training config's `loss`).
pub const CHECKPOINT_VERSION: u32 = 2;

/// Training state saved in checkpoints.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(super) struct State {
    pub(super) version: u32,
    pub(super) config: TrainConfig,
    pub(super) model_file: ModelFile,
    /// Next epoch / batch within it.
    pub(super) epoch: usize,
    pub(super) batch: usize,
    pub(super) step: usize,
    pub(super) total_steps: usize,
    pub(super) elapsed_s: f64,
    pub(super) best: Option<(f64, usize)>,
    pub(super) records: Vec<Record>,
    pub(super) data_fingerprint: String,
    /// Step and training time (s) of the last validation (the cadence counts from them).
    #[serde(default)]
    pub(super) last_val_step: usize,
    #[serde(default)]
    pub(super) last_val_s: f64,
    /// Why the run ended (none while it is paused or going).
    #[serde(default)]
    pub(super) stopped_by: Option<String>,
}

pub(super) fn checkpoint_path(run: &Path) -> PathBuf {
    run.join("checkpoint.safetensors")
}

pub(super) fn save_checkpoint(run: &Path, model: &Model, opt: &Adam, state: &State) -> Result<()> {
    save_checkpoint_to(&checkpoint_path(run), model, opt, state)
}

pub(super) fn save_checkpoint_to(path: &Path, model: &Model, opt: &Adam, state: &State) -> Result<()> {
    let mut tensors: Vec<(String, Tensor)> = model.weights().into_iter().map(|(n, t)| (format!("model.{n}"), t)).collect();
    for (i, name) in opt.names().iter().enumerate() {
        tensors.push((format!("adam.m.{name}"), opt.m[i].detach().to_device(Device::Cpu).contiguous()));
        tensors.push((format!("adam.v.{name}"), opt.v[i].detach().to_device(Device::Cpu).contiguous()));
    }
    let json = serde_json::to_vec(state).map_err(|e| Error::Serialise { what: "training state", msg: e.to_string() })?;
    tensors.push(("state".into(), Tensor::from_slice(&json)));
    crate::model::write_tensors(path, &tensors)
}

pub(super) fn load_checkpoint(run: &Path) -> Result<(State, Vec<(String, Tensor)>)> {
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

