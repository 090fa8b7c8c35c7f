//! The run directory's human- and machine-readable outputs: `metrics.jsonl`, `loss.png`, the
//! model card and the best model so far as a model directory.
use super::checkpoint::State;
use super::validate::ValMetrics;
use super::{plot, TrainData};
use crate::error::{Error, Result};
use crate::model::Model;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::Path;

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

pub(super) fn data_fingerprint(data: &TrainData) -> String {
    let ids: Vec<String> = data
        .train
        .iter()
        .map(|c| format!("{}:{}:{}", c.id, c.n_frames(), c.steps()))
        .chain(data.val.iter().map(|c| format!("val {}:{}", c.id, c.n_frames())))
        .collect();
    format!("{:016x}", crate::stats::fnv1a(ids.join("\n").as_bytes()))
}

pub(super) fn write_metrics(run: &Path, records: &[Record]) -> Result<()> {
    let path = run.join("metrics.jsonl");
    let mut text = String::new();
    for r in records {
        text.push_str(&serde_json::to_string(r).map_err(|e| Error::Serialise { what: "metrics record", msg: e.to_string() })?);
        text.push('\n');
    }
    crate::util::write_atomic(&path, |tmp| std::fs::write(tmp, &text).map_err(|e| Error::io(tmp, e)))
}

pub(super) fn append_metric(run: &Path, r: &Record) -> Result<()> {
    let path = run.join("metrics.jsonl");
    let mut f = std::fs::OpenOptions::new().create(true).append(true).open(&path).map_err(|e| Error::io(&path, e))?;
    writeln!(f, "{}", serde_json::to_string(r).map_err(|e| Error::Serialise { what: "metrics record", msg: e.to_string() })?).map_err(|e| Error::io(&path, e))
}

pub(super) fn draw_curve(run: &Path, records: &[Record]) -> Result<()> {
    let train: Vec<(f64, f64)> = records.iter().filter_map(|r| r.loss.map(|l| (r.step as f64, l))).collect();
    let val: Vec<(f64, f64)> = records.iter().filter_map(|r| r.val.as_ref().map(|v| (r.step as f64, v.loss))).collect();
    let base = records.iter().rev().find_map(|r| r.val.as_ref().map(|v| v.mean_baseline_loss));
    let minutes: Vec<(f64, f64)> = records.iter().map(|r| (r.step as f64, r.elapsed_s / 60.0)).collect();
    plot::loss_curve_timed(&run.join("loss.png"), &train, &val, base, &minutes)
}

pub(super) fn card(state: &State, data: &TrainData, best: Option<&ValMetrics>) -> String {
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
    let kept = state.best.map(|(_, step)| step);
    let kept_at = kept.and_then(|k| state.records.iter().find(|r| r.step == k && r.val.is_some()).map(|r| r.elapsed_s / 60.0));
    let validations = state.records.iter().filter(|r| r.val.is_some()).count();
    s.push_str(&format!(
        "- the run: {} steps in {:.1} min, {}; {} validations ({}); the model directory holds step {}{}\n",
        state.step,
        state.elapsed_s / 60.0,
        state.stopped_by.as_deref().unwrap_or("still going (this is the best so far)"),
        validations,
        state.config.validation_cadence(),
        kept.map_or("none".to_string(), |k| k.to_string()),
        kept_at.map_or(String::new(), |m| format!(" (at {m:.1} min), the best on validation by `{:?}`", state.config.select)),
    ));
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

/// The model directory a fine-tuning run started from (`--init`), as recorded at its start.
pub(super) fn fine_tuned_from(state: &State) -> Option<&serde_json::Value> {
    state.model_file.training.get("init")
}

/// Write the current weights as the run's model directory (the best so far).
pub(super) fn save_model(run: &Path, model: &mut Model, state: &State, data: &TrainData, v: Option<&ValMetrics>) -> Result<()> {
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


/// At the end of a run: the model directory's card and `config.json` describe the whole run
/// (steps, minutes, why it stopped, which step the weights are), not the moment they were saved.
pub(super) fn finish_model_dir(run: &Path, state: &State, data: &TrainData) -> Result<()> {
    let Some((_, kept)) = state.best else { return Ok(()) };
    let v = state.records.iter().find(|r| r.step == kept && r.val.is_some()).and_then(|r| r.val.as_ref());
    let card_path = run.join("card.md");
    let text = card(state, data, v);
    crate::util::write_atomic(&card_path, |tmp| std::fs::write(tmp, &text).map_err(|e| Error::io(tmp, e)))?;
    let cfg_path = run.join("config.json");
    let raw = std::fs::read_to_string(&cfg_path).map_err(|e| Error::io(&cfg_path, e))?;
    let mut json: serde_json::Value = serde_json::from_str(&raw).map_err(|e| Error::bad(&cfg_path, format!("not valid JSON: {e}")))?;
    json["training"]["run"] = serde_json::json!({
        "steps": state.step,
        "elapsed_s": state.elapsed_s,
        "stopped_by": state.stopped_by,
        "kept_step": kept,
        "validations": state.records.iter().filter(|r| r.val.is_some()).count(),
    });
    let out = serde_json::to_string_pretty(&json).map_err(|e| Error::Serialise { what: "model config", msg: e.to_string() })?;
    crate::util::write_atomic(&cfg_path, |tmp| std::fs::write(tmp, &out).map_err(|e| Error::io(tmp, e)))
}
