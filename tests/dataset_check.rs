//! `foley dataset synth` + `foley dataset check` end to end: a generated set has zero
//! problems, the same seed gives byte-identical files, and a deliberately broken copy
//! reports each planted problem with its file and line.
#![cfg(feature = "video")]
use serde_json::Value;
use std::path::Path;
use std::process::Command;

fn foley(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_foley-torch")).args(args).output().unwrap()
}

fn synth(out: &Path, seed: &str) {
    let o = foley(&["--quiet", "dataset", "synth", "--out", out.to_str().unwrap(), "--videos", "3", "--seconds", "3", "--seed", seed, "--size", "96x72", "--rate", "16000", "--val-share", "0.34", "--test-share", "0.34"]);
    assert!(o.status.success(), "synth failed: {}", String::from_utf8_lossy(&o.stderr));
}

fn check_json(dir: &Path) -> (bool, Value) {
    let o = foley(&["dataset", "check", dir.to_str().unwrap(), "--json"]);
    (o.status.success(), serde_json::from_slice(&o.stdout).expect("check --json prints JSON"))
}

fn ids(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.unwrap().file_name().to_string_lossy().strip_suffix("_times.txt").map(str::to_string))
        .collect();
    v.sort();
    v
}

#[test]
fn generated_set_is_clean_and_deterministic() {
    let t = tempfile::tempdir().unwrap();
    let (a, b, c) = (t.path().join("a"), t.path().join("b"), t.path().join("c"));
    synth(&a, "11");
    synth(&b, "11");
    synth(&c, "12");
    let (ok, rep) = check_json(&a);
    assert!(ok, "check failed on a generated set: {rep}");
    assert_eq!(rep["problems"].as_array().unwrap().len(), 0, "{rep}");
    for split in ["train", "val", "test"] {
        assert_eq!(rep["splits"][split]["clips"], 1, "{rep}");
    }
    let list = ids(&a);
    assert_eq!(list.len(), 3);
    for id in &list {
        for suffix in ["_denoised.wav", "_times.txt", "_denoised.mp4"] {
            let (fa, fb) = (a.join(format!("{id}{suffix}")), b.join(format!("{id}{suffix}")));
            assert!(std::fs::read(&fa).unwrap() == std::fs::read(&fb).unwrap(), "{} differs between two runs with the same seed", fa.display());
        }
        assert_ne!(std::fs::read(a.join(format!("{id}_denoised.wav"))).unwrap(), std::fs::read(c.join(format!("{id}_denoised.wav"))).unwrap());
    }
    for split in ["train.txt", "val.txt", "test.txt"] {
        assert_eq!(std::fs::read(a.join(split)).unwrap(), std::fs::read(b.join(split)).unwrap());
    }
    // Small enough for a committed sample: 3 s at 96x72.
    let size = std::fs::metadata(a.join(format!("{}_denoised.mp4", list[0]))).unwrap().len();
    assert!(size < 200_000, "mp4 of 3 s at 96x72 is {size} bytes");
}

#[test]
fn broken_copy_reports_each_planted_problem() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path().join("set");
    synth(&d, "3");
    let list = ids(&d);
    let (x, y, z) = (&list[0], &list[1], &list[2]);
    let times = |id: &str| d.join(format!("{id}_times.txt"));
    // Planted problems, each with the file and line check must name.
    let first = std::fs::read_to_string(times(x)).unwrap().lines().next().unwrap().to_string();
    let t0: f64 = first.split_whitespace().next().unwrap().parse().unwrap();
    let text = format!(
        "{first}\n{t0:.6} wood hit static\n0.000100 wood hit static\nabc wood hit static\n1.5 steel hit static\n99.000000 wood hit static\n"
    );
    std::fs::write(times(x), text).unwrap(); // lines 2 duplicate, 3 unsorted, 4 unparsable, 5 unknown label, 6 beyond duration
    std::fs::remove_file(d.join(format!("{y}_denoised.wav"))).unwrap(); // missing pair file
    let train = std::fs::read_to_string(d.join("train.txt")).unwrap();
    std::fs::write(d.join("train.txt"), format!("{train}{z}\n")).unwrap(); // z listed twice
    std::fs::write(d.join("2016-12-31-23-59-59_times.txt"), "1.0 wood hit static\n").unwrap(); // unlisted orphan

    let (ok, rep) = check_json(&d);
    assert!(!ok, "check must exit non-zero on a broken set");
    let probs = rep["problems"].as_array().unwrap();
    let has = |kind: &str, file: &str, line: Option<u64>| {
        probs.iter().any(|p| p["kind"] == kind && p["file"].as_str().unwrap().ends_with(file) && p["line"].as_u64() == line)
    };
    let tf = format!("{x}_times.txt");
    for (kind, file, line) in [
        ("duplicate-time", tf.as_str(), Some(2)),
        ("unsorted", tf.as_str(), Some(3)),
        ("unparsable", tf.as_str(), Some(4)),
        ("unknown-label", tf.as_str(), Some(5)),
        ("beyond-duration", tf.as_str(), Some(6)),
        ("missing-file", &format!("{y}_denoised.wav"), None),
        ("duplicate-id", "train.txt", Some(train.lines().count() as u64 + 1)),
        ("unlisted", "2016-12-31-23-59-59_times.txt", None),
    ] {
        assert!(has(kind, file, line), "missing {kind} for {file}:{line:?} in {rep:#}");
    }
    // The beyond-duration line is reported against both the audio and the video.
    assert_eq!(probs.iter().filter(|p| p["kind"] == "beyond-duration").count(), 2, "{rep:#}");

    // Human-readable form: one `file:line: error: ...` per problem, exit status 1.
    let o = foley(&["dataset", "check", d.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains(&format!("{tf}:4: error:")), "{out}");
    assert!(String::from_utf8_lossy(&o.stderr).starts_with("error: "));
}

#[test]
fn committed_sample_is_valid_and_matches_the_generator() {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets/sample");
    let (ok, rep) = check_json(&sample);
    assert!(ok && rep["problems"].as_array().unwrap().is_empty(), "{rep:#}");
    // Regenerate with the command in datasets/README.md: the sample must be what the
    // current generator writes (if this fails after changing the generator, rerun that command).
    let t = tempfile::tempdir().unwrap();
    let o = foley(&["--quiet", "dataset", "synth", "--out", t.path().to_str().unwrap(), "--videos", "2", "--seconds", "6", "--seed", "8", "--size", "320x240", "--val-share", "0"]);
    assert!(o.status.success());
    for id in ids(&sample) {
        for suffix in ["_denoised.wav", "_times.txt"] {
            let f = format!("{id}{suffix}");
            assert!(std::fs::read(sample.join(&f)).unwrap() == std::fs::read(t.path().join(&f)).unwrap(), "datasets/sample/{f} is stale: regenerate it (datasets/README.md)");
        }
        let size = std::fs::metadata(sample.join(format!("{id}_denoised.mp4"))).unwrap().len();
        assert!(size < 1_000_000);
    }
}
