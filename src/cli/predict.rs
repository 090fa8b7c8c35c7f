//! `foley predict VIDEO -o OUT`: the user's main job (SPEC §1).
use anyhow::{bail, Result};
use clap::Args;
use foley::predict::{self, DecodeAhead, Pipeline};
use foley::synth::SynthMode;
use std::path::{Path, PathBuf};
use std::time::Instant;

pub const EXAMPLES: &str = "Examples:\n  foley predict datasets/sample/2016-01-01-00-05-54_denoised.mp4 -o hits.wav\n  \
    foley predict clip.mp4 -o clip_with_sound.mp4 --plot clip.png --features clip.npy\n  \
    foley predict clip.mp4 -o even.wav --dynamics 0.6   (quiet hits beside loud ones stay audible)\n  \
    foley predict clip.mov -o out.wav --synth parametric --seed 7 --model runs/r1/model";

#[derive(Args)]
pub struct PredictArgs {
    /// Input video (any format FFmpeg reads; the picture only is used).
    video: PathBuf,
    /// Output: `.wav`, or `.mp4`/`.mov`/`.mkv` for a copy of the video with the predicted
    /// sound as its audio track (video stream copied, not re-encoded; AAC in .mp4).
    #[arg(short, long)]
    output: PathBuf,
    #[command(flatten)]
    synth: super::synth_args::SynthArgs,
    /// Also write the predicted cochleagram as .npy ([T, 42] float32 at 90 Hz).
    #[arg(long, value_name = "F.npy")]
    features: Option<PathBuf>,
    /// Also draw the predicted cochleagram (time × band) with the detected hits as a PNG.
    #[arg(long, value_name = "F.png")]
    plot: Option<PathBuf>,
    /// Print a JSON summary (hits with time, material, loudness; timings) on stdout.
    #[arg(long)]
    json: bool,
}

#[derive(PartialEq)]
enum OutKind {
    Wav,
    Video,
}

fn out_kind(path: &Path) -> Result<OutKind> {
    let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("wav") => Ok(OutKind::Wav),
        Some("mp4" | "mov" | "mkv") => Ok(OutKind::Video),
        _ => bail!("{}: output must end in .wav, .mp4, .mov or .mkv", path.display()),
    }
}

pub fn run(a: PredictArgs, quiet: bool) -> Result<()> {
    let t0 = Instant::now();
    let kind = out_kind(&a.output)?;
    let opts = a.synth.options()?;
    for extra in [&a.features, &a.plot].into_iter().flatten() {
        if extra == &a.output {
            bail!("{}: given both as output and as --features/--plot", extra.display());
        }
    }
    if a.output.canonicalize().ok().is_some_and(|o| a.video.canonicalize().ok() == Some(o)) {
        bail!("{}: output would overwrite the input video", a.output.display());
    }
    if !a.video.is_file() {
        bail!("{}: no such video file", a.video.display());
    }
    let dir = a.synth.model_dir()?;
    // Decoding starts before the model and the bank load (it needs only the config), so the two
    // overlap; an unreadable video is reported when the first frames are read. A config that
    // cannot be read is reported by Pipeline::load, which reads it again.
    let frames = foley::model::Model::read_config(&dir).map(|f| DecodeAhead::start(&a.video, &f.model));
    let pipeline = Pipeline::load(&dir, foley::model::select_device(&a.synth.device)?)?;
    if opts.mode == SynthMode::Example {
        pipeline.bank()?;
    }
    let frames = frames?;
    let pb = super::progress_bar(0, quiet, "frames");
    let predicted = pipeline.cochleagram_from(frames, &|done, total| {
        pb.set_length(total);
        pb.set_position(done);
    })?;
    let coch = &predicted.coch;
    pb.finish_and_clear();
    let t_model = t0.elapsed().as_secs_f64();
    let (mut synthesis, hits, placed) = pipeline.synthesis(&predicted, &opts)?;
    if let Some(f) = &a.features {
        coch.write_npy(f)?;
    }
    if let Some(f) = &a.plot {
        // Colours scaled to the prediction's maximum: predicted envelopes are often quiet; band
        // frequencies from the model's own analysis parameters.
        let scaled = foley::synth::plot::scaled(coch, None);
        foley::synth::plot::write_png_with(&scaled, &hits, &pipeline.model.file.features, f)?;
    }
    match kind {
        OutKind::Wav => predict::write_wav_stream(&a.output, synthesis.as_mut(), a.synth.format)?,
        OutKind::Video => {
            let wave = synthesis.render_all()?;
            foley::video::mux_audio(&a.video, &wave, &a.output)?;
        }
    }
    let total = t0.elapsed().as_secs_f64();
    if a.json {
        let summary = serde_json::json!({
            "video": a.video, "output": a.output, "model": dir, "synth": opts.mode,
            "duration": coch.duration(), "steps": coch.frames(), "rate": synthesis.rate(),
            "seconds": {"model": t_model, "total": total},
            "hits": if placed.is_empty() { serde_json::to_value(&hits)? } else { serde_json::to_value(&placed)? },
        });
        println!("{summary}");
    } else if !quiet {
        eprintln!(
            "wrote {} ({:.2} s of audio, {} hits, {:.1} s)",
            a.output.display(),
            coch.duration(),
            hits.len(),
            total
        );
    }
    Ok(())
}
