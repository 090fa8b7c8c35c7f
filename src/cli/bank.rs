//! `foley bank build`: a sound bank for example-based synthesis from a dataset.
use anyhow::Result;
use clap::{Args, Subcommand};
use foley::{dataset::bank as from_data, synth::BankParams};
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum BankCommand {
    /// Build a sound bank from the annotated hits of a Greatest-Hits-layout dataset.
    #[command(after_help = "Examples:\n  foley bank build --data data/synth -o runs/r1/bank.safetensors\n  \
        foley bank build --data gh --split train --max-entries 800 -o bank.safetensors\n  \
        foley bank build --data data/synth --typical-only -o models/mine/bank.safetensors")]
    Build(BuildArgs),
}

#[derive(Args)]
pub struct BuildArgs {
    /// Dataset folder (Greatest Hits layout: <id>_denoised.wav, <id>_times.txt, train.txt…).
    #[arg(long)]
    data: PathBuf,
    /// Output bank file (`bank.safetensors` inside a model directory is what `foley predict` uses).
    #[arg(short, long)]
    output: PathBuf,
    /// Split whose clips go into the bank.
    #[arg(long, default_value = "train", value_parser = ["train", "val", "test"])]
    split: String,
    /// Most entries kept (chosen round-robin over material/action labels).
    #[arg(long, default_value_t = BankParams::default().max_entries)]
    max_entries: usize,
    /// Sample rate of the stored snippets (Hz).
    #[arg(long, default_value_t = BankParams::default().rate)]
    rate: u32,
    /// Seconds of audio kept from each onset on.
    #[arg(long, default_value_t = BankParams::default().post_seconds)]
    seconds: f64,
    /// Seed of the choice of entries.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Keep only entries that sound like their material: a material classifier (SPEC §7's
    /// design) fitted on half of the clips must name them right (two folds by clip).
    #[arg(long)]
    typical_only: bool,
    /// Print a JSON summary on stdout.
    #[arg(long)]
    json: bool,
}

pub fn run(cmd: BankCommand, quiet: bool) -> Result<()> {
    match cmd {
        BankCommand::Build(a) => build(a, quiet),
    }
}

/// Build the bank of `split` of `ds` (progress bar on stderr) and save it to `output`.
pub fn build_and_save(ds: &foley::dataset::Dataset, split: foley::dataset::Split, params: &BankParams, output: &std::path::Path, quiet: bool) -> Result<foley::synth::Bank> {
    let pb = super::progress_bar(ds.clips(split).count() as u64, quiet, "example bank");
    let bank = from_data::build_from_dataset(ds, split, params, &|done, _| pb.set_position(done))?;
    pb.finish_and_clear();
    bank.save(output)?;
    Ok(bank)
}

fn build(a: BuildArgs, quiet: bool) -> Result<()> {
    let ds = foley::dataset::Dataset::open(&a.data)?;
    let split = match a.split.as_str() {
        "train" => foley::dataset::Split::Train,
        "val" => foley::dataset::Split::Val,
        _ => foley::dataset::Split::Test,
    };
    let params = BankParams { max_entries: a.max_entries, rate: a.rate, post_seconds: a.seconds, seed: a.seed, typical_only: a.typical_only, ..Default::default() };
    let bank = build_and_save(&ds, split, &params, &a.output, quiet)?;
    let size = std::fs::metadata(&a.output).map(|m| m.len()).unwrap_or(0);
    let mut per_material = std::collections::BTreeMap::<String, usize>::new();
    for e in &bank.entries {
        *per_material.entry(e.material.map_or("None", |m| m.as_str()).to_string()).or_default() += 1;
    }
    if a.json {
        println!(
            "{}",
            serde_json::json!({"bank": a.output, "entries": bank.len(), "bytes": size, "materials": per_material})
        );
    } else if !quiet {
        eprintln!("wrote {} ({} entries, {:.1} MB)", a.output.display(), bank.len(), size as f64 / 1e6);
    }
    Ok(())
}
