//! The model and synthesis flags shared by `foley predict` and `foley export`.
use anyhow::{bail, Result};
use clap::Args;
use foley::audio::SampleFormat;
use foley::predict;
use foley::synth::{SynthMode, SynthOptions};
use foley::synth::{HitParams, Retrieval};
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct SynthArgs {
    /// Model directory (model.safetensors, config.json, bank.safetensors). Default: the
    /// bundled models/default.
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// How the predicted cochleagram becomes sound.
    #[arg(long, value_enum, default_value_t = SynthMode::Example)]
    pub synth: SynthMode,
    /// Example synthesis: which bank entry each hit gets (random = the evaluation baseline).
    #[arg(long, value_enum, default_value_t = Retrieval::default())]
    pub retrieval: Retrieval,
    /// Where to compute: auto (CUDA when available, else CPU), cpu, cuda or cuda:N.
    #[arg(long, default_value = "auto")]
    pub device: String,
    /// Seed of random choices (parametric noise, random retrieval): same seed, same output.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Example synthesis: leave the non-hit background silent instead of filling it with
    /// noise shaped to the predicted background.
    #[arg(long)]
    pub no_background: bool,
    /// Output sample rate (Hz).
    #[arg(long, default_value_t = 48_000)]
    pub rate: u32,
    /// Parametric synthesis iterations.
    #[arg(long, default_value_t = 10)]
    pub iters: usize,
    /// Hit detection: smallest onset strength (mean rise of the compressed envelopes per step).
    #[arg(long, default_value_t = HitParams::default().threshold)]
    pub threshold: f32,
    /// Hit detection: hits closer than this (seconds) keep only the strongest.
    #[arg(long, default_value_t = HitParams::default().min_spacing)]
    pub min_spacing: f64,
    #[command(flatten)]
    pub read_out: ReadOutHits,
    /// Example synthesis: exponent on each hit's predicted loudness about the bank's median
    /// (1 keeps the predicted dynamics, 0.5 halves their range in dB).
    #[arg(long, default_value_t = foley::synth::ExampleParams::default().dynamics)]
    pub dynamics: f32,
    /// WAV sample format.
    #[arg(long, value_enum, default_value_t = SampleFormat::Int16)]
    pub format: SampleFormat,
}

impl SynthArgs {
    /// The synthesis options, after checking the flags' ranges.
    pub fn options(&self) -> Result<SynthOptions> {
        if !(8_000..=384_000).contains(&self.rate) {
            bail!("--rate {}: the output sample rate must be 8000..384000 Hz", self.rate);
        }
        if self.iters == 0 || !(self.threshold >= 0.0) || !(self.min_spacing >= 0.0) {
            bail!("--iters must be at least 1, --threshold and --min-spacing at least 0");
        }
        check_dynamics(self.dynamics)?;
        Ok(SynthOptions {
            mode: self.synth,
            retrieval: self.retrieval,
            hits: HitParams { threshold: self.threshold, min_spacing: self.min_spacing, read_out: self.read_out.value()?, ..Default::default() },
            rate: self.rate,
            iters: self.iters,
            background: !self.no_background,
            seed: self.seed,
            dynamics: self.dynamics,
        })
    }

    /// `--model`, or the bundled model.
    pub fn model_dir(&self) -> Result<PathBuf> {
        Ok(match &self.model {
            Some(d) => d.clone(),
            None => predict::default_model_dir()?,
        })
    }
}

/// Hits from the model's onset read-out (predict, export, eval).
#[derive(Args, Debug)]
pub struct ReadOutHits {
    /// Guided retrieval: also place a hit wherever the model's onset read-out peaks at this
    /// probability or more and the envelopes show no hit within --min-spacing (catches taps
    /// on glass or metal that only ring).
    #[arg(long, value_name = "P", default_value_t = HitParams::default().read_out.unwrap_or(1.0))]
    pub read_out_hits: f32,
    /// Hits from the envelopes only (SPEC §6), not from the onset read-out.
    #[arg(long)]
    pub no_read_out_hits: bool,
}

impl ReadOutHits {
    /// `HitParams::read_out`, after checking the range.
    pub fn value(&self) -> Result<Option<f32>> {
        if !(self.read_out_hits > 0.0 && self.read_out_hits <= 1.0) {
            bail!("--read-out-hits {}: must be in (0, 1]", self.read_out_hits);
        }
        Ok((!self.no_read_out_hits).then_some(self.read_out_hits))
    }
}

/// `--dynamics`' range (predict, export, eval), checked before anything loads.
pub fn check_dynamics(g: f32) -> Result<()> {
    if !foley::synth::ExampleParams::dynamics_ok(g) {
        bail!("--dynamics {g}: must be in (0, 1]");
    }
    Ok(())
}
