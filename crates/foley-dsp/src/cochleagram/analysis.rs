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
//! - The whole-signal transform is one FFT of the signal zero-padded by at least 2 s
//!   (length: [`whole_fft_len`], the rule the reference script uses too). Inputs for which
//!   that fits in one block (2^21 samples: up to ~100 s) are computed exactly so.
//! - Longer inputs go in blocks of 2^21 samples overlapping so that each block contributes
//!   only the envelope steps whose samples lie at least 6.4 s from its edges; beyond that
//!   the filters' impulse responses are negligible, so each block equals the whole-signal
//!   transform (overlap-save). One block at a time, its bands in parallel (rayon), so the
//!   working memory is a few blocks' worth whatever the input length.
//! - The working-rate signal of a block is resampled from the input on demand.
//! - A band's analytic signal needs only the band's own FFT bins: they are moved to
//!   baseband and inverse-transformed at a reduced rate `rate / D` (D a power of two ≤ 16
//!   with `rate/D ≥ MIN_SUB_RATE` and `rate/D ≥ OVERSAMPLE × bandwidth × OVERSAMPLE_RATE/(rate/D)`:
//!   16× the bandwidth at 5 kHz, 8× at 10 kHz, 32× at 2.5 kHz). Its magnitude at those
//!   instants equals the full-rate analytic magnitude exactly; only the final low-pass to
//!   `env_rate` sums over fewer points (a Riemann sum of a smooth kernel, with
//!   Euler–Maclaurin end corrections; measured against D = 1 in the tests below).
//! - The low-pass band of a long input is the exception: its response is 1 at DC, so the
//!   analytic signal has a Hilbert-transform 1/t tail that no margin contains. Its real
//!   subband is filtered blockwise at its reduced rate, folded onto the circle of the
//!   whole-signal transform, and its analytic signal taken over that whole (decimated)
//!   circle: O(N/D) memory. (The high-pass band touches Nyquist the same way; the 6.4 s
//!   margins bring it within 1e-3 of the whole-signal transform.)
use super::filters::{FilterBank, Params, SampledBand};
use super::Cochleagram;
use crate::audio::resample::{PolyFilter, Resampler};
use crate::audio::simd::compressed_magnitude;
use crate::audio::Waveform;
use crate::error::{Error, Result};
use rayon::prelude::*;
use realfft::RealToComplex;
use rustfft::num_complex::Complex;
use rustfft::{Fft, FftPlanner};
use std::sync::{Arc, Mutex};

/// Seconds of signal kept on each side of a block's useful part (impulse-response reach).
const MARGIN_SECONDS: f64 = 6.4;
/// A band's analytic signal at a reduced rate r is sampled at ≥ OVERSAMPLE × its bandwidth
/// × OVERSAMPLE_RATE / r. The error of the envelope sum falls with r as well as with the
/// oversampling (test `blockwise_equals_whole_signal`, per band, max over 40 s of noise;
/// ignored test `band_errors`): at r = 5 kHz, 16× keeps it below 7e-4 and 8× reaches 1e-3;
/// at 10 kHz, 8× keeps it below 4e-4; at 2.5 kHz, 32× (or more) below 4.3e-4.
const OVERSAMPLE: f64 = 16.0;
const OVERSAMPLE_RATE: f64 = 5000.0;
/// Never reduce a band's analytic signal below this rate (Hz): the lowest measured.
const MIN_SUB_RATE: f64 = 2500.0;

/// How the signal is cut into blocks.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Plan {
    pub fft_len: usize,
    /// Working-rate samples kept on each side beyond the samples an output step needs.
    pub margin: usize,
    /// Compute band envelopes at reduced rates (false: every band at the working rate).
    pub decimate: bool,
    /// Reduced rate r ≥ min_sub_rate and ≥ oversample × bandwidth × OVERSAMPLE_RATE / r.
    pub oversample: f64,
    pub min_sub_rate: f64,
}

