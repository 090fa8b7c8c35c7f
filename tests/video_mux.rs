//! Mux round trip: video packets byte-identical (ffmpeg's framemd5 of the copied stream),
//! the new audio decodes back to what was written, durations agree, old audio replaced.
#![cfg(feature = "video")]
mod video_common;

use foley::video::{self, AudioCodec, MuxOptions};
use foley::Waveform;
use std::f32::consts::PI;
use std::path::Path;
use std::process::Command;
use video_common::*;

/// A 2 s 320x240 H.264 video at 30 fps with a stereo 1 kHz AAC track, rotated 90°.
fn source(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("src.mp4");
    ffmpeg(&[
        "-f", "lavfi", "-i", "testsrc2=s=320x240:r=30:d=2", "-f", "lavfi", "-i", "sine=f=1000:r=44100:d=2",
        "-ac", "2", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-metadata:s:v:0", "rotate=90",
        path.to_str().unwrap(),
    ]);
    path
}

/// Per-packet (size, md5) of the video stream, from `ffmpeg -f framemd5` with stream copy.
fn video_packets(path: &Path) -> Vec<String> {
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(path)
        .args(["-map", "0:v", "-c", "copy", "-f", "framemd5", "-"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    // Columns: stream, dts, pts, duration, size, hash. Keep size and hash.
    let rows: Vec<String> = text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| l.split(',').map(str::trim).skip(4).collect::<Vec<_>>().join(","))
        .collect();
    assert!(!rows.is_empty(), "no video packets in {}", path.display());
    rows
}

/// The first audio track decoded by the ffmpeg CLI to mono float at `rate`.
fn decoded_audio(path: &Path, rate: u32) -> Vec<f32> {
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(path)
        .args(["-map", "0:a:0", "-ac", "1", "-ar", &rate.to_string(), "-f", "f32le", "-"])
        .output()
        .unwrap();
    assert!(out.status.success());
    out.stdout.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect()
}

fn streams(path: &Path, kind: &str) -> usize {
    let out = Command::new("ffprobe")
        .args(["-v", "error", "-select_streams", kind, "-show_entries", "stream=index", "-of", "csv=p=0"])
        .arg(path)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).lines().count()
}

fn tone(freq: f32, seconds: f64, rate: u32) -> Waveform {
    let n = (seconds * rate as f64) as usize;
    Waveform::new((0..n).map(|i| 0.5 * (2.0 * PI * freq * i as f32 / rate as f32).sin()).collect(), rate)
}

/// Signal-to-error ratio (dB) of `got` against `want` over the samples both have, skipping
/// `edge` samples at each end (codec start-up and the final partial frame).
fn snr_db(want: &[f32], got: &[f32], edge: usize) -> f64 {
    let n = want.len().min(got.len());
    let (mut s, mut e) = (0.0f64, 0.0f64);
    for i in edge..n - edge {
        s += (want[i] as f64).powi(2);
        e += (want[i] as f64 - got[i] as f64).powi(2);
    }
    10.0 * (s / e.max(1e-20)).log10()
}

#[test]
fn aac_mp4_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let src = source(dir.path());
    // 1.5 s of 440 Hz at 48 kHz for a 2 s video: padded with 0.5 s of silence.
    let wave = tone(440.0, 1.5, 48_000);
    let out = dir.path().join("out.mp4");
    video::mux_audio(&src, &wave, &out).unwrap();

    assert_eq!(video_packets(&out), video_packets(&src), "video packets must be copied byte for byte");
    assert_eq!(streams(&out, "a"), 1, "the old audio track is replaced, not kept");
    assert_eq!(video::probe(&out).unwrap().rotation, video::probe(&src).unwrap().rotation);

    let got = decoded_audio(&out, 48_000);
    // Durations: the video is 60 frames / 30 fps = 2 s = 96000 samples; within one AAC frame.
    assert!((got.len() as i64 - 96_000).abs() <= 1024, "decoded {} samples, want 96000 ± 1024", got.len());
    // AAC-LC at 128 kb/s on a pure tone: measured about 40 dB here; 25 dB (error below 6 % of
    // the amplitude) is a margin that still fails on misalignment (a 1-sample shift of 440 Hz
    // at 48 kHz already gives 25 dB) or a wrong rate.
    let snr = snr_db(&wave.samples, &got, 2048);
    eprintln!("aac mp4: {} samples decoded (video 96000), SNR {snr:.1} dB", got.len());
    assert!(snr > 25.0, "AAC round trip SNR {snr:.1} dB");
    // The padding is silent.
    let tail = &got[75_000..94_000];
    assert!(tail.iter().all(|x| x.abs() < 0.01), "padding not silent");
}

