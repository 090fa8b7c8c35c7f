//! Frame sampling at 30 fps by timestamp, rotation, spacetime images, on videos made here
//! with the ffmpeg CLI. Truth comes from the generator (colour-coded frame number) and from
//! ffprobe's frame times.
#![cfg(feature = "video")]
mod video_common;

use foley::video::{self, Fit, Frame, SampleConfig};
use std::path::Path;
use video_common::*;

fn sample(path: &Path, cfg: &SampleConfig) -> Vec<Frame> {
    video::open_frames(path, cfg).unwrap().collect::<foley::Result<Vec<_>>>().unwrap()
}

/// Check every sampled frame against ffprobe's times: frame i must show the source frame
/// presented at i/30 s. Returns the number of frames checked.
fn check_sampling(path: &Path) -> usize {
    let times = frame_times(path);
    assert!(times.len() > 2, "{}: ffprobe found {} frames", path.display(), times.len());
    let frames = sample(path, &SampleConfig::new(16, 16));
    // The sequence covers the source up to the end of its last frame (ffprobe prints times
    // with 6 decimals, hence the 1e-4 slack).
    let (last, dur) = times[times.len() - 1];
    let end = last - times[0].0 + dur;
    assert_eq!(frames.len(), (end * 30.0 - 1e-4).ceil() as usize, "{}: number of sampled frames", path.display());
    for f in &frames {
        assert_eq!(f.time, f.index as f64 / 30.0);
        let want = shown_at(&times, f.time);
        let got = code(f.pixel(8, 8));
        assert_eq!(got, want % 512, "{}: sample {} at {:.4} s shows frame {got}, want {want}", path.display(), f.index, f.time);
    }
    frames.len()
}

#[test]
fn constant_rates_land_on_the_frame_shown_at_each_tick() {
    let dir = tempfile::tempdir().unwrap();
    // (rate, source frames per 30 fps tick as a fraction)
    for (rate, num, den) in [("25", 25, 30), ("30", 1, 1), ("60", 2, 1), ("30000/1001", 1000, 1001)] {
        let path = counter_video(dir.path(), &format!("c{}.mp4", rate.replace('/', "_")), rate, 2.0, "", "32x24");
        let frames = sample(&path, &SampleConfig::new(16, 16));
        // lavfi makes ceil(2 s × rate) frames, ending at that count / rate seconds; sampling
        // covers that span: 60 samples, 61 for 29.97 (60 frames end at 2.002 s). Sample i
        // shows source frame floor(i × rate / 30) (exact rational arithmetic).
        let r = num as f64 * 30.0 / den as f64;
        let end = (2.0 * r).ceil() / r;
        assert_eq!(frames.len(), (end * 30.0 - 1e-9).ceil() as usize, "{rate} fps");
        for f in &frames {
            assert_eq!(code(f.pixel(8, 8)), f.index * num / den % 512, "{rate} fps sample {}", f.index);
        }
        check_sampling(&path);
    }
}

#[test]
fn variable_frame_rate_follows_timestamps() {
    let dir = tempfile::tempdir().unwrap();
    // Frame intervals cycle through 0.4, 1.4 and 2.4 thirtieths of a second, so some ticks
    // skip frames and others repeat one.
    let vfr = "setpts='(1.4*N-mod(N,3))/30/TB'";
    for name in ["vfr.mp4", "vfr.mkv"] {
        let path = counter_video(dir.path(), name, "30", 3.0, vfr, "32x24");
        check_sampling(&path);
    }
}

#[test]
fn no_drift_at_29_97_over_40_seconds() {
    // 40 s at 30000/1001 fps is ceil(1198.8) = 1199 frames ending at 1199 × 1001/30000 s =
    // 40.0067 s, so ceil(40.0067 × 30) = 1201 samples; assuming a nominal 30 fps would be
    // 1.2 frames off by the end. Frame codes repeat every 512, which still pins each frame.
    let dir = tempfile::tempdir().unwrap();
    let path = counter_video(dir.path(), "long.mp4", "30000/1001", 40.0, "", "16x16");
    assert_eq!(check_sampling(&path), 1201);
}

#[test]
#[ignore = "about a minute: cargo test --release --test video_frames -- --ignored"]
fn no_drift_at_29_97_over_10_minutes() {
    let dir = tempfile::tempdir().unwrap();
    // 600 s × 30000/1001 = 17982.02, so lavfi makes 17983 frames ending at
    // 17983 × 1001/30000 = 600.033 s: ceil(600.033 × 30) = 18001 samples.
    let path = counter_video(dir.path(), "ten.mp4", "30000/1001", 600.0, "", "16x16");
    assert_eq!(check_sampling(&path), 18001);
}

/// Mean colour of a w×h block at (x, y).
fn block(f: &Frame, x: u32, y: u32, w: u32, h: u32) -> [u8; 3] {
    let mut s = [0u32; 3];
    for yy in y..y + h {
        for xx in x..x + w {
            let p = f.pixel(xx, yy);
            (0..3).for_each(|c| s[c] += p[c] as u32);
        }
    }
    s.map(|v| (v / (w * h)) as u8)
}