impl Plan {
    /// The default: 6.4 s margins, FFT length the next power of two holding 16 margins plus
    /// the envelope filter (2^21, 105 s), band decimation on.
    pub fn blockwise(p: &Params) -> Plan {
        let margin = (MARGIN_SECONDS * p.rate as f64).ceil() as usize;
        let env = PolyFilter::new(p.rate as u64, p.env_rate as u64);
        let kernel = 2 * env.half_len / env.up + 2;
        // 16 margins: 7/8 of each block is useful, and inputs up to ~100 s are one block.
        let fft_len = (16 * margin + kernel + 4 * p.step()).next_power_of_two();
        Plan { fft_len, margin, decimate: true, oversample: OVERSAMPLE, min_sub_rate: MIN_SUB_RATE }
    }
    #[cfg(test)]
    /// One FFT over the whole (zero-padded) signal, every band at the working rate: the
    /// literal definition, used to check the blockwise path.
    pub fn whole(p: &Params) -> Plan {
        Plan { fft_len: usize::MAX, decimate: false, ..Plan::blockwise(p) }
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
    /// A *forward* FFT of length f/D: the band's analytic signal is the inverse FFT of its
    /// bins X, and only magnitudes and real parts are used, which FFT(conj X) shares with
    /// IFFT(X) = conj(FFT(conj X)). So one plan of length f/2 serves the real forward
    /// transform and the bands at D = 2 alike (a plan's twiddles cost ~10 ms).
    fft: Arc<dyn Fft<f32>>,
}

/// One thread's buffers for a band: spectrum → analytic signal, FFT scratch, compressed
/// envelope.
struct Scratch {
    buf: Vec<Complex<f32>>,
    fft: Vec<Complex<f32>>,
    comp: Vec<f32>,
}

/// The envelope low-pass (`resample_poly` from the working rate to `env_rate`) evaluated
/// on compressed envelope samples given on a grid `base + i·d` (`base` a multiple of `d`).
struct EnvKernel {
    h: Vec<f32>,
    up: i64,
    down: i64,
    half: i64,
    /// Envelope samples exist on [0, n_trim) only (zero outside, as in the reference).
    n_trim: i64,
    /// For each decimation d (index log2 d): for each phase r < up·d, the taps
    /// `h[r + up·d·t]` in reverse order, so each step is one contiguous dot product.
    tables: Vec<Vec<Vec<f32>>>,
}

impl EnvKernel {
    fn new(env: &PolyFilter, n_trim: usize, max_dec: usize) -> Self {
        let h: Vec<f32> = env.h.iter().map(|&v| v as f32).collect();
        let up = env.up;
        let tables = (0..=max_dec.trailing_zeros())
            .map(|l| {
                let period = up << l;
                (0..period)
                    .map(|r| {
                        let mut t: Vec<f32> = h.iter().skip(r).step_by(period).copied().collect();
                        t.reverse();
                        t
                    })
                    .collect()
            })
            .collect();
        EnvKernel { h, up: up as i64, down: env.down as i64, half: env.half_len as i64, n_trim: n_trim as i64, tables }
    }
    /// First and last working-rate sample that output step `n` uses.
    fn m_lo(&self, n: i64) -> i64 {
        (n * self.down - self.half + self.up - 1).div_euclid(self.up)
    }
    fn m_hi(&self, n: i64) -> i64 {
        (n * self.down + self.half).div_euclid(self.up)
    }
    /// Output step `n` from `comp[i]` = compressed envelope at sample `base + i·d`.
    fn step(&self, comp: &[f32], base: i64, d: usize, n: i64) -> f32 {
        let di = d as i64;
        let q = n * self.down + self.half;
        let period = self.up * di;
        let r = q.rem_euclid(period);
        let taps = &self.tables[d.trailing_zeros() as usize][r as usize];
        // tap j (reversed) multiplies grid index i_bot + j; the last one is m = (q − r)/up
        let i_top = ((q - r) / self.up - base) / di;
        let i_bot = i_top - taps.len() as i64 + 1;
        let lo = i_bot.max((-base + di - 1).div_euclid(di)).max(0);
        let hi = i_top.min((self.n_trim - 1 - base).div_euclid(di)).min(comp.len() as i64 - 1);
        if hi < lo {
            return 0.0;
        }
        let acc = crate::audio::simd::dot(&taps[(lo - i_bot) as usize..=(hi - i_bot) as usize], &comp[lo as usize..=hi as usize]);
        let mut v = acc * d as f32;
        if d > 1 {
            // Euler–Maclaurin end corrections where the signal (not the kernel) ends the sum:
            // the coarse sum weights an end point d/2, the full-rate sum 1/2.
            let term = |i: i64| comp[i as usize] * self.h[(q - self.up * (base + i * di)) as usize];
            let df = d as f32;
            if self.m_lo(n) <= 0 {
                v -= (df - 1.0) / 2.0 * term(lo);
            }
            if self.m_hi(n) >= self.n_trim - 1 {
                let gap = (self.n_trim - 1 - (base + hi * di)) as f32;
                v += (gap + (1.0 - df) / 2.0) * term(hi);
            }
        }
        v.clamp(0.0, 1.0)
    }
}

/// Largest power-of-two decimation for a band of `bins` FFT bins (of `f`) at `rate`.
fn decimation(f: usize, bins: usize, rate: u32, two_sided: bool, plan: &Plan) -> usize {
    let width_hz = bins as f64 * rate as f64 / f as f64;
    let need = if two_sided { 2 * bins + 1 } else { bins };
    let mut dec = 1usize;
    while dec * 2 <= MAX_DEC
        && f % (dec * 2) == 0
        && f / (dec * 2) >= 2 * need
        && {
            let r = rate as f64 / (dec * 2) as f64;
            r >= plan.min_sub_rate && r * r >= plan.oversample * width_hz * OVERSAMPLE_RATE
        }
    {
        dec *= 2;
    }
    dec
}

/// Smallest length ≥ n that is a multiple of 16 (so that every power-of-two decimation up
/// to 16 divides it) with no prime factor above 5 (fast FFTs). The reference script uses
/// the same rule for its whole-signal FFT length.
pub(crate) fn whole_fft_len(n: usize) -> usize {
    16 * super::invert::fft_friendly_len(n.div_ceil(16))
}

/// Decimations never exceed this (keeps `whole_fft_len` a multiple of every D).
const MAX_DEC: usize = 16;

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

