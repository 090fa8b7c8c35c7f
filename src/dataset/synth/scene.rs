//! The picture: a textured surface made of 1–3 material regions, lit, blurred and framed
//! per video, and a drumstick with its shadow drawn over it in each frame.
use super::noise::{fbm, rnd, value, voronoi, XorShift};
use crate::labels::Material;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

pub type Rgb = [f32; 3];

pub fn hsv(h: f32, s: f32, v: f32) -> Rgb {
    let h = h.rem_euclid(1.0) * 6.0;
    let i = h.floor();
    let f = h - i;
    let (p, q, t) = (v * (1.0 - s), v * (1.0 - s * f), v * (1.0 - s * (1.0 - f)));
    match i as i32 {
        0 => [v, t, p],
        1 => [q, v, p],
        2 => [p, v, t],
        3 => [p, q, v],
        4 => [t, p, v],
        _ => [v, p, q],
    }
}

fn scale(c: Rgb, k: f32) -> Rgb {
    [c[0] * k, c[1] * k, c[2] * k]
}
fn mix(a: Rgb, b: Rgb, t: f32) -> Rgb {
    [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t]
}
fn add(c: Rgb, k: f32) -> Rgb {
    [c[0] + k, c[1] + k, c[2] + k]
}
fn smooth(e0: f32, e1: f32, x: f32) -> f32 {
    let t = ((x - e0) / (e1 - e0)).clamp(0.0, 1.0);
    t * t * (3.0 - 2.0 * t)
}

/// One material's appearance in one video: colours, texture scale and orientation vary per
/// video so that no single colour identifies a material.
#[derive(Clone, Debug)]
pub struct Look {
    pub material: Material,
    base: Rgb,
    alt: Rgb,
    /// Texture units per pixel (1 / scale).
    inv_scale: f32,
    cos: f32,
    sin: f32,
    seed: u32,
    /// Material-specific switch (e.g. ruled vs plain paper).
    variant: bool,
    /// Centre of circular patterns (ceramic plate, water ripples), canvas pixels.
    centre: (f32, f32),
}

