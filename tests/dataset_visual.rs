//! The materials look different at the size the model sees: a linear classifier on simple
//! statistics of a patch of the surface under the stick's tip, in 64×48 frames, names the
//! material well above chance (1/17 = 5.9 %), and texture statistics add to colour — colour
//! alone is not enough, since hues vary per video.
use foley::dataset::synth::scene::Layers;
use foley::dataset::synth::{Scene, SynthConfig};
use foley::dataset::Material;

mod dataset_util;
use dataset_util::{accuracy, ridge, standardize};

const W: usize = 64;
const H: usize = 48;
/// Patch half-size: a 9×9 patch, about the stick's neighbourhood at this size.
const R: i32 = 4;

/// (colour features, texture features) of the surface patch around (cx, cy).
fn patch_features(rgb: &[u8], cx: f32, cy: f32) -> (Vec<f64>, Vec<f64>) {
    let px = |x: i32, y: i32, c: usize| {
        let (x, y) = (x.clamp(0, W as i32 - 1) as usize, y.clamp(0, H as i32 - 1) as usize);
        rgb[(y * W + x) * 3 + c] as f64 / 255.0
    };
    let lum = |x: i32, y: i32| 0.299 * px(x, y, 0) + 0.587 * px(x, y, 1) + 0.114 * px(x, y, 2);
    let (cx, cy) = (cx.round() as i32, cy.round() as i32);
    let n = ((2 * R + 1) * (2 * R + 1)) as f64;
    let (mut mean, mut sq) = ([0.0; 3], [0.0; 3]);
    let (mut gx, mut gy, mut lap, mut lmin, mut lmax) = (0.0, 0.0, 0.0, f64::MAX, f64::MIN);
    for y in cy - R..=cy + R {
        for x in cx - R..=cx + R {
            for c in 0..3 {
                mean[c] += px(x, y, c) / n;
                sq[c] += px(x, y, c).powi(2) / n;
            }
            let l = lum(x, y);
            gx += (lum(x + 1, y) - l).abs() / n;
            gy += (lum(x, y + 1) - l).abs() / n;
            lap += (4.0 * l - lum(x - 1, y) - lum(x + 1, y) - lum(x, y - 1) - lum(x, y + 1)).abs() / n;
            lmin = lmin.min(l);
            lmax = lmax.max(l);
        }
    }
    let sd: Vec<f64> = (0..3).map(|c| (sq[c] - mean[c] * mean[c]).max(0.0).sqrt()).collect();
    let colour = mean.to_vec();
    let texture = vec![sd[0], sd[1], sd[2], gx, gy, lap, lmax - lmin, gx / (gy + 1e-3)];
    (colour, texture)
}

/// Per hit: (colour, colour + texture) feature vectors with a bias, and the material.
fn dataset(seeds: std::ops::Range<u64>) -> (Vec<(Vec<f64>, usize)>, Vec<(Vec<f64>, usize)>) {
    let cfg = SynthConfig { seconds: 8.0, width: W as u32, height: H as u32, fps: 30, sample_rate: 8000, ..SynthConfig::default() };
    let (mut colour, mut both) = (Vec::new(), Vec::new());
    let mut buf = Vec::new();
    let mut rgb = vec![0u8; W * H * 3];
    for seed in seeds {
        let scene = Scene::plan(seed, &cfg);
        for a in scene.actions() {
            let Some(m) = a.material else { continue };
            // The surface alone (no stick, no shadow) in the frame of the action.
            let i = (a.time * cfg.fps as f64).ceil() as usize;
            let t = scene.frame_with(i, Layers { stick: false, shadow: false }, &mut buf, &mut rgb);
            let (c, tex) = patch_features(&rgb, t.ground_x, t.ground_y);
            let mut cb = c.clone();
            cb.push(1.0);
            let mut all = c;
            all.extend(tex);
            all.push(1.0);
            colour.push((cb, m.index()));
            both.push((all, m.index()));
        }
    }
    (colour, both)
}

#[test]
fn materials_are_visually_distinct_at_64_px() {
    let (mut c_train, mut b_train) = dataset(0..150);
    let (mut c_test, mut b_test) = dataset(1000..1060);
    standardize(&mut c_train, &mut c_test);
    standardize(&mut b_train, &mut b_test);
    let k = Material::ALL.len();
    let acc_c = accuracy(&ridge(&c_train, k, 1.0), &c_test);
    let acc_b = accuracy(&ridge(&b_train, k, 1.0), &b_test);
    eprintln!("visual material accuracy at {W}x{H}: colour {acc_c:.3}, colour+texture {acc_b:.3} on {} test actions ({} training), chance {:.3}", b_test.len(), b_train.len(), 1.0 / k as f64);
    assert!(b_test.len() >= 200);
    assert!(acc_b > 3.0 / k as f64, "colour+texture {acc_b:.3} near chance");
    assert!(acc_b > acc_c + 0.05, "texture adds little to colour ({acc_c:.3} → {acc_b:.3})");
    assert!(acc_c < 0.9, "colour alone identifies the material ({acc_c:.3})");
}
