//! How sure a headline figure is: 95 % bootstrap intervals over clips.
//!
//! A split holds a few dozen clips, and their hits are not independent (one clip's object,
//! lighting and stick speeds shape all of its hits), so the unit resampled is the clip:
//! draw as many clips as the split has, with replacement, recompute each figure exactly as
//! [`super::SystemMetrics`] does (AP: mean over clips with reference onsets; material: pooled
//! right / labelled; loudness: Pearson r of the pooled hits), repeat [`RESAMPLES`] times and
//! keep the 2.5th and 97.5th percentiles. The draws come from a fixed seed, so a report is
//! reproducible. They say how far a figure could move with another draw of clips like these;
//! two systems scored on the same clips are compared more finely by their paired differences.
use super::detection::mean;
use crate::stats::pearson;
use super::score::ClipMetrics;
use rand::{Rng, SeedableRng};
use serde::Serialize;

/// Bootstrap resamples per figure.
pub const RESAMPLES: usize = 1000;
/// Coverage of the intervals.
pub const LEVEL: f64 = 0.95;
const SEED: u64 = 0x5eed;

/// A percentile interval `[low, high]`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Interval {
    pub low: f64,
    pub high: f64,
}

/// The four headline figures of a row, each as a `T`; a figure is `None` where it is
/// undefined (e.g. no material labels).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Headline<T> {
    pub ap_vs_annotations: Option<T>,
    pub ap_vs_real: Option<T>,
    pub material_accuracy: Option<T>,
    pub loudness_r: Option<T>,
}

impl<T> Headline<T> {
    /// From the figures in field order.
    fn from_array([ap_vs_annotations, ap_vs_real, material_accuracy, loudness_r]: [Option<T>; 4]) -> Self {
        Headline { ap_vs_annotations, ap_vs_real, material_accuracy, loudness_r }
    }
}

impl<T> Default for Headline<T> {
    fn default() -> Self {
        Headline::from_array([None, None, None, None])
    }
}

/// 95 % intervals of the headline figures.
pub type Intervals = Headline<Interval>;

impl Intervals {
    /// Resample `clips` (at least 2, else every interval is `None`).
    pub fn bootstrap(clips: &[ClipMetrics]) -> Self {
        if clips.len() < 2 {
            return Intervals::default();
        }
        Headline::from_array(resample(clips.len(), |idx| figures(&pick(clips, idx))))
    }
}

/// One figure of a system minus the same figure of another scored on the same clips, with the
/// [`LEVEL`] interval of that difference (the clips resampled together).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Difference {
    pub value: f64,
    pub low: f64,
    pub high: f64,
}

/// The headline figures' [`Difference`]s; a figure is `None` where either system lacks it.
pub type Differences = Headline<Difference>;

impl Differences {
    /// `a` minus `b`, both scored on the same clips in the same order (`None` otherwise, or
    /// for fewer than 2 clips). Resampling the clips once for both systems cancels what the
    /// clips share (an easy clip is easy for both), so the interval is narrower than the two
    /// systems' own intervals suggest.
    pub fn paired(a: &[ClipMetrics], b: &[ClipMetrics]) -> Option<Self> {
        if a.len() != b.len() || a.len() < 2 || a.iter().zip(b).any(|(x, y)| x.id != y.id) {
            return None;
        }
        let minus = |x: [Option<f64>; 4], y: [Option<f64>; 4]| {
            let mut d = [None; 4];
            for (d, (x, y)) in d.iter_mut().zip(x.into_iter().zip(y)) {
                *d = x.zip(y).map(|(x, y)| x - y);
            }
            d
        };
        let all: Vec<usize> = (0..a.len()).collect();
        let value = minus(figures(&pick(a, &all)), figures(&pick(b, &all)));
        let range = resample(a.len(), |idx| minus(figures(&pick(a, idx)), figures(&pick(b, idx))));
        Some(Headline::from_array(std::array::from_fn(|k| {
            value[k].zip(range[k]).map(|(value, i)| Difference { value, low: i.low, high: i.high })
        })))
    }
}

/// The clips at `idx`.
fn pick<'a>(clips: &'a [ClipMetrics], idx: &[usize]) -> Vec<&'a ClipMetrics> {
    idx.iter().map(|&i| &clips[i]).collect()
}

/// [`RESAMPLES`] draws of `n` clip indices with replacement (fixed seed); the [`LEVEL`]
/// interval of each of the four figures `stat` computes from a draw.
fn resample(n: usize, mut stat: impl FnMut(&[usize]) -> [Option<f64>; 4]) -> [Option<Interval>; 4] {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(SEED);
    let mut draws: [Vec<f64>; 4] = Default::default();
    let mut idx = Vec::with_capacity(n);
    for _ in 0..RESAMPLES {
        idx.clear();
        idx.extend((0..n).map(|_| rng.random_range(0..n)));
        for (d, v) in draws.iter_mut().zip(stat(&idx)) {
            d.extend(v);
        }
    }
    draws.map(percentiles)
}

/// AP vs annotations, AP vs real, material accuracy, loudness r of a set of clips.
fn figures(clips: &[&ClipMetrics]) -> [Option<f64>; 4] {
    // AP: the mean over clips with reference onsets, as `OnsetSummary` takes it.
    let ap_mean = |ap: fn(&ClipMetrics) -> Option<f64>| mean(clips.iter().filter_map(|c| ap(c)));
    let (right, labelled) = clips.iter().fold((0, 0), |(r, n), c| (r + c.material_right, n + c.material_hits));
    let loud: Vec<(f64, f64)> = clips.iter().flat_map(|c| c.loudness_pairs()).collect();
    [
        ap_mean(|c| c.onsets_vs_annotations.ap),
        ap_mean(|c| c.onsets_vs_real.ap),
        (labelled > 0).then(|| right as f64 / labelled as f64),
        pearson(&loud),
    ]
}

/// The central [`LEVEL`] range of `draws` (`None` if the figure was undefined in most of them).
fn percentiles(mut draws: Vec<f64>) -> Option<Interval> {
    if draws.len() < RESAMPLES / 2 {
        return None;
    }
    draws.sort_by(f64::total_cmp);
    let at = |q: f64| draws[((q * (draws.len() - 1) as f64).round() as usize).min(draws.len() - 1)];
    let tail = (1.0 - LEVEL) / 2.0;
    Some(Interval { low: at(tail), high: at(1.0 - tail) })
}
