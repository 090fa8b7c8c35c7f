//! `foley train`: build/load the preprocessing cache, then train (library: `foley::train`).
use anyhow::{bail, Context, Result};
use clap::Args;
use foley::cochleagram::Params;
use foley::train::cache::{self, CachedClip};
use foley::dataset::{Dataset, Split};
use foley::train::{self, TrainConfig, TrainData, TrainOptions};
use std::path::{Path, PathBuf};

#[derive(Args, Debug)]
#[command(after_help = "Examples:
  foley dataset synth --out data/synth --videos 48 --seconds 10 --seed 1
  foley train --data data/synth --out runs/synth --minutes 30
  foley train --data data/synth --out runs/synth --minutes 30 --resume
  foley train --data /data/greatest-hits --out runs/gh --config big.toml --device cuda --epochs 40
  foley train --synth-videos 40 --out runs/nofmpeg --epochs 5   (renders in memory, no FFmpeg)

The run folder becomes a model directory (model.safetensors, config.json, card.md: the best
checkpoint on validation) plus checkpoint.safetensors, metrics.jsonl and loss.png.
Without --minutes, --epochs or --max-steps a run trains for 30 minutes; it validates every
2 minutes of training (val_minutes, or val_every = N steps) and at the end, and keeps the best.
A config file sets any field of the training config, the architecture under [model] and the
losses under [loss], e.g.
  epochs = 30
  lr = 0.002
  [model]
  width = 128
  height = 96
  [loss]
  material = 1.0")]
pub struct TrainArgs {
    /// Greatest-Hits-layout dataset folder (trains on train.txt, validates on val.txt or on a
    /// deterministic share of train.txt).
    #[arg(long, required_unless_present_any = ["synth_videos", "print_config"])]
    data: Option<PathBuf>,
    /// Run folder: checkpoints, metrics, loss curve and the resulting model directory.
    #[arg(long, required_unless_present = "print_config")]
    out: Option<PathBuf>,
    /// Training config (TOML); see the example above. Defaults are documented in the README.
    #[arg(long)]
    config: Option<PathBuf>,
    /// auto, cpu, cuda or cuda:N.
    #[arg(long, default_value = "auto")]
    device: String,
    /// Continue the run in --out exactly where its last checkpoint left it.
    #[arg(long)]
    resume: bool,
    /// Fine-tune: start a new run from this model directory's weights (and its input and
    /// target normalisation) with a fresh optimiser and schedule. Its architecture must equal
    /// the run's [model], except that it may lack the run's hit/scratch read-out
    /// (readouts.action), which then starts fresh (with train_only = ["action"] the rest
    /// stays frozen); the loss weights are the run's [loss].
    #[arg(long, value_name = "MODEL_DIR", conflicts_with = "resume")]
    init: Option<PathBuf>,
    /// Training-time budget in minutes (all resumed runs together); the learning-rate
    /// schedule is planned to end at it. Default 30 when neither --epochs (or `epochs` in the
    /// config) nor --max-steps is given; given with an epoch limit, the first reached ends the
    /// run (stderr and the model card say which).
    #[arg(long)]
    minutes: Option<f64>,
    /// Epoch limit (overrides the config's `epochs`; default none: the time budget governs).
    #[arg(long)]
    epochs: Option<usize>,
    /// Cache folder (default: <data>/.foley-cache).
    #[arg(long)]
    cache: Option<PathBuf>,
    /// CPU threads for libtorch (default: all cores).
    #[arg(long)]
    threads: Option<i32>,
    /// Train on this many synthetic videos rendered in memory (no FFmpeg) instead of --data.
    #[arg(long, conflicts_with = "data")]
    synth_videos: Option<usize>,
    /// Seconds per synthetic video (with --synth-videos).
    #[arg(long, default_value_t = 10.0)]
    synth_seconds: f64,
    /// With `backbone = "resnet18"`: start both streams from this ResNet-18 weight file
    /// (safetensors, torchvision names). Overrides the config's `init_backbone`.
    #[arg(long, value_name = "FILE")]
    pub init_backbone: Option<PathBuf>,
    /// Do not build the example bank (`bank.safetensors`, from the --data train split) into
    /// the model directory after training.
    #[arg(long)]
    pub no_bank: bool,
    /// Print the summary as JSON on stdout.
    #[arg(long)]
    json: bool,
    /// Only build (or refresh) the preprocessing cache of --data, then stop.
    #[arg(long)]
    cache_only: bool,
    /// Do not train: score the model directory --out on the validation clips (JSON on stdout).
    #[arg(long)]
    validate_only: bool,
    /// Print the effective training config (defaults + --config + --epochs) as JSON and stop.
    #[arg(long)]
    print_config: bool,
    /// Stop after this many training steps (of this invocation).
    #[arg(long)]
    max_steps: Option<usize>,
    /// Write every step's windows, learning rate and loss to FILE (JSON lines), and the weights
    /// before the first step beside it (trace.jsonl → trace.init.safetensors): what
    /// `tools/replay_check` replays in PyTorch to check that both compute the same training step.
    #[arg(long, value_name = "FILE")]
    trace: Option<PathBuf>,
}

