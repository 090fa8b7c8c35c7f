//! The sound bank: real recorded actions with their cochleagram windows (SPEC §6), stored as
//! `bank.safetensors` (readable by Python's `safetensors`; metadata in its `__metadata__`).
use super::{normalise_window, step_of, window_loudness, Window};
use crate::labels::{Action, ActionKind, Material};
use crate::error::{Error, Result};
use crate::{Cochleagram, Waveform};

/// Name of the sound bank file inside a model directory.
pub const BANK_FILE: &str = "bank.safetensors";
use rand::seq::SliceRandom;
use rand::SeedableRng;
use safetensors::tensor::{Dtype, SafeTensors, TensorView};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// Identifies a bank file; bump [`BANK_VERSION`] when the layout changes.
pub const BANK_FORMAT: &str = "foley-bank";
pub const BANK_VERSION: u32 = 1;

/// How a bank is cut from training clips.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BankParams {
    /// Sample rate of the stored snippets (Hz). 22 050 Hz keeps the bank small and covers
    /// what the cochleagram sees (bands up to 10 kHz).
    pub rate: u32,
    /// Seconds of audio kept before the onset (room for annotations a little late).
    pub pre_seconds: f64,
    /// Seconds kept from the onset on (cut earlier at the next annotated action).
    pub post_seconds: f64,
    /// Cochleagram window around the onset step, in envelope steps.
    pub window: Window,
    /// Envelope rate of the cochleagrams (Hz).
    pub env_rate: f64,
    /// Compression exponent of the cochleagrams (SPEC §2: 0.3).
    pub compression: f32,
    /// At most this many entries, chosen round-robin over (material, action) labels so
    /// every label keeps examples.
    pub max_entries: usize,
    /// Seed of that choice.
    pub seed: u64,
    /// Keep only entries that sound like their material (before that choice): a material
    /// classifier as SPEC §7's, fitted on half of the clips, must name the entries of the
    /// other half right (and the other way round). A label whose entries would all go keeps
    /// them. Default false (absent in banks written before it existed).
    #[serde(default)]
    pub typical_only: bool,
}

impl Default for BankParams {
    fn default() -> Self {
        BankParams {
            rate: 22_050,
            pre_seconds: 0.02,
            post_seconds: 0.35,
            window: Window { pre: 2, post: 15 },
            env_rate: crate::cochleagram::ENVELOPE_RATE,
            compression: 0.3,
            max_entries: 256,
            seed: 0,
            typical_only: false,
        }
    }
}

/// One recorded action in the bank.
#[derive(Clone, Debug, PartialEq)]
pub struct BankEntry {
    /// Cochleagram rows around the onset, `[window.len(), bands]` row-major.
    pub window: Vec<f32>,
    /// Audio at the bank rate; the onset is at sample `onset`.
    pub snippet: Vec<f32>,
    pub onset: usize,
    /// [`window_loudness`] of `window`.
    pub loudness: f32,
    pub material: Option<Material>,
    pub action: Option<ActionKind>,
    /// Clip id and onset time it came from.
    pub source: String,
    pub time: f64,
}

/// A sound bank: entries plus the parameters they were cut with.
#[derive(Clone, Debug)]
pub struct Bank {
    pub params: BankParams,
    pub bands: usize,
    pub entries: Vec<BankEntry>,
    /// Loudness-normalised windows, `[entries, window.len() * bands]`, for retrieval.
    normalised: Vec<f32>,
}

/// Collects entries clip by clip (so not every training waveform is in memory at once),
/// then chooses at most `max_entries` of them.
pub struct BankBuilder {
    params: BankParams,
    bands: Option<usize>,
    candidates: Vec<BankEntry>,
}

impl BankBuilder {
    pub fn new(params: BankParams) -> Result<Self> {
        check_params(&params)?;
        Ok(BankBuilder { params, bands: None, candidates: Vec::new() })
    }

    /// Add every annotation of one clip whose onset lies inside both the audio and the
    /// cochleagram. `wave` must be at the bank rate (resample it first).
    pub fn add_clip(&mut self, id: &str, wave: &Waveform, coch: &Cochleagram, notes: &[Action]) -> Result<()> {
        let entries = cut_entries(&self.params, id, wave, coch, notes)?;
        self.add_entries(id, coch.bands, entries)
    }

    /// Add entries cut by [`cut_entries`] (lets clips be cut in parallel).
    pub fn add_entries(&mut self, id: &str, bands: usize, entries: Vec<BankEntry>) -> Result<()> {
        match self.bands {
            Some(b) if b != bands => {
                return Err(Error::Param(format!("clip {id}: {bands} bands, earlier clips had {b}")));
            }
            _ => self.bands = Some(bands),
        }
        self.candidates.extend(entries);
        Ok(())
    }

