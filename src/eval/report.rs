//! The evaluation report: `REPORT/metrics.json` and a browsable `REPORT/index.html` (SPEC §7)
//! with the metrics table (model vs baselines) and, per clip, the video, the predicted and real
//! cochleagrams as pictures and both sounds in audio players (files under `REPORT/clips/ID/`).
//!
//! The page checks itself when opened: a script counts broken images and media that fail to
//! load and writes the result into `<p id="render-check">` (`ok: …` or `broken: …`), which the
//! headless-Chromium check (tools/eval_screenshot) reads.
use crate::metrics::{ClipMetrics, MaterialConfusion, SystemMetrics};
use crate::audio::{write_wav, SampleFormat, Waveform};
use crate::cochleagram::Cochleagram;
use crate::error::{Error, Result};
use crate::util::write_atomic;
use serde::Serialize;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// What a clip contributes to the page.
pub struct ClipAssets<'a> {
    pub id: &'a str,
    pub video: Option<&'a Path>,
    pub real: &'a Waveform,
    pub real_features: &'a Cochleagram,
    pub predicted: &'a Waveform,
    pub predicted_features: &'a Cochleagram,
}

/// Facts about the run, written at the top of both files.
#[derive(Clone, Debug, Serialize)]
pub struct ReportMeta {
    pub foley_version: String,
    pub data: String,
    pub split: String,
    pub model: String,
    pub synth: String,
    /// Materials the classifier knows, and how many labelled training hits it saw.
    pub material_classes: Vec<String>,
    pub material_train_hits: usize,
    /// Seconds the whole evaluation took.
    pub seconds: f64,
    /// How the model rows were rendered (hit detection, retrieval, background…); none
    /// without a model.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub settings: Option<crate::synth::SynthOptions>,
}

/// One system's results: the aggregate and the per-clip rows (same clip order for all).
pub struct SystemResult {
    pub metrics: SystemMetrics,
    pub clips: Vec<ClipMetrics>,
}

/// Writes per-clip files as clips are evaluated, then the JSON and the page.
pub struct ReportWriter {
    dir: PathBuf,
    clips: Vec<(String, String, Option<String>)>, // id, folder, video file name
}