impl Look {
    /// Draw a look for `material`; `px_scale` is the frame width / 320.
    pub fn new(material: Material, px_scale: f32, w: f32, h: f32, rng: &mut ChaCha8Rng) -> Look {
        use Material::*;
        let j = |rng: &mut ChaCha8Rng, lo: f32, hi: f32| rng.random_range(lo..hi);
        let any_hue = rng.random::<f32>();
        let (base, alt) = match material {
            Wood => (hsv(j(rng, 0.05, 0.1), j(rng, 0.45, 0.7), j(rng, 0.45, 0.75)), hsv(0.07, 0.6, 0.25)),
            Metal => (hsv(any_hue, j(rng, 0.02, 0.1), j(rng, 0.5, 0.75)), [1.0, 1.0, 1.0]),
            Dirt => (hsv(j(rng, 0.06, 0.1), j(rng, 0.35, 0.6), j(rng, 0.28, 0.45)), hsv(0.08, 0.3, 0.6)),
            Rock => (hsv(j(rng, 0.05, 0.14), j(rng, 0.05, 0.2), j(rng, 0.45, 0.65)), hsv(0.1, 0.1, 0.25)),
            Leaf => (hsv(j(rng, 0.05, 0.12), j(rng, 0.4, 0.7), j(rng, 0.15, 0.3)), hsv(j(rng, 0.1, 0.3), 0.7, 0.6)),
            Plastic => (hsv(any_hue, j(rng, 0.5, 0.9), j(rng, 0.6, 0.9)), [1.0, 1.0, 1.0]),
            Cloth => (hsv(any_hue, j(rng, 0.3, 0.7), j(rng, 0.35, 0.75)), hsv(any_hue + j(rng, 0.2, 0.8), 0.5, 0.6)),
            Paper => (hsv(j(rng, 0.1, 0.16), j(rng, 0.0, 0.08), j(rng, 0.8, 0.95)), hsv(0.6, 0.5, 0.65)),
            Grass => (hsv(j(rng, 0.22, 0.33), j(rng, 0.5, 0.8), j(rng, 0.3, 0.5)), hsv(j(rng, 0.12, 0.18), 0.6, 0.6)),
            Water => (hsv(j(rng, 0.5, 0.6), j(rng, 0.3, 0.6), j(rng, 0.25, 0.45)), [0.95, 0.97, 1.0]),
            Drywall => (hsv(j(rng, 0.08, 0.15), j(rng, 0.0, 0.06), j(rng, 0.75, 0.9)), hsv(0.1, 0.05, 0.5)),
            Gravel => (hsv(j(rng, 0.05, 0.12), j(rng, 0.05, 0.25), j(rng, 0.4, 0.6)), hsv(0.08, 0.2, 0.15)),
            PlasticBag => (hsv(any_hue, j(rng, 0.0, 0.4), j(rng, 0.6, 0.95)), [1.0, 1.0, 1.0]),
            Ceramic => (hsv(j(rng, 0.1, 0.15), j(rng, 0.0, 0.06), j(rng, 0.85, 0.97)), hsv(any_hue, 0.7, 0.55)),
            Tile => {
                let palette = [hsv(0.1, 0.25, 0.8), hsv(0.05, 0.6, 0.6), hsv(0.0, 0.0, 0.9), hsv(0.58, 0.4, 0.7), hsv(0.0, 0.0, 0.55)];
                (palette[rng.random_range(0..palette.len())], if rng.random() { hsv(0.0, 0.0, 0.3) } else { hsv(0.1, 0.1, 0.85) })
            }
            Carpet => (hsv(any_hue, j(rng, 0.3, 0.7), j(rng, 0.25, 0.6)), [0.0; 3]),
            Glass => (hsv(j(rng, 0.5, 0.6), j(rng, 0.1, 0.3), j(rng, 0.2, 0.38)), [0.9, 0.95, 1.0]),
        };
        let angle = rng.random_range(0.0..std::f32::consts::PI);
        // Grass blades and wood grain mostly run along one axis; keep a per-video angle.
        Look {
            material,
            base,
            alt,
            inv_scale: 1.0 / (px_scale * rng.random_range(0.8..1.25)),
            cos: angle.cos(),
            sin: angle.sin(),
            seed: rng.random(),
            variant: rng.random(),
            centre: (rng.random_range(0.0..w), rng.random_range(0.0..h)),
        }
    }

