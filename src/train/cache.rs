//! Preprocessing cache for training: each clip decoded once into frames at the model's input
//! size (RGB u8) plus its cochleagram targets and annotations, one file per clip.
//!
//! File layout (little-endian): magic `FOLEYCLP`, u32 format version, u64 header length,
//! header JSON ([`Header`]: id, key, sizes, annotations), frames `[n, h, w, 3]` u8, then the
//! cochleagram `[steps, bands]` f32. The `key` records the source files' sizes and mtimes and
//! a hash of every parameter the content depends on; a file whose key differs is rebuilt.
use crate::error::{Error, Result};
use crate::labels::Action;
use serde::{Deserialize, Serialize};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

const MAGIC: &[u8; 8] = b"FOLEYCLP";
/// Version of the cache file layout.
/// 2: annotations are [`Action`]s (with the reaction).
pub const CACHE_VERSION: u32 = 2;

/// A clip ready for training: frames at the model size, targets, annotations.
#[derive(Clone, Debug, PartialEq)]
pub struct CachedClip {
    pub id: String,
    pub width: u32,
    pub height: u32,
    /// Frames `[n_frames, height, width, 3]`, RGB u8, at the model frame rate.
    pub frames: Vec<u8>,
    /// Cochleagram `[steps, bands]` at the envelope rate.
    pub coch: Vec<f32>,
    pub bands: usize,
    pub events: Vec<Action>,
}

impl CachedClip {
    pub fn frame_bytes(&self) -> usize {
        (self.width * self.height * 3) as usize
    }
    pub fn n_frames(&self) -> usize {
        self.frames.len() / self.frame_bytes().max(1)
    }
    pub fn steps(&self) -> usize {
        self.coch.len() / self.bands.max(1)
    }
    pub fn frame(&self, i: usize) -> &[u8] {
        let b = self.frame_bytes();
        &self.frames[i * b..(i + 1) * b]
    }
    /// Frames that have a full set of targets (`steps_per_frame` steps each).
    pub fn usable_frames(&self, steps_per_frame: usize) -> usize {
        self.n_frames().min(self.steps() / steps_per_frame)
    }
}

#[derive(Serialize, Deserialize)]
struct Header {
    id: String,
    key: String,
    width: u32,
    height: u32,
    n_frames: usize,
    steps: usize,
    bands: usize,
    events: Vec<Action>,
}

/// Cache key of a clip: sizes and modification times of its source files plus a hash of the
/// parameters the cached content depends on (`params`, e.g. JSON of size, fps and features).
pub fn key_for(sources: &[&Path], params: &str) -> String {
    let mut parts = Vec::new();
    for p in sources {
        let (len, mtime) = match std::fs::metadata(p) {
            Ok(m) => (
                m.len(),
                m.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok()).map_or(0, |d| d.as_nanos()),
            ),
            Err(_) => (0, 0),
        };
        parts.push(format!("{len}:{mtime}"));
    }
    format!("v{CACHE_VERSION};{};{:016x}", parts.join(","), crate::stats::fnv1a(params.as_bytes()))
}

/// Path of a clip's cache file inside `dir`.
pub fn path_for(dir: &Path, id: &str) -> PathBuf {
    dir.join(format!("{id}.clip"))
}

/// Write a clip atomically with its key.
pub fn write(path: &Path, clip: &CachedClip, key: &str) -> Result<()> {
    let header = Header {
        id: clip.id.clone(),
        key: key.to_string(),
        width: clip.width,
        height: clip.height,
        n_frames: clip.n_frames(),
        steps: clip.steps(),
        bands: clip.bands,
        events: clip.events.clone(),
    };
    let json = serde_json::to_vec(&header).map_err(|e| Error::Param(e.to_string()))?;
    crate::util::write_atomic(path, |tmp| {
        let f = std::fs::File::create(tmp).map_err(|e| Error::io(tmp, e))?;
        let mut w = std::io::BufWriter::new(f);
        let io = |e| Error::io(tmp, e);
        w.write_all(MAGIC).map_err(io)?;
        w.write_all(&CACHE_VERSION.to_le_bytes()).map_err(io)?;
        w.write_all(&(json.len() as u64).to_le_bytes()).map_err(io)?;
        w.write_all(&json).map_err(io)?;
        w.write_all(&clip.frames).map_err(io)?;
        let mut buf = Vec::with_capacity(clip.coch.len() * 4);
        for v in &clip.coch {
            buf.extend_from_slice(&v.to_le_bytes());
        }
        w.write_all(&buf).map_err(io)?;
        w.flush().map_err(io)
    })
}