    let env = PolyFilter::new(params.rate as u64, params.env_rate as u64);
    let kern = EnvKernel::new(&env, n_trim, MAX_DEC);
    let (up, down) = (kern.up, kern.down);

    // The whole-signal transform: one FFT of the signal zero-padded by 2 s (circular
    // filtering then wraps only zeros into the signal). Inputs for which it fits in the
    // block length are done exactly so, in one block.
    let f_whole = whole_fft_len(n_trim + 2 * params.rate as usize);
    let single = f_whole <= plan.fft_len;
    let f = if single { f_whole } else { plan.fft_len };
    // Set-up in parallel: a plan computes its twiddles (~15 ms for 2^20 points).
    let (sampled, (fwd, half)) = rayon::join(
        || bank.sample(f),
        || {
            let mut planner = FftPlanner::<f32>::new();
            let fwd = realfft::RealToComplexEven::new(f, &mut planner); // f is even
            (fwd, planner.plan_fft_forward(f / 2))
        },
    );
    let decs: Vec<usize> = sampled
        .iter()
        .enumerate()
        .map(|(k, s)| {
            let bins = if k == 0 { s.lo + s.gains.len() } else { s.gains.len() };
            if plan.decimate { decimation(f, bins, params.rate, k == 0 && !single, &plan) } else { 1 }
        })
        .collect();
    let dmax = decs.iter().copied().max().unwrap_or(1) as i64;
    let decs_min = decs.iter().copied().min().unwrap_or(1);

