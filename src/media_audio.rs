//! Audio of media files through FFmpeg (feature `video`): the first audio stream of the
//! container, decoded to float, channels averaged (SPEC §2 step 1: integer PCM divided by
//! its full scale, no normalisation). It lives outside the sound core `foley-dsp`, which
//! reads WAV only, so that the `foley` front does not load FFmpeg's 130 libraries.
use crate::audio::Waveform;
use crate::error::{Error, Result};
use ffmpeg_next as ffmpeg;
use ffmpeg::format::sample::Sample;
use std::path::Path;

/// Decode the first audio stream of `path`.
fn read(path: &Path) -> Result<Waveform> {
    ffmpeg::init().map_err(|e| Error::bad(path, format!("cannot initialise FFmpeg ({e})")))?;
    // FFmpeg's own log lines would break the one-line error contract.
    ffmpeg::util::log::set_level(ffmpeg::util::log::Level::Quiet);
    let mut ictx = ffmpeg::format::input(path)
        .map_err(|e| Error::bad(path, format!("not an audio or video file FFmpeg can read ({e})")))?;
    let stream = ictx
        .streams()
        .find(|s| s.parameters().medium() == ffmpeg::media::Type::Audio)
        .ok_or_else(|| {
            let what = ictx.format().description().to_string();
            Error::bad(path, format!("has no audio stream (FFmpeg reads it as: {what})"))
        })?;
    let index = stream.index();
    let ctx = ffmpeg::codec::context::Context::from_parameters(stream.parameters())
        .map_err(|e| Error::bad(path, format!("unsupported audio stream ({e})")))?;
    let mut decoder = ctx
        .decoder()
        .audio()
        .map_err(|e| Error::bad(path, format!("no decoder for its audio stream ({e})")))?;
    let mut out = Vec::new();
    let mut rate = 0u32;
    let mut frame = ffmpeg::frame::Audio::empty();
    let mut drain = |decoder: &mut ffmpeg::decoder::Audio, out: &mut Vec<f32>, rate: &mut u32| -> Result<()> {
        while decoder.receive_frame(&mut frame).is_ok() {
            if *rate == 0 {
                *rate = frame.rate();
            }
            append_mono(&frame, out).map_err(|m| Error::bad(path, m))?;
        }
        Ok(())
    };
    for (s, packet) in ictx.packets() {
        if s.index() != index {
            continue;
        }
        // A damaged packet is skipped, as the ffmpeg CLI does; the rest still decodes.
        if decoder.send_packet(&packet).is_ok() {
            drain(&mut decoder, &mut out, &mut rate)?;
        }
    }
    let _ = decoder.send_eof();
    drain(&mut decoder, &mut out, &mut rate)?;
    if rate == 0 {
        rate = decoder.rate();
    }
    Ok(Waveform::new(out, rate))
}

/// Append the channel average of one decoded frame, converted to float.
fn append_mono(frame: &ffmpeg::frame::Audio, out: &mut Vec<f32>) -> std::result::Result<(), String> {
    let n = frame.samples();
    let ch = (frame.channels() as usize).max(1);
    let fmt = frame.format();
    let bps = fmt.bytes();
    let conv: fn(&[u8]) -> f32 = match fmt {
        Sample::U8(_) => |b| (b[0] as f32 - 128.0) / 128.0,
        Sample::I16(_) => |b| i16::from_le_bytes([b[0], b[1]]) as f32 / 32768.0,
        Sample::I32(_) => |b| (i32::from_le_bytes([b[0], b[1], b[2], b[3]]) as f64 / 2147483648.0) as f32,
        Sample::I64(_) => |b| (i64::from_le_bytes(b[..8].try_into().unwrap_or([0; 8])) as f64 / 9.223372036854776e18) as f32,
        Sample::F32(_) => |b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]),
        Sample::F64(_) => |b| f64::from_le_bytes(b[..8].try_into().unwrap_or([0; 8])) as f32,
        Sample::None => return Err("audio stream has no sample format".into()),
    };
    let start = out.len();
    out.resize(start + n, 0.0);
    let dst = &mut out[start..];
    if fmt.is_planar() {
        for c in 0..ch {
            let plane = frame.data(c);
            if plane.len() < n * bps {
                return Err("decoded audio frame is shorter than announced".into());
            }
            for (i, d) in dst.iter_mut().enumerate() {
                *d += conv(&plane[i * bps..]);
            }
        }
    } else {
        let data = frame.data(0);
        if data.len() < n * ch * bps {
            return Err("decoded audio frame is shorter than announced".into());
        }
        for (i, d) in dst.iter_mut().enumerate() {
            for c in 0..ch {
                *d += conv(&data[(i * ch + c) * bps..]);
            }
        }
    }
    let inv = 1.0 / ch as f32;
    for d in dst.iter_mut() {
        *d *= inv;
    }
    Ok(())
}

/// [`foley_dsp::audio::read_audio`] with FFmpeg for what hound cannot read: other formats,
/// and WAV flavours such as ADPCM or µ-law.
pub fn read_audio(path: &Path) -> Result<Waveform> {
    foley_dsp::audio::read_audio_with(path, Some(&read))
}