#[test]
fn pcm_mkv_and_mov_are_lossless_and_resampled_aac_keeps_the_tone() {
    let dir = tempfile::tempdir().unwrap();
    let src = source(dir.path());
    // 3 s of tone at 20 kHz (the cochleagram rate) for a 2 s video: cut to 2 s.
    let wave = tone(440.0, 3.0, 20_000);
    for ext in ["mkv", "mov"] {
        let out = dir.path().join(format!("out.{ext}"));
        video::mux_audio_with(&src, &wave, &out, &MuxOptions { codec: AudioCodec::Pcm, ..Default::default() }).unwrap();
        assert_eq!(video_packets(&out), video_packets(&src), "{ext}");
        let got = decoded_audio(&out, 20_000);
        // Exactly 2 s (40000 samples); 16-bit PCM is exact to half a step, 0.5/32767.
        assert_eq!(got.len(), 40_000, "{ext}");
        let worst = wave.samples.iter().zip(&got).map(|(a, b)| (a - b).abs()).fold(0.0f32, f32::max);
        eprintln!("pcm {ext}: {} samples, worst error {worst:e}", got.len());
        assert!(worst <= 1.0 / 32767.0, "{ext}: PCM error {worst}");
    }
    // AAC has no 20 kHz mode: resampled to 22050 Hz (the next AAC rate) inside, decoded back
    // at 20 kHz here.
    let out = dir.path().join("r.mp4");
    video::mux_audio(&src, &wave, &out).unwrap();
    let got = decoded_audio(&out, 20_000);
    assert!((got.len() as i64 - 40_000).abs() <= 1024);
    let snr = snr_db(&wave.samples, &got, 2048);
    eprintln!("aac 20 kHz -> 22.05 kHz: {} samples decoded at 20 kHz (video 40000), SNR {snr:.1} dB", got.len());
    assert!(snr > 20.0, "resampled AAC SNR {snr:.1} dB");
}

#[test]
fn bad_requests_fail_cleanly_and_leave_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let src = source(dir.path());
    let wave = tone(440.0, 1.0, 48_000);
    let pcm = MuxOptions { codec: AudioCodec::Pcm, ..Default::default() };
    let cases: Vec<(std::path::PathBuf, MuxOptions, &str)> = vec![
        (dir.path().join("a.mp4"), pcm, "PCM"),
        (dir.path().join("a.avi"), MuxOptions::default(), ".mp4, .mov or .mkv"),
    ];
    for (out, opts, msg) in cases {
        let e = video::mux_audio_with(&src, &wave, &out, &opts).unwrap_err().to_string();
        assert!(e.contains(msg) && e.contains(out.to_str().unwrap()), "{e}");
        assert!(!out.exists());
    }
    // Input that is not a video.
    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "hello").unwrap();
    let out = dir.path().join("b.mp4");
    let e = video::mux_audio(&text, &wave, &out).unwrap_err().to_string();
    assert!(e.contains("notes.txt"), "{e}");
    assert!(std::fs::read_dir(dir.path()).unwrap().all(|f| !f.unwrap().file_name().to_string_lossy().contains("b.mp4")));
    // Empty audio.
    assert!(video::mux_audio(&src, &Waveform::new(vec![], 48_000), &out).is_err());
}
