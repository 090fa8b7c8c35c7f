//! Example-based synthesis on hand-built cochleagrams and tones (no model, no FFmpeg).
//!
//! A hand-built "material" m is a spectral shape over the 42 bands (a bump centred on band
//! `centre[m]`) with an exponential decay; its sound is a decaying sinusoid. The hand-built
//! cochleagram of a hit at τ seconds with amplitude a: rows t ≥ t0 = ceil(τ·90) hold
//! (a·shape[b]·exp(−(t−t0)/decay))^0.3 (SPEC §2 compression 0.3) over a floor; onsets at
//! τ show first at step ceil(τ·90), as an envelope sampled at t/90 s would show them.
use foley::labels::{Action, ActionKind, Material};
use foley::synth::{self, Bank, BankParams, ExampleParams, HitParams, HitSource, Retrieval};
use foley::{Cochleagram, Waveform};

const BANDS: usize = 42;
const RATE: f64 = 90.0;
const SR: u32 = 22_050;
/// Band centres and decays (steps) of three hand-made materials.
const CENTRE: [f32; 3] = [8.0, 20.0, 34.0];
const DECAY: [f32; 3] = [3.0, 8.0, 14.0];
const FREQ: [f32; 3] = [300.0, 1200.0, 5000.0];
const FLOOR: f32 = 0.05;

fn shape(m: usize, b: usize) -> f32 {
    (-((b as f32 - CENTRE[m]) / 4.0).powi(2)).exp()
}

/// Hand-built cochleagram of `hits` = (time s, material, amplitude) over `seconds`.
fn coch(hits: &[(f64, usize, f32)], seconds: f64) -> Cochleagram {
    let frames = (seconds * RATE).round() as usize;
    let mut lin = vec![0.0f32; frames * BANDS];
    for &(tau, m, a) in hits {
        let t0 = (tau * RATE).ceil() as usize;
        for t in t0..frames {
            for b in 0..BANDS {
                lin[t * BANDS + b] += a * shape(m, b) * (-((t - t0) as f32) / DECAY[m]).exp();
            }
        }
    }
    Cochleagram::new(lin.iter().map(|&v| FLOOR.max(v.powf(0.3))).collect(), BANDS, RATE)
}

/// Decaying sinusoid of each hit starting at its time.
fn wave(hits: &[(f64, usize, f32)], seconds: f64) -> Waveform {
    let mut w = Waveform::silence(seconds, SR);
    for &(tau, m, a) in hits {
        let s0 = (tau * SR as f64).round() as usize;
        let tdecay = DECAY[m] / RATE as f32; // same decay as the envelope
        for (i, x) in w.samples[s0..].iter_mut().enumerate() {
            let t = i as f32 / SR as f32;
            *x += 0.5 * a * (-t / tdecay).exp() * (2.0 * std::f32::consts::PI * FREQ[m] * t).sin();
        }
    }
    w
}

fn notes(hits: &[(f64, usize, f32)]) -> Vec<Action> {
    let names = [Material::Wood, Material::Metal, Material::Glass];
    hits.iter()
        .map(|&(t, m, _)| Action { time: t, material: Some(names[m]), action: Some(ActionKind::Hit), reaction: None })
        .collect()
}

/// A bank of 3 clips, each with hits of every material at several amplitudes.
fn bank() -> Bank {
    let clips: Vec<_> = (0..3)
        .map(|k| {
            let hits: Vec<(f64, usize, f32)> =
                (0..6).map(|i| (0.3 + 0.5 * i as f64 + 0.013 * k as f64, i % 3, 0.3 + 0.1 * (i + k) as f32)).collect();
            (wave(&hits, 3.5), coch(&hits, 3.5), notes(&hits))
        })
        .collect();
    Bank::build(&clips, &BankParams::default()).expect("bank builds")
}

