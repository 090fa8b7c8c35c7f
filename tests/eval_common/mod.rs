//! Shared test inputs for the eval tests: impacts made of decaying modes, noise, and the
//! default cochleagram analysis.
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


/// The SPEC §2 cochleagram with default parameters.
pub fn features(w: &Waveform) -> foley::Result<Cochleagram> {
    foley::cochleagram::features(w, &foley::cochleagram::Params::default())
}
