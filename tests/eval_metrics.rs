//! SPEC §7 metrics of whole systems on hand-built clips with known answers.
mod eval_common;
use eval_common::{add_modes, noise, stand_in_features, RATE};
use foley::eval::{score_clip, Annotation, EvalClip, MaterialModel, Output, SystemMetrics};
use foley::Waveform;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Modes of three made-up materials: (frequency range Hz, decay 1/s). Far apart in frequency
/// and decay, so a linear classifier on real sounds separates them.
const MATERIALS: [(&str, (f64, f64), f64); 3] =
    [("wood", (250.0, 600.0), 60.0), ("glass", (1500.0, 2500.0), 25.0), ("metal", (4000.0, 6000.0), 6.0)];

/// A clip with hits every 0.7 s from 0.4 s, random materials and loudness; the sound can be
/// shifted in time by `shift` s (annotations are not).
fn clip(seed: u64, shift: f64) -> (Waveform, Vec<Annotation>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut x = noise(&mut rng, 0.001);
    let mut actions = Vec::new();
    for k in 0..5 {
        let time = 0.4 + 0.7 * k as f64;
        let (name, (lo, hi), decay) = MATERIALS[rng.random_range(0..MATERIALS.len())];
        let modes: Vec<(f64, f64, f64)> =
            (0..3).map(|_| (rng.random_range(lo..hi), decay * rng.random_range(0.8..1.2), rng.random_range(0.5..1.0))).collect();
        let amp = rng.random_range(0.1..0.8);
        add_modes(&mut x, &mut rng, time + shift, amp, &modes);
        actions.push(Annotation { time, material: Some(name.to_string()) });
    }
    (Waveform::new(x, RATE), actions)
}

fn eval_clip(seed: u64) -> EvalClip {
    let (real, actions) = clip(seed, 0.0);
    let features = stand_in_features(&real).unwrap();
    EvalClip::new(format!("clip{seed}"), real, features, actions)
}

#[test]
fn real_sound_silence_and_shifted_sound_score_as_expected() {
    let train: Vec<EvalClip> = (0..8).map(eval_clip).collect();
    let material = MaterialModel::train(train.iter().map(|c| (&c.real_features, c.actions.as_slice()))).unwrap();
    assert_eq!(material.classes, vec!["glass", "metal", "wood"]);
    let test: Vec<EvalClip> = (100..104).map(eval_clip).collect();
    let run = |name: &str, make: &dyn Fn(&EvalClip) -> Waveform| {
        let clips: Vec<_> = test
            .iter()
            .map(|c| score_clip(c, &Output { wave: make(c), cochleagram: None }, Some(&material), &stand_in_features).unwrap())
            .collect();
        SystemMetrics::from_clips(name, &clips)
    };
    // The real sound itself: onsets perfect against its own onsets and the annotations,
    // materials separable, loudness/centroid r = 1, cochleagram error 0.
    let real = run("real", &|c| c.real.clone());
    assert_eq!(real.onsets_vs_real.ap, Some(1.0));
    assert_eq!(real.onsets_vs_annotations.ap, Some(1.0));
    assert_eq!(real.onsets_vs_annotations.count_right, Some(1.0));
    assert!(real.material_accuracy.unwrap() >= 0.9, "{:?}", real.material_accuracy);
    assert_eq!(real.material_hits, 20);
    assert!((real.hits.loudness_r.unwrap() - 1.0).abs() < 1e-9);
    assert!((real.hits.centroid_r.unwrap() - 1.0).abs() < 1e-9);
    assert_eq!(real.cochleagram_mae, Some(0.0));
    // Silence: no onsets → AP 0 and accuracy 0 (not undefined), loudness has no variance → r None.
    let silence = run("silence", &|c| Waveform::silence(c.real.duration(), RATE));
    assert_eq!(silence.onsets_vs_annotations.ap, Some(0.0));
    assert_eq!(silence.onsets_vs_real.accuracy, Some(0.0));
    assert_eq!(silence.hits.loudness_r, None);
    assert!(silence.cochleagram_mae.unwrap() > 0.0);
    // The same clips shifted 0.2 s late (beyond the ±0.1 s tolerance): AP 0.
    let late = run("late", &|c| clip(c.id[4..].parse().unwrap(), 0.2).0);
    assert_eq!(late.onsets_vs_annotations.ap, Some(0.0));
    assert_eq!(late.onsets_vs_real.ap, Some(0.0));
}
