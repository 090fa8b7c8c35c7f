//! The synthetic generator's looks (`--style a` for training, `--style b` the foreign test
//! look): deterministic per seed, different from each other in simple frame statistics, a
//! skin-coloured hand holding the stick, a handheld camera that moves the background in
//! style "a" (and a camera on a stand in "b"), and the contact semantics of the first look
//! kept in the second.
use foley::dataset::synth::scene::Layers;
use foley::dataset::synth::{render_clip, Scene, Style, SynthConfig};
use foley::dataset::ActionKind;

mod dataset_util;
use dataset_util::{accuracy, ridge, standardize};

fn cfg(style: Style) -> SynthConfig {
    SynthConfig { seconds: 4.0, width: 160, height: 120, style, ..SynthConfig::default() }
}

/// FNV-1a over all frames.
fn frames_hash(frames: &[image::RgbImage]) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    for f in frames {
        for &b in f.as_raw() {
            h = (h ^ b as u64).wrapping_mul(0x100_0000_01b3);
        }
    }
    h
}

#[test]
fn same_seed_same_frames_in_each_style_and_the_styles_differ() {
    for style in [Style::A, Style::B] {
        let c = SynthConfig { seconds: 2.0, ..cfg(style) };
        let (a, b) = (render_clip(3, &c), render_clip(3, &c));
        assert_eq!(frames_hash(&a.frames), frames_hash(&b.frames), "{style}: same seed, other frames");
        assert_eq!(a.actions, b.actions);
        assert_ne!(frames_hash(&a.frames), frames_hash(&render_clip(4, &c).frames), "{style}: other seed, same frames");
    }
    let (a, b) = (render_clip(3, &SynthConfig { seconds: 2.0, ..cfg(Style::A) }), render_clip(3, &SynthConfig { seconds: 2.0, ..cfg(Style::B) }));
    assert_ne!(frames_hash(&a.frames), frames_hash(&b.frames));
}

#[test]
fn both_styles_draw_the_same_materials_for_a_seed() {
    // The look draws from its own random stream: widening it changed no onset, label or
    // sample (the committed datasets/sample is checked against that in dataset_check.rs).
    // Style "b" lays the surface out differently (its choreography differs) but draws the
    // same materials.
    let (a, b) = (render_clip(11, &cfg(Style::A)), render_clip(11, &cfg(Style::B)));
    assert_eq!(a.materials, b.materials, "both styles draw the same materials first");
    assert_eq!(a.audio.samples.len(), b.audio.samples.len());
}

/// Frame statistics: luma mean and spread, saturation mean and spread, mean absolute
/// horizontal gradient and Laplacian, their ratio, the share of flat pixels (|Laplacian| <
/// 3 levels), the Laplacian's peakedness (mean square over squared mean), the share of the
/// 256 levels of the red channel in use, and the mean absolute luma change to `next`.
fn stats(f: &image::RgbImage, next: &image::RgbImage) -> Vec<f64> {
    let (w, h) = (f.width() as usize, f.height() as usize);
    let px = f.as_raw();
    let lum = |x: usize, y: usize| {
        let i = (y * w + x) * 3;
        0.299 * px[i] as f64 + 0.587 * px[i + 1] as f64 + 0.114 * px[i + 2] as f64
    };
    let n = (w * h) as f64;
    let (mut m, mut m2, mut s, mut s2) = (0.0, 0.0, 0.0, 0.0);
    for p in px.chunks_exact(3) {
        let l = 0.299 * p[0] as f64 + 0.587 * p[1] as f64 + 0.114 * p[2] as f64;
        let (mx, mn) = (p.iter().max().copied().unwrap_or(0) as f64, p.iter().min().copied().unwrap_or(0) as f64);
        let sat = if mx > 0.0 { (mx - mn) / mx } else { 0.0 };
        m += l / n;
        m2 += l * l / n;
        s += sat / n;
        s2 += sat * sat / n;
    }
    let (mut gx, mut lap, mut lap2, mut flat, mut k) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for y in 1..h - 1 {
        for x in 1..w - 1 {
            let c = lum(x, y);
            gx += (lum(x + 1, y) - c).abs();
            let l = (4.0 * c - lum(x - 1, y) - lum(x + 1, y) - lum(x, y - 1) - lum(x, y + 1)).abs();
            lap += l;
            lap2 += l * l;
            flat += (l < 3.0) as u8 as f64;
            k += 1.0;
        }
    }
    let (gx, lap, lap2) = (gx / k, lap / k, lap2 / k);
    let mut used = [false; 256];
    px.chunks_exact(3).for_each(|p| used[p[0] as usize] = true);
    let levels = used.iter().filter(|u| **u).count() as f64 / 256.0;
    let change = f.pixels().zip(next.pixels()).map(|(a, b)| (0..3).map(|c| (a.0[c] as f64 - b.0[c] as f64).abs()).sum::<f64>() / 3.0).sum::<f64>() / n;
    vec![m, (m2 - m * m).max(0.0).sqrt(), s, (s2 - s * s).max(0.0).sqrt(), gx, lap, lap / (gx + 1e-3), flat / k, lap2 / (lap * lap + 1e-6), levels, change, 1.0]
}