    /// Choose the entries (round-robin over labels, shuffled within a label by `seed`).
    pub fn finish(self) -> Result<Bank> {
        let Some(bands) = self.bands else {
            return Err(Error::Param("no clips were added to the bank".into()));
        };
        if self.candidates.is_empty() {
            return Err(Error::Param("no annotated action lies inside its clip: the bank would be empty".into()));
        }
        // Keyed by the labels' spellings: groups in the alphabetical order banks were always built in.
        let mut groups: BTreeMap<(Option<&str>, Option<&str>), Vec<(bool, BankEntry)>> = BTreeMap::new();
        let typical = if self.params.typical_only { heard_as_labelled(&self.candidates, self.params.window, bands)? } else { Vec::new() };
        for (i, e) in self.candidates.into_iter().enumerate() {
            let keep = typical.get(i).copied().unwrap_or(true);
            groups.entry((e.material.map(Material::as_str), e.action.map(ActionKind::as_str))).or_default().push((keep, e));
        }
        let groups: BTreeMap<_, Vec<BankEntry>> = groups
            .into_iter()
            .map(|(label, g)| {
                let any_kept = g.iter().any(|(keep, _)| *keep);
                (label, g.into_iter().filter(|(keep, _)| *keep || !any_kept).map(|(_, e)| e).collect())
            })
            .collect();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(self.params.seed);
        let mut queues: Vec<std::vec::IntoIter<BankEntry>> = groups
            .into_values()
            .map(|mut g| {
                g.shuffle(&mut rng);
                g.into_iter()
            })
            .collect();
        let mut entries = Vec::new();
        while entries.len() < self.params.max_entries {
            let before = entries.len();
            for q in queues.iter_mut() {
                if entries.len() < self.params.max_entries {
                    entries.extend(q.next());
                }
            }
            if entries.len() == before {
                break;
            }
        }
        Ok(Bank::from_entries(self.params, bands, entries))
    }
}

/// For each entry, whether the material classifier of SPEC §7 ([`MaterialModel`]), fitted on
/// the entries of the other half of the clips (two folds by source clip), names its material
/// (true for entries without one). The classifier's window (`WINDOW_BEFORE` steps before the
/// onset step to `WINDOW_AFTER` after) must lie within the entries' windows.
///
/// [`MaterialModel`]: crate::metrics::MaterialModel
fn heard_as_labelled(entries: &[BankEntry], window: Window, bands: usize) -> Result<Vec<bool>> {
    use crate::metrics::material::{WINDOW_AFTER, WINDOW_BEFORE};
    if window.pre < WINDOW_BEFORE || window.post < WINDOW_AFTER + 1 {
        return Err(Error::Param(format!(
            "typical_only needs a bank window of at least {WINDOW_BEFORE} steps before the onset step and {} from it, got {window:?}",
            WINDOW_AFTER + 1
        )));
    }
    let from = (window.pre - WINDOW_BEFORE) * bands;
    let features = |e: &BankEntry| e.window[from..from + (WINDOW_BEFORE + 1 + WINDOW_AFTER) * bands].to_vec();
    let sources: Vec<&str> =
        entries.iter().map(|e| e.source.as_str()).collect::<std::collections::BTreeSet<_>>().into_iter().collect();
    let fold = |e: &BankEntry| sources.binary_search(&e.source.as_str()).unwrap_or(0) % 2;
    let mut keep = vec![true; entries.len()];
    for held in 0..2 {
        let fit = entries.iter().filter(|e| fold(e) != held).filter_map(|e| e.material.map(|m| (features(e), m.as_str().to_string()))).collect();
        // Too few clips or materials to judge: keep everything.
        let Ok(model) = crate::metrics::MaterialModel::from_examples(fit) else { return Ok(vec![true; entries.len()]) };
        for (k, e) in keep.iter_mut().zip(entries) {
            if let (true, Some(m)) = (fold(e) == held, e.material) {
                *k = model.predict_features(&features(e)) == m.as_str();
            }
        }
    }
    Ok(keep)
}