/// A file-name-safe form of a clip id.
fn folder_name(id: &str) -> String {
    id.chars().map(|c| if c.is_ascii_alphanumeric() || "-_.".contains(c) { c } else { '_' }).collect()
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

impl ReportWriter {
    /// Create (or reuse) the report folder.
    pub fn create(dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(dir.join("clips")).map_err(|e| Error::io(dir, e))?;
        Ok(ReportWriter { dir: dir.to_path_buf(), clips: Vec::new() })
    }

    /// Write one clip's sounds, pictures and a copy of its video.
    pub fn add_clip(&mut self, a: &ClipAssets) -> Result<()> {
        let folder = folder_name(a.id);
        let dir = self.dir.join("clips").join(&folder);
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        write_wav(&dir.join("real.wav"), a.real, SampleFormat::Int16)?;
        write_wav(&dir.join("predicted.wav"), a.predicted, SampleFormat::Int16)?;
        write_pair_png(a.real_features, a.predicted_features, &dir)?;
        let video = match a.video {
            Some(src) => {
                let ext = src.extension().and_then(|e| e.to_str()).unwrap_or("mp4");
                let name = format!("video.{ext}");
                write_atomic(&dir.join(&name), |tmp| std::fs::copy(src, tmp).map(|_| ()).map_err(|e| Error::io(src, e)))?;
                Some(name)
            }
            None => None,
        };
        self.clips.push((a.id.to_string(), folder, video));
        Ok(())
    }

    /// Write `metrics.json` and `index.html`. `systems[0]` is the model under test.
    pub fn finish(self, meta: &ReportMeta, systems: &[SystemResult]) -> Result<()> {
        #[derive(Serialize)]
        struct Json<'a> {
            meta: &'a ReportMeta,
            protocol: serde_json::Value,
            systems: Vec<&'a SystemMetrics>,
            clips: Vec<serde_json::Value>,
        }
        let clips = (0..systems.first().map_or(0, |s| s.clips.len()))
            .map(|i| {
                let per: serde_json::Map<String, serde_json::Value> = systems
                    .iter()
                    .map(|s| (s.metrics.name.clone(), serde_json::to_value(&s.clips[i]).unwrap_or_default()))
                    .collect();
                serde_json::json!({ "id": systems[0].clips[i].id, "systems": per })
            })
            .collect();
        let json = Json { meta, protocol: protocol(), systems: systems.iter().map(|s| &s.metrics).collect(), clips };
        let text = serde_json::to_string_pretty(&json).map_err(|e| Error::Param(format!("metrics JSON: {e}")))?;
        let path = self.dir.join("metrics.json");
        write_atomic(&path, |tmp| std::fs::write(tmp, text + "\n").map_err(|e| Error::io(tmp, e)))?;
        let html = self.html(meta, systems);
        let path = self.dir.join("index.html");
        write_atomic(&path, |tmp| std::fs::write(tmp, html).map_err(|e| Error::io(tmp, e)))
    }

    fn html(&self, meta: &ReportMeta, systems: &[SystemResult]) -> String {
        let mut h = String::new();
        let _ = write!(
            h,
            "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>foley eval: {}</title>\n<style>{STYLE}</style></head><body>\n\
             <h1>foley eval</h1>\n<p>Model <code>{}</code> ({} synthesis) on the <b>{}</b> split of <code>{}</code>: {} clips, \
             evaluated in {:.0} s by foley {}.</p>\n<p id=\"render-check\">checking…</p>\n",
            esc(&meta.model),
            esc(&meta.model),
            esc(&meta.synth),
            esc(&meta.split),
            esc(&meta.data),
            self.clips.len(),
            meta.seconds,
            esc(&meta.foley_version)
        );
        h.push_str(&metrics_table(systems, meta));
        h.push_str(EXPLAIN);
        h.push_str(&confusion_tables(systems));
        h.push_str("<h2>Clips</h2>\n");
        let model = systems.first();
        for (i, (id, folder, video)) in self.clips.iter().enumerate() {
            let base = format!("clips/{folder}");
            let _ = write!(h, "<section class=\"clip\"><h3>{}</h3>\n", esc(id));
            if let Some(c) = model.and_then(|m| m.clips.get(i)) {
                let f = |v: Option<f64>| v.map_or("–".into(), |v| format!("{v:.2}"));
                let _ = write!(
                    h,
                    "<p class=\"small\">{}: AP vs real onsets {}, vs annotations {} · {} generated onsets, {} matching one of {} annotations · material right {}/{} · cochleagram MAE {}</p>\n",
                    esc(&model.map_or(String::new(), |m| m.metrics.name.clone())),
                    f(c.onsets_vs_real.ap),
                    f(c.onsets_vs_annotations.ap),
                    c.onsets_vs_annotations.generated,
                    c.onsets_vs_annotations.matched,
                    c.onsets_vs_annotations.reference,
                    c.material_right,
                    c.material_hits,
                    c.cochleagram_mae.map_or("–".into(), |v| format!("{v:.3}"))
                );
            }
            h.push_str("<div class=\"row\">");
            if let Some(v) = video {
                let _ = write!(h, "<figure><video controls muted preload=\"metadata\" width=\"320\" src=\"{base}/{v}\"></video><figcaption>video (silent)</figcaption></figure>");
            }
            let _ = write!(
                h,
                "<div class=\"sounds\"><figure><img src=\"{base}/predicted.png\" alt=\"predicted cochleagram\">\
                 <figcaption>predicted cochleagram and sound</figcaption><audio controls preload=\"metadata\" src=\"{base}/predicted.wav\"></audio></figure>\
                 <figure><img src=\"{base}/real.png\" alt=\"real cochleagram\"><figcaption>real cochleagram and sound</figcaption>\
                 <audio controls preload=\"metadata\" src=\"{base}/real.wav\"></audio></figure></div></div></section>\n"
            );
        }
        h.push_str(CHECK_SCRIPT);
        h.push_str("</body></html>\n");
        h
    }
}

/// The protocol constants, recorded in metrics.json.
fn protocol() -> serde_json::Value {
    use crate::metrics::detection::{CONFIDENCE_WINDOW, MATCH_TOLERANCE};
    use crate::metrics::hits::{HIT_AFTER, HIT_BEFORE};
    use crate::metrics::material::{WINDOW_AFTER, WINDOW_BEFORE};
    let p = crate::metrics::OnsetParams::default();
    serde_json::json!({
        "onset_detector": {"like": "librosa 0.11 onset.onset_detect", "rate": p.rate, "hop": p.hop, "n_fft": p.n_fft, "n_mels": p.n_mels, "delta": p.delta},
        "confidence_window_s": CONFIDENCE_WINDOW, "suppression_s": CONFIDENCE_WINDOW, "match_tolerance_s": MATCH_TOLERANCE,
        "ap": "mean over reference onsets of precision at the rank where each is found (0 if never); per clip, then mean over clips with reference onsets",
        "material": {"classifier": "ridge (one-vs-rest, λ by hold-out)", "window_steps": [-(WINDOW_BEFORE as i64), WINDOW_AFTER]},
        "hit_window_s": [-HIT_BEFORE, HIT_AFTER],
    })
}

