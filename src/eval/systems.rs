//! The systems `foley eval` compares (SPEC §7): the model under test through the prediction
//! pipeline (its cochleagram, rendered by the chosen synthesis), the "random example
//! retrieval" baseline (the same predicted cochleagram, each hit given a uniformly random bank
//! entry), and baseline models (e.g. no LSTM, RGB only) trained by `foley train` with config
//! variants, each passed as another model directory.
use super::run::{SourceClip, Systems};
use super::score::Output;
use crate::error::{Error, Result};
use crate::predict::{Pipeline, SynthOptions, SynthMode};
use crate::synth::Retrieval;
use std::path::Path;

/// Name of the random-retrieval baseline row.
pub const RANDOM_RETRIEVAL: &str = "random example retrieval";

/// A model directory evaluated with one synthesis setting, optionally also with random
/// retrieval (which reuses its predicted cochleagram).
pub struct ModelSystem {
    name: String,
    pipeline: Pipeline,
    opts: SynthOptions,
    with_random: bool,
}

impl ModelSystem {
    /// Load `dir` onto `device`. `with_random` adds the random-retrieval baseline; it needs the
    /// model's sound bank.
    pub fn load(name: &str, dir: &Path, device: tch::Device, opts: SynthOptions, with_random: bool) -> Result<Self> {
        let pipeline = Pipeline::load(dir, device)?;
        if (opts.mode == SynthMode::Example || with_random) && pipeline.bank.is_none() {
            pipeline.bank()?; // the error that says how to build one
        }
        Ok(ModelSystem { name: name.to_string(), pipeline, opts, with_random })
    }
}

impl Systems for ModelSystem {
    fn names(&self) -> Vec<String> {
        let mut v = vec![self.name.clone()];
        if self.with_random {
            v.push(RANDOM_RETRIEVAL.to_string());
        }
        v
    }

    fn predict(&mut self, clip: &SourceClip) -> Result<Vec<Output>> {
        let video = clip.video.as_deref().ok_or_else(|| Error::Param(format!("clip {} has no video", clip.id)))?;
        let coch = self.pipeline.cochleagram(video, &|_, _| {})?;
        let wave = self.pipeline.synthesis(&coch, &self.opts)?.0.render_all()?;
        let mut out = vec![Output { wave, cochleagram: Some(coch.clone()) }];
        if self.with_random {
            let opts = SynthOptions { mode: SynthMode::Example, retrieval: Retrieval::Random, ..self.opts.clone() };
            let wave = self.pipeline.synthesis(&coch, &opts)?.0.render_all()?;
            // Its cochleagram error is that of the sound it renders (the predicted one is the model's).
            out.push(Output { wave, cochleagram: None });
        }
        Ok(out)
    }
}