    /// Colour (linear, ~[0, 1]) of the surface at canvas pixel (x, y).
    pub fn shade(&self, x: f32, y: f32) -> Rgb {
        use Material::*;
        let s = self.inv_scale;
        let (u, v) = ((x * self.cos + y * self.sin) * s, (-x * self.sin + y * self.cos) * s);
        let seed = self.seed;
        let b = self.base;
        match self.material {
            Wood => {
                let rings = (std::f32::consts::TAU * (v / 5.0 + 2.0 * fbm(u / 30.0, v / 6.0, seed, 3))).sin();
                let fine = fbm(u / 2.0, v / 0.7, seed ^ 1, 2);
                let seam = if (v / 42.0).rem_euclid(1.0) < 0.035 { 0.55 } else { 1.0 };
                scale(b, (0.78 + 0.14 * rings + 0.16 * (fine - 0.5)) * seam)
            }
            Metal => {
                let brushed = fbm(u / 80.0, v / 1.2, seed, 3) - 0.5;
                let band = u * 0.7 + v * 0.7 - (self.centre.0 * s);
                let spec = 0.35 * (-(band / 60.0).powi(2)).exp();
                add(scale(b, 1.0 + 0.25 * brushed), spec)
            }
            Dirt => {
                let lumps = fbm(u / 12.0, v / 12.0, seed, 4);
                let speck = rnd(u.floor() as i32, v.floor() as i32, seed ^ 3) - 0.5;
                let c = voronoi(u / 9.0, v / 9.0, seed ^ 5);
                let pebble = if c.f1 < 0.18 && c.id % 3 == 0 { self.alt } else { b };
                scale(pebble, 0.65 + 0.5 * lumps + 0.25 * speck)
            }
            Rock => {
                let c = voronoi(u / 35.0, v / 35.0, seed);
                let cell = ((c.id >> 8) & 0xff) as f32 / 255.0 - 0.5;
                let crack = smooth(0.02, 0.07, c.f2 - c.f1);
                let grain = fbm(u / 4.0, v / 4.0, seed ^ 7, 2) - 0.5;
                scale(mix(self.alt, b, crack), 1.0 + 0.25 * cell + 0.3 * grain)
            }
            Leaf => {
                let c = voronoi(u / 16.0, v / 16.0, seed);
                let palette = [hsv(0.28, 0.7, 0.45), hsv(0.14, 0.8, 0.75), hsv(0.07, 0.85, 0.65), hsv(0.06, 0.6, 0.35), hsv(0.2, 0.7, 0.55)];
                let leaf = palette[(c.id % palette.len() as u32) as usize];
                let a = ((c.id >> 8) & 0xff) as f32 / 255.0 * std::f32::consts::PI;
                let (lx, ly) = (c.dx * a.cos() + c.dy * a.sin(), -c.dx * a.sin() + c.dy * a.cos());
                let inside = (lx * lx / 0.5 + ly * ly / 0.12).sqrt();
                let vein = if ly.abs() < 0.025 && inside < 0.9 { 0.75 } else { 1.0 };
                let edge = smooth(0.0, 0.08, c.f2 - c.f1);
                let col = if inside < 1.0 { scale(leaf, vein * (0.85 + 0.15 * (1.0 - inside))) } else { b };
                scale(col, 0.6 + 0.4 * edge)
            }
            Plastic => {
                let (dx, dy) = ((x - self.centre.0) * s / 90.0, (y - self.centre.1) * s / 90.0);
                let hl = 0.25 * (-(dx * dx + dy * dy)).exp();
                add(scale(b, 0.92 + 0.06 * value(u / 50.0, v / 50.0, seed)), hl)
            }
            Cloth => {
                let weave = (u * 2.1).sin() * (v * 2.1).sin();
                let folds = fbm(u / 40.0, v / 25.0, seed, 3) - 0.5;
                let stripe = self.variant && (u / 14.0).rem_euclid(1.0) < 0.25;
                let col = if stripe { self.alt } else { b };
                scale(col, 1.0 + 0.12 * weave + 0.6 * folds)
            }
            Paper => {
                let crumple = fbm(u / 10.0, v / 10.0, seed, 3);
                let crease = smooth(0.0, 0.02, (crumple - 0.5).abs());
                let mut c = scale(b, 0.93 + 0.1 * crumple);
                if self.variant && (v / 11.0).rem_euclid(1.0) < 0.09 {
                    c = mix(c, self.alt, 0.55);
                }
                scale(c, 0.88 + 0.12 * crease)
            }
            Grass => {
                let blades = fbm(u / 1.3, v / 16.0, seed, 3);
                let tint = value(u / 6.0, v / 20.0, seed ^ 9);
                let c = mix(b, self.alt, smooth(0.55, 0.8, tint));
                scale(c, 0.35 + 1.2 * blades)
            }
            Water => {
                let (dx, dy) = (x - self.centre.0, y - self.centre.1);
                let r = (dx * dx + dy * dy).sqrt() * s;
                let ripple = (r / 5.0 + 3.0 * fbm(u / 30.0, v / 30.0, seed, 2)).sin();
                let glint = smooth(0.68, 0.78, fbm(u / 5.0, v / 5.0, seed ^ 11, 3));
                mix(scale(b, 1.0 + 0.12 * ripple), self.alt, 0.7 * glint)
            }
            Drywall => {
                let grain = rnd(u.floor() as i32, v.floor() as i32, seed) - 0.5;
                let c = voronoi(u / 45.0, v / 45.0, seed ^ 13);
                let screw = if c.f1 < 0.035 { 0.45 } else { 1.0 };
                let tape = if self.variant && (u / 120.0).rem_euclid(1.0) < 0.06 { 1.04 } else { 1.0 };
                scale(b, (0.97 + 0.08 * grain) * screw * tape)
            }
            Gravel => {
                let c = voronoi(u / 6.5, v / 6.5, seed);
                let tone = ((c.id >> 4) & 0xff) as f32 / 255.0;
                let stone = hsv(0.05 + 0.08 * ((c.id >> 12) & 0xf) as f32 / 15.0, 0.1 + 0.3 * tone, 0.3 + 0.55 * tone);
                let gap = smooth(0.03, 0.12, c.f2 - c.f1);
                let round = 1.15 - 0.5 * c.f1;
                mix(self.alt, scale(stone, round), gap)
            }
            PlasticBag => {
                let f = fbm(u / 28.0, v / 28.0, seed, 4);
                let crease = (f * 40.0).sin().abs();
                let hl = crease.powi(12);
                add(scale(b, 0.75 + 0.35 * crease), 0.45 * hl)
            }
            Ceramic => {
                let (dx, dy) = (x - self.centre.0, y - self.centre.1);
                let r = (dx * dx + dy * dy).sqrt() * s;
                let band = ((r / 18.0).rem_euclid(1.0) < 0.18) as u8 as f32;
                let c = mix(b, self.alt, 0.85 * band);
                let spec = smooth(0.8, 0.86, value(u / 25.0, v / 25.0, seed));
                add(c, 0.25 * spec)
            }
            Tile => {
                let (fu, fv) = ((u / 30.0).rem_euclid(1.0), (v / 30.0).rem_euclid(1.0));
                let grout = fu < 0.06 || fv < 0.06;
                if grout {
                    self.alt
                } else {
                    let tone = rnd((u / 30.0).floor() as i32, (v / 30.0).floor() as i32, seed) - 0.5;
                    scale(b, 1.0 + 0.12 * tone + 0.05 * (fu + fv - 1.0))
                }
            }
            Carpet => {
                let fibre = rnd(u.floor() as i32, v.floor() as i32, seed) - 0.5;
                let tuft = fbm(u / 3.0, v / 3.0, seed ^ 17, 2) - 0.5;
                let pattern = value(u / 25.0, v / 25.0, seed ^ 19);
                scale(b, 1.0 + 0.45 * fibre + 0.5 * tuft + 0.25 * (pattern - 0.5))
            }
            Glass => {
                let streak = smooth(0.6, 0.95, ((u + 0.4 * v) / 60.0 * std::f32::consts::TAU).sin());
                let behind = fbm(u / 20.0, v / 20.0, seed, 2) - 0.5;
                mix(scale(b, 1.0 + 0.3 * behind), self.alt, 0.55 * streak)
            }
        }
    }
}

