//! Clutter: objects in view that are never struck (boxes, books, cups, pens, stones) and,
//! in some videos, the far edge of the table with the room behind it. Props are placed
//! away from every point the stick touches, so the annotations stay exact.
use super::color::{hsv, mix, scale, smooth, Rgb};
use super::motion::{Contact, Motion};
use super::noise::{fbm, value};
use super::scene::Slab;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum PropKind {
    /// A box or book: flat top, darker rim.
    Block,
    /// A cup or bowl from above: rim ring, darker inside.
    Cup,
    /// A pen, pencil or cable: thin and long, with a highlight.
    Pen,
    /// A stone or crumpled ball: a lumpy outline.
    Lump,
}

#[derive(Clone, Debug)]
pub struct Prop {
    pub shape: Slab,
    pub kind: PropKind,
    pub color: Rgb,
    pub alt: Rgb,
    /// Height above the surface (pixels): how far its shadow falls.
    pub height: f32,
    seed: u32,
}

impl Prop {
    /// Signed distance to the outline (lumps are perturbed).
    pub fn sdf(&self, x: f32, y: f32) -> f32 {
        let d = self.shape.sdf(x, y);
        if self.kind == PropKind::Lump {
            let (u, v) = self.shape.local(x, y);
            let a = v.atan2(u);
            d + 0.22 * self.shape.hx.min(self.shape.hy) * (value(a.cos() * 2.0 + 5.0, a.sin() * 2.0 + 5.0, self.seed) - 0.5)
        } else {
            d
        }
    }

    /// Colour of the prop's top at (x, y) (inside it).
    pub fn shade(&self, x: f32, y: f32) -> Rgb {
        let (u, v) = self.shape.local(x, y);
        let edge = -self.sdf(x, y);
        match self.kind {
            PropKind::Block => {
                let rim = smooth(0.0, 2.5, edge);
                let grain = 0.94 + 0.12 * value(u * 6.0, v * 6.0, self.seed);
                scale(mix(self.alt, self.color, rim), grain * (1.0 - 0.12 * (u + v) * 0.5))
            }
            PropKind::Cup => {
                let r = (u * u + v * v).sqrt();
                if r > 0.78 {
                    scale(self.color, 1.05 - 0.25 * (r - 0.78) / 0.22)
                } else {
                    // The inside: darker, with the liquid or the bottom.
                    scale(mix(self.alt, self.color, 0.3), 0.55 + 0.35 * (1.0 - r) + 0.1 * (u - v))
                }
            }
            PropKind::Pen => {
                let hl = (-((v + 0.35) / 0.25).powi(2)).exp();
                let cap = if u > 0.75 { self.alt } else { self.color };
                mix(scale(cap, 0.75 + 0.25 * (1.0 - v * v)), [1.0; 3], 0.4 * hl)
            }
            PropKind::Lump => {
                let tex = fbm(u * 3.0, v * 3.0, self.seed, 3);
                scale(self.color, 0.65 + 0.6 * tex * (1.0 - 0.3 * (u + v)))
            }
        }
    }

    /// A random prop of kind-dependent size around `c`; `px` = frame width / 320.
    pub fn random(c: (f32, f32), px: f32, rng: &mut ChaCha8Rng) -> Prop {
        let kind = [PropKind::Block, PropKind::Block, PropKind::Cup, PropKind::Pen, PropKind::Lump][rng.random_range(0..5)];
        let a = rng.random_range(0.0..std::f32::consts::PI);
        let (hx, hy, r) = match kind {
            PropKind::Block => {
                let (hx, hy) = (rng.random_range(18.0..45.0) * px, rng.random_range(12.0..35.0) * px);
                (hx, hy, rng.random_range(0.5..3.0) * px)
            }
            PropKind::Cup => {
                let r = rng.random_range(14.0..28.0) * px;
                (r, r, r)
            }
            PropKind::Pen => {
                let w = rng.random_range(2.0..4.0) * px;
                (rng.random_range(25.0..55.0) * px, w, w)
            }
            PropKind::Lump => {
                let r = rng.random_range(7.0..18.0) * px;
                (r * rng.random_range(1.0..1.5), r, r)
            }
        };
        let color = match kind {
            PropKind::Lump => hsv(rng.random_range(0.05..0.12), rng.random_range(0.0..0.3), rng.random_range(0.3..0.9)),
            _ => hsv(rng.random::<f32>(), rng.random_range(0.0..0.85), rng.random_range(0.2..0.95)),
        };
        let alt = hsv(rng.random::<f32>(), rng.random_range(0.0..0.6), rng.random_range(0.1..0.9));
        let height = match kind {
            PropKind::Pen => 2.0 * hy,
            PropKind::Lump => hy,
            _ => rng.random_range(0.3..1.0) * hx.min(hy),
        };
        Prop { shape: Slab { cx: c.0, cy: c.1, hx, hy, cos: a.cos(), sin: a.sin(), r }, kind, color, alt, height, seed: rng.random() }
    }
}

