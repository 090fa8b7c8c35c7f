//! The synthetic generator with recorded sounds (`--sound recorded`: samples of Debian's
//! fluid-soundfont-gm, which tools/setup installs): hits are audio onsets at the annotated
//! times, the same seed gives the same audio, the pictures and annotations do not depend on
//! the sound source, and the materials keep their different spectra.
use foley::dataset::synth::recorded::{soundfont, Player, RecordedVoice, SOUNDFONT};
use foley::dataset::synth::{render_clip, Scene, SoundSource, SynthConfig};
use foley::labels::Material;
use foley::metrics::onset::{detect_onsets, OnsetParams};
use foley::Waveform;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

fn cfg(sound: SoundSource) -> SynthConfig {
    let c = SynthConfig { seconds: 6.0, width: 160, height: 120, sound, ..SynthConfig::default() };
    // tools/setup installs the SoundFont (CI runs it): its absence is a failure, not a skip.
    c.validate().unwrap_or_else(|e| panic!("{e}"));
    c
}

/// Mean square of the first difference over `[t0, t1)` s (as tests/dataset_synth.rs).
fn energy(w: &Waveform, t0: f64, t1: f64) -> f64 {
    let r = w.rate as f64;
    let (a, b) = (((t0 * r).round().max(1.0)) as usize, ((t1 * r).round() as usize).min(w.len()));
    let s: f64 = (a..b).map(|i| ((w.samples[i] - w.samples[i - 1]) as f64).powi(2)).sum();
    s / (b - a).max(1) as f64
}

#[test]
fn soundfont_is_installed() {
    assert!(std::path::Path::new(SOUNDFONT).is_file(), "{SOUNDFONT} missing: run tools/setup (installs fluid-soundfont-gm)");
    soundfont().unwrap();
}

/// The criterion of tests/dataset_synth.rs on recorded clips: the pre-emphasised energy of
/// the 5 ms after an annotation is at least 3 dB above that of the 10 ms before it. It holds
/// for every modal action; recorded, it holds for 271 of 273 actions of seeds 0..48 (the two
/// others: soft hits on a still ringing bell and a muted kick under the last one's tail), so
/// at least 97 % must pass; 40 ms earlier (the silent approach) it must rarely hold.
#[test]
fn recorded_hits_are_audio_onsets_within_5_ms() {
    let (mut total, mut rises, mut false_rises, mut weak) = (0, 0, 0, Vec::new());
    for seed in 0..16u64 {
        let clip = render_clip(seed, &cfg(SoundSource::Recorded));
        for a in &clip.actions {
            let (after, before) = (energy(&clip.audio, a.time, a.time + 0.005), energy(&clip.audio, a.time - 0.010, a.time));
            total += 1;
            if after >= 2.0 * before {
                rises += 1;
            } else {
                weak.push(format!("seed {seed} {:.3} {:?} {:?}: {:.1} dB", a.time, a.material, a.action, 10.0 * (after / before).log10()));
            }
            let t = a.time - 0.040;
            false_rises += usize::from(energy(&clip.audio, t, t + 0.005) >= 2.0 * energy(&clip.audio, t - 0.010, t));
        }
    }
    eprintln!("{rises} of {total} actions rise by 3 dB within 5 ms; {false_rises} control rises; {weak:?}");
    assert!(total > 40);
    assert!(rises as f64 >= 0.97 * total as f64, "only {rises} of {total} annotations are onsets: {weak:?}");
    assert!(false_rises * 10 < total, "criterion fires away from onsets too ({false_rises} of {total})");
}

/// SPEC §7's onset detector finds the recorded hits at their annotated times, with the
/// modal clips as the baseline measured in the same run. Over seeds 0..48 it found 247 of
/// 273 recorded annotations within 20 ms (modal: 270 of 273); the misses are soft hits next
/// to louder ones whose energy is tonal or above the detector's 11 kHz band (glockenspiel,
/// cabasa, maracas), where the modal voice adds a broadband contact burst. So at least 85 %
/// must be found, and the median offset must be within 5 ms of the modal clips' (the
/// detector itself reports onsets about 11 ms late). The default hop (512 at 22 050 Hz, 23 ms) cannot place an
/// onset within 20 ms, so the detector runs with a 128-sample hop (5.8 ms), otherwise as
/// SPEC §7 sets it.
#[test]
fn detected_onsets_match_annotations_within_20_ms() {
    let params = OnsetParams { hop: 128, ..OnsetParams::default() };
    let stats = |sound| {
        let (mut found, mut total, mut errors) = (0, 0, Vec::new());
        for seed in 0..16u64 {
            let clip = render_clip(seed, &cfg(sound));
            let onsets = detect_onsets(&clip.audio, &params).times();
            for a in &clip.actions {
                total += 1;
                let near = onsets.iter().map(|o| o - a.time).filter(|e| e.abs() <= 0.020);
                if let Some(e) = near.min_by(|x, y| x.abs().total_cmp(&y.abs())) {
                    found += 1;
                    errors.push(e);
                }
            }
        }
        errors.sort_by(f64::total_cmp);
        (found, total, errors[errors.len() / 2])
    };
    let (found, total, median) = stats(SoundSource::Recorded);
    let (m_found, m_total, m_median) = stats(SoundSource::Modal);
    eprintln!(
        "within 20 ms: recorded {found} of {total} (median offset {:.1} ms), modal {m_found} of {m_total} ({:.1} ms)",
        1e3 * median,
        1e3 * m_median
    );
    assert!(total > 40);
    assert!(found as f64 >= 0.85 * total as f64, "only {found} of {total} recorded hits detected within 20 ms");
    assert!((median - m_median).abs() <= 0.005, "recorded onsets {:.1} ms off the modal ones", 1e3 * (median - m_median));
}

