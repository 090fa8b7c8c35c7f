//! `foley dataset check`: validate a Greatest-Hits-layout folder and list every problem with
//! its file and line, plus counts per split, material, action and reaction.
//!
//! Errors are what makes a clip unusable or its labels unknowable: a missing or unreadable
//! file of a listed clip, a `_times.txt` line without a readable onset, an unknown material
//! or action, an onset past the end of the audio. Warnings are what the real download is
//! known to contain (SPEC §5): unsorted or duplicate onsets, onsets past the end of the video
//! (the real videos are trimmed to their audio), reaction words outside the six, clips in no
//! split list. `foley dataset check --strict` fails on warnings too.
use crate::labels::{parse_times, unknown_reaction_note, Action, LineError};
use super::layout::{audio_path, parse_split_list, split_text, times_path, video_path, Split};
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
    /// A material or action outside the 17 materials / 2 actions.
    UnknownLabel,
    /// A reaction word outside the six of SPEC §5 (kept as `other`): one per distinct word.
    UnknownReaction,
    /// An onset earlier than the line before it.
    Unsorted,
    /// An onset equal to the line before it.
    DuplicateTime,
    /// An onset at or after the end of the audio (error) or of the video (warning).
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
    /// Whether the dataset passes: no errors, and with `strict` no warnings either.
    pub fn passes(&self, strict: bool) -> bool {
        self.errors() == 0 && !(strict && self.warnings() > 0)
    }
    /// Listed clips over all splits.
    pub fn clips(&self) -> usize {
        self.splits.values().map(|c| c.clips).sum()
    }
    /// The last line of the text report: `summary: C clip(s), A action(s): E error(s), W warning(s)`.
    pub fn summary(&self) -> String {
        let actions: usize = self.splits.values().map(|c| c.actions).sum();
        format!("summary: {} clip(s), {actions} action(s): {} error(s), {} warning(s)", self.clips(), self.errors(), self.warnings())
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
        s += &self.summary();
        s.push('\n');
        s
    }
}

/// Which of the three per-clip files a directory entry is, and its id.
fn classify(name: &str) -> Option<&str> {
    ["_denoised.mp4", "_denoised.wav", "_times.txt"].iter().find_map(|suf| name.strip_suffix(suf)).filter(|id| !id.is_empty())
}

/// Duration of a WAV file from its header, which must not declare more audio data than the
/// file holds (the reader refuses such a file too).
fn wav_duration(path: &Path) -> std::result::Result<f64, String> {
    use std::io::{Read, Seek, SeekFrom};
    let r = hound::WavReader::open(path).map_err(|e| format!("not a readable WAV file ({e})"))?;
    let spec = r.spec();
    if spec.sample_rate == 0 {
        return Err("WAV header has sample rate 0".into());
    }
    let seconds = r.duration() as f64 / spec.sample_rate as f64;
    // hound stops right after the data chunk's header: its size field is the 4 bytes before.
    let mut f = r.into_inner();
    let io = |e: std::io::Error| format!("cannot read the WAV header ({e})");
    let start = f.stream_position().map_err(io)?;
    let mut size = [0u8; 4];
    f.seek(SeekFrom::Start(start.saturating_sub(4))).map_err(io)?;
    f.read_exact(&mut size).map_err(io)?;
    let declared = u32::from_le_bytes(size) as u64;
    let have = f.get_ref().metadata().map_err(io)?.len().saturating_sub(start);
    if declared > have {
        return Err(format!("truncated WAV: the header declares {declared} bytes of audio data but the file holds {have}; re-copy or re-export it"));
    }
    Ok(seconds)
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
        let text = match std::fs::read(&list) {
            Ok(bytes) => split_text(&list, &bytes),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => Err(crate::Error::io(&list, e)),
        };
        let parsed = match text {
            Ok(t) => parse_split_list(&t),
            Err(e) => {
                rep.problem(Severity::Error, ProblemKind::Io, &list, None, error_text(e));
                continue;
            }
        };
        for (line, why) in parsed.errors {
            rep.problem(Severity::Error, ProblemKind::Unparsable, &list, Some(line), why);
        }
        let ids = parsed.ids;
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

    // (times file, line, word) of every reaction word outside the six, reported once per word.
    let mut unknown: Vec<(PathBuf, usize, String)> = Vec::new();
    for (k, id) in order.iter().enumerate() {
        let (split, list, line) = listed[id].clone();
        check_clip(&mut rep, &mut unknown, dir, id, split, &list, line);
        progress(k + 1, order.len());
    }
    let mut words: Vec<&str> = Vec::new();
    for (file, line, word) in &unknown {
        if !words.contains(&word.as_str()) {
            words.push(word);
            let n = unknown.iter().filter(|(_, _, w)| w == word).count();
            let msg = unknown_reaction_note(word, n, &format!("{}:{line}", file.display()));
            rep.problem(Severity::Warning, ProblemKind::UnknownReaction, file, Some(*line), msg);
        }
    }
    rep
}

