//! SPEC §7 metrics of whole systems on hand-built clips with known answers.
mod eval_common;
use eval_common::{add_modes, noise, features, RATE};
use foley::labels::{Action, Material};
use foley::metrics::{score_clip, ClipMetrics, Differences, EvalClip, MaterialModel, Output, SystemMetrics};
use foley::Waveform;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Modes of three made-up materials: (frequency range Hz, decay 1/s). Far apart in frequency
/// and decay, so a linear classifier on real sounds separates them.
const MATERIALS: [(&str, (f64, f64), f64); 3] =
    [("wood", (250.0, 600.0), 60.0), ("glass", (1500.0, 2500.0), 25.0), ("metal", (4000.0, 6000.0), 6.0)];

/// A clip with hits every 0.7 s from 0.4 s, random materials and loudness; the sound can be
/// shifted in time by `shift` s (annotations are not).
fn clip(seed: u64, shift: f64) -> (Waveform, Vec<Action>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut x = noise(&mut rng, 0.001);
    let mut actions = Vec::new();
    for k in 0..5 {
        let time = 0.4 + 0.7 * k as f64;
        let (name, (lo, hi), decay) = MATERIALS[rng.random_range(0..MATERIALS.len())];
        let modes: Vec<(f64, f64, f64)> =
            (0..3).map(|_| (rng.random_range(lo..hi), decay * rng.random_range(0.8..1.2), rng.random_range(0.5..1.0))).collect();
        let amp = rng.random_range(0.1..0.8);
        add_modes(&mut x, &mut rng, time + shift, amp, &modes);
        actions.push(Action { time, material: Some(name.parse::<Material>().unwrap()), action: None, reaction: None });
    }
    (Waveform::new(x, RATE), actions)
}

fn eval_clip(seed: u64) -> EvalClip {
    let (real, actions) = clip(seed, 0.0);
    let features = features(&real).unwrap();
    EvalClip::new(format!("clip{seed}"), real, features, actions)
}

#[test]
fn real_sound_silence_and_shifted_sound_score_as_expected() {
    let train: Vec<EvalClip> = (0..8).map(eval_clip).collect();
    let material = MaterialModel::train(train.iter().map(|c| (&c.real_features, c.actions.as_slice()))).unwrap();
    assert_eq!(material.classes, vec!["glass", "metal", "wood"]);
    let test: Vec<EvalClip> = (100..104).map(eval_clip).collect();
    let run = |name: &str, make: &dyn Fn(&EvalClip) -> Waveform| {
        let clips: Vec<_> = test
            .iter()
            .map(|c| score_clip(c, &Output { wave: make(c), cochleagram: None }, Some(&material), &features).unwrap())
            .collect();
        SystemMetrics::from_clips(name, &clips)
    };
    // The real sound itself: onsets perfect against its own onsets and the annotations,
    // materials separable, loudness/centroid r = 1, cochleagram error 0.
    let real = run("real", &|c| c.real.clone());
    assert_eq!(real.onsets_vs_real.ap, Some(1.0));
    assert_eq!(real.onsets_vs_annotations.ap, Some(1.0));
    assert_eq!(real.onsets_vs_annotations.count_right, Some(1.0));
    assert!(real.material_accuracy.unwrap() >= 0.9, "{:?}", real.material_accuracy);
    assert_eq!(real.material_hits, 20);
    // The confusion counts every labelled action once; its diagonal is the accuracy.
    let confusion = real.material_confusion.as_ref().unwrap();
    assert_eq!(confusion.classes, vec!["glass", "metal", "wood"]);
    assert_eq!(confusion.total(), 20);
    assert_eq!(confusion.right() as f64 / 20.0, real.material_accuracy.unwrap());
    assert!((real.hits.loudness_r.unwrap() - 1.0).abs() < 1e-9);
    assert!((real.hits.centroid_r.unwrap() - 1.0).abs() < 1e-9);
    assert_eq!(real.cochleagram_mae, Some(0.0));
    // Silence: no onsets → AP 0 and accuracy 0 (not undefined), loudness has no variance → r None.
    let silence = run("silence", &|c| Waveform::silence(c.real.duration(), RATE));
    // Every silent action sounds alike to the classifier: one column of the confusion.
    let heard = silence.material_confusion.as_ref().unwrap();
    assert_eq!(heard.total(), 20);
    assert_eq!((0..heard.classes.len()).filter(|&j| heard.counts.iter().any(|row| row[j] > 0)).count(), 1);
    assert_eq!(silence.onsets_vs_annotations.ap, Some(0.0));
    assert_eq!(silence.onsets_vs_real.accuracy, Some(0.0));
    assert_eq!(silence.hits.loudness_r, None);
    assert!(silence.cochleagram_mae.unwrap() > 0.0);
    // The same clips shifted 0.2 s late (beyond the ±0.1 s tolerance): AP 0.
    let late = run("late", &|c| clip(c.id[4..].parse().unwrap(), 0.2).0);
    assert_eq!(late.onsets_vs_annotations.ap, Some(0.0));
    assert_eq!(late.onsets_vs_real.ap, Some(0.0));
}

