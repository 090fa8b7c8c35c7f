//! `foley-torch`: the complete `foley` command line (one subcommand per verb; all work is
//! done by the library). The `foley` front (src/main.rs) runs `features` and `invert` itself
//! and execs this binary, installed beside it, for everything else.
use anyhow::Result;
use clap::{Parser, Subcommand};

#[path = "../cli/mod.rs"]
mod cli;

#[derive(Parser)]
#[command(name = "foley", version, about = "Predict the sound of things being struck or scratched from silent video",
    long_about = None, propagate_version = true)]
struct Cli {
    /// No progress bars or informational messages on stderr.
    #[arg(long, global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Greatest Hits data: generate a synthetic set, or validate a folder.
    #[command(after_help = "Examples:\n  foley dataset synth --out data/synth --videos 72 --seconds 20 --seed 1\n  foley dataset check data/synth")]
    Dataset(cli::dataset::DatasetArgs),
    /// Cochleagram (42 subband envelopes at 90 Hz) of an audio file or a video's audio track.
    Features(cli::features::FeaturesArgs),
    /// Parametric synthesis: a waveform whose cochleagram matches a .npy cochleagram.
    Invert(cli::invert::InvertArgs),
    /// Show a video's streams (container, codec, size, rate, duration, frames, audio) and
    /// optionally draw a contact sheet of what the model sees.
    #[cfg(feature = "video")]
    Inspect(cli::inspect::InspectArgs),
    /// Predict the sound of a video: a WAV, or the video with the predicted sound track muxed in.
    #[cfg(feature = "video")]
    #[command(after_help = cli::predict::EXAMPLES)]
    Predict(cli::predict::PredictArgs),
    /// Batch prediction for a collection: parallel, resumable, shardable across machines.
    #[cfg(feature = "video")]
    #[command(after_help = cli::export::EXAMPLES)]
    Export(cli::export::ExportArgs),
    /// Sound banks for example-based synthesis.
    #[command(subcommand)]
    Bank(cli::bank::BankCommand),
    /// Train the model on a Greatest-Hits-layout dataset; the run folder becomes a model directory.
    Train(cli::train::TrainArgs),
    /// Evaluate a model (and baselines) on a dataset split (SPEC §7): metrics.json + index.html.
    #[cfg(feature = "video")]
    Eval(cli::eval::EvalArgs),
}

fn main() {
    // Every command here runs torch or FFmpeg on tens of MB per step or chunk: keep freed
    // buffers instead of faulting them in again (predict: 0.58 → 0.55 s with the next one).
    foley::util::keep_freed_memory();
    let cli = Cli::parse();
    // Before any torch call: on a GPU machine, make the CUDA backend available.
    foley::model::cuda::load_backend();
    let status = cli::common::status_of(run(cli));
    exit_without_teardown(status)
}

/// Exit skipping the C++ static destructors: libtorch's deregister its ~2,000 operators one
/// by one, about 0.05 s at the end of every command (a tenth of `predict` on a 10 s clip).
/// Everything of ours has been dropped by now (files closed, temporary files removed or
/// renamed); only stdout's buffer is left to flush.
fn exit_without_teardown(status: i32) -> ! {
    use std::io::Write;
    let _ = std::io::stdout().flush();
    // SAFETY: _exit only ends the process; no Rust state outlives this point.
    unsafe { libc::_exit(status) }
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Dataset(a) => cli::dataset::run(a, cli.quiet),
        Command::Features(a) => cli::features::run(a, cli.quiet, foley::audio::read_audio),
        Command::Invert(a) => cli::invert::run(a, cli.quiet),
        #[cfg(feature = "video")]
        Command::Inspect(args) => cli::inspect::run(args, cli.quiet),
        #[cfg(feature = "video")]
        Command::Predict(a) => cli::predict::run(a, cli.quiet),
        Command::Bank(c) => cli::bank::run(c, cli.quiet),
        #[cfg(feature = "video")]
        Command::Export(a) => cli::export::run(a, cli.quiet),
        Command::Train(a) => cli::train::run(a, cli.quiet),
        #[cfg(feature = "video")]
        Command::Eval(a) => cli::eval::run(a, cli.quiet),
    }
}
