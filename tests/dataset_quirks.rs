//! A folder with the quirks of the real Greatest Hits download (SPEC §5), made here: ids
//! with a numeric suffix, `None` in every label position, reaction words outside the six,
//! CRLF line ends, `_mic.wav` / `_mic.mp4` / `_denoised_thumb.mp4` beside the clips (here
//! unreadable, so reading one would fail), 96 kHz audio, a 29.97 fps video, videos shorter
//! than their audio with an onset in between, unsorted and duplicate onsets, a clip in no
//! split list. `foley dataset check` passes with warnings (fails with --strict), and
//! `foley bank build` and `foley train` run on it, warning once per unknown reaction word.
#![cfg(feature = "video")]
use foley::audio::{write_wav, SampleFormat};
use foley::video::encode::Mp4Writer;
use foley::Waveform;
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

const FOLEY: &str = env!("CARGO_BIN_EXE_foley-torch");
/// The real download's audio rate.
const RATE: u32 = 96_000;

fn foley(args: &[&str]) -> Output {
    Command::new(FOLEY).args(args).output().expect("run foley")
}

/// `seconds` of audio at 96 kHz: quiet noise with a decaying 1 kHz burst at each onset.
fn audio(path: &Path, seconds: f64, onsets: &[f64]) {
    let n = (seconds * RATE as f64) as usize;
    let mut x = 7u32;
    let mut s: Vec<f32> = (0..n).map(|_| { x = x.wrapping_mul(1664525).wrapping_add(1013904223); ((x >> 8) as f32 / (1u32 << 24) as f32 - 0.5) * 0.002 }).collect();
    for &t in onsets {
        let at = (t * RATE as f64) as usize;
        for (k, v) in s.iter_mut().skip(at).take(RATE as usize / 10).enumerate() {
            let tt = k as f32 / RATE as f32;
            *v += 0.5 * (-tt * 60.0).exp() * (std::f32::consts::TAU * 1000.0 * tt).sin();
        }
    }
    write_wav(path, &Waveform::new(s, RATE), SampleFormat::Int16).unwrap();
}

/// A 30 fps video of `frames` frames (64x48) with foley's encoder: a bar that moves.
fn video_30(path: &Path, frames: usize) {
    let (w, h) = (64usize, 48usize);
    let mut mp4 = Mp4Writer::create(path, w as u32, h as u32, 30).unwrap();
    for i in 0..frames {
        let mut rgb = vec![90u8; w * h * 3];
        for y in 0..h {
            let x = (i * 3 + y) % w;
            rgb[(y * w + x) * 3..(y * w + x) * 3 + 3].copy_from_slice(&[250, 200, 40]);
        }
        mp4.write_frame(&rgb).unwrap();
    }
    mp4.finish().unwrap();
}