    // Output steps per block: the envelope span they need plus two margins fits the FFT.
    let per_block = if single {
        frames
    } else {
        let span_fixed = 2 * kern.half / up + 2 + 2 * plan.margin as i64 + dmax;
        ((f as i64 - span_fixed) * up / down).max(0) as usize
    };
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
            const CHUNK: usize = 1 << 15;
            let dst = &mut out[(s - a) as usize..(e - a) as usize];
            dst.par_chunks_mut(CHUNK).enumerate().for_each(|(c, part)| {
                rs.range_into(&wave.samples, s as usize + c * CHUNK, part);
                for v in part.iter_mut() {
                    *v = v.clamp(-1.0, 1.0);
                }
            });
        }
        out
    };
    let spectrum = |a: i64| {
        let mut x = working(a, f);
        let mut spec = fwd.make_output_vec();
        // cannot fail: buffer lengths come from the plan
        let _ = fwd.process(&mut x, &mut spec);
        spec
    };

    // Output steps [n0, n1) of block b, and the first working-rate sample of its FFT.
    let block_span = |b: usize| -> (usize, usize, i64) {
        let n0 = b * per_block;
        let n1 = (n0 + per_block).min(frames);
        let a = if single {
            (n_trim as i64 / 2 - f as i64 / 2).div_euclid(dmax) * dmax
        } else {
            let (lo, hi) = (kern.m_lo(n0 as i64), kern.m_hi(n1 as i64 - 1));
            let a = ((lo + hi) / 2 - f as i64 / 2).div_euclid(dmax) * dmax;
            debug_assert!(a + plan.margin as i64 <= lo && hi + (plan.margin as i64) < a + f as i64);
            a
        };
        (n0, n1, a)
    };

    // The inverse FFTs of the distinct lengths, planned in parallel while the first block's
    // spectrum is computed.
    let mut lens: Vec<usize> = decs.iter().map(|d| f / d).collect();
    lens.sort_unstable();
    lens.dedup();
    let (ffts, first_spec) = rayon::join(
        || {
            let plan = |&n: &usize| if n == f / 2 { half.clone() } else { FftPlanner::new().plan_fft_forward(n) };
            lens.par_iter().map(plan).collect::<Vec<Arc<dyn Fft<f32>>>>()
        },
        || spectrum(block_span(0).2),
    );
    let bands: Vec<BandPlan> = sampled
        .into_iter()
        .zip(decs)
        .map(|(s, dec)| BandPlan { sampled: s, dec, fft: ffts[lens.binary_search(&(f / dec)).unwrap_or(0)].clone() })
        .collect();

    // Working buffers of the band loop, reused from band to band: fresh ones of these sizes
    // cost a page fault per 4 KiB, about as much time as the FFT that fills them.
    let scratch = Mutex::new(Vec::<Scratch>::new());
    let max_len = f / decs_min;
    let max_scratch = bands.iter().map(|b| b.fft.get_inplace_scratch_len()).max().unwrap_or(0);

    // Analytic signal of each band per block. With several blocks the low-pass band is
    // done separately below (its Hilbert tail outlives any margin).
    let first_band = if single { 0 } else { 1 };
    let block = |b: usize, spec: &[Complex<f32>]| -> Vec<f32> {
        let (n0, n1, a) = block_span(b);
        let columns: Vec<(usize, Vec<f32>)> = (first_band..nb)
            .into_par_iter()
            .map(|k| {
                let band = &bands[k];
                let d = band.dec;
                let mut s = scratch.lock().ok().and_then(|mut v| v.pop()).unwrap_or_else(|| Scratch {
                    // room for the largest band at once: growing would copy into fresh pages
                    buf: Vec::with_capacity(max_len),
                    fft: Vec::with_capacity(max_scratch),
                    comp: Vec::with_capacity(max_len),
                });
                let Scratch { buf, fft, comp } = &mut s;
                buf.clear();
                buf.resize(f / d, Complex::new(0.0f32, 0.0));
                let lo_bin = band.sampled.lo;
                for (i, &g) in band.sampled.gains.iter().enumerate() {
                    let j = lo_bin + i;
                    // one-sided spectrum of the analytic signal: ×2 except DC and Nyquist
                    // (conjugated: see BandPlan::fft)
                    let w = if j == 0 || j == f / 2 { 1.0 } else { 2.0 };
                    buf[i] = (spec[j] * (g * w)).conj();
                }
                fft.resize(band.fft.get_inplace_scratch_len(), Complex::new(0.0, 0.0));
                band.fft.process_with_scratch(buf, fft);
                // compressed envelope at instants a + i·d, only where this block's steps look
                let di = d as i64;
                let i0 = ((kern.m_lo(n0 as i64).max(0) - a).div_euclid(di) - 1).max(0) as usize;
                let i1 = (((kern.m_hi(n1 as i64 - 1) - a).div_euclid(di) + 2) as usize).min(buf.len());
                comp.clear();
                comp.resize(i1, 0.0);
                compressed_magnitude(&buf[i0..i1], &mut comp[i0..], half_pow, scale);
                let col = (n0..n1).map(|n| kern.step(comp, a, d, n as i64)).collect();
                if let Ok(mut v) = scratch.lock() {
                    v.push(s);
                }
                (k, col)
            })
            .collect();
        let mut out = vec![0.0f32; (n1 - n0) * nb];
        for (k, col) in columns {
            for (t, v) in col.into_iter().enumerate() {
                out[t * nb + k] = v;
            }
        }
        out
    };

    // One block at a time (its bands run in parallel): memory is a few blocks' worth.
    let mut col0 = None;
    let mut done = 0u64;
    let mut total = n_blocks as u64;
    if !single {
        // Low-pass band: its real subband, filtered blockwise at its reduced rate, folded
        // onto the circle of the whole-signal transform (length f_whole), then one
        // analytic signal over the whole (small) decimated circle.
        let band0 = &bands[0];
        let d0 = band0.dec;
        let reach = (plan.margin.div_ceil(dmax as usize) * dmax as usize) as i64;
        let (g0, g1) = (-reach, n_trim as i64 + reach);
        let hop = ((f - 2 * plan.margin) / dmax as usize * dmax as usize) as i64;
        let n_sub = ((g1 - g0) as usize).div_ceil(hop as usize);
        total += n_sub as u64;
        let sub_block = |i: usize| -> (i64, Vec<f32>) {
            let start = g0 + i as i64 * hop;
            let a = (start - plan.margin as i64).div_euclid(dmax) * dmax;
            let spec = spectrum(a);
            let len = f / d0;
            let mut buf = vec![Complex::new(0.0f32, 0.0); len];
            for (i, &g) in band0.sampled.gains.iter().enumerate() {
                let j = band0.sampled.lo + i;
                // conjugated (see BandPlan::fft)
                let v = spec[j] * g;
                buf[j] += v.conj();
                if j > 0 {
                    buf[len - j] += v;
                }
            }
            band0.fft.process(&mut buf);
            let end = (start + hop).min(g1);
            let vals = (start..end).step_by(d0).map(|t| buf[((t - a) / d0 as i64) as usize].re / f as f32).collect();
            (start, vals)
        };
        let circle = f_whole / d0;
        let mut sub = vec![0.0f32; circle];
        for i in 0..n_sub {
            let (t0, vals) = sub_block(i);
            for (i, v) in vals.into_iter().enumerate() {
                let t = (t0 + (i * d0) as i64).rem_euclid(f_whole as i64) as usize / d0;
                sub[t] += v;
            }
            done += 1;
            progress(done, total);
        }
        col0 = Some(dc_band_envelope(sub, d0, params, &kern, frames));
    }

    let mut data = Vec::with_capacity(frames * nb);
    let mut first_spec = Some(first_spec);
    for b in 0..n_blocks {
        let spec = first_spec.take().unwrap_or_else(|| spectrum(block_span(b).2));
        data.extend_from_slice(&block(b, &spec));
        done += 1;
        progress(done, total);
    }
    if let Some(col0) = col0 {
        for (t, v) in col0.into_iter().enumerate() {
            data[t * nb] = v;
        }
    }
    Ok(Cochleagram::new(data, nb, params.env_rate as f64))
}

