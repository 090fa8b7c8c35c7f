//! The cochleagram against the independent numpy/scipy reference (tools/cochleagram_ref.py).
//!
//! Fixture, regenerate with:
//!   P=~/.cache/foley/venv/bin/python3
//!   $P tools/cochleagram_ref.py --make-signal tests/fixtures/ref_input.wav   # 1.2 s, 44.1 kHz, 16-bit
//!   $P tools/cochleagram_ref.py tests/fixtures/ref_input.wav -o tests/fixtures/ref_cochleagram.npy
use foley::cochleagram::{features, Params};
use std::path::Path;

fn fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

#[test]
fn matches_numpy_scipy_reference() {
    let wave = foley::audio::read_audio(&fixture("ref_input.wav")).unwrap();
    assert_eq!((wave.rate, wave.len()), (44_100, 52_920));
    let ours = features(&wave, &Params::default()).unwrap();
    let reference = foley::npy::read(&fixture("ref_cochleagram.npy")).unwrap();
    // 1.2 s → 24 000 samples at 20 kHz → 108 steps of 222 (23 976) → round(107.9) = 108 rows
    assert_eq!((ours.frames(), ours.bands), (reference.rows, reference.cols));
    assert_eq!(ours.frames(), 108);
    let diffs: Vec<f32> = ours.data.iter().zip(&reference.data).map(|(a, b)| (a - b).abs()).collect();
    let mae = diffs.iter().sum::<f32>() / diffs.len() as f32;
    let max = diffs.iter().fold(0.0f32, |m, &d| m.max(d));
    eprintln!("vs reference: MAE {mae:.2e}, max {max:.2e}");
    assert!(mae < 1e-3, "MAE {mae}");
    assert!(max < 5e-3, "max {max}");
}
