//! The onset scoring protocol of SPEC §7 (CondFoleyGen's, with its AP corrected):
//!
//! - each generated onset gets a confidence: the peak of the min-max-normalised |waveform|
//!   within ±50 ms of it ([`confidences`]);
//! - generated onsets within 50 ms of a stronger one are dropped (greedy, strongest first:
//!   [`suppress`]);
//! - strongest first, each generated onset takes the nearest unused reference onset within
//!   ±0.1 s (true positive) or none (false positive) ([`score_clip`]);
//! - AP = mean over *all* reference onsets of the precision at the rank where each is found
//!   (never found → 0; no generated onsets → 0); accuracy = found / reference; precision =
//!   found / generated; and whether the onset counts agree.
//!
//! Ties in confidence are broken by time (earlier first), so results are deterministic.
use super::onset::Onsets;
use serde::Serialize;

/// Half-width of the confidence window and the suppression distance, seconds.
pub const CONFIDENCE_WINDOW: f64 = 0.05;
/// Matching tolerance, seconds.
pub const MATCH_TOLERANCE: f64 = 0.1;

/// A generated onset with its confidence.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScoredOnset {
    /// Seconds.
    pub time: f64,
    pub confidence: f64,
}

/// Confidence of each onset: the maximum of `(|x| − min|x|) / (max|x| − min|x| + 1e-6)` over
/// samples `[s − w, s + w)` with `w = ⌊0.05·rate⌋` (CondFoleyGen's `conf_interval`), clipped to
/// the signal. Onsets sorted by time are returned.
pub fn confidences(onsets: &Onsets) -> Vec<ScoredOnset> {
    let x = &onsets.signal.samples;
    let rate = onsets.signal.rate as f64;
    if x.is_empty() {
        return Vec::new();
    }
    let (lo, hi) = x.iter().fold((f32::INFINITY, 0.0f32), |(lo, hi), v| (lo.min(v.abs()), hi.max(v.abs())));
    let scale = 1.0 / (hi as f64 - lo as f64 + 1e-6);
    let w = (CONFIDENCE_WINDOW * rate).floor() as usize;
    let mut out: Vec<ScoredOnset> = onsets
        .samples
        .iter()
        .map(|&s| {
            let b = (s + w).min(x.len());
            let a = s.saturating_sub(w).min(b - 1);
            let peak = x[a..b].iter().fold(0.0f32, |m, v| m.max(v.abs()));
            ScoredOnset { time: s as f64 / rate, confidence: (peak as f64 - lo as f64) * scale }
        })
        .collect();
    out.sort_by(|a, b| a.time.total_cmp(&b.time));
    out
}

/// Indices of `onsets` strongest first (ties: earlier first).
fn by_strength(onsets: &[ScoredOnset]) -> Vec<usize> {
    let mut v: Vec<usize> = (0..onsets.len()).collect();
    v.sort_by(|&a, &b| {
        let (a, b) = (&onsets[a], &onsets[b]);
        b.confidence.total_cmp(&a.confidence).then(a.time.total_cmp(&b.time))
    });
    v
}

/// Greedy non-maximum suppression: strongest first, keep an onset and drop every remaining one
/// closer than `window` seconds to it. Returns the kept onsets sorted by time.
pub fn suppress(onsets: &[ScoredOnset], window: f64) -> Vec<ScoredOnset> {
    let mut removed = vec![false; onsets.len()];
    let mut kept = Vec::new();
    for i in by_strength(onsets) {
        if removed[i] {
            continue;
        }
        kept.push(onsets[i]);
        for (j, o) in onsets.iter().enumerate() {
            if (o.time - onsets[i].time).abs() < window {
                removed[j] = true;
            }
        }
    }
    kept.sort_by(|a, b| a.time.total_cmp(&b.time));
    kept
}

