//! Reading audio from a file: WAV through hound; other formats through a reader the caller
//! passes (FFmpeg in `foley::audio::read_audio`, feature `video`).
use super::{read_wav, Waveform};
use crate::error::{Error, Result};
use std::io::Read;
use std::path::Path;

/// Read the audio of a WAV file `path` as mono float samples at the file's own rate
/// (`foley::audio::read_audio` reads other formats too).
///
/// Errors name the file: missing or unreadable, not audio, no audio stream, empty audio.
pub fn read_audio(path: &Path) -> Result<Waveform> {
    read_audio_with(path, None)
}

/// [`read_audio`], with `other` reading what hound cannot: files that are not WAV and WAV
/// flavours hound does not know (ADPCM, µ-law, …). Without it those are errors.
pub fn read_audio_with(path: &Path, other: Option<&dyn Fn(&Path) -> Result<Waveform>>) -> Result<Waveform> {
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
    let wave = match (is_wav, other) {
        (true, other) => match (read_wav(path), other) {
            (Ok(w), _) => w,
            (Err(Error::BadInput { .. }), Some(other)) => other(path)?,
            (Err(e), _) => return Err(e),
        },
        (false, Some(other)) => other(path)?,
        (false, None) => {
            return Err(Error::bad(
                path,
                "not a WAV file, and this build of foley has no FFmpeg (cargo feature `video`) to read other formats; convert it to WAV",
            ))
        }
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
