//! Hit detection in a (predicted) cochleagram: onset strength from positive envelope flux,
//! then peak picking with a threshold and a minimum spacing.
use super::time_of;
use crate::error::{Error, Result};
use crate::Cochleagram;

/// Peak-picking parameters.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct HitParams {
    /// Smallest onset strength (mean positive rise per step of the compressed envelopes,
    /// which lie in [0, 1]) that counts as a hit.
    pub threshold: f32,
    /// The strength must also exceed the mean strength over ±`context` seconds by this much
    /// (rejects steady scratching/noise; librosa's `delta` idea).
    pub delta: f32,
    pub context: f64,
    /// Hits closer than this (seconds) keep only the strongest.
    pub min_spacing: f64,
    /// Guided retrieval: also a hit wherever the model's onset read-out peaks at this
    /// probability or more and the flux found none within `min_spacing`
    /// ([`add_read_out_hits`]). `None`: the flux alone (SPEC §6).
    #[serde(default)]
    pub read_out: Option<f32>,
}

impl Default for HitParams {
    fn default() -> Self {
        // threshold: on the real cochleagrams of the 6 test clips of `foley dataset synth
        // --videos 30 --seconds 10 --seed 21`, 0.03 missed 3 of 62 annotated actions and
        // the silence left there wrecked the per-hit loudness correlation of example
        // synthesis (r 0.71); 0.015 found them (r 0.99) at a small cost in onset AP (quiet
        // extra hits get small gains and rank last).
        // read_out: on the validation clips of D (`dataset synth --videos 150 --seed 2`) and
        // S5 (`--seed 5`), 0.5–0.95 scored alike; the higher one adds fewer false hits
        // (notes/synth.md, seventh session).
        HitParams { threshold: 0.015, delta: 0.01, context: 0.1, min_spacing: 0.1, read_out: Some(0.95) }
    }
}

/// What found a hit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum HitSource {
    /// A peak of the envelope flux ([`detect_hits`]).
    #[default]
    Flux,
    /// A peak of the model's onset read-out where the flux showed none ([`add_read_out_hits`]).
    ReadOut,
}

/// A detected hit.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Hit {
    /// Envelope step of the strength peak (the window anchor).
    pub step: usize,
    /// Onset time in seconds (sub-step: parabolic interpolation of the peak).
    pub time: f64,
    /// Onset strength at the peak.
    pub strength: f32,
    pub source: HitSource,
}

/// [`detect_hits`], plus [`add_read_out_hits`] from `onset` (the model's onset read-out,
/// one probability per step; empty for none) when `p.read_out` is set.
pub fn detect_hits_with_read_out(coch: &Cochleagram, onset: &[f32], p: &HitParams) -> Result<Vec<Hit>> {
    let hits = detect_hits(coch, p)?;
    Ok(match p.read_out {
        Some(p_min) if !onset.is_empty() => add_read_out_hits(coch, hits, onset, p_min, p.min_spacing),
        _ => hits,
    })
}

/// `hits` plus the steps where the model's onset read-out (`onset`: probability per step)
/// has a local maximum of at least `p_min` farther than `min_spacing` seconds from every hit
/// already there: actions the envelope flux misses (a glass tap that only rings). Their
/// strength is the flux at the step. Sorted by time.
pub fn add_read_out_hits(coch: &Cochleagram, mut hits: Vec<Hit>, onset: &[f32], p_min: f32, min_spacing: f64) -> Vec<Hit> {
    let s = coch.onset_strength();
    let onset = &onset[..onset.len().min(s.len())];
    let cands: Vec<usize> = (0..onset.len()).filter(|&t| is_peak(onset, t) && onset[t] >= p_min).collect();
    let flux = hits.len();
    let kept = keep_spaced(cands, onset, hits.iter().map(|h| h.step).collect(), min_spacing * coch.rate);
    for &t in &kept[flux..] {
        hits.push(Hit { step: t, time: time_of(t as f64, coch.rate), strength: s[t], source: HitSource::ReadOut });
    }
    hits.sort_by(|a, b| a.time.total_cmp(&b.time));
    hits
}

/// Whether `x[t]` is a local maximum: above its left neighbour and not below its right one
/// (0 beyond either end).
fn is_peak(x: &[f32], t: usize) -> bool {
    let left = if t > 0 { x[t - 1] } else { 0.0 };
    let right = x.get(t + 1).copied().unwrap_or(0.0);
    x[t] > left && x[t] >= right
}

/// Greedy suppression: `cands`, highest `score` first (ties: earlier first), each appended to
/// `kept` when it is at least `spacing` steps from every step already there.
fn keep_spaced(mut cands: Vec<usize>, score: &[f32], mut kept: Vec<usize>, spacing: f64) -> Vec<usize> {
    cands.sort_by(|&a, &b| score[b].total_cmp(&score[a]).then(a.cmp(&b)));
    for t in cands {
        if kept.iter().all(|&k| (k as f64 - t as f64).abs() >= spacing) {
            kept.push(t);
        }
    }
    kept
}

/// Hits: local maxima of [`Cochleagram::onset_strength`] above `threshold` and `delta` above their
/// context mean, strongest first kept when closer than `min_spacing`; sorted by time.
pub fn detect_hits(coch: &Cochleagram, p: &HitParams) -> Result<Vec<Hit>> {
    if !(p.threshold >= 0.0 && p.delta >= 0.0 && p.context >= 0.0 && p.min_spacing >= 0.0) {
        return Err(Error::Param(format!("hit detection parameters out of range: {p:?}")));
    }
    let s = coch.onset_strength();
    let n = s.len();
    let ctx = (p.context * coch.rate).round() as usize;
    let cands: Vec<usize> = (1..n)
        .filter(|&t| {
            if !(is_peak(&s, t) && s[t] >= p.threshold) {
                return false;
            }
            let (lo, hi) = (t.saturating_sub(ctx), (t + ctx + 1).min(n));
            let mean = s[lo..hi].iter().sum::<f32>() / (hi - lo) as f32;
            s[t] >= mean + p.delta
        })
        .collect();
    let mut kept = keep_spaced(cands, &s, Vec::new(), p.min_spacing * coch.rate);
    kept.sort_unstable();
    Ok(kept
        .into_iter()
        .map(|t| {
            let (l, c) = (s[t - 1], s[t]);
            let r = if t + 1 < n { s[t + 1] } else { 0.0 };
            let den = l - 2.0 * c + r;
            let delta = if den < 0.0 { (0.5 * (l - r) / den).clamp(-0.5, 0.5) } else { 0.0 };
            Hit { step: t, time: time_of(t as f64 + delta as f64, coch.rate), strength: c, source: HitSource::Flux }
        })
        .collect())
}