#[test]
fn bootstrap_intervals_cover_the_figure_and_narrow_with_more_clips() {
    let train: Vec<EvalClip> = (0..8).map(eval_clip).collect();
    let material = MaterialModel::train(train.iter().map(|c| (&c.real_features, c.actions.as_slice()))).unwrap();
    // Every other clip is the real sound, the rest silence: per-clip AP about 1 or 0.
    let score = |n: u64| -> Vec<ClipMetrics> {
        (200..200 + n)
            .map(|seed| {
                let c = eval_clip(seed);
                let wave = if seed % 2 == 0 { c.real.clone() } else { Waveform::silence(c.real.duration(), RATE) };
                score_clip(&c, &Output { wave, cochleagram: None }, Some(&material), &features).unwrap()
            })
            .collect()
    };
    let half = score(16);
    let (few, many) = (SystemMetrics::from_clips("half", &half[..4]), SystemMetrics::from_clips("half", &half));
    for m in [&few, &many] {
        let (est, ap) = (m.onsets_vs_annotations.ap.unwrap(), m.intervals.ap_vs_annotations.unwrap());
        assert!((0.4..=0.5).contains(&est), "{est}");
        assert!(ap.low < est - 0.1 && est + 0.1 < ap.high, "{est} {ap:?}");
        let acc = m.material_accuracy.unwrap();
        let i = m.intervals.material_accuracy.unwrap();
        assert!(i.low <= acc && acc <= i.high, "{acc} {i:?}");
    }
    let width = |m: &SystemMetrics| m.intervals.ap_vs_annotations.map(|i| i.high - i.low).unwrap();
    assert!(width(&many) < 0.75 * width(&few), "{} vs {}", width(&many), width(&few));
    // The real sound: every resample scores AP 1 and loudness r 1.
    let clips: Vec<_> = (200..216)
        .map(|seed| {
            let c = eval_clip(seed);
            score_clip(&c, &Output { wave: c.real.clone(), cochleagram: None }, Some(&material), &features).unwrap()
        })
        .collect();
    let real = SystemMetrics::from_clips("real", &clips);
    let ap = real.intervals.ap_vs_real.unwrap();
    assert_eq!((ap.low, ap.high), (1.0, 1.0));
    assert!(real.intervals.loudness_r.unwrap().low > 1.0 - 1e-9);
    // One clip cannot be resampled into anything but itself: no intervals.
    assert_eq!(SystemMetrics::from_clips("one", &clips[..1]).intervals.ap_vs_real, None);

    // Paired differences on the same 16 clips: the half-silent system minus the real sound
    // loses AP on every resample that holds a silent clip (all but 2⁻¹⁶ of them); a system
    // minus itself is exactly 0.
    let d = Differences::paired(&half, &clips).unwrap();
    let ap = d.ap_vs_real.unwrap();
    assert!((ap.value + 0.5).abs() < 1e-9 && ap.low < ap.value && ap.value < ap.high && ap.high < 0.0, "{ap:?}");
    let same = Differences::paired(&clips, &clips).unwrap().material_accuracy.unwrap();
    assert_eq!((same.value, same.low, same.high), (0.0, 0.0, 0.0));
    // Other clips, or another count of them, are not paired.
    assert_eq!(Differences::paired(&half[2..], &clips[..14]), None);
    assert_eq!(Differences::paired(&half[..3], &clips), None);
}

