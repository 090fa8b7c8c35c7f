//! `foley eval`: the SPEC §7 evaluation of a model (and baselines) on a dataset split.
use anyhow::{bail, Context, Result};
use clap::Args;
use foley::dataset::{Dataset, Split};
use foley::eval::{self, ReportMeta, RunOptions, Systems};
use foley::predict::default_model_dir;
use foley::synth::{SynthMode, SynthOptions};
use foley::synth::Retrieval;
use std::path::PathBuf;

#[derive(Args, Debug)]
#[command(after_help = "Examples:\n  foley eval --data data/synth --out report\n  \
foley eval --data data/synth --split test --model runs/a/model --out report --synth parametric\n  \
foley eval --data data/synth --model models/default --baseline 'no LSTM=runs/nolstm/model' --baseline 'RGB only=runs/rgb/model' --out report --json\n\n\
Writes REPORT/metrics.json and REPORT/index.html (open it in a browser; tools/eval_screenshot checks it renders).")]
pub struct EvalArgs {
    /// Greatest-Hits-layout dataset folder (train split: material classifier; evaluated split: --split).
    #[arg(long)]
    pub data: PathBuf,
    /// Split to evaluate.
    #[arg(long, value_enum, default_value_t = Split::Test)]
    pub split: Split,
    /// Model directory (default: the bundled models/default).
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Report folder (created; files in it are replaced).
    #[arg(long)]
    pub out: PathBuf,
    /// How predicted cochleagrams become sound.
    #[arg(long, value_enum, default_value_t = SynthMode::Example)]
    pub synth: SynthMode,
    /// Another model directory to compare, as NAME=DIR (repeatable), e.g. "no LSTM=runs/nolstm/model".
    #[arg(long, value_name = "NAME=DIR")]
    pub baseline: Vec<String>,
    /// Leave out the random-example-retrieval baseline.
    #[arg(long)]
    pub no_random: bool,
    /// Example synthesis: how the model's hits get bank entries. With `material` (default)
    /// the report also has a row for plain `nearest` retrieval of the same prediction.
    #[arg(long, value_enum, default_value_t = Retrieval::default())]
    pub retrieval: Retrieval,
    /// Score only the real recorded sound (no model): what the onset detector and the material
    /// classifier reach on real sounds, the upper bound of every other row.
    #[arg(long, conflicts_with_all = ["model", "baseline"])]
    pub real_only: bool,
    /// Evaluate only the first N clips of the split.
    #[arg(long)]
    pub limit: Option<usize>,
    /// Where to compute: auto (CUDA when available, else CPU), cpu, cuda or cuda:N.
    #[arg(long, default_value = "auto")]
    pub device: String,
    /// Seed of the synthesis (noise, random retrieval).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Hit detection in the predicted cochleagram, as `foley predict --threshold`.
    #[arg(long, default_value_t = foley::synth::HitParams::default().threshold)]
    pub threshold: f32,
    #[command(flatten)]
    pub read_out: super::synth_args::ReadOutHits,
    /// Example synthesis: leave the non-hit background silent, as `foley predict --no-background`.
    #[arg(long)]
    pub no_background: bool,
    /// Example synthesis: as `foley predict --dynamics`.
    #[arg(long, default_value_t = foley::synth::ExampleParams::default().dynamics)]
    pub dynamics: f32,
    /// Print the metrics of every system as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

pub fn run(a: EvalArgs, quiet: bool) -> Result<()> {
    let data = Dataset::open(&a.data)?;
    let train = eval::source_clips(&data, Split::Train);
    let mut test = eval::source_clips(&data, a.split);
    if let Some(n) = a.limit {
        test.truncate(n);
    }
    if test.is_empty() {
        bail!("{}: the {} split has no clips", a.data.display(), a.split);
    }
    let mut systems: Vec<Box<dyn Systems>> = Vec::new();
    let model_dir = match (&a.model, a.real_only) {
        (_, true) => None,
        (Some(d), _) => Some(d.clone()),
        (None, _) => Some(default_model_dir()?),
    };
    let mut settings = None;
    if let Some(dir) = &model_dir {
        let device = foley::model::select_device(&a.device)?;
        if !(a.threshold >= 0.0) {
            bail!("--threshold {}: must be at least 0", a.threshold);
        }
        super::synth_args::check_dynamics(a.dynamics)?;
        let opts = SynthOptions {
            mode: a.synth,
            retrieval: a.retrieval,
            seed: a.seed,
            hits: foley::synth::HitParams { threshold: a.threshold, read_out: a.read_out.value()?, ..Default::default() },
            background: !a.no_background,
            dynamics: a.dynamics,
            ..Default::default()
        };
        settings = Some(opts.clone());
        let name = format!("model ({})", dir.display());
        let mut extra = Vec::new();
        if a.synth == SynthMode::Example && a.retrieval == Retrieval::Material {
            extra.push(Retrieval::Nearest);
        }
        if !a.no_random {
            extra.push(Retrieval::Random);
        }
        systems.push(Box::new(eval::systems::ModelSystem::load(&name, dir, device, opts.clone(), extra)?));
        for b in &a.baseline {
            let (name, dir) = b.split_once('=').with_context(|| format!("--baseline {b:?}: expected NAME=DIR"))?;
            systems.push(Box::new(eval::systems::ModelSystem::load(name, std::path::Path::new(dir), device, opts.clone(), Vec::new())?));
        }
    }
    let meta = ReportMeta {
        foley_version: env!("CARGO_PKG_VERSION").to_string(),
        data: a.data.display().to_string(),
        split: a.split.to_string(),
        model: model_dir.map_or("none (real sound only)".into(), |d| d.display().to_string()),
        synth: format!("{:?}", a.synth).to_lowercase(),
        material_classes: Vec::new(),
        material_train_hits: 0,
        seconds: 0.0,
        settings,
    };
    let results = eval::evaluate(&train, &test, &mut systems, RunOptions { out: &a.out, meta, quiet })?;
    if a.json {
        let v: Vec<_> = results.iter().map(|r| &r.metrics).collect();
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        print!("{}", eval::text_table(&results));
        if !quiet {
            eprintln!("wrote {} and {}", a.out.join("metrics.json").display(), a.out.join("index.html").display());
        }
    }
    Ok(())
}
