//! `foley invert`: parametric synthesis of a waveform from a cochleagram.
use crate::features::AnalysisArgs;
use crate::progress_bar;
use anyhow::{Context, Result};
use clap::Args;
use foley_dsp::audio::{write_wav, SampleFormat};
use foley_dsp::cochleagram::{self, Cochleagram, InvertParams};
use std::path::PathBuf;

#[derive(Args, Debug)]
#[command(after_help = "Examples:\n  foley invert hit.npy -o hit.wav\n  foley invert hit.npy -o hit.wav --iters 20 --rate 44100 --seed 7 --format float32")]
pub struct InvertArgs {
    /// Cochleagram .npy (float32 [T, bands+2], values in [0, 1]).
    pub input: PathBuf,
    /// Output WAV file.
    #[arg(short, long)]
    pub output: PathBuf,
    /// Iterations of envelope imposition.
    #[arg(long, default_value_t = 10)]
    pub iters: usize,
    /// Output sample rate in Hz.
    #[arg(long, default_value_t = 48_000)]
    pub rate: u32,
    /// Seed of the starting noise (same seed, same output).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Output sample format.
    #[arg(long, value_enum, default_value_t = SampleFormat::Int16)]
    pub format: SampleFormat,
    /// Parameters the cochleagram was computed with.
    #[command(flatten)]
    pub analysis: AnalysisArgs,
}

pub fn run(a: InvertArgs, quiet: bool) -> Result<()> {
    let analysis = a.analysis.params();
    analysis.validate()?;
    let mut coch = Cochleagram::read_npy(&a.input, analysis.total_bands())?;
    coch.rate = analysis.env_rate as f64;
    let p = InvertParams { iters: a.iters, rate: a.rate, seed: a.seed, analysis };
    let bar = progress_bar(p.iters as u64, quiet, "invert");
    let wave = cochleagram::invert_progress(&coch, &p, &|done, _| bar.set_position(done))
        .with_context(|| a.input.display().to_string())?;
    bar.finish_and_clear();
    write_wav(&a.output, &wave, a.format)?;
    Ok(())
}