fn metrics_table(systems: &[SystemResult], meta: &ReportMeta) -> String {
    let pct = |v: Option<f64>| v.map_or("–".to_string(), |v| format!("{:.1} %", 100.0 * v));
    let mut h = String::from(
        "<table><thead><tr><th rowspan=2>system</th><th colspan=3>onsets vs real audio</th><th colspan=4>onsets vs annotations</th>\
         <th rowspan=2>material<br>accuracy</th><th colspan=2>per-hit r</th><th rowspan=2>cochleagram<br>MAE</th></tr>\
         <tr><th>AP</th><th>accuracy</th><th>right count</th><th>AP</th><th>accuracy</th><th>precision</th><th>right count</th>\
         <th>loudness</th><th>centroid</th></tr></thead><tbody>\n",
    );
    for s in systems {
        let _ = writeln!(h, "<tr><td>{}</td><td>{}</td></tr>", esc(&s.metrics.name), cells(&s.metrics).join("</td><td>"));
    }
    h.push_str(&interval_table(systems));
    let chance = if meta.material_classes.is_empty() { None } else { Some(1.0 / meta.material_classes.len() as f64) };
    let _ = writeln!(
        h,
        "</tbody></table>\n<p class=\"small\">Material classifier: trained on {} labelled hits of real training sounds, {} classes (chance {}).</p>",
        meta.material_train_hits,
        meta.material_classes.len(),
        pct(chance)
    );
    h
}

/// The 95 % bootstrap intervals of the headline figures, one row per system.
fn interval_table(systems: &[SystemResult]) -> String {
    use crate::metrics::interval::{LEVEL, RESAMPLES};
    let mut h = format!(
        "<table class=\"small\"><caption>{:.0} % intervals, bootstrap over clips ({RESAMPLES} resamples): how far each \
         figure could move with another draw of clips like these</caption><thead><tr><th>system</th><th>AP vs real audio</th><th>AP vs annotations</th>\
         <th>material accuracy</th><th>loudness r</th></tr></thead><tbody>\n",
        100.0 * LEVEL
    );
    for s in systems {
        let _ = writeln!(h, "<tr><td>{}</td><td>{}</td></tr>", esc(&s.metrics.name), interval_cells(&s.metrics).join("</td><td>"));
    }
    h.push_str("</tbody></table>\n");
    if let Some(model) = systems.first().filter(|_| systems.iter().any(|s| s.metrics.vs_model.is_some())) {
        let _ = writeln!(
            h,
            "<table class=\"small\"><caption>Each row minus {} on the same clips, with its {:.0} % interval (paired \
             bootstrap): an interval that excludes 0 is a difference these clips show</caption><thead><tr><th>system</th>\
             <th>AP vs real audio</th><th>AP vs annotations</th><th>material accuracy</th><th>loudness r</th></tr></thead><tbody>",
            esc(&model.metrics.name),
            100.0 * LEVEL
        );
        for s in systems {
            if let Some(d) = &s.metrics.vs_model {
                let _ = writeln!(h, "<tr><td>{}</td><td>{}</td></tr>", esc(&s.metrics.name), difference_cells(d).join("</td><td>"));
            }
        }
        h.push_str("</tbody></table>\n");
    }
    h
}

/// AP vs real, AP vs annotations, material (in points) and loudness r differences, formatted.
fn difference_cells(d: &crate::metrics::Differences) -> [String; 4] {
    let f = |v: Option<crate::metrics::Difference>, scale: f64, digits: usize| {
        v.map_or("–".to_string(), |v| {
            format!("{:+.digits$} ({:+.digits$}…{:+.digits$})", scale * v.value, scale * v.low, scale * v.high)
        })
    };
    [f(d.ap_vs_real, 1.0, 3), f(d.ap_vs_annotations, 1.0, 3), f(d.material_accuracy, 100.0, 1), f(d.loudness_r, 1.0, 3)]
}