/// A library error as a problem message: the file is already the problem's own.
fn error_text(e: crate::Error) -> String {
    match e {
        crate::Error::BadInput { msg, .. } => msg,
        crate::Error::Io { cause, .. } => cause.to_string(),
        other => other.to_string(),
    }
}

fn check_clip(rep: &mut Report, unknown: &mut Vec<(PathBuf, usize, String)>, dir: &Path, id: &str, split: Split, list: &Path, list_line: usize) {
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
    let mut limits: Vec<(f64, &Path, bool)> = Vec::new();
    if audio.is_file() {
        match wav_duration(&audio) {
            Ok(d) => {
                if let Some(c) = rep.splits.get_mut(split.as_str()) {
                    c.seconds += d;
                }
                limits.push((d, &audio, true));
            }
            Err(m) => rep.problem(Severity::Error, ProblemKind::UnreadableMedia, &audio, None, m),
        }
    }
    if video.is_file() {
        match video_duration(&video) {
            Ok(Some(d)) => limits.push((d, &video, false)),
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
    let parsed = parse_times(&text);
    let ok = &parsed.actions;
    for (k, word) in &parsed.unknown_reactions {
        unknown.push((times.clone(), ok[*k].0, word.clone()));
    }
    for &(line, ref e) in &parsed.errors {
        let kind = match e {
            LineError::Unparsable(_) => ProblemKind::Unparsable,
            LineError::UnknownLabel(_) => ProblemKind::UnknownLabel,
        };
        rep.problem(Severity::Error, kind, &times, Some(line), e.to_string());
    }
    let mut prev: Option<(usize, f64)> = None;
    for (k, &(line, a)) in ok.iter().enumerate() {
        if let Some((pl, pt)) = prev {
            if a.time < pt {
                rep.problem(Severity::Warning, ProblemKind::Unsorted, &times, Some(line), format!("onset {:.6} is earlier than {pt:.6} on line {pl} (lines should be sorted by onset)", a.time));
            } else if a.time == pt {
                rep.problem(Severity::Warning, ProblemKind::DuplicateTime, &times, Some(line), format!("onset {:.6} repeats line {pl}", a.time));
            }
        }
        prev = Some((line, a.time));
        for &(d, media, is_audio) in &limits {
            if a.time < d {
                continue;
            }
            if is_audio {
                rep.problem(Severity::Error, ProblemKind::BeyondDuration, &times, Some(line), format!("onset {:.6} s is beyond the end of {} ({d:.3} s)", a.time, media.display()));
            } else {
                rep.problem(Severity::Warning, ProblemKind::BeyondDuration, &times, Some(line), format!("onset {:.6} s is past the end of the video {} ({d:.3} s; real videos are trimmed to their audio)", a.time, media.display()));
            }
        }
        let word = parsed.unknown_reactions.iter().find(|(i, _)| *i == k).map(|(_, w)| w.as_str());
        count(rep, &a, word);
    }
    if let Some(c) = rep.splits.get_mut(split.as_str()) {
        c.actions += ok.len();
    }
}

/// Count `a`'s labels; an unknown reaction `word` counts as `other (word)`.
fn count(rep: &mut Report, a: &Action, word: Option<&str>) {
    let name = |s: Option<&'static str>| s.unwrap_or(crate::labels::NONE).to_string();
    *rep.materials.entry(name(a.material.map(|m| m.as_str()))).or_default() += 1;
    *rep.actions.entry(name(a.action.map(|m| m.as_str()))).or_default() += 1;
    let reaction = match word {
        Some(w) => format!("other ({})", crate::labels::shown(w)),
        None => name(a.reaction.map(|m| m.as_str())),
    };
    *rep.reactions.entry(reaction).or_default() += 1;
}