/// How the surface is cut into regions: stripes across a wavy direction.
#[derive(Clone, Debug)]
pub struct Layout {
    pub looks: Vec<Look>,
    nx: f32,
    ny: f32,
    cx: f32,
    cy: f32,
    wave_amp: f32,
    wave_len: f32,
    wave_phase: f32,
    /// Sorted thresholds on the projection; `looks.len() - 1` of them.
    cuts: Vec<f32>,
}

impl Layout {
    pub fn new(looks: Vec<Look>, w: f32, h: f32, rng: &mut ChaCha8Rng) -> Layout {
        let a = rng.random_range(0.0..std::f32::consts::TAU);
        let (nx, ny) = (a.cos(), a.sin());
        // Half extent of the frame along the direction.
        let half = 0.5 * (w * nx.abs() + h * ny.abs());
        let k = looks.len();
        let mut cuts: Vec<f32> = match k {
            1 => vec![],
            2 => vec![rng.random_range(-0.3..0.3) * half],
            _ => {
                let c = rng.random_range(-0.15..0.15) * half;
                let gap = rng.random_range(0.35..0.5) * half;
                vec![c - gap, c + gap]
            }
        };
        cuts.sort_by(f32::total_cmp);
        Layout {
            looks,
            nx,
            ny,
            cx: w / 2.0,
            cy: h / 2.0,
            wave_amp: rng.random_range(0.0..0.05) * w,
            wave_len: rng.random_range(0.4..1.2) * w,
            wave_phase: rng.random_range(0.0..std::f32::consts::TAU),
            cuts,
        }
    }

