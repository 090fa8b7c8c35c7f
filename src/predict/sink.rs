//! The WAV sink: a [`Synthesis`] written block by block, atomically.
use crate::error::{Error, Result};
use crate::synth::stream::BLOCK;
use crate::synth::Synthesis;
use std::path::Path;

/// Write a synthesis as a mono WAV, block by block, atomically.
pub fn write_wav_stream(path: &Path, s: &mut dyn Synthesis, format: crate::audio::SampleFormat) -> Result<()> {
    use crate::audio::SampleFormat;
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: s.rate(),
        bits_per_sample: if format == SampleFormat::Int16 { 16 } else { 32 },
        sample_format: if format == SampleFormat::Int16 { hound::SampleFormat::Int } else { hound::SampleFormat::Float },
    };
    crate::util::write_atomic(path, |tmp| {
        let err = |e: hound::Error| Error::bad(tmp, format!("cannot write WAV ({e})"));
        let mut w = hound::WavWriter::create(tmp, spec).map_err(err)?;
        let mut buf = vec![0.0f32; BLOCK];
        for start in (0..s.len()).step_by(BLOCK) {
            let n = BLOCK.min(s.len() - start);
            s.render(start, &mut buf[..n])?;
            for &x in &buf[..n] {
                match format {
                    SampleFormat::Int16 => w.write_sample((x.clamp(-1.0, 1.0) * 32767.0).round() as i16),
                    SampleFormat::Float32 => w.write_sample(x),
                }
                .map_err(err)?;
            }
        }
        w.finalize().map_err(err)
    })
}
