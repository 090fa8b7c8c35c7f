//! Streaming synthesis: a waveform rendered block by block ([`Synthesis`]), so that long
//! outputs need no whole-waveform buffer. Example synthesis ([`super::Renderer`], plus the
//! background [`super::background::NoiseFill`]) and parametric synthesis in chunks
//! ([`Parametric`]) both render this way; [`synthesis`] picks one from [`SynthOptions`].
use super::options::{SynthMode, SynthOptions, BACKGROUND_SECONDS};
use super::{Bank, ExampleParams, PlacedHit};
use crate::cochleagram::{self, Cochleagram};
use crate::error::{Error, Result};
use crate::model::Guide;
use crate::synth;
use crate::Waveform;

/// A waveform rendered block by block (so long outputs need no whole-waveform buffer).
pub trait Synthesis {
    fn rate(&self) -> u32;
    /// Total length in samples.
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Fill `out` with samples `start .. start + out.len()`; blocks are asked for in order.
    fn render(&mut self, start: usize, out: &mut [f32]) -> Result<()>;
    /// The whole waveform.
    fn render_all(&mut self) -> Result<Waveform> {
        let mut v = vec![0.0; self.len()];
        for start in (0..v.len()).step_by(BLOCK) {
            let end = (start + BLOCK).min(v.len());
            self.render(start, &mut v[start..end])?;
        }
        Ok(Waveform::new(v, self.rate()))
    }
}

/// Samples per rendered block.
pub const BLOCK: usize = 1 << 16;

impl Synthesis for synth::Renderer {
    fn rate(&self) -> u32 {
        synth::Renderer::rate(self)
    }
    fn len(&self) -> usize {
        synth::Renderer::len(self)
    }
    fn render(&mut self, start: usize, out: &mut [f32]) -> Result<()> {
        synth::Renderer::render(self, start, out);
        Ok(())
    }
}

/// Parametric synthesis (SPEC §3) of a long cochleagram in chunks of `CHUNK` steps, each
/// inverted with `OVERLAP` steps of context on both sides and joined by equal-power
/// cross-fades over ±`OVERLAP/2` steps around the chunk boundary (the noise carriers of two
/// chunks are independent, so equal power keeps the level).
pub struct Parametric<'a> {
    coch: &'a Cochleagram,
    params: cochleagram::InvertParams,
    /// Output samples per envelope step.
    per_step: f64,
    len: usize,
    chunks: usize,
    /// Steps per chunk and steps of context inverted on each side.
    chunk: usize,
    overlap: usize,
    /// Inverted chunks kept for the blocks being rendered: (index, first sample, samples).
    cache: Vec<(usize, i64, Vec<f32>)>,
}

/// Default chunk: 10 s of steps (a few MB of audio per chunk).
pub const CHUNK: usize = 900;
/// Default context/cross-fade: 20 steps (0.22 s).
pub const OVERLAP: usize = 20;

impl<'a> Parametric<'a> {
    pub fn new(coch: &'a Cochleagram, params: cochleagram::InvertParams) -> Self {
        let per_step = params.rate as f64 / coch.rate;
        let len = (coch.frames() as f64 * per_step).round() as usize;
        let mut p = Parametric { coch, params, per_step, len, chunks: 1, chunk: CHUNK, overlap: OVERLAP, cache: Vec::new() };
        p.set_chunking(CHUNK, OVERLAP);
        p
    }

    /// Invert in chunks of `chunk` steps with `overlap` steps of context (even, ≤ chunk).
    pub fn with_chunking(mut self, chunk: usize, overlap: usize) -> Self {
        self.set_chunking(chunk, overlap);
        self
    }

    fn set_chunking(&mut self, chunk: usize, overlap: usize) {
        self.chunk = chunk.max(1);
        self.overlap = (overlap.min(self.chunk) / 2) * 2;
        self.chunks = self.coch.frames().div_ceil(self.chunk).max(1);
        self.cache.clear();
    }

    /// Inverted chunk `k`: (first global sample, samples).
    fn chunk(&mut self, k: usize) -> Result<(i64, &[f32])> {
        if let Some(i) = self.cache.iter().position(|c| c.0 == k) {
            let c = &self.cache[i];
            return Ok((c.1, &c.2));
        }
        let frames = self.coch.frames();
        let s = (k * self.chunk).saturating_sub(self.overlap);
        let e = ((k + 1) * self.chunk + self.overlap).min(frames);
        let b = self.coch.bands;
        let sub = Cochleagram::new(self.coch.data[s * b..e * b].to_vec(), b, self.coch.rate);
        // A different seed per chunk, derived from the user's.
        let p = cochleagram::InvertParams { seed: self.params.seed.wrapping_add(k as u64 * 0x9E37_79B9), ..self.params.clone() };
        let w = cochleagram::invert(&sub, &p)?;
        self.cache.retain(|c| c.0 + 1 >= k);
        self.cache.push((k, (s as f64 * self.per_step).round() as i64, w.samples));
        let c = self.cache.last().expect("just pushed");
        Ok((c.1, &c.2))
    }