/// AP vs real, AP vs annotations, material and loudness r intervals, formatted.
fn interval_cells(m: &SystemMetrics) -> [String; 4] {
    let i = &m.intervals;
    let f = |v: Option<crate::metrics::Interval>| v.map_or("–".to_string(), |v| format!("{:.3}–{:.3}", v.low, v.high));
    let pct = |v: Option<crate::metrics::Interval>| v.map_or("–".to_string(), |v| format!("{:.1}–{:.1} %", 100.0 * v.low, 100.0 * v.high));
    [f(i.ap_vs_real), f(i.ap_vs_annotations), pct(i.material_accuracy), f(i.loudness_r)]
}

/// One heat map per system of which material the classifier heard at each labelled action
/// (rows: annotated, columns: heard; shade: share of the row), so the confused pairs show.
fn confusion_tables(systems: &[SystemResult]) -> String {
    let with: Vec<(&str, &MaterialConfusion)> =
        systems.iter().filter_map(|s| s.metrics.material_confusion.as_ref().map(|c| (s.metrics.name.as_str(), c))).collect();
    if with.is_empty() {
        return String::new();
    }
    // The same rows and columns for every system, so the maps compare cell by cell.
    let mut classes: Vec<&String> = with.iter().flat_map(|(_, c)| &c.classes).collect();
    classes.sort();
    classes.dedup();
    let mut h = String::from(
        "<h2>Material confusion</h2>\n<p class=\"small\">Rows: annotated material; columns: what the classifier hears in \
         the sound at that action; shade: share of the row; outlined: right.</p>\n<div class=\"row\">",
    );
    for (name, c) in with {
        let _ = write!(h, "<figure><table class=\"confusion\"><thead><tr><th></th>");
        for class in &classes {
            let _ = write!(h, "<th title=\"{}\">{}</th>", esc(class), esc(&class.chars().take(4).collect::<String>()));
        }
        h.push_str("</tr></thead><tbody>");
        let at = |class: &String| c.classes.binary_search(class).ok();
        for (i, class) in classes.iter().enumerate() {
            let x = at(class);
            let row: Vec<usize> = classes.iter().map(|b| x.zip(at(b)).map_or(0, |(x, y)| c.counts[x][y])).collect();
            let n: usize = row.iter().sum();
            let _ = write!(h, "<tr><th>{}</th>", esc(class));
            for (j, &k) in row.iter().enumerate() {
                let share = if n > 0 { k as f64 / n as f64 } else { 0.0 };
                let right = if i == j { " class=\"right\"" } else { "" };
                let text = if k > 0 { k.to_string() } else { String::new() };
                let _ = write!(h, "<td{right} style=\"background:rgba(200,60,40,{share:.2})\">{text}</td>");
            }
            h.push_str("</tr>");
        }
        let _ = write!(
            h,
            "</tbody></table><figcaption>{}: {} of {} right</figcaption></figure>",
            esc(name),
            c.right(),
            c.total()
        );
    }
    h.push_str("</div>\n");
    h
}

/// The numbers of a table row, formatted, in the column order of both tables.
fn cells(m: &SystemMetrics) -> Vec<String> {
    let f = |v: Option<f64>| v.map_or("–".to_string(), |v| format!("{v:.3}"));
    let pct = |v: Option<f64>| v.map_or("–".to_string(), |v| format!("{:.1} %", 100.0 * v));
    vec![
        f(m.onsets_vs_real.ap),
        f(m.onsets_vs_real.accuracy),
        pct(m.onsets_vs_real.count_right),
        f(m.onsets_vs_annotations.ap),
        f(m.onsets_vs_annotations.accuracy),
        f(m.onsets_vs_annotations.pooled_precision),
        pct(m.onsets_vs_annotations.count_right),
        pct(m.material_accuracy),
        f(m.hits.loudness_r),
        f(m.hits.centroid_r),
        f(m.cochleagram_mae),
    ]
}

