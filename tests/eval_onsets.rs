//! Onset metric (SPEC §7) against an independent implementation: tools/onset_ref.py (librosa
//! 0.11 `onset_detect` + its own AP code) scored the same audio; its numbers are committed in
//! tests/fixtures/eval_onset_ref.json. The audio is generated here, deterministically.
//!
//! Regenerate the reference numbers (after changing the fixture audio):
//!   tools/eval_onset_fixture
//! which runs `cargo test --test eval_onsets -- --ignored write_fixture_audio` (writes the WAVs
//! to $FOLEY_EVAL_FIXTURE_DIR) and then `tools/onset_ref.py DIR --out tests/fixtures/eval_onset_ref.json`.
use foley::audio::{read_wav, write_wav, SampleFormat};
use foley::metrics::{detect_onsets, score_onsets, ClipScore, OnsetParams, OnsetSummary};
use foley::Waveform;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::path::Path;

mod eval_common;
use eval_common::{add_impact, noise, RATE, SECONDS};

/// Fixture clips: (name, generated, real, annotated times). The "real" sound has 3–7 impacts
/// ≥ 0.3 s apart; the "generated" one keeps each with probability 0.8, jitters its time
/// (σ 50 ms, so some fall outside ±0.1 s), changes its timbre and loudness, and adds spurious
/// impacts and more noise. Clip 7's generated sound is silent (scores 0 by definition).
fn fixture_clips() -> Vec<(String, Waveform, Waveform, Vec<f64>)> {
    (0..8u64)
        .map(|c| {
            let mut rng = ChaCha8Rng::seed_from_u64(1000 + c);
            let mut times = Vec::new();
            let mut t = rng.random_range(0.2..0.6);
            while t < SECONDS - 0.5 && times.len() < 7 {
                times.push(t);
                t += rng.random_range(0.3..0.9);
            }
            let mut real = noise(&mut rng, 0.002);
            for &t in &times {
                let amp = rng.random_range(0.1..0.8);
                add_impact(&mut real, &mut rng, t, amp);
            }
            let mut gen = noise(&mut rng, 0.01);
            if c != 7 {
                for &t in &times {
                    if rng.random_bool(0.8) {
                        let jitter: f64 = rng.sample::<f64, _>(rand_distr::StandardNormal) * 0.05;
                        let amp = rng.random_range(0.05..0.8);
                        add_impact(&mut gen, &mut rng, (t + jitter).max(0.0), amp);
                    }
                }
                for _ in 0..rng.random_range(0..3) {
                    let t = rng.random_range(0.1..SECONDS - 0.3);
                    let amp = rng.random_range(0.05..0.5);
                    add_impact(&mut gen, &mut rng, t, amp);
                }
            } else {
                gen.iter_mut().for_each(|v| *v = 0.0);
            }
            let clip = |x: Vec<f32>| Waveform::new(x.into_iter().map(|v| v.clamp(-1.0, 1.0)).collect(), RATE);
            (format!("clip{c}"), clip(gen), clip(real), times)
        })
        .collect()
}

/// FNV-1a 64 over the int16 little-endian samples (as tools/onset_ref.py computes it).
fn fnv1a_int16(w: &Waveform) -> String {
    let bytes: Vec<u8> =
        w.samples.iter().flat_map(|s| ((s * 32768.0).round().clamp(-32768.0, 32767.0) as i16).to_le_bytes()).collect();
    format!("{:016x}", foley::stats::fnv1a(&bytes))
}

/// Write each clip as 16-bit WAV and read it back, so both implementations see the same samples.
fn write_clips(dir: &Path) -> Vec<(String, Waveform, Waveform, Vec<f64>)> {
    fixture_clips()
        .into_iter()
        .map(|(name, gen, real, times)| {
            let g = dir.join(format!("{name}_gen.wav"));
            let r = dir.join(format!("{name}_real.wav"));
            write_wav(&g, &gen, SampleFormat::Int16).unwrap();
            write_wav(&r, &real, SampleFormat::Int16).unwrap();
            let lines: String = times.iter().map(|t| format!("{t:.6} wood hit static\n")).collect();
            std::fs::write(dir.join(format!("{name}_times.txt")), lines).unwrap();
            // Annotated times as written (6 decimals), as the reference reads them.
            let times = times.iter().map(|t| format!("{t:.6}").parse().unwrap()).collect();
            (name, read_wav(&g).unwrap(), read_wav(&r).unwrap(), times)
        })
        .collect()
}

/// Writes the fixture audio for tools/onset_ref.py into `FOLEY_EVAL_FIXTURE_DIR` (run by
/// tools/eval_onset_fixture); without it, into a temporary folder, checking that every clip
/// it writes reads back (so `cargo test -- --ignored` runs it as a test).
#[test]
#[ignore = "writes the fixture audio for tools/onset_ref.py; run by tools/eval_onset_fixture"]
fn write_fixture_audio() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = std::env::var("FOLEY_EVAL_FIXTURE_DIR").map(std::path::PathBuf::from).unwrap_or_else(|_| tmp.path().to_path_buf());
    std::fs::create_dir_all(&dir).unwrap();
    let clips = write_clips(&dir);
    assert!(!clips.is_empty());
    let wavs = std::fs::read_dir(&dir).unwrap().filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "wav")).count();
    assert_eq!(wavs, 2 * clips.len(), "a generated and a real WAV per clip");
}

