//! Batch logic with a fake processor (no model, no video decoding).
use super::*;
use crate::dataset::Split;
use std::sync::atomic::{AtomicUsize, Ordering};

fn touch(p: &Path) {
    if let Some(d) = p.parent() {
        std::fs::create_dir_all(d).unwrap();
    }
    std::fs::write(p, b"x").unwrap();
}

/// A fake processor: fails for inputs whose name contains "bad", panics for "panic",
/// otherwise writes each wanted output atomically; counts calls per input.
struct Fake {
    calls: Mutex<Vec<PathBuf>>,
    running: AtomicUsize,
    max_running: AtomicUsize,
    sleep: Duration,
}

impl Fake {
    fn new(sleep_ms: u64) -> Fake {
        Fake { calls: Mutex::new(Vec::new()), running: AtomicUsize::new(0), max_running: AtomicUsize::new(0), sleep: Duration::from_millis(sleep_ms) }
    }
    fn calls(&self) -> Vec<PathBuf> {
        let mut v = self.calls.lock().unwrap().clone();
        v.sort();
        v
    }
}

impl Processor for Fake {
    fn process(&self, input: &Path, todo: &Outputs) -> Result<f64> {
        self.calls.lock().unwrap().push(input.to_path_buf());
        let now = self.running.fetch_add(1, Ordering::SeqCst) + 1;
        self.max_running.fetch_max(now, Ordering::SeqCst);
        std::thread::sleep(self.sleep);
        self.running.fetch_sub(1, Ordering::SeqCst);
        let name = input.to_string_lossy();
        if name.contains("panic") {
            panic!("fake processor panicked");
        }
        if name.contains("bad") {
            return Err(Error::bad(input, "fake: cannot decode"));
        }
        for p in todo.paths() {
            crate::util::write_atomic(p, |tmp| std::fs::write(tmp, b"RIFF").map_err(|e| Error::io(tmp, e)))?;
        }
        Ok(2.0)
    }
}

fn opts(out: &Path) -> Options {
    // An f32 in the settings: read back from the manifest it must still compare equal.
    let settings = serde_json::json!({"seed": 0, "threshold": 0.03f32});
    Options { out: out.to_path_buf(), want: Want::default(), jobs: 2, shard: None, force: false, settings }
}

fn folder(dir: &Path, names: &[&str]) -> Vec<Input> {
    for n in names {
        touch(&dir.join(n));
    }
    discover(&Source::Folder(dir.to_path_buf()), None).unwrap()
}

fn no_progress(_: Progress) {}

#[test]
fn shard_parses_k_of_n() {
    assert_eq!("3/8".parse::<Shard>(), Ok(Shard { k: 3, n: 8 }));
    assert_eq!("1/1".parse::<Shard>(), Ok(Shard { k: 1, n: 1 }));
    for bad in ["0/3", "4/3", "3", "a/b", "1/0", "/", "-1/3"] {
        assert!(bad.parse::<Shard>().is_err(), "{bad}");
    }
}

#[test]
fn shards_are_disjoint_cover_everything_and_balance() {
    let names: Vec<String> = (0..1000).map(|i| format!("2015-02-{:02}/{i:05}_denoised.mp4", i % 28)).collect();
    for n in 1..=7usize {
        let mut counts = vec![0usize; n];
        for name in &names {
            let owners: Vec<usize> = (1..=n).filter(|&k| Shard { k, n }.contains(name)).collect();
            assert_eq!(owners.len(), 1, "{name} in shards {owners:?} of {n}");
            counts[owners[0] - 1] += 1;
        }
        // Balance: each share within 5 binomial standard deviations of 1000/n.
        let (m, p) = (names.len() as f64, 1.0 / n as f64);
        let sd = (m * p * (1.0 - p)).sqrt();
        for c in counts {
            assert!((c as f64 - m * p).abs() <= 5.0 * sd + 1e-9, "n={n}: share of {c}, expected {}", m * p);
        }
    }
}

