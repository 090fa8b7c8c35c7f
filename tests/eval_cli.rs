//! `foley eval` end to end: on a small dataset made by `foley dataset synth`, the real-sound
//! row alone (`--real-only`) and a tiny untrained model with its random-retrieval baseline;
//! bad input fails with one line naming the file and leaves no report.
mod model_support;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const FOLEY: &str = env!("CARGO_BIN_EXE_foley-torch");

fn foley(args: &[&str]) -> Output {
    Command::new(FOLEY).arg("--quiet").args(args).output().expect("run foley")
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// 6 clips of 3 s (4 train, 2 test), 160x120.
fn dataset(dir: &Path) -> PathBuf {
    let d = dir.join("data");
    let o = foley(&["dataset", "synth", "--out", s(&d), "--videos", "6", "--seconds", "3", "--seed", "5",
        "--size", "160x120", "--val-share", "0", "--test-share", "0.34"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    d
}

fn json(o: &Output) -> serde_json::Value {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).expect("--json output")
}

#[test]
fn real_only_and_tiny_model_reports() {
    let tmp = tempfile::tempdir().unwrap();
    let data = dataset(tmp.path());
    // The real sound alone: its onsets are its own reference (AP 1 by construction); against
    // the annotations the detector finds most actions (scratches start softly, so not all).
    let report = tmp.path().join("real");
    let v = json(&foley(&["eval", "--data", s(&data), "--out", s(&report), "--real-only", "--json"]));
    assert_eq!(v.as_array().unwrap().len(), 1);
    assert_eq!(v[0]["name"], foley::eval::REAL_SOUND);
    assert_eq!(v[0]["onsets_vs_real"]["ap"], 1.0);
    assert!(v[0]["onsets_vs_annotations"]["ap"].as_f64().unwrap() > 0.5, "{}", v[0]);
    assert!(report.join("metrics.json").is_file() && report.join("index.html").is_file());

    // A tiny untrained model (fixed torch seed) with a bank built from the train split.
    let model = tmp.path().join("model");
    model_support::save_tiny_model(&model);
    let o = foley(&["bank", "build", "--data", s(&data), "-o", s(&model.join("bank.safetensors"))]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let report = tmp.path().join("model-report");
    let v = json(&foley(&["eval", "--data", s(&data), "--model", s(&model), "--out", s(&report), "--limit", "1",
        "--device", "cpu", "--json"]));
    let names: Vec<&str> = v.as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert_eq!(names.len(), 4);
    assert!(names[0].starts_with("model ("));
    assert_eq!(&names[1..], [foley::eval::systems::NEAREST_RETRIEVAL, "random example retrieval", foley::eval::REAL_SOUND]);
    assert_eq!(v[0]["clips"], 1);
    // metrics.json records how the model rows were rendered; the real-only report has no model.
    let meta = |r: &std::path::Path| -> serde_json::Value {
        serde_json::from_str::<serde_json::Value>(&std::fs::read_to_string(r.join("metrics.json")).unwrap()).unwrap()["meta"].clone()
    };
    let settings = &meta(&report)["settings"];
    let read_out = settings["hits"]["read_out"].as_f64().unwrap_or(f64::NAN) as f32;
    assert_eq!(Some(read_out), foley::synth::HitParams::default().read_out, "{settings}");
    assert_eq!(settings["background"], true);
    assert!(meta(&tmp.path().join("real")).get("settings").is_none());
    let html = std::fs::read_to_string(report.join("index.html")).unwrap();
    for link in html.split("src=\"").skip(1).map(|s| &s[..s.find('"').unwrap()]) {
        assert!(report.join(link).is_file(), "{link} missing");
    }
}

#[test]
fn bad_input_fails_with_one_line_and_no_report() {
    let tmp = tempfile::tempdir().unwrap();
    let report = tmp.path().join("report");
    let missing = tmp.path().join("no-such-data");
    let o = foley(&["eval", "--data", s(&missing), "--out", s(&report), "--real-only"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("error: ") && err.contains("no-such-data"), "{err}");
    assert!(!report.exists());
    // A model directory that does not exist: named, no report.
    let data = dataset(tmp.path());
    let o = foley(&["eval", "--data", s(&data), "--model", s(&tmp.path().join("nomodel")), "--out", s(&report)]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1));
    assert!(err.contains("nomodel"), "{err}");
    assert!(!report.exists());
    // A negative hit threshold.
    let o = foley(&["eval", "--data", s(&data), "--model", s(&tmp.path().join("nomodel")), "--out", s(&report), "--threshold=-1"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1));
    assert!(err.contains("--threshold") && err.lines().count() == 1, "{err}");
    assert!(!report.exists());
}
