//! All SPEC §7 metrics of one system (a model, a baseline, or the real sound itself) on a split.
//!
//! Inputs are plain values so this is usable without a model: per test clip the real sound, its
//! cochleagram and its annotated actions ([`EvalClip`]); per system and clip the generated sound
//! and, for a model, its predicted cochleagram ([`Output`]); a [`MaterialModel`] trained on the
//! real sounds of the train split; and the cochleagram analysis function.
//!
//! Aggregation across clips ([`SystemMetrics`]):
//! - onsets: see [`OnsetSummary`] (AP and accuracy are means over clips with reference onsets;
//!   pooled counts also given);
//! - material: accuracy over all labelled test actions pooled;
//! - loudness / centroid: Pearson r over all annotated test actions pooled;
//! - cochleagram error: mean absolute difference over all steps and bands of all clips pooled.
use super::detection::{score_onsets, ClipScore, OnsetSummary};
use super::interval::{Differences, Intervals};
use super::hits::{cochleagram_abs_error, hit_sound, HitCorrelation, HitSound};
use super::material::{hit_features, LinearClassifier};
use super::onset::{detect_onsets, OnsetParams};
use crate::audio::Waveform;
use crate::cochleagram::Cochleagram;
use crate::error::Result;
use serde::Serialize;

/// An annotated action: time in seconds and its material label, if any.
#[derive(Clone, Debug, PartialEq)]
pub struct Annotation {
    pub time: f64,
    pub material: Option<String>,
}

/// A test clip with its ground truth.
#[derive(Clone, Debug)]
pub struct EvalClip {
    pub id: String,
    pub real: Waveform,
    /// Cochleagram of `real`.
    pub real_features: Cochleagram,
    pub actions: Vec<Annotation>,
    /// Onset times (s) detected in `real` ([`EvalClip::new`] computes them).
    pub real_onsets: Vec<f64>,
}

