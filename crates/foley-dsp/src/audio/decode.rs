//! Reading audio from any file: WAV through hound, everything else (feature `video`)
//! through FFmpeg: the first audio stream of the container, decoded to float, channels
//! averaged (SPEC §2 step 1: integer PCM divided by its full scale, no normalisation).
use super::{read_wav, Waveform};
use crate::error::{Error, Result};
use std::io::Read;
use std::path::Path;

/// Read the audio of `path` as mono float samples at the file's own rate.
///
/// Errors name the file: missing or unreadable, not audio, no audio stream, empty audio.
pub fn read_audio(path: &Path) -> Result<Waveform> {
    let mut head = [0u8; 12];
    let got = {
        let mut f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        if f.metadata().map(|m| m.is_dir()).unwrap_or(false) {
            return Err(Error::bad(path, "is a directory, not an audio file"));
        }
        read_up_to(&mut f, &mut head).map_err(|e| Error::io(path, e))?
    };
    if got == 0 {
        return Err(Error::bad(path, "file is empty (0 bytes), not audio"));
    }
    let is_wav = got == 12 && &head[0..4] == b"RIFF" && &head[8..12] == b"WAVE";
    let wave = if is_wav {
        match read_wav(path) {
            Ok(w) => w,
            // WAV flavours hound cannot read (ADPCM, µ-law, …): FFmpeg can.
            #[cfg(feature = "video")]
            Err(Error::BadInput { .. }) => ffmpeg_audio::read(path)?,
            Err(e) => return Err(e),
        }
    } else {
        read_other(path)?
    };
    if wave.rate == 0 {
        return Err(Error::bad(path, "audio has sample rate 0"));
    }
    if wave.is_empty() {
        return Err(Error::bad(path, "audio is empty (0 samples)"));
    }
    if let Some(i) = wave.samples.iter().position(|v| !v.is_finite()) {
        return Err(Error::bad(path, format!("audio sample {i} is not a finite number")));
    }
    Ok(wave)
}

fn read_up_to(f: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match f.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

#[cfg(feature = "video")]
fn read_other(path: &Path) -> Result<Waveform> {
    ffmpeg_audio::read(path)
}

#[cfg(not(feature = "video"))]
fn read_other(path: &Path) -> Result<Waveform> {
    Err(Error::bad(
        path,
        "not a WAV file, and this build of foley has no FFmpeg (cargo feature `video`) to read other formats; convert it to WAV",
    ))
}

#[cfg(feature = "video")]
mod ffmpeg_audio {
    use super::Waveform;
    use crate::error::{Error, Result};
    use ffmpeg_next as ffmpeg;
    use ffmpeg::format::sample::{Sample, Type};
    use std::path::Path;

    /// Decode the first audio stream of `path`.
    pub fn read(path: &Path) -> Result<Waveform> {
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
        let planar = matches!(fmt, Sample::U8(Type::Planar) | Sample::I16(Type::Planar) | Sample::I32(Type::Planar)
            | Sample::I64(Type::Planar) | Sample::F32(Type::Planar) | Sample::F64(Type::Planar));
        if planar {
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
}
