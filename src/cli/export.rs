//! `foley export`: batch prediction (SPEC §8).
use anyhow::{bail, Result};
use clap::Args;
use foley::dataset::layout::Split;
use foley::export::{self, predictor::Predict, Shard, Source, Want};
use std::path::PathBuf;

pub const EXAMPLES: &str = "Examples:\n  foley export --data datasets/greatest-hits --split test --out exports/test\n  \
    foley export --input videos/ --out exports/ --jobs 4 --mux --features\n  \
    foley export --input list.txt --out /shared/exports --shard 3/8 --synth parametric\n  \
    foley export --input videos/ --out exports/ --shard 2/4 --list    (show this shard's inputs)\n\n\
    Rerunning the same command skips the inputs whose outputs are all there (resumable).";

#[derive(Args)]
#[command(group = clap::ArgGroup::new("source").required(true).args(["data", "input"]))]
pub struct ExportArgs {
    /// Greatest-Hits-layout dataset folder: exports the videos of its split lists.
    #[arg(long, value_name = "DIR")]
    data: Option<PathBuf>,
    /// With --data: only this split (default: every split listed).
    #[arg(long, value_enum, requires = "data")]
    split: Option<Split>,
    /// A folder of videos (searched recursively), or a text file of video paths, one per
    /// line (relative to the file's folder; `#` comments).
    #[arg(long, value_name = "DIR_OR_LIST")]
    input: Option<PathBuf>,
    /// Output folder: `<name>.wav` per input, names mirrored from the inputs, and
    /// manifest.json (manifest-K-of-N.json with --shard).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    #[command(flatten)]
    synth: super::synth_args::SynthArgs,
    /// Inputs processed at once. Default: the number of cores (libtorch then gets
    /// cores/jobs threads per input).
    #[arg(long, short = 'j')]
    jobs: Option<usize>,
    /// Process share K of N (1 <= K <= N), chosen by a stable hash of each input's relative
    /// name: N machines given 1/N … N/N split the inputs with no coordination.
    #[arg(long, value_name = "K/N")]
    shard: Option<Shard>,
    /// Also write a copy of each video with the predicted sound (video stream copied).
    #[arg(long)]
    mux: bool,
    /// Also write each predicted cochleagram as `<name>.npy` ([T, 42] float32 at 90 Hz).
    #[arg(long)]
    features: bool,
    /// Redo inputs whose outputs exist, and accept settings other than the folder's last run.
    #[arg(long)]
    force: bool,
    /// Only print the inputs (of this shard) and their output names, then exit.
    #[arg(long)]
    list: bool,
    /// Print the run's summary as JSON on stdout.
    #[arg(long)]
    json: bool,
}

pub fn run(a: ExportArgs, quiet: bool) -> Result<()> {
    let source = match (&a.data, &a.input) {
        (Some(dir), _) => Source::Data { dir: dir.clone(), split: a.split },
        (None, Some(p)) => Source::from_input(p),
        (None, None) => bail!("give --data DIR or --input DIR_OR_LIST"),
    };
    if let Some(root) = source.root() {
        if root.canonicalize().ok().is_some_and(|r| a.out.canonicalize().ok() == Some(r)) {
            bail!("{}: --out is the input folder itself; choose another folder so outputs and inputs do not mix", a.out.display());
        }
    }
    let inputs = export::discover(&source, Some(&a.out))?;
    if a.list {
        for i in export::select(inputs, a.shard) {
            println!("{}\t{}", i.path.display(), i.name);
        }
        return Ok(());
    }
    let jobs = a.jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    if jobs == 0 {
        bail!("--jobs must be at least 1");
    }
    let opts = a.synth.options()?;
    let model = a.synth.model_dir()?;
    let processor = Predict::new(&model, foley::model::select_device(&a.synth.device)?, opts, a.synth.format, jobs)?;
    let options = export::Options {
        out: a.out.clone(),
        want: Want { mux: a.mux, features: a.features },
        jobs,
        shard: a.shard,
        force: a.force,
        settings: processor.settings(),
    };
    let bar = super::progress_bar(0, quiet, "export");
    let summary = export::run(inputs, &options, &processor, &|p| {
        bar.set_length(p.total as u64);
        bar.set_position(p.done as u64);
        if p.failed > 0 {
            bar.set_message(format!("export ({} failed)", p.failed));
        }
    })?;
    bar.finish_and_clear();
    if a.json {
        println!(
            "{}",
            serde_json::json!({
                "manifest": summary.manifest, "inputs": summary.inputs, "ok": summary.ok,
                "failed": summary.failed, "skipped": summary.skipped, "jobs": jobs,
                "video_seconds": summary.video_seconds, "seconds": summary.seconds,
            })
        );
    }
    if summary.failed > 0 {
        bail!("{}", summary.line());
    }
    if !quiet {
        eprintln!("{}", summary.line());
    }
    Ok(())
}