/// Read a cached clip. `Ok(None)` when the file is absent or its key differs from `key`
/// (stale: the caller rebuilds it); an error when it is present but unreadable or corrupt.
pub fn read(path: &Path, key: Option<&str>) -> Result<Option<CachedClip>> {
    let mut f = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io(path, e)),
    };
    let bad = |m: &str| Error::bad(path, format!("corrupt cache file ({m}); delete it to rebuild"));
    let mut head = [0u8; 20];
    f.read_exact(&mut head).map_err(|_| bad("too short"))?;
    if &head[..8] != MAGIC {
        return Err(bad("bad magic"));
    }
    if u32::from_le_bytes([head[8], head[9], head[10], head[11]]) != CACHE_VERSION {
        return Ok(None); // another layout version: rebuild
    }
    let hlen = u64::from_le_bytes(head[12..20].try_into().expect("8 bytes")) as usize;
    if hlen > 1 << 26 {
        return Err(bad("header length"));
    }
    let mut hbytes = vec![0u8; hlen];
    f.read_exact(&mut hbytes).map_err(|_| bad("truncated header"))?;
    let h: Header = serde_json::from_slice(&hbytes).map_err(|_| bad("header is not valid JSON"))?;
    if key.is_some_and(|k| k != h.key) {
        return Ok(None);
    }
    let fb = (h.width as usize) * (h.height as usize) * 3;
    let n_frame_bytes = fb.checked_mul(h.n_frames).ok_or_else(|| bad("sizes"))?;
    let n_coch = h.steps.checked_mul(h.bands).ok_or_else(|| bad("sizes"))?;
    let mut rest = Vec::new();
    f.read_to_end(&mut rest).map_err(|e| Error::io(path, e))?;
    if rest.len() != n_frame_bytes + 4 * n_coch {
        return Err(bad(&format!("{} data bytes, header says {}", rest.len(), n_frame_bytes + 4 * n_coch)));
    }
    let coch_bytes = rest.split_off(n_frame_bytes);
    let coch = coch_bytes.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
    Ok(Some(CachedClip {
        id: h.id,
        width: h.width,
        height: h.height,
        frames: rest,
        coch,
        bands: h.bands,
        events: h.events,
    }))
}

/// The parameters a cached clip depends on, as the text hashed into its key.
pub fn spec_text(model: &crate::model::ModelConfig, features: &crate::cochleagram::Params) -> String {
    serde_json::json!({
        "width": model.width, "height": model.height, "fit": model.fit, "fps": model.fps, "features": features,
    })
    .to_string()
}

/// A clip rendered in memory by the synthetic generator (no FFmpeg needed): frames scaled
/// to the model size (bilinear), cochleagram of its audio.
pub fn from_synth(
    id: &str,
    clip: &crate::dataset::synth::SynthClip,
    model: &crate::model::ModelConfig,
    features: &crate::cochleagram::Params,
) -> Result<CachedClip> {
    if (clip.fps as f64 - model.fps).abs() > 1e-9 {
        return Err(Error::Param(format!("synthetic clip at {} fps, the model runs at {}", clip.fps, model.fps)));
    }
    let mut frames = Vec::with_capacity(clip.frames.len() * (model.width * model.height * 3) as usize);
    for f in &clip.frames {
        let small = image::imageops::resize(f, model.width, model.height, image::imageops::FilterType::Triangle);
        frames.extend_from_slice(small.as_raw());
    }
    let coch = crate::cochleagram::features(&clip.audio, features)?;
    Ok(CachedClip::assemble(id, model, frames, coch, &clip.actions))
}

impl CachedClip {
    /// A clip of `frames` (RGB u8 at the model's input size) and the cochleagram targets.
    fn assemble(id: &str, model: &crate::model::ModelConfig, frames: Vec<u8>, coch: crate::Cochleagram, actions: &[crate::dataset::Action]) -> CachedClip {
        CachedClip {
            id: id.to_string(),
            width: model.width,
            height: model.height,
            frames,
            bands: coch.bands,
            coch: coch.data,
            events: actions.to_vec(),
        }
    }
}