impl EvalClip {
    pub fn new(id: String, real: Waveform, real_features: Cochleagram, actions: Vec<Annotation>) -> Self {
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

/// Linear material classifier over labelled actions (SPEC §7), see [`super::material`].
pub struct MaterialModel {
    pub classes: Vec<String>,
    classifier: LinearClassifier,
    pub train_hits: usize,
}

impl MaterialModel {
    /// Train on the cochleagram windows of labelled actions of real training sounds.
    pub fn train<'a>(clips: impl IntoIterator<Item = (&'a Cochleagram, &'a [Annotation])>) -> Result<Self> {
        let mut labelled = Vec::new();
        for (coch, actions) in clips {
            for a in actions {
                if let Some(m) = &a.material {
                    labelled.push((hit_features(coch, a.time), m.clone()));
                }
            }
        }
        Self::from_examples(labelled)
    }

    /// Train on (feature window as [`hit_features`] makes it, material) pairs; the classes
    /// are the materials seen.
    pub fn from_examples(labelled: Vec<(Vec<f32>, String)>) -> Result<Self> {
        let mut classes: Vec<String> = labelled.iter().map(|(_, m)| m.clone()).collect();
        classes.sort();
        classes.dedup();
        let examples: Vec<(Vec<f32>, usize)> = labelled
            .into_iter()
            .map(|(x, m)| (x, classes.binary_search(&m).expect("class list built from these labels")))
            .collect();
        let classifier = LinearClassifier::fit(&examples, classes.len())?;
        Ok(MaterialModel { classes, classifier, train_hits: examples.len() })
    }

    /// Predicted material of the action at `time` in a cochleagram.
    pub fn predict(&self, coch: &Cochleagram, time: f64) -> &str {
        self.predict_features(&hit_features(coch, time))
    }

    /// Predicted material of one feature window ([`hit_features`]).
    pub fn predict_features(&self, x: &[f32]) -> &str {
        &self.classes[self.classifier.predict(x)]
    }
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
    hit_pairs: Vec<(HitSound, HitSound)>,
    /// (annotated, heard) material of each labelled action.
    #[serde(skip)]
    material_pairs: Vec<(String, String)>,
    #[serde(skip)]
    abs_error: Option<(f64, usize)>,
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
            if let Some(label) = &a.material {
                material_pairs.push((label.clone(), m.predict(&gen_features, a.time).to_string()));
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

/// Metrics of one system over a split.
#[derive(Clone, Debug, Serialize)]
pub struct SystemMetrics {
    pub name: String,
    pub clips: usize,
    pub onsets_vs_real: OnsetSummary,
    pub onsets_vs_annotations: OnsetSummary,
    /// Material accuracy over labelled test actions; `None` without a classifier or labels.
    pub material_accuracy: Option<f64>,
    pub material_hits: usize,
    /// Which material the classifier heard at each labelled action; `None` as for accuracy.
    pub material_confusion: Option<MaterialConfusion>,
    /// Pearson r of per-hit loudness and spectral centroid, generated vs real.
    pub hits: HitCorrelation,
    pub cochleagram_mae: Option<f64>,
    /// 95 % bootstrap intervals (over clips) of AP, material accuracy and loudness r.
    pub intervals: Intervals,
    /// This system minus the model under test on the same clips (paired bootstrap); set by
    /// the evaluation for every row but the model's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vs_model: Option<Differences>,
}

impl SystemMetrics {
    pub fn from_clips(name: &str, clips: &[ClipMetrics]) -> Self {
        let vs_real: Vec<ClipScore> = clips.iter().map(|c| c.onsets_vs_real.clone()).collect();
        let vs_ann: Vec<ClipScore> = clips.iter().map(|c| c.onsets_vs_annotations.clone()).collect();
        // One count of the material results: the confusion's diagonal and total.
        let confusion = MaterialConfusion::from_pairs(clips.iter().flat_map(|c| c.material_pairs.iter()));
        let (right, material_hits) = confusion.as_ref().map_or((0, 0), |c| (c.right(), c.total()));
        let pairs: Vec<(HitSound, HitSound)> = clips.iter().flat_map(|c| c.hit_pairs.iter().copied()).collect();
        let (err, n) = clips.iter().filter_map(|c| c.abs_error).fold((0.0, 0usize), |(s, n), (a, b)| (s + a, n + b));
        SystemMetrics {
            name: name.to_string(),
            clips: clips.len(),
            onsets_vs_real: OnsetSummary::from_clips(&vs_real),
            onsets_vs_annotations: OnsetSummary::from_clips(&vs_ann),
            material_accuracy: (material_hits > 0).then(|| right as f64 / material_hits as f64),
            material_hits,
            material_confusion: confusion,
            hits: HitCorrelation::from_pairs(&pairs),
            cochleagram_mae: (n > 0).then(|| err / n as f64),
            intervals: Intervals::bootstrap(clips),
            vs_model: None,
        }
    }
}

/// Material confusion over labelled test actions: `counts[i][j]` actions annotated
/// `classes[i]` were heard as `classes[j]` by the classifier (classes: every label seen, sorted).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MaterialConfusion {
    pub classes: Vec<String>,
    pub counts: Vec<Vec<usize>>,
}

impl MaterialConfusion {
    /// From (annotated, heard) pairs; `None` for none.
    pub fn from_pairs<'a>(pairs: impl Iterator<Item = &'a (String, String)> + Clone) -> Option<Self> {
        let mut classes: Vec<String> = pairs.clone().flat_map(|(a, b)| [a.clone(), b.clone()]).collect();
        classes.sort();
        classes.dedup();
        if classes.is_empty() {
            return None;
        }
        let index = |c: &String| classes.binary_search(c).expect("class list built from these pairs");
        let mut counts = vec![vec![0; classes.len()]; classes.len()];
        for (a, b) in pairs {
            counts[index(a)][index(b)] += 1;
        }
        Some(MaterialConfusion { classes, counts })
    }

    /// Actions heard as their annotated material.
    pub fn right(&self) -> usize {
        (0..self.classes.len()).map(|i| self.counts[i][i]).sum()
    }

    /// All actions counted.
    pub fn total(&self) -> usize {
        self.counts.iter().flatten().sum()
    }
}
