//! WAV read (any bit depth, integer or float, any channel count/rate) and write.
use super::Waveform;
use crate::error::{Error, Result};
use std::path::Path;

/// Sample format for written WAV files.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum SampleFormat {
    /// 16-bit integer PCM.
    #[default]
    Int16,
    /// 32-bit IEEE float.
    Float32,
}

/// Read a WAV file: integer PCM divided by its full scale (no peak normalisation),
/// channels averaged to mono (SPEC §2 step 1).
///
/// A file whose header declares more audio data than it holds (cut short while copying or
/// recording) is refused with a one-line error naming it (an `Io` error of kind
/// `UnexpectedEof`, so that no other reader is tried on it): "read what is there" would
/// silently give a shorter clip whose annotations no longer match. A data size of
/// 0xFFFFFFFF, written by streaming writers that cannot seek back, means "to the end of the
/// file" and is read so.
pub fn read_wav(path: &Path) -> Result<Waveform> {
    let mut bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    fill_streaming_size(&mut bytes);
    let start = hound::WavReader::new(std::io::Cursor::new(&bytes[..])).map_err(|e| wav_err(path, e))?.into_inner().position() as usize;
    check_data_size(path, &bytes, start)?;
    let open = || hound::WavReader::new(std::io::Cursor::new(&bytes[..])).map_err(|e| wav_err(path, e));
    let reader = open()?;
    let spec = reader.spec();
    let channels = spec.channels.max(1) as usize;
    if spec.sample_format == hound::SampleFormat::Int && spec.bits_per_sample == 16 {
        // The common case straight from the data chunk (hound's per-sample reads cost
        // ~40 ms a minute of audio): a fresh reader stands at its first sample. A short
        // chunk goes the general way below, for hound's error.
        let n = reader.len() as usize;
        let start = reader.into_inner().position() as usize;
        if let Some(data) = bytes.get(start..start + 2 * n) {
            let scale = 1.0 / (32768.0 * channels as f32);
            let samples = data
                .chunks_exact(2 * channels)
                .map(|frame| frame.chunks_exact(2).map(|b| i16::from_le_bytes([b[0], b[1]]) as f32).sum::<f32>() * scale)
                .collect();
            return Ok(Waveform::new(samples, spec.sample_rate));
        }
    }
    let mut reader = open()?;
    let interleaved: Vec<f32> = match spec.sample_format {
        hound::SampleFormat::Float => reader
            .samples::<f32>()
            .collect::<Result<_, _>>()
            .map_err(|e| wav_err(path, e))?,
        hound::SampleFormat::Int => {
            // Full scale of a b-bit signed integer is 2^(b-1).
            let scale = 1.0 / (1u64 << (spec.bits_per_sample - 1)) as f32;
            reader
                .samples::<i32>()
                .map(|s| s.map(|v| v as f32 * scale))
                .collect::<Result<_, _>>()
                .map_err(|e| wav_err(path, e))?
        }
    };
    let samples = interleaved
        .chunks_exact(channels)
        .map(|frame| frame.iter().sum::<f32>() / channels as f32)
        .collect();
    Ok(Waveform::new(samples, spec.sample_rate))
}

/// A data chunk of size 0xFFFFFFFF (a streaming writer's "to the end of the file") gets the
/// size of the whole frames there are. Chunks are walked as hound walks them (`fmt ` before
/// `data`, no pad bytes); anything unexpected is left for hound to report.
fn fill_streaming_size(bytes: &mut [u8]) {
    let le32 = |b: &[u8], at: usize| b.get(at..at + 4).map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]]));
    if bytes.get(0..4) != Some(b"RIFF") || bytes.get(8..12) != Some(b"WAVE") {
        return;
    }
    let (mut at, mut block) = (12usize, None);
    while let (Some(id), Some(size)) = (bytes.get(at..at + 4), le32(bytes, at + 4)) {
        if id == b"fmt " {
            // format(2) channels(2) rate(4) bytes/s(4) block_align(2)
            block = bytes.get(at + 20..at + 22).map(|b| u16::from_le_bytes([b[0], b[1]]) as usize).filter(|&b| b > 0);
        } else if id == b"data" {
            if let (u32::MAX, Some(block)) = (size, block) {
                let have = bytes.len() - (at + 8);
                let whole = (have / block * block).min(u32::MAX as usize - block) as u32;
                bytes[at + 4..at + 8].copy_from_slice(&whole.to_le_bytes());
            }
            return;
        }
        at = match at.checked_add(8 + size as usize) {
            Some(next) => next,
            None => return,
        };
    }
}

/// The data chunk starts at `start` (hound stops right after its header, so its size field
/// is the 4 bytes before): refuse a file that holds less than that size.
fn check_data_size(path: &Path, bytes: &[u8], start: usize) -> Result<()> {
    let Some(field) = start.checked_sub(4).and_then(|a| bytes.get(a..start)) else {
        return Err(Error::bad(path, "not a readable WAV file (no data chunk)"));
    };
    let declared = u32::from_le_bytes([field[0], field[1], field[2], field[3]]) as u64;
    let have = bytes.len().saturating_sub(start) as u64;
    if declared > have {
        let msg = format!("truncated WAV: the header declares {declared} bytes of audio data but the file holds {have}; re-copy or re-export it");
        return Err(Error::io(path, std::io::Error::new(std::io::ErrorKind::UnexpectedEof, msg)));
    }
    Ok(())
}

fn wav_err(path: &Path, e: hound::Error) -> Error {
    match e {
        hound::Error::IoError(io) => Error::io(path, io),
        other => Error::bad(path, format!("not a readable WAV file ({other})")),
    }
}

/// Write a mono WAV file atomically: to a temporary name beside `path`, then renamed,
/// so no half-written file ever carries the final name.
pub fn write_wav(path: &Path, wave: &Waveform, format: SampleFormat) -> Result<()> {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: wave.rate,
        bits_per_sample: match format {
            SampleFormat::Int16 => 16,
            SampleFormat::Float32 => 32,
        },
        sample_format: match format {
            SampleFormat::Int16 => hound::SampleFormat::Int,
            SampleFormat::Float32 => hound::SampleFormat::Float,
        },
    };
    crate::util::write_atomic(path, |tmp| {
        let mut w = hound::WavWriter::create(tmp, spec).map_err(|e| wav_err(tmp, e))?;
        for &s in &wave.samples {
            let r = match format {
                SampleFormat::Int16 => w.write_sample((s.clamp(-1.0, 1.0) * 32767.0).round() as i16),
                SampleFormat::Float32 => w.write_sample(s),
            };
            r.map_err(|e| wav_err(tmp, e))?;
        }
        w.finalize().map_err(|e| wav_err(tmp, e))
    })
}
