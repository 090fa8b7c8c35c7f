//! End-to-end prediction (SPEC §1 `foley predict`): video → frames at the model's rate →
//! model (LSTM state carried across chunks) → cochleagram → waveform by example-based or
//! parametric synthesis.
//!
//! Memory does not grow with the video beyond the cochleagram (42 floats per 1/90 s, about
//! 9 MB for 10 minutes): frames are streamed through the model, and the waveform is rendered
//! block by block ([`Synthesis::render`]) straight into the output WAV.
use crate::cochleagram::{self, Cochleagram};
use crate::error::{Error, Result};
use crate::model::Model;
use crate::synth::{self, Bank, ExampleParams, HitParams, Guide, PlacedHit, Retrieval};
use crate::Waveform;
use std::path::{Path, PathBuf};

pub use crate::synth::bank::BANK_FILE;

/// How the predicted cochleagram becomes sound.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, clap::ValueEnum, serde::Serialize)]
pub enum SynthMode {
    /// Retrieve recorded hits from the model's sound bank (SPEC §6).
    #[default]
    Example,
    /// Impose the envelopes on noise (SPEC §3).
    Parametric,
}

/// Where to compute.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum DeviceChoice {
    /// CUDA when available, else CPU.
    #[default]
    Auto,
    Cpu,
    Cuda,
}

impl DeviceChoice {
    pub fn device(self) -> Result<tch::Device> {
        match self {
            DeviceChoice::Auto => Ok(tch::Device::cuda_if_available()),
            DeviceChoice::Cpu => Ok(tch::Device::Cpu),
            DeviceChoice::Cuda if tch::Cuda::is_available() => Ok(tch::Device::Cuda(0)),
            DeviceChoice::Cuda => Err(Error::Param("--device cuda: no CUDA device is available (try --device cpu)".into())),
        }
    }
}

/// Synthesis options of a prediction.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct SynthOptions {
    pub mode: SynthMode,
    pub retrieval: Retrieval,
    pub hits: HitParams,
    /// Output sample rate (Hz).
    pub rate: u32,
    /// Parametric synthesis iterations (SPEC §3: 10).
    pub iters: usize,
    /// Example synthesis: also fill the non-hit background (the cochleagram's running
    /// minimum over ±`BACKGROUND_SECONDS`) with noise shaped to it
    /// ([`synth::background::NoiseFill`]).
    pub background: bool,
    pub seed: u64,
    /// Example synthesis: [`ExampleParams::dynamics`].
    pub dynamics: f32,
}

/// Half-width of the running minimum that separates the background from hits (s).
pub const BACKGROUND_SECONDS: f64 = 0.25;

impl Default for SynthOptions {
    fn default() -> Self {
        SynthOptions {
            mode: SynthMode::Example,
            retrieval: Retrieval::default(),
            hits: HitParams::default(),
            rate: 48_000,
            iters: 10,
            background: true,
            seed: 0,
            dynamics: ExampleParams::default().dynamics,
        }
    }
}

/// The bundled model directory, `models/default`, looked for beside the installed binary
/// (`…/target/release/foley` → `…/models/default`, or `<prefix>/bin/foley` →
/// `<prefix>/share/foley/models/default`) and in the current directory and its parents.
pub fn default_model_dir() -> Result<PathBuf> {
    let mut tried = Vec::new();
    let mut candidates = Vec::new();
    if let Ok(exe) = std::env::current_exe() {
        let exe = exe.canonicalize().unwrap_or(exe);
        for dir in exe.ancestors().skip(1).take(4) {
            candidates.push(dir.join("models").join("default"));
            candidates.push(dir.join("share").join("foley").join("models").join("default"));
        }
    }
    if let Ok(cwd) = std::env::current_dir() {
        for dir in cwd.ancestors() {
            candidates.push(dir.join("models").join("default"));
        }
    }
    for c in candidates {
        if c.join("config.json").is_file() {
            return Ok(c);
        }
        if !tried.contains(&c) {
            tried.push(c);
        }
    }
    Err(Error::Param(format!(
        "no --model given and the bundled model models/default was not found (looked beside the foley binary and in \
         the current directory and its parents, e.g. {}): pass --model DIR, or run from the foley repository",
        tried.first().map_or_else(|| "models/default".into(), |p| p.display().to_string())
    )))
}

