//! Analysis parameters and the half-cosine ERB filter bank of SPEC §2 step 4.
use crate::error::{Error, Result};
use rayon::prelude::*;

/// Cochleagram analysis parameters (SPEC §2). `Default` gives the SPEC values.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Params {
    /// Working sample rate in Hz (20 000).
    pub rate: u32,
    /// Number of ERB bands (40); a low-pass and a high-pass band are added, so the
    /// cochleagram has `bands + 2` columns.
    pub bands: usize,
    /// Lowest cut-off in Hz (20).
    pub low: f64,
    /// Highest cut-off in Hz (10 000, the Nyquist rate of the working rate).
    pub high: f64,
    /// Envelope compression exponent (0.3).
    pub compression: f64,
    /// Envelope rate in Hz (90).
    pub env_rate: u32,
}

impl Default for Params {
    fn default() -> Self {
        Params { rate: 20_000, bands: 40, low: 20.0, high: 10_000.0, compression: 0.3, env_rate: 90 }
    }
}

impl Params {
    /// Columns of the cochleagram: the ERB bands plus low-pass and high-pass.
    pub fn total_bands(&self) -> usize {
        self.bands + 2
    }
    /// Working-rate samples per envelope step: ⌊rate / env_rate⌋ (222 by default).
    pub fn step(&self) -> usize {
        (self.rate / self.env_rate.max(1)) as usize
    }
    /// Check ranges; the message names the parameter.
    pub fn validate(&self) -> Result<()> {
        let nyq = self.rate as f64 / 2.0;
        let bad = |m: String| Err(Error::Param(m));
        if self.rate < 1000 {
            return bad(format!("working rate {} Hz is too low (at least 1000)", self.rate));
        }
        if self.bands < 1 {
            return bad("bands must be at least 1".into());
        }
        if !(self.low > 0.0 && self.low < self.high) {
            return bad(format!("low cut-off {} Hz must be > 0 and below the high cut-off {} Hz", self.low, self.high));
        }
        if !(self.high <= nyq) {
            return bad(format!("high cut-off {} Hz is above the Nyquist rate {nyq} Hz of the working rate", self.high));
        }
        if !(self.compression > 0.0 && self.compression <= 1.0) {
            return bad(format!("compression {} must be in (0, 1]", self.compression));
        }
        if self.env_rate < 1 || self.env_rate as f64 > nyq / 2.0 {
            return bad(format!("envelope rate {} Hz must be in [1, {}]", self.env_rate, nyq / 2.0));
        }
        Ok(())
    }
}

/// ERB number of a frequency (Glasberg & Moore): `9.265·ln(1 + f/(24.7·9.265))`.
pub fn erb(f: f64) -> f64 {
    9.265 * (1.0 + f / (24.7 * 9.265)).ln()
}

/// Inverse of [`erb`].
pub fn erb_inv(e: f64) -> f64 {
    24.7 * 9.265 * ((e / 9.265).exp() - 1.0)
}

/// The filter bank: `bands + 2` zero-phase responses on `[0, rate/2]`, whose squares sum
/// to 1. Index 0 is the low-pass, 1..=bands the half-cosine ERB bands, `bands + 1` the
/// high-pass (low → high, the column order of a cochleagram).
#[derive(Clone, Debug)]
pub struct FilterBank {
    params: Params,
    /// `bands + 2` cut-offs in Hz, equally spaced in ERB from `low` to `high`.
    cutoffs: Vec<f64>,
    /// Their ERB numbers.
    erbs: Vec<f64>,
}

/// A band's response sampled on an FFT grid: gains of bins `lo ..= lo + gains.len() - 1`,
/// every other bin 0.
#[derive(Clone, Debug)]
pub struct SampledBand {
    pub lo: usize,
    pub gains: Vec<f32>,
}

impl FilterBank {
    pub fn new(params: &Params) -> Result<Self> {
        params.validate()?;
        let n = params.bands + 2;
        let (e0, e1) = (erb(params.low), erb(params.high));
        let cutoffs: Vec<f64> = (0..n).map(|i| erb_inv(e0 + (e1 - e0) * i as f64 / (n - 1) as f64)).collect();
        let erbs = cutoffs.iter().map(|&c| erb(c)).collect();
        Ok(FilterBank { params: params.clone(), cutoffs, erbs })
    }
    pub fn params(&self) -> &Params {
        &self.params
    }
    /// Number of responses (`bands + 2`).
    pub fn len(&self) -> usize {
        self.cutoffs.len()
    }
    pub fn is_empty(&self) -> bool {
        false
    }
    /// The `bands + 2` cut-offs in Hz.
    pub fn cutoffs(&self) -> &[f64] {
        &self.cutoffs
    }
    /// Centre frequency in Hz of ERB band `k` (1..=bands): `cutoffs[k]`, the ERB midpoint of
    /// its support. The low-pass and high-pass report their inner edges' outer neighbours
    /// (`cutoffs[0]`, `cutoffs[bands+1]`).
    pub fn center(&self, k: usize) -> f64 {
        self.cutoffs[k]
    }
    /// Support `(lo, hi)` in Hz where the response of band `k` is non-zero.
    pub fn support(&self, k: usize) -> (f64, f64) {
        let c = &self.cutoffs;
        let last = c.len() - 1;
        match k {
            0 => (0.0, c[1]),
            k if k == last => (c[last - 1], f64::INFINITY),
            k => (c[k - 1], c[k + 1]),
        }
    }

