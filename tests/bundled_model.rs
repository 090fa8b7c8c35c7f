//! The bundled model must work: `models/default` predicts the bundled sample clips, and the
//! hits it places fall on the annotated actions. A truncated or mismatched weight file, a
//! config this foley cannot read, or a model that lost its hits fails CI here.
use std::path::Path;
use std::process::Command;

/// Annotated onsets of a sample clip (`_times.txt`, first field).
fn annotated(times: &Path) -> Vec<f64> {
    let text = std::fs::read_to_string(times).unwrap();
    text.lines().filter_map(|l| l.split_whitespace().next()?.parse().ok()).collect()
}

#[test]
fn bundled_model_hears_the_sample_hits() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let model = root.join("models/default");
    let dir = tempfile::tempdir().unwrap();
    for id in ["2016-01-01-00-00-37", "2016-01-01-00-05-54"] {
        let video = root.join(format!("datasets/sample/{id}_denoised.mp4"));
        let out = dir.path().join(format!("{id}.wav"));
        let run = Command::new(env!("CARGO_BIN_EXE_foley-torch"))
            .args(["--quiet", "predict"])
            .arg(&video)
            .arg("--model")
            .arg(&model)
            .args(["--seed", "0", "--json", "-o"])
            .arg(&out)
            .output()
            .unwrap();
        assert!(run.status.success(), "predict {id} with models/default: {}", String::from_utf8_lossy(&run.stderr));
        let json: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
        let hits: Vec<f64> = json["hits"].as_array().unwrap().iter().map(|h| h["hit"]["time"].as_f64().unwrap()).collect();
        let truth = annotated(&root.join(format!("datasets/sample/{id}_times.txt")));
        // SPEC §7's match tolerance: a hit within 0.1 s of an annotated onset.
        let near = |t: f64, set: &[f64]| set.iter().any(|&s| (s - t).abs() <= 0.1);
        let found = truth.iter().filter(|&&t| near(t, &hits)).count();
        let right = hits.iter().filter(|&&h| near(h, &truth)).count();
        // Measured with this model (session 11): 6/6 and 8/8 found, no extra hits. Allow one
        // miss and one extra per clip so that a retrained default does not need this edited.
        assert!(found + 1 >= truth.len(), "{id}: {found} of {} annotated hits heard ({hits:?} vs {truth:?})", truth.len());
        assert!(right + 1 >= hits.len(), "{id}: {} of {} predicted hits are not annotated ({hits:?})", hits.len() - right, hits.len());
        assert!(std::fs::metadata(&out).unwrap().len() > 44, "{id}: empty WAV");
    }
}
