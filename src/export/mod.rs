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
use crate::dataset::layout::{read_split_file, video_path, Split};
use crate::error::{Error, Result};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[cfg(feature = "video")]
pub mod predictor;

/// File extensions taken as videos when scanning a folder (compared case-insensitively).
pub const VIDEO_EXTENSIONS: &[&str] =
    &["mp4", "mov", "mkv", "m4v", "avi", "webm", "mpg", "mpeg", "wmv", "flv", "3gp", "ts", "mts", "ogv"];

/// Manifest format version (bumped when records change meaning).
pub const MANIFEST_VERSION: u32 = 1;

/// How often (at most) the manifest is rewritten while the batch runs, so that a killed run
/// still leaves a recent record of what it did.
const MANIFEST_EVERY: Duration = Duration::from_secs(5);

/// Where the inputs come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// A Greatest-Hits-layout folder: the videos `<id>_denoised.mp4` of the ids listed in
    /// the split files (`split`: one split; `None`: every split present).
    Data { dir: PathBuf, split: Option<Split> },
    /// Every video under a folder, recursively (hidden files and folders skipped).
    Folder(PathBuf),
    /// A text file of paths, one per line; relative paths are relative to the list's folder;
    /// blank lines and lines starting with `#` are ignored.
    List(PathBuf),
}

impl Source {
    /// `--input`: a folder, or else a list file.
    pub fn from_input(path: &Path) -> Source {
        if path.is_dir() {
            Source::Folder(path.to_path_buf())
        } else {
            Source::List(path.to_path_buf())
        }
    }

    /// The folder holding the inputs (not for a list).
    pub fn root(&self) -> Option<&Path> {
        match self {
            Source::Data { dir, .. } | Source::Folder(dir) => Some(dir),
            Source::List(_) => None,
        }
    }
}

/// One input of a batch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Input {
    /// Path opened.
    pub path: PathBuf,
    /// Name relative to the source, `/`-separated: what the shard hash is computed from.
    pub rel: String,
    /// Output name without extension, relative to the output folder (`rel` without its
    /// extension, or all of `rel` where two inputs would otherwise share a name).
    pub name: String,
}

/// Find the inputs of `source`, sorted by relative name, with their output names. Files
/// under `exclude` (the output folder, when it lies inside the input folder) are left out.
/// Missing or unreadable videos are still listed: they fail one by one during the batch.
pub fn discover(source: &Source, exclude: Option<&Path>) -> Result<Vec<Input>> {
    let mut found: Vec<(PathBuf, String)> = match source {
        Source::Data { dir, split } => discover_data(dir, *split)?,
        Source::Folder(dir) => {
            if !dir.is_dir() {
                return Err(Error::bad(dir, "not a folder"));
            }
            let exclude = exclude.and_then(|e| e.canonicalize().ok());
            let mut v = Vec::new();
            walk(dir, dir, exclude.as_deref(), &mut v)?;
            v
        }
        Source::List(file) => discover_list(file)?,
    };
    found.sort_by(|a, b| a.1.cmp(&b.1));
    found.dedup_by(|a, b| a.1 == b.1);
    Ok(assign_names(found))
}

fn discover_data(dir: &Path, split: Option<Split>) -> Result<Vec<(PathBuf, String)>> {
    if !dir.is_dir() {
        return Err(Error::bad(dir, "not a directory (expected a Greatest-Hits-layout dataset folder)"));
    }
    let splits = match split {
        Some(s) => vec![s],
        None => Split::ALL.to_vec(),
    };
    let mut v = Vec::new();
    let mut any = false;
    for s in splits {
        let list = dir.join(s.file_name());
        let Some(ids) = read_split_file(&list)? else {
            if split.is_some() {
                return Err(Error::bad(&list, format!("no such split list: --split {s} needs {}", s.file_name())));
            }
            continue;
        };
        any = true;
        for (_, id) in ids {
            let path = video_path(dir, &id);
            let rel = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or(id);
            v.push((path, rel));
        }
    }
    if !any {
        return Err(Error::bad(dir, "no train.txt, val.txt or test.txt split list (see datasets/README.md)"));
    }
    Ok(v)
}