#[test]
fn same_seed_same_audio_and_the_sound_source_changes_only_the_sound() {
    let c = SynthConfig { seconds: 3.0, ..cfg(SoundSource::Recorded) };
    let (a, b, other) = (render_clip(6, &c), render_clip(6, &c), render_clip(10, &c));
    assert!(!a.actions.is_empty() && a.materials.iter().all(|&m| m != Material::Water), "seed 6 should have recorded hits");
    // Booleans, not assert_eq!: a failing Waveform comparison would print 144 000 samples.
    assert!(a.audio == b.audio, "the same seed gave different audio");
    assert!(a.audio != other.audio);
    let modal = render_clip(6, &SynthConfig { sound: SoundSource::Modal, ..c.clone() });
    assert_eq!(a.actions, modal.actions);
    assert!(a.frames == modal.frames);
    assert!(a.audio != modal.audio);
}

#[test]
fn mixed_draws_both_sources_per_video() {
    let (c, m) = (cfg(SoundSource::Mixed), cfg(SoundSource::Recorded));
    let kinds: Vec<bool> = (0..24u64).map(|s| Scene::plan(s, &c).is_recorded()).collect();
    let n = kinds.iter().filter(|&&k| k).count();
    // Binomial(24, 0.5): 4..=20 holds with probability 0.9995.
    assert!((4..=20).contains(&n), "{n} of 24 mixed videos recorded");
    assert!((0..8u64).all(|s| Scene::plan(s, &m).is_recorded()));
    assert!((0..8u64).all(|s| !Scene::plan(s, &cfg(SoundSource::Modal)).is_recorded()));
}

/// Spectral centroid (Hz) of the first 170 ms (8192 samples at 48 kHz, Hann window) of `x`.
fn centroid(x: &[f32], rate: u32) -> f64 {
    let n = 8192;
    let mut planner = realfft::RealFftPlanner::<f64>::new();
    let fft = planner.plan_fft_forward(n);
    let mut buf: Vec<f64> = (0..n).map(|i| x.get(i).copied().unwrap_or(0.0) as f64 * (0.5 - 0.5 * (std::f64::consts::TAU * i as f64 / n as f64).cos())).collect();
    let mut spec = fft.make_output_vec();
    fft.process(&mut buf, &mut spec).unwrap();
    let (mut num, mut den) = (0.0, 0.0);
    for (k, c) in spec.iter().enumerate() {
        let p = c.norm_sqr();
        num += p * k as f64 * rate as f64 / n as f64;
        den += p;
    }
    num / den
}

/// Mean spectral centroid of full-speed hits of `m` over 24 drawn objects (takes, keys,
/// pitch offsets).
fn material_centroid(m: Material, player: &mut Player, rate: u32) -> f64 {
    let mut rng = ChaCha8Rng::seed_from_u64(m.index() as u64);
    let mut sum = 0.0;
    for _ in 0..24 {
        let kit = RecordedVoice::new(m, &mut rng).expect("recorded palette").prepare(player);
        let mut out = vec![0f32; 8192 + 480];
        kit.hit(player, &mut out, 0.01, 1.0, &mut rng);
        sum += centroid(&out[470..], rate);
    }
    sum / 24.0
}

/// The palette keeps the materials apart as a listener would: ringing hard materials are
/// brighter than soft ones (metal and glass above cloth and carpet, by well over an octave;
/// glass above wood).
#[test]
fn materials_have_different_spectra() {
    let rate = 48_000;
    let mut player = Player::new(soundfont().unwrap(), rate).unwrap();
    let c: Vec<(Material, f64)> =
        Material::ALL.iter().filter(|&&m| m != Material::Water).map(|&m| (m, material_centroid(m, &mut player, rate))).collect();
    for (m, hz) in &c {
        eprintln!("{:>12} {hz:6.0} Hz", m.to_string());
    }
    let of = |m: Material| c.iter().find(|x| x.0 == m).unwrap().1;
    for (bright, dull) in [(Material::Metal, Material::Cloth), (Material::Metal, Material::Carpet), (Material::Glass, Material::Cloth), (Material::Glass, Material::Carpet)] {
        assert!(of(bright) > 3.0 * of(dull), "{bright}: {:.0} Hz is not well above {dull}: {:.0} Hz", of(bright), of(dull));
    }
    assert!(of(Material::Glass) > of(Material::Wood), "glass {:.0} Hz vs wood {:.0} Hz", of(Material::Glass), of(Material::Wood));
}
