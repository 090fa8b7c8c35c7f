//! Per-hit loudness and timbre (SPEC §7 "Loudness and timbre") and cochleagram error.
//!
//! For each annotated hit at time t, the window [t − 20 ms, t + 150 ms) of a waveform gives
//! - loudness: RMS level in dB, `10·log10(mean(x²) + 1e-10)`;
//! - spectral centroid: `Σ f·|X(f)|² / Σ |X(f)|²` of the Hann-windowed window (Hz).
//!
//! Predicted and real values over all test hits are compared by Pearson's r.
use crate::audio::Waveform;
use crate::cochleagram::Cochleagram;
use crate::stats::pearson;
use realfft::RealFftPlanner;
use serde::Serialize;

/// Window around a hit, seconds before and after it.
pub const HIT_BEFORE: f64 = 0.02;
pub const HIT_AFTER: f64 = 0.15;

/// Loudness and centroid of one hit.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct HitSound {
    /// RMS level, dB re full scale.
    pub loudness_db: f64,
    /// Spectral centroid in Hz; `None` for a silent window.
    pub centroid_hz: Option<f64>,
}

/// The samples of `wave` in [t − HIT_BEFORE, t + HIT_AFTER), zero beyond its ends.
fn hit_window(wave: &Waveform, time: f64) -> Vec<f64> {
    let rate = wave.rate as f64;
    let start = ((time - HIT_BEFORE) * rate).round() as isize;
    let len = ((HIT_BEFORE + HIT_AFTER) * rate).round() as usize;
    (0..len)
        .map(|i| {
            let k = start + i as isize;
            if k >= 0 && (k as usize) < wave.len() { wave.samples[k as usize] as f64 } else { 0.0 }
        })
        .collect()
}

/// Loudness and spectral centroid of the hit at `time` seconds.
pub fn hit_sound(wave: &Waveform, time: f64) -> HitSound {
    let x = hit_window(wave, time);
    let ms = x.iter().map(|v| v * v).sum::<f64>() / x.len().max(1) as f64;
    let loudness_db = 10.0 * (ms + 1e-10).log10();
    let n = x.len().next_power_of_two().max(2);
    let fft = RealFftPlanner::<f64>::new().plan_fft_forward(n);
    let mut input = fft.make_input_vec();
    for (i, v) in x.iter().enumerate() {
        let w = 0.5 - 0.5 * (2.0 * std::f64::consts::PI * i as f64 / x.len() as f64).cos();
        input[i] = v * w;
    }
    let mut spec = fft.make_output_vec();
    fft.process(&mut input, &mut spec).expect("FFT buffers sized by the planner");
    let (mut num, mut den) = (0.0, 0.0);
    for (k, c) in spec.iter().enumerate() {
        let p = c.norm_sqr();
        num += k as f64 * wave.rate as f64 / n as f64 * p;
        den += p;
    }
    HitSound { loudness_db, centroid_hz: (den > 1e-20).then(|| num / den) }
}

/// Correlations between predicted and real per-hit sounds (pooled over all hits).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct HitCorrelation {
    pub hits: usize,
    pub loudness_r: Option<f64>,
    pub centroid_r: Option<f64>,
}

impl HitCorrelation {
    /// `pairs`: (predicted, real) per hit.
    pub fn from_pairs(pairs: &[(HitSound, HitSound)]) -> Self {
        let loud: Vec<(f64, f64)> = pairs.iter().map(|(p, r)| (p.loudness_db, r.loudness_db)).collect();
        let cent: Vec<(f64, f64)> =
            pairs.iter().filter_map(|(p, r)| Some((p.centroid_hz?, r.centroid_hz?))).collect();
        HitCorrelation { hits: pairs.len(), loudness_r: pearson(&loud), centroid_r: pearson(&cent) }
    }
}

/// Mean absolute difference of two cochleagrams over their common steps and all bands
/// (returns the sum and the count so that clips can be pooled); `None` if band counts differ.
pub fn cochleagram_abs_error(pred: &Cochleagram, real: &Cochleagram) -> Option<(f64, usize)> {
    if pred.bands != real.bands {
        return None;
    }
    let n = pred.frames().min(real.frames()) * pred.bands;
    let sum = pred.data[..n].iter().zip(&real.data[..n]).map(|(a, b)| (a - b).abs() as f64).sum();
    Some((sum, n))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(freq: f64, amp: f32, rate: u32, seconds: f64) -> Waveform {
        let n = (seconds * rate as f64) as usize;
        Waveform::new((0..n).map(|i| amp * (2.0 * std::f64::consts::PI * freq * i as f64 / rate as f64).sin() as f32).collect(), rate)
    }

    #[test]
    fn loudness_of_a_sine_is_its_rms_level() {
        // RMS of a sine of amplitude A is A/√2 → 20·log10(0.5/√2) = −9.03 dB.
        let s = hit_sound(&tone(1000.0, 0.5, 22_050, 1.0), 0.5);
        assert!((s.loudness_db - 20.0 * (0.5f64 / 2f64.sqrt()).log10()).abs() < 0.05, "{}", s.loudness_db);
        // Centroid of a pure tone is its frequency (within the FFT bin spacing 22050/4096 ≈ 5.4 Hz).
        assert!((s.centroid_hz.unwrap() - 1000.0).abs() < 6.0);
    }

    #[test]
    fn cochleagram_error_over_common_steps() {
        let a = Cochleagram::new(vec![0.5; 3 * 42], 42, 90.0);
        let b = Cochleagram::new(vec![0.25; 2 * 42], 42, 90.0);
        let (sum, n) = cochleagram_abs_error(&a, &b).unwrap();
        assert_eq!(n, 84);
        assert!((sum / n as f64 - 0.25).abs() < 1e-12);
    }
}
