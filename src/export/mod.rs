//! Batch export (SPEC §8, `foley export`): predicted sound for a whole collection.
//!
//! The batch logic here knows nothing about models: it finds the inputs (a Greatest-Hits
//! folder and split, a folder of videos, or a list file), gives each a mirrored output name,
//! keeps this machine's share (`--shard K/N`, by a stable FNV-1a hash of the relative name),
//! skips inputs whose outputs are all there (every output is written under a temporary name
//! and renamed when whole, so a final name always means a complete file), runs a
//! [`Processor`] on the rest in parallel (rayon, `jobs` threads), records one line per input
//! in a manifest, and never lets one bad input (an error or even a panic) stop the others.
//! [`predictor`] plugs in the real prediction.
use crate::error::{Error, Result};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[cfg(feature = "video")]
pub mod predictor;

pub mod discover;
pub use discover::{discover, is_video_name, slash_name, Input, Source, VIDEO_EXTENSIONS};

/// Manifest format version (bumped when records change meaning).
pub const MANIFEST_VERSION: u32 = 1;

/// How often (at most) the manifest is rewritten while the batch runs, so that a killed run
/// still leaves a recent record of what it did.
const MANIFEST_EVERY: Duration = Duration::from_secs(5);

/// `--shard K/N`: share `k` (1-based) of `n`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    pub k: usize,
    pub n: usize,
}

impl Shard {
    /// Whether the input named `rel` belongs to this share.
    pub fn contains(&self, rel: &str) -> bool {
        (crate::stats::fnv1a(rel.as_bytes()) % self.n as u64) as usize == self.k - 1
    }
}

impl std::str::FromStr for Shard {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Shard, String> {
        let err = || format!("'{s}': expected K/N with 1 <= K <= N, e.g. 3/8");
        let (k, n) = s.split_once('/').ok_or_else(err)?;
        let (k, n): (usize, usize) = (k.trim().parse().map_err(|_| err())?, n.trim().parse().map_err(|_| err())?);
        if n == 0 || k == 0 || k > n {
            return Err(err());
        }
        Ok(Shard { k, n })
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.k, self.n)
    }
}

/// Which outputs each input gets besides the WAV.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Want {
    /// A copy of the video with the predicted track (`<name>.<ext>`, `.mp4` for inputs that
    /// are not `.mp4`/`.mov`/`.mkv`).
    pub mux: bool,
    /// The predicted cochleagram (`<name>.npy`).
    pub features: bool,
}

/// Output paths of one input; `None` = not wanted (or, given to a [`Processor`], already done).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Outputs {
    pub wav: Option<PathBuf>,
    pub video: Option<PathBuf>,
    pub features: Option<PathBuf>,
}

impl Outputs {
    /// Every output of `input` under `out`.
    pub fn of(input: &Input, out: &Path, want: Want) -> Outputs {
        let base = out.join(&input.name);
        let with = |ext: &str| {
            let mut s = base.clone().into_os_string();
            s.push(".");
            s.push(ext);
            PathBuf::from(s)
        };
        let ext = input.path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
        let video_ext = match ext.as_deref() {
            Some(e @ ("mp4" | "mov" | "mkv")) => e.to_string(),
            _ => "mp4".into(),
        };
        Outputs {
            wav: Some(with("wav")),
            video: want.mux.then(|| with(&video_ext)),
            features: want.features.then(|| with("npy")),
        }
    }

    pub fn paths(&self) -> impl Iterator<Item = &PathBuf> {
        [&self.wav, &self.video, &self.features].into_iter().flatten()
    }

    /// Only the outputs that do not exist yet.
    pub fn missing(&self) -> Outputs {
        let keep = |p: &Option<PathBuf>| p.clone().filter(|p| !p.exists());
        Outputs { wav: keep(&self.wav), video: keep(&self.video), features: keep(&self.features) }
    }

    pub fn is_empty(&self) -> bool {
        self.paths().next().is_none()
    }
}