/// A loaded model with its sound bank.
pub struct Pipeline {
    pub model: Model,
    pub dir: PathBuf,
    /// `bank.safetensors` of the model directory, if present (needed for example synthesis).
    pub bank: Option<Bank>,
}

/// Everything predicted for one video, in memory.
pub struct Prediction {
    pub cochleagram: Cochleagram,
    pub wave: Waveform,
    /// Detected hits with what was placed (for parametric synthesis: detected, no entry).
    pub hits: Vec<PlacedHit>,
}

impl Pipeline {
    /// Load the model directory `dir` (and its bank) onto `device`.
    pub fn load(dir: &Path, device: tch::Device) -> Result<Pipeline> {
        if !dir.is_dir() {
            return Err(Error::bad(dir, "model directory not found (expected config.json, model.safetensors, bank.safetensors)"));
        }
        let model = Model::load(dir, device)?;
        let bank_path = dir.join(BANK_FILE);
        let bank = if bank_path.exists() { Some(Bank::load(&bank_path)?) } else { None };
        if let Some(b) = &bank {
            if b.bands != model.config().bands || (b.params.env_rate - model.config().step_rate()).abs() > 1e-9 {
                return Err(Error::bad(
                    &bank_path,
                    format!("sound bank of {} bands at {} Hz does not match the model's {} bands at {} Hz",
                        b.bands, b.params.env_rate, model.config().bands, model.config().step_rate()),
                ));
            }
        }
        Ok(Pipeline { model, dir: dir.to_path_buf(), bank })
    }

    /// The bank, or an error saying how to get one.
    pub fn bank(&self) -> Result<&Bank> {
        self.bank.as_ref().ok_or_else(|| {
            Error::bad(
                self.dir.join(BANK_FILE),
                "no sound bank in the model directory: build one with `foley bank build --data DIR -o MODEL/bank.safetensors`, \
                 or use --synth parametric",
            )
        })
    }

    /// Predict the cochleagram of a video (and the read-out of material and hit loudness, if
    /// the model has them), streaming its frames through the model in chunks (`progress(frames done,
    /// frames expected)`).
    #[cfg(feature = "video")]
    pub fn cochleagram(&self, video: &Path, progress: &dyn Fn(u64, u64)) -> Result<Predicted> {
        self.cochleagram_from(DecodeAhead::start(video, self.model.config()), progress)
    }

    /// [`Pipeline::cochleagram`] from frames already being decoded (started before the model
    /// was loaded, so that the two overlap).
    #[cfg(feature = "video")]
    pub fn cochleagram_from(&self, frames: DecodeAhead, progress: &dyn Fn(u64, u64)) -> Result<Predicted> {
        let c = self.model.config();
        if (frames.width, frames.height, frames.fps) != (c.width, c.height, c.fps) {
            return Err(Error::Param(format!(
                "frames decoded at {}x{} {} fps, the model wants {}x{} {} fps",
                frames.width, frames.height, frames.fps, c.width, c.height, c.fps
            )));
        }
        let mut predictor = self.model.predictor();
        let mut data = Vec::new();
        let mut guide = Guide::default();
        let (mut n, mut expected) = (0u64, 0u64);
        for chunk in &frames.chunks {
            let chunk = chunk?;
            if let Ok(e) = frames.expected.try_recv() {
                expected = e;
            }
            n += chunk.len() as u64;
            let refs: Vec<&[u8]> = chunk.iter().map(Vec::as_slice).collect();
            data.extend(predictor.push_images(&refs)?.data);
            if let Some(m) = predictor.take_guide() {
                guide.extend(m);
            }
            progress(n, expected.max(n));
        }
        if n == 0 {
            return Err(Error::bad(&frames.video, "no video frames could be decoded"));
        }
        data.extend(predictor.finish()?.data);
        if let Some(m) = predictor.take_guide() {
            guide.extend(m);
        }
        let guide = (!guide.is_empty()).then_some(guide);
        Ok(Predicted { coch: Cochleagram::new(data, c.bands, c.step_rate()), guide })
    }