#[test]
fn styles_differ_in_frame_statistics() {
    // A linear classifier on the statistics of three frames per clip tells the styles
    // apart on held-out seeds (same seeds for both styles, so the same materials): near
    // 50 % if the looks were alike.
    let data = |seeds: std::ops::Range<u64>| {
        let mut out = Vec::new();
        for seed in seeds {
            for (k, style) in [Style::A, Style::B].into_iter().enumerate() {
                let clip = render_clip(seed, &SynthConfig { seconds: 2.0, ..cfg(style) });
                for i in [5, 30, 55] {
                    out.push((stats(&clip.frames[i], &clip.frames[i + 1]), k));
                }
            }
        }
        out
    };
    let (mut train, mut test) = (data(0..24), data(500..512));
    standardize(&mut train, &mut test);
    let acc = accuracy(&ridge(&train, 2, 1.0), &test);
    eprintln!("style a vs b from frame statistics: accuracy {acc:.3} on {} held-out frames", test.len());
    assert!(acc >= 0.85, "the looks are hard to tell apart ({acc:.3})");
}

/// Mean colour (8-bit) of the pixels within `r` of (x, y) that the stick layer changed, if
/// at least `min` did.
#[allow(clippy::too_many_arguments)]
fn changed_colour(full: &[u8], bare: &[u8], w: usize, h: usize, x: f32, y: f32, r: i32, min: usize) -> Option<[f64; 3]> {
    let (cx, cy) = (x.floor() as i32, y.floor() as i32);
    let (mut sum, mut n) = ([0.0; 3], 0.0);
    for dy in -r..=r {
        for dx in -r..=r {
            let (px, py) = (cx + dx, cy + dy);
            if px < 0 || py < 0 || px as usize >= w || py as usize >= h || dx * dx + dy * dy > r * r {
                continue;
            }
            let i = (py as usize * w + px as usize) * 3;
            if (0..3).any(|c| full[i + c].abs_diff(bare[i + c]) > 8) {
                (0..3).for_each(|c| sum[c] += full[i + c] as f64);
                n += 1.0;
            }
        }
    }
    (n >= min as f64).then(|| sum.map(|s| s / n))
}

#[test]
fn a_skin_coloured_hand_holds_the_far_end_of_the_stick() {
    // Where the truth puts the grip, the stick layer draws warm (skin: red above blue,
    // red not below green) pixels, in both styles; at the painted tip it draws the stick.
    for style in [Style::A, Style::B] {
        let c = cfg(style);
        let (w, h) = (c.width as usize, c.height as usize);
        let (mut frames, mut skin) = (0, 0);
        for seed in 0..8u64 {
            let scene = Scene::plan(seed, &c);
            let (mut buf, mut full, mut bare) = (Vec::new(), vec![0u8; w * h * 3], vec![0u8; w * h * 3]);
            for i in (0..c.frames()).step_by(10) {
                let t = scene.frame_with(i, Layers::ALL, &mut buf, &mut full);
                scene.frame_with(i, Layers { stick: false, shadow: true }, &mut buf, &mut bare);
                if t.grip_x < 6.0 || t.grip_y < 6.0 || t.grip_x > w as f32 - 6.0 || t.grip_y > h as f32 - 6.0 {
                    continue;
                }
                frames += 1;
                if let Some(m) = changed_colour(&full, &bare, w, h, t.grip_x, t.grip_y, 3, 12) {
                    if m[0] > m[2] + 3.0 && m[0] >= m[1] - 2.0 {
                        skin += 1;
                    }
                }
            }
        }
        eprintln!("{style}: hand drawn in skin tones at the grip in {skin} of {frames} frames with the grip in view");
        assert!(frames >= 20, "{style}: too few frames with the hand in view ({frames})");
        assert!(skin as f64 >= 0.9 * frames as f64, "{style}: no skin-coloured hand at the grip in {} of {frames} frames", frames - skin);
    }
}

