//! Band-limited rational resampling (polyphase windowed sinc).
//!
//! The filter is the one `scipy.signal.resample_poly` designs by default, so that results
//! match the numpy/scipy reference (`tools/cochleagram_ref.py`) sample for sample:
//! for a rate change by `up/down` (reduced fraction), a Kaiser-windowed (β = 5) sinc low-pass
//! with cut-off at `1/max(up, down)` of the up-sampled Nyquist rate, `2·10·max(up, down) + 1`
//! taps at the up-sampled rate, unit DC gain × `up`. Output sample `n` is
//! `y[n] = Σ_m x[m]·h[n·down − m·up + half_len]`, with zeros outside the input
//! (`resample_poly`'s default `padtype='constant'`). Kaiser β = 5 gives about
//! 20·log10 stop-band ≈ −(β/0.1102 + 8.7) ≈ −54 dB.
//!
//! Every output sample is computed from at most `2·half_len/up + 1` input samples, so any
//! range of the output can be computed on its own ([`Resampler::range`]): that is how long
//! inputs are processed blockwise in bounded extra memory.
use super::Waveform;
use rayon::prelude::*;

/// Kaiser window parameter of `scipy.signal.resample_poly`'s default window.
const KAISER_BETA: f64 = 5.0;
/// Half length of the filter in multiples of `max(up, down)` (`resample_poly`: 10).
const HALF_LEN_FACTOR: usize = 10;
/// Output samples per parallel work item in [`resample`].
const CHUNK: usize = 1 << 16;

/// Greatest common divisor.
pub(crate) fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 { a } else { gcd(b, a % b) }
}

/// Modified Bessel function of the first kind, order 0 (power series; converges fast for
/// the arguments a Kaiser window uses).
fn bessel_i0(x: f64) -> f64 {
    let (mut sum, mut term, q) = (1.0, 1.0, x * x / 4.0);
    for k in 1..200 {
        term *= q / (k * k) as f64;
        sum += term;
        if term < sum * 1e-17 {
            break;
        }
    }
    sum
}

/// The `resample_poly` prototype filter for a rate change `up/down`: `h` has
/// `2·half_len + 1` taps at the up-sampled rate, unit DC gain, multiplied by `up`.
#[derive(Clone, Debug)]
pub(crate) struct PolyFilter {
    pub up: usize,
    pub down: usize,
    pub half_len: usize,
    pub h: Vec<f64>,
}

impl PolyFilter {
    /// Design for the rate ratio `to/from` (reduced internally).
    pub fn new(from: u64, to: u64) -> Self {
        let g = gcd(from, to);
        let (up, down) = ((to / g) as usize, (from / g) as usize);
        let max_rate = up.max(down);
        let half_len = HALF_LEN_FACTOR * max_rate;
        let numtaps = 2 * half_len + 1;
        let cutoff = 1.0 / max_rate as f64; // relative to the up-sampled Nyquist rate
        let i0b = bessel_i0(KAISER_BETA);
        let mut h: Vec<f64> = (0..numtaps)
            .map(|n| {
                let m = n as f64 - half_len as f64;
                let x = cutoff * m;
                let sinc = if x == 0.0 { 1.0 } else { (std::f64::consts::PI * x).sin() / (std::f64::consts::PI * x) };
                let r = 2.0 * n as f64 / (numtaps - 1) as f64 - 1.0;
                let w = bessel_i0(KAISER_BETA * (1.0 - r * r).max(0.0).sqrt()) / i0b;
                cutoff * sinc * w
            })
            .collect();
        let sum: f64 = h.iter().sum();
        for v in &mut h {
            *v *= up as f64 / sum;
        }
        PolyFilter { up, down, half_len, h }
    }
}

/// A rational resampler with its polyphase tables, reusable across calls.
#[derive(Clone, Debug)]
pub struct Resampler {
    from: u32,
    to: u32,
    up: usize,
    down: usize,
    half_len: usize,
    /// `phases[p]` holds `h[p + i·up]` in reverse order, so that the taps applied to
    /// `x[m_max − len + 1 ..= m_max]` are contiguous (a plain dot product).
    phases: Vec<Vec<f32>>,
}

impl Resampler {
    /// A resampler from `from` Hz to `to` Hz (both > 0).
    pub fn new(from: u32, to: u32) -> Self {
        assert!(from > 0 && to > 0, "sample rates must be positive");
        let f = PolyFilter::new(from as u64, to as u64);
        let phases = (0..f.up)
            .map(|p| {
                let mut t: Vec<f32> = f.h.iter().skip(p).step_by(f.up).map(|&v| v as f32).collect();
                t.reverse();
                t
            })
            .collect();
        Resampler { from, to, up: f.up, down: f.down, half_len: f.half_len, phases }
    }

    pub fn from_rate(&self) -> u32 {
        self.from
    }
    pub fn to_rate(&self) -> u32 {
        self.to
    }

    /// Output length for `n_in` input samples: `ceil(n_in·to/from)` (as `resample_poly`).
    pub fn output_len(&self, n_in: usize) -> usize {
        (n_in * self.up).div_ceil(self.down)
    }

    /// Output samples `start .. start + len` of resampling the whole of `x`.
    pub fn range(&self, x: &[f32], start: usize, len: usize) -> Vec<f32> {
        let mut out = vec![0.0f32; len];
        self.range_into(x, start, &mut out);
        out
    }