/// The bank entries of one clip: every annotation whose onset lies inside both the audio
/// and the cochleagram. `wave` must be at the bank rate.
pub fn cut_entries(p: &BankParams, id: &str, wave: &Waveform, coch: &Cochleagram, notes: &[Action]) -> Result<Vec<BankEntry>> {
    if wave.rate != p.rate {
        return Err(Error::Param(format!("clip {id}: audio at {} Hz but the bank stores {} Hz", wave.rate, p.rate)));
    }
    if (coch.rate - p.env_rate).abs() > 1e-9 {
        return Err(Error::Param(format!("clip {id}: cochleagram at {} Hz, bank expects {} Hz", coch.rate, p.env_rate)));
    }
    let mut times: Vec<f64> = notes.iter().map(|a| a.time).collect();
    times.sort_by(f64::total_cmp);
    let rate = p.rate as f64;
    let pre = (p.pre_seconds * rate).round() as usize;
    let fade = (0.005 * rate).round() as usize; // 5 ms raised-cosine fades: no clicks
    let mut out = Vec::new();
    for a in notes {
        if !a.time.is_finite() || a.time < 0.0 {
            continue;
        }
        let onset_sample = (a.time * rate).round() as usize;
        let anchor = step_of(a.time, p.env_rate).round() as usize;
        if onset_sample >= wave.len() || anchor >= coch.frames() {
            continue;
        }
        // End at post_seconds, or 10 ms before the next annotated action.
        let next = times.iter().copied().find(|&t| t > a.time + 1e-6).unwrap_or(f64::INFINITY);
        let end_time = (a.time + p.post_seconds).min(next - 0.01);
        let end = ((end_time * rate).round().max(0.0) as usize).min(wave.len());
        let start = onset_sample.saturating_sub(pre);
        if end <= onset_sample + fade {
            continue;
        }
        let mut snippet = wave.samples[start..end].to_vec();
        apply_fades(&mut snippet, onset_sample - start, fade);
        let window = p.window.extract(coch, anchor);
        let loudness = window_loudness(&window, coch.bands, p.window, p.compression);
        out.push(BankEntry {
            window,
            snippet,
            onset: onset_sample - start,
            loudness,
            material: a.material,
            action: a.action,
            source: id.to_string(),
            time: a.time,
        });
    }
    Ok(out)
}

/// Fade in over the first `fade` samples of the pre-onset part and out over the last `fade`.
fn apply_fades(x: &mut [f32], onset: usize, fade: usize) {
    let ramp = |i: usize, n: usize| 0.5 - 0.5 * (std::f32::consts::PI * i as f32 / n as f32).cos();
    let fin = fade.min(onset);
    for i in 0..fin {
        x[i] *= ramp(i, fin);
    }
    let n = x.len();
    let fout = fade.min(n.saturating_sub(onset));
    for i in 0..fout {
        x[n - 1 - i] *= ramp(i, fout);
    }
}

fn check_params(p: &BankParams) -> Result<()> {
    let ok = p.rate > 0
        && p.pre_seconds >= 0.0
        && p.post_seconds > 0.0
        && p.env_rate > 0.0
        && p.compression > 0.0
        && p.max_entries > 0
        && p.window.pre >= 1
        && p.window.post >= 3;
    if ok {
        Ok(())
    } else {
        Err(Error::Param(format!("bank parameters out of range: {p:?}")))
    }
}

impl Bank {
    /// Build from whole clips in memory: `(audio at the bank rate, its cochleagram, annotations)`.
    pub fn build(clips: &[(Waveform, Cochleagram, Vec<Action>)], params: &BankParams) -> Result<Bank> {
        let mut b = BankBuilder::new(params.clone())?;
        for (i, (wave, coch, notes)) in clips.iter().enumerate() {
            b.add_clip(&format!("clip{i}"), wave, coch, notes)?;
        }
        b.finish()
    }