#[test]
fn report_writes_json_and_a_page_whose_links_all_exist() {
    use foley::eval::{ClipAssets, ReportMeta, ReportWriter, SystemResult};
    let tmp = tempfile::tempdir().unwrap();
    let train: Vec<EvalClip> = (0..4).map(eval_clip).collect();
    let material = MaterialModel::train(train.iter().map(|c| (&c.real_features, c.actions.as_slice()))).unwrap();
    let test: Vec<EvalClip> = (200..202).map(eval_clip).collect();
    let video = tmp.path().join("v.mp4");
    std::fs::write(&video, b"not really a video").unwrap();
    let out = tmp.path().join("report");
    let mut w = ReportWriter::create(&out).unwrap();
    let mut clips = Vec::new();
    for c in &test {
        let output = Output { wave: c.real.clone(), cochleagram: None };
        clips.push(score_clip(c, &output, Some(&material), &features).unwrap());
        w.add_clip(&ClipAssets {
            id: &c.id,
            video: Some(&video),
            real: &c.real,
            real_features: &c.real_features,
            predicted: &output.wave,
            predicted_features: &c.real_features,
        })
        .unwrap();
    }
    let meta = ReportMeta {
        foley_version: "test".into(),
        data: "d".into(),
        split: "test".into(),
        model: "m".into(),
        synth: "example".into(),
        material_classes: material.classes.clone(),
        material_train_hits: material.train_hits,
        seconds: 1.0,
        settings: None,
    };
    let result = SystemResult { metrics: SystemMetrics::from_clips("real sound", &clips), clips };
    let expected_ap = result.metrics.onsets_vs_annotations.ap;
    w.finish(&meta, &[result]).unwrap();
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(out.join("metrics.json")).unwrap()).unwrap();
    assert_eq!(json["systems"][0]["name"], "real sound");
    assert_eq!(json["systems"][0]["onsets_vs_annotations"]["ap"].as_f64(), expected_ap);
    assert_eq!(json["clips"].as_array().unwrap().len(), 2);
    let counts = json["systems"][0]["material_confusion"]["counts"].as_array().unwrap();
    let total: u64 = counts.iter().flat_map(|r| r.as_array().unwrap()).map(|k| k.as_u64().unwrap()).sum();
    assert_eq!(total, json["systems"][0]["material_hits"].as_u64().unwrap());
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(html.contains("<h2>Material confusion</h2>") && html.contains("real sound: "), "no confusion heat map");
    let links: Vec<&str> = html.split("src=\"").skip(1).map(|s| &s[..s.find('"').unwrap()]).collect();
    // Per clip: video, 2 pictures, 2 sounds.
    assert_eq!(links.len(), 2 * 5);
    for l in links {
        assert!(out.join(l).is_file(), "{l} missing");
    }
    // No temporary files left behind.
    let leftovers: Vec<_> = walk(&out).into_iter().filter(|p| p.to_string_lossy().contains(".partial-")).collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() { out.extend(walk(&p)) } else { out.push(p) }
    }
    out
}