/// A 29.97 fps (30000/1001) H.264 video of `seconds` (foley's encoder takes whole rates
/// only, so the ffmpeg CLI makes this one).
fn video_2997(path: &Path, seconds: f64) {
    let src = format!("testsrc2=s=64x48:r=30000/1001:d={seconds}");
    let o = Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-f", "lavfi", "-i", &src, "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"])
        .arg(path)
        .output()
        .expect("ffmpeg CLI on PATH");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

const A: &str = "2015-02-16-16-49-06-12";
const B: &str = "2015-09-12-04-38-02-78";
const C: &str = "2015-03-01-10-00-00";
const D: &str = "2015-03-02-11-30-00-3";
const ORPHAN: &str = "2015-04-01-00-00-00";

/// The fixture; returns its folder. Lines end in CRLF throughout.
fn fixture(root: &Path) -> std::path::PathBuf {
    let d = root.join("greatest-hits");
    std::fs::create_dir_all(&d).unwrap();
    let crlf = |lines: &[&str]| lines.iter().map(|l| format!("{l}\r\n")).collect::<String>();
    let put = |name: String, text: String| std::fs::write(d.join(name), text).unwrap();
    // A: video 2.0 s (60 frames), audio 2.3 s; the last onset (2.150) lies between.
    video_30(&d.join(format!("{A}_denoised.mp4")), 60);
    audio(&d.join(format!("{A}_denoised.wav")), 2.3, &[0.4, 0.9, 1.3, 1.7, 2.15]);
    put(format!("{A}_times.txt"), crlf(&[
        "0.400000 wood hit static",
        "0.900000 None hit static",
        "1.300000 metal None static",
        "1.700000 wood hit None",
        "2.150000 None None None",
    ]));
    // B: 29.97 fps video of 2.5 s, audio 2.5 s; an unsorted and a duplicate onset and two
    // reaction words outside the six, one of which also appears in C.
    video_2997(&d.join(format!("{B}_denoised.mp4")), 2.5);
    audio(&d.join(format!("{B}_denoised.wav")), 2.5, &[0.5, 1.0, 1.6, 2.0]);
    put(format!("{B}_times.txt"), crlf(&[
        "0.500000 ceramic hit bounce",
        "1.600000 leaf scratch None",
        "1.000000 gravel hit scattering",
        "1.000000 gravel hit rolling",
        "2.000000 water hit splash",
    ]));
    // C: another train clip; D: the test clip.
    video_30(&d.join(format!("{C}_denoised.mp4")), 75);
    audio(&d.join(format!("{C}_denoised.wav")), 2.5, &[0.3, 0.8, 1.5, 2.1]);
    put(format!("{C}_times.txt"), crlf(&["0.300000 plastic-bag hit bounce", "0.800000 cloth hit deformation", "1.500000 rock hit static", "2.100000 None hit None"]));
    video_30(&d.join(format!("{D}_denoised.mp4")), 60);
    audio(&d.join(format!("{D}_denoised.wav")), 2.0, &[0.6, 1.2]);
    put(format!("{D}_times.txt"), crlf(&["0.600000 tile hit static", "1.200000 glass hit rigid-motion"]));
    // The download's other files, unreadable here: whatever reads one fails.
    for id in [A, B, C, D] {
        for extra in ["_mic.wav", "_mic.mp4", "_denoised_thumb.mp4"] {
            std::fs::write(d.join(format!("{id}{extra}")), b"RIFF\xff\xff\xff\xffWAVEnot really").unwrap();
        }
    }
    // A clip on disk in no split list.
    put(format!("{ORPHAN}_times.txt"), crlf(&["1.000000 wood hit static"]));
    put("train.txt".into(), crlf(&[A, B, C]));
    put("test.txt".into(), crlf(&[D]));
    d
}

fn check(dir: &Path, strict: bool) -> (Output, Value) {
    let mut args = vec!["--quiet", "dataset", "check", dir.to_str().unwrap(), "--json"];
    if strict {
        args.push("--strict");
    }
    let o = foley(&args);
    let v = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("check --json: {e}: {}", String::from_utf8_lossy(&o.stdout)));
    (o, v)
}

