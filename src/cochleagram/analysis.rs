//! Cochleagram analysis (SPEC §2), blockwise and parallel.
//!
//! Definition (what the numpy/scipy reference `tools/cochleagram_ref.py` computes on the
//! whole signal): resample to the working rate (`resample_poly` filter), clip to [-1, 1],
//! trim to whole envelope steps (N' samples), filter by each band in the frequency domain,
//! take the magnitude of the analytic signal, raise to `compression`, resample the
//! envelope to `env_rate` with `resample_poly`, keep T = round(N'·env_rate/rate) steps,
//! clip to [0, 1]. The signal is zero outside [0, N') (linear, not circular, filtering).
//!
//! How it is computed here, in bounded memory:
//! - Blocks of `fft_len` working-rate samples (65 536 by default), overlapping so that
//!   each block contributes only the envelope steps whose samples lie at least `margin`
//!   (0.7 s) from its edges: the filters' impulse responses are negligible beyond that, so
//!   each block equals the whole-signal transform (overlap-save).
//! - The working-rate signal of a block is resampled from the input on demand.
//! - A band's analytic signal needs only the band's own FFT bins: they are moved to
//!   baseband and inverse-transformed at a reduced rate `rate / D` (D a power of two with
//!   `rate/D ≥ OVERSAMPLE × bandwidth`). Its magnitude at those instants equals the
//!   full-rate analytic magnitude exactly; only the final low-pass to `env_rate` sums over
//!   fewer points (a Riemann sum of a smooth kernel; measured effect in the tests below).
//! - Blocks run in parallel with rayon, a bounded batch at a time.
use super::filters::{FilterBank, Params, SampledBand};
use super::Cochleagram;
use crate::audio::resample::{PolyFilter, Resampler};
use crate::audio::Waveform;
use crate::error::{Error, Result};
use rayon::prelude::*;
use rustfft::num_complex::Complex;
use rustfft::{Fft, FftPlanner};
use std::sync::Arc;

/// Seconds of signal kept on each side of a block's useful part (impulse-response reach).
const MARGIN_SECONDS: f64 = 0.7;
/// Reduced rate of a band's analytic signal ≥ OVERSAMPLE × its bandwidth.
const OVERSAMPLE: f64 = 8.0;
/// Never reduce a band's analytic signal below this rate (Hz).
const MIN_SUB_RATE: f64 = 1000.0;

/// How the signal is cut into blocks.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Plan {
    pub fft_len: usize,
    /// Working-rate samples kept on each side beyond the samples an output step needs.
    pub margin: usize,
    /// Compute band envelopes at reduced rates (false: every band at the working rate).
    pub decimate: bool,
}

impl Plan {
    /// The default: 0.7 s margins, FFT length the next power of two holding 4 margins plus
    /// the envelope filter, band decimation on.
    pub fn blockwise(p: &Params) -> Plan {
        let margin = (MARGIN_SECONDS * p.rate as f64).ceil() as usize;
        let env = PolyFilter::new(p.rate as u64, p.env_rate as u64);
        let kernel = 2 * env.half_len / env.up + 2;
        let fft_len = (4 * margin + kernel + 4 * p.step()).next_power_of_two();
        Plan { fft_len, margin, decimate: true }
    }
    #[cfg(test)]
    /// One FFT over the whole (zero-padded) signal, every band at the working rate: the
    /// literal definition, used to check the blockwise path.
    pub fn whole(p: &Params, n_samples: usize) -> Plan {
        let margin = (MARGIN_SECONDS * p.rate as f64).ceil() as usize;
        let env = PolyFilter::new(p.rate as u64, p.env_rate as u64);
        let kernel = 2 * env.half_len / env.up + 2;
        let fft_len = (n_samples + 2 * margin + kernel + 4 * p.step()).next_power_of_two();
        Plan { fft_len, margin, decimate: false }
    }
}

/// Cochleagram of `wave` as SPEC §2 (see the module docs). Errors: invalid parameters,
/// audio shorter than one envelope step, non-finite samples.
pub fn features(wave: &Waveform, params: &Params) -> Result<Cochleagram> {
    features_with(wave, params, Plan::blockwise(params), &|_, _| {})
}

/// [`features`] calling `progress(done, total)` (in output steps) as blocks finish.
pub fn features_progress(wave: &Waveform, params: &Params, progress: &(dyn Fn(u64, u64) + Sync)) -> Result<Cochleagram> {
    features_with(wave, params, Plan::blockwise(params), progress)
}

/// A band's part of the per-block work.
struct BandPlan {
    sampled: SampledBand,
    /// Decimation factor D (power of two).
    dec: usize,
    ifft: Arc<dyn Fft<f32>>,
}

