//! `foley dataset check`: validate a Greatest-Hits-layout folder and list every problem with
//! its file and line, plus counts per split, material, action and reaction.
use crate::labels::{parse_times, Action, LineError};
use super::layout::{audio_path, read_split_file, times_path, video_path, Split};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// How bad a problem is: errors make `check` fail, warnings are reported only.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

/// The kinds of problem `check` finds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProblemKind {
    /// No `train.txt` / `val.txt` / `test.txt`.
    NoSplitList,
    /// One of a clip's three files is absent.
    MissingFile,
    /// An id listed twice (in one list or in two).
    DuplicateId,
    /// Clip files present but the id is in no split list.
    Unlisted,
    /// A `_times.txt` line that is not `onset material action reaction`.
    Unparsable,
    /// A label outside the 17 materials / 2 actions / 6 reactions.
    UnknownLabel,
    /// An onset earlier than the line before it.
    Unsorted,
    /// An onset equal to the line before it.
    DuplicateTime,
    /// An onset at or after the end of the video or audio.
    BeyondDuration,
    /// A media file that cannot be opened or has no duration.
    UnreadableMedia,
    /// A file that cannot be read at all.
    Io,
}

/// One problem, located by file and (where it applies) 1-based line.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Problem {
    pub severity: Severity,
    pub kind: ProblemKind,
    pub file: PathBuf,
    pub line: Option<usize>,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        match self.line {
            Some(l) => write!(f, "{}:{l}: {sev}: {}", self.file.display(), self.message),
            None => write!(f, "{}: {sev}: {}", self.file.display(), self.message),
        }
    }
}

/// Counts of one split.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct SplitCounts {
    pub clips: usize,
    pub actions: usize,
    /// Seconds of audio (from the WAV headers that could be read).
    pub seconds: f64,
}

/// What `check` found.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct Report {
    pub root: PathBuf,
    pub splits: BTreeMap<String, SplitCounts>,
    /// Actions per material (`None` for unlabelled), over all splits.
    pub materials: BTreeMap<String, usize>,
    pub actions: BTreeMap<String, usize>,
    pub reactions: BTreeMap<String, usize>,
    pub problems: Vec<Problem>,
}

impl Report {
    pub fn errors(&self) -> usize {
        self.problems.iter().filter(|p| p.severity == Severity::Error).count()
    }
    pub fn warnings(&self) -> usize {
        self.problems.len() - self.errors()
    }
    pub fn is_ok(&self) -> bool {
        self.errors() == 0
    }

    fn problem(&mut self, severity: Severity, kind: ProblemKind, file: &Path, line: Option<usize>, message: impl Into<String>) {
        self.problems.push(Problem { severity, kind, file: file.to_path_buf(), line, message: message.into() });
    }

    /// Human-readable summary: counts, then one line per problem.
    pub fn to_text(&self) -> String {
        let mut s = format!("dataset {}\n", self.root.display());
        for (name, c) in &self.splits {
            s += &format!("  {name:<6} {:>5} clips {:>7} actions {:>9.1} s\n", c.clips, c.actions, c.seconds);
        }
        for (title, map) in [("materials", &self.materials), ("actions", &self.actions), ("reactions", &self.reactions)] {
            let items: Vec<String> = map.iter().map(|(k, v)| format!("{k} {v}")).collect();
            s += &format!("  {title}: {}\n", if items.is_empty() { "-".to_string() } else { items.join(", ") });
        }
        for p in &self.problems {
            s += &format!("{p}\n");
        }
        s += &format!("{} error(s), {} warning(s)\n", self.errors(), self.warnings());
        s
    }
}

/// Which of the three per-clip files a directory entry is, and its id.
fn classify(name: &str) -> Option<&str> {
    ["_denoised.mp4", "_denoised.wav", "_times.txt"].iter().find_map(|suf| name.strip_suffix(suf)).filter(|id| !id.is_empty())
}

/// Duration of a WAV file from its header.
fn wav_duration(path: &Path) -> std::result::Result<f64, String> {
    let r = hound::WavReader::open(path).map_err(|e| format!("not a readable WAV file ({e})"))?;
    let spec = r.spec();
    if spec.sample_rate == 0 {
        return Err("WAV header has sample rate 0".into());
    }
    Ok(r.duration() as f64 / spec.sample_rate as f64)
}

/// Duration of the video stream (from the container; packets counted if it does not say).
#[cfg(feature = "video")]
fn video_duration(path: &Path) -> std::result::Result<Option<f64>, String> {
    match crate::video::probe(path) {
        Ok(info) if info.duration > 0.0 => Ok(Some(info.duration)),
        Ok(_) => Err("the video reports no duration".into()),
        Err(e) => Err(match e {
            crate::Error::BadInput { msg, .. } => msg,
            other => other.to_string(),
        }),
    }
}

/// Without FFmpeg the video's duration is not checked (the audio's still is).
#[cfg(not(feature = "video"))]
fn video_duration(_path: &Path) -> std::result::Result<Option<f64>, String> {
    Ok(None)
}

/// Validate the dataset folder `dir`: every problem, including an unreadable `dir`, is a
/// [`Problem`] in the report.
pub fn check(dir: &Path) -> Report {
    check_progress(dir, &|_, _| {})
}

