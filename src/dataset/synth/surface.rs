//! Style "a" surface textures: one procedural texture per material (wood grain, brushed
//! metal, Voronoi rock and gravel, leaves, woven cloth, …) with per-video colour, scale and
//! orientation, so that no single colour identifies a material.
use super::color::{add, hsv, mix, scale, smooth, Rgb};
use super::noise::{fbm, rnd, value, voronoi};
use crate::labels::Material;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// One material's appearance in one video: colours, texture scale and orientation vary per
/// video so that no single colour identifies a material.
#[derive(Clone, Debug)]
pub struct Look {
    pub material: Material,
    pub(crate) base: Rgb,
    pub(crate) alt: Rgb,
    /// Texture units per pixel (1 / scale).
    pub(crate) inv_scale: f32,
    pub(crate) cos: f32,
    pub(crate) sin: f32,
    pub(crate) seed: u32,
    /// Material-specific switch (e.g. ruled vs plain paper).
    pub(crate) variant: bool,
    /// Centre of circular patterns (ceramic plate, water ripples), canvas pixels.
    pub(crate) centre: (f32, f32),
    /// Texture contrast around the base colour and overall tone (1 = as drawn); varied per
    /// video by [`Look::vary`].
    detail: f32,
    tone: f32,
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
            detail: 1.0,
            tone: 1.0,
        }
    }

    /// More per-video variation, drawn from the look's own random stream: texture contrast
    /// and tone within what the material plausibly looks like (the texture itself, which
    /// tells materials apart, is unchanged).
    pub fn vary(&mut self, rng: &mut ChaCha8Rng) {
        self.detail = rng.random_range(0.8..1.25);
        self.tone = rng.random_range(0.88..1.12);
        // A slight saturation drift of both colours (dye lots, wood species, wet or dry).
        let drift = rng.random_range(-0.04..0.04f32);
        for c in [&mut self.base, &mut self.alt] {
            let m = (c[0] + c[1] + c[2]) / 3.0;
            let sat = 1.0 + drift * 4.0;
            *c = [(m + (c[0] - m) * sat).max(0.0), (m + (c[1] - m) * sat).max(0.0), (m + (c[2] - m) * sat).max(0.0)];
        }
    }

    /// Colour (linear, ~[0, 1]) of the surface at surface point (x, y) (canvas pixels when
    /// the camera looks straight down at zoom 1).
    pub fn shade(&self, x: f32, y: f32) -> Rgb {
        let c = self.texture(x, y);
        let b = self.base;
        let (d, t) = (self.detail, self.tone);
        [(b[0] + (c[0] - b[0]) * d) * t, (b[1] + (c[1] - b[1]) * d) * t, (b[2] + (c[2] - b[2]) * d) * t]
    }

    /// The material's texture at (x, y).
    fn texture(&self, x: f32, y: f32) -> Rgb {
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
