//! TEMPORARY band-limited resampler used by evaluation until `foley::audio::resample` (helper A)
//! is on main; then [`super::resample`] forwards to it and this file goes.
//!
//! Windowed-sinc interpolation (Blackman window, 32 zero crossings of the lower of the two
//! Nyquist frequencies, cutoff at 0.95 of it).
use crate::audio::Waveform;

pub fn resample(wave: &Waveform, rate: u32) -> Waveform {
    if wave.rate == rate || wave.is_empty() {
        return Waveform::new(wave.samples.clone(), rate);
    }
    let ratio = rate as f64 / wave.rate as f64;
    let cutoff = 0.95 * ratio.min(1.0); // in cycles per input sample × 2
    let zeros = 32.0;
    let half = (zeros / cutoff).ceil() as isize;
    let n_out = (wave.len() as f64 * ratio).round() as usize;
    let x = &wave.samples;
    let samples = (0..n_out)
        .map(|i| {
            let pos = i as f64 / ratio;
            let centre = pos.floor() as isize;
            let mut acc = 0.0f64;
            for k in (centre - half + 1)..=(centre + half) {
                if k < 0 || k as usize >= x.len() {
                    continue;
                }
                let d = pos - k as f64;
                let arg = d * cutoff;
                let sinc = if arg.abs() < 1e-12 { 1.0 } else { (std::f64::consts::PI * arg).sin() / (std::f64::consts::PI * arg) };
                let u = d / (half as f64) ; // window over [-1, 1]
                if u.abs() >= 1.0 {
                    continue;
                }
                let wnd = 0.42 + 0.5 * (std::f64::consts::PI * u).cos() + 0.08 * (2.0 * std::f64::consts::PI * u).cos();
                acc += x[k as usize] as f64 * cutoff * sinc * wnd;
            }
            acc.clamp(-1.0, 1.0) as f32
        })
        .collect();
    Waveform::new(samples, rate)
}
