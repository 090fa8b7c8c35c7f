//! The Greatest Hits folder layout (SPEC §5): `<id>_denoised.mp4`, `<id>_denoised.wav`,
//! `<id>_times.txt`, and the split lists `train.txt`, `test.txt`, optional `val.txt`.
use crate::labels::{parse_times, unknown_reaction_note, Action, Times};
use crate::error::{Error, Result};
use std::path::{Path, PathBuf};

/// Which split a clip belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Split {
    Train,
    Val,
    Test,
}

impl Split {
    pub const ALL: [Split; 3] = [Split::Train, Split::Val, Split::Test];
    pub fn as_str(self) -> &'static str {
        match self {
            Split::Train => "train",
            Split::Val => "val",
            Split::Test => "test",
        }
    }
    /// The split list's file name: `train.txt`, `val.txt`, `test.txt`.
    pub fn file_name(self) -> &'static str {
        match self {
            Split::Train => "train.txt",
            Split::Val => "val.txt",
            Split::Test => "test.txt",
        }
    }
}

impl std::fmt::Display for Split {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The three files of clip `id` in `root`.
pub fn video_path(root: &Path, id: &str) -> PathBuf {
    root.join(format!("{id}_denoised.mp4"))
}
pub fn audio_path(root: &Path, id: &str) -> PathBuf {
    root.join(format!("{id}_denoised.wav"))
}
pub fn times_path(root: &Path, id: &str) -> PathBuf {
    root.join(format!("{id}_times.txt"))
}

/// One video of the dataset with its annotations.
#[derive(Clone, Debug, PartialEq)]
pub struct Clip {
    /// e.g. `2015-02-16-16-49-06` or `2015-09-12-04-38-02-78`.
    pub id: String,
    pub split: Split,
    pub video: PathBuf,
    pub audio: PathBuf,
    /// In file order (sorted by onset in a valid dataset).
    pub actions: Vec<Action>,
    /// Reaction words of `_times.txt` outside SPEC §5's six: (index into `actions`, the word
    /// as written). Those actions carry `Reaction::Other`.
    pub unknown_reactions: Vec<(usize, String)>,
}

/// A Greatest-Hits-layout folder.
#[derive(Clone, Debug)]
pub struct Dataset {
    pub root: PathBuf,
    /// Clips in split order (train, val, test), each split in its list's order.
    pub clips: Vec<Clip>,
}

/// Ids listed in a split file: one per line, surrounding whitespace and blank lines ignored.
/// Returns `(line number, id)`; `None` if the file does not exist. A line that is not a
/// clip id (see [`parse_split_list`]) is an error naming the file and line.
pub fn read_split_file(path: &Path) -> Result<Option<Vec<(usize, String)>>> {
    match std::fs::read(path) {
        Ok(bytes) => {
            let list = parse_split_list(&split_text(path, &bytes)?);
            match list.errors.first() {
                Some((line, why)) => Err(Error::bad(path, format!("line {line}: {why}"))),
                None => Ok(Some(list.ids)),
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io(path, e)),
    }
}

/// The bytes of split list `path` as text (an error naming the file if they are not UTF-8).
pub fn split_text(path: &Path, bytes: &[u8]) -> Result<String> {
    String::from_utf8(bytes.to_vec())
        .map_err(|e| Error::bad(path, format!("not a text file (invalid UTF-8 at byte {}); expected one clip id per line", e.utf8_error().valid_up_to())))
}

/// A parsed split list; line numbers are 1-based.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SplitList {
    /// `(line, id)` in file order.
    pub ids: Vec<(usize, String)>,
    /// `(line, why)` for each line that is not a clip id.
    pub errors: Vec<(usize, String)>,
}

/// The text of a split list: one id per non-blank line (surrounding whitespace, `\r\n` line
/// ends and a leading byte-order mark ignored). An id must be a file-name stem: no
/// whitespace, path separator or control character inside, not `.` or `..` (it names files
/// in the dataset folder and, in `foley export`, outputs).
pub fn parse_split_list(text: &str) -> SplitList {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = SplitList::default();
    for (i, line) in text.lines().enumerate() {
        let id = line.trim();
        if id.is_empty() {
            continue;
        }
        let bad = if id.chars().any(|c| c.is_whitespace() || c.is_control()) {
            Some("contains whitespace or a control character")
        } else if id.contains(['/', '\\']) {
            Some("contains a path separator")
        } else if id == "." || id == ".." {
            Some("is not a file name")
        } else {
            None
        };
        match bad {
            Some(why) => out.errors.push((
                i + 1,
                format!("id '{}' {why} (expected one clip id per line, e.g. 2015-02-16-16-49-06)", crate::labels::shown(id)),
            )),
            None => out.ids.push((i + 1, id.to_string())),
        }
    }
    out
}

/// Read and parse `<id>_times.txt`, failing on the first bad line (with its number).
/// Unknown reaction words are kept (as `Reaction::Other`); see [`read_times_words`].
pub fn read_times(path: &Path) -> Result<Vec<Action>> {
    Ok(read_times_words(path)?.actions.into_iter().map(|(_, a)| a).collect())
}

/// [`read_times`] keeping the line numbers and the unknown reaction words.
pub fn read_times_words(path: &Path) -> Result<Times> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let text = std::str::from_utf8(&bytes)
        .map_err(|e| Error::bad(path, format!("not a text file (invalid UTF-8 at byte {})", e.valid_up_to())))?;
    let times = parse_times(text);
    if let Some((line, e)) = times.errors.first() {
        return Err(Error::bad(path, format!("line {line}: {e}")));
    }
    Ok(times)
}

