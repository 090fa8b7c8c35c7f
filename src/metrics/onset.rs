//! Onset detection equivalent to librosa 0.11 `onset.onset_detect(y, sr=22050, hop_length=512,
//! delta=0.3)` (SPEC §7), written from librosa's source:
//!
//! 1. `onset_strength`: |STFT|² (n_fft 2048, hop 512, periodic Hann window, `center=True` with
//!    zero padding of n_fft/2 on both sides) → 128-band Slaney mel filter bank (0 Hz to sr/2,
//!    Slaney area normalisation) → `power_to_db` (ref 1, amin 1e-10, top_db 80) → spectral flux
//!    with lag 1 and max_size 1 (positive differences only) → mean over bands → shifted right by
//!    lag + n_fft/(2·hop) = 3 frames (zeros in front) and trimmed to the frame count.
//! 2. `normalize=True`: subtract the minimum, divide by the maximum (+ float32 `tiny`).
//! 3. `util.peak_pick` with librosa's defaults derived from sr/hop (pre_max 30 ms, post_max
//!    0 ms + 1, pre_avg 100 ms, post_avg 100 ms + 1, wait 30 ms) and the caller's delta.
//!
//! Onset *n* is at sample n·hop of the 22 050 Hz signal.
use crate::audio::Waveform;
use realfft::RealFftPlanner;

/// Parameters of the onset detector; [`Default`] is the SPEC §7 setting.
#[derive(Clone, Debug, PartialEq)]
pub struct OnsetParams {
    /// Analysis sample rate (audio is resampled to it first).
    pub rate: u32,
    pub hop: usize,
    pub n_fft: usize,
    pub n_mels: usize,
    /// Peak-picking threshold above the local mean of the normalised onset strength.
    pub delta: f64,
}

impl Default for OnsetParams {
    fn default() -> Self {
        OnsetParams { rate: 22_050, hop: 512, n_fft: 2048, n_mels: 128, delta: 0.3 }
    }
}

/// Onsets detected in one waveform, plus the signal they were detected in (at `params.rate`),
/// which the confidence of SPEC §7 is read from.
#[derive(Clone, Debug)]
pub struct Onsets {
    /// Onset positions in samples of `signal`.
    pub samples: Vec<usize>,
    /// The analysed waveform, resampled to the detector's rate.
    pub signal: Waveform,
}

impl Onsets {
    /// Onset times in seconds.
    pub fn times(&self) -> Vec<f64> {
        self.samples.iter().map(|&s| s as f64 / self.signal.rate as f64).collect()
    }
}

/// Detect onsets in `wave` (resampled to `params.rate` when its rate differs).
pub fn detect_onsets(wave: &Waveform, params: &OnsetParams) -> Onsets {
    let signal = if wave.rate == params.rate { wave.clone() } else { crate::audio::resample(wave, params.rate) };
    let env = onset_strength(&signal.samples, params);
    let frames = onset_detect_frames(&env, params);
    Onsets { samples: frames.into_iter().map(|f| f * params.hop).collect(), signal }
}

/// Peak-pick a (not yet normalised) onset-strength envelope as `onset_detect` does; returns
/// frame indices.
pub fn onset_detect_frames(env: &[f64], params: &OnsetParams) -> Vec<usize> {
    if env.is_empty() || env.iter().any(|v| !v.is_finite()) {
        return Vec::new();
    }
    let min = env.iter().cloned().fold(f64::INFINITY, f64::min);
    let shifted: Vec<f64> = env.iter().map(|v| v - min).collect();
    let max = shifted.iter().cloned().fold(0.0, f64::max);
    // librosa divides by max + tiny(float32).
    let norm: Vec<f64> = shifted.iter().map(|v| v / (max + f32::MIN_POSITIVE as f64)).collect();
    if norm.iter().all(|&v| v == 0.0) {
        return Vec::new();
    }
    let per = |seconds: f64| (seconds * params.rate as f64 / params.hop as f64).floor() as usize;
    peak_pick(&norm, per(0.03), per(0.0) + 1, per(0.10), per(0.10) + 1, params.delta, per(0.03))
}

