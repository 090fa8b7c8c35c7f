//! read_audio on WAV variants (hound) and, with FFmpeg, compressed audio and video tracks.
use foley::audio::{read_audio, read_wav, resample};
use foley::Waveform;
use std::f64::consts::PI;
use std::path::Path;

fn tone(freq: f64, amp: f64, rate: u32, secs: f64) -> Waveform {
    let n = (secs * rate as f64) as usize;
    Waveform::new((0..n).map(|i| (amp * (2.0 * PI * freq * i as f64 / rate as f64).sin()) as f32).collect(), rate)
}

/// Amplitude of the `freq` component over the middle half (least-squares sinusoid fit).
fn amplitude(w: &Waveform, freq: f64) -> f64 {
    let (a, b) = (w.len() / 4, 3 * w.len() / 4);
    let (mut s, mut c) = (0.0, 0.0);
    for i in a..b {
        let ph = 2.0 * PI * freq * i as f64 / w.rate as f64;
        s += w.samples[i] as f64 * ph.sin();
        c += w.samples[i] as f64 * ph.cos();
    }
    2.0 * (s * s + c * c).sqrt() / (b - a) as f64
}

fn write_hound(path: &Path, spec: hound::WavSpec, frames: &[Vec<f64>]) {
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for fr in frames {
        for &v in fr {
            match (spec.sample_format, spec.bits_per_sample) {
                (hound::SampleFormat::Float, _) => w.write_sample(v as f32).unwrap(),
                (_, 8) => w.write_sample((v * 127.0).round() as i8).unwrap(),
                (_, 16) => w.write_sample((v * 32767.0).round() as i16).unwrap(),
                (_, b) => w.write_sample((v * ((1i64 << (b - 1)) - 1) as f64).round() as i32).unwrap(),
            }
        }
    }
    w.finalize().unwrap();
}

#[test]
fn wav_depths_and_channels() {
    let dir = tempfile::tempdir().unwrap();
    // stereo: left 0.6·tone, right 0.2·tone → mono average 0.4·tone (SPEC §2 step 1)
    let frames: Vec<Vec<f64>> = (0..8000)
        .map(|i| {
            let v = (2.0 * PI * 500.0 * i as f64 / 16_000.0).sin();
            vec![0.6 * v, 0.2 * v]
        })
        .collect();
    for (bits, fmt) in [(8, hound::SampleFormat::Int), (16, hound::SampleFormat::Int), (24, hound::SampleFormat::Int), (32, hound::SampleFormat::Float)] {
        let p = dir.path().join(format!("t{bits}.wav"));
        write_hound(&p, hound::WavSpec { channels: 2, sample_rate: 16_000, bits_per_sample: bits, sample_format: fmt }, &frames);
        let w = read_audio(&p).unwrap();
        assert_eq!((w.rate, w.len()), (16_000, 8000));
        // 8-bit quantisation step is 1/128, so allow ±1/128 there, float-exact otherwise
        let tol = if bits == 8 { 1.0 / 128.0 } else { 1e-4 };
        assert!((amplitude(&w, 500.0) - 0.4).abs() < tol, "{bits}-bit: {}", amplitude(&w, 500.0));
        assert_eq!(w, read_wav(&p).unwrap());
    }
}

#[test]
fn resample_keeps_tone_and_length() {
    let w = resample(&tone(440.0, 0.7, 44_100, 1.0), 20_000);
    assert_eq!((w.rate, w.len()), (20_000, 20_000));
    assert!((amplitude(&w, 440.0) - 0.7).abs() < 1e-3);
}

#[cfg(feature = "video")]
mod with_ffmpeg {
    use super::*;
    use std::process::Command;

    fn ffmpeg(args: &[&str]) -> bool {
        Command::new("ffmpeg").args(["-v", "error", "-y"]).args(args).status().map(|s| s.success()).unwrap_or(false)
    }

    #[test]
    fn compressed_audio_and_video_tracks() {
        let dir = tempfile::tempdir().unwrap();
        let wav = dir.path().join("t.wav");
        // stereo 16-bit: left 0.75·tone, right 0.25·tone → mono average 0.5·tone
        let frames: Vec<Vec<f64>> = (0..44_100)
            .map(|i| {
                let v = (2.0 * PI * 1000.0 * i as f64 / 44_100.0).sin();
                vec![0.75 * v, 0.25 * v]
            })
            .collect();
        let spec = hound::WavSpec { channels: 2, sample_rate: 44_100, bits_per_sample: 16, sample_format: hound::SampleFormat::Int };
        write_hound(&wav, spec, &frames);
        // FLAC is lossless, so the amplitude survives to 16-bit precision; AAC in an mp4
        // video is lossy, so only loosely.
        let flac = dir.path().join("t.flac");
        let mp4 = dir.path().join("t.mp4");
        assert!(ffmpeg(&["-i", wav.to_str().unwrap(), flac.to_str().unwrap()]), "ffmpeg CLI needed (tools/setup installs it)");
        assert!(ffmpeg(&["-f", "lavfi", "-i", "testsrc=d=1:s=64x64:r=30", "-i", wav.to_str().unwrap(), "-c:v", "libx264", "-c:a", "aac", "-b:a", "192k", "-shortest", mp4.to_str().unwrap()]));
        let f = read_audio(&flac).unwrap();
        assert_eq!((f.rate, f.len()), (44_100, 44_100));
        assert!((amplitude(&f, 1000.0) - 0.5).abs() < 1e-3, "{}", amplitude(&f, 1000.0));
        let m = read_audio(&mp4).unwrap();
        assert_eq!(m.rate, 44_100);
        assert!((m.duration() - 1.0).abs() < 0.1, "{}", m.duration());
        assert!((amplitude(&m, 1000.0) - 0.5).abs() < 0.05, "{}", amplitude(&m, 1000.0));
    }

    #[test]
    fn video_without_audio_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let mp4 = dir.path().join("silent.mp4");
        assert!(ffmpeg(&["-f", "lavfi", "-i", "testsrc=d=0.5:s=64x64:r=30", "-c:v", "libx264", mp4.to_str().unwrap()]));
        let e = read_audio(&mp4).unwrap_err().to_string();
        assert!(e.contains("silent.mp4") && e.contains("no audio stream"), "{e}");
    }
}