#[test]
fn hits_are_found_at_their_onsets() {
    // Onsets 0.5 s apart (well over min_spacing), a quiet one, one at a non-integer step.
    let truth = [(0.2, 0, 0.8), (0.7333, 1, 0.2), (1.25, 2, 0.5), (1.9, 1, 0.05)];
    let c = coch(&truth, 2.5);
    let hits = synth::detect_hits(&c, &HitParams::default()).unwrap();
    assert_eq!(hits.len(), truth.len(), "{hits:?}");
    for (h, &(tau, _, _)) in hits.iter().zip(&truth) {
        // Within one envelope step (1/90 s) of the true onset.
        assert!((h.time - tau).abs() <= 1.0 / RATE, "hit at {} for onset {tau}", h.time);
        assert_eq!(h.step, (tau * RATE).ceil() as usize);
    }
}

#[test]
fn close_hits_keep_the_strongest_and_flat_input_has_none() {
    // Two onsets 3 steps (33 ms) apart, closer than min_spacing 0.1 s: one hit, the louder.
    let c = coch(&[(0.5, 1, 0.1), (0.5 + 3.0 / RATE, 1, 0.9)], 1.0);
    let hits = synth::detect_hits(&c, &HitParams::default()).unwrap();
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert!((hits[0].time - (0.5 + 3.0 / RATE)).abs() <= 1.0 / RATE);
    // A constant cochleagram has zero flux everywhere.
    let flat = Cochleagram::new(vec![0.3; 90 * BANDS], BANDS, RATE);
    assert!(synth::detect_hits(&flat, &HitParams::default()).unwrap().is_empty());
    // A rise smaller than the default threshold (mean rise per band 0.01 < 0.015) is ignored.
    let mut small = vec![0.3; 90 * BANDS];
    small[45 * BANDS..].iter_mut().for_each(|v| *v += 0.01);
    assert!(synth::detect_hits(&Cochleagram::new(small, BANDS, RATE), &HitParams::default()).unwrap().is_empty());
}

#[test]
fn guided_retrieval_adds_hits_where_the_onset_read_out_peaks() {
    // Flux finds the hit at 0.3 s; the read-out also peaks there (p 0.99, nothing new), at
    // 1.0 s over silence (p 0.97: a hit the envelopes miss), at 1.5 s below the threshold
    // (0.9), and 5 steps (56 ms < min_spacing) after the flux hit (0.98: already covered).
    let c = coch(&[(0.3, 1, 0.5)], 2.0);
    let flux_step = (0.3 * RATE).ceil() as usize;
    let mut onset = vec![0.01f32; c.frames()];
    for (step, p) in [(flux_step, 0.99), (90, 0.97), (135, 0.9), (flux_step + 5, 0.98)] {
        onset[step] = p;
    }
    let guide = foley::model::Guide { onset, ..Default::default() };
    let b = bank();
    let hits = |retrieval, read_out| {
        let p = ExampleParams { retrieval, hits: HitParams { read_out, ..Default::default() }, ..Default::default() };
        synth::plan(&c, Some(&guide), &b, &p).unwrap().into_iter().map(|h| h.hit).collect::<Vec<_>>()
    };
    let times = |retrieval, read_out| hits(retrieval, read_out).iter().map(|h| h.time).collect::<Vec<_>>();
    let guided = hits(Retrieval::Material, Some(0.95));
    assert_eq!(guided.len(), 2, "{guided:?}");
    assert!((guided[0].time - 0.3).abs() <= 1.0 / RATE && (guided[1].time - 1.0).abs() <= 1.0 / RATE, "{guided:?}");
    assert_eq!((guided[0].source, guided[1].source), (HitSource::Flux, HitSource::ReadOut));
    // --plot ticks them in different colours (red: flux, blue: read-out), 2 px per step.
    // The ticks share a row of the hit strip, 2 px per step apart.
    let img = synth::plot::render(&c, &guided);
    let (red, blue) = ([220u8, 20, 20], [20u8, 90, 220]);
    let apart = 2 * (guided[1].step - guided[0].step) as u32;
    let ticked = (0..img.height()).any(|y| {
        (0..img.width()).any(|x| img.get_pixel(x, y).0 == red && x + apart < img.width() && img.get_pixel(x + apart, y).0 == blue)
    });
    assert!(ticked, "no red flux tick {apart} px left of a blue read-out tick");
    // A lower threshold takes the 0.9 peak too; off, or with nearest retrieval (SPEC §6),
    // only the flux hit remains.
    assert_eq!(times(Retrieval::Material, Some(0.85)).len(), 3);
    assert_eq!(times(Retrieval::Material, None).len(), 1);
    assert_eq!(times(Retrieval::Nearest, Some(0.95)).len(), 1);
}

