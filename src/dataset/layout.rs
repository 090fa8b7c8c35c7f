//! The Greatest Hits folder layout (SPEC §5): `<id>_denoised.mp4`, `<id>_denoised.wav`,
//! `<id>_times.txt`, and the split lists `train.txt`, `test.txt`, optional `val.txt`.
use crate::labels::{parse_times, Action};
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
}

/// A Greatest-Hits-layout folder.
#[derive(Clone, Debug)]
pub struct Dataset {
    pub root: PathBuf,
    /// Clips in split order (train, val, test), each split in its list's order.
    pub clips: Vec<Clip>,
}

/// Ids listed in a split file: one per line, surrounding whitespace and blank lines ignored.
/// Returns `(line number, id)`; `None` if the file does not exist.
pub fn read_split_file(path: &Path) -> Result<Option<Vec<(usize, String)>>> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(
            text.lines()
                .enumerate()
                .filter(|(_, l)| !l.trim().is_empty())
                .map(|(i, l)| (i + 1, l.trim().to_string()))
                .collect(),
        )),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io(path, e)),
    }
}

/// Read and parse `<id>_times.txt`, failing on the first bad line (with its number).
pub fn read_times(path: &Path) -> Result<Vec<Action>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let (ok, bad) = parse_times(&text);
    if let Some((line, e)) = bad.first() {
        return Err(Error::bad(path, format!("line {line}: {e}")));
    }
    Ok(ok.into_iter().map(|(_, a)| a).collect())
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
                let actions = read_times(&times)?;
                clips.push(Clip { id, split, video, audio, actions });
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