    /// Signed position along the cut direction (pixels), waves included.
    fn proj(&self, x: f32, y: f32) -> f32 {
        let (dx, dy) = (x - self.cx, y - self.cy);
        let along = -dx * self.ny + dy * self.nx;
        dx * self.nx + dy * self.ny + self.wave_amp * (std::f32::consts::TAU * along / self.wave_len + self.wave_phase).sin()
    }

    /// Region index at canvas (x, y).
    pub fn region(&self, x: f32, y: f32) -> usize {
        let p = self.proj(x, y);
        self.cuts.iter().filter(|&&c| p > c).count()
    }

    /// Distance (pixels, approximately) to the nearest region boundary.
    pub fn boundary_distance(&self, x: f32, y: f32) -> f32 {
        let p = self.proj(x, y);
        self.cuts.iter().map(|c| (p - c).abs()).fold(f32::MAX, f32::min)
    }

    pub fn material_at(&self, x: f32, y: f32) -> Material {
        self.looks[self.region(x, y)].material
    }
}

/// The rendered, lit, blurred surface (canvas larger than the frame by `margin` on each
/// side, so camera shake never reveals an edge).
pub struct Canvas {
    pub w: usize,
    pub h: usize,
    pub data: Vec<f32>,
}

/// Per-video photographic settings.
#[derive(Clone, Debug)]
pub struct Photo {
    pub gain: f32,
    pub grad: (f32, f32),
    pub tint: f32,
    pub vignette: f32,
    /// Weight of a 3×3 box blur in [0, 1].
    pub blur: f32,
    /// Sensor noise standard deviation, 8-bit levels.
    pub noise: f32,
}

impl Photo {
    pub fn new(rng: &mut ChaCha8Rng) -> Photo {
        let a = rng.random_range(0.0..std::f32::consts::TAU);
        let g = rng.random_range(0.0..0.35);
        Photo {
            gain: rng.random_range(0.75..1.2),
            grad: (g * a.cos(), g * a.sin()),
            tint: rng.random_range(-0.08..0.08),
            vignette: rng.random_range(0.0..0.35),
            blur: if rng.random_bool(0.5) { rng.random_range(0.0..1.0) } else { 0.0 },
            noise: rng.random_range(1.0..6.0),
        }
    }
}

impl Canvas {
    /// Render the lit surface, averaging `ss`×`ss` samples per pixel (anti-aliasing: small
    /// frames then look like downscaled large ones instead of point-sampled textures).
    pub fn render(layout: &Layout, photo: &Photo, w: usize, h: usize, ss: usize) -> Canvas {
        let mut data = vec![0.0f32; w * h * 3];
        let (hw, hh) = (w as f32 / 2.0, h as f32 / 2.0);
        let ss = ss.max(1);
        let inv = 1.0 / (ss * ss) as f32;
        for y in 0..h {
            for x in 0..w {
                let mut c = [0.0f32; 3];
                for sy in 0..ss {
                    for sx in 0..ss {
                        let (px, py) = (x as f32 + (sx as f32 + 0.5) / ss as f32, y as f32 + (sy as f32 + 0.5) / ss as f32);
                        let v = layout.looks[layout.region(px, py)].shade(px, py);
                        for (ck, vk) in c.iter_mut().zip(v) {
                            *ck += vk * inv;
                        }
                    }
                }
                let (fx, fy) = (x as f32 + 0.5, y as f32 + 0.5);
                let (nx, ny) = ((fx - hw) / hw, (fy - hh) / hh);
                let light = photo.gain * (1.0 + photo.grad.0 * nx + photo.grad.1 * ny) * (1.0 - photo.vignette * 0.5 * (nx * nx + ny * ny));
                let i = (y * w + x) * 3;
                data[i] = c[0] * light * (1.0 + photo.tint);
                data[i + 1] = c[1] * light;
                data[i + 2] = c[2] * light * (1.0 - photo.tint);
            }
        }
        let mut canvas = Canvas { w, h, data };
        if photo.blur > 0.0 {
            canvas.blur(photo.blur);
        }
        canvas
    }

