//! Decode + sample at 30 fps + tensorize a video, as the model's input pipeline does; prints
//! the time from opening the file to the last tensor, frames, and the process's peak RSS.
//! Run by `tools/bench_video` (which compares with `ffmpeg -i CLIP -f null -` in the same
//! run); by hand: `cargo bench --bench video_decode -- CLIP [WIDTHxHEIGHT]`.
use foley::video::{self, SampleConfig};
use std::time::Instant;

/// Frames per tensor window (one second at 30 fps), as a clip batch would be.
const WINDOW: usize = 30;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let Some(path) = args.first() else {
        eprintln!("usage: video_decode CLIP [WIDTHxHEIGHT]");
        std::process::exit(2);
    };
    let (w, h) = args
        .get(1)
        .and_then(|s| s.split_once('x'))
        .and_then(|(w, h)| Some((w.parse().ok()?, h.parse().ok()?)))
        .unwrap_or((64, 64));
    let (start, cpu0) = (Instant::now(), cpu_seconds());
    match run(path.as_ref(), &SampleConfig::new(w, h)) {
        Ok((frames, decoded, sum)) => {
            let secs = start.elapsed().as_secs_f64();
            println!(
                "frames {frames} decoded {decoded} seconds {secs:.3} cpu_seconds {:.3} fps {:.1} peak_rss_mb {:.1} checksum {sum:.3}",
                cpu_seconds() - cpu0,
                frames as f64 / secs,
                peak_rss_kb() as f64 / 1024.0
            );
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}

fn run(path: &std::path::Path, cfg: &SampleConfig) -> foley::Result<(usize, usize, f64)> {
    let mut src = video::open_frames(path, cfg)?;
    let (mut n, mut sum) = (0, 0.0);
    let mut window = Vec::with_capacity(WINDOW);
    let tensors = std::env::var_os("FOLEY_BENCH_NO_TENSORS").is_none();
    let mut flush = |window: &mut Vec<video::Frame>| {
        if tensors && !window.is_empty() {
            let rgb = video::frames_to_tensor(window);
            let st = video::spacetime_tensor(window);
            // Read one value of each back (no libtorch kernel: its OpenMP pool would spin
            // beside the decoder threads and bill this loop for work it does not need).
            sum += rgb.double_value(&[0, 0, 0, 0]) + st.double_value(&[0, 0, 0, 0]);
            window.clear();
        }
    };
    for f in src.by_ref() {
        window.push(f?);
        n += 1;
        if window.len() == WINDOW {
            flush(&mut window);
        }
    }
    flush(&mut window);
    Ok((n, src.decoded_frames(), sum))
}

/// User + system CPU time of this process so far (all threads), from /proc/self/stat
/// (fields 14 and 15, in clock ticks of 1/100 s on Linux).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<f64> = rest.split_whitespace().skip(11).take(2).filter_map(|v| v.parse().ok()).collect();
    f.iter().sum::<f64>() / 100.0
}

/// Peak resident set size of this process (VmHWM), in kB; 0 where /proc is absent.
fn peak_rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)?.parse().ok()))
        .unwrap_or(0)
}