pub(crate) fn features_with(
    wave: &Waveform,
    params: &Params,
    plan: Plan,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<Cochleagram> {
    let bank = FilterBank::new(params)?;
    if wave.rate == 0 {
        return Err(Error::Param("audio has sample rate 0".into()));
    }
    if let Some(i) = wave.samples.iter().position(|v| !v.is_finite()) {
        return Err(Error::Param(format!("audio sample {i} is not a finite number")));
    }
    let rs = Resampler::new(wave.rate, params.rate);
    let step = params.step();
    let n_work = rs.output_len(wave.samples.len());
    let n_trim = n_work / step * step;
    if n_trim == 0 {
        return Err(Error::Param(format!(
            "audio is {:.4} s long, shorter than one envelope step ({} samples at {} Hz)",
            wave.duration(),
            step,
            params.rate
        )));
    }
    let frames = ((n_trim as f64 * params.env_rate as f64 / params.rate as f64).round() as usize).max(1);
    let nb = bank.len();

    // Envelope low-pass (resample_poly from rate to env_rate).
    let env = PolyFilter::new(params.rate as u64, params.env_rate as u64);
    let (up, down, half) = (env.up as i64, env.down as i64, env.half_len as i64);
    let h: Vec<f32> = env.h.iter().map(|&v| v as f32).collect();
    // Working-rate sample range that output step n needs: [m_lo(n), m_hi(n)].
    let m_lo = |n: i64| (n * down - half + up - 1).div_euclid(up);
    let m_hi = |n: i64| (n * down + half).div_euclid(up);

    let f = plan.fft_len;
    let sampled = bank.sample(f);
    let mut planner = FftPlanner::<f32>::new();
    let fwd = realfft::RealFftPlanner::<f32>::new().plan_fft_forward(f);
    let bands: Vec<BandPlan> = sampled
        .into_iter()
        .map(|s| {
            let width_hz = s.gains.len() as f64 * params.rate as f64 / f as f64;
            let mut dec = 1usize;
            if plan.decimate {
                while f % (dec * 2) == 0
                    && f / (dec * 2) >= 2 * s.gains.len()
                    && params.rate as f64 / (dec * 2) as f64 >= (OVERSAMPLE * width_hz).max(MIN_SUB_RATE)
                {
                    dec *= 2;
                }
            }
            let ifft = planner.plan_fft_inverse(f / dec);
            BandPlan { sampled: s, dec, ifft }
        })
        .collect();
    let dmax = bands.iter().map(|b| b.dec).max().unwrap_or(1) as i64;

    // Output steps per block: the envelope span they need plus two margins fits the FFT.
    let span_fixed = 2 * half / up + 2 + 2 * plan.margin as i64 + dmax;
    let per_block = ((f as i64 - span_fixed) * up / down).max(0) as usize;
    if per_block == 0 {
        return Err(Error::Param(format!("FFT length {f} is too short for these parameters")));
    }
    let n_blocks = frames.div_ceil(per_block);
    let scale = (f as f32).powf(-params.compression as f32);
    let half_pow = params.compression as f32 / 2.0;

    // Working-rate signal on [a, a + len), zero outside [0, n_trim), clipped to [-1, 1].
    let working = |a: i64, len: usize| -> Vec<f32> {
        let mut out = vec![0.0f32; len];
        let s = a.max(0);
        let e = (a + len as i64).min(n_trim as i64);
        if e > s {
            let dst = &mut out[(s - a) as usize..(e - a) as usize];
            rs.range_into(&wave.samples, s as usize, dst);
            for v in dst.iter_mut() {
                *v = v.clamp(-1.0, 1.0);
            }
        }
        out
    };

    let block = |b: usize| -> Vec<f32> {
        let n0 = b * per_block;
        let n1 = (n0 + per_block).min(frames);
        let (lo, hi) = (m_lo(n0 as i64), m_hi(n1 as i64 - 1));
        let centre = (lo + hi) / 2;
        let a = (centre - f as i64 / 2).div_euclid(dmax) * dmax;
        debug_assert!(a + plan.margin as i64 <= lo && hi + (plan.margin as i64) < a + f as i64);
        let mut x = working(a, f);
        let mut spec = fwd.make_output_vec();
        // cannot fail: buffer lengths come from the plan
        let _ = fwd.process(&mut x, &mut spec);
        let mut out = vec![0.0f32; (n1 - n0) * nb];
        let mut buf = Vec::new();
        for (k, band) in bands.iter().enumerate() {
            let d = band.dec;
            let len = f / d;
            buf.clear();
            buf.resize(len, Complex::new(0.0f32, 0.0));
            let lo_bin = band.sampled.lo;
            for (i, &g) in band.sampled.gains.iter().enumerate() {
                let j = lo_bin + i;
                // one-sided spectrum of the analytic signal: ×2 except DC and Nyquist
                let w = if j == 0 || j == f / 2 { 1.0 } else { 2.0 };
                buf[i] = spec[j] * (g * w);
            }
            band.ifft.process(&mut buf);
            // compressed envelope at instants a + i·d
            let comp: Vec<f32> = buf.iter().map(|c| c.norm_sqr().powf(half_pow) * scale).collect();
            let stride = up * d as i64;
            for n in n0..n1 {
                let ni = n as i64;
                let q = ni * down + half;
                // m = a + i·d within [m_lo, m_hi] ∩ [0, n_trim)
                let m_first = m_lo(ni).max(0);
                let m_last = m_hi(ni).min(n_trim as i64 - 1);
                if m_last < m_first {
                    continue;
                }
                let i_first = (m_first - a + d as i64 - 1).div_euclid(d as i64);
                let i_last = (m_last - a).div_euclid(d as i64);
                let mut acc = 0.0f32;
                let mut j = q - up * (a + i_first * d as i64);
                for i in i_first..=i_last {
                    acc += comp[i as usize] * h[j as usize];
                    j -= stride;
                }
                out[(n - n0) * nb + k] = (acc * d as f32).clamp(0.0, 1.0);
            }
        }
        out
    };

    let batch = (2 * rayon::current_num_threads()).max(1);
    let mut data = Vec::with_capacity(frames * nb);
    let mut done = 0u64;
    for start in (0..n_blocks).step_by(batch) {
        let parts: Vec<Vec<f32>> = (start..(start + batch).min(n_blocks)).into_par_iter().map(block).collect();
        for p in parts {
            done += (p.len() / nb) as u64;
            data.extend_from_slice(&p);
        }
        progress(done, frames as u64);
    }
    Ok(Cochleagram::new(data, nb, params.env_rate as f64))
}
