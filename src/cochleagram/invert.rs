//! Parametric synthesis from a cochleagram (SPEC §3).
//!
//! Start from Gaussian noise at the working rate; `iters` times: split into the bands,
//! take each band's analytic signal, keep its phase, set its magnitude to the target
//! envelope (the cochleagram column resampled to the working rate with `resample_poly`,
//! floored at 0, raised to `1/compression`), take the real part, filter it again by the
//! band's own response, and sum the bands. Finally resample to the output rate.
//!
//! Filtering is done with one FFT over the whole (zero-padded) signal per band and
//! iteration; the padding (0.5 s, target envelope 0 there) keeps the end of the sound from
//! wrapping round to its start. Deterministic for a seed: the noise comes from ChaCha8 and
//! band results are summed in band order whatever the thread count.
use super::filters::{FilterBank, Params};
use super::Cochleagram;
use crate::audio::resample::{resample, Resampler};
use crate::audio::Waveform;
use crate::error::{Error, Result};
use rand::SeedableRng;
use rand_distr::{Distribution, StandardNormal};
use rayon::prelude::*;
use rustfft::num_complex::Complex;
use rustfft::FftPlanner;

/// Zero padding after the signal, in seconds.
const PAD_SECONDS: f64 = 0.5;

/// Synthesis parameters (SPEC §3). `Default`: 10 iterations, 48 kHz output, seed 0,
/// SPEC §2 analysis parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct InvertParams {
    pub iters: usize,
    /// Output sample rate in Hz.
    pub rate: u32,
    pub seed: u64,
    /// The analysis parameters the cochleagram was made with.
    pub analysis: Params,
}

impl Default for InvertParams {
    fn default() -> Self {
        InvertParams { iters: 10, rate: 48_000, seed: 0, analysis: Params::default() }
    }
}

/// Smallest length ≥ n whose only prime factors are 2, 3 and 5 (fast FFT sizes).
pub(crate) fn fft_friendly_len(n: usize) -> usize {
    let mut m = n.max(1);
    loop {
        let mut r = m;
        for p in [2, 3, 5] {
            while r % p == 0 {
                r /= p;
            }
        }
        if r == 1 {
            return m;
        }
        m += 1;
    }
}

/// Waveform whose cochleagram approximates `coch` (see the module docs).
pub fn invert(coch: &Cochleagram, p: &InvertParams) -> Result<Waveform> {
    invert_progress(coch, p, &|_, _| {})
}

/// [`invert`] calling `progress(done, total)` after each iteration.
pub fn invert_progress(coch: &Cochleagram, p: &InvertParams, progress: &(dyn Fn(u64, u64) + Sync)) -> Result<Waveform> {
    let a = &p.analysis;
    let bank = FilterBank::new(a)?;
    if p.rate == 0 {
        return Err(Error::Param("output rate must be positive".into()));
    }
    if p.iters == 0 {
        return Err(Error::Param("iterations must be at least 1".into()));
    }
    if coch.bands != bank.len() {
        return Err(Error::Param(format!(
            "cochleagram has {} bands but the parameters give {} ({} ERB bands + 2)",
            coch.bands,
            bank.len(),
            a.bands
        )));
    }
    let frames = coch.frames();
    if frames == 0 {
        return Err(Error::Param("cochleagram has no time steps".into()));
    }
    if let Some(i) = coch.data.iter().position(|v| !v.is_finite()) {
        return Err(Error::Param(format!("non-finite value at step {}, band {}", i / coch.bands, i % coch.bands)));
    }
    // Target envelopes at the working rate: resample_poly(env_rate → rate), floored at 0,
    // decompressed.
    let up = Resampler::new(a.env_rate, a.rate);
    let n = up.output_len(frames);
    let len = fft_friendly_len(n + (PAD_SECONDS * a.rate as f64) as usize);
    let inv_c = (1.0 / a.compression) as f32;
    let targets: Vec<Vec<f32>> = (0..bank.len())
        .into_par_iter()
        .map(|k| {
            let col: Vec<f32> = coch.rows().map(|r| r[k]).collect();
            let mut t = up.range(&col, 0, n);
            for v in &mut t {
                *v = v.max(0.0).powf(inv_c);
            }
            t
        })
        .collect();

    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(p.seed);
    let mut x: Vec<f32> = (0..len).map(|i| if i < n { StandardNormal.sample(&mut rng) } else { 0.0 }).collect();

    let sampled = bank.sample(len);
    let mut rplanner = realfft::RealFftPlanner::<f32>::new();
    let rfwd = rplanner.plan_fft_forward(len);
    let rinv = rplanner.plan_fft_inverse(len);
    let cinv = FftPlanner::<f32>::new().plan_fft_inverse(len);
    let nbins = len / 2 + 1;

    for it in 0..p.iters {
        let mut spec = rfwd.make_output_vec();
        let _ = rfwd.process(&mut x.clone(), &mut spec);
        let parts: Vec<Vec<Complex<f32>>> = sampled
            .par_iter()
            .zip(targets.par_iter())
            .map(|(band, target)| {
                let mut buf = vec![Complex::new(0.0f32, 0.0); len];
                for (i, &g) in band.gains.iter().enumerate() {
                    let j = band.lo + i;
                    let w = if j == 0 || j == len / 2 { 1.0 } else { 2.0 };
                    buf[j] = spec[j] * (g * w);
                }
                cinv.process(&mut buf);
                // keep the phase, impose the target magnitude, take the real part
                let mut real: Vec<f32> = buf
                    .iter()
                    .enumerate()
                    .map(|(t, c)| {
                        let env = if t < n { target[t] } else { 0.0 };
                        let m = c.norm();
                        if m > 0.0 { env * c.re / m } else { env }
                    })
                    .collect();
                let mut out = rfwd.make_output_vec();
                let _ = rfwd.process(&mut real, &mut out);
                band.gains.iter().enumerate().map(|(i, &g)| out[band.lo + i] * g).collect()
            })
            .collect();
        let mut acc = vec![Complex::new(0.0f32, 0.0); nbins];
        for (band, part) in sampled.iter().zip(&parts) {
            for (i, v) in part.iter().enumerate() {
                acc[band.lo + i] += *v;
            }
        }
        acc[0].im = 0.0;
        if len % 2 == 0 {
            acc[nbins - 1].im = 0.0;
        }
        let _ = rinv.process(&mut acc, &mut x);
        let s = 1.0 / len as f32;
        for v in &mut x {
            *v *= s;
        }
        progress(it as u64 + 1, p.iters as u64);
    }
    x.truncate(n);
    Ok(resample(&Waveform::new(x, a.rate), p.rate))
}
