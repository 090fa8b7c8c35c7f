//! The systems `foley eval` compares (SPEC §7): the model under test through the prediction
//! pipeline (its cochleagram, rendered by the chosen synthesis), the "random example
//! retrieval" baseline (the same predicted cochleagram, each hit given a uniformly random bank
//! entry), and baseline models (e.g. no LSTM, RGB only) trained by `foley train` with config
//! variants, each passed as another model directory.
use super::run::{SourceClip, Systems};
use crate::metrics::Output;
use crate::error::{Error, Result};
use crate::predict::Pipeline;
use crate::synth::{Retrieval, SynthMode, SynthOptions};
use std::path::Path;

/// Name of the random-retrieval baseline row.
pub const RANDOM_RETRIEVAL: &str = "random example retrieval";
/// Name of the row rendering the model's prediction with plain nearest-window retrieval
/// (SPEC §6, no material guidance).
pub const NEAREST_RETRIEVAL: &str = "nearest retrieval, no material guidance";

/// A model directory evaluated with one synthesis setting, optionally also with other
/// retrievals that reuse its predicted cochleagram (random: the baseline; nearest: what the
/// material guidance adds).
pub struct ModelSystem {
    name: String,
    pipeline: Pipeline,
    opts: SynthOptions,
    extra: Vec<Retrieval>,
}

impl ModelSystem {
    /// Load `dir` onto `device`. `extra` adds rows rendered with those retrievals; they need
    /// the model's sound bank.
    pub fn load(name: &str, dir: &Path, device: tch::Device, opts: SynthOptions, extra: Vec<Retrieval>) -> Result<Self> {
        let pipeline = Pipeline::load(dir, device)?;
        if (opts.mode == SynthMode::Example || !extra.is_empty()) && pipeline.bank.is_none() {
            pipeline.bank()?; // the error that says how to build one
        }
        Ok(ModelSystem { name: name.to_string(), pipeline, opts, extra })
    }
}

impl Systems for ModelSystem {
    fn names(&self) -> Vec<String> {
        let mut v = vec![self.name.clone()];
        v.extend(self.extra.iter().map(|r| match r {
            Retrieval::Random => RANDOM_RETRIEVAL.to_string(),
            Retrieval::Nearest => NEAREST_RETRIEVAL.to_string(),
            Retrieval::Material => format!("{}, material-guided retrieval", self.name),
        }));
        v
    }

    fn predict(&mut self, clip: &SourceClip) -> Result<Vec<Output>> {
        let video = clip.video.as_deref().ok_or_else(|| Error::Data(format!("clip {} has no video", clip.id)))?;
        let predicted = self.pipeline.cochleagram(video, &|_, _| {})?;
        let wave = self.pipeline.synthesis(&predicted, &self.opts)?.0.render_all()?;
        let mut out = vec![Output { wave, cochleagram: Some(predicted.coch.clone()) }];
        for &retrieval in &self.extra {
            let opts = SynthOptions { mode: SynthMode::Example, retrieval, ..self.opts.clone() };
            let wave = self.pipeline.synthesis(&predicted, &opts)?.0.render_all()?;
            // Its cochleagram error is that of the sound it renders (the predicted one is the model's).
            out.push(Output { wave, cochleagram: None });
        }
        Ok(out)
    }
}