/// Points the stick touches (contacts and scratch paths), canvas pixels.
pub fn touched(motion: &Motion) -> Vec<(f32, f32)> {
    let mut pts = Vec::new();
    for c in &motion.contacts {
        match *c {
            Contact::Hit { x, y, .. } => pts.push((x, y)),
            Contact::Scratch { a, b, .. } => pts.extend((0..=8).map(|k| {
                let s = k as f32 / 8.0;
                (a.0 + (b.0 - a.0) * s, a.1 + (b.1 - a.1) * s)
            })),
        }
    }
    pts
}

/// Up to `n` props on a `w`×`h` canvas, each at least `clear` pixels from every touched
/// point and from the previous props.
pub fn scatter(n: usize, touched: &[(f32, f32)], w: f32, h: f32, clear: f32, px: f32, rng: &mut ChaCha8Rng) -> Vec<Prop> {
    let mut props: Vec<Prop> = Vec::new();
    for _ in 0..n {
        for _ in 0..25 {
            let p = Prop::random((rng.random_range(0.0..w), rng.random_range(0.0..h)), px, rng);
            // Lumps bulge by up to 11 % of their size beyond the slab.
            let grow = 0.11 * p.shape.hx.min(p.shape.hy);
            let free = touched.iter().all(|&(x, y)| p.shape.sdf(x, y) > clear + grow);
            let apart = props.iter().all(|o| ((o.shape.cx - p.shape.cx).powi(2) + (o.shape.cy - p.shape.cy).powi(2)).sqrt() > o.shape.hx.max(o.shape.hy) + p.shape.hx.max(p.shape.hy));
            if free && apart {
                props.push(p);
                break;
            }
        }
    }
    props
}

/// The table's far edge and the room behind it (style "a", some videos): above the edge
/// line a defocused wall with furniture shapes.
#[derive(Clone, Debug)]
pub struct Backdrop {
    /// Edge line y = y0 + slope·(x − cx) (canvas pixels).
    pub y0: f32,
    pub slope: f32,
    pub cx: f32,
    wall: Rgb,
    shapes: Vec<(Slab, Rgb)>,
    lip: Rgb,
    seed: u32,
}

impl Backdrop {
    /// A backdrop whose edge stays above `max_y` everywhere on a `w`-wide canvas.
    pub fn random(w: f32, h: f32, max_y: f32, rng: &mut ChaCha8Rng) -> Backdrop {
        let slope = rng.random_range(-0.06..0.06f32);
        let y0 = rng.random_range(0.2..1.0) * (max_y - slope.abs() * w / 2.0).max(2.0);
        let wall = hsv(rng.random::<f32>(), rng.random_range(0.0..0.35), rng.random_range(0.25..0.9));
        let shapes = (0..rng.random_range(1..5))
            .map(|_| {
                let (hx, hy) = (rng.random_range(0.05..0.25) * w, rng.random_range(0.1..0.5) * h);
                let s = Slab { cx: rng.random_range(0.0..w), cy: y0 - rng.random_range(0.0..0.3) * h, hx, hy, cos: 1.0, sin: 0.0, r: rng.random_range(0.0..0.3) * hx.min(hy) };
                (s, hsv(rng.random::<f32>(), rng.random_range(0.0..0.6), rng.random_range(0.1..0.9)))
            })
            .collect();
        let lip = hsv(rng.random_range(0.05..0.12), rng.random_range(0.1..0.5), rng.random_range(0.15..0.6));
        Backdrop { y0, slope, cx: w / 2.0, wall, shapes, lip, seed: rng.random() }
    }

    /// How far below the edge (x, y) lies (negative: behind the table).
    pub fn below(&self, x: f32, y: f32) -> f32 {
        y - (self.y0 + self.slope * (x - self.cx))
    }

    /// Colour behind the table at (x, y), defocused.
    pub fn shade(&self, x: f32, y: f32) -> Rgb {
        let d = self.below(x, y);
        if d > -2.5 {
            // The table's edge (its thickness seen from above).
            return self.lip;
        }
        let mut c = scale(self.wall, 0.8 + 0.3 * fbm(x / 90.0, y / 90.0, self.seed, 2) + 0.1 * (y / self.y0.max(1.0)));
        for (s, col) in &self.shapes {
            let k = smooth(4.0, -4.0, s.sdf(x, y));
            c = mix(c, *col, k);
        }
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn props_keep_clear_of_every_touched_point() {
        let touched: Vec<(f32, f32)> = (0..40).map(|i| (20.0 + 7.0 * i as f32, 60.0 + 3.0 * (i % 9) as f32)).collect();
        let mut placed = 0;
        for seed in 0..20u64 {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let props = scatter(4, &touched, 340.0, 260.0, 16.0, 1.0, &mut rng);
            placed += props.len();
            for p in &props {
                assert!(touched.iter().all(|&(x, y)| p.sdf(x, y) > 16.0), "seed {seed}: {:?} covers a touched point", p.kind);
            }
        }
        assert!(placed >= 40, "only {placed} props placed");
    }
}