#[test]
fn folder_discovery_mirrors_names_and_skips_hidden_other_and_output() {
    let d = tempfile::tempdir().unwrap();
    for n in ["b/c.MOV", "a.mp4", "a.mkv", "x.txt", ".hidden.mp4", ".git/y.mp4", "out/old.mp4", "z.webm"] {
        touch(&d.path().join(n));
    }
    let inputs = discover(&Source::Folder(d.path().into()), Some(&d.path().join("out"))).unwrap();
    let got: Vec<(&str, &str)> = inputs.iter().map(|i| (i.rel.as_str(), i.name.as_str())).collect();
    assert_eq!(got, [("a.mkv", "a.mkv"), ("a.mp4", "a.mp4"), ("b/c.MOV", "b/c"), ("z.webm", "z")]);
    let o = Outputs::of(&inputs[2], Path::new("/o"), Want { mux: true, features: true });
    assert_eq!(o.wav.as_deref(), Some(Path::new("/o/b/c.wav")));
    assert_eq!(o.video.as_deref(), Some(Path::new("/o/b/c.mov")), "the input's container, lower-cased");
    assert_eq!(o.features.as_deref(), Some(Path::new("/o/b/c.npy")));
    let o = Outputs::of(&inputs[1], Path::new("/o"), Want { mux: true, features: false });
    assert_eq!(o.video.as_deref(), Some(Path::new("/o/a.mp4.mp4")));
}

#[test]
fn list_discovery_resolves_against_the_list_folder() {
    let d = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(d.path().join("lists")).unwrap();
    let list = d.path().join("lists/in.txt");
    std::fs::write(&list, "# videos\n\n  v/one.mp4 \n../two.mov\n/abs/three.mkv\n./v/one.mp4\n").unwrap();
    let inputs = discover(&Source::List(list.clone()), None).unwrap();
    let got: Vec<(PathBuf, &str, &str)> = inputs.iter().map(|i| (i.path.clone(), i.rel.as_str(), i.name.as_str())).collect();
    assert_eq!(
        got,
        [
            (d.path().join("lists/../two.mov"), "__/two.mov", "__/two"),
            (PathBuf::from("/abs/three.mkv"), "abs/three.mkv", "abs/three"),
            (d.path().join("lists/v/one.mp4"), "v/one.mp4", "v/one"),
        ]
    );
    std::fs::write(&list, "# nothing\n").unwrap();
    let e = discover(&Source::List(list.clone()), None).unwrap_err().to_string();
    assert!(e.contains("in.txt") && e.contains("no input"), "{e}");
    let e = discover(&Source::List(d.path().join("missing.txt")), None).unwrap_err().to_string();
    assert!(e.contains("missing.txt"), "{e}");
    // A video or a binary file given as --input says what --input takes.
    let video = d.path().join("clip.mp4");
    std::fs::write(&video, [0u8, 159, 146, 150]).unwrap();
    let e = discover(&Source::from_input(&video), None).unwrap_err().to_string();
    assert!(e.contains("clip.mp4") && e.contains("foley predict"), "{e}");
    std::fs::write(&list, [0u8, 159, 146, 150]).unwrap();
    let e = discover(&Source::List(list.clone()), None).unwrap_err().to_string();
    assert!(e.contains("in.txt") && e.contains("not text"), "{e}");
}

#[test]
fn data_discovery_reads_split_lists() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("train.txt"), "id-1\nid-2\n").unwrap();
    std::fs::write(d.path().join("test.txt"), "id-3\n").unwrap();
    let all = discover(&Source::Data { dir: d.path().into(), split: None }, None).unwrap();
    assert_eq!(all.iter().map(|i| i.name.as_str()).collect::<Vec<_>>(), ["id-1_denoised", "id-2_denoised", "id-3_denoised"]);
    assert_eq!(all[2].path, d.path().join("id-3_denoised.mp4"));
    let test = discover(&Source::Data { dir: d.path().into(), split: Some(Split::Test) }, None).unwrap();
    assert_eq!(test.len(), 1);
    let e = discover(&Source::Data { dir: d.path().into(), split: Some(Split::Val) }, None).unwrap_err().to_string();
    assert!(e.contains("val.txt"), "{e}");
}

