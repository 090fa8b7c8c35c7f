//! Audio: the [`Waveform`] type (samples that know their rate), WAV I/O ([`read_audio`];
//! `foley::audio::read_audio` adds media files through FFmpeg) and band-limited
//! resampling ([`resample`]).
mod decode;
pub(crate) mod resample;
pub(crate) mod simd;
mod wav;

pub use decode::{read_audio, read_audio_with};
pub use resample::{resample, Resampler};
pub use wav::{read_wav, write_wav, SampleFormat};

/// Mono audio samples in [-1, 1] at a known sample rate.
#[derive(Clone, Debug, PartialEq)]
pub struct Waveform {
    pub samples: Vec<f32>,
    /// Samples per second.
    pub rate: u32,
}

impl Waveform {
    pub fn new(samples: Vec<f32>, rate: u32) -> Self {
        Waveform { samples, rate }
    }
    pub fn silence(seconds: f64, rate: u32) -> Self {
        Waveform { samples: vec![0.0; (seconds * rate as f64).round() as usize], rate }
    }
    pub fn len(&self) -> usize {
        self.samples.len()
    }
    pub fn is_empty(&self) -> bool {
        self.samples.is_empty()
    }
    /// Duration in seconds.
    pub fn duration(&self) -> f64 {
        self.samples.len() as f64 / self.rate as f64
    }
    /// Largest absolute sample value.
    pub fn peak(&self) -> f32 {
        self.samples.iter().fold(0.0f32, |m, s| m.max(s.abs()))
    }
}