/// What turns one input into its outputs.
pub trait Processor: Sync {
    /// Write every output named in `todo` for the video `input`, each one atomically
    /// ([`crate::util::write_atomic`]). Returns the input's duration in seconds.
    fn process(&self, input: &Path, todo: &Outputs) -> Result<f64>;
}

impl<F: Fn(&Path, &Outputs) -> Result<f64> + Sync> Processor for F {
    fn process(&self, input: &Path, todo: &Outputs) -> Result<f64> {
        self(input, todo)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    Failed,
}

/// One input's line of the manifest.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// The input path as opened.
    pub input: PathBuf,
    /// Its relative name (what `--shard` hashes).
    pub rel: String,
    pub status: Status,
    /// Why it failed (one line, naming the file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Seconds of video (`null` when unknown, e.g. unreadable input).
    pub duration: Option<f64>,
    /// Outputs present, relative to the output folder.
    pub outputs: Vec<String>,
    /// Wall-clock seconds spent on this input (for a skipped input: by the run that made it).
    pub seconds: f64,
    /// True when every output was already there and nothing was done in this run.
    #[serde(default)]
    pub skipped: bool,
}

/// `manifest.json` (or `manifest-K-of-N.json` for a shard).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub version: u32,
    /// Everything that changes the content of the outputs (model, synthesis options...).
    pub settings: serde_json::Value,
    pub shard: Option<String>,
    /// Inputs of this shard, and how they ended (so far, while running).
    pub inputs: usize,
    pub ok: usize,
    pub failed: usize,
    pub skipped: usize,
    /// Wall-clock seconds of the run.
    pub seconds: f64,
    /// Whether the run finished (false in a manifest written while it was running).
    pub complete: bool,
    pub records: Vec<Record>,
}

/// Manifest file name of a run.
pub fn manifest_name(shard: Option<Shard>) -> String {
    match shard {
        Some(s) => format!("manifest-{}-of-{}.json", s.k, s.n),
        None => "manifest.json".into(),
    }
}

/// Options of [`run`].
#[derive(Clone, Debug)]
pub struct Options {
    pub out: PathBuf,
    pub want: Want,
    /// Inputs processed at once (≥ 1).
    pub jobs: usize,
    pub shard: Option<Shard>,
    /// Redo inputs whose outputs exist, and accept settings different from the last run's.
    pub force: bool,
    /// Recorded in the manifest; a rerun with different settings is refused unless `force`.
    pub settings: serde_json::Value,
}

/// Progress of a batch, given after each input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    pub done: usize,
    pub total: usize,
    pub failed: usize,
}

/// How a batch ended.
#[derive(Clone, Debug)]
pub struct Summary {
    pub manifest: PathBuf,
    pub inputs: usize,
    pub ok: usize,
    pub failed: usize,
    pub skipped: usize,
    /// Seconds of video processed (not counting skipped inputs) and wall-clock seconds.
    pub video_seconds: f64,
    pub seconds: f64,
    /// The first failure: input and cause.
    pub first_failure: Option<(PathBuf, String)>,
}

impl Summary {
    /// One line: counts, and where the details are.
    pub fn line(&self) -> String {
        let mut s = format!(
            "{} of {} inputs ok ({} already done), {} failed, {:.1} s",
            self.ok, self.inputs, self.skipped, self.failed, self.seconds
        );
        if let Some((p, e)) = &self.first_failure {
            s.push_str(&format!("; first failure: {}: {e}", p.display()));
        }
        s.push_str(&format!("; manifest: {}", self.manifest.display()));
        s
    }
}

/// The inputs of `shard` (all when `None`), in order.
pub fn select(inputs: Vec<Input>, shard: Option<Shard>) -> Vec<Input> {
    match shard {
        Some(s) => inputs.into_iter().filter(|i| s.contains(&i.rel)).collect(),
        None => inputs,
    }
}

fn read_manifest(path: &Path) -> Option<Manifest> {
    let text = std::fs::read_to_string(path).ok()?;
    serde_json::from_str(&text).ok()
}