pub fn run(a: TrainArgs, quiet: bool) -> Result<()> {
    let mut cfg = match &a.config {
        Some(p) => TrainConfig::from_toml_file(p)?,
        None => TrainConfig::default(),
    };
    if let Some(e) = a.epochs {
        cfg.epochs = Some(e);
    }
    if let Some(f) = &a.init_backbone {
        cfg.init_backbone = Some(f.clone());
    }
    cfg.validate()?;
    if a.print_config {
        println!("{}", serde_json::to_string_pretty(&cfg)?);
        return Ok(());
    }
    let Some(out) = a.out.clone() else { bail!("give --out RUN") };
    if let Some(t) = a.threads {
        if t < 1 {
            bail!("--threads {t}: must be at least 1");
        }
        tch::set_num_threads(t);
    }
    if let Some(m) = a.minutes {
        if !(m > 0.0 && m.is_finite()) {
            bail!("--minutes {m}: must be positive");
        }
    }
    let device = foley::model::select_device(&a.device)?;
    let features = Params::default();
    if a.validate_only {
        let model = foley::model::Model::load(&out, device)?;
        cfg.model = model.config().clone();
    }
    let data = match (&a.data, a.synth_videos) {
        (Some(dir), _) => load_dataset(dir, a.cache.as_deref(), &cfg, &features, quiet)?,
        (None, Some(n)) => synth_data(n, a.synth_seconds, &cfg, &features, quiet)?,
        (None, None) => bail!("give --data DIR or --synth-videos N"),
    };
    if a.cache_only {
        if !quiet {
            eprintln!("cache ready: {} training and {} validation clips", data.train.len(), data.val.len());
        }
        return Ok(());
    }
    if a.validate_only {
        let model = foley::model::Model::load(&out, device)?;
        let v = train::validate(&model, &data.val, cfg.loss.eps)?;
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(());
    }
    if !quiet {
        eprintln!(
            "training on {} clips, validating on {} ({}), device {:?}",
            data.train.len(),
            data.val.len(),
            data.source,
            device
        );
    }
    let opts = TrainOptions {
        run: out.clone(),
        device,
        resume: a.resume,
        minutes: a.minutes,
        max_steps: a.max_steps,
        quiet,
        trace: a.trace.clone(),
        init: a.init.clone(),
    };
    let s = train::train(&data, &cfg, &opts)?;
    if let (Some(dir), false) = (&a.data, a.no_bank) {
        // The run folder is a model directory: give it the sound bank example synthesis needs.
        // Training is done, so a clip whose audio cannot be read only costs the bank.
        if let Err(e) = write_bank(dir, &out, quiet) {
            eprintln!("warning: no example bank written ({e:#}); build one with `foley bank build --data {} -o {}`",
                dir.display(), out.join(foley::synth::bank::BANK_FILE).display());
        }
    }
    if a.json {
        let v = serde_json::json!({
            "steps": s.steps, "elapsed_s": s.elapsed_s, "steps_per_s": s.steps_per_s,
            "data_wait_share": s.data_wait_share, "final_train_loss": s.final_train_loss,
            "best_val": s.best_val, "stopped_early": s.stopped_early, "stopped_by": s.stopped_by.to_string(),
            "kept_step": s.kept_step, "model": out,
        });
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else if !quiet {
        eprintln!(
            "trained {} steps in {:.1} min ({:.2} steps/s, {:.0}% waiting for data); {}; model directory holds step {}",
            s.steps,
            s.elapsed_s / 60.0,
            s.steps_per_s,
            100.0 * s.data_wait_share,
            s.stopped_by,
            s.kept_step.map_or("none".to_string(), |k| k.to_string())
        );
        if let Some(v) = &s.best_val {
            eprintln!(
                "best validation: loss {:.3} (predict-the-mean {:.3}), onset AP {:.3}, precision {:.3}, recall {:.3}",
                v.loss, v.mean_baseline_loss, v.onset_ap, v.onset_precision, v.onset_recall
            );
        }
        eprintln!("model directory: {}", out.display());
    }
    Ok(())
}

/// Build the example bank of the train split of `data` into the model directory `out` and
/// say so in its card.
fn write_bank(data: &Path, out: &Path, quiet: bool) -> Result<()> {
    let params = foley::synth::BankParams::default();
    let path = out.join(foley::synth::bank::BANK_FILE);
    let bank = super::bank::build_and_save(&Dataset::open(data)?, Split::Train, &params, &path, quiet)?;
    let card = out.join("card.md");
    let mut text = std::fs::read_to_string(&card).unwrap_or_default();
    text.push_str(&format!(
        "\n## Example bank\n\n`{}`: {} hits of the training clips (round-robin over materials and actions), \
         {:.2} s snippets at {} Hz (`foley bank build --data {} --max-entries {}`).\n",
        foley::synth::bank::BANK_FILE, bank.len(), params.post_seconds, params.rate, data.display(), params.max_entries
    ));
    foley::util::write_atomic(&card, |tmp| std::fs::write(tmp, &text).map_err(|e| foley::error::Error::io(tmp, e)))?;
    if !quiet {
        eprintln!("example bank: {} ({} entries)", path.display(), bank.len());
    }
    Ok(())
}

fn load_dataset(dir: &Path, cache_dir: Option<&Path>, cfg: &TrainConfig, features: &Params, quiet: bool) -> Result<TrainData> {
    let ds = Dataset::open(dir)?;
    let cache_dir = cache_dir.map(Path::to_path_buf).unwrap_or_else(|| dir.join(".foley-cache"));
    let wanted: Vec<&foley::dataset::Clip> = ds.clips(Split::Train).chain(ds.clips(Split::Val)).collect();
    if ds.clips(Split::Train).next().is_none() {
        bail!("{}: no clips in train.txt", dir.display());
    }
    let (clips, problems) = build_cache(&wanted, cfg, features, &cache_dir, quiet)?;
    for p in &problems {
        eprintln!("warning: {p}");
    }
    let val_ids: std::collections::HashSet<&str> = ds.clips(Split::Val).map(|c| c.id.as_str()).collect();
    let source = format!("{} ({} clips{})", dir.display(), clips.len(), if problems.is_empty() { String::new() } else { format!(", {} skipped", problems.len()) });
    let (val, train): (Vec<CachedClip>, Vec<CachedClip>) = clips.into_iter().partition(|c| val_ids.contains(c.id.as_str()));
    if train.is_empty() {
        bail!("{}: no usable training clip (all were skipped)", dir.display());
    }
    Ok(if val.is_empty() {
        TrainData::split_off_val(train, cfg.val_share, source)
    } else {
        TrainData { train, val, source }
    })
}

#[cfg(feature = "video")]
fn build_cache(
    clips: &[&foley::dataset::Clip],
    cfg: &TrainConfig,
    features: &Params,
    dir: &Path,
    quiet: bool,
) -> Result<(Vec<CachedClip>, Vec<String>)> {
    Ok(cache::load_or_build(clips, &cfg.model, features, dir, quiet)?)
}

/// Without FFmpeg: use cache files built elsewhere (copy `<data>/.foley-cache` along).
#[cfg(not(feature = "video"))]
fn build_cache(
    clips: &[&foley::dataset::Clip],
    cfg: &TrainConfig,
    _features: &Params,
    dir: &Path,
    _quiet: bool,
) -> Result<(Vec<CachedClip>, Vec<String>)> {
    let mut ok = Vec::new();
    let mut problems = Vec::new();
    for c in clips {
        let path = cache::path_for(dir, &c.id);
        match cache::read(&path, None) {
            Ok(Some(clip)) if clip.width == cfg.model.width && clip.height == cfg.model.height => ok.push(clip),
            Ok(_) => problems.push(format!(
                "skipping clip {}: {} is missing or for another input size; this foley was built without FFmpeg, build the cache with one that has it",
                c.id,
                path.display()
            )),
            Err(e) => problems.push(format!("skipping clip {}: {e}", c.id)),
        }
    }
    Ok((ok, problems))
}

fn synth_data(n: usize, seconds: f64, cfg: &TrainConfig, features: &Params, quiet: bool) -> Result<TrainData> {
    use foley::dataset::synth::{render_clip, synthetic_id, video_seed, SynthConfig};
    use rayon::prelude::*;
    if n < 2 {
        bail!("--synth-videos {n}: need at least 2 (one validates)");
    }
    let sc = SynthConfig { seconds, ..SynthConfig::default() };
    sc.validate()?;
    let bar = super::progress_bar(n as u64, quiet, "rendering synthetic clips");
    let clips: Vec<CachedClip> = (0..n)
        .into_par_iter()
        .map(|i| {
            let clip = render_clip(video_seed(cfg.seed, i as u64), &sc);
            let c = cache::from_synth(&synthetic_id(i), &clip, &cfg.model, features);
            bar.inc(1);
            c
        })
        .collect::<foley::Result<_>>()
        .context("rendering synthetic clips")?;
    bar.finish_and_clear();
    Ok(TrainData::split_off_val(clips, cfg.val_share, format!("{n} synthetic videos of {seconds} s rendered in memory (seed {})", cfg.seed)))
}