/// Envelope steps of the low-pass band from its real subband on the circle of the
/// whole-signal transform, sampled every `d` samples from time 0: analytic signal over the
/// whole circle, compression, envelope low-pass.
fn dc_band_envelope(sub: Vec<f32>, d: usize, params: &Params, kern: &EnvKernel, frames: usize) -> Vec<f32> {
    let len = sub.len();
    let mut buf: Vec<Complex<f32>> = sub.into_iter().map(|v| Complex::new(v, 0.0)).collect();
    let mut planner = FftPlanner::<f32>::new();
    planner.plan_fft_forward(len).process(&mut buf);
    // analytic signal: keep DC (and Nyquist) once, double positive, drop negative frequencies
    for (j, c) in buf.iter_mut().enumerate() {
        if j > 0 && 2 * j < len {
            *c *= 2.0;
        } else if 2 * j > len {
            *c = Complex::new(0.0, 0.0);
        }
    }
    planner.plan_fft_inverse(len).process(&mut buf);
    let half_pow = params.compression as f32 / 2.0;
    let scale = (len as f32).powf(-params.compression as f32);
    let n = (kern.n_trim as usize).div_ceil(d);
    let mut comp = vec![0.0f32; n];
    compressed_magnitude(&buf[..n], &mut comp, half_pow, scale);
    (0..frames).map(|t| kern.step(&comp, 0, d, t as i64)).collect()
}

#[cfg(test)]
#[path = "analysis_tests.rs"]
mod tests;
