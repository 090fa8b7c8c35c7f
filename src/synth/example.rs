//! Example-based synthesis: for each detected hit, retrieve a bank entry, place its recorded
//! sound so its onset lands on the hit, scale it to the predicted loudness, overlap-add.
//!
//! Two stages so that any length of video renders in bounded memory: [`plan`] (hits and
//! choices: a few numbers per hit) and [`Renderer`] (fills any sample range on demand).
use super::bank::{Bank, BankEntry};
use super::hits::{detect_hits_with_read_out, Hit, HitParams};
use crate::model::Guide;
use super::window_loudness;
use crate::labels::{ActionKind, Material};
use crate::error::{Error, Result};
use crate::{Cochleagram, Waveform};
use rand::{Rng, SeedableRng};

/// How an entry is chosen for a hit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, clap::ValueEnum, serde::Serialize, serde::Deserialize)]
pub enum Retrieval {
    /// Guided by the model's auxiliary read-out: among the entries of the material it
    /// predicts at the hit, the one whose loudness-normalised window is nearest to the
    /// predicted one, scaled to the geometric mean of the loudness it predicts for the hit
    /// and the predicted window's loudness. Hits also come from the onset read-out where the
    /// envelopes show none. Falls back to the `nearest` behaviour for what the model does not
    /// read out (or the bank lacks).
    #[default]
    Material,
    /// The entry whose loudness-normalised window is nearest to the predicted one, scaled to
    /// the loudness of the predicted window (SPEC §6).
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
    /// Exponent on each hit's predicted loudness about the bank's median entry loudness
    /// (in dB: the distance from the median times this). 1 keeps the predicted dynamics;
    /// below 1 narrows them so quiet hits beside loud ones stay audible. The placed hits' dB
    /// are an affine map of the predicted ones, yet the output's per-hit loudness r falls
    /// (measured, notes/synth.md): missed hits stand out more beside a narrower range.
    pub dynamics: f32,
}

impl ExampleParams {
    /// Whether `g` is an allowed [`ExampleParams::dynamics`]: in (0, 1].
    pub fn dynamics_ok(g: f32) -> bool {
        g > 0.0 && g <= 1.0
    }
}

impl Default for ExampleParams {
    fn default() -> Self {
        ExampleParams { retrieval: Retrieval::default(), hits: HitParams::default(), max_gain: 8.0, seed: 0, dynamics: 1.0 }
    }
}

/// What was placed for one hit.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct PlacedHit {
    pub hit: Hit,
    /// Index of the bank entry used, its labels, and the retrieval distance (NaN for random).
    pub entry: usize,
    pub material: Option<Material>,
    pub action: Option<ActionKind>,
    pub distance: f32,
    /// Predicted loudness ([`window_loudness`]) and the gain applied to the entry.
    pub loudness: f32,
    pub gain: f32,
}

/// Detect hits in `coch` and render them from `bank` at the bank's sample rate, lasting
/// exactly as long as `coch` (rounded to a sample).
pub fn synthesize(coch: &Cochleagram, bank: &Bank, p: &ExampleParams) -> Result<(Waveform, Vec<PlacedHit>)> {
    let placed = plan(coch, None, bank, p)?;
    let r = Renderer::new(bank, &placed, coch.duration())?;
    Ok((r.render_all(), placed))
}

/// Detect hits in `coch` and choose an entry and a gain for each.
/// `guide`: the model's read-out aligned with `coch` (used by [`Retrieval::Material`], whose
/// hits include those of the onset read-out, [`HitParams::read_out`]).
pub fn plan(coch: &Cochleagram, guide: Option<&Guide>, bank: &Bank, p: &ExampleParams) -> Result<Vec<PlacedHit>> {
    let onset = guide.filter(|_| p.retrieval == Retrieval::Material).map_or(&[][..], |g| &g.onset[..]);
    let hits = detect_hits_with_read_out(coch, onset, &p.hits)?;
    plan_hits(coch, &hits, guide, bank, p)
}

/// Choose an entry and a gain for each of `hits` (e.g. annotated ones) in `coch`.
pub fn plan_hits(
    coch: &Cochleagram,
    hits: &[Hit],
    guide: Option<&Guide>,
    bank: &Bank,
    p: &ExampleParams,
) -> Result<Vec<PlacedHit>> {
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
    if !ExampleParams::dynamics_ok(p.dynamics) {
        return Err(Error::Param(format!("dynamics must be in (0, 1], got {}", p.dynamics)));
    }
    let reference = bank.median_loudness();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(p.seed);
    Ok(hits
        .iter()
        .map(|hit| {
            let window = bp.window.extract(coch, hit.step);
            let loudness = window_loudness(&window, coch.bands, bp.window, bp.compression);
            let guide = guide.filter(|_| p.retrieval == Retrieval::Material);
            let predicted = guide.and_then(|g| g.material_at_hit(hit.step)).map(|(m, _)| m);
            // With an action read-out, a hit gets a hit's sound (a sharp attack) and a scratch
            // a scratch's, when the bank has that material and action.
            let action = guide.and_then(|g| g.action_at_hit(hit.step));
            let (entry, distance) = match (p.retrieval, predicted) {
                (Retrieval::Material, Some(m)) => {
                    let of_material = |e: &BankEntry| e.material == Some(m);
                    action
                        .and_then(|a| bank.nearest_where(&window, loudness, |e| of_material(e) && e.action == Some(a)))
                        .or_else(|| bank.nearest_where(&window, loudness, of_material))
                        .unwrap_or_else(|| bank.nearest(&window, loudness))
                }
                (Retrieval::Material | Retrieval::Nearest, _) => bank.nearest(&window, loudness),
                (Retrieval::Random, _) => (rng.random_range(0..bank.len()), f32::NAN),
            };
            let e = &bank.entries[entry];
            // Guided: the geometric mean of the loudness read-out and the predicted window's
            // loudness. Chosen on validation (the 15 val clips of `dataset synth --videos 150
            // --seed 2`, models/default): per-hit loudness r 0.693, against 0.606 for the
            // read-out alone and 0.680 for the window alone, at the same material accuracy.
            let loudness = guide.and_then(|g| g.loudness_at_hit(hit.step)).map_or(loudness, |h| (h * loudness).sqrt());
            let loudness = if p.dynamics == 1.0 || !(loudness > 0.0 && reference > 0.0) {
                loudness
            } else {
                reference * (loudness / reference).powf(p.dynamics)
            };
            let gain = if e.loudness > 0.0 { (loudness / e.loudness).min(p.max_gain) } else { 0.0 };
            PlacedHit {
                hit: hit.clone(),
                entry,
                material: e.material,
                action: e.action,
                distance,
                loudness,
                gain,
            }
        })
        .collect())
}