    /// Blend with a separable 3×3 box blur (weight `k`).
    fn blur(&mut self, k: f32) {
        let (w, h) = (self.w, self.h);
        let src = self.data.clone();
        let mut tmp = src.clone();
        for y in 0..h {
            for x in 1..w.saturating_sub(1) {
                for c in 0..3 {
                    let i = (y * w + x) * 3 + c;
                    tmp[i] = (src[i - 3] + src[i] + src[i + 3]) / 3.0;
                }
            }
        }
        for y in 1..h.saturating_sub(1) {
            for x in 0..w {
                for c in 0..3 {
                    let i = (y * w + x) * 3 + c;
                    let b = (tmp[i - w * 3] + tmp[i] + tmp[i + w * 3]) / 3.0;
                    self.data[i] = src[i] + k * (b - src[i]);
                }
            }
        }
    }
}

/// The drumstick's look and the light that casts its shadow.
#[derive(Clone, Debug)]
pub struct StickLook {
    pub color: Rgb,
    pub tip_color: Rgb,
    /// Radius in pixels.
    pub radius: f32,
    /// Handle end: ground position and height (canvas pixels), far above the frame.
    pub anchor: (f32, f32, f32),
    /// Shadow displacement per unit height.
    pub light: (f32, f32),
    pub shadow: f32,
}

impl StickLook {
    pub fn new(w: f32, h: f32, rng: &mut ChaCha8Rng) -> StickLook {
        let px = w / 320.0;
        StickLook {
            color: hsv(rng.random_range(0.07..0.11), rng.random_range(0.3..0.5), rng.random_range(0.8..0.95)),
            tip_color: hsv(rng.random_range(0.05..0.09), rng.random_range(0.5..0.7), rng.random_range(0.6..0.75)),
            radius: rng.random_range(4.5..6.0) * px,
            anchor: (w * rng.random_range(-0.2..1.2), h * rng.random_range(-0.6..-0.25), h * rng.random_range(0.9..1.4)),
            light: (rng.random_range(-0.5..0.5), rng.random_range(0.45..0.9)),
            shadow: rng.random_range(0.35..0.6),
        }
    }
}

/// Where the stick is: tip ground position (canvas pixels) and height above the surface.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Tip {
    pub x: f32,
    pub y: f32,
    pub h: f32,
}

/// Rasterise a capsule from `p0` to `p1` of radius `r` into `frame` (frame pixels).
/// `paint(pixel, along, across, coverage)` with `along` the distance from `p0` along the
/// axis and `across` in [-1, 1] across it.
fn capsule(fw: usize, fh: usize, p0: (f32, f32), p1: (f32, f32), r: f32, mut paint: impl FnMut(usize, f32, f32, f32)) {
    let (dx, dy) = (p1.0 - p0.0, p1.1 - p0.1);
    let len2 = (dx * dx + dy * dy).max(1e-6);
    let len = len2.sqrt();
    let y_lo = (p0.1.min(p1.1) - r - 1.0).floor().max(0.0) as usize;
    let y_hi = ((p0.1.max(p1.1) + r + 1.0).ceil().max(0.0) as usize).min(fh);
    for y in y_lo..y_hi {
        let fy = y as f32 + 0.5;
        // Parameter range of axis points within r+1 rows of this row.
        let (ta, tb) = if dy.abs() < 1e-6 {
            (0.0, 1.0)
        } else {
            let t0 = (fy - r - 1.0 - p0.1) / dy;
            let t1 = (fy + r + 1.0 - p0.1) / dy;
            (t0.min(t1).clamp(0.0, 1.0), t0.max(t1).clamp(0.0, 1.0))
        };
        let (xa, xb) = (p0.0 + dx * ta, p0.0 + dx * tb);
        let x_lo = (xa.min(xb) - r - 1.0).floor().max(0.0) as usize;
        let x_hi = ((xa.max(xb) + r + 1.0).ceil().max(0.0) as usize).min(fw);
        for x in x_lo..x_hi {
            let fx = x as f32 + 0.5;
            let (qx, qy) = (fx - p0.0, fy - p0.1);
            let t = ((qx * dx + qy * dy) / len2).clamp(0.0, 1.0);
            let (ex, ey) = (qx - dx * t, qy - dy * t);
            let d = (ex * ex + ey * ey).sqrt();
            let cov = (r + 0.5 - d).clamp(0.0, 1.0);
            if cov > 0.0 {
                let across = (ex * -dy + ey * dx) / len / r;
                paint(y * fw + x, t * len, across.clamp(-1.0, 1.0), cov);
            }
        }
    }
}