    /// Like [`range`](Self::range), writing `out.len()` samples into `out`.
    pub fn range_into(&self, x: &[f32], start: usize, out: &mut [f32]) {
        if self.up == 1 && self.down == 1 {
            for (i, o) in out.iter_mut().enumerate() {
                *o = x.get(start + i).copied().unwrap_or(0.0);
            }
            return;
        }
        let n_in = x.len() as i64;
        for (i, o) in out.iter_mut().enumerate() {
            let q = ((start + i) * self.down + self.half_len) as i64;
            let m_max = q / self.up as i64;
            let taps = &self.phases[(q % self.up as i64) as usize];
            // taps[j] multiplies x[m_max − len + 1 + j]; keep the part inside the input.
            let first = m_max - taps.len() as i64 + 1;
            let (lo, hi) = (first.max(0), (m_max + 1).min(n_in));
            *o = if hi > lo {
                super::simd::dot(&taps[(lo - first) as usize..(hi - first) as usize], &x[lo as usize..hi as usize])
            } else {
                0.0
            };
        }
    }
}

/// Resample `wave` to `rate` Hz with a band-limited filter (see the module docs).
/// Returns a copy when the rate is already `rate`. Parallel over output chunks.
pub fn resample(wave: &Waveform, rate: u32) -> Waveform {
    if wave.rate == rate {
        return wave.clone();
    }
    let r = Resampler::new(wave.rate, rate);
    let n_out = r.output_len(wave.samples.len());
    let mut out = vec![0.0f32; n_out];
    out.par_chunks_mut(CHUNK)
        .enumerate()
        .for_each(|(c, chunk)| r.range_into(&wave.samples, c * CHUNK, chunk));
    Waveform::new(out, rate)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(freq: f64, amp: f64, rate: u32, secs: f64) -> Waveform {
        let n = (secs * rate as f64) as usize;
        Waveform::new(
            (0..n).map(|i| (amp * (2.0 * std::f64::consts::PI * freq * i as f64 / rate as f64).sin()) as f32).collect(),
            rate,
        )
    }

    /// Amplitude and phase-free fit of a sinusoid of `freq` over the middle half of `x`.
    fn fit(x: &[f32], freq: f64, rate: u32) -> f64 {
        let (a, b) = (x.len() / 4, 3 * x.len() / 4);
        let (mut s, mut c) = (0.0, 0.0);
        for (i, &v) in x.iter().enumerate().take(b).skip(a) {
            let ph = 2.0 * std::f64::consts::PI * freq * i as f64 / rate as f64;
            s += v as f64 * ph.sin();
            c += v as f64 * ph.cos();
        }
        2.0 * (s * s + c * c).sqrt() / (b - a) as f64
    }

    fn rms_mid(x: &[f32]) -> f64 {
        let mid = &x[x.len() / 4..3 * x.len() / 4];
        (mid.iter().map(|&v| (v as f64).powi(2)).sum::<f64>() / mid.len() as f64).sqrt()
    }

    #[test]
    fn filter_matches_scipy_design_facts() {
        // resample_poly(up=5, down=12): half_len = 10·12, taps sum to `up` (unit DC gain × up).
        let f = PolyFilter::new(48000, 20000);
        assert_eq!((f.up, f.down, f.half_len, f.h.len()), (5, 12, 120, 241));
        assert!((f.h.iter().sum::<f64>() - 5.0).abs() < 1e-12);
        assert!(f.h.iter().zip(f.h.iter().rev()).all(|(a, b)| (a - b).abs() < 1e-15), "linear phase");
    }

    #[test]
    fn tone_keeps_frequency_and_amplitude() {
        // 1 kHz at 0.5 from 44.1 kHz to 20 kHz and from 20 kHz to 48 kHz: the in-band tone
        // passes with unit gain (Kaiser passband ripple at β = 5 is far below 1e-3).
        for (from, to) in [(44100, 20000), (20000, 48000), (96000, 20000)] {
            let y = resample(&tone(1000.0, 0.5, from, 0.5), to);
            assert_eq!(y.rate, to);
            assert_eq!(y.len(), (from as usize / 2 * to as usize).div_ceil(from as usize));
            let a = fit(&y.samples, 1000.0, to);
            assert!((a - 0.5).abs() < 1e-3, "{from}->{to}: amplitude {a}");
            // all power at 1 kHz: residual after removing the fitted tone is tiny
            assert!((rms_mid(&y.samples) - 0.5 / 2f64.sqrt()).abs() < 1e-3);
        }
    }

    #[test]
    fn out_of_band_tone_is_removed() {
        // 15 kHz is above the 10 kHz Nyquist rate of 20 kHz output: must not alias to 5 kHz.
        // Kaiser β = 5 stop band ≈ −54 dB, so require the residue below −50 dB.
        let y = resample(&tone(15000.0, 0.5, 48000, 0.5), 20000);
        let r = rms_mid(&y.samples) / (0.5 / 2f64.sqrt());
        assert!(r < 10f64.powf(-50.0 / 20.0), "residue {r}");
    }

    #[test]
    fn ranges_equal_whole() {
        let x = tone(440.0, 0.9, 44100, 0.2);
        let r = Resampler::new(44100, 20000);
        let whole = r.range(&x.samples, 0, r.output_len(x.len()));
        let part = r.range(&x.samples, 1234, 500);
        assert_eq!(&whole[1234..1734], &part[..]);
        assert_eq!(resample(&x, 20000).samples, whole);
    }
}
