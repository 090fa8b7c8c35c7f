//! `foley predict` end to end on generated videos with a tiny untrained model (made in the
//! test with `ModelConfig::tiny`, weights from a fixed torch seed) and a bank of tones.
mod model_support;
use foley::labels::{Action, ActionKind, Material};
use foley::synth::{Bank, BankParams};
use foley::{Cochleagram, Waveform};
use std::path::{Path, PathBuf};
use std::process::Command;

const FOLEY: &str = env!("CARGO_BIN_EXE_foley-torch");

/// A 2 s, 30 fps, 160x120 H.264 test video (60 frames).
fn video(dir: &Path, name: &str, seconds: f64) -> PathBuf {
    let p = dir.join(name);
    let st = Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-f", "lavfi", "-i"])
        .arg(format!("testsrc2=size=160x120:rate=30:duration={seconds}"))
        .args(["-c:v", "libx264", "-pix_fmt", "yuv420p"])
        .arg(&p)
        .status()
        .expect("ffmpeg CLI");
    assert!(st.success());
    p
}

/// A model directory: tiny untrained model + a bank of decaying tones (one per "material").
fn model_dir(dir: &Path) -> PathBuf {
    let m = dir.join("model");
    model_support::save_tiny_model(&m);
    let rate = BankParams::default().rate;
    let mut wave = Waveform::silence(2.0, rate);
    let mut coch = vec![0.05f32; 180 * 42];
    let mut notes = Vec::new();
    for (i, (t, f)) in [(0.5, 400.0f32), (1.0, 2000.0), (1.5, 6000.0)].into_iter().enumerate() {
        let s0 = (t * rate as f64) as usize;
        for (k, x) in wave.samples[s0..].iter_mut().enumerate() {
            let tt = k as f32 / rate as f32;
            *x += 0.5 * (-tt / 0.05).exp() * (2.0 * std::f32::consts::PI * f * tt).sin();
        }
        let t0 = (t * 90.0).ceil() as usize;
        for step in t0..t0 + 10 {
            for b in 10 * i..10 * i + 14 {
                coch[step * 42 + b] = 0.6;
            }
        }
        notes.push(Action { time: t, material: Some([Material::Wood, Material::Metal, Material::Glass][i]), action: Some(ActionKind::Hit), reaction: None });
    }
    let bank = Bank::build(&[(wave, Cochleagram::new(coch, 42, 90.0), notes)], &BankParams::default()).unwrap();
    bank.save(&m.join("bank.safetensors")).unwrap();
    m
}

fn predict(args: &[&str]) -> std::process::Output {
    Command::new(FOLEY).arg("--quiet").arg("predict").args(args).output().expect("run foley")
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn predict_writes_the_video_duration_deterministically() {
    let d = tempfile::tempdir().unwrap();
    let v = video(d.path(), "clip.mp4", 2.0);
    let m = model_dir(d.path());
    for synth in ["parametric", "example"] {
        let (a, b) = (d.path().join(format!("{synth}_a.wav")), d.path().join(format!("{synth}_b.wav")));
        let feat = d.path().join("f.npy");
        let plot = d.path().join("f.png");
        for out in [&a, &b] {
            let o = predict(&[s(&v), "-o", s(out), "--model", s(&m), "--synth", synth, "--seed", "3",
                "--features", s(&feat), "--plot", s(&plot), "--device", "cpu"]);
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        }
        assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap(), "{synth}: same seed, same bytes");
        let w = foley::audio::read_wav(&a).unwrap();
        assert_eq!(w.rate, 48_000, "default output rate");
        // 60 frames at 30 fps = 2 s; within one video frame (1/30 s).
        assert!((w.duration() - 2.0).abs() <= 1.0 / 30.0, "{synth}: {} s", w.duration());
        // The cochleagram: 3 steps per frame (90 Hz), 42 bands.
        let c = Cochleagram::read_npy(&feat, 42).unwrap();
        assert_eq!(c.frames(), 180);
        assert!(image::open(&plot).is_ok());
    }
}

/// `ffmpeg -f framemd5` of the video stream copied out: one hash per packet.
fn video_packets(p: &Path) -> Vec<String> {
    let o = Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(p)
        .args(["-map", "0:v", "-c", "copy", "-f", "framemd5", "-"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&o.stdout).lines().filter(|l| !l.starts_with('#')).map(|l| l.rsplit(',').next().unwrap().trim().to_string()).collect()
}

#[test]
fn predict_muxes_into_a_copy_of_the_video() {
    let d = tempfile::tempdir().unwrap();
    let v = video(d.path(), "clip.mp4", 2.0);
    let m = model_dir(d.path());
    let out = d.path().join("with_sound.mp4");
    let o = predict(&[s(&v), "-o", s(&out), "--model", s(&m), "--synth", "parametric", "--device", "cpu"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (pi, po) = (video_packets(&v), video_packets(&out));
    assert_eq!(pi.len(), 60);
    assert_eq!(pi, po, "video packets copied unchanged");
    let a = foley::audio::read_audio(&out).unwrap();
    assert!((a.duration() - 2.0).abs() <= 1024.0 / a.rate as f64 + 1.0 / 30.0, "audio {} s", a.duration());
}

#[test]
fn bad_input_gives_one_line_and_no_output() {
    let d = tempfile::tempdir().unwrap();
    let m = model_dir(d.path());
    let v = video(d.path(), "clip.mp4", 1.0);
    let junk = d.path().join("junk.mp4");
    std::fs::write(&junk, vec![7u8; 5000]).unwrap();
    let out = d.path().join("out.wav");
    let cases: Vec<(Vec<String>, &str)> = vec![
        (vec![s(&d.path().join("missing.mp4")).into(), "--model".into(), s(&m).into()], "missing.mp4"),
        (vec![s(&junk).into(), "--model".into(), s(&m).into()], "junk.mp4"),
        (vec![s(&v).into(), "--model".into(), s(&d.path().join("nomodel")).into()], "nomodel"),
        (vec![s(&v).into(), "--model".into(), s(&m).into(), "--rate".into(), "0".into()], "rate"),
        (vec![s(&v).into(), "--model".into(), s(&m).into(), "--read-out-hits".into(), "1.5".into()], "--read-out-hits 1.5"),
    ];
    for (args, needle) in cases {
        let mut a: Vec<&str> = args.iter().map(String::as_str).collect();
        a.extend(["-o", s(&out), "--device", "cpu"]);
        let o = predict(&a);
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!o.status.success(), "{args:?} should fail");
        assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
        assert!(err.starts_with("error:") && err.contains(needle), "{err}");
        let left: Vec<_> = std::fs::read_dir(d.path()).unwrap().flatten().map(|e| e.file_name()).collect();
        assert!(!out.exists() && !left.iter().any(|n| n.to_string_lossy().contains("partial")), "{left:?}");
    }
    // An unknown output extension is refused before any work.
    let o = predict(&[s(&v), "-o", s(&d.path().join("out.mp3")), "--model", s(&m)]);
    assert!(!o.status.success() && String::from_utf8_lossy(&o.stderr).contains(".wav, .mp4"));
}