/// Print `warning: unknown reaction 'WORD' on N line(s), first at FILE:LINE: ...` on stderr,
/// once per word and process (a run opens its dataset more than once).
fn warn_unknown_reactions(unknown: &[(PathBuf, usize, String)]) {
    use std::sync::Mutex;
    static WARNED: Mutex<Vec<String>> = Mutex::new(Vec::new());
    let mut warned = WARNED.lock().unwrap_or_else(|p| p.into_inner());
    for (file, line, word) in unknown {
        if warned.contains(word) {
            continue;
        }
        warned.push(word.clone());
        let n = unknown.iter().filter(|(_, _, w)| w == word).count();
        eprintln!("warning: {}", unknown_reaction_note(word, n, &format!("{}:{line}", file.display())));
    }
}

impl Dataset {
    /// Open a dataset folder: reads the split lists and every listed clip's annotations and
    /// checks that its video and audio files exist (in a build with the `video` feature).
    /// Fails on the first problem, naming the file (and line); `foley dataset check` lists
    /// all problems instead.
    pub fn open(dir: &Path) -> Result<Dataset> {
        if !dir.is_dir() {
            return Err(Error::bad(dir, "not a directory (expected a Greatest-Hits-layout dataset folder)"));
        }
        let mut clips = Vec::new();
        // (times file, line, word) of every reaction word outside SPEC §5's six.
        let mut unknown: Vec<(PathBuf, usize, String)> = Vec::new();
        let mut any_list = false;
        for split in Split::ALL {
            let list = dir.join(split.file_name());
            let Some(ids) = read_split_file(&list)? else { continue };
            any_list = true;
            for (line, id) in ids {
                let (video, audio, times) = (video_path(dir, &id), audio_path(dir, &id), times_path(dir, &id));
                // Without FFmpeg the media files are never read (training uses a cache built
                // elsewhere), so only the annotations must be there.
                let needed = if cfg!(feature = "video") { vec![&video, &audio, &times] } else { vec![&times] };
                for f in needed {
                    if !f.is_file() {
                        return Err(Error::bad(&list, format!("line {line}: clip '{id}' has no file {}", f.display())));
                    }
                }
                let t = read_times_words(&times)?;
                for (k, word) in &t.unknown_reactions {
                    unknown.push((times.clone(), t.actions[*k].0, word.clone()));
                }
                let actions = t.actions.into_iter().map(|(_, a)| a).collect();
                clips.push(Clip { id, split, video, audio, actions, unknown_reactions: t.unknown_reactions });
            }
        }
        if !any_list {
            return Err(Error::bad(dir, "no train.txt, val.txt or test.txt split list (see datasets/README.md)"));
        }
        let mut seen = std::collections::HashMap::new();
        for c in &clips {
            if let Some(prev) = seen.insert(c.id.as_str(), c.split) {
                return Err(Error::bad(dir.join(c.split.file_name()), format!("clip '{}' is also listed in {}", c.id, prev.file_name())));
            }
        }
        warn_unknown_reactions(&unknown);
        Ok(Dataset { root: dir.to_path_buf(), clips })
    }

    /// The clips of one split.
    pub fn clips(&self, split: Split) -> impl Iterator<Item = &Clip> {
        self.clips.iter().filter(move |c| c.split == split)
    }

    pub fn get(&self, id: &str) -> Option<&Clip> {
        self.clips.iter().find(|c| c.id == id)
    }
}