/// Best integer offset (|d| ≤ 4) registering the centre of `b` onto `a`, with the mean
/// absolute luma difference there and at zero offset.
fn register(a: &image::RgbImage, b: &image::RgbImage) -> ((i32, i32), f64, f64) {
    let (w, h) = (a.width() as i32, a.height() as i32);
    let lum = |f: &image::RgbImage, x: i32, y: i32| {
        let p = f.get_pixel(x as u32, y as u32).0;
        0.299 * p[0] as f64 + 0.587 * p[1] as f64 + 0.114 * p[2] as f64
    };
    let cost = |dx: i32, dy: i32| {
        let (mut s, mut n) = (0.0, 0.0);
        for y in (8..h - 8).step_by(2) {
            for x in (8..w - 8).step_by(2) {
                s += (lum(a, x, y) - lum(b, x + dx, y + dy)).abs();
                n += 1.0;
            }
        }
        s / n
    };
    let mut best = ((0, 0), f64::MAX);
    for dy in -4..=4 {
        for dx in -4..=4 {
            let c = cost(dx, dy);
            if c < best.1 {
                best = ((dx, dy), c);
            }
        }
    }
    (best.0, best.1, cost(0, 0))
}

#[test]
fn handheld_shake_moves_the_background_in_style_a_only() {
    // The background alone (no stick, no shadow), registered against the clip's first
    // frame: in style "a" it moves by whole pixels (the registered difference is clearly
    // lower than the unshifted one); in style "b" (a camera on a stand) it stays put.
    let mut moved = [0usize; 2];
    for (k, style) in [Style::A, Style::B].into_iter().enumerate() {
        let c = SynthConfig { seconds: 6.0, width: 320, height: 240, style, ..SynthConfig::default() };
        let (w, h) = (c.width, c.height);
        for seed in 0..6u64 {
            let scene = Scene::plan(seed, &c);
            let mut buf = Vec::new();
            let render = |i: usize, buf: &mut Vec<f32>| {
                let mut img = image::RgbImage::new(w, h);
                scene.frame_with(i, Layers { stick: false, shadow: false }, buf, &mut img);
                img
            };
            let first = render(0, &mut buf);
            let mut max = 0;
            for i in (6..c.frames()).step_by(6) {
                let (d, at_best, at_zero) = register(&first, &render(i, &mut buf));
                if d != (0, 0) && at_best < 0.9 * at_zero {
                    max = max.max(d.0.abs().max(d.1.abs()));
                }
            }
            if max >= 1 {
                moved[k] += 1;
            }
        }
    }
    eprintln!("background moved by ≥ 1 px: style a in {} of 6 clips, style b in {} of 6", moved[0], moved[1]);
    assert!(moved[0] >= 5, "style a: the handheld camera hardly moves ({} of 6 clips)", moved[0]);
    assert!(moved[1] <= 1, "style b: the camera on a stand moves ({} of 6 clips)", moved[1]);
}

#[test]
fn style_b_hits_touch_the_surface_and_sound_at_the_annotated_time() {
    // Same contact semantics as style "a": at each hit's frame the tip is on the surface
    // over the annotated material, the stick covers the contact point, and the audio
    // rises there (5 ms after vs 10 ms before, first difference, as in dataset_synth).
    let c = cfg(Style::B);
    let (w, h) = (c.width as usize, c.height as usize);
    let (mut hits, mut drawn) = (0, 0);
    for seed in 0..8u64 {
        let scene = Scene::plan(seed, &c);
        let audio = scene.audio();
        let (mut buf, mut full, mut bare) = (Vec::new(), vec![0u8; w * h * 3], vec![0u8; w * h * 3]);
        for a in scene.actions() {
            let e = |t0: f64, t1: f64| {
                let r = audio.rate as f64;
                let (i0, i1) = ((t0 * r) as usize, (t1 * r) as usize);
                (i0.max(1)..i1).map(|i| ((audio.samples[i] - audio.samples[i - 1]) as f64).powi(2)).sum::<f64>() / (i1 - i0) as f64
            };
            assert!(e(a.time, a.time + 0.005) >= 2.0 * e(a.time - 0.01, a.time), "seed {seed}: no onset at {}", a.time);
            if a.action != Some(ActionKind::Hit) {
                continue;
            }
            let i = (a.time * c.fps as f64).ceil() as usize;
            let t = scene.frame_with(i, Layers::ALL, &mut buf, &mut full);
            scene.frame_with(i, Layers { stick: false, shadow: true }, &mut buf, &mut bare);
            assert_eq!(t.height, 0.0);
            assert_eq!(Some(t.material), a.material);
            hits += 1;
            if changed_colour(&full, &bare, w, h, t.ground_x, t.ground_y, 1, 1).is_some() {
                drawn += 1;
            }
        }
    }
    eprintln!("style b: {drawn} of {hits} hits with the stick drawn at the contact point");
    assert!(hits > 20 && drawn as f64 >= 0.9 * hits as f64);
}
