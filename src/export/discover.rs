//! Finding a batch's inputs: a Greatest-Hits folder and split, a folder of videos (walked), or
//! a list file; each gets a unique, mirrored output name.
use crate::dataset::layout::{read_split_file, video_path, Split};
use crate::error::{Error, Result};
use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

/// File extensions taken as videos when scanning a folder (compared case-insensitively).
pub const VIDEO_EXTENSIONS: &[&str] =
    &["mp4", "mov", "mkv", "m4v", "avi", "webm", "mpg", "mpeg", "wmv", "flv", "3gp", "ts", "mts", "ogv"];

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