    pub fn from_entries(params: BankParams, bands: usize, entries: Vec<BankEntry>) -> Bank {
        let normalised = entries
            .iter()
            .flat_map(|e| normalise_window(&e.window, e.loudness, params.compression))
            .collect();
        Bank { params, bands, entries, normalised }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Median loudness ([`window_loudness`]) of the entries with any sound (0 if none).
    pub fn median_loudness(&self) -> f32 {
        let mut l: Vec<f32> = self.entries.iter().map(|e| e.loudness).filter(|&x| x > 0.0).collect();
        if l.is_empty() {
            return 0.0;
        }
        l.sort_by(f32::total_cmp);
        l[l.len() / 2]
    }

    /// Index of the entry whose loudness-normalised window is nearest (squared Euclidean
    /// distance) to `window`'s, with that distance. `window` is `[window.len(), bands]`.
    pub fn nearest(&self, window: &[f32], loudness: f32) -> (usize, f32) {
        self.nearest_where(window, loudness, |_| true).unwrap_or((0, f32::INFINITY))
    }

    /// Like [`Bank::nearest`] among the entries for which `keep` holds; `None` if there are none.
    pub fn nearest_where(&self, window: &[f32], loudness: f32, keep: impl Fn(&BankEntry) -> bool) -> Option<(usize, f32)> {
        let q = normalise_window(window, loudness, self.params.compression);
        let n = q.len();
        self.normalised
            .chunks_exact(n)
            .zip(&self.entries)
            .enumerate()
            .filter(|(_, (_, e))| keep(e))
            .map(|(i, (w, _))| (i, w.iter().zip(&q).map(|(a, b)| (a - b) * (a - b)).sum::<f32>()))
            .fold(None, |best: Option<(usize, f32)>, (i, d)| match best {
                Some(b) if b.1 <= d => Some(b),
                _ => Some((i, d)),
            })
    }

    /// Save as safetensors: `windows` f32 `[N, W, bands]`, `snippets` i16 `[N, S]` (each
    /// row scaled by `snippet_scale` f32 `[N]`, zero-padded past `snippet_len` i32 `[N]`),
    /// `onset` i32 `[N]`, `loudness` f32 `[N]`; labels, sources and parameters as JSON in
    /// the metadata together with the format name and version. Written atomically.
    pub fn save(&self, path: &Path) -> Result<()> {
        let n = self.entries.len();
        let w = self.params.window.len();
        let s = self.entries.iter().map(|e| e.snippet.len()).max().unwrap_or(0);
        let mut windows = Vec::with_capacity(n * w * self.bands);
        let mut snippets = vec![0i16; n * s];
        let (mut scale, mut len, mut onset, mut loud) = (vec![], vec![], vec![], vec![]);
        for (i, e) in self.entries.iter().enumerate() {
            windows.extend_from_slice(&e.window);
            let peak = e.snippet.iter().fold(0.0f32, |m, x| m.max(x.abs()));
            let sc = if peak > 0.0 { peak / 32767.0 } else { 1.0 };
            for (d, x) in snippets[i * s..].iter_mut().zip(&e.snippet) {
                *d = (x / sc).round().clamp(-32767.0, 32767.0) as i16;
            }
            scale.push(sc);
            len.push(e.snippet.len() as i32);
            onset.push(e.onset as i32);
            loud.push(e.loudness);
        }
        let labels: Vec<serde_json::Value> = self
            .entries
            .iter()
            .map(|e| serde_json::json!({"material": e.material, "action": e.action, "source": e.source, "time": e.time}))
            .collect();
        let mut meta = HashMap::new();
        meta.insert("format".to_string(), BANK_FORMAT.to_string());
        meta.insert("version".to_string(), BANK_VERSION.to_string());
        meta.insert("bands".to_string(), self.bands.to_string());
        meta.insert("params".to_string(), serde_json::to_string(&self.params).map_err(|e| Error::bad(path, e.to_string()))?);
        meta.insert("entries".to_string(), serde_json::Value::Array(labels).to_string());
        let windows_b = bytes(&windows, f32::to_le_bytes);
        let snippets_b = bytes(&snippets, i16::to_le_bytes);
        let scale_b = bytes(&scale, f32::to_le_bytes);
        let len_b = bytes(&len, i32::to_le_bytes);
        let onset_b = bytes(&onset, i32::to_le_bytes);
        let loud_b = bytes(&loud, f32::to_le_bytes);
        fn view<'a>(path: &Path, dt: Dtype, shape: Vec<usize>, b: &'a [u8]) -> Result<TensorView<'a>> {
            TensorView::new(dt, shape, b).map_err(|e| Error::bad(path, e.to_string()))
        }
        let tensors = vec![
            ("windows", view(path, Dtype::F32, vec![n, w, self.bands], &windows_b)?),
            ("snippets", view(path, Dtype::I16, vec![n, s], &snippets_b)?),
            ("snippet_scale", view(path, Dtype::F32, vec![n], &scale_b)?),
            ("snippet_len", view(path, Dtype::I32, vec![n], &len_b)?),
            ("onset", view(path, Dtype::I32, vec![n], &onset_b)?),
            ("loudness", view(path, Dtype::F32, vec![n], &loud_b)?),
        ];
        let buf = safetensors::serialize(tensors, &Some(meta)).map_err(|e| Error::bad(path, e.to_string()))?;
        crate::util::write_atomic(path, |tmp| std::fs::write(tmp, &buf).map_err(|e| Error::io(tmp, e)))
    }

    /// Load a bank written by [`Bank::save`], checking format, version and shapes.
    pub fn load(path: &Path) -> Result<Bank> {
        let buf = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        let bad = |m: String| Error::bad(path, m);
        let (_, header) =
            SafeTensors::read_metadata(&buf).map_err(|e| bad(format!("not a safetensors sound bank ({e:?})")))?;
        let meta = header.metadata().clone().unwrap_or_default();
        let get = |k: &str| meta.get(k).ok_or_else(|| bad(format!("not a foley sound bank (no '{k}' in its metadata)")));
        if get("format")? != BANK_FORMAT {
            return Err(bad(format!("not a foley sound bank (format '{}')", get("format")?)));
        }
        let version: u32 = get("version")?.parse().map_err(|_| bad("bad bank version".into()))?;
        if version != BANK_VERSION {
            return Err(bad(format!(
                "sound bank version {version}, this foley reads version {BANK_VERSION}: rebuild it with `foley bank build`"
            )));
        }
        let bands: usize = get("bands")?.parse().map_err(|_| bad("bad 'bands' in bank metadata".into()))?;
        let params: BankParams =
            serde_json::from_str(get("params")?).map_err(|e| bad(format!("bad bank parameters ({e})")))?;
        check_params(&params).map_err(|e| bad(e.to_string()))?;
        let labels: Vec<serde_json::Value> =
            serde_json::from_str(get("entries")?).map_err(|e| bad(format!("bad bank entry labels ({e})")))?;
        let st = SafeTensors::deserialize(&buf).map_err(|e| bad(format!("corrupt sound bank ({e:?})")))?;
        let n = labels.len();
        let w = params.window.len();
        let tensor = |name: &str, dt: Dtype, shape: Option<&[usize]>| -> Result<(Vec<usize>, Vec<u8>)> {
            let t = st.tensor(name).map_err(|_| bad(format!("sound bank lacks tensor '{name}'")))?;
            if t.dtype() != dt || shape.is_some_and(|s| s != t.shape()) {
                return Err(bad(format!("tensor '{name}' is {:?} {:?}, expected {dt:?} {shape:?}", t.dtype(), t.shape())));
            }
            Ok((t.shape().to_vec(), t.data().to_vec()))
        };
        let windows = floats(&tensor("windows", Dtype::F32, Some(&[n, w, bands]))?.1);
        let (sshape, sbytes) = tensor("snippets", Dtype::I16, None)?;
        if sshape.len() != 2 || sshape[0] != n {
            return Err(bad(format!("tensor 'snippets' has shape {sshape:?}, expected [{n}, S]")));
        }
        let s = sshape[1];
        let snippets: Vec<i16> = sbytes.chunks_exact(2).map(|b| i16::from_le_bytes([b[0], b[1]])).collect();
        let scale = floats(&tensor("snippet_scale", Dtype::F32, Some(&[n]))?.1);
        let lens = ints(&tensor("snippet_len", Dtype::I32, Some(&[n]))?.1);
        let onsets = ints(&tensor("onset", Dtype::I32, Some(&[n]))?.1);
        let loud = floats(&tensor("loudness", Dtype::F32, Some(&[n]))?.1);
        let mut entries = Vec::with_capacity(n);
        for (i, lab) in labels.iter().enumerate() {
            let (l, o) = (lens[i], onsets[i]);
            if l < 0 || l as usize > s || o < 0 || o >= l.max(1) {
                return Err(bad(format!("entry {i}: snippet length {l} / onset {o} out of range")));
            }
            let text = |k: &str| lab.get(k).and_then(|v| v.as_str()).map(str::to_string);
            fn parsed<T: std::str::FromStr<Err = String>>(v: Option<String>) -> std::result::Result<Option<T>, String> {
                v.map(|s| s.parse()).transpose()
            }
            let label_err = |e: String| bad(format!("entry {i}: {e}"));
            macro_rules! label {
                ($k:literal) => {
                    parsed(text($k)).map_err(label_err)
                };
            }
            entries.push(BankEntry {
                window: windows[i * w * bands..(i + 1) * w * bands].to_vec(),
                snippet: snippets[i * s..i * s + l as usize].iter().map(|&v| v as f32 * scale[i]).collect(),
                onset: o as usize,
                loudness: loud[i],
                material: label!("material")?,
                action: label!("action")?,
                source: text("source").unwrap_or_default(),
                time: lab.get("time").and_then(|v| v.as_f64()).unwrap_or(0.0),
            });
        }
        Ok(Bank::from_entries(params, bands, entries))
    }
}

fn bytes<T: Copy, const N: usize>(v: &[T], f: fn(T) -> [u8; N]) -> Vec<u8> {
    v.iter().flat_map(|&x| f(x)).collect()
}
fn floats(b: &[u8]) -> Vec<f32> {
    b.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect()
}
fn ints(b: &[u8]) -> Vec<i32> {
    b.chunks_exact(4).map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect()
}