#[test]
fn retrieval_picks_the_entry_a_window_was_copied_from() {
    let b = bank();
    assert_eq!(b.len(), 18);
    let w = b.params.window;
    for (i, e) in b.entries.iter().enumerate() {
        // The same window at half the amplitude: compressed values times 0.5^0.3.
        let quieter: Vec<f32> = e.window.iter().map(|c| c * 0.5f32.powf(0.3)).collect();
        let loud = synth::window_loudness(&quieter, BANDS, w, 0.3);
        assert!((loud / e.loudness - 0.5).abs() < 1e-4, "loudness is linear in amplitude");
        let (j, d) = b.nearest(&quieter, loud);
        // Loudness normalisation makes the copy exact: distance 0 (up to rounding), and
        // only entries with an identical normalised window could tie.
        assert!(d < 1e-6, "entry {i}: nearest {j} at {d}");
        assert_eq!(b.entries[j].material, e.material);
        if j != i {
            assert_eq!(b.entries[j].window, e.window, "a different entry can only win by being identical");
        }
    }
}

#[test]
fn guided_retrieval_follows_the_material_and_action_read_out() {
    use foley::dataset::Material;
    let mut b = bank();
    // Half of the metal entries become scratches.
    let metal: Vec<usize> = (0..b.len()).filter(|&i| b.entries[i].material == Some(Material::Metal)).collect();
    for &i in &metal[..metal.len() / 2] {
        b.entries[i].action = Some(ActionKind::Scratch);
    }
    let c = coch(&[(0.5, 1, 0.5)], 1.0);
    let steps = c.frames();
    let k = Material::ALL.len();
    let m = Material::ALL.iter().position(|x| x.as_str() == "metal").unwrap();
    let material: Vec<f32> = (0..steps * k).map(|i| if i % k == m { 1.0 } else { 0.0 }).collect();
    let p = ExampleParams { retrieval: Retrieval::Material, ..Default::default() };
    for (scratch, want) in [(0.9f32, Some("scratch")), (0.1, Some("hit")), (f32::NAN, None)] {
        let guide = foley::model::Guide {
            material: material.clone(),
            classes: k,
            log_loudness: Vec::new(),
            scratch: if scratch.is_nan() { Vec::new() } else { vec![scratch; steps] },
            ..Default::default()
        };
        let placed = synth::plan(&c, Some(&guide), &b, &p).unwrap();
        assert_eq!(placed.len(), 1);
        assert_eq!(placed[0].material, Some(Material::Metal));
        if let Some(a) = want {
            assert_eq!(placed[0].action.map(ActionKind::as_str), Some(a), "read-out {scratch}");
        }
    }
}