#[test]
fn bad_inputs_are_recorded_and_the_rest_done() {
    let d = tempfile::tempdir().unwrap();
    let inputs = folder(&d.path().join("in"), &["a.mp4", "bad.mp4", "c.mp4", "panic.mp4", "e.mp4"]);
    let out = d.path().join("out");
    let fake = Fake::new(0);
    let s = run(inputs, &opts(&out), &fake, &no_progress).unwrap();
    assert_eq!((s.inputs, s.ok, s.failed, s.skipped), (5, 3, 2, 0));
    assert_eq!(s.video_seconds, 3.0 * 2.0);
    for n in ["a", "c", "e"] {
        assert!(out.join(format!("{n}.wav")).is_file());
    }
    assert!(!out.join("bad.wav").exists() && !out.join("panic.wav").exists());
    let m: Manifest = serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    assert!(m.complete);
    assert_eq!((m.ok, m.failed, m.records.len()), (3, 2, 5));
    let bad = m.records.iter().find(|r| r.rel == "bad.mp4").unwrap();
    assert_eq!(bad.status, Status::Failed);
    assert!(bad.error.as_deref().unwrap().contains("bad.mp4: fake: cannot decode"));
    let panicked = m.records.iter().find(|r| r.rel == "panic.mp4").unwrap();
    assert!(panicked.error.as_deref().unwrap().contains("internal error: fake processor panicked"));
    let good = m.records.iter().find(|r| r.rel == "a.mp4").unwrap();
    assert_eq!((good.duration, good.outputs.clone()), (Some(2.0), vec!["a.wav".to_string()]));
    assert!(s.line().contains("3 of 5 inputs ok") && s.line().contains("2 failed"), "{}", s.line());
    // No temporary file is left anywhere.
    let left: Vec<_> = std::fs::read_dir(&out).unwrap().flatten().filter(|e| e.file_name().to_string_lossy().starts_with('.')).collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn rerun_does_only_what_is_missing() {
    let d = tempfile::tempdir().unwrap();
    let inputs = folder(&d.path().join("in"), &["a.mp4", "b.mp4", "c.mp4"]);
    let out = d.path().join("out");
    let mut o = opts(&out);
    o.want.features = true;
    // As if a run was killed: a done, b half done (WAV only) with a stale temp file, c not started.
    touch(&out.join("a.wav"));
    touch(&out.join("a.npy"));
    touch(&out.join("b.wav"));
    touch(&out.join(".b.npy.npy"));
    let fake = Fake::new(0);
    let calls = std::sync::Arc::new(Mutex::new(Vec::new()));
    let c2 = calls.clone();
    let recording = move |input: &Path, todo: &Outputs| {
        c2.lock().unwrap().push((input.file_name().unwrap().to_owned(), todo.clone()));
        fake.process(input, todo)
    };
    let s = run(inputs.clone(), &o, &recording, &no_progress).unwrap();
    assert_eq!((s.ok, s.skipped, s.failed), (3, 1, 0));
    let mut calls = calls.lock().unwrap().clone();
    calls.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[0].1, Outputs { wav: None, video: None, features: Some(out.join("b.npy")) });
    assert_eq!(calls[1].1, Outputs { wav: Some(out.join("c.wav")), video: None, features: Some(out.join("c.npy")) });
    assert!(!out.join(".b.npy.npy").exists(), "stale temporary file removed");
    // Third run: nothing to do; previous timing kept for skipped records.
    let fake = Fake::new(0);
    let s = run(inputs, &o, &fake, &no_progress).unwrap();
    assert_eq!((s.ok, s.skipped), (3, 3));
    assert!(fake.calls().is_empty());
    let m: Manifest = serde_json::from_str(&std::fs::read_to_string(&s.manifest).unwrap()).unwrap();
    assert!(m.records.iter().all(|r| r.skipped && r.status == Status::Ok));
    assert_eq!(m.records.iter().find(|r| r.rel == "c.mp4").unwrap().duration, Some(2.0));
}

