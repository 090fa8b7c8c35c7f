//! End-to-end prediction (SPEC §1 `foley predict`): video → frames at the model's rate →
//! model (LSTM state carried across chunks) → cochleagram → waveform by example-based or
//! parametric synthesis ([`crate::synth::stream`]) → a sink (WAV, or the video muxed).
//!
//! Memory does not grow with the video beyond the cochleagram (42 floats per 1/90 s, about
//! 9 MB for 10 minutes): frames are streamed through the model ([`DecodeAhead`]), and the
//! waveform is rendered block by block ([`Synthesis::render`]) straight into the output WAV.
mod decode;
mod model_dir;
mod sink;

pub use decode::DecodeAhead;
pub use model_dir::default_model_dir;
pub use sink::write_wav_stream;

use crate::cochleagram::Cochleagram;
use crate::error::{Error, Result};
use crate::model::{Guide, Model};
use crate::synth::{self, Bank, PlacedHit, SynthOptions, Synthesis};
use crate::Waveform;
use std::path::{Path, PathBuf};

pub use crate::synth::bank::BANK_FILE;

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
    pub fn cochleagram(&self, video: &Path, progress: &dyn Fn(u64, u64)) -> Result<Predicted> {
        self.cochleagram_from(DecodeAhead::start(video, self.model.config()), progress)
    }

    /// [`Pipeline::cochleagram`] from frames already being decoded (started before the model
    /// was loaded, so that the two overlap).
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
        synth::synthesis(&p.coch, p.guide.as_ref(), self.bank.as_ref(), opts)
    }
}

/// What the model predicts for a video.
pub struct Predicted {
    pub coch: Cochleagram,
    /// Material and hit-loudness read-out per step (models trained with those losses).
    pub guide: Option<Guide>,
}