fn write_manifest(path: &Path, m: &Manifest) -> Result<()> {
    let text = serde_json::to_string_pretty(m).map_err(|e| Error::bad(path, format!("cannot encode manifest: {e}")))?;
    crate::util::write_atomic(path, |tmp| std::fs::write(tmp, text.as_bytes()).map_err(|e| Error::io(tmp, e)))
}

/// Remove temporary files a killed run left beside `path` (`.<name>.…`, see
/// [`crate::util::temp_path`]). Only this input's own names are touched, so shards running at
/// the same time in the same folder do not disturb each other.
fn remove_stale_temps(path: &Path) {
    let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else { return };
    let prefix = format!(".{}.", name.to_string_lossy());
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        if e.file_name().to_string_lossy().starts_with(&prefix) {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into())
}

/// An output of `input` that is the input itself (`--mux` into the input folder).
fn clash(input: &Input, expected: &Outputs) -> Option<Error> {
    let a = input.path.canonicalize().ok()?;
    let p = expected.paths().find(|p| p.canonicalize().ok().as_ref() == Some(&a))?;
    Some(Error::bad(p, "output would overwrite its input: choose another --out"))
}

/// Process one input: its missing outputs, timing and outcome.
fn process_one(input: &Input, expected: &Outputs, opts: &Options, processor: &dyn Processor) -> Record {
    let t = Instant::now();
    let todo = if opts.force { expected.clone() } else { expected.missing() };
    let result = (|| -> Result<f64> {
        if let Some(e) = clash(input, expected) {
            return Err(e);
        }
        for p in todo.paths() {
            remove_stale_temps(p);
            if let Some(dir) = p.parent() {
                std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
            }
        }
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| processor.process(&input.path, &todo)));
        let duration = r.map_err(|p| Error::bad(&input.path, format!("internal error: {}", panic_message(&*p))))??;
        if let Some(p) = todo.paths().find(|p| !p.exists()) {
            return Err(Error::bad(p, "the processor reported success but did not write this output"));
        }
        Ok(duration)
    })();
    let outputs = present(expected, &opts.out);
    let seconds = t.elapsed().as_secs_f64();
    match result {
        Ok(d) => Record { input: input.path.clone(), rel: input.rel.clone(), status: Status::Ok, error: None, duration: Some(d), outputs, seconds, skipped: false },
        Err(e) => Record {
            input: input.path.clone(),
            rel: input.rel.clone(),
            status: Status::Failed,
            error: Some(format!("{e}").replace('\n', " ")),
            duration: None,
            outputs,
            seconds,
            skipped: false,
        },
    }
}

/// The outputs of `expected` that exist, relative to `out`.
fn present(expected: &Outputs, out: &Path) -> Vec<String> {
    expected
        .paths()
        .filter(|p| p.exists())
        .map(|p| p.strip_prefix(out).map(slash_name).unwrap_or_else(|_| p.display().to_string()))
        .collect()
}