/// Which parts of the picture to draw (tests draw them separately to locate the stick).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layers {
    pub stick: bool,
    pub shadow: bool,
}

impl Layers {
    pub const ALL: Layers = Layers { stick: true, shadow: true };
}

/// Render one frame into `out` (RGB8, `fw`×`fh`): the canvas seen through a window shifted
/// by `shift`, the stick's shadow, the stick, and sensor noise.
#[allow(clippy::too_many_arguments)]
pub fn render_frame(canvas: &Canvas, margin: usize, shift: (i32, i32), stick: &StickLook, tip: Tip, layers: Layers, noise: f32, noise_seed: u32, fw: usize, fh: usize, buf: &mut Vec<f32>, out: &mut [u8]) {
    buf.clear();
    let ox = (margin as i32 + shift.0).clamp(0, (canvas.w - fw) as i32) as usize;
    let oy = (margin as i32 + shift.1).clamp(0, (canvas.h - fh) as i32) as usize;
    for y in 0..fh {
        let row = ((oy + y) * canvas.w + ox) * 3;
        buf.extend_from_slice(&canvas.data[row..row + fw * 3]);
    }
    // Frame coordinates of a canvas point.
    let to_frame = |x: f32, y: f32| (x - ox as f32, y - oy as f32);
    let (ax, ay, az) = stick.anchor;
    // Shadow: the stick projected along the light onto the surface.
    let s0 = to_frame(tip.x + tip.h * stick.light.0, tip.y + tip.h * stick.light.1);
    let s1 = to_frame(ax + az * stick.light.0, ay + az * stick.light.1);
    let sr = stick.radius * 1.15;
    let none = (-1e6, -1e6);
    let (s0, s1) = if layers.shadow { (s0, s1) } else { (none, none) };
    capsule(fw, fh, s0, s1, sr, |i, _, across, cov| {
        let k = 1.0 - stick.shadow * cov * (1.0 - across * across * 0.5);
        for c in 0..3 {
            buf[i * 3 + c] *= k;
        }
    });
    // Stick: height lifts it up the image.
    let p0 = to_frame(tip.x, tip.y - tip.h);
    let p1 = to_frame(ax, ay - az);
    let (p0, p1) = if layers.stick { (p0, p1) } else { (none, none) };
    let tip_len = stick.radius * 2.5;
    capsule(fw, fh, p0, p1, stick.radius, |i, along, across, cov| {
        let base = if along < tip_len { stick.tip_color } else { stick.color };
        // Cylinder shading: lit from one side.
        let shade = 0.55 + 0.45 * (1.0 - (across + 0.35).powi(2)).max(0.0).sqrt();
        for c in 0..3 {
            let v = base[c] * shade;
            buf[i * 3 + c] += (v - buf[i * 3 + c]) * cov;
        }
    });
    let mut rng = XorShift::new(noise_seed);
    let sigma = noise / 255.0 * 6f32.sqrt(); // tri() has variance 1/6
    for (o, v) in out.iter_mut().zip(buf.iter()) {
        let s = v + sigma * rng.tri();
        *o = (s.clamp(0.0, 1.0) * 255.0 + 0.5) as u8;
    }
}
