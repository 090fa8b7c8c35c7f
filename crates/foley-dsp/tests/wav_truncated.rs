//! WAV files whose header declares more audio than they hold: refused with one line naming
//! the file (what `foley features` prints), not read short; the streaming size 0xFFFFFFFF
//! ("to the end of the file") is read in full.
use foley_dsp::audio::{read_audio, read_wav, write_wav, SampleFormat};
use foley_dsp::{Error, Waveform};

fn ramp(n: usize, rate: u32) -> Waveform {
    Waveform::new((0..n).map(|i| (i as f32 / n as f32) - 0.5).collect(), rate)
}

/// Byte offset of the data chunk's size field (the data follow it).
fn data_size_at(bytes: &[u8]) -> usize {
    bytes.windows(4).position(|w| w == b"data").unwrap() + 4
}

#[test]
fn truncated_data_chunk_is_an_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("trunc.wav");
    write_wav(&p, &ramp(1000, 8000), SampleFormat::Int16).unwrap();
    let bytes = std::fs::read(&p).unwrap();
    let start = data_size_at(&bytes) + 4;
    // Cut 301 bytes off: 2000 declared, 1699 held (mid-sample, too).
    std::fs::write(&p, &bytes[..bytes.len() - 301]).unwrap();
    let want = format!("{}: truncated WAV: the header declares 2000 bytes of audio data but the file holds 1699; re-copy or re-export it", p.display());
    assert_eq!(bytes.len() - start, 2000);
    for e in [read_wav(&p).unwrap_err(), read_audio(&p).unwrap_err()] {
        assert!(matches!(e, Error::Io { .. }), "an Io error, so no fallback reader decodes it short: {e:?}");
        assert_eq!(e.to_string(), want);
    }
    // The same for float WAVs (hound's general path).
    write_wav(&p, &ramp(1000, 8000), SampleFormat::Float32).unwrap();
    let bytes = std::fs::read(&p).unwrap();
    std::fs::write(&p, &bytes[..bytes.len() - 4]).unwrap();
    assert!(read_wav(&p).unwrap_err().to_string().ends_with("declares 4000 bytes of audio data but the file holds 3996; re-copy or re-export it"));
}

#[test]
fn streaming_size_reads_to_the_end() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("stream.wav");
    let w = ramp(1000, 8000);
    write_wav(&p, &w, SampleFormat::Int16).unwrap();
    let whole = read_wav(&p).unwrap();
    let mut bytes = std::fs::read(&p).unwrap();
    let at = data_size_at(&bytes);
    bytes[at..at + 4].copy_from_slice(&u32::MAX.to_le_bytes());
    std::fs::write(&p, &bytes).unwrap();
    assert_eq!(read_wav(&p).unwrap(), whole);
}
