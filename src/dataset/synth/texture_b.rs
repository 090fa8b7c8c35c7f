//! Style "b" textures: each material drawn from other primitives than style "a" (gratings,
//! jittered dots, grids and hard-edged bands instead of fBm and Voronoi), flat-shaded in a
//! few tones. Colours come from the same per-video [`Look`], so materials keep their
//! plausible colours while the texture synthesis differs.
use super::color::{add, hsv, mix, scale, Rgb};
use super::noise::{hash, rnd, value};
use super::scene::Look;
use crate::labels::Material;

/// Quantise `t` in [0, 1] to `n` flat tones.
fn cel(t: f32, n: f32) -> f32 {
    ((t * n).floor() / n).clamp(0.0, 1.0)
}

/// A jittered dot of radius `r` (cell units) in the unit cell of (x, y): the cell's hash
/// when inside it.
fn dot(x: f32, y: f32, seed: u32, r: f32) -> Option<u32> {
    let (cx, cy) = (x.floor(), y.floor());
    let h = hash(cx as i32, cy as i32, seed);
    let ox = 0.2 + 0.6 * (h & 0xffff) as f32 / 65536.0;
    let oy = 0.2 + 0.6 * (h >> 16) as f32 / 65536.0;
    let (dx, dy) = (x - cx - ox, y - cy - oy);
    (dx * dx + dy * dy < r * r).then_some(h)
}

fn frac(x: f32) -> f32 {
    x.rem_euclid(1.0)
}

