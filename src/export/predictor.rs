//! The real [`Processor`] of `foley export`: [`crate::predict`] on each video (frames
//! streamed through the model, cochleagram, synthesis). libtorch modules are not `Sync`, so
//! each worker thread has its own copy of the model, loaded on its first input.
use super::{Outputs, Processor};
use crate::audio::{write_wav, SampleFormat};
use crate::error::Result;
use crate::predict::{self, Pipeline};
use crate::synth::{SynthMode, SynthOptions};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Prediction of every input with one model and one set of synthesis options.
pub struct Predict {
    model: PathBuf,
    device: tch::Device,
    /// One slot per worker thread (`rayon::current_thread_index`); slot 0 loaded up front.
    pipelines: Vec<Mutex<Option<Pipeline>>>,
    pub opts: SynthOptions,
    pub format: SampleFormat,
}

/// libtorch intra-op threads per job so that `jobs` inputs at once use the cores without
/// oversubscribing them: ⌊cores / jobs⌋, at least 1.
pub fn torch_threads(jobs: usize) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    (cores / jobs.max(1)).max(1)
}

impl Predict {
    /// Load the model directory onto `device` and set libtorch's thread count for `jobs`
    /// parallel inputs. Fails at once (before any input) when example synthesis is asked
    /// for and the model has no sound bank.
    pub fn new(model: &Path, device: tch::Device, opts: SynthOptions, format: SampleFormat, jobs: usize) -> Result<Predict> {
        tch::set_num_threads(torch_threads(jobs) as i32);
        let pipeline = Pipeline::load(model, device)?;
        if opts.mode == SynthMode::Example {
            pipeline.bank()?;
        }
        let mut pipelines: Vec<_> = (0..jobs.max(1)).map(|_| Mutex::new(None)).collect();
        pipelines[0] = Mutex::new(Some(pipeline));
        Ok(Predict { model: model.to_path_buf(), device, pipelines, opts, format })
    }

    /// What changes the content of the outputs, for the manifest (a rerun with other
    /// settings into the same folder is refused).
    pub fn settings(&self) -> serde_json::Value {
        let o = &self.opts;
        serde_json::json!({
            "model": self.model.canonicalize().unwrap_or_else(|_| self.model.clone()),
            "synth": o.mode,
            "retrieval": o.retrieval,
            "hits": o.hits,
            "rate": o.rate,
            "iters": o.iters,
            "background": o.background,
            "seed": o.seed,
            "format": format!("{:?}", self.format).to_lowercase(),
        })
    }
}

impl Processor for Predict {
    fn process(&self, input: &Path, todo: &Outputs) -> Result<f64> {
        let slot = rayon::current_thread_index().unwrap_or(0) % self.pipelines.len();
        let mut guard = self.pipelines[slot].lock().unwrap_or_else(|p| p.into_inner());
        if guard.is_none() {
            *guard = Some(Pipeline::load(&self.model, self.device)?);
        }
        let pipeline = guard.as_ref().expect("loaded above");
        predict_one(pipeline, &self.opts, self.format, input, todo)
    }
}

/// Predict one input and write the outputs named in `todo`; returns its duration (s).
fn predict_one(pipeline: &Pipeline, opts: &SynthOptions, format: SampleFormat, input: &Path, todo: &Outputs) -> Result<f64> {
    let predicted = pipeline.cochleagram(input, &|_, _| {})?;
    let coch = &predicted.coch;
    let duration = coch.duration();
    if let Some(f) = &todo.features {
        coch.write_npy(f)?;
    }
    if todo.wav.is_none() && todo.video.is_none() {
        return Ok(duration);
    }
    let (mut synthesis, _, _) = pipeline.synthesis(&predicted, opts)?;
    match (&todo.wav, &todo.video) {
        // WAV only: rendered block by block, no whole-waveform buffer.
        (Some(wav), None) => predict::write_wav_stream(wav, synthesis.as_mut(), format)?,
        (wav, Some(video)) => {
            let wave = synthesis.render_all()?;
            if let Some(wav) = wav {
                write_wav(wav, &wave, format)?;
            }
            crate::video::mux_audio(input, &wave, video)?;
        }
        (None, None) => {}
    }
    Ok(duration)
}
