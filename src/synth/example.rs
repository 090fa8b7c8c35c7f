//! Example-based synthesis: for each detected hit, retrieve a bank entry, place its recorded
//! sound so its onset lands on the hit, scale it to the predicted loudness, overlap-add.
use super::bank::Bank;
use super::hits::{detect_hits, Hit, HitParams};
use super::window_loudness;
use crate::error::{Error, Result};
use crate::{Cochleagram, Waveform};
use rand::{Rng, SeedableRng};

/// How an entry is chosen for a hit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, clap::ValueEnum, serde::Serialize, serde::Deserialize)]
pub enum Retrieval {
    /// The entry whose loudness-normalised window is nearest to the predicted one.
    #[default]
    Nearest,
    /// A uniformly random entry (the evaluation baseline "random example retrieval").
    Random,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ExampleParams {
    pub retrieval: Retrieval,
    pub hits: HitParams,
    /// Largest gain applied to an entry (keeps a quiet entry from being blown up into noise).
    pub max_gain: f32,
    /// Seed for random retrieval.
    pub seed: u64,
}

impl Default for ExampleParams {
    fn default() -> Self {
        ExampleParams { retrieval: Retrieval::Nearest, hits: HitParams::default(), max_gain: 8.0, seed: 0 }
    }
}

/// What was placed for one hit.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct PlacedHit {
    pub hit: Hit,
    /// Index of the bank entry used, its labels, and the retrieval distance.
    pub entry: usize,
    pub material: Option<String>,
    pub action: Option<String>,
    pub distance: f32,
    /// Predicted loudness ([`window_loudness`]) and the gain applied to the entry.
    pub loudness: f32,
    pub gain: f32,
}

/// Detect hits in `coch` and render them from `bank`. The result is at the bank's sample
/// rate and lasts exactly as long as `coch` (rounded to a sample).
pub fn synthesize(coch: &Cochleagram, bank: &Bank, p: &ExampleParams) -> Result<(Waveform, Vec<PlacedHit>)> {
    let hits = detect_hits(coch, &p.hits)?;
    render_hits(coch, &hits, bank, p)
}

/// Render given hits (e.g. annotated ones) from `bank`; see [`synthesize`].
pub fn render_hits(coch: &Cochleagram, hits: &[Hit], bank: &Bank, p: &ExampleParams) -> Result<(Waveform, Vec<PlacedHit>)> {
    let bp = &bank.params;
    if coch.bands != bank.bands || (coch.rate - bp.env_rate).abs() > 1e-9 {
        return Err(Error::Param(format!(
            "cochleagram has {} bands at {} Hz but the sound bank was built from {} bands at {} Hz",
            coch.bands, coch.rate, bank.bands, bp.env_rate
        )));
    }
    if bank.is_empty() {
        return Err(Error::Param("the sound bank is empty".into()));
    }
    if !(p.max_gain > 0.0) {
        return Err(Error::Param(format!("max gain must be positive, got {}", p.max_gain)));
    }
    let rate = bp.rate as f64;
    let mut out = vec![0.0f32; (coch.duration() * rate).round() as usize];
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(p.seed);
    let mut placed = Vec::with_capacity(hits.len());
    for hit in hits {
        let window = bp.window.extract(coch, hit.step);
        let loudness = window_loudness(&window, coch.bands, bp.window, bp.compression);
        let (entry, distance) = match p.retrieval {
            Retrieval::Nearest => bank.nearest(&window, loudness),
            Retrieval::Random => (rng.random_range(0..bank.len()), f32::NAN),
        };
        let e = &bank.entries[entry];
        let gain = if e.loudness > 0.0 { (loudness / e.loudness).min(p.max_gain) } else { 0.0 };
        let start = (hit.time * rate).round() as i64 - e.onset as i64;
        for (i, &x) in e.snippet.iter().enumerate() {
            let k = start + i as i64;
            if k >= 0 && (k as usize) < out.len() {
                out[k as usize] += gain * x;
            }
        }
        placed.push(PlacedHit {
            hit: hit.clone(),
            entry,
            material: e.material.clone(),
            action: e.action.clone(),
            distance,
            loudness,
            gain,
        });
    }
    // Overlapping loud hits may exceed full scale: scale the whole clip down rather than clip.
    let peak = out.iter().fold(0.0f32, |m, x| m.max(x.abs()));
    if peak > 1.0 {
        out.iter_mut().for_each(|x| *x /= peak);
    }
    Ok((Waveform::new(out, bp.rate), placed))
}
