//! Shared helpers of the video tests: make small videos with the `ffmpeg` CLI and read
//! the truth about them back with `ffprobe` (an oracle independent of foley's decoding).
#![allow(dead_code)]
use std::path::{Path, PathBuf};
use std::process::Command;

/// Run `ffmpeg -v error -y ARGS`; panic with its stderr if it fails.
pub fn ffmpeg(args: &[&str]) {
    let out = Command::new("ffmpeg").args(["-v", "error", "-y"]).args(args).output().expect("ffmpeg CLI on PATH");
    assert!(out.status.success(), "ffmpeg {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// Colour code of frame number N (FFmpeg's `geq` variable N): three base-8 digits in the
/// red, green and blue channels at levels 16 + 32·digit, so decoding tolerates ±16 of
/// coding error. Codes repeat every 512 frames.
pub const CODE_GEQ: &str = "format=rgb24,geq=r='16+32*mod(N,8)':g='16+32*mod(floor(N/8),8)':b='16+32*mod(floor(N/64),8)'";

/// Decode the frame-counter code (mod 512) from one RGB pixel.
pub fn code(rgb: [u8; 3]) -> usize {
    rgb[0] as usize / 32 + 8 * (rgb[1] as usize / 32) + 64 * (rgb[2] as usize / 32)
}

/// A video of `seconds` at `rate` fps whose frame N shows code N (see [`CODE_GEQ`]),
/// `extra_vf` appended to the filter chain (e.g. a `setpts` for variable frame rate),
/// encoded losslessly with libx264 (`-qp 0`) into `dir/name`.
pub fn counter_video(dir: &Path, name: &str, rate: &str, seconds: f64, extra_vf: &str, size: &str) -> PathBuf {
    let path = dir.join(name);
    let src = format!("color=black:s={size}:r={rate}:d={seconds}");
    let vf = if extra_vf.is_empty() { CODE_GEQ.to_string() } else { format!("{CODE_GEQ},{extra_vf}") };
    let p = path.to_str().unwrap();
    ffmpeg(&["-f", "lavfi", "-i", &src, "-vf", &vf, "-fps_mode", "passthrough", "-c:v", "libx264", "-preset", "ultrafast", "-qp", "0", "-pix_fmt", "yuv420p", p]);
    path
}

/// Presentation time and duration (s) of each decoded frame of the first video stream, per
/// ffprobe (`best_effort_timestamp_time`, `pkt_duration_time`).
pub fn frame_times(path: &Path) -> Vec<(f64, f64)> {
    let out = Command::new("ffprobe")
        .args(["-v", "error", "-select_streams", "v:0", "-show_entries", "frame=best_effort_timestamp_time,pkt_duration_time"])
        .args(["-of", "csv=p=0"])
        .arg(path)
        .output()
        .expect("ffprobe on PATH");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let mut it = l.split(',').map(|v| v.trim().parse::<f64>());
            Some((it.next()?.ok()?, it.next()?.ok()?))
        })
        .collect()
}

/// Index of the source frame shown at time t (s from the first frame): the last frame
/// whose presentation time is <= t (1 µs slack for decimal rounding in ffprobe's output).
pub fn shown_at(times: &[(f64, f64)], t: f64) -> usize {
    let t0 = times[0].0;
    times.iter().rposition(|&(x, _)| x - t0 <= t + 1e-6).unwrap_or(0)
}
