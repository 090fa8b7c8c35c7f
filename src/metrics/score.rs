//! All SPEC §7 metrics of one system (a model, a baseline, or the real sound itself) on a split.
//!
//! Inputs are plain values so this is usable without a model: per test clip the real sound, its
//! cochleagram and its annotated actions ([`EvalClip`]); per system and clip the generated sound
//! and, for a model, its predicted cochleagram ([`Output`]); a [`MaterialModel`] trained on the
//! real sounds of the train split; and the cochleagram analysis function.
//!
//! Aggregation across clips: [`super::system`].
//! Pooled there ([`super::system::SystemMetrics`]):
//! - onsets: see [`OnsetSummary`] (AP and accuracy are means over clips with reference onsets;
//!   pooled counts also given);
//! - material: accuracy over all labelled test actions pooled;
//! - loudness / centroid: Pearson r over all annotated test actions pooled;
//! - cochleagram error: mean absolute difference over all steps and bands of all clips pooled.
use super::detection::{score_onsets, ClipScore};
use super::hits::{cochleagram_abs_error, hit_sound, HitSound};
use super::material::MaterialModel;
use super::onset::{detect_onsets, OnsetParams};
use crate::audio::Waveform;
use crate::cochleagram::Cochleagram;
use crate::labels::Action;
use crate::error::Result;
use serde::Serialize;

/// A test clip with its ground truth.
#[derive(Clone, Debug)]
pub struct EvalClip {
    pub id: String,
    pub real: Waveform,
    /// Cochleagram of `real`.
    pub real_features: Cochleagram,
    pub actions: Vec<Action>,
    /// Onset times (s) detected in `real` ([`EvalClip::new`] computes them).
    pub real_onsets: Vec<f64>,
}

impl EvalClip {
    pub fn new(id: String, real: Waveform, real_features: Cochleagram, actions: Vec<Action>) -> Self {
        let real_onsets = detect_onsets(&real, &OnsetParams::default()).times();
        EvalClip { id, real, real_features, actions, real_onsets }
    }
}

/// What a system produced for one clip.
#[derive(Clone, Debug)]
pub struct Output {
    pub wave: Waveform,
    /// The cochleagram the system predicted (a model's output before synthesis), if any.
    pub cochleagram: Option<Cochleagram>,
}

/// Metrics of one clip for one system.
#[derive(Clone, Debug, Serialize)]
pub struct ClipMetrics {
    pub id: String,
    pub onsets_vs_real: ClipScore,
    pub onsets_vs_annotations: ClipScore,
    /// Labelled actions whose material was predicted right / labelled actions scored.
    pub material_right: usize,
    pub material_hits: usize,
    /// Mean absolute cochleagram error of this clip.
    pub cochleagram_mae: Option<f64>,
    #[serde(skip)]
    pub(super) hit_pairs: Vec<(HitSound, HitSound)>,
    /// (annotated, heard) material of each labelled action.
    #[serde(skip)]
    pub(super) material_pairs: Vec<(String, String)>,
    #[serde(skip)]
    pub(super) abs_error: Option<(f64, usize)>,
}

impl ClipMetrics {
    /// (generated, real) loudness in dB of each annotated action.
    pub fn loudness_pairs(&self) -> impl Iterator<Item = (f64, f64)> + '_ {
        self.hit_pairs.iter().map(|(p, r)| (p.loudness_db, r.loudness_db))
    }
}

/// Score one system's output on one clip. `features` is the cochleagram analysis (SPEC §2),
/// applied to the generated sound for the material test (the classifier was trained on the
/// analysis of real sounds); the cochleagram error uses the system's own predicted cochleagram
/// when it has one, else the analysis of its sound.
pub fn score_clip(
    clip: &EvalClip,
    output: &Output,
    material: Option<&MaterialModel>,
    features: &dyn Fn(&Waveform) -> Result<Cochleagram>,
) -> Result<ClipMetrics> {
    let onsets = detect_onsets(&output.wave, &OnsetParams::default());
    let annotated: Vec<f64> = clip.actions.iter().map(|a| a.time).collect();
    let gen_features = features(&output.wave)?;
    let mut material_pairs = Vec::new();
    if let Some(m) = material {
        for a in &clip.actions {
            if let Some(label) = a.material {
                material_pairs.push((label.as_str().to_string(), m.predict(&gen_features, a.time).to_string()));
            }
        }
    }
    let material_right = material_pairs.iter().filter(|(a, b)| a == b).count();
    let hit_pairs = clip.actions.iter().map(|a| (hit_sound(&output.wave, a.time), hit_sound(&clip.real, a.time))).collect();
    let abs_error = cochleagram_abs_error(output.cochleagram.as_ref().unwrap_or(&gen_features), &clip.real_features);
    Ok(ClipMetrics {
        id: clip.id.clone(),
        onsets_vs_real: score_onsets(&onsets, &clip.real_onsets),
        onsets_vs_annotations: score_onsets(&onsets, &annotated),
        material_right,
        material_hits: material_pairs.len(),
        cochleagram_mae: abs_error.and_then(|(s, n)| (n > 0).then(|| s / n as f64)),
        hit_pairs,
        material_pairs,
        abs_error,
    })
}