/// librosa `util.peak_pick` (its `__peak_pick` loop): `n` is a peak when
/// `x[n] == max(x[n-pre_max .. n+post_max])` and `x[n] >= mean(x[n-pre_avg .. n+post_avg]) + delta`,
/// windows clipped to the signal; after a peak the next `wait` frames are skipped.
pub fn peak_pick(x: &[f64], pre_max: usize, post_max: usize, pre_avg: usize, post_avg: usize,
                 delta: f64, wait: usize) -> Vec<usize> {
    let len = x.len();
    let max_of = |a: usize, b: usize| x[a..b].iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let mean_of = |a: usize, b: usize| x[a..b].iter().sum::<f64>() / (b - a) as f64;
    let mut peaks = Vec::new();
    if len == 0 {
        return peaks;
    }
    // The first frame is special-cased in librosa: compared only with what follows.
    let mut n = 1;
    if x[0] >= max_of(0, post_max.min(len)) && x[0] >= mean_of(0, post_avg.min(len)) + delta {
        peaks.push(0);
        n = wait + 1;
    }
    while n < len {
        if x[n] != max_of(n.saturating_sub(pre_max), (n + post_max).min(len)) {
            n += 1;
            continue;
        }
        if x[n] < mean_of(n.saturating_sub(pre_avg), (n + post_avg).min(len)) + delta {
            n += 1;
            continue;
        }
        peaks.push(n);
        n += wait + 1;
    }
    peaks
}

/// librosa `onset.onset_strength(y, sr, hop_length)` with its defaults (see module docs).
pub fn onset_strength(y: &[f32], params: &OnsetParams) -> Vec<f64> {
    let mel_db = log_mel_spectrogram(y, params);
    let frames = mel_db.len();
    let lag = 1;
    let shift = lag + params.n_fft / (2 * params.hop);
    let mut env = vec![0.0; frames];
    for t in shift..frames {
        // env[t] = mean over bands of max(0, S[t - shift + lag] - S[t - shift]).
        let (cur, prev) = (&mel_db[t - shift + lag], &mel_db[t - shift]);
        let sum: f64 = cur.iter().zip(prev).map(|(c, p)| (c - p).max(0.0)).sum();
        env[t] = sum / params.n_mels as f64;
    }
    env
}

/// `power_to_db(melspectrogram(y, n_fft, hop, fmax=sr/2))` as frames of `n_mels` dB values.
fn log_mel_spectrogram(y: &[f32], params: &OnsetParams) -> Vec<Vec<f64>> {
    let (n_fft, hop) = (params.n_fft, params.hop);
    let frames = 1 + y.len() / hop;
    let bins = n_fft / 2 + 1;
    let mel = mel_filters(params.rate as f64, n_fft, params.n_mels);
    // Periodic Hann window (scipy get_window('hann', n_fft, fftbins=True)).
    let window: Vec<f64> =
        (0..n_fft).map(|i| 0.5 - 0.5 * (2.0 * std::f64::consts::PI * i as f64 / n_fft as f64).cos()).collect();
    let fft = RealFftPlanner::<f64>::new().plan_fft_forward(n_fft);
    let mut input = fft.make_input_vec();
    let mut spectrum = fft.make_output_vec();
    let mut power = vec![0.0f64; bins];
    let pad = (n_fft / 2) as isize;
    let mut out = Vec::with_capacity(frames);
    for t in 0..frames {
        let start = (t * hop) as isize - pad;
        for (i, v) in input.iter_mut().enumerate() {
            let k = start + i as isize;
            let s = if k >= 0 && (k as usize) < y.len() { y[k as usize] as f64 } else { 0.0 };
            *v = s * window[i];
        }
        fft.process(&mut input, &mut spectrum).expect("FFT buffers sized by the planner");
        for (p, c) in power.iter_mut().zip(&spectrum) {
            *p = c.norm_sqr();
        }
        let row: Vec<f64> = mel
            .iter()
            .map(|(first, w)| w.iter().zip(&power[*first..]).map(|(a, b)| a * b).sum::<f64>())
            .map(|p| 10.0 * p.max(1e-10).log10())
            .collect();
        out.push(row);
    }
    // top_db = 80 below the global maximum.
    let max = out.iter().flatten().cloned().fold(f64::NEG_INFINITY, f64::max);
    for v in out.iter_mut().flatten() {
        *v = v.max(max - 80.0);
    }
    out
}