    fn half_cosine(&self, k: usize, f: f64) -> f64 {
        let (lo, hi) = (self.cutoffs[k - 1], self.cutoffs[k + 1]);
        if f <= lo || f >= hi {
            return 0.0;
        }
        let (el, eh) = (self.erbs[k - 1], self.erbs[k + 1]);
        let (mid, width) = ((el + eh) / 2.0, eh - el);
        (std::f64::consts::PI * (erb(f) - mid) / width).cos()
    }

    /// Response of band `k` at frequency `f` Hz.
    pub fn response(&self, k: usize, f: f64) -> f64 {
        let c = &self.cutoffs;
        let last = c.len() - 1;
        if k == 0 {
            if f <= c[0] {
                1.0
            } else if f < c[1] {
                (1.0 - self.half_cosine(1, f).powi(2)).max(0.0).sqrt()
            } else {
                0.0
            }
        } else if k == last {
            if f >= c[last] {
                1.0
            } else if f > c[last - 1] {
                (1.0 - self.half_cosine(last - 1, f).powi(2)).max(0.0).sqrt()
            } else {
                0.0
            }
        } else {
            self.half_cosine(k, f)
        }
    }

    /// Every band sampled on the bins `0 ..= fft_len/2` of a real FFT of length `fft_len`
    /// at the working rate (bands in parallel).
    pub fn sample(&self, fft_len: usize) -> Vec<SampledBand> {
        let df = self.params.rate as f64 / fft_len as f64;
        let nbins = fft_len / 2 + 1;
        (0..self.len())
            .into_par_iter()
            .map(|k| {
                let (lo_f, hi_f) = self.support(k);
                let lo = ((lo_f / df).floor().max(0.0) as usize).min(nbins - 1);
                let hi = if hi_f.is_finite() { ((hi_f / df).ceil() as usize).min(nbins - 1) } else { nbins - 1 };
                let mut gains: Vec<f32> = (lo..=hi).map(|j| self.response(k, j as f64 * df) as f32).collect();
                // trim exact zeros at both ends
                let first = gains.iter().position(|&g| g != 0.0).unwrap_or(0);
                let last = gains.iter().rposition(|&g| g != 0.0).map_or(first, |i| i);
                gains.truncate(last + 1);
                gains.drain(..first);
                if gains.is_empty() {
                    gains.push(0.0);
                }
                SampledBand { lo: lo + first, gains }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn squared_responses_sum_to_one() {
        // SPEC §2 step 4: neighbours overlap by half as cos/sin pairs, so Σ H_k² = 1 exactly.
        let fb = FilterBank::new(&Params::default()).unwrap();
        assert_eq!(fb.len(), 42);
        for i in 0..=20_000 {
            let f = i as f64 * 0.5; // 0 .. 10 kHz every 0.5 Hz
            let s: f64 = (0..42).map(|k| fb.response(k, f).powi(2)).sum();
            assert!((s - 1.0).abs() < 1e-12, "sum {s} at {f} Hz");
        }
        for b in fb.sample(4096) {
            assert!(b.gains.iter().all(|g| (0.0..=1.0).contains(g)));
        }
    }

    #[test]
    fn centres_follow_erb_spacing() {
        let fb = FilterBank::new(&Params::default()).unwrap();
        let c = fb.cutoffs();
        assert!((c[0] - 20.0).abs() < 1e-9 && (c[41] - 10_000.0).abs() < 1e-6);
        // ERB-number step (erb(10k) − erb(20)) / 41 between every pair of neighbours
        let step = (erb(10_000.0) - erb(20.0)) / 41.0;
        for k in 1..=40 {
            assert!((erb(fb.center(k)) - erb(fb.center(k - 1)) - step).abs() < 1e-9);
            // each band peaks (gain 1) at its centre
            assert!((fb.response(k, fb.center(k)) - 1.0).abs() < 1e-12);
        }
        // Glasberg & Moore: 1 ERB-number unit at 1 kHz is ERB(1k) = 24.7·(4.37 + 1) ≈ 132.6 Hz
        let d = erb_inv(erb(1000.0) + 0.5) - erb_inv(erb(1000.0) - 0.5);
        assert!((d - 24.7 * (4.37 * 1.0 + 1.0)).abs() < 0.5, "{d}");
    }
}
