//! `foley export` end to end: generated videos, a tiny untrained model (`ModelConfig::tiny`,
//! weights from a fixed torch seed) and parametric synthesis (no sound bank needed).
use foley::export::{Manifest, Status};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant, SystemTime};

const FOLEY: &str = env!("CARGO_BIN_EXE_foley-torch");
/// Output rate (the default of --rate) and envelope rate (SPEC §2: 90 Hz).
const RATE: usize = 48_000;
const ENV_RATE: usize = 90;

mod model_support;
mod video_common;
use video_common::ffmpeg;

/// A `seconds`-long 30 fps 64x48 H.264 video made with the ffmpeg CLI.
fn video(path: &Path, seconds: f64) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let src = format!("testsrc2=size=64x48:rate=30:duration={seconds}");
    ffmpeg(&["-f", "lavfi", "-i", &src, "-c:v", "libx264", "-pix_fmt", "yuv420p", s(path)]);
}

fn model_dir(dir: &Path) -> PathBuf {
    let m = dir.join("model");
    model_support::save_tiny_model(&m);
    m
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn export_cmd(input: &Path, out: &Path, model: &Path, extra: &[&str]) -> Command {
    let mut c = Command::new(FOLEY);
    c.args(["--quiet", "export", "--input", s(input), "--out", s(out), "--model", s(model)])
        .args(["--synth", "parametric", "--iters", "2", "--device", "cpu"])
        .args(extra);
    c
}

fn manifest(path: &Path) -> Manifest {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// A WAV under a final name is whole: it reads, and lasts `seconds` to within one envelope
/// step (the cochleagram has 3 steps per 30 fps frame).
fn assert_complete_wav(path: &Path, seconds: f64) {
    let w = foley::audio::read_wav(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let want = seconds * RATE as f64;
    assert!((w.samples.len() as f64 - want).abs() <= (RATE / ENV_RATE) as f64, "{}: {} samples", path.display(), w.samples.len());
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn corrupt_and_audio_only_inputs_fail_alone() {
    let d = tempfile::tempdir().unwrap();
    let input = d.path().join("in");
    for n in ["a.mp4", "sub/b.mp4", "c.mov"] {
        video(&input.join(n), 1.0);
    }
    // Corrupt: the first kilobyte of a real video, then garbage (truncated container).
    let real = std::fs::read(input.join("a.mp4")).unwrap();
    let mut bytes = real[..1024.min(real.len())].to_vec();
    bytes.extend((0..4096u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8));
    std::fs::write(input.join("corrupt.mp4"), bytes).unwrap();
    // Audio only: an .mp4 holding a 1 s sine and no video stream.
    ffmpeg(&["-f", "lavfi", "-i", "sine=frequency=440:duration=1", "-c:a", "aac", s(&input.join("audio_only.mp4"))]);
    let out = d.path().join("out");
    let m = model_dir(d.path());
    let o = export_cmd(&input, &out, &m, &["--jobs", "2", "--features"]).output().unwrap();
    assert!(!o.status.success(), "failures must make the exit code non-zero");
    let err = stderr(&o);
    assert_eq!(err.trim().lines().count(), 1, "one summary line: {err}");
    assert!(err.starts_with("error: 3 of 5 inputs ok") && err.contains("2 failed"), "{err}");
    for n in ["a", "sub/b", "c"] {
        assert_complete_wav(&out.join(format!("{n}.wav")), 1.0);
        assert!(out.join(format!("{n}.npy")).is_file());
    }
    let man = manifest(&out.join("manifest.json"));
    assert!(man.complete);
    assert_eq!((man.inputs, man.ok, man.failed), (5, 3, 2));
    for bad in ["corrupt.mp4", "audio_only.mp4"] {
        let r = man.records.iter().find(|r| r.rel == bad).unwrap();
        assert_eq!(r.status, Status::Failed);
        let e = r.error.as_deref().unwrap();
        assert!(e.contains(bad), "the cause names the file: {e}");
        assert!(r.outputs.is_empty(), "no output for a failed input: {:?}", r.outputs);
        let stem = bad.trim_end_matches(".mp4");
        assert!(!out.join(format!("{stem}.wav")).exists());
    }
    let audio_only = man.records.iter().find(|r| r.rel == "audio_only.mp4").unwrap();
    assert!(audio_only.error.as_deref().unwrap().to_lowercase().contains("video"), "{:?}", audio_only.error);
    let ok = man.records.iter().find(|r| r.rel == "sub/b.mp4").unwrap();
    assert_eq!(ok.outputs, ["sub/b.wav", "sub/b.npy"]);
    assert!((ok.duration.unwrap() - 1.0).abs() < 1.0 / 30.0, "{:?}", ok.duration);
}

#[test]
fn killed_run_resumes_without_redoing_anything() {
    let d = tempfile::tempdir().unwrap();
    let input = d.path().join("in");
    let n = 8;
    for i in 0..n {
        video(&input.join(format!("v{i}.mp4")), 2.0);
    }
    let out = d.path().join("out");
    let m = model_dir(d.path());
    let wavs: Vec<PathBuf> = (0..n).map(|i| out.join(format!("v{i}.wav"))).collect();
    // First run, one job: killed (SIGKILL) as soon as its first WAV appears.
    let mut child = export_cmd(&input, &out, &m, &["--jobs", "1"]).spawn().unwrap();
    let t = Instant::now();
    while !wavs.iter().any(|w| w.exists()) {
        assert!(t.elapsed() < Duration::from_secs(120), "no output after 120 s");
        assert!(child.try_wait().unwrap().is_none(), "export ended before it could be killed");
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let done: Vec<(PathBuf, SystemTime)> =
        wavs.iter().filter(|w| w.exists()).map(|w| (w.clone(), std::fs::metadata(w).unwrap().modified().unwrap())).collect();
    assert!(!done.is_empty() && done.len() < n, "killed mid-way: {} of {n} done", done.len());
    for (w, _) in &done {
        assert_complete_wav(w, 2.0);
    }
    // Rerun: finishes the rest, touches nothing that was done.
    let o = export_cmd(&input, &out, &m, &["--jobs", "1"]).output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    for w in &wavs {
        assert_complete_wav(w, 2.0);
    }
    for (w, mtime) in &done {
        assert_eq!(std::fs::metadata(w).unwrap().modified().unwrap(), *mtime, "{} was redone", w.display());
    }
    let man = manifest(&out.join("manifest.json"));
    assert_eq!((man.ok, man.failed, man.skipped), (n, 0, done.len()));
    for r in &man.records {
        let was_done = done.iter().any(|(w, _)| w.ends_with(r.rel.replace(".mp4", ".wav")));
        assert_eq!(r.skipped, was_done, "{}", r.rel);
    }
    let leftovers: Vec<_> = std::fs::read_dir(&out).unwrap().flatten().map(|e| e.file_name()).filter(|f| f.to_string_lossy().starts_with('.')).collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

#[test]
fn shards_are_disjoint_and_cover_the_inputs() {
    let d = tempfile::tempdir().unwrap();
    let list = d.path().join("list.txt");
    let names: Vec<String> = (0..40).map(|i| format!("day{}/clip{i}.mp4", i % 3)).collect();
    std::fs::write(&list, names.join("\n")).unwrap();
    let n = 4;
    let mut seen: Vec<String> = Vec::new();
    for k in 1..=n {
        // --list needs no model and no video: it only shows the share.
        let o = Command::new(FOLEY)
            .args(["export", "--input", s(&list), "--out", s(&d.path().join("out")), "--list", "--shard", &format!("{k}/{n}")])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
        let text = String::from_utf8(o.stdout).unwrap();
        assert!(!text.is_empty(), "shard {k}/{n} is empty (40 inputs)");
        seen.extend(text.lines().map(|l| l.split('\t').nth(1).unwrap().to_string()));
    }
    let mut want: Vec<String> = names.iter().map(|n| n.trim_end_matches(".mp4").to_string()).collect();
    want.sort();
    let total = seen.len();
    seen.sort();
    seen.dedup();
    assert_eq!(total, seen.len(), "an input is in two shards");
    assert_eq!(seen, want, "the shards together are every input");
    let o = Command::new(FOLEY).args(["export", "--input", s(&list), "--out", "o", "--list", "--shard", "0/4"]).output().unwrap();
    assert!(!o.status.success() && stderr(&o).contains("1 <= K <= N"), "{}", stderr(&o));
}

#[test]
fn mux_writes_the_video_with_the_predicted_track() {
    let d = tempfile::tempdir().unwrap();
    let input = d.path().join("in");
    video(&input.join("clip.mp4"), 1.0);
    let out = d.path().join("out");
    let m = model_dir(d.path());
    let o = export_cmd(&input, &out, &m, &["--mux", "--json"]).output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let summary: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(summary["ok"], 1);
    assert_complete_wav(&out.join("clip.wav"), 1.0);
    let info = foley::video::probe(&out.join("clip.mp4")).unwrap();
    assert_eq!(info.audio.len(), 1, "one audio track");
    // --out equal to the input folder is refused before anything is written.
    let o = export_cmd(&input, &input, &m, &[]).output().unwrap();
    assert!(!o.status.success() && stderr(&o).contains("input folder"), "{}", stderr(&o));
}