/// The metrics table as plain text (one row per system), for the terminal.
pub fn text_table(systems: &[SystemResult]) -> String {
    let heads = ["AP/real", "acc", "count", "AP/ann", "acc", "prec", "count", "material", "loud r", "cent r", "MAE"];
    let headline = ["AP/real", "AP/ann", "material", "loud r"].map(String::from);
    let width = systems.iter().map(|s| s.metrics.name.chars().count()).max().unwrap_or(6).max(6);
    // One row: the name, then the cells right-aligned in columns of `col`.
    let line = |name: &str, cells: &[String], col: usize| {
        let cols: Vec<String> = cells.iter().map(|c| format!("{c:>col$}")).collect();
        format!("{name:width$} {}\n", cols.join(" "))
    };
    let mut t = line("system", &heads.map(String::from), 8);
    for s in systems {
        t.push_str(&line(&s.metrics.name, &cells(&s.metrics), 8));
    }
    let _ = writeln!(t, "\n{:.0} % intervals (bootstrap over clips):", 100.0 * crate::metrics::interval::LEVEL);
    t.push_str(&line("system", &headline, 15));
    for s in systems {
        t.push_str(&line(&s.metrics.name, &interval_cells(&s.metrics), 15));
    }
    if let Some(model) = systems.first().filter(|_| systems.iter().any(|s| s.metrics.vs_model.is_some())) {
        let _ = writeln!(t, "\nminus {} on the same clips (paired bootstrap; material in points):", model.metrics.name);
        t.push_str(&line("system", &headline, 24));
        for s in systems {
            if let Some(d) = &s.metrics.vs_model {
                t.push_str(&line(&s.metrics.name, &difference_cells(d), 24));
            }
        }
    }
    t
}

/// Both cochleagram pictures of a clip (drawn by `synth::plot`), on one scale: values divided
/// by the real cochleagram's maximum, so quiet recordings are visible and the two compare.
fn write_pair_png(real: &Cochleagram, predicted: &Cochleagram, dir: &Path) -> Result<()> {
    let peak = real.data.iter().cloned().fold(0.0f32, f32::max);
    for (c, name) in [(real, "real.png"), (predicted, "predicted.png")] {
        crate::synth::plot::write_png(&crate::synth::plot::scaled(c, Some(peak)), &[], &dir.join(name))?;
    }
    Ok(())
}

const STYLE: &str = "body{font-family:sans-serif;margin:1.5em;max-width:1400px}table{border-collapse:collapse}\
td,th{border:1px solid #bbb;padding:3px 8px;text-align:right}td:first-child{text-align:left}th{background:#eee}\
.row{display:flex;flex-wrap:wrap;gap:12px;align-items:flex-start}figure{margin:0}figcaption,.small{font-size:85%;color:#444}\
img{display:block;max-width:100%;height:auto;image-rendering:pixelated}.sounds{flex:1;min-width:300px}audio{display:block;width:320px}.clip{border-top:1px solid #ccc;margin-top:1em}\
#render-check{font-family:monospace}table.small{margin-top:1em}caption{text-align:left;padding-bottom:3px}\
table.confusion td,table.confusion th{padding:1px 3px;font-size:75%;min-width:1.6em}table.confusion td.right{outline:2px solid #222}";

const EXPLAIN: &str = "<p class=\"small\">Onsets: librosa-style spectral-flux onsets (22 050 Hz, hop 512, δ 0.3) of each \
generated sound, confidence = peak normalised |waveform| within ±50 ms, 50 ms suppression, matched strongest first within ±0.1 s \
to the real sound's onsets or to the annotated times. AP = mean over reference onsets of the precision at the rank where each is \
found (0 if never; a clip with no generated onsets scores 0), averaged over clips; accuracy = found / reference onsets; \
precision pooled over clips; right count = share of clips with as many generated as reference onsets. Per-hit r: Pearson \
correlation over all annotated test hits of RMS level and spectral centroid in [−20 ms, +150 ms].</p>\n";

/// Counts images that failed to decode and media that failed to load; the screenshot check
/// reads the verdict from #render-check.
const CHECK_SCRIPT: &str = r#"<script>
function renderCheck() {
  const imgs = [...document.images];
  const media = [...document.querySelectorAll('audio,video')];
  const badImgs = imgs.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.getAttribute('src'));
  const badMedia = media.filter(m => m.error || m.readyState < 1).map(m => m.getAttribute('src'));
  const el = document.getElementById('render-check');
  const bad = badImgs.concat(badMedia);
  const counts = `${imgs.length} images, ${media.length} players`;
  el.textContent = bad.length ? `broken: ${bad.join(' ')} (of ${counts})` : `ok: ${counts}`;
}
window.addEventListener('load', () => {
  const media = [...document.querySelectorAll('audio,video')];
  let pending = media.length;
  const done = () => { if (--pending <= 0) renderCheck(); };
  if (!pending) renderCheck();
  media.forEach(m => { if (m.readyState >= 1) done(); else { m.addEventListener('loadedmetadata', done, {once: true}); m.addEventListener('error', done, {once: true}); } });
  setTimeout(renderCheck, 8000);
});
</script>
"#;
