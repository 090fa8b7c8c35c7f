//! Onsets in a cochleagram and their match against annotated action times, used to select and
//! report models during training (the full evaluation of SPEC §7 is `foley eval`).
//!
//! Strength of step t: Σ_b max(0, s_t,b − s_{t−1},b) (half-wave rectified spectral flux over
//! the compressed envelopes). Candidates are local maxima within ±`PEAK_RADIUS` steps; a
//! candidate within 50 ms of a stronger one is dropped (as SPEC §7).

/// Half-width of the local-maximum neighbourhood, steps (4 steps = 44 ms at 90 Hz).
pub const PEAK_RADIUS: usize = 4;
/// Tolerance of a match between a detected and an annotated onset, seconds (SPEC §7).
pub const TOLERANCE: f64 = 0.1;
/// Detected onsets closer than this to a stronger one are dropped, seconds (SPEC §7).
pub const MIN_GAP: f64 = 0.05;

/// Candidate onsets (time in seconds, strength), strongest first.
pub fn candidates(coch: &[f32], bands: usize, rate: f64) -> Vec<(f64, f32)> {
    let s = crate::cochleagram::onset_flux(coch, bands);
    let mut peaks: Vec<(f64, f32)> = (0..s.len())
        .filter(|&i| {
            let lo = i.saturating_sub(PEAK_RADIUS);
            let hi = (i + PEAK_RADIUS + 1).min(s.len());
            s[i] > 0.0 && s[lo..hi].iter().enumerate().all(|(k, &v)| v < s[i] || (v == s[i] && lo + k >= i))
        })
        .map(|i| (i as f64 / rate, s[i]))
        .collect();
    peaks.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.total_cmp(&b.0)));
    let mut kept: Vec<(f64, f32)> = Vec::new();
    for p in peaks {
        if kept.iter().all(|k| (k.0 - p.0).abs() >= MIN_GAP) {
            kept.push(p);
        }
    }
    kept
}

/// Match results over a set of clips.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OnsetScores {
    /// Detection average precision: mean over references of the precision at the rank where
    /// each is found (0 when never found), candidates ranked by strength over all clips.
    pub ap: f64,
    /// Precision, recall and F1 at the strength threshold that maximises F1.
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub threshold: f32,
    pub references: usize,
}

/// Greedy matching per clip (strongest candidate first takes the nearest unused reference
/// within ±[`TOLERANCE`]); returns (strength, is_true_positive) for every candidate.
pub fn match_clip(cands: &[(f64, f32)], refs: &[f64]) -> Vec<(f32, bool)> {
    let mut used = vec![false; refs.len()];
    cands
        .iter()
        .map(|&(t, s)| {
            let best = refs
                .iter()
                .enumerate()
                .filter(|(i, r)| !used[*i] && (*r - t).abs() <= TOLERANCE)
                .min_by(|a, b| (a.1 - t).abs().total_cmp(&(b.1 - t).abs()));
            match best {
                Some((i, _)) => {
                    used[i] = true;
                    (s, true)
                }
                None => (s, false),
            }
        })
        .collect()
}

/// Scores over clips given (candidates, reference times) per clip.
pub fn score(clips: &[(Vec<(f64, f32)>, Vec<f64>)]) -> OnsetScores {
    let n_ref: usize = clips.iter().map(|c| c.1.len()).sum();
    let mut all: Vec<(f32, bool)> = clips.iter().flat_map(|(c, r)| match_clip(c, r)).collect();
    all.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut out = OnsetScores { references: n_ref, ..Default::default() };
    if n_ref == 0 {
        return out;
    }
    let mut tp = 0usize;
    let mut ap = 0.0;
    for (k, &(s, hit)) in all.iter().enumerate() {
        if hit {
            tp += 1;
            ap += tp as f64 / (k + 1) as f64;
        }
        let p = tp as f64 / (k + 1) as f64;
        let r = tp as f64 / n_ref as f64;
        let f1 = if p + r > 0.0 { 2.0 * p * r / (p + r) } else { 0.0 };
        // Only at the last candidate of a run of equal strengths is this a real threshold.
        let boundary = all.get(k + 1).is_none_or(|n| n.0 < s);
        if boundary && f1 > out.f1 {
            out.f1 = f1;
            out.precision = p;
            out.recall = r;
            out.threshold = s;
        }
    }
    out.ap = ap / n_ref as f64;
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_bursts_and_scores_them() {
        // Two bursts (steps 30 and 90 at 90 Hz = 0.333 s and 1.0 s) on a flat floor.
        let bands = 2;
        let mut c = vec![0.1f32; 120 * bands];
        for t in [30usize, 90] {
            for k in 0..5 {
                c[(t + k) * bands] = 0.8 - 0.1 * k as f32;
                c[(t + k) * bands + 1] = 0.5;
            }
        }
        let cands = candidates(&c, bands, 90.0);
        assert_eq!(cands.len(), 2);
        assert!((cands[0].0 - 30.0 / 90.0).abs() < 1e-9 || (cands[0].0 - 1.0).abs() < 1e-9);
        // One reference matched within 0.1 s, one 0.2 s away (missed), one extra reference.
        let s = score(&[(cands, vec![30.0 / 90.0 + 0.05, 1.2, 1.3])]);
        assert_eq!(s.references, 3);
        assert!((s.recall - 1.0 / 3.0).abs() < 1e-9);
        assert!(s.precision >= 0.5);
    }
}