/// Renders a small report (with a real H.264 video made by the ffmpeg CLI) and opens it in
/// headless Chromium through tools/eval_screenshot, which fails on any broken image or player.
/// Needs Debian's `chromium`: cargo test --test eval_metrics -- --ignored report_renders_in_chromium
#[test]
#[ignore = "needs chromium and the ffmpeg CLI"]
fn report_renders_in_chromium() {
    use foley::eval::{ClipAssets, ReportMeta, ReportWriter, SystemResult};
    let tmp = tempfile::tempdir().unwrap();
    let video = tmp.path().join("clip.mp4");
    let st = std::process::Command::new("ffmpeg")
        .args(["-v", "error", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=30:duration=4", "-c:v", "libx264", "-pix_fmt", "yuv420p"])
        .arg(&video)
        .status()
        .unwrap();
    assert!(st.success());
    let c = eval_clip(300);
    let out = tmp.path().join("report");
    let mut w = ReportWriter::create(&out).unwrap();
    let output = Output { wave: c.real.clone(), cochleagram: None };
    let clips = vec![score_clip(&c, &output, None, &features).unwrap()];
    w.add_clip(&ClipAssets { id: &c.id, video: Some(&video), real: &c.real, real_features: &c.real_features, predicted: &output.wave, predicted_features: &c.real_features }).unwrap();
    let meta = ReportMeta { foley_version: "test".into(), data: "d".into(), split: "test".into(), model: "m".into(), synth: "example".into(), material_classes: vec![], material_train_hits: 0, seconds: 0.0, settings: None };
    w.finish(&meta, &[SystemResult { metrics: SystemMetrics::from_clips("real sound", &clips), clips }]).unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tools/eval_screenshot");
    let o = std::process::Command::new(script).arg(&out).output().unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    eprintln!("{text}{}", String::from_utf8_lossy(&o.stderr));
    assert!(o.status.success() && text.contains("render check: ok"), "{text}");
    if let Ok(keep) = std::env::var("FOLEY_KEEP_SCREENSHOT") {
        std::fs::copy(out.join("screenshot.png"), keep).unwrap();
    }
    // The check notices a missing picture and a missing sound.
    std::fs::remove_file(out.join("clips/clip300/predicted.png")).unwrap();
    std::fs::remove_file(out.join("clips/clip300/real.wav")).unwrap();
    let o = std::process::Command::new(script).arg(&out).output().unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(!o.status.success() && text.contains("broken: clips/clip300/predicted.png clips/clip300/real.wav"), "{text}");
}

/// Stand-in systems: "echo" returns the real sound (perfect), "late" the same clip 0.2 s late.
struct StandIns;

impl foley::eval::Systems for StandIns {
    fn names(&self) -> Vec<String> {
        vec!["echo".into(), "late".into()]
    }
    fn predict(&mut self, source: &foley::eval::SourceClip) -> foley::Result<Vec<Output>> {
        let seed: u64 = source.id[4..].parse().unwrap();
        let echo = foley::audio::read_wav(&source.audio)?;
        let late = clip(seed, 0.2).0;
        Ok(vec![Output { wave: echo, cochleagram: None }, Output { wave: late, cochleagram: None }])
    }
}

#[test]
fn driver_trains_material_runs_systems_and_writes_the_report() {
    use foley::eval::{evaluate, ReportMeta, RunOptions, SourceClip, Systems, REAL_SOUND};
    let tmp = tempfile::tempdir().unwrap();
    let write = |seed: u64| {
        let (wave, actions) = clip(seed, 0.0);
        let audio = tmp.path().join(format!("clip{seed}.wav"));
        foley::audio::write_wav(&audio, &wave, foley::audio::SampleFormat::Int16).unwrap();
        SourceClip { id: format!("clip{seed}"), video: None, audio, actions }
    };
    let train: Vec<SourceClip> = (0..8).map(write).collect();
    let test: Vec<SourceClip> = (100..103).map(write).collect();
    let meta = ReportMeta {
        foley_version: "test".into(),
        data: "tmp".into(),
        split: "test".into(),
        model: "stand-ins".into(),
        synth: "none".into(),
        material_classes: vec![],
        material_train_hits: 0,
        seconds: 0.0,
        settings: None,
    };
    let out = tmp.path().join("report");
    let mut systems: Vec<Box<dyn Systems>> = vec![Box::new(StandIns)];
    let results = evaluate(&train, &test, &mut systems, RunOptions { out: &out, meta, quiet: true }).unwrap();
    let names: Vec<&str> = results.iter().map(|r| r.metrics.name.as_str()).collect();
    assert_eq!(names, ["echo", "late", REAL_SOUND]);
    let (echo, late, real) = (&results[0].metrics, &results[1].metrics, &results[2].metrics);
    // Echo is the real sound (through a 16-bit WAV round trip): same onsets → AP 1 vs real onsets.
    assert_eq!(echo.onsets_vs_real.ap, Some(1.0));
    assert_eq!(echo.material_accuracy, real.material_accuracy);
    assert!(real.material_accuracy.unwrap() >= 0.9);
    assert_eq!(late.onsets_vs_real.ap, Some(0.0));
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(out.join("metrics.json")).unwrap()).unwrap();
    assert_eq!(json["meta"]["material_classes"].as_array().unwrap().len(), 3);
    assert_eq!(json["meta"]["material_train_hits"], 40); // 8 clips × 5 labelled hits
    assert!(out.join("index.html").is_file() && out.join("clips/clip100/predicted.wav").is_file());
}

