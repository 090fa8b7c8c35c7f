//! Shared test inputs for the eval tests: impacts made of decaying modes, noise, and a crude
//! stand-in cochleagram (until `foley::cochleagram::features` is on main).
#![allow(dead_code)]
use foley::{Cochleagram, Waveform};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

pub const RATE: u32 = 22_050;
pub const SECONDS: f64 = 4.0;

/// An impact: three random decaying modes plus a 5 ms noise burst, added at `time`.
pub fn add_impact(x: &mut [f32], rng: &mut ChaCha8Rng, time: f64, amp: f32) {
    let modes: Vec<(f64, f64, f64)> = (0..3)
        .map(|_| (rng.random_range(300.0..4000.0), rng.random_range(15.0..60.0), rng.random_range(0.3..1.0)))
        .collect();
    add_modes(x, rng, time, amp, &modes);
}

/// An impact with the given modes (frequency Hz, decay 1/s, gain) plus a 5 ms noise burst.
pub fn add_modes(x: &mut [f32], rng: &mut ChaCha8Rng, time: f64, amp: f32, modes: &[(f64, f64, f64)]) {
    let start = (time * RATE as f64) as usize;
    let norm: f64 = modes.iter().map(|m| m.2).sum();
    for i in 0..(0.6 * RATE as f64) as usize {
        let k = start + i;
        if k >= x.len() {
            break;
        }
        let t = i as f64 / RATE as f64;
        let tone: f64 = modes
            .iter()
            .map(|(f, d, g)| g * (-d * t).exp() * (2.0 * std::f64::consts::PI * f * t).sin())
            .sum::<f64>()
            / norm;
        let burst = if t < 0.005 { rng.random_range(-1.0..1.0) * (1.0 - t / 0.005) } else { 0.0 };
        x[k] += amp * (0.8 * tone + 0.4 * burst) as f32;
    }
}

pub fn noise(rng: &mut ChaCha8Rng, level: f32) -> Vec<f32> {
    (0..(SECONDS * RATE as f64) as usize).map(|_| level * rng.random_range(-1.0f32..1.0)).collect()
}


/// Crude stand-in for the SPEC §2 cochleagram (test only): at 90 Hz, the power spectrum of a
/// 512-sample Hann window split into 42 equal bands up to 10 kHz, compressed by ^0.3.
pub fn stand_in_features(w: &Waveform) -> foley::Result<Cochleagram> {
    let (bands, n) = (42usize, 512usize);
    let hop = w.rate as f64 / 90.0;
    let steps = (w.len() as f64 / hop).round() as usize;
    let fft = realfft::RealFftPlanner::<f64>::new().plan_fft_forward(n);
    let mut data = Vec::with_capacity(steps * bands);
    let top = (10_000.0 * n as f64 / w.rate as f64) as usize;
    for t in 0..steps {
        let mut input = fft.make_input_vec();
        let start = (t as f64 * hop) as isize - n as isize / 2;
        for (i, v) in input.iter_mut().enumerate() {
            let k = start + i as isize;
            let s = if k >= 0 && (k as usize) < w.len() { w.samples[k as usize] as f64 } else { 0.0 };
            *v = s * (0.5 - 0.5 * (2.0 * std::f64::consts::PI * i as f64 / n as f64).cos());
        }
        let mut spec = fft.make_output_vec();
        fft.process(&mut input, &mut spec).unwrap();
        for b in 0..bands {
            let (lo, hi) = (1 + b * top / bands, 1 + (b + 1) * top / bands);
            let p: f64 = spec[lo..hi].iter().map(|c| c.norm_sqr()).sum::<f64>() / (hi - lo) as f64;
            data.push((p.powf(0.3) as f32 * 0.2).clamp(0.0, 1.0));
        }
    }
    Ok(Cochleagram::new(data, bands, 90.0))
}
