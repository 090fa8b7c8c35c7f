//! Cochleagram: subband envelopes (SPEC §2) and parametric synthesis from them (SPEC §3).
//!
//! The filter bank, analysis (`features`) and inversion live in submodules; this file holds
//! the [`Cochleagram`] type that every stage exchanges.
use crate::error::{Error, Result};
use crate::npy;
use std::path::Path;

mod analysis;
mod filters;
mod invert;

pub use analysis::{features, features_progress};
pub use filters::{erb, erb_inv, FilterBank, Params, SampledBand};
pub use invert::{invert, invert_progress, InvertParams};

/// Number of bands in the default cochleagram: 40 ERB bands + low-pass + high-pass.
pub const BANDS: usize = 42;
/// Envelope rate of the default cochleagram, in Hz.
pub const ENVELOPE_RATE: f64 = 90.0;

/// Onset flux per step of a row-major `[T, bands]` cochleagram: `Σ_b max(0, c[t,b] − c[t−1,b])`,
/// 0 at step 0. The one home of onset strength (hit detection divides by the band count).
pub fn onset_flux(data: &[f32], bands: usize) -> Vec<f32> {
    let t = data.len() / bands;
    let mut out = vec![0.0f32; t];
    for i in 1..t {
        let (prev, cur) = (&data[(i - 1) * bands..i * bands], &data[i * bands..(i + 1) * bands]);
        out[i] = cur.iter().zip(prev).map(|(c, p)| (c - p).max(0.0)).sum::<f32>();
    }
    out
}

/// Subband envelopes: `frames` rows of `bands` values, low → high, at `rate` Hz.
#[derive(Clone, Debug, PartialEq)]
pub struct Cochleagram {
    /// Row-major `[frames, bands]`.
    pub data: Vec<f32>,
    pub bands: usize,
    /// Envelope steps per second.
    pub rate: f64,
}

impl Cochleagram {
    pub fn new(data: Vec<f32>, bands: usize, rate: f64) -> Self {
        assert!(bands > 0 && data.len() % bands == 0, "data length must be a multiple of bands");
        Cochleagram { data, bands, rate }
    }
    pub fn zeros(frames: usize, bands: usize, rate: f64) -> Self {
        Cochleagram { data: vec![0.0; frames * bands], bands, rate }
    }
    /// Number of time steps.
    pub fn frames(&self) -> usize {
        self.data.len() / self.bands
    }
    pub fn duration(&self) -> f64 {
        self.frames() as f64 / self.rate
    }
    /// The `bands` values of step `t`.
    pub fn frame(&self, t: usize) -> &[f32] {
        &self.data[t * self.bands..(t + 1) * self.bands]
    }
    pub fn rows(&self) -> std::slice::ChunksExact<'_, f32> {
        self.data.chunks_exact(self.bands)
    }

    /// Onset strength per step: mean over bands of `max(0, c[t] − c[t−1])` (half-wave
    /// rectified flux of the compressed envelopes); 0 at step 0.
    pub fn onset_strength(&self) -> Vec<f32> {
        let b = self.bands as f32;
        onset_flux(&self.data, self.bands).into_iter().map(|s| s / b).collect()
    }

    /// Write as `.npy` float32 `[T, bands]`.
    pub fn write_npy(&self, path: &Path) -> Result<()> {
        npy::write(path, &npy::Array2 { rows: self.frames(), cols: self.bands, data: self.data.clone() })
    }

    /// Read a `.npy` cochleagram at [`ENVELOPE_RATE`], checking shape `[T, bands]`, and that
    /// values are finite and non-negative (they are compressed envelopes).
    pub fn read_npy(path: &Path, bands: usize) -> Result<Self> {
        let a = npy::read(path)?;
        if a.cols != bands {
            return Err(Error::bad(path, format!("shape ({}, {}) but a cochleagram is [T, {bands}]", a.rows, a.cols)));
        }
        if a.rows == 0 {
            return Err(Error::bad(path, "cochleagram has no time steps"));
        }
        if let Some(i) = a.data.iter().position(|v| !v.is_finite()) {
            return Err(Error::bad(path, format!("non-finite value at step {}, band {}", i / bands, i % bands)));
        }
        if let Some(i) = a.data.iter().position(|&v| v < 0.0) {
            return Err(Error::bad(path, format!("negative envelope {} at step {}, band {}", a.data[i], i / bands, i % bands)));
        }
        Ok(Cochleagram { data: a.data, bands, rate: ENVELOPE_RATE })
    }
}