#[test]
fn real_download_quirks() {
    let t = tempfile::tempdir().unwrap();
    let d = fixture(t.path());
    let ds = d.to_str().unwrap();

    // --- dataset check: warnings only, exit 0 ---
    let (o, rep) = check(&d, false);
    assert!(o.status.success(), "{rep:#}\n{}", String::from_utf8_lossy(&o.stderr));
    let mut got: Vec<(String, String, String, Option<u64>)> = rep["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let file = Path::new(p["file"].as_str().unwrap()).file_name().unwrap().to_string_lossy().into_owned();
            (p["severity"].as_str().unwrap().into(), p["kind"].as_str().unwrap().into(), file, p["line"].as_u64())
        })
        .collect();
    got.sort();
    let w = |kind: &str, file: String, line: Option<u64>| ("warning".to_string(), kind.to_string(), file, line);
    let mut want = vec![
        // A's onset 2.15 s: past the 2.0 s video, within the 2.3 s audio.
        w("beyond-duration", format!("{A}_times.txt"), Some(5)),
        w("unsorted", format!("{B}_times.txt"), Some(3)),
        w("duplicate-time", format!("{B}_times.txt"), Some(4)),
        // One per distinct word, at its first line: 'bounce' (B:1, C:1) and 'rolling' (B:4).
        w("unknown-reaction", format!("{B}_times.txt"), Some(1)),
        w("unknown-reaction", format!("{B}_times.txt"), Some(4)),
        w("unlisted", format!("{ORPHAN}_times.txt"), None),
    ];
    want.sort();
    assert_eq!(got, want, "{rep:#}");
    assert_eq!((rep["errors"].as_u64(), rep["warnings"].as_u64(), rep["passed"].as_bool()), (Some(0), Some(6), Some(true)));
    assert_eq!(rep["splits"]["train"]["clips"], 3);
    assert_eq!(rep["splits"]["train"]["actions"], 14);
    assert_eq!(rep["reactions"]["other (bounce)"], 2, "{rep:#}");
    assert_eq!(rep["reactions"]["None"], 4, "{rep:#}");
    assert_eq!(rep["materials"]["None"], 3, "{rep:#}");
    let bounce = rep["problems"].as_array().unwrap().iter().find(|p| p["message"].as_str().unwrap().contains("'bounce'")).unwrap();
    let bfile = d.join(format!("{B}_times.txt"));
    assert_eq!(
        bounce["message"].as_str().unwrap(),
        format!("unknown reaction 'bounce' on 2 line(s), first at {}:1: kept as 'other' (known: static, rigid-motion, deformation, scattering, splash, other)", bfile.display())
    );

    // Text form: the summary line last; exit status 0.
    let o = foley(&["--quiet", "dataset", "check", ds]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{out}");
    assert_eq!(out.lines().last().unwrap(), "summary: 4 clip(s), 16 action(s): 0 error(s), 6 warning(s)");
    assert!(out.contains(&format!("{}:5: warning: onset 2.150000 s is past the end of the video", d.join(format!("{A}_times.txt")).display())), "{out}");

    // --strict: the warnings fail, one line on stderr.
    let (o, rep) = check(&d, true);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(rep["passed"], false);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(err.trim_end(), format!("error: {ds}: 6 warning(s) found and --strict makes warnings fail (listed above)"));

    // --- bank build: reads 96 kHz audio of the train clips, warns once per unknown word ---
    let bank = t.path().join("bank.safetensors");
    let o = foley(&["--quiet", "bank", "build", "--data", ds, "-o", bank.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(bank.is_file());
    let warned: Vec<&str> = err.lines().filter(|l| l.starts_with("warning: unknown reaction")).collect();
    assert_eq!(warned.len(), 2, "one warning per distinct word:\n{err}");
    assert!(warned[0].starts_with(&format!("warning: unknown reaction 'bounce' on 2 line(s), first at {}:1", bfile.display())), "{err}");
    assert!(warned[1].starts_with("warning: unknown reaction 'rolling' on 1 line(s)"), "{err}");

    // --- train: two steps of a tiny model on it ---
    let cfg = t.path().join("tiny.toml");
    std::fs::write(&cfg, "batch = 2\nwindow = 9\nepochs = 1\nsteps_per_epoch = 2\nwarmup = 1\nlog_every = 1\ncheckpoint_every = 100\n\n[model]\nwidth = 32\nheight = 24\nchannels = [8, 8]\nstem_kernel = 3\nstem_stride = 2\nfused_channels = 8\ngrid_channels = 4\nfeature_dim = 32\nhidden = 32\n").unwrap();
    let run = t.path().join("run");
    let o = foley(&["--quiet", "train", "--data", ds, "--out", run.to_str().unwrap(), "--config", cfg.to_str().unwrap(), "--max-steps", "2", "--no-bank", "--threads", "1", "--device", "cpu"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "train failed:\n{err}");
    assert_eq!(err.lines().filter(|l| l.starts_with("warning: unknown reaction")).count(), 2, "{err}");
    for f in ["model.safetensors", "config.json", "metrics.jsonl"] {
        assert!(run.join(f).is_file(), "train wrote no {f} in {}", run.display());
    }
}

#[test]
fn truncated_audio_is_an_error_of_check() {
    let t = tempfile::tempdir().unwrap();
    let d = fixture(t.path());
    let wav = d.join(format!("{C}_denoised.wav"));
    let bytes = std::fs::read(&wav).unwrap();
    std::fs::write(&wav, &bytes[..bytes.len() - 1000]).unwrap();
    let (o, rep) = check(&d, false);
    assert_eq!(o.status.code(), Some(1), "{rep:#}");
    let errors: Vec<&Value> = rep["problems"].as_array().unwrap().iter().filter(|p| p["severity"] == "error").collect();
    assert_eq!(errors.len(), 1, "{rep:#}");
    assert_eq!(errors[0]["kind"], "unreadable-media");
    assert_eq!(errors[0]["file"].as_str().unwrap(), wav.to_str().unwrap());
    // 2.5 s of 16-bit mono at 96 kHz: 480 000 bytes declared.
    assert_eq!(errors[0]["message"], "truncated WAV: the header declares 480000 bytes of audio data but the file holds 479000; re-copy or re-export it");
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(err.trim_end(), format!("error: {}: 1 error(s) and 6 warning(s) found (listed above)", d.display()));
}