/// Slaney mel scale (librosa `hz_to_mel`, htk=False): linear below 1 kHz, log above.
fn hz_to_mel(f: f64) -> f64 {
    let f_sp = 200.0 / 3.0;
    let min_log_hz = 1000.0;
    let min_log_mel = min_log_hz / f_sp;
    let logstep = 6.4f64.ln() / 27.0;
    if f >= min_log_hz { min_log_mel + (f / min_log_hz).ln() / logstep } else { f / f_sp }
}

fn mel_to_hz(m: f64) -> f64 {
    let f_sp = 200.0 / 3.0;
    let min_log_hz = 1000.0;
    let min_log_mel = min_log_hz / f_sp;
    let logstep = 6.4f64.ln() / 27.0;
    if m >= min_log_mel { min_log_hz * (logstep * (m - min_log_mel)).exp() } else { f_sp * m }
}

/// librosa `filters.mel(sr, n_fft, n_mels, fmin=0, fmax=sr/2, htk=False, norm='slaney')`,
/// each filter stored sparsely as (first non-zero bin, weights).
fn mel_filters(sr: f64, n_fft: usize, n_mels: usize) -> Vec<(usize, Vec<f64>)> {
    let bins = n_fft / 2 + 1;
    let fft_freqs: Vec<f64> = (0..bins).map(|k| k as f64 * sr / n_fft as f64).collect();
    let (lo, hi) = (hz_to_mel(0.0), hz_to_mel(sr / 2.0));
    let mel_f: Vec<f64> = (0..n_mels + 2)
        .map(|i| mel_to_hz(lo + (hi - lo) * i as f64 / (n_mels + 1) as f64))
        .collect();
    (0..n_mels)
        .map(|i| {
            let enorm = 2.0 / (mel_f[i + 2] - mel_f[i]);
            let w: Vec<f64> = fft_freqs
                .iter()
                .map(|&f| {
                    let lower = (f - mel_f[i]) / (mel_f[i + 1] - mel_f[i]);
                    let upper = (mel_f[i + 2] - f) / (mel_f[i + 2] - mel_f[i + 1]);
                    lower.min(upper).max(0.0) * enorm
                })
                .collect();
            let first = w.iter().position(|&v| v > 0.0).unwrap_or(0);
            let last = w.iter().rposition(|&v| v > 0.0).map_or(first, |l| l + 1);
            (first, w[first..last.max(first)].to_vec())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mel_scale_round_trips_and_is_linear_below_1khz() {
        // Slaney scale: 1000 Hz ↔ 15 mel (1000 / (200/3)).
        assert!((hz_to_mel(1000.0) - 15.0).abs() < 1e-12);
        for f in [0.0, 440.0, 1000.0, 5000.0, 11025.0] {
            assert!((mel_to_hz(hz_to_mel(f)) - f).abs() < 1e-9);
        }
    }

    #[test]
    fn peak_pick_finds_isolated_spikes_above_delta() {
        let mut x = vec![0.0; 40];
        x[10] = 1.0;
        x[30] = 0.2; // below delta 0.3 above its local mean → not a peak
        assert_eq!(peak_pick(&x, 1, 1, 4, 5, 0.3, 1), vec![10]);
    }

    #[test]
    fn silence_has_no_onsets() {
        let w = Waveform::silence(2.0, 22_050);
        assert!(detect_onsets(&w, &OnsetParams::default()).samples.is_empty());
    }
}
