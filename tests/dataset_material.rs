//! The synthetic sounds carry their material: a linear classifier (ridge regression onto
//! one-hot classes) on cochleagram features at hits, trained on some videos and tested on
//! others (other object instances), is well above chance (17 classes: 1/17 = 5.9 %) but not
//! perfect (per-video object variation, loudness, overlapping tails and noise blur it).
use foley::cochleagram::{features, Params};
use foley::dataset::synth::{Scene, SynthConfig};
use foley::dataset::{ActionKind, Material};
use foley::Waveform;

mod dataset_util;
use dataset_util::{predict, ridge};

/// Hit features: mean compressed envelope per band over 0–100 ms and 100–300 ms after the
/// onset (9 + 18 steps at 90 Hz), each window divided by its mean over bands so that
/// loudness does not decide, plus a bias term.
fn hit_features(coch: &foley::Cochleagram, time: f64) -> Option<Vec<f64>> {
    let t0 = (time * coch.rate).round() as usize;
    let mut v = Vec::with_capacity(2 * coch.bands + 1);
    for (a, b) in [(0, 9), (9, 27)] {
        if t0 + b > coch.frames() {
            return None;
        }
        let mut w = vec![0.0f64; coch.bands];
        for t in t0 + a..t0 + b {
            for (k, x) in coch.frame(t).iter().enumerate() {
                w[k] += *x as f64;
            }
        }
        let mean = w.iter().sum::<f64>() / w.len() as f64;
        v.extend(w.iter().map(|x| (x / mean.max(1e-9)).max(1e-3).ln()));
    }
    v.push(1.0);
    Some(v)
}

/// Features of every hit in videos `seeds`. Only a 0.5 s snippet around each hit is
/// analysed (0.1 s before to 0.4 s after); a video's snippets are analysed in one call.
fn dataset(seeds: std::ops::Range<u64>, cfg: &SynthConfig, params: &Params) -> Vec<(Vec<f64>, usize)> {
    const PRE: f64 = 0.1;
    const LEN: f64 = 0.5;
    let mut out = Vec::new();
    for seed in seeds {
        let scene = Scene::plan(seed, cfg);
        let audio = scene.audio();
        let r = audio.rate as f64;
        let mut joined = Vec::new();
        let mut labels = Vec::new();
        for a in scene.actions().iter().filter(|a| a.action == Some(ActionKind::Hit)) {
            let s0 = ((a.time - PRE) * r).round().max(0.0) as usize;
            let s1 = s0 + (LEN * r) as usize;
            if let (true, Some(m)) = (s1 <= audio.len(), a.material) {
                // Onset position inside the joined signal.
                labels.push((joined.len() as f64 / r + (a.time - s0 as f64 / r), m.index()));
                joined.extend_from_slice(&audio.samples[s0..s1]);
            }
        }
        let coch = features(&Waveform::new(joined, audio.rate), params).unwrap();
        out.extend(labels.into_iter().filter_map(|(t, m)| hit_features(&coch, t).map(|f| (f, m))));
    }
    out
}

/// Train on `train` videos, test on `test` other videos; returns (accuracy, test hits).
fn accuracy(train: std::ops::Range<u64>, test: std::ops::Range<u64>, seconds: f64) -> (f64, usize) {
    // Audio at the cochleagram's working rate (20 kHz) and tiny frames: only sound is used.
    let params = Params::default();
    let cfg = SynthConfig { seconds, width: 64, height: 48, fps: 30, sample_rate: params.rate, ..SynthConfig::default() };
    let (train, test) = (dataset(train, &cfg, &params), dataset(test, &cfg, &params));
    let classes = Material::ALL.len();
    let w = ridge(&train, classes, 1.0);
    if std::env::var_os("FOLEY_CONFUSION").is_some() {
        for (k, m) in Material::ALL.iter().enumerate() {
            let mut row = vec![0; classes];
            test.iter().filter(|(_, y)| *y == k).for_each(|(x, _)| row[predict(&w, x)] += 1);
            eprintln!("{:>12} {:?}", m.as_str(), row);
        }
    }
    let correct = test.iter().filter(|(x, y)| predict(&w, x) == *y).count();
    let acc = correct as f64 / test.len() as f64;
    eprintln!("material accuracy {acc:.3} on {} test hits ({} training hits), chance {:.3}", test.len(), train.len(), 1.0 / classes as f64);
    (acc, test.len())
}

#[test]
fn material_is_linearly_decodable_from_cochleagram_at_hits() {
    let (acc, n) = accuracy(0..40, 1000..1020, 10.0);
    assert!(n >= 100, "too few test hits ({n})");
    // Well above chance (3x the 5.9 % of 17 classes) but not perfect.
    assert!(acc > 3.0 / 17.0, "accuracy {acc:.3} is near chance");
    assert!(acc < 0.99, "accuracy {acc:.3}: materials are trivially separable");
}

/// The number reported in notes/data.md (more videos, so a steadier estimate):
/// `cargo test --release --test dataset_material -- --ignored --nocapture`
#[test]
#[ignore]
fn material_accuracy_large() {
    let (acc, _) = accuracy(0..200, 1000..1100, 20.0);
    assert!(acc > 3.0 / 17.0 && acc < 0.99, "accuracy {acc:.3}");
}
