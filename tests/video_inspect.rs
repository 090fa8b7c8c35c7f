//! `foley inspect` end to end: facts as text and JSON, contact sheet, errors.
#![cfg(feature = "video")]
mod video_common;

use std::process::Command;
use video_common::*;

fn foley(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_foley-torch")).args(args).output().unwrap()
}

#[test]
fn inspect_reports_streams_and_draws_a_sheet() {
    let dir = tempfile::tempdir().unwrap();
    // 2 s at 25 fps, 64x48, with a 1 s mono 8 kHz AAC track.
    let path = dir.path().join("v.mp4");
    let p = path.to_str().unwrap();
    ffmpeg(&["-f", "lavfi", "-i", "testsrc2=s=64x48:r=25:d=2", "-f", "lavfi", "-i", "sine=r=8000:d=1", "-c:v", "libx264", "-c:a", "aac", p]);

    let out = foley(&["inspect", p]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("h264 64x48") && text.contains("25.000 fps") && text.contains("50 frames"), "{text}");
    assert!(text.contains("aac 8000 Hz, 1 ch"), "{text}");
    // 2 s at 30 fps = 60 model frames.
    assert!(text.contains("model view  60 frames"), "{text}");

    let out = foley(&["inspect", p, "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((v["width"].as_u64(), v["height"].as_u64(), v["frames"].as_u64()), (Some(64), Some(48), Some(50)));
    assert_eq!(v["fps"].as_f64(), Some(25.0));
    assert_eq!(v["audio"][0]["rate"].as_u64(), Some(8000));
    assert_eq!(v["sampled_frames_30fps"].as_u64(), Some(60));

    let sheet = dir.path().join("sheet.png");
    let out = foley(&["--quiet", "inspect", p, "--sheet", sheet.to_str().unwrap(), "--size", "32x32", "--count", "3"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // Layout (src/video/sheet.rs): 32 px tiles zoomed ×4 to 128, cells of RGB + spacetime
    // (2 × 128 + 4 gap = 260), 3 cells in a row with 4 px margins: 3 × (260 + 8) + 4 = 808
    // wide, 128 + 8 + 4 = 140 high.
    let img = image::open(&sheet).unwrap();
    assert_eq!((img.width(), img.height()), (808, 140));
}

#[test]
fn inspect_errors_are_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("a.txt");
    std::fs::write(&text, "x").unwrap();
    for p in [text.to_str().unwrap(), "/nonexistent/v.mp4"] {
        let out = foley(&["inspect", p]);
        assert_eq!(out.status.code(), Some(1));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.starts_with("error: ") && err.contains(p) && err.trim_end().lines().count() == 1, "{err}");
    }
    // A sheet for a file that is not a video leaves no PNG behind.
    let sheet = dir.path().join("s.png");
    let out = foley(&["inspect", text.to_str().unwrap(), "--sheet", sheet.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(!sheet.exists());
}