#[test]
fn placed_onsets_land_on_hits_at_the_predicted_loudness() {
    let b = bank();
    // Prediction: a metal hit at amplitude 0.4, a wood hit at 0.2, a glass hit at 0.6.
    let pred = [(0.25, 1, 0.4), (0.8111, 0, 0.2), (1.5, 2, 0.6)];
    let (out, placed) = synth::synthesize(&coch(&pred, 2.0), &b, &ExampleParams::default()).unwrap();
    assert_eq!(out.rate, SR);
    assert_eq!(out.len(), (2.0 * SR as f64).round() as usize, "duration = cochleagram duration");
    assert_eq!(placed.len(), 3);
    let names = ["wood", "metal", "glass"];
    for (p, &(tau, m, a)) in placed.iter().zip(&pred) {
        assert_eq!(p.material.map(Material::as_str), Some(names[m]), "material from the spectral shape");
        let e = &b.entries[p.entry];
        // Gain = predicted / entry loudness; entry amplitudes are known from its source.
        assert!((p.gain * e.loudness - p.loudness).abs() < 1e-5);
        // The placed sound's onset: first sample above 5% of the hit's peak, searched from
        // 50 ms before the true onset; within one envelope step of it.
        let s = ((tau - 0.05) * SR as f64) as usize;
        let seg = &out.samples[s..s + (0.2 * SR as f64) as usize];
        let peak = seg.iter().fold(0.0f32, |m, x| m.max(x.abs()));
        let first = seg.iter().position(|x| x.abs() > 0.05 * peak).unwrap();
        let onset = (s + first) as f64 / SR as f64;
        assert!((onset - tau).abs() <= 1.0 / RATE, "onset {onset} for hit {tau}");
        // Loudness: the sinusoid of amplitude 0.5·a (see `wave`) comes back at 0.5·a, to
        // within the entry's 16-bit-free float precision and one period of sampling.
        assert!((peak - 0.5 * a).abs() < 0.05 * 0.5 * a, "peak {peak} for amplitude {a}");
    }
}

#[test]
fn dynamics_narrow_loudness_in_db_about_the_bank_median() {
    let b = bank();
    let reference = b.median_loudness();
    assert!(reference > 0.0);
    // Hits from 8× quieter to 4× louder than a middling one.
    let pred = [(0.25, 1, 0.05), (0.8, 0, 0.4), (1.5, 2, 1.6)];
    let c = coch(&pred, 2.0);
    let plan = |dynamics| synth::plan(&c, None, &b, &ExampleParams { dynamics, ..Default::default() }).unwrap();
    let (full, half) = (plan(1.0), plan(0.5));
    assert_eq!(full.len(), 3);
    let db = |x: f32| 20.0 * (x / reference).log10();
    for (f, h) in full.iter().zip(&half) {
        assert_eq!(f.entry, h.entry, "dynamics change gains, not choices");
        // Half the distance from the median in dB, and the gain follows the loudness.
        assert!((db(h.loudness) - 0.5 * db(f.loudness)).abs() < 1e-3, "{} vs {}", h.loudness, f.loudness);
        assert!((h.gain * b.entries[h.entry].loudness - h.loudness).abs() < 1e-5);
    }
    // The loudest and quietest hits end up closer together, in the same order.
    let spread = |p: &[synth::PlacedHit]| db(p[2].loudness) - db(p[0].loudness);
    assert!(spread(&half) > 0.0 && (spread(&half) - 0.5 * spread(&full)).abs() < 1e-3);
    let bad = ExampleParams { dynamics: 0.0, ..Default::default() };
    assert!(synth::plan(&c, None, &b, &bad).unwrap_err().to_string().contains("dynamics"));
}

#[test]
fn random_retrieval_is_deterministic_for_a_seed() {
    let b = bank();
    let pred: Vec<_> = (0..8).map(|i| (0.2 + 0.4 * i as f64, i % 3, 0.5)).collect();
    let c = coch(&pred, 3.5);
    let run = |seed| {
        let p = ExampleParams { retrieval: Retrieval::Random, seed, ..Default::default() };
        synth::synthesize(&c, &b, &p).unwrap()
    };
    let (a, pa) = run(1);
    let (a2, _) = run(1);
    let (_, pb) = run(2);
    assert_eq!(a, a2);
    let ids = |p: &[synth::PlacedHit]| p.iter().map(|h| h.entry).collect::<Vec<_>>();
    // 8 draws from 18 entries agree for two seeds with probability (1/18)^8: never.
    assert_ne!(ids(&pa), ids(&pb));
}