    /// Weight of chunk `k` at step position `u` (fractional).
    fn weight(&self, k: usize, u: f64) -> f32 {
        let h = self.overlap as f64 / 2.0;
        if h == 0.0 {
            return if k == (u / self.chunk as f64).floor() as usize { 1.0 } else { 0.0 };
        }
        let mut w = 1.0;
        if k > 0 {
            let b = (k * self.chunk) as f64;
            let phi = ((u - (b - h)) / (2.0 * h)).clamp(0.0, 1.0);
            w *= (phi * std::f64::consts::FRAC_PI_2).sin();
        }
        if k + 1 < self.chunks {
            let b = ((k + 1) * self.chunk) as f64;
            let phi = ((u - (b - h)) / (2.0 * h)).clamp(0.0, 1.0);
            w *= (phi * std::f64::consts::FRAC_PI_2).cos();
        }
        w as f32
    }
}

impl Synthesis for Parametric<'_> {
    fn rate(&self) -> u32 {
        self.params.rate
    }
    fn len(&self) -> usize {
        self.len
    }
    fn render(&mut self, start: usize, out: &mut [f32]) -> Result<()> {
        out.iter_mut().for_each(|x| *x = 0.0);
        let h = self.overlap as f64 / 2.0;
        let u0 = start as f64 / self.per_step - h;
        let u1 = (start + out.len()) as f64 / self.per_step + h;
        let k0 = (u0.max(0.0) / self.chunk as f64).floor() as usize;
        let k1 = ((u1 / self.chunk as f64).floor() as usize).min(self.chunks - 1);
        for k in k0..=k1 {
            let weights: Vec<f32> =
                (0..out.len()).map(|i| self.weight(k, (start + i) as f64 / self.per_step)).collect();
            let (first, samples) = self.chunk(k)?;
            for (i, (o, w)) in out.iter_mut().zip(weights).enumerate() {
                let j = (start + i) as i64 - first;
                if w > 0.0 && j >= 0 && (j as usize) < samples.len() {
                    *o += w * samples[j as usize];
                }
            }
        }
        Ok(())
    }
}

impl Synthesis for synth::background::NoiseFill {
    fn rate(&self) -> u32 {
        synth::background::NoiseFill::rate(self)
    }
    fn len(&self) -> usize {
        synth::background::NoiseFill::len(self)
    }
    fn render(&mut self, start: usize, out: &mut [f32]) -> Result<()> {
        synth::background::NoiseFill::render(self, start, out);
        Ok(())
    }
}

/// The sum of two syntheses of the same rate and length.
struct Sum<'a> {
    a: Box<dyn Synthesis + 'a>,
    b: Box<dyn Synthesis + 'a>,
    buf: Vec<f32>,
}

impl Synthesis for Sum<'_> {
    fn rate(&self) -> u32 {
        self.a.rate()
    }
    fn len(&self) -> usize {
        self.a.len()
    }
    fn render(&mut self, start: usize, out: &mut [f32]) -> Result<()> {
        self.a.render(start, out)?;
        self.buf.resize(out.len(), 0.0);
        self.b.render(start, &mut self.buf)?;
        out.iter_mut().zip(&self.buf).for_each(|(o, x)| *o += x);
        Ok(())
    }
}

/// Hits and a renderer for `coch` (example synthesis needs `bank`; `guide` steers its
/// retrieval and gains, see [`Retrieval::Material`]).
pub fn synthesis<'a>(
    coch: &'a Cochleagram,
    guide: Option<&Guide>,
    bank: Option<&'a Bank>,
    opts: &SynthOptions,
) -> Result<(Box<dyn Synthesis + 'a>, Vec<synth::Hit>, Vec<PlacedHit>)> {
    match opts.mode {
        SynthMode::Example => {
            let bank = bank.ok_or_else(|| Error::Param("example synthesis needs a sound bank".into()))?;
            let p = ExampleParams {
                retrieval: opts.retrieval,
                hits: opts.hits.clone(),
                seed: opts.seed,
                dynamics: opts.dynamics,
                ..Default::default()
            };
            // `plan` detects the hits (with the onset read-out's for guided retrieval).
            let placed = synth::plan(coch, guide, bank, &p)?;
            let hits = placed.iter().map(|h| h.hit.clone()).collect();
            let r = synth::Renderer::new_resampled(bank, &placed, opts.rate, coch.duration(), &crate::audio::resample)?;
            if !opts.background {
                return Ok((Box::new(r), hits, placed));
            }
            let bg = synth::background(coch, BACKGROUND_SECONDS);
            let fill = synth::background::NoiseFill::new(&bg, &cochleagram::Params::default(), opts.rate, opts.seed)?;
            Ok((Box::new(Sum { a: Box::new(r), b: Box::new(fill), buf: Vec::new() }), hits, placed))
        }
        SynthMode::Parametric => {
            let hits = synth::detect_hits(coch, &opts.hits)?;
            let p = cochleagram::InvertParams { iters: opts.iters, rate: opts.rate, seed: opts.seed, ..Default::default() };
            Ok((Box::new(Parametric::new(coch, p)), hits, Vec::new()))
        }
    }
}