/// Run a batch: `inputs` (all of them, before sharding) through `processor` into
/// `opts.out`. Errors only for what concerns the whole batch (output folder, settings
/// mismatch, thread pool); each input's failure is recorded in the manifest and counted in
/// the [`Summary`].
pub fn run(
    inputs: Vec<Input>,
    opts: &Options,
    processor: &dyn Processor,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Summary> {
    let t0 = Instant::now();
    if opts.jobs == 0 {
        return Err(Error::Param("--jobs must be at least 1".into()));
    }
    std::fs::create_dir_all(&opts.out).map_err(|e| Error::io(&opts.out, e))?;
    let manifest_path = opts.out.join(manifest_name(opts.shard));
    let previous = read_manifest(&manifest_path);
    // Compared as read back from JSON (serde_json's float parsing is not exact, so a value
    // compared before writing could differ from the same value read back).
    let settings: serde_json::Value = serde_json::from_str(&opts.settings.to_string()).unwrap_or_else(|_| opts.settings.clone());
    if let Some(prev) = &previous {
        if prev.settings != settings && !opts.force {
            return Err(Error::bad(
                &manifest_path,
                format!(
                    "the outputs in this folder were made with other settings ({}; now {}): use another --out, or --force to redo them",
                    prev.settings, settings
                ),
            ));
        }
    }
    let prev_records: HashMap<&str, &Record> = previous
        .iter()
        .flat_map(|m| &m.records)
        .filter(|r| r.status == Status::Ok)
        .map(|r| (r.rel.as_str(), r))
        .collect();

    let inputs = select(inputs, opts.shard);
    let total = inputs.len();
    let expected: Vec<Outputs> = inputs.iter().map(|i| Outputs::of(i, &opts.out, opts.want)).collect();
    // Records: skipped inputs now, the others as they finish.
    let mut records: Vec<Option<Record>> = vec![None; total];
    let mut todo = Vec::new();
    for (k, (input, exp)) in inputs.iter().zip(&expected).enumerate() {
        if !opts.force && exp.missing().is_empty() && clash(input, exp).is_none() {
            let prev = prev_records.get(input.rel.as_str());
            records[k] = Some(Record {
                input: input.path.clone(),
                rel: input.rel.clone(),
                status: Status::Ok,
                error: None,
                duration: prev.and_then(|r| r.duration),
                outputs: present(exp, &opts.out),
                seconds: prev.map_or(0.0, |r| r.seconds),
                skipped: true,
            });
        } else {
            todo.push(k);
        }
    }
    let skipped = total - todo.len();
    let manifest = |records: &[Option<Record>], complete: bool| {
        let done: Vec<Record> = records.iter().flatten().cloned().collect();
        let ok = done.iter().filter(|r| r.status == Status::Ok).count();
        Manifest {
            version: MANIFEST_VERSION,
            settings: settings.clone(),
            shard: opts.shard.map(|s| s.to_string()),
            inputs: total,
            ok,
            failed: done.len() - ok,
            skipped,
            seconds: t0.elapsed().as_secs_f64(),
            complete,
            records: done,
        }
    };
    // Settings are on disk before any output is.
    write_manifest(&manifest_path, &manifest(&records, false))?;

    struct State {
        records: Vec<Option<Record>>,
        done: usize,
        failed: usize,
        last_write: Instant,
    }
    let state = Mutex::new(State { records, done: skipped, failed: 0, last_write: Instant::now() });
    progress(Progress { done: skipped, total, failed: 0 });
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.jobs)
        .thread_name(|i| format!("export-{i}"))
        .build()
        .map_err(|e| Error::Param(format!("cannot start {} worker threads: {e}", opts.jobs)))?;
    pool.install(|| {
        todo.par_iter().with_max_len(1).for_each(|&k| {
            let rec = process_one(&inputs[k], &expected[k], opts, processor);
            let mut s = state.lock().unwrap_or_else(|p| p.into_inner());
            s.done += 1;
            s.failed += (rec.status == Status::Failed) as usize;
            s.records[k] = Some(rec);
            progress(Progress { done: s.done, total, failed: s.failed });
            if s.last_write.elapsed() >= MANIFEST_EVERY {
                // Best effort: the final write below reports errors.
                let _ = write_manifest(&manifest_path, &manifest(&s.records, false));
                s.last_write = Instant::now();
            }
        })
    });
    let s = state.into_inner().unwrap_or_else(|p| p.into_inner());
    let m = manifest(&s.records, true);
    write_manifest(&manifest_path, &m)?;
    let first_failure = m
        .records
        .iter()
        .find(|r| r.status == Status::Failed)
        .map(|r| (r.input.clone(), r.error.clone().unwrap_or_default()));
    let video_seconds = m.records.iter().filter(|r| !r.skipped).filter_map(|r| r.duration).sum();
    Ok(Summary {
        manifest: manifest_path,
        inputs: total,
        ok: m.ok,
        failed: m.failed,
        skipped,
        video_seconds,
        seconds: t0.elapsed().as_secs_f64(),
        first_failure,
    })
}

#[cfg(test)]
mod tests;