#[test]
fn bank_round_trips_through_safetensors() {
    let b = bank();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bank.safetensors");
    b.save(&path).unwrap();
    let l = Bank::load(&path).unwrap();
    assert_eq!(l.params, b.params);
    assert_eq!(l.bands, b.bands);
    assert_eq!(l.len(), b.len());
    for (x, y) in b.entries.iter().zip(&l.entries) {
        assert_eq!((&x.window, x.onset, x.loudness), (&y.window, y.onset, y.loudness));
        assert_eq!((&x.material, &x.action, &x.source, x.time), (&y.material, &y.action, &y.source, y.time));
        assert_eq!(x.snippet.len(), y.snippet.len());
        // 16-bit storage scaled to each snippet's peak: error ≤ half a step, peak/32767/2.
        let peak = x.snippet.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        let err = x.snippet.iter().zip(&y.snippet).fold(0.0f32, |m, (a, b)| m.max((a - b).abs()));
        assert!(err <= peak / 32767.0 * 0.5 + 1e-7, "{err}");
    }
}

#[test]
fn bad_bank_files_are_named_and_explained() {
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.safetensors");
    std::fs::write(&junk, b"not a bank").unwrap();
    let e = Bank::load(&junk).unwrap_err().to_string();
    assert!(e.contains("junk.safetensors") && e.contains("not a safetensors sound bank"), "{e}");
    let e = Bank::load(&dir.path().join("missing.safetensors")).unwrap_err().to_string();
    assert!(e.contains("missing.safetensors"), "{e}");
    // A bank from another version: rewrite the version in the metadata (same byte length).
    let good = dir.path().join("bank.safetensors");
    bank().save(&good).unwrap();
    let bytes = std::fs::read(&good).unwrap();
    let old = dir.path().join("old.safetensors");
    let mut tampered = bytes.clone();
    let pos = bytes.windows(13).position(|w| w == b"\"version\":\"1\"").expect("version in header");
    tampered[pos + 11] = b'9';
    std::fs::write(&old, tampered).unwrap();
    let e = Bank::load(&old).unwrap_err().to_string();
    assert!(e.contains("old.safetensors") && e.contains("version 9"), "{e}");
}

#[test]
fn blockwise_rendering_equals_whole_rendering() {
    let b = bank();
    // Loud hits 30 ms apart overlap (sum > 1) so the clip-wide normalisation is exercised.
    let pred = [(0.3, 1, 3.0), (0.33, 2, 3.0), (1.0, 0, 0.5)];
    let c = coch(&pred, 1.5);
    let p = ExampleParams { hits: HitParams { min_spacing: 0.02, ..Default::default() }, ..Default::default() };
    let placed = synth::plan(&c, None, &b, &p).unwrap();
    let r = synth::Renderer::new(&b, &placed, c.duration()).unwrap();
    let whole = r.render_all();
    assert!(whole.peak() <= 1.0 + 1e-6);
    // Blocks of an odd size (1000 samples) that cut through snippets.
    let mut blocks = Vec::new();
    let mut buf = vec![0.0; 1000];
    for start in (0..r.len()).step_by(1000) {
        let n = 1000.min(r.len() - start);
        r.render(start, &mut buf[..n]);
        blocks.extend_from_slice(&buf[..n]);
    }
    assert_eq!(blocks, whole.samples);
}

#[test]
fn background_keeps_the_floor_and_removes_hits() {
    // Material 0 hits (decay 3 steps) of amplitude ≤ 0.8 fall below the floor, compressed,
    // when 0.8·e^(−t/3) < 0.05^(1/0.3), i.e. after t = 3·ln(0.8/0.05^(1/0.3)) ≈ 29 steps. Hits
    // 45 steps (0.5 s) apart leave floor steps in every 47-step (±0.25 s) window, so the
    // running minimum is the floor everywhere.
    let c = coch(&[(0.3, 0, 0.8), (0.8, 0, 0.5), (1.3, 0, 0.7)], 2.0);
    let bg = synth::background(&c, 0.25);
    assert_eq!((bg.frames(), bg.bands), (c.frames(), c.bands));
    assert!(bg.data.iter().all(|&v| (v - FLOOR).abs() < 1e-6), "floor kept, hits gone");
    // A steady level change lasting longer than 0.5 s is kept (it is background).
    let mut data = vec![0.1f32; 180 * BANDS];
    data[60 * BANDS..].iter_mut().for_each(|v| *v = 0.4);
    let bg = synth::background(&Cochleagram::new(data, BANDS, RATE), 0.25);
    assert_eq!(bg.frame(179)[0], 0.4);
    assert_eq!(bg.frame(0)[0], 0.1);
}