#[test]
fn rotation_metadata_is_applied_like_ffmpeg_does() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Quadrants: red top-left, green top-right, blue bottom-left, white bottom-right.
    let quad = "format=rgb24,geq=r='255*(lt(X,W/2)*lt(Y,H/2)+gte(X,W/2)*gte(Y,H/2))':g='255*gte(X,W/2)':b='255*gte(Y,H/2)'";
    let src = d.join("q.mp4");
    ffmpeg(&["-f", "lavfi", "-i", "color=black:s=64x48:r=30:d=0.2", "-vf", quad, "-c:v", "libx264", "-qp", "0", src.to_str().unwrap()]);
    for rotate in ["90", "180", "270"] {
        let rotated = d.join(format!("r{rotate}.mp4"));
        ffmpeg(&["-i", src.to_str().unwrap(), "-c", "copy", "-metadata:s:v:0", &format!("rotate={rotate}"), rotated.to_str().unwrap()]);
        // Oracle: the ffmpeg CLI's own autorotated picture, read back as raw RGB.
        let raw = d.join("r.rgb");
        ffmpeg(&["-i", rotated.to_str().unwrap(), "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", raw.to_str().unwrap()]);
        let info = video::probe(&rotated).unwrap();
        let (w, h) = info.display_size();
        let truth = Frame { index: 0, time: 0.0, width: w, height: h, rgb: std::fs::read(&raw).unwrap() };
        let cfg = SampleConfig { width: w, height: h, fit: Fit::Stretch, fps: 30.0 };
        let ours = &sample(&rotated, &cfg)[0];
        for (qx, qy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
            let (x, y, bw, bh) = (qx * w / 2 + w / 8, qy * h / 2 + h / 8, w / 4, h / 4);
            let (a, b) = (block(ours, x, y, bw, bh), block(&truth, x, y, bw, bh));
            assert!(a.iter().zip(b).all(|(&p, q)| p.abs_diff(q) < 24), "rotate={rotate} quadrant {qx},{qy}: {a:?} vs ffmpeg {b:?}");
        }
    }
}

#[test]
fn fit_modes_keep_or_fill_the_picture() {
    let dir = tempfile::tempdir().unwrap();
    // 64x32 picture: left half red, right half blue.
    let path = dir.path().join("wide.mp4");
    let vf = "format=rgb24,geq=r='255*lt(X,W/2)':g=0:b='255*gte(X,W/2)'";
    ffmpeg(&["-f", "lavfi", "-i", "color=black:s=64x32:r=30:d=0.1", "-vf", vf, "-c:v", "libx264", "-qp", "0", path.to_str().unwrap()]);
    let f = |fit| sample(&path, &SampleConfig { width: 16, height: 16, fit, fps: 30.0 }).remove(0);
    // Pad: 16x8 picture centred, rows 0..4 and 12..16 black.
    let pad = f(Fit::Pad);
    assert_eq!(block(&pad, 0, 0, 16, 3), [0, 0, 0]);
    assert!(block(&pad, 1, 6, 5, 4)[0] > 200 && block(&pad, 10, 6, 5, 4)[2] > 200);
    // Crop: the central 32x32 square, half red half blue, no black.
    let crop = f(Fit::Crop);
    assert!(block(&crop, 1, 0, 5, 16)[0] > 200 && block(&crop, 10, 0, 5, 16)[2] > 200);
    // Stretch: the whole picture squeezed.
    let st = f(Fit::Stretch);
    assert!(block(&st, 1, 0, 5, 16)[0] > 200 && block(&st, 10, 0, 5, 16)[2] > 200);
}

#[test]
fn spacetime_channels_are_the_gray_of_neighbouring_frames() {
    let dir = tempfile::tempdir().unwrap();
    let path = counter_video(dir.path(), "st.mp4", "30", 0.5, "", "32x24");
    let frames = sample(&path, &SampleConfig::new(8, 8));
    let n = frames.len();
    let st = video::spacetime_tensor(&frames);
    assert_eq!(st.size(), vec![n as i64, 3, 8, 8]);
    // BT.601 luma of the sampled RGB pixel, computed here in floating point.
    let luma = |f: &Frame| {
        let [r, g, b] = f.pixel(4, 4).map(f64::from);
        0.299 * r + 0.587 * g + 0.114 * b
    };
    for k in 0..n {
        for (c, j) in [k.saturating_sub(1), k, (k + 1).min(n - 1)].into_iter().enumerate() {
            let v = st.double_value(&[k as i64, c as i64, 4, 4]) * 255.0;
            assert!((v - luma(&frames[j])).abs() <= 0.5 + 1e-3, "frame {k} channel {c}: {v} vs {}", luma(&frames[j]));
        }
        let prev = &frames[k.saturating_sub(1)];
        let next = &frames[(k + 1).min(n - 1)];
        let img = video::spacetime(prev, &frames[k], next);
        assert_eq!(img[3 * (4 * 8 + 4) + 1], video::gray(&frames[k])[4 * 8 + 4]);
    }
    let rgb = video::frames_to_tensor(&frames);
    assert_eq!(rgb.size(), vec![n as i64, 3, 8, 8]);
    assert_eq!((rgb.double_value(&[2, 0, 4, 4]) * 255.0).round() as u8, frames[2].pixel(4, 4)[0]);
}
