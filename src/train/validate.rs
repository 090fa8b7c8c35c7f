//! Validation as at inference: every validation clip predicted whole, streaming from frame 0,
//! scored on loss, onsets against the annotations, and the read-outs.
use super::cache::CachedClip;
use super::onsets;
use crate::error::Result;
use crate::model::Model;
use crate::stats::pearson;
use serde::{Deserialize, Serialize};


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

/// Validate: predict every validation clip from its first frame as `foley predict` would.
/// `eps` is the robust loss's ε (the run's `[loss] eps`).
pub fn validate(model: &Model, clips: &[CachedClip], eps: f64) -> Result<ValMetrics> {
    let cfg = model.config();
    let spf = cfg.steps_per_frame;
    let bands = cfg.bands;
    let mean = &model.file.normalization.target_mean;
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
        loudness_r: pearson(&loud).unwrap_or(0.0),
        loudness_head_r: (!head_loud.is_empty()).then(|| pearson(&head_loud).unwrap_or(0.0)),
        material_head_accuracy: (!head_mat.is_empty()).then(|| head_mat.iter().sum::<f64>() / head_mat.len() as f64),
        action_head_accuracy: (!head_act.is_empty()).then(|| head_act.iter().sum::<f64>() / head_act.len() as f64),
        real_onset_ap: rs.ap,
        real_onset_f1: rs.f1,
        clips: pred_onsets.len(),
        annotated_onsets: ps.references,
    })
}

