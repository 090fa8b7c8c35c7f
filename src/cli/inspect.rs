//! `foley inspect VIDEO`: stream facts, and optionally a contact sheet of what the model sees.
use anyhow::Result;
use clap::Args;
use foley::video::{self, Fit, SampleConfig, SheetConfig};
use std::path::PathBuf;

#[derive(Args)]
#[command(after_help = "Examples:
  foley inspect clip.mp4
  foley inspect clip.mp4 --json
  foley inspect clip.mp4 --sheet sheet.png --size 128x128 --count 12")]
pub struct InspectArgs {
    /// Video file (anything FFmpeg reads).
    video: PathBuf,
    /// Print the facts as JSON on stdout.
    #[arg(long)]
    json: bool,
    /// Also draw a contact sheet (PNG): frames sampled at 30 fps as the model sees them, each
    /// beside its spacetime image (red = gray t-1, green = t, blue = t+1).
    #[arg(long, value_name = "OUT.png")]
    sheet: Option<PathBuf>,
    /// Frame size of the sheet's images, WIDTHxHEIGHT.
    #[arg(long, default_value = "128x128", value_parser = parse_size, requires = "sheet")]
    size: (u32, u32),
    /// How frames are fitted to the size.
    #[arg(long, value_enum, default_value_t = Fit::Crop, requires = "sheet")]
    fit: Fit,
    /// Number of moments on the sheet, evenly spaced over the video.
    #[arg(long, default_value_t = 8, requires = "sheet")]
    count: usize,
}

/// Parse `WIDTHxHEIGHT` (e.g. `128x96`).
pub fn parse_size(s: &str) -> Result<(u32, u32), String> {
    let (w, h) = s.split_once(['x', 'X']).ok_or_else(|| format!("'{s}' is not WIDTHxHEIGHT (e.g. 128x128)"))?;
    let n = |v: &str| v.trim().parse::<u32>().map_err(|_| format!("'{s}' is not WIDTHxHEIGHT (e.g. 128x128)"));
    Ok((n(w)?, n(h)?))
}

pub fn run(args: InspectArgs, quiet: bool) -> Result<()> {
    let info = video::probe(&args.video)?;
    let sampled = info.sampled_frames(video::MODEL_FPS);
    if args.json {
        let mut v = serde_json::to_value(&info)?;
        v["sampled_frames_30fps"] = sampled.into();
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        let (dw, dh) = info.display_size();
        let rotated = if info.rotation != 0 { format!(" (shown {dw}x{dh}, rotated {}° clockwise)", info.rotation) } else { String::new() };
        println!("file        {}", info.path.display());
        println!("container   {}", info.container);
        println!(
            "video       #{} {} {}x{}{rotated}, {:.3} fps, {:.3} s, {} frames",
            info.stream_index, info.codec, info.width, info.height, info.fps, info.duration, info.frames
        );
        if info.audio.is_empty() {
            println!("audio       none");
        }
        for a in &info.audio {
            println!("audio       #{} {} {} Hz, {} ch, {:.3} s", a.stream_index, a.codec, a.rate, a.channels, a.duration);
        }
        println!("model view  {sampled} frames at {} fps", video::MODEL_FPS);
    }
    if let Some(out) = &args.sheet {
        let cfg = SheetConfig {
            frames: SampleConfig { width: args.size.0, height: args.size.1, fit: args.fit, fps: video::MODEL_FPS },
            count: args.count,
            columns: 4,
        };
        let bar = if quiet { indicatif::ProgressBar::hidden() } else { indicatif::ProgressBar::new(sampled) };
        bar.set_style(
            indicatif::ProgressStyle::with_template("{msg} {bar:40} {pos}/{len} frames").unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar.set_message("sheet");
        let times = video::contact_sheet(&args.video, &cfg, out, |n| bar.set_position(n as u64))?;
        bar.finish_and_clear();
        if !quiet && !args.json {
            let list: Vec<String> = times.iter().map(|t| format!("{t:.2}")).collect();
            eprintln!("wrote {} ({} frames at {} s)", out.display(), times.len(), list.join(", "));
        }
    }
    Ok(())
}
