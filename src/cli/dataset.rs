//! `foley dataset synth` and `foley dataset check`.
use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};
use foley::dataset;
use foley::dataset::synth::SoundSource;
use std::path::PathBuf;

#[derive(Args)]
pub struct DatasetArgs {
    #[command(subcommand)]
    command: DatasetCommand,
}

#[derive(Subcommand)]
enum DatasetCommand {
    /// Write a synthetic Greatest-Hits-style dataset: per video `<id>_denoised.mp4` (H.264,
    /// 30 fps), `<id>_denoised.wav`, `<id>_times.txt`, plus train.txt / val.txt / test.txt.
    #[command(after_help = "Examples:\n  foley dataset synth --out data/synth --videos 72 --seconds 20 --seed 1\n  foley dataset synth --out datasets/sample --videos 2 --seconds 6 --seed 8 --size 320x240 --val-share 0\n  foley dataset synth --out data/synth-rec --videos 72 --seconds 20 --seed 1 --sound mixed\n  foley dataset synth --out data/foreign --videos 20 --seed 99 --style b --sound recorded --val-share 0 --test-share 0.95")]
    Synth(SynthArgs),
    /// Validate a Greatest-Hits-layout folder: counts per split, material, action, reaction,
    /// every problem with file, line and severity, and a summary line. Errors (a missing or
    /// unreadable file, an onset that is not a number or lies past the audio, an unknown
    /// material or action) give exit status 1; warnings (unsorted or duplicate onsets, onsets
    /// past the video's end, unknown reaction words, clips in no split list) do not, unless
    /// --strict.
    #[command(after_help = "Examples:\n  foley dataset check datasets/sample\n  foley dataset check /data/greatest-hits --strict\n  foley dataset check /data/greatest-hits --json > report.json")]
    Check(CheckArgs),
}

#[derive(Args)]
struct SynthArgs {
    /// Output folder (created if needed; files of the same ids are replaced).
    #[arg(long)]
    out: PathBuf,
    /// Number of videos.
    #[arg(long, default_value_t = 8)]
    videos: usize,
    /// Duration of each video in seconds.
    #[arg(long, default_value_t = 10.0)]
    seconds: f64,
    /// Random seed: the same seed gives the same dataset.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Frame size WIDTHxHEIGHT (even numbers).
    #[arg(long, default_value = "320x240", value_parser = parse_size)]
    size: (u32, u32),
    /// Audio sample rate in Hz (the real Greatest Hits uses 96000).
    #[arg(long, default_value_t = 48_000)]
    rate: u32,
    /// Share of videos listed in val.txt (0: no val.txt).
    #[arg(long, default_value_t = 0.1)]
    val_share: f64,
    /// Share of videos listed in test.txt.
    #[arg(long, default_value_t = 0.2)]
    test_share: f64,
    /// x264 quality (constant rate factor; lower is better and bigger).
    #[arg(long, default_value_t = 26)]
    crf: u8,
    /// Where impact and scratch sounds come from: `modal` synthesis, `recorded` samples of the
    /// General-MIDI SoundFont /usr/share/sounds/sf2/FluidR3_GM.sf2 (Debian's
    /// fluid-soundfont-gm, installed by tools/setup; water stays modal), or `mixed` (drawn per
    /// video). Pictures and annotations are the same for all three.
    #[arg(long, value_enum, default_value_t = SoundSource::Modal)]
    sound: SoundSource,
    /// The look: `a` (handheld close-ups of surfaces, randomised per video; the training
    /// look) or `b` (top-down views of objects on a table, drawn differently; a foreign
    /// test look never used for training). Annotations mean the same in both.
    #[arg(long, default_value = "a", value_parser = parse_style)]
    style: foley::dataset::synth::Style,
}

#[derive(Args)]
struct CheckArgs {
    /// Dataset folder.
    dir: PathBuf,
    /// Print the report as JSON on stdout (with `errors`, `warnings` and `passed`).
    #[arg(long)]
    json: bool,
    /// Fail (exit status 1) on warnings too, not only on errors.
    #[arg(long)]
    strict: bool,
}

fn parse_style(s: &str) -> Result<foley::dataset::synth::Style, String> {
    s.parse()
}

fn parse_size(s: &str) -> Result<(u32, u32), String> {
    let (w, h) = s.split_once(['x', 'X']).ok_or_else(|| format!("'{s}': expected WIDTHxHEIGHT, e.g. 320x240"))?;
    let p = |v: &str| v.trim().parse::<u32>().map_err(|_| format!("'{s}': expected WIDTHxHEIGHT, e.g. 320x240"));
    Ok((p(w)?, p(h)?))
}

pub fn run(args: DatasetArgs, quiet: bool) -> Result<()> {
    match args.command {
        DatasetCommand::Synth(a) => synth(a, quiet),
        DatasetCommand::Check(a) => check(a, quiet),
    }
}

#[cfg(feature = "video")]
fn synth(a: SynthArgs, quiet: bool) -> Result<()> {
    use foley::dataset::synth::{write_dataset, SynthConfig, WriteOptions};
    use foley::video::encode::EncodeOptions;
    let cfg = SynthConfig { seconds: a.seconds, width: a.size.0, height: a.size.1, sample_rate: a.rate, sound: a.sound, style: a.style, ..SynthConfig::default() };
    let opts = WriteOptions {
        videos: a.videos,
        seed: a.seed,
        val_share: a.val_share,
        test_share: a.test_share,
        encode: EncodeOptions { crf: a.crf, ..EncodeOptions::default() },
    };
    let bar = super::progress_bar((a.videos * cfg.frames()) as u64, quiet, "synth frames");
    let start = std::time::Instant::now();
    let summary = write_dataset(&a.out, &cfg, &opts, &|n| bar.inc(n))?;
    bar.finish_and_clear();
    if !quiet {
        let secs = start.elapsed().as_secs_f64();
        eprintln!(
            "wrote {} videos ({} train, {} val, {} test), {} actions, {:.0} s of video to {} in {:.1} s ({:.1}x real time)",
            summary.videos, summary.train, summary.val, summary.test, summary.actions, summary.seconds,
            a.out.display(), secs, summary.seconds / secs.max(1e-9)
        );
    }
    Ok(())
}

#[cfg(not(feature = "video"))]
fn synth(_a: SynthArgs, _quiet: bool) -> Result<()> {
    bail!("foley was built without the `video` feature (FFmpeg), so it cannot write mp4 files; rebuild with default features")
}

fn check(a: CheckArgs, quiet: bool) -> Result<()> {
    let bar = super::progress_bar(0, quiet, "checking clips");
    let report = dataset::check_progress(&a.dir, &|done, total| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    });
    bar.finish_and_clear();
    let passed = report.passes(a.strict);
    if a.json {
        let mut v = serde_json::to_value(&report).context("serialising the report")?;
        v["errors"] = report.errors().into();
        v["warnings"] = report.warnings().into();
        v["passed"] = passed.into();
        println!("{}", serde_json::to_string_pretty(&v).context("serialising the report")?);
    } else {
        print!("{}", report.to_text());
    }
    if !passed {
        let (e, w) = (report.errors(), report.warnings());
        if e > 0 {
            bail!("{}: {e} error(s) and {w} warning(s) found (listed above)", a.dir.display());
        }
        bail!("{}: {w} warning(s) found and --strict makes warnings fail (listed above)", a.dir.display());
    }
    Ok(())
}