    /// Turn a cochleagram into a renderable synthesis (example: hits planned; parametric:
    /// inverted chunk by chunk on demand).
    pub fn synthesis<'a>(&'a self, p: &'a Predicted, opts: &SynthOptions) -> Result<(Box<dyn Synthesis + 'a>, Vec<synth::Hit>, Vec<PlacedHit>)> {
        synthesis(&p.coch, p.guide.as_ref(), self.bank.as_ref(), opts)
    }
}

/// A video being decoded on its own thread into the model's frame size, a few chunks ahead of
/// whoever reads it (the FFmpeg objects stay on that thread). Dropping it stops the thread.
#[cfg(feature = "video")]
pub struct DecodeAhead {
    video: PathBuf,
    width: u32,
    height: u32,
    fps: f64,
    chunks: std::sync::mpsc::Receiver<Result<Vec<Vec<u8>>>>,
    /// How many frames the video should give (sent once it is open).
    expected: std::sync::mpsc::Receiver<u64>,
}

#[cfg(feature = "video")]
impl DecodeAhead {
    const FRAMES_PER_CHUNK: usize = 32;

    /// Start decoding `video` at the frame size and rate of `model`.
    pub fn start(video: &Path, model: &crate::model::ModelConfig) -> DecodeAhead {
        let cfg = crate::video::SampleConfig { width: model.width, height: model.height, fps: model.fps, ..Default::default() };
        let (tx, chunks) = std::sync::mpsc::sync_channel::<Result<Vec<Vec<u8>>>>(2);
        let (info_tx, expected) = std::sync::mpsc::channel::<u64>();
        let path = video.to_path_buf();
        std::thread::spawn(move || {
            let frames = match crate::video::open_frames(&path, &cfg) {
                Ok(f) => f,
                Err(e) => return drop(tx.send(Err(e))),
            };
            let _ = info_tx.send(frames.info().sampled_frames(cfg.fps));
            let mut chunk = Vec::with_capacity(Self::FRAMES_PER_CHUNK);
            for f in frames {
                match f {
                    Ok(f) => chunk.push(f.rgb),
                    Err(e) => return drop(tx.send(Err(e))),
                }
                // A failed send means the reader is gone: stop decoding.
                if chunk.len() == Self::FRAMES_PER_CHUNK && tx.send(Ok(std::mem::take(&mut chunk))).is_err() {
                    return;
                }
            }
            if !chunk.is_empty() {
                let _ = tx.send(Ok(chunk));
            }
        });
        DecodeAhead { video: video.to_path_buf(), width: model.width, height: model.height, fps: model.fps, chunks, expected }
    }
}

/// What the model predicts for a video.
pub struct Predicted {
    pub coch: Cochleagram,
    /// Material and hit-loudness read-out per step (models trained with those losses).
    pub guide: Option<Guide>,
}


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
const BLOCK: usize = 1 << 16;

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

/// Write a synthesis as a mono WAV, block by block, atomically.
pub fn write_wav_stream(path: &Path, s: &mut dyn Synthesis, format: crate::audio::SampleFormat) -> Result<()> {
    use crate::audio::SampleFormat;
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: s.rate(),
        bits_per_sample: if format == SampleFormat::Int16 { 16 } else { 32 },
        sample_format: if format == SampleFormat::Int16 { hound::SampleFormat::Int } else { hound::SampleFormat::Float },
    };
    crate::util::write_atomic(path, |tmp| {
        let err = |e: hound::Error| Error::bad(tmp, format!("cannot write WAV ({e})"));
        let mut w = hound::WavWriter::create(tmp, spec).map_err(err)?;
        let mut buf = vec![0.0f32; BLOCK];
        for start in (0..s.len()).step_by(BLOCK) {
            let n = BLOCK.min(s.len() - start);
            s.render(start, &mut buf[..n])?;
            for &x in &buf[..n] {
                match format {
                    SampleFormat::Int16 => w.write_sample((x.clamp(-1.0, 1.0) * 32767.0).round() as i16),
                    SampleFormat::Float32 => w.write_sample(x),
                }
                .map_err(err)?;
            }
        }
        w.finalize().map_err(err)
    })
}
