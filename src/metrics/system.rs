//! One system's metrics over a split: per-clip [`ClipMetrics`] pooled (SPEC §7), with
//! bootstrap intervals over clips and the material confusion.
use super::detection::{ClipScore, OnsetSummary};
use super::hits::{HitCorrelation, HitSound};
use super::interval::{Differences, Intervals};
use super::score::ClipMetrics;
use serde::Serialize;

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