/// [`check`] calling `progress(done, total)` after each listed clip.
pub fn check_progress(dir: &Path, progress: &dyn Fn(usize, usize)) -> Report {
    let mut rep = Report { root: dir.to_path_buf(), ..Default::default() };
    let mut on_disk: BTreeSet<String> = BTreeSet::new();
    match std::fs::read_dir(dir) {
        Ok(entries) => {
            for e in entries.flatten() {
                if let Some(id) = classify(&e.file_name().to_string_lossy()) {
                    on_disk.insert(id.to_string());
                }
            }
        }
        Err(e) => {
            rep.problem(Severity::Error, ProblemKind::Io, dir, None, format!("cannot read the dataset folder ({e})"));
            return rep;
        }
    }

    // Split lists: which ids, in which split, listed where.
    let mut listed: BTreeMap<String, (Split, PathBuf, usize)> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    let mut any_list = false;
    for split in Split::ALL {
        let list = dir.join(split.file_name());
        let ids = match read_split_file(&list) {
            Ok(Some(ids)) => ids,
            Ok(None) => continue,
            Err(e) => {
                rep.problem(Severity::Error, ProblemKind::Io, &list, None, e.to_string());
                continue;
            }
        };
        any_list = true;
        rep.splits.entry(split.as_str().to_string()).or_default();
        for (line, id) in ids {
            if let Some((_, prev_file, prev_line)) = listed.get(&id) {
                let msg = format!("clip '{id}' already listed at {}:{prev_line}", prev_file.display());
                rep.problem(Severity::Error, ProblemKind::DuplicateId, &list, Some(line), msg);
                continue;
            }
            listed.insert(id.clone(), (split, list.clone(), line));
            order.push(id);
        }
    }
    if !any_list {
        rep.problem(Severity::Error, ProblemKind::NoSplitList, dir, None, "no train.txt, val.txt or test.txt split list");
    }
    for id in on_disk.iter().filter(|id| !listed.contains_key(*id)) {
        let msg = format!("clip '{id}' is in no split list (train.txt, val.txt, test.txt)");
        rep.problem(Severity::Warning, ProblemKind::Unlisted, &times_path(dir, id), None, msg);
    }

    for (k, id) in order.iter().enumerate() {
        let (split, list, line) = listed[id].clone();
        check_clip(&mut rep, dir, id, split, &list, line);
        progress(k + 1, order.len());
    }
    rep
}

fn check_clip(rep: &mut Report, dir: &Path, id: &str, split: Split, list: &Path, list_line: usize) {
    let (video, audio, times) = (video_path(dir, id), audio_path(dir, id), times_path(dir, id));
    let mut present = 0;
    for f in [&video, &audio, &times] {
        if f.is_file() {
            present += 1;
        } else {
            let msg = format!("missing file {} of clip '{id}' (listed in {}:{list_line})", f.display(), list.display());
            rep.problem(Severity::Error, ProblemKind::MissingFile, f, None, msg);
        }
    }
    let counts = rep.splits.entry(split.as_str().to_string()).or_default();
    counts.clips += 1;
    if present == 0 {
        return;
    }

    // Media durations: an onset must fall inside both.
    let mut limits: Vec<(f64, &Path)> = Vec::new();
    if audio.is_file() {
        match wav_duration(&audio) {
            Ok(d) => {
                if let Some(c) = rep.splits.get_mut(split.as_str()) {
                    c.seconds += d;
                }
                limits.push((d, &audio));
            }
            Err(m) => rep.problem(Severity::Error, ProblemKind::UnreadableMedia, &audio, None, m),
        }
    }
    if video.is_file() {
        match video_duration(&video) {
            Ok(Some(d)) => limits.push((d, &video)),
            Ok(None) => {}
            Err(m) => rep.problem(Severity::Error, ProblemKind::UnreadableMedia, &video, None, m),
        }
    }
    if !times.is_file() {
        return;
    }
    let text = match std::fs::read(&times) {
        Ok(b) => String::from_utf8_lossy(&b).into_owned(),
        Err(e) => {
            rep.problem(Severity::Error, ProblemKind::Io, &times, None, e.to_string());
            return;
        }
    };
    let (ok, bad) = parse_times(&text);
    for (line, e) in bad {
        let kind = match e {
            LineError::Unparsable(_) => ProblemKind::Unparsable,
            LineError::UnknownLabel(_) => ProblemKind::UnknownLabel,
        };
        rep.problem(Severity::Error, kind, &times, Some(line), e.to_string());
    }
    let mut prev: Option<(usize, f64)> = None;
    for &(line, a) in &ok {
        if let Some((pl, pt)) = prev {
            if a.time < pt {
                rep.problem(Severity::Error, ProblemKind::Unsorted, &times, Some(line), format!("onset {:.6} is earlier than {pt:.6} on line {pl} (lines must be sorted by onset)", a.time));
            } else if a.time == pt {
                rep.problem(Severity::Error, ProblemKind::DuplicateTime, &times, Some(line), format!("onset {:.6} repeats line {pl}", a.time));
            }
        }
        prev = Some((line, a.time));
        for &(d, media) in &limits {
            if a.time >= d {
                rep.problem(Severity::Error, ProblemKind::BeyondDuration, &times, Some(line), format!("onset {:.6} s is beyond the end of {} ({d:.3} s)", a.time, media.display()));
            }
        }
        count(rep, &a);
    }
    if let Some(c) = rep.splits.get_mut(split.as_str()) {
        c.actions += ok.len();
    }
}

fn count(rep: &mut Report, a: &Action) {
    let name = |s: Option<&'static str>| s.unwrap_or(crate::labels::NONE).to_string();
    *rep.materials.entry(name(a.material.map(|m| m.as_str()))).or_default() += 1;
    *rep.actions.entry(name(a.action.map(|m| m.as_str()))).or_default() += 1;
    *rep.reactions.entry(name(a.reaction.map(|m| m.as_str()))).or_default() += 1;
}