#[test]
fn noise_fill_has_the_background_it_is_shaped_to() {
    // A floor that tilts across the bands and steps up halfway (3 s at 90 Hz).
    let frames = 270;
    let level = |t: usize, b: usize| (0.08 + 0.25 * b as f32 / BANDS as f32) * if t < 135 { 1.0 } else { 1.6 };
    let data: Vec<f32> = (0..frames * BANDS).map(|i| level(i / BANDS, i % BANDS)).collect();
    let target = Cochleagram::new(data, BANDS, RATE);
    let params = foley::cochleagram::Params::default();
    let fill = synth::background::NoiseFill::new(&target, &params, 48_000, 5).unwrap();
    assert_eq!(fill.len(), 144_000);
    let mut whole = vec![0.0f32; fill.len()];
    fill.render(0, &mut whole);
    // Blocks of any size give the same samples.
    let mut blocks = vec![0.0f32; fill.len()];
    for (i, chunk) in blocks.chunks_mut(7_777).enumerate() {
        fill.render(i * 7_777, chunk);
    }
    assert_eq!(whole, blocks);
    let heard = foley::cochleagram::features(&Waveform::new(whole, 48_000), &params).unwrap();
    // Away from the step and the edges, each band's mean level is the target's times
    // Γ(1.15) = 0.933: noise envelopes of RMS A are Rayleigh-distributed, E[R^0.3] = Γ(1.15)·A^0.3.
    for (lo, hi) in [(20usize, 115usize), (155, 250)] {
        let mut worst = 0.0f32;
        for b in 1..BANDS - 1 {
            let mean = (lo..hi).map(|t| heard.frame(t)[b]).sum::<f32>() / (hi - lo) as f32;
            let expected = 0.933 * level(lo, b);
            worst = worst.max((mean - expected).abs() / expected);
        }
        // (measured: 4.9 % and 4.0 %)
        assert!(worst < 0.08, "steps {lo}..{hi}: worst relative band error {worst}");
    }
}

/// `typical_only`: an entry that sounds like another material than its label (a wood hit
/// labelled glass) is dropped, because a classifier fitted on the other clips names it
/// wood; the rightly labelled entries stay. Off, every entry stays.
#[test]
fn typical_only_drops_entries_that_sound_like_another_material() {
    let clips: Vec<_> = (0..4)
        .map(|k| {
            let hits: Vec<(f64, usize, f32)> =
                (0..9).map(|i| (0.3 + 0.5 * i as f64 + 0.011 * k as f64, i % 3, 0.3 + 0.07 * (i + k) as f32)).collect();
            let mut labels = notes(&hits);
            if k < 2 {
                labels[3 + 3 * k].material = Some(Material::Glass); // a wood hit
            }
            (wave(&hits, 5.0), coch(&hits, 5.0), labels)
        })
        .collect();
    // Wood hits are at 0.3, 1.8, 3.3 s (+ 0.011 s per clip).
    let mislabelled =
        |b: &Bank| b.entries.iter().filter(|e| e.material == Some(Material::Glass) && ((e.time - 0.3) / 1.5).fract() < 0.05).count();
    let all = Bank::build(&clips, &BankParams::default()).unwrap();
    assert_eq!(all.len(), 36);
    assert_eq!(mislabelled(&all), 2);
    let typical = Bank::build(&clips, &BankParams { typical_only: true, ..Default::default() }).unwrap();
    assert_eq!(mislabelled(&typical), 0, "mislabelled entries kept");
    assert_eq!(typical.len(), 34, "rightly labelled entries dropped");
    for m in ["wood", "metal", "glass"] {
        assert!(typical.entries.iter().any(|e| e.material.map(Material::as_str) == Some(m)), "{m} lost");
    }
    // The bank file records how it was built.
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("b.safetensors");
    typical.save(&p).unwrap();
    assert!(Bank::load(&p).unwrap().params.typical_only);
}