#[test]
fn failed_inputs_are_retried_on_rerun() {
    let d = tempfile::tempdir().unwrap();
    let inputs = folder(&d.path().join("in"), &["a.mp4", "bad.mp4"]);
    let out = d.path().join("out");
    run(inputs.clone(), &opts(&out), &Fake::new(0), &no_progress).unwrap();
    let fake = Fake::new(0);
    let s = run(inputs, &opts(&out), &fake, &no_progress).unwrap();
    assert_eq!(fake.calls(), [d.path().join("in/bad.mp4")]);
    assert_eq!((s.ok, s.failed, s.skipped), (1, 1, 1));
}

#[test]
fn other_settings_are_refused_unless_forced() {
    let d = tempfile::tempdir().unwrap();
    let inputs = folder(&d.path().join("in"), &["a.mp4"]);
    let out = d.path().join("out");
    run(inputs.clone(), &opts(&out), &Fake::new(0), &no_progress).unwrap();
    let mut o = opts(&out);
    o.settings = serde_json::json!({"seed": 1});
    let e = run(inputs.clone(), &o, &Fake::new(0), &no_progress).unwrap_err().to_string();
    assert!(e.contains("manifest.json") && e.contains("other settings") && e.contains("--force"), "{e}");
    o.force = true;
    let fake = Fake::new(0);
    let s = run(inputs, &o, &fake, &no_progress).unwrap();
    assert_eq!((s.ok, s.skipped, fake.calls().len()), (1, 0, 1));
}

#[test]
fn shards_write_their_own_manifest_and_together_do_everything() {
    let d = tempfile::tempdir().unwrap();
    let names: Vec<String> = (0..12).map(|i| format!("v{i}.mp4")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let inputs = folder(&d.path().join("in"), &refs);
    let out = d.path().join("out");
    let mut total = 0;
    for k in 1..=3 {
        let mut o = opts(&out);
        o.shard = Some(Shard { k, n: 3 });
        let fake = Fake::new(0);
        let s = run(inputs.clone(), &o, &fake, &no_progress).unwrap();
        assert_eq!(s.skipped, 0, "shard {k} redid another shard's input");
        assert!(s.manifest.ends_with(format!("manifest-{k}-of-3.json")));
        total += fake.calls().len();
    }
    assert_eq!(total, 12);
    assert!(names.iter().all(|n| out.join(n.replace(".mp4", ".wav")).is_file()));
}

#[test]
fn jobs_run_inputs_concurrently_and_report_progress() {
    let d = tempfile::tempdir().unwrap();
    let inputs = folder(&d.path().join("in"), &["a.mp4", "b.mp4", "c.mp4", "d.mp4"]);
    let out = d.path().join("out");
    let fake = Fake::new(150);
    let seen = Mutex::new(Vec::new());
    run(inputs, &opts(&out), &fake, &|p| seen.lock().unwrap().push(p.done)).unwrap();
    // Each fake call sleeps 150 ms, so two workers overlap unless the pool has one thread.
    assert_eq!(fake.max_running.load(Ordering::SeqCst), 2);
    assert_eq!(seen.into_inner().unwrap(), [0, 1, 2, 3, 4]);
}

#[test]
fn an_output_that_would_overwrite_its_input_fails_that_input() {
    let d = tempfile::tempdir().unwrap();
    let inputs = folder(d.path(), &["a.mp4"]);
    let mut o = opts(d.path());
    o.want.mux = true;
    let s = run(inputs, &o, &Fake::new(0), &no_progress).unwrap();
    assert_eq!(s.failed, 1);
    assert!(s.first_failure.unwrap().1.contains("overwrite its input"));
    assert_eq!(std::fs::read(d.path().join("a.mp4")).unwrap(), b"x");
}