/// Renders planned hits into any range of output samples (overlap-add of scaled snippets),
/// so a long output can be written block by block.
pub struct Renderer {
    /// (first output sample, gain, index into `snippets`), sorted by start.
    notes: Vec<(i64, f32, usize)>,
    snippets: Vec<Vec<f32>>,
    longest: usize,
    len: usize,
    rate: u32,
    /// 1, or 1/peak when overlapping hits would exceed full scale (whole clip scaled down
    /// rather than clipped, so relative loudness is kept).
    norm: f32,
}

impl Renderer {
    /// Prepare rendering `placed` (from [`plan`] with `bank`) at the bank's rate for `seconds`.
    pub fn new(bank: &Bank, placed: &[PlacedHit], seconds: f64) -> Result<Renderer> {
        Self::new_resampled(bank, placed, bank.params.rate, seconds, &|w, _| w.clone())
    }

    /// Like [`Renderer::new`] at `rate` Hz: the entries used are converted with `resample`
    /// (a zero-phase resampler such as `audio::resample`, so an onset at sample o lands at
    /// o·rate/bank rate).
    pub fn new_resampled(
        bank: &Bank,
        placed: &[PlacedHit],
        rate: u32,
        seconds: f64,
        resample: &dyn Fn(&Waveform, u32) -> Waveform,
    ) -> Result<Renderer> {
        if rate == 0 || !(seconds >= 0.0) {
            return Err(Error::Param(format!("cannot render {seconds} s at {rate} Hz")));
        }
        let mut used: Vec<usize> = placed.iter().map(|p| p.entry).collect();
        used.sort_unstable();
        used.dedup();
        let from = bank.params.rate;
        let snippets: Vec<Vec<f32>> = used
            .iter()
            .map(|&i| {
                let s = &bank.entries[i].snippet;
                if rate == from {
                    s.clone()
                } else {
                    resample(&Waveform::new(s.clone(), from), rate).samples
                }
            })
            .collect();
        let mut notes: Vec<(i64, f32, usize)> = placed
            .iter()
            .map(|p| {
                let k = used.binary_search(&p.entry).unwrap_or(0);
                let onset = (bank.entries[p.entry].onset as f64 * rate as f64 / from as f64).round() as i64;
                ((p.hit.time * rate as f64).round() as i64 - onset, p.gain, k)
            })
            .collect();
        notes.sort_by_key(|n| n.0);
        let longest = snippets.iter().map(Vec::len).max().unwrap_or(0);
        let mut r = Renderer { notes, snippets, longest, len: (seconds * rate as f64).round() as usize, rate, norm: 1.0 };
        r.norm = 1.0 / r.raw_peak().max(1.0);
        Ok(r)
    }

    /// Output length in samples.
    pub fn len(&self) -> usize {
        self.len
    }
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    pub fn rate(&self) -> u32 {
        self.rate
    }

    /// Fill `out` with samples `start .. start + out.len()` (clamped to the output length).
    pub fn render(&self, start: usize, out: &mut [f32]) {
        out.iter_mut().for_each(|x| *x = 0.0);
        self.add_raw(start, out);
        out.iter_mut().for_each(|x| *x *= self.norm);
    }

    /// The whole output as one waveform.
    pub fn render_all(&self) -> Waveform {
        let mut out = vec![0.0; self.len];
        self.render(0, &mut out);
        Waveform::new(out, self.rate)
    }

    fn add_raw(&self, start: usize, out: &mut [f32]) {
        let (a, b) = (start as i64, (start + out.len()).min(self.len) as i64);
        // Notes that can overlap [a, b): start in (a − longest, b).
        let first = self.notes.partition_point(|n| n.0 <= a - self.longest as i64);
        for &(s, gain, k) in self.notes[first..].iter().take_while(|n| n.0 < b) {
            let snip = &self.snippets[k];
            let lo = a.max(s);
            let hi = b.min(s + snip.len() as i64);
            for t in lo..hi {
                out[(t - a) as usize] += gain * snip[(t - s) as usize];
            }
        }
    }

    /// Largest |sample| before normalisation, computed block by block.
    fn raw_peak(&self) -> f32 {
        let mut buf = vec![0.0f32; 1 << 16];
        let mut peak = 0.0f32;
        let mut start = 0;
        while start < self.len {
            let n = buf.len().min(self.len - start);
            buf[..n].iter_mut().for_each(|x| *x = 0.0);
            self.add_raw(start, &mut buf[..n]);
            peak = buf[..n].iter().fold(peak, |m, x| m.max(x.abs()));
            start += n;
        }
        peak
    }
}
