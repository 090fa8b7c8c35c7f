//! Example-based synthesis (SPEC §6): a sound bank of real recorded hits, hit detection in a
//! (predicted) cochleagram, nearest-window retrieval and onset-aligned overlap-add.
//!
//! - [`bank`]: [`Bank`] built from training clips (cochleagram window + waveform snippet +
//!   onset offset + labels + loudness per annotated action), saved as `bank.safetensors`.
//! - [`hits`]: onset strength (positive envelope flux) and peak picking → [`Hit`]s.
//! - [`example`]: retrieval and placement → [`Waveform`](crate::Waveform).
//!
//! Windows and loudness are defined once here so that the bank and the prediction side agree.
pub mod background;
pub mod bank;
pub mod example;
pub mod hits;
pub mod options;
pub mod stream;
pub mod plot;

pub use background::background;
pub use bank::{Bank, BankEntry, BankParams};
pub use example::{plan, plan_hits, synthesize, ExampleParams, PlacedHit, Renderer, Retrieval};
pub use hits::{detect_hits, Hit, HitParams, HitSource};
pub use options::{SynthMode, SynthOptions, BACKGROUND_SECONDS};
pub use stream::{synthesis, Parametric, Synthesis};

use crate::Cochleagram;

/// Offset, in envelope steps, between an onset's time and the (interpolated) step where
/// positive envelope flux peaks for it: the flux `c[t] − c[t−1]` peaks at t ≈ τ·rate + ALIGN.
/// Measured with `cochleagram::features` on 107 annotated actions of `foley dataset synth
/// --videos 10 --seconds 10 --seed 11`: with ALIGN = 0.5 detected onsets came 3.5 ms
/// (0.3 step) early (median; 10th–90th percentile −6.2…−1.4 ms), so ALIGN = 0.2.
pub const ALIGN: f64 = 0.2;

/// Envelope step (fractional) at which an onset at `time` seconds shows, for `rate` Hz.
pub fn step_of(time: f64, rate: f64) -> f64 {
    time * rate + ALIGN
}

/// Onset time (s) of a flux peak at fractional step `step`.
pub fn time_of(step: f64, rate: f64) -> f64 {
    ((step - ALIGN) / rate).max(0.0)
}

/// Geometry of a cochleagram window around an onset step: `pre` steps before, `post` from it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Window {
    pub pre: usize,
    pub post: usize,
}

impl Window {
    pub fn len(&self) -> usize {
        self.pre + self.post
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Rows `anchor − pre .. anchor + post` of `coch`, edge rows replicated outside it.
    pub fn extract(&self, coch: &Cochleagram, anchor: usize) -> Vec<f32> {
        self.extract_rows(&coch.data, coch.bands, anchor)
    }

    /// [`Window::extract`] on raw `[frames, bands]` row-major data.
    pub fn extract_rows(&self, data: &[f32], bands: usize, anchor: usize) -> Vec<f32> {
        let frames = data.len().checked_div(bands).unwrap_or(0);
        let mut out = Vec::with_capacity(self.len() * bands);
        for k in 0..self.len() {
            let t = (anchor + k).saturating_sub(self.pre).min(frames.saturating_sub(1));
            if frames == 0 {
                out.extend(std::iter::repeat_n(0.0, bands));
            } else {
                out.extend_from_slice(&data[t * bands..(t + 1) * bands]);
            }
        }
        out
    }
}

/// Loudness ([`window_loudness`]) of a hit at `time` seconds in a `[frames, bands]` cochleagram
/// at `rate` Hz, measured in the bank's default window: the training target of the model's
/// loudness read-out, on the same scale as the bank entries' loudness.
pub fn hit_loudness(data: &[f32], bands: usize, rate: f64, time: f64) -> f32 {
    let p = BankParams::default();
    let anchor = step_of(time, rate).round().max(0.0) as usize;
    window_loudness(&p.window.extract_rows(data, bands, anchor), bands, p.window, p.compression)
}

/// ln of [`hit_loudness`], floored at ln 1e-4 (a silent "hit" would give ln 0): the target of
/// the model's loudness read-out, in training and in validation.
pub fn hit_log_loudness(data: &[f32], bands: usize, rate: f64, time: f64) -> f32 {
    hit_loudness(data, bands, rate, time).max(1e-4).ln()
}

/// Steps before and from the onset step over which [`window_loudness`] measures energy:
/// 2 and 13 steps at 90 Hz ≈ the 20 ms before and 150 ms after a hit over which the
/// evaluation measures per-hit loudness (SPEC §7).
pub const LOUDNESS_STEPS: (usize, usize) = (2, 13);

/// Loudness of a window (waveform amplitude up to a constant): the root-mean-square over
/// the rows `pre − 2 .. pre + 13` (those inside the window) and over bands of the
/// decompressed envelope `c^(1/compression)`. Scaling a sound by g scales this by exactly g.
/// Measured against the RMS level of the real audio in [t − 20 ms, t + 150 ms) at 123
/// annotated actions of `foley dataset synth --videos 30 --seconds 10 --seed 21`: Pearson
/// r = 0.978 (dB vs dB); the peak over the onset steps −1..+3 gave only 0.674.
pub fn window_loudness(window: &[f32], bands: usize, win: Window, compression: f32) -> f32 {
    let rows = window.len() / bands;
    let lo = win.pre.saturating_sub(LOUDNESS_STEPS.0);
    let hi = (win.pre + LOUDNESS_STEPS.1).min(rows);
    if hi <= lo {
        return 0.0;
    }
    let inv = 2.0 / compression;
    let energy: f32 = window[lo * bands..hi * bands].iter().map(|&c| c.max(0.0).powf(inv)).sum();
    (energy / ((hi - lo) * bands) as f32).sqrt()
}

/// A window divided by its loudness (in the compressed domain: c / L^compression), so two
/// windows that differ only by a gain are equal: shape and material decide the distance.
pub fn normalise_window(window: &[f32], loudness: f32, compression: f32) -> Vec<f32> {
    let d = loudness.max(1e-6).powf(compression);
    window.iter().map(|&c| c / d).collect()
}