/// Decode one dataset clip: frames sampled as the model samples them (`foley predict` uses
/// the same [`crate::model::ModelConfig::sample_config`]), cochleagram of its audio file.
#[cfg(feature = "video")]
pub fn build(clip: &crate::dataset::Clip, model: &crate::model::ModelConfig, features: &crate::cochleagram::Params) -> Result<CachedClip> {
    let mut frames = Vec::new();
    for f in crate::video::open_frames(&clip.video, &model.sample_config())? {
        frames.extend_from_slice(&f?.rgb);
    }
    if frames.is_empty() {
        return Err(Error::bad(&clip.video, "no frames decoded"));
    }
    let wave = crate::audio::read_audio(&clip.audio)?;
    let coch = crate::cochleagram::features(&wave, features)?;
    Ok(CachedClip::assemble(&clip.id, model, frames, coch, &clip.actions))
}

/// Load the clips from the cache in `dir`, building (in parallel, with a progress bar) those
/// that are missing or stale. A clip that cannot be decoded is reported in the second list
/// (one line each, naming the file) and skipped.
#[cfg(feature = "video")]
pub fn load_or_build(
    clips: &[&crate::dataset::Clip],
    model: &crate::model::ModelConfig,
    features: &crate::cochleagram::Params,
    dir: &Path,
    quiet: bool,
) -> Result<(Vec<CachedClip>, Vec<String>)> {
    use rayon::prelude::*;
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let spec = spec_text(model, features);
    let bar = if quiet { indicatif::ProgressBar::hidden() } else { indicatif::ProgressBar::new(clips.len() as u64) };
    if let Ok(style) = indicatif::ProgressStyle::with_template("caching clips [{bar:30}] {pos}/{len} {elapsed_precise} ETA {eta}") {
        bar.set_style(style.progress_chars("=> "));
    }
    let results: Vec<std::result::Result<CachedClip, String>> = clips
        .par_iter()
        .map(|c| {
            let key = key_for(&[&c.video, &c.audio], &spec);
            let path = path_for(dir, &c.id);
            let cached = match read(&path, Some(&key)) {
                Ok(Some(clip)) => Some(clip),
                Ok(None) => None,
                Err(e) => {
                    bar.println(format!("warning: {e}; rebuilding it"));
                    None
                }
            };
            let out = match cached {
                Some(clip) => Ok(clip),
                None => build(c, model, features).and_then(|clip| write(&path, &clip, &key).map(|_| clip)).map_err(|e| e.to_string()),
            };
            bar.inc(1);
            out
        })
        .collect();
    bar.finish_and_clear();
    let mut ok = Vec::new();
    let mut problems = Vec::new();
    for (r, c) in results.into_iter().zip(clips) {
        match r {
            Ok(clip) => ok.push(clip),
            Err(e) => problems.push(format!("skipping clip {}: {e}", c.id)),
        }
    }
    Ok((ok, problems))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clip() -> CachedClip {
        CachedClip {
            id: "2015-02-16-16-49-06".into(),
            width: 4,
            height: 2,
            frames: (0..(4 * 2 * 3 * 3) as u8).collect(),
            coch: (0..6 * 2).map(|v| v as f32 * 0.1).collect(),
            bands: 2,
            events: vec![Action::parse_line("2.677438 ceramic hit static").unwrap()],
        }
    }

    #[test]
    fn round_trip_key_and_corruption() {
        let dir = tempfile::tempdir().unwrap();
        let p = path_for(dir.path(), "a");
        let c = clip();
        write(&p, &c, "k1").unwrap();
        assert_eq!(read(&p, Some("k1")).unwrap().unwrap(), c);
        assert_eq!(c.n_frames(), 3);
        assert!(read(&p, Some("k2")).unwrap().is_none(), "stale key means rebuild");
        assert!(read(&dir.path().join("none.clip"), None).unwrap().is_none());
        let mut bytes = std::fs::read(&p).unwrap();
        bytes.truncate(bytes.len() - 3);
        std::fs::write(&p, &bytes).unwrap();
        let e = read(&p, Some("k1")).unwrap_err().to_string();
        assert!(e.contains("corrupt cache file") && e.contains("a.clip"), "{e}");
    }
}
