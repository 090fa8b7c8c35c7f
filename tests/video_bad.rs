//! Bad input (SPEC §9, issue 3): one-line errors naming the file, or warnings and the
//! frames that decode; never a panic or a hang.
#![cfg(feature = "video")]
mod video_common;

use foley::video::{self, SampleConfig};
use std::path::Path;
use video_common::*;

/// Sample the whole file; Ok((frames, warnings)) or the first error as text.
fn run(path: &Path) -> Result<(Vec<video::Frame>, Vec<String>), String> {
    let mut src = video::open_frames(path, &SampleConfig::new(16, 16)).map_err(|e| e.to_string())?;
    let mut frames = Vec::new();
    for f in src.by_ref() {
        frames.push(f.map_err(|e| e.to_string())?);
    }
    Ok((frames, src.warnings().to_vec()))
}

fn err(path: &Path) -> String {
    let e = run(path).err().unwrap_or_else(|| panic!("{} should fail", path.display()));
    assert!(e.contains(path.file_name().unwrap().to_str().unwrap()), "error must name the file: {e}");
    assert!(!e.contains('\n'), "one line: {e}");
    e
}

#[test]
fn missing_garbage_and_audio_only_files_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    assert!(err(&d.join("missing.mp4")).contains("No such file"));
    let text = d.join("notes.txt");
    std::fs::write(&text, "not a video at all\n").unwrap();
    assert!(err(&text).contains("not a media file"));
    // Pseudo-random bytes (a fixed LCG) named .mp4.
    let junk = d.join("junk.mp4");
    let mut x = 12345u32;
    std::fs::write(&junk, (0..100_000).map(|_| { x = x.wrapping_mul(1664525).wrapping_add(1013904223); (x >> 24) as u8 }).collect::<Vec<u8>>()).unwrap();
    err(&junk);
    let audio = d.join("tone.m4a");
    ffmpeg(&["-f", "lavfi", "-i", "sine=d=1", "-c:a", "aac", audio.to_str().unwrap()]);
    assert!(err(&audio).contains("audio-only"));
    assert!(video::probe(&audio).unwrap_err().to_string().contains("audio-only"));
}

#[test]
fn truncated_files_give_what_decodes_and_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // 4 s at 30 fps (120 samples when whole); moov first (faststart) so a cut file still opens.
    for (name, flags) in [("cut.mp4", vec!["-movflags", "+faststart"]), ("cut.mkv", vec![]), ("cut.ts", vec![])] {
        let path = d.join(name);
        let mut args = vec!["-f", "lavfi", "-i", "testsrc2=s=320x240:r=30:d=4", "-c:v", "libx264", "-preset", "ultrafast"];
        args.extend(flags);
        args.push(path.to_str().unwrap());
        ffmpeg(&args);
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() * 6 / 10]).unwrap();
        let (frames, warnings) = run(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
        // About 60 % of the data: between a quarter and all but a few of the 120 frames.
        assert!(frames.len() > 30 && frames.len() < 118, "{name}: {} frames", frames.len());
        // MPEG-TS has no index or declared length: a cut TS is a valid shorter stream.
        assert!(name.ends_with(".ts") || !warnings.is_empty(), "{name}: truncation must be reported");
        eprintln!("{name}: {} of 120 frames, warnings {warnings:?}", frames.len());
    }
    // Cut before the index of a plain mp4 (moov at the end): nothing usable, an error.
    let path = d.join("nomoov.mp4");
    ffmpeg(&["-f", "lavfi", "-i", "testsrc2=s=160x120:r=30:d=1", "-c:v", "libx264", path.to_str().unwrap()]);
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
    err(&path);
}

#[test]
fn zero_and_one_frame_videos() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let one = counter_video(d, "one.mp4", "25", 0.04, "", "32x24");
    let (frames, _) = run(&one).unwrap();
    // One frame of 1/25 s covers ticks 0 and 1/30 s: ceil(0.04 × 30) = 2 samples, both frame 0.
    assert_eq!(frames.len(), 2);
    assert!(frames.iter().all(|f| code(f.pixel(8, 8)) == 0));
    // Zero frames: FFmpeg writes an mp4 without streams, an mkv without data.
    for (name, want) in [("zero.mp4", "no video stream"), ("zero.mkv", "before any media data")] {
        let zero = d.join(name);
        ffmpeg(&["-f", "lavfi", "-i", "color=s=32x24:r=30:d=1", "-frames:v", "0", "-c:v", "libx264", zero.to_str().unwrap()]);
        let e = err(&zero);
        assert!(e.contains(want), "{e}");
    }
    // A video stream whose packets are all zero bytes: nothing decodes.
    let blank = d.join("blank.mp4");
    ffmpeg(&["-f", "lavfi", "-i", "testsrc2=s=64x48:r=30:d=0.2", "-c:v", "libx264", "-movflags", "+faststart", blank.to_str().unwrap()]);
    let mut bytes = std::fs::read(&blank).unwrap();
    let mdat = bytes.windows(4).position(|w| w == b"mdat").unwrap();
    bytes[mdat + 4..].fill(0);
    std::fs::write(&blank, bytes).unwrap();
    let e = err(&blank);
    assert!(e.contains("no video frame"), "{e}");
}

#[test]
fn absurd_rates_sizes_and_timestamps() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // 1000 fps for 0.1 s: 100 frames, 3 samples showing frames floor(i × 1000/30) = 0, 33, 66.
    let fast = counter_video(d, "fast.mkv", "1000", 0.1, "", "32x24");
    let codes: Vec<usize> = run(&fast).unwrap().0.iter().map(|f| code(f.pixel(8, 8))).collect();
    assert_eq!(codes, vec![0, 33, 66]);
    // One frame every 20 s, 3 frames, frame k shown from 20k s; the last one lasts what its
    // packet says (ffprobe), 1/30 s here, so ceil((40 + 1/30) × 30) = 1201 samples.
    let slow = counter_video(d, "slow.mkv", "30", 0.1, "setpts=N*20/TB", "32x24");
    let frames = run(&slow).unwrap().0;
    let times = frame_times(&slow);
    let (last, dur) = times[times.len() - 1];
    assert_eq!(frames.len(), ((last - times[0].0 + dur) * 30.0 - 1e-4).ceil() as usize);
    for (i, want) in [(599, 0), (600, 1), (1199, 1), (1200, 2)] {
        assert_eq!(code(frames[i].pixel(8, 8)), want, "sample {i}");
    }
    // A timestamp jump of ~3 years after frame 2: treated as corruption (warning), not as
    // 10^8 s of repeated frames.
    let jump = counter_video(d, "jump.mkv", "30", 0.2, "setpts='(N+gt(N,2)*3e9)/30/TB'", "32x24");
    let (frames, warnings) = run(&jump).unwrap();
    assert!(frames.len() < 30, "{} frames", frames.len());
    assert!(warnings.iter().any(|w| w.contains("jump")), "{warnings:?}");
    // 20000 pixels wide: refused before decoding.
    let wide = d.join("wide.mkv");
    ffmpeg(&["-f", "lavfi", "-i", "color=s=20000x2:r=1:d=1", "-c:v", "ffv1", wide.to_str().unwrap()]);
    assert!(err(&wide).contains("20000x2"));
    // Absurd configurations are parameter errors.
    let cfg = SampleConfig { fps: 1e9, ..SampleConfig::new(16, 16) };
    assert!(video::open_frames(&fast, &cfg).is_err());
}