/// Scores of one clip.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ClipScore {
    /// Reference onsets.
    pub reference: usize,
    /// Generated onsets (after suppression).
    pub generated: usize,
    /// Generated onsets matched to a reference (= references found).
    pub matched: usize,
    /// Detection AP; `None` when the clip has no reference onsets.
    pub ap: Option<f64>,
    /// matched / reference; `None` without reference onsets.
    pub accuracy: Option<f64>,
    /// matched / generated; `None` without generated onsets.
    pub precision: Option<f64>,
    /// generated == reference.
    pub count_right: bool,
}

/// Match `generated` (already suppressed) to `reference` times (seconds) within `tolerance`
/// seconds, strongest first, and score the clip.
pub fn score_clip(generated: &[ScoredOnset], reference: &[f64], tolerance: f64) -> ClipScore {
    let mut used = vec![false; reference.len()];
    let (mut matched, mut precision_sum) = (0usize, 0.0f64);
    for (rank, g) in by_strength(generated).into_iter().map(|i| &generated[i]).enumerate() {
        let nearest = reference
            .iter()
            .enumerate()
            .filter(|&(j, r)| !used[j] && (r - g.time).abs() <= tolerance + 1e-9)
            .min_by(|a, b| (a.1 - g.time).abs().total_cmp(&(b.1 - g.time).abs()));
        if let Some((j, _)) = nearest {
            used[j] = true;
            matched += 1;
            precision_sum += matched as f64 / (rank + 1) as f64;
        }
    }
    let n_ref = reference.len();
    let n_gen = generated.len();
    ClipScore {
        reference: n_ref,
        generated: n_gen,
        matched,
        ap: (n_ref > 0).then(|| precision_sum / n_ref as f64),
        accuracy: (n_ref > 0).then(|| matched as f64 / n_ref as f64),
        precision: (n_gen > 0).then(|| matched as f64 / n_gen as f64),
        count_right: n_gen == n_ref,
    }
}

/// Full protocol on detected onsets: confidences, 50 ms suppression, matching within ±0.1 s.
pub fn score_onsets(generated: &Onsets, reference: &[f64]) -> ClipScore {
    let kept = suppress(&confidences(generated), CONFIDENCE_WINDOW);
    score_clip(&kept, reference, MATCH_TOLERANCE)
}

/// Scores aggregated over clips.
///
/// - `ap`, `accuracy`: mean over clips that have reference onsets (as CondFoleyGen averages
///   per clip); a clip with no generated onsets contributes 0.
/// - `precision`: mean over clips that have generated onsets.
/// - `pooled_accuracy` = Σ matched / Σ reference, `pooled_precision` = Σ matched / Σ generated.
/// - `count_right`: share of all clips whose onset counts agree.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct OnsetSummary {
    pub clips: usize,
    pub ap: Option<f64>,
    pub accuracy: Option<f64>,
    pub precision: Option<f64>,
    pub pooled_accuracy: Option<f64>,
    pub pooled_precision: Option<f64>,
    pub count_right: Option<f64>,
    pub reference: usize,
    pub generated: usize,
    pub matched: usize,
}

/// The mean of `v`; `None` when it is empty.
pub(super) fn mean(v: impl Iterator<Item = f64>) -> Option<f64> {
    let (s, n) = v.fold((0.0, 0usize), |(s, n), x| (s + x, n + 1));
    (n > 0).then(|| s / n as f64)
}

fn ratio(a: usize, b: usize) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

