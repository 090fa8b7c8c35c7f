//! `foley features`: cochleagram of an audio file or of a video's audio track.
use crate::progress_bar;
use anyhow::{Context, Result};
use clap::Args;
use foley_dsp::cochleagram::{self, Params};
use foley_dsp::Waveform;
use std::path::{Path, PathBuf};

/// Cochleagram analysis parameters (SPEC §2), shared by `features` and `invert`.
#[derive(Args, Clone, Debug)]
pub struct AnalysisArgs {
    /// Working sample rate in Hz.
    #[arg(long, default_value_t = 20_000)]
    pub work_rate: u32,
    /// Number of ERB bands (a low-pass and a high-pass band are added).
    #[arg(long, default_value_t = 40)]
    pub bands: usize,
    /// Lowest filter cut-off in Hz.
    #[arg(long, default_value_t = 20.0)]
    pub low: f64,
    /// Highest filter cut-off in Hz.
    #[arg(long, default_value_t = 10_000.0)]
    pub high: f64,
    /// Envelope compression exponent.
    #[arg(long, default_value_t = 0.3)]
    pub compression: f64,
    /// Envelope rate in Hz (steps per second of the cochleagram).
    #[arg(long, default_value_t = 90)]
    pub env_rate: u32,
}

impl AnalysisArgs {
    pub fn params(&self) -> Params {
        Params {
            rate: self.work_rate,
            bands: self.bands,
            low: self.low,
            high: self.high,
            compression: self.compression,
            env_rate: self.env_rate,
        }
    }
}

#[derive(Args, Debug)]
#[command(after_help = "Examples:\n  foley features hit.wav -o hit.npy\n  foley features clip.mp4 -o clip.npy --json\n  foley features hit.wav -o hit.npy --bands 32 --env-rate 100")]
pub struct FeaturesArgs {
    /// Audio file (WAV of any depth/rate/channels) or any media file with an audio track.
    pub input: PathBuf,
    /// Output .npy (float32 [T, bands+2], T steps at the envelope rate).
    #[arg(short, long)]
    pub output: PathBuf,
    /// Print the shape and duration as JSON on stdout.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub analysis: AnalysisArgs,
}

/// `read_audio`: `foley::audio::read_audio`, or in the `foley` front a reader that hands
/// media files to `foley-torch` (see src/main.rs).
pub fn run(a: FeaturesArgs, quiet: bool, read_audio: impl FnOnce(&Path) -> foley_dsp::Result<Waveform>) -> Result<()> {
    let params = a.analysis.params();
    params.validate()?;
    let wave = read_audio(&a.input)?;
    let bar = progress_bar(0, quiet || wave.duration() < 10.0, "features");
    let coch = cochleagram::features_progress(&wave, &params, &|done, total| {
        bar.set_length(total);
        bar.set_position(done);
    })
    .with_context(|| a.input.display().to_string())?;
    bar.finish_and_clear();
    coch.write_npy(&a.output)?;
    if a.json {
        let j = serde_json::json!({
            "input": a.input,
            "output": a.output,
            "shape": [coch.frames(), coch.bands],
            "rate_hz": coch.rate,
            "duration_s": coch.duration(),
            "audio_duration_s": wave.duration(),
            "audio_rate_hz": wave.rate,
            "params": params,
        });
        println!("{j}");
    }
    Ok(())
}
