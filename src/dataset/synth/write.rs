//! Writing a synthetic dataset in the Greatest Hits layout (mp4 + wav + times + splits).
use super::{assign_splits, synthetic_id, video_seed, Scene, SynthConfig};
use crate::audio::{write_wav, SampleFormat};
use crate::labels::format_times;
use crate::dataset::layout::{audio_path, times_path, video_path};
use crate::dataset::Split;
use crate::error::{Error, Result};
use crate::video::encode::{EncodeOptions, Mp4Writer};
use rayon::prelude::*;
use std::path::{Path, PathBuf};

/// How many videos and how to split them.
#[derive(Clone, Debug)]
pub struct WriteOptions {
    pub videos: usize,
    pub seed: u64,
    /// Share of videos in `val.txt` (0 = no val split).
    pub val_share: f64,
    /// Share of videos in `test.txt`.
    pub test_share: f64,
    pub encode: EncodeOptions,
}

impl Default for WriteOptions {
    fn default() -> Self {
        WriteOptions { videos: 8, seed: 0, val_share: 0.1, test_share: 0.2, encode: EncodeOptions::default() }
    }
}

/// What was written.
#[derive(Clone, Debug, serde::Serialize)]
pub struct WriteSummary {
    pub root: PathBuf,
    pub videos: usize,
    pub actions: usize,
    pub seconds: f64,
    pub train: usize,
    pub val: usize,
    pub test: usize,
}

/// Write one video's three files.
fn write_one(dir: &Path, id: &str, seed: u64, cfg: &SynthConfig, enc: &EncodeOptions, progress: &(dyn Fn(u64) + Sync)) -> Result<usize> {
    let scene = Scene::plan(seed, cfg);
    let (w, h) = (cfg.width, cfg.height);
    let mut mp4 = Mp4Writer::create_with(&video_path(dir, id), w, h, cfg.fps, enc)?;
    let mut buf = Vec::new();
    let mut rgb = vec![0u8; w as usize * h as usize * 3];
    for i in 0..cfg.frames() {
        scene.frame(i, &mut buf, &mut rgb);
        mp4.write_frame(&rgb)?;
        progress(1);
    }
    mp4.finish()?;
    write_wav(&audio_path(dir, id), &scene.audio(), SampleFormat::Int16)?;
    let times = times_path(dir, id);
    crate::util::write_atomic(&times, |tmp| std::fs::write(tmp, format_times(scene.actions())).map_err(|e| Error::io(tmp, e)))?;
    Ok(scene.actions().len())
}

/// Generate `opts.videos` videos into `dir` (created if needed), in parallel, then the split
/// lists. `progress(n)` reports `n` more frames written (`videos × cfg.frames()` in all).
pub fn write_dataset(dir: &Path, cfg: &SynthConfig, opts: &WriteOptions, progress: &(dyn Fn(u64) + Sync)) -> Result<WriteSummary> {
    cfg.validate()?;
    if opts.videos == 0 {
        return Err(Error::Param("--videos must be at least 1".into()));
    }
    for (name, v) in [("--val-share", opts.val_share), ("--test-share", opts.test_share)] {
        if !(0.0..1.0).contains(&v) {
            return Err(Error::Param(format!("{name} {v}: must be in [0, 1)")));
        }
    }
    if opts.val_share + opts.test_share >= 1.0 {
        return Err(Error::Param("--val-share + --test-share must leave some training videos".into()));
    }
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let ids: Vec<String> = (0..opts.videos).map(synthetic_id).collect();
    let counts = (0..opts.videos)
        .into_par_iter()
        .map(|i| write_one(dir, &ids[i], video_seed(opts.seed, i as u64), cfg, &opts.encode, progress))
        .collect::<Result<Vec<usize>>>()?;
    let splits = assign_splits(opts.videos, opts.seed, opts.val_share, opts.test_share);
    let mut n = [0usize; 3];
    for split in Split::ALL {
        let list: String = ids.iter().zip(&splits).filter(|(_, s)| **s == split).map(|(id, _)| format!("{id}\n")).collect();
        let path = dir.join(split.file_name());
        n[split as usize] = list.lines().count();
        if split == Split::Val && list.is_empty() {
            // val.txt is optional: do not leave a stale one from an earlier run.
            let _ = std::fs::remove_file(&path);
            continue;
        }
        crate::util::write_atomic(&path, |tmp| std::fs::write(tmp, &list).map_err(|e| Error::io(tmp, e)))?;
    }
    Ok(WriteSummary {
        root: dir.to_path_buf(),
        videos: opts.videos,
        actions: counts.iter().sum(),
        seconds: opts.videos as f64 * cfg.frames() as f64 / cfg.fps as f64,
        train: n[0],
        val: n[1],
        test: n[2],
    })
}