impl OnsetSummary {
    pub fn from_clips(scores: &[ClipScore]) -> Self {
        let sum = |f: fn(&ClipScore) -> usize| scores.iter().map(f).sum::<usize>();
        let (reference, generated, matched) = (sum(|c| c.reference), sum(|c| c.generated), sum(|c| c.matched));
        OnsetSummary {
            clips: scores.len(),
            ap: mean(scores.iter().filter_map(|c| c.ap)),
            accuracy: mean(scores.iter().filter_map(|c| c.accuracy)),
            precision: mean(scores.iter().filter_map(|c| c.precision)),
            pooled_accuracy: ratio(matched, reference),
            pooled_precision: ratio(matched, generated),
            count_right: mean(scores.iter().map(|c| c.count_right as u8 as f64)),
            reference,
            generated,
            matched,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(times: &[f64], conf: &[f64]) -> Vec<ScoredOnset> {
        times.iter().zip(conf).map(|(&time, &confidence)| ScoredOnset { time, confidence }).collect()
    }

    #[test]
    fn perfect_shifted_missing_and_empty() {
        let r = [0.5, 1.0, 1.5, 2.0];
        // Perfect: every rank is a hit, precision 1 everywhere → AP 1, accuracy 1.
        let s = score_clip(&at(&r, &[0.9, 0.8, 0.7, 0.6]), &r, MATCH_TOLERANCE);
        assert_eq!((s.ap, s.accuracy, s.precision, s.count_right), (Some(1.0), Some(1.0), Some(1.0), true));
        // Shifted by 0.2 s > 0.1 s tolerance → nothing matches.
        let shifted: Vec<f64> = r.iter().map(|t| t + 0.2).collect();
        let s = score_clip(&at(&shifted, &[0.9, 0.8, 0.7, 0.6]), &r, MATCH_TOLERANCE);
        assert_eq!((s.ap, s.accuracy, s.precision), (Some(0.0), Some(0.0), Some(0.0)));
        // One of four missed: 3 found at ranks 1..3 with precision 1 → AP 3/4, accuracy 3/4.
        let s = score_clip(&at(&r[..3], &[0.9, 0.8, 0.7]), &r, MATCH_TOLERANCE);
        assert_eq!((s.ap, s.accuracy, s.precision, s.count_right), (Some(0.75), Some(0.75), Some(1.0), false));
        // No generated onsets → 0 (not undefined, not rewarded).
        let s = score_clip(&[], &r, MATCH_TOLERANCE);
        assert_eq!((s.ap, s.accuracy, s.precision), (Some(0.0), Some(0.0), None));
    }

    #[test]
    fn false_positive_ranked_first_halves_precision_at_later_ranks() {
        // Ranks: FP (0.95), TP (0.9), TP (0.8) → precisions at hits 1/2, 2/3; AP = (1/2 + 2/3) / 2.
        let g = at(&[3.0, 0.5, 1.0], &[0.95, 0.9, 0.8]);
        let s = score_clip(&g, &[0.5, 1.0], MATCH_TOLERANCE);
        assert!((s.ap.unwrap() - (0.5 + 2.0 / 3.0) / 2.0).abs() < 1e-12);
        assert_eq!(s.precision, Some(2.0 / 3.0));
    }

    #[test]
    fn each_reference_is_used_once_and_the_nearest_is_taken() {
        // Two generated onsets near one reference: the stronger takes it, the other is an FP.
        let g = at(&[1.02, 0.97], &[0.5, 0.9]);
        let s = score_clip(&g, &[1.0], MATCH_TOLERANCE);
        assert_eq!((s.matched, s.ap), (1, Some(1.0)));
        // The strongest takes the nearest of two references in range.
        let g = at(&[1.04], &[0.9]);
        let s = score_clip(&g, &[0.97, 1.05], MATCH_TOLERANCE);
        assert_eq!(s.matched, 1);
    }

    #[test]
    fn suppression_keeps_the_stronger_of_close_onsets() {
        let g = at(&[1.0, 1.03, 1.2], &[0.5, 0.9, 0.4]);
        let kept = suppress(&g, CONFIDENCE_WINDOW);
        assert_eq!(kept, at(&[1.03, 1.2], &[0.9, 0.4]));
    }

    #[test]
    fn summary_averages_per_clip_and_pools() {
        let a = score_clip(&at(&[1.0], &[1.0]), &[1.0], MATCH_TOLERANCE); // AP 1
        let b = score_clip(&[], &[1.0, 2.0, 3.0], MATCH_TOLERANCE); // AP 0
        let s = OnsetSummary::from_clips(&[a, b]);
        assert_eq!(s.ap, Some(0.5));
        assert_eq!(s.pooled_accuracy, Some(0.25)); // 1 of 4 references found
        assert_eq!(s.count_right, Some(0.5));
    }
}