/// Colour of `look`'s material at surface point (x, y), style "b".
pub fn shade(look: &Look, x: f32, y: f32) -> Rgb {
    use Material::*;
    let s = look.inv_scale;
    let (u, v) = ((x * look.cos + y * look.sin) * s, (-x * look.sin + y * look.cos) * s);
    let (b, a, seed) = (look.base, look.alt, look.seed);
    match look.material {
        Wood => {
            // Planks with their own tone and a sine grain in three tones.
            let plank = (v / 18.0).floor();
            let tone = rnd(plank as i32, 0, seed);
            let grain = 0.5 + 0.5 * (u / 9.0 + 1.5 * (v / 5.0 + tone * 6.0).sin()).sin();
            let gap = if frac(v / 18.0) < 0.06 { 0.5 } else { 1.0 };
            scale(b, gap * (0.78 + 0.15 * tone + 0.3 * cel(grain, 3.0)))
        }
        Metal => {
            let sheen = cel(0.5 + 0.5 * ((u + v) / 70.0).sin(), 3.0);
            let (gu, gv) = (frac(u / 40.0) - 0.5, frac(v / 40.0) - 0.5);
            let rivet = if look.variant && gu * gu + gv * gv < 0.006 { 0.6 } else { 1.0 };
            add(scale(b, rivet * (0.85 + 0.2 * sheen)), 0.12 * sheen)
        }
        Dirt => {
            let big = dot(u / 6.0, v / 6.0, seed, 0.3).map_or(1.0, |h| 0.7 + 0.1 * (h & 3) as f32);
            let speck = dot(u / 2.0, v / 2.0, seed ^ 1, 0.25).is_some();
            let c = if speck { mix(b, a, 0.6) } else { b };
            scale(c, big * (0.9 + 0.15 * cel(value(u / 20.0, v / 20.0, seed), 2.0)))
        }
        Rock => {
            let crack = ((u / 13.0 + 2.0 * (v / 17.0).sin()).sin() * (v / 11.0 + 2.0 * (u / 19.0).sin()).sin()).abs();
            if crack < 0.05 {
                a
            } else {
                scale(b, 0.8 + 0.35 * cel(value(u / 25.0, v / 25.0, seed), 3.0))
            }
        }
        Leaf => {
            // Leaf ellipses on a dark ground, one per cell, hashed hue among autumn tones.
            let (cx, cy) = ((u / 14.0).floor(), (v / 14.0).floor());
            let mut c = scale(b, 0.7);
            for (ox, oy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
                let h = hash(cx as i32 - ox, cy as i32 - oy, seed);
                let (px, py) = ((cx - ox as f32 + 0.5 + (h & 0xff) as f32 / 512.0) * 14.0, (cy - oy as f32 + 0.5 + ((h >> 8) & 0xff) as f32 / 512.0) * 14.0);
                let ang = ((h >> 16) & 0xff) as f32 / 255.0 * std::f32::consts::PI;
                let (dx, dy) = (u - px, v - py);
                let (lx, ly) = (dx * ang.cos() + dy * ang.sin(), -dx * ang.sin() + dy * ang.cos());
                if (lx / 11.0).powi(2) + (ly / 5.0).powi(2) < 1.0 {
                    let hue = [0.08, 0.12, 0.05, 0.25, 0.1][(h >> 24) as usize % 5];
                    c = hsv(hue, 0.75, if ly.abs() < 0.5 { 0.45 } else { 0.65 });
                }
            }
            c
        }
        Plastic => {
            let band = frac((u * 0.6 + v * 0.8) / 60.0 + 0.3);
            if band < 0.1 {
                add(b, 0.3)
            } else {
                scale(b, 0.92 + 0.08 * cel(band, 2.0))
            }
        }
        Cloth => {
            // Plaid: two thresholded gratings in the second colour, over a fine weave.
            let g1 = (frac(u / 9.0) < 0.35) as u8 as f32;
            let g2 = (frac(v / 9.0) < 0.35) as u8 as f32;
            let weave = if (u.floor() + v.floor()) as i32 % 2 == 0 { 0.94 } else { 1.0 };
            scale(mix(b, a, 0.4 * (g1 + g2)), weave)
        }
        Paper => {
            let mut c = b;
            if look.variant && (frac(u / 12.0) < 0.06 || frac(v / 12.0) < 0.06) {
                c = mix(c, hsv(0.6, 0.4, 0.7), 0.5);
            }
            // Straight fold lines.
            let fold = frac((u * 0.8 + v * 0.6) / 70.0) < 0.012 || frac((u * 0.6 - v * 0.8) / 90.0) < 0.01;
            scale(c, if fold { 0.82 } else { 1.0 })
        }
        Grass => {
            // Vertical strokes: each column of blades its own shade, cut at hashed heights.
            let col = (u / 2.5).floor() as i32;
            let row = ((v + 7.0 * rnd(col, 1, seed)) / 14.0).floor() as i32;
            let k = rnd(col, row, seed);
            scale(mix(b, a, cel(k, 3.0) * 0.6), 0.65 + 0.5 * k)
        }
        Water => {
            let (dx, dy) = (x - look.centre.0, y - look.centre.1);
            let r = (dx * dx + dy * dy).sqrt() * s;
            let band = frac(r / 9.0 + 0.3 * value(u / 30.0, v / 30.0, seed)) < 0.22;
            let sparkle = dot(u / 7.0, v / 7.0, seed, 0.12).is_some();
            if sparkle {
                a
            } else {
                scale(b, if band { 1.25 } else { 1.0 })
            }
        }
        Drywall => scale(b, if dot(u / 3.0, v / 3.0, seed, 0.1).is_some() { 0.88 } else { 1.0 }),
        Gravel => match dot(u / 5.0, v / 5.0, seed, 0.42) {
            Some(h) => {
                let tone = (h >> 20) as f32 / 4096.0;
                hsv(0.05 + 0.07 * tone, 0.15 + 0.25 * tone, 0.35 + 0.5 * cel(tone, 4.0))
            }
            None => scale(a, 1.4),
        },
        PlasticBag => {
            let f = frac(u * 0.05 + v * 0.03 + 2.0 * value(u / 40.0, v / 40.0, seed));
            let g = frac(u * -0.04 + v * 0.06 + 2.0 * value(u / 35.0, v / 35.0, seed ^ 3));
            if f < 0.06 || g < 0.05 {
                add(b, 0.35)
            } else {
                scale(b, 0.85 + 0.15 * cel(f, 3.0))
            }
        }
        Ceramic => {
            let (dx, dy) = (x - look.centre.0, y - look.centre.1);
            let r = (dx * dx + dy * dy).sqrt() * s;
            let rim = (r % 60.0) > 48.0 && (r % 60.0) < 53.0;
            let spec = ((u - 20.0) / 14.0).powi(2) + ((v - 10.0) / 6.0).powi(2) < 1.0;
            if spec {
                add(b, 0.2)
            } else if rim {
                a
            } else {
                b
            }
        }
        Tile => {
            let (fu, fv) = (frac(u / 24.0), frac(v / 24.0));
            if fu < 0.08 || fv < 0.08 {
                a
            } else if ((u / 24.0).floor() + (v / 24.0).floor()) as i32 % 2 == 0 {
                b
            } else {
                scale(b, 0.8)
            }
        }
        Carpet => {
            let d = (frac(u / 16.0) - 0.5).abs() + (frac(v / 16.0) - 0.5).abs();
            let texel = rnd((u / 1.5).floor() as i32, (v / 1.5).floor() as i32, seed) - 0.5;
            let c = if d < 0.22 { mix(b, hsv(look.cos.abs(), 0.5, 0.5), 0.5) } else { b };
            scale(c, 1.0 + 0.45 * texel)
        }
        Glass => {
            let band = frac((u + v) / 50.0);
            if (0.1..0.2).contains(&band) || (0.3..0.33).contains(&band) {
                mix(b, a, 0.6)
            } else {
                scale(b, 0.95 + 0.1 * cel(value(u / 30.0, v / 30.0, seed), 2.0))
            }
        }
    }
}