/// Whether `path` has one of [`VIDEO_EXTENSIONS`].
pub fn is_video_name(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| VIDEO_EXTENSIONS.iter().any(|v| v.eq_ignore_ascii_case(e)))
}

fn walk(root: &Path, dir: &Path, exclude: Option<&Path>, out: &mut Vec<(PathBuf, String)>) -> Result<()> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let path = entry.path();
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let ft = entry.file_type().map_err(|e| Error::io(&path, e))?;
        if ft.is_dir() {
            if exclude.is_some_and(|x| path.canonicalize().ok().as_deref() == Some(x)) {
                continue;
            }
            walk(root, &path, exclude, out)?;
        } else if (ft.is_file() || (ft.is_symlink() && path.is_file())) && is_video_name(&path) {
            let rel = path.strip_prefix(root).map(slash_name).unwrap_or_else(|_| slash_name(&path));
            out.push((path, rel));
        }
    }
    Ok(())
}

fn discover_list(file: &Path) -> Result<Vec<(PathBuf, String)>> {
    const WANTED: &str = "--input takes a folder of videos or a text list of video paths, one per line";
    if is_video_name(file) {
        return Err(Error::bad(file, format!("{WANTED} (for one video: foley predict VIDEO -o OUT.wav)")));
    }
    let bytes = std::fs::read(file).map_err(|e| Error::io(file, e))?;
    let text = String::from_utf8(bytes).map_err(|_| Error::bad(file, format!("not text: {WANTED}")))?;
    let base = file.parent().unwrap_or(Path::new(""));
    let mut v = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let p = Path::new(line);
        let path = if p.is_absolute() { p.to_path_buf() } else { base.join(p) };
        v.push((path, slash_name(p)));
    }
    if v.is_empty() {
        return Err(Error::bad(file, "the list names no input (one video path per line)"));
    }
    Ok(v)
}

/// `path` as a relative `/`-separated name that stays inside the output folder: root and
/// `.` dropped, `..` written `__`.
pub fn slash_name(path: &Path) -> String {
    let parts: Vec<String> = path
        .components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            Component::ParentDir => Some("__".into()),
            _ => None,
        })
        .collect();
    parts.join("/")
}

/// Output names: `rel` without extension, unless two inputs share it (`a.mp4`, `a.mov`):
/// then those keep their whole `rel` (`a.mp4.wav`, `a.mov.wav`).
fn assign_names(found: Vec<(PathBuf, String)>) -> Vec<Input> {
    let stem = |rel: &str| match rel.rfind('.') {
        Some(i) if i > rel.rfind('/').map_or(0, |j| j + 1) => rel[..i].to_string(),
        _ => rel.to_string(),
    };
    let mut count: HashMap<String, usize> = HashMap::new();
    for (_, rel) in &found {
        *count.entry(stem(rel)).or_default() += 1;
    }
    found
        .into_iter()
        .map(|(path, rel)| {
            let s = stem(&rel);
            let name = if count[&s] > 1 { rel.clone() } else { s };
            Input { path, rel, name }
        })
        .collect()
}

/// 64-bit FNV-1a: a stable hash (same on every machine and run, unlike std's `RandomState`).
pub fn fnv1a(bytes: &[u8]) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    bytes.iter().fold(OFFSET, |h, &b| (h ^ b as u64).wrapping_mul(PRIME))
}

/// `--shard K/N`: share `k` (1-based) of `n`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    pub k: usize,
    pub n: usize,
}

impl Shard {
    /// Whether the input named `rel` belongs to this share.
    pub fn contains(&self, rel: &str) -> bool {
        (fnv1a(rel.as_bytes()) % self.n as u64) as usize == self.k - 1
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
