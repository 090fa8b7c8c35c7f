//! `foley features` and `foley invert` as a user runs them: outputs, `--json`, and bad
//! input (one-line error naming the file, non-zero exit, no output left behind).
use std::path::{Path, PathBuf};
use std::process::Command;

fn foley(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_foley")).args(args).arg("--quiet").output().unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into(), String::from_utf8_lossy(&out.stderr).into())
}

fn fixture(name: &str) -> PathBuf {
    // The fixtures are the root package's (tests/fixtures, made by tools/cochleagram_ref.py).
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures").join(name)
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Run, expect failure with a single `error:` line that mentions `name`, and no `out` file.
fn expect_error(args: &[&str], name: &str, out: &Path, what: &str) {
    let (code, _, err) = foley(args);
    assert_ne!(code, 0, "{what}: should fail");
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 1, "{what}: one line expected, got {err:?}");
    assert!(lines[0].starts_with("error: ") && lines[0].contains(name), "{what}: {err:?}");
    assert!(!out.exists(), "{what}: output left behind");
    let dir = out.parent().unwrap();
    assert!(std::fs::read_dir(dir).unwrap().all(|e| !e.unwrap().file_name().to_string_lossy().contains("partial")));
}

#[test]
fn features_then_invert_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let npy = dir.path().join("f.npy");
    let wav = dir.path().join("o.wav");
    let (code, out, err) = foley(&["features", s(&fixture("ref_input.wav")), "-o", s(&npy), "--json"]);
    assert_eq!(code, 0, "{err}");
    let j: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(j["shape"], serde_json::json!([108, 42]));
    assert!((j["duration_s"].as_f64().unwrap() - 1.2).abs() < 1e-9); // 108 steps / 90 Hz
    let (code, _, err) = foley(&["invert", s(&npy), "-o", s(&wav), "--iters", "3", "--rate", "22050", "--format", "float32"]);
    assert_eq!(code, 0, "{err}");
    let w = foley_dsp::audio::read_wav(&wav).unwrap();
    assert_eq!(w.rate, 22_050);
    // 108 steps → ceil(108·2000/9) = 24 000 samples at 20 kHz → ceil(24 000·441/400) = 26 460
    assert_eq!(w.len(), 26_460);
}

#[test]
fn bad_audio_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.npy");
    let missing = dir.path().join("missing.wav");
    expect_error(&["features", s(&missing), "-o", s(&out)], "missing.wav", &out, "missing file");
    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "this is not audio\n").unwrap();
    expect_error(&["features", s(&text), "-o", s(&out)], "notes.txt", &out, "not audio");
    let empty = dir.path().join("empty.wav");
    foley_dsp::audio::write_wav(&empty, &foley_dsp::Waveform::new(vec![], 16_000), Default::default()).unwrap();
    expect_error(&["features", s(&empty), "-o", s(&out)], "empty.wav", &out, "empty audio");
    let zero = dir.path().join("zero.wav");
    std::fs::write(&zero, b"").unwrap();
    expect_error(&["features", s(&zero), "-o", s(&out)], "zero.wav", &out, "0-byte file");
    let short = dir.path().join("short.wav");
    foley_dsp::audio::write_wav(&short, &foley_dsp::Waveform::new(vec![0.1; 50], 16_000), Default::default()).unwrap();
    expect_error(&["features", s(&short), "-o", s(&out)], "short.wav", &out, "shorter than one step");
}

#[test]
fn bad_cochleagrams() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.wav");
    let write = |name: &str, rows: usize, cols: usize, f: &dyn Fn(usize) -> f32| {
        let p = dir.path().join(name);
        let a = foley_dsp::npy::Array2 { rows, cols, data: (0..rows * cols).map(f).collect() };
        foley_dsp::npy::write(&p, &a).unwrap();
        p
    };
    let shape = write("shape.npy", 10, 41, &|_| 0.5);
    expect_error(&["invert", s(&shape), "-o", s(&out)], "shape.npy", &out, "wrong shape");
    let nan = write("nan.npy", 10, 42, &|i| if i == 17 { f32::NAN } else { 0.5 });
    expect_error(&["invert", s(&nan), "-o", s(&out)], "nan.npy", &out, "NaN");
    let neg = write("neg.npy", 10, 42, &|i| if i == 5 { -0.1 } else { 0.5 });
    expect_error(&["invert", s(&neg), "-o", s(&out)], "neg.npy", &out, "negative");
    // float64 .npy: same header layout, dtype '<f8'
    let ok = write("f8.npy", 2, 42, &|_| 0.5);
    let mut bytes = std::fs::read(&ok).unwrap();
    let at = bytes.windows(3).position(|w| w == b"<f4").unwrap();
    bytes[at + 2] = b'8';
    bytes.extend(std::iter::repeat_n(0u8, 2 * 42 * 4));
    std::fs::write(&ok, &bytes).unwrap();
    expect_error(&["invert", s(&ok), "-o", s(&out)], "f8.npy", &out, "float64");
    let missing = dir.path().join("nope.npy");
    expect_error(&["invert", s(&missing), "-o", s(&out)], "nope.npy", &out, "missing npy");
    let text = dir.path().join("text.npy");
    std::fs::write(&text, "hello").unwrap();
    expect_error(&["invert", s(&text), "-o", s(&out)], "text.npy", &out, "not npy");
}