#[test]
fn onset_metric_agrees_with_librosa_reference() {
    let reference: serde_json::Value =
        serde_json::from_str(include_str!("fixtures/eval_onset_ref.json")).expect("fixture JSON");
    let tmp = tempfile::tempdir().unwrap();
    let clips = write_clips(tmp.path());
    let ref_clips = reference["clips"].as_array().unwrap();
    assert_eq!(ref_clips.len(), clips.len());
    let params = OnsetParams::default();
    let (mut vs_real, mut vs_times) = (Vec::<ClipScore>::new(), Vec::<ClipScore>::new());
    let (mut onsets_total, mut onsets_same) = (0usize, 0usize);
    for ((name, gen, real, times), rc) in clips.iter().zip(ref_clips) {
        assert_eq!(rc["name"], name.as_str());
        // Same audio as the reference scored (else rerun tools/eval_onset_fixture).
        assert_eq!(rc["gen_hash"], fnv1a_int16(gen).as_str(), "{name}: fixture audio changed");
        assert_eq!(rc["real_hash"], fnv1a_int16(real).as_str(), "{name}: fixture audio changed");
        let g = detect_onsets(gen, &params);
        let r = detect_onsets(real, &params);
        for (ours, key) in [(&g.samples, "gen_onsets"), (&r.samples, "real_onsets")] {
            let theirs: Vec<usize> = rc[key].as_array().unwrap().iter().map(|v| v.as_u64().unwrap() as usize).collect();
            onsets_total += theirs.len().max(ours.len());
            onsets_same += ours.iter().filter(|s| theirs.contains(s)).count();
        }
        vs_real.push(score_onsets(&g, &r.times()));
        vs_times.push(score_onsets(&g, times));
    }
    let ours_real = OnsetSummary::from_clips(&vs_real);
    let ours_times = OnsetSummary::from_clips(&vs_times);
    let theirs_real = reference["summary"]["vs_real"]["ap"].as_f64().unwrap();
    let theirs_times = reference["summary"]["vs_times"]["ap"].as_f64().unwrap();
    eprintln!(
        "AP vs real onsets: foley {:.4} librosa {theirs_real:.4}; AP vs annotations: foley {:.4} librosa {theirs_times:.4}; \
         onsets identical {onsets_same}/{onsets_total}",
        ours_real.ap.unwrap(),
        ours_times.ap.unwrap()
    );
    assert!((ours_real.ap.unwrap() - theirs_real).abs() <= 0.02);
    assert!((ours_times.ap.unwrap() - theirs_times).abs() <= 0.02);
    // The detector itself matches librosa's frame by frame on (nearly) every onset.
    assert!(onsets_same as f64 >= 0.95 * onsets_total as f64, "{onsets_same}/{onsets_total}");
    // The fixture is not degenerate: scores lie strictly between the trivial extremes.
    assert!(ours_real.ap.unwrap() > 0.2 && ours_real.ap.unwrap() < 0.95);
}

/// Four impacts at known times (0.5, 1.3, 2.1, 2.9 s), in a 4 s clip at `rate`, optionally
/// shifted and with one left out.
fn four_hits(rate_shift: f64, skip: Option<usize>) -> (Waveform, Vec<f64>) {
    let times = vec![0.5, 1.3, 2.1, 2.9];
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let mut x = noise(&mut rng, 0.001);
    for (i, &t) in times.iter().enumerate() {
        if Some(i) != skip {
            add_impact(&mut x, &mut rng, t + rate_shift, 0.5);
        }
    }
    (Waveform::new(x, RATE), times)
}

#[test]
fn hand_built_cases_have_known_scores() {
    let p = OnsetParams::default();
    let (wave, times) = four_hits(0.0, None);
    let onsets = detect_onsets(&wave, &p);
    // Every impact is detected, within one hop (512/22050 = 23 ms) plus the detector's
    // 3-frame centring shift uncertainty; no extra onsets.
    assert_eq!(onsets.samples.len(), 4, "{:?}", onsets.times());
    for (d, t) in onsets.times().iter().zip(&times) {
        assert!((d - t).abs() < 0.05, "detected {d} for {t}");
    }
    // Perfect prediction (the real sound itself) → AP 1 and accuracy 1, against its own onsets
    // and against the annotations.
    for reference in [onsets.times(), times.clone()] {
        let s = score_onsets(&onsets, &reference);
        assert_eq!((s.ap, s.accuracy, s.count_right), (Some(1.0), Some(1.0), true));
    }
    // Shifted by 0.2 s (> 0.1 s tolerance) → 0.
    let (shifted, _) = four_hits(0.2, None);
    let s = score_onsets(&detect_onsets(&shifted, &p), &times);
    assert_eq!((s.ap, s.accuracy), (Some(0.0), Some(0.0)));
    // One missed hit of four → accuracy 0.75, and AP 0.75 (the three found rank first).
    let (missing, _) = four_hits(0.0, Some(2));
    let s = score_onsets(&detect_onsets(&missing, &p), &times);
    assert_eq!((s.accuracy, s.ap, s.count_right), (Some(0.75), Some(0.75), false));
    // Silence → no generated onsets → 0.
    let s = score_onsets(&detect_onsets(&Waveform::silence(4.0, RATE), &p), &times);
    assert_eq!((s.ap, s.accuracy, s.generated), (Some(0.0), Some(0.0), 0));
}

#[test]
fn other_sample_rates_are_resampled_first() {
    // The same impacts generated at 48 kHz are found at the same times (±1 hop, 23 ms).
    let (wave, times) = four_hits(0.0, None);
    let at48 = foley::audio::resample(&wave, 48_000);
    let onsets = detect_onsets(&at48, &OnsetParams::default());
    assert_eq!(onsets.signal.rate, RATE);
    assert_eq!(onsets.samples.len(), 4, "{:?}", onsets.times());
    let s = score_onsets(&onsets, &times);
    assert_eq!(s.ap, Some(1.0));
}
