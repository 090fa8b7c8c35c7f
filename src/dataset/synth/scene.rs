//! The struck surface's geometry and the canvas it is painted on: how the surface is cut
//! into material regions (wavy stripes for style "a", objects on a table for style "b"),
//! the tip's position, and which layers a frame draws.
pub use super::color::{hsv, Rgb};
pub use super::surface::Look;
use crate::labels::Material;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// A rounded rectangle (a book, a board, a plate when the corners are fully round).
#[derive(Clone, Copy, Debug)]
pub struct Slab {
    pub cx: f32,
    pub cy: f32,
    /// Half sizes along the slab's own axes.
    pub hx: f32,
    pub hy: f32,
    pub cos: f32,
    pub sin: f32,
    /// Corner radius (≤ min(hx, hy)).
    pub r: f32,
}

impl Slab {
    /// Signed distance (pixels): negative inside.
    pub fn sdf(&self, x: f32, y: f32) -> f32 {
        let (dx, dy) = (x - self.cx, y - self.cy);
        let (u, v) = ((dx * self.cos + dy * self.sin).abs(), (-dx * self.sin + dy * self.cos).abs());
        let (qx, qy) = (u - self.hx + self.r, v - self.hy + self.r);
        let out = (qx.max(0.0).powi(2) + qy.max(0.0).powi(2)).sqrt();
        out + qx.max(qy).min(0.0) - self.r
    }

    /// Position in the slab's own frame, scaled to [-1, 1] on its edges.
    pub fn local(&self, x: f32, y: f32) -> (f32, f32) {
        let (dx, dy) = (x - self.cx, y - self.cy);
        ((dx * self.cos + dy * self.sin) / self.hx, (-dx * self.sin + dy * self.cos) / self.hy)
    }
}

/// Stripes across a wavy direction; `cuts` are sorted thresholds on the projection.
#[derive(Clone, Debug)]
struct Stripes {
    nx: f32,
    ny: f32,
    cx: f32,
    cy: f32,
    wave_amp: f32,
    wave_len: f32,
    wave_phase: f32,
    cuts: Vec<f32>,
}

impl Stripes {
    /// Signed position along the stripes' direction (pixels), waves included.
    fn proj(&self, x: f32, y: f32) -> f32 {
        let (dx, dy) = (x - self.cx, y - self.cy);
        let along = -dx * self.ny + dy * self.nx;
        dx * self.nx + dy * self.ny + self.wave_amp * (std::f32::consts::TAU * along / self.wave_len + self.wave_phase).sin()
    }
}

#[derive(Clone, Debug)]
enum Regions {
    Stripes(Stripes),
    /// Region 0 is the table; region `i ≥ 1` is object `i − 1` lying on it (later on top).
    Objects(Vec<Slab>),
}

/// How the surface is cut into regions, one per look.
#[derive(Clone, Debug)]
pub struct Layout {
    pub looks: Vec<Look>,
    regions: Regions,
}

impl Layout {
    /// Stripes across a wavy direction (style "a").
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
        let regions = Regions::Stripes(Stripes {
            nx,
            ny,
            cx: w / 2.0,
            cy: h / 2.0,
            wave_amp: rng.random_range(0.0..0.05) * w,
            wave_len: rng.random_range(0.4..1.2) * w,
            wave_phase: rng.random_range(0.0..std::f32::consts::TAU),
            cuts,
        });
        Layout { looks, regions }
    }

    /// A table (the first look) with the other looks as objects lying on it (style "b"):
    /// rounded rectangles placed inside the part of the `fw`×`fh` frame (at margin `m`) where
    /// the stick strikes, overlapping as little as the tries allow.
    pub fn objects(looks: Vec<Look>, fw: f32, fh: f32, m: f32, rng: &mut ChaCha8Rng) -> Layout {
        let mut slabs: Vec<Slab> = Vec::new();
        for _ in 1..looks.len() {
            let mut best: Option<(f32, Slab)> = None;
            for _ in 0..40 {
                let (hx, hy) = (fw * rng.random_range(0.12..0.22), fh * rng.random_range(0.15..0.27));
                let a = rng.random_range(-0.5..0.5f32);
                let s = Slab {
                    cx: m + fw * rng.random_range(0.25..0.75),
                    cy: m + fh * rng.random_range(0.4..0.75),
                    hx,
                    hy,
                    cos: a.cos(),
                    sin: a.sin(),
                    r: hx.min(hy) * rng.random_range(0.1..1.0),
                };
                // Overlap: how far the bounding circles interpenetrate (≤ 0: apart).
                let overlap = slabs.iter().map(|o| (s.hx.max(s.hy) + o.hx.max(o.hy)) - ((s.cx - o.cx).powi(2) + (s.cy - o.cy).powi(2)).sqrt()).fold(f32::MIN, f32::max);
                if best.as_ref().is_none_or(|(b, _)| overlap < *b) {
                    best = Some((overlap, s));
                }
                if overlap < 0.0 {
                    break;
                }
            }
            slabs.extend(best.map(|(_, s)| s));
        }
        Layout { looks, regions: Regions::Objects(slabs) }
    }

    /// The objects lying on the table (empty for stripes).
    pub fn slabs(&self) -> &[Slab] {
        match &self.regions {
            Regions::Objects(s) => s,
            Regions::Stripes(_) => &[],
        }
    }

    /// Region index at canvas (x, y).
    pub fn region(&self, x: f32, y: f32) -> usize {
        match &self.regions {
            Regions::Stripes(st) => {
                let (p, cuts) = (st.proj(x, y), &st.cuts);
                cuts.iter().filter(|&&c| p > c).count()
            }
            Regions::Objects(slabs) => slabs.iter().rposition(|s| s.sdf(x, y) < 0.0).map_or(0, |i| i + 1),
        }
    }

    /// Distance (pixels, approximately) to the nearest region boundary.
    pub fn boundary_distance(&self, x: f32, y: f32) -> f32 {
        match &self.regions {
            Regions::Stripes(st) => {
                let (p, cuts) = (st.proj(x, y), &st.cuts);
                cuts.iter().map(|c| (p - c).abs()).fold(f32::MAX, f32::min)
            }
            Regions::Objects(slabs) => slabs.iter().map(|s| s.sdf(x, y).abs()).fold(f32::MAX, f32::min),
        }
    }

    /// The two regions on either side of the boundary nearest to (x, y).
    pub fn sides(&self, x: f32, y: f32) -> [usize; 2] {
        match &self.regions {
            Regions::Stripes(st) => {
                let (p, cuts) = (st.proj(x, y), &st.cuts);
                let j = (0..cuts.len()).min_by(|&a, &b| (p - cuts[a]).abs().total_cmp(&(p - cuts[b]).abs())).unwrap_or(0);
                [j, (j + 1).min(self.looks.len() - 1)]
            }
            Regions::Objects(slabs) if slabs.is_empty() => [0, 0],
            Regions::Objects(slabs) => {
                let j = (0..slabs.len()).min_by(|&a, &b| slabs[a].sdf(x, y).abs().total_cmp(&slabs[b].sdf(x, y).abs())).unwrap_or(0);
                [j + 1, 0]
            }
        }
    }

    pub fn material_at(&self, x: f32, y: f32) -> Material {
        self.looks[self.region(x, y)].material
    }
}

/// A lit picture of the scene without the stick (canvas larger than the frame by a margin
/// on each side, so camera shake never reveals an edge): linear RGB, row-major.
pub struct Canvas {
    pub w: usize,
    pub h: usize,
    pub data: Vec<f32>,
}

impl Canvas {
    pub fn new(w: usize, h: usize) -> Canvas {
        Canvas { w, h, data: vec![0.0; w * h * 3] }
    }

    /// Blend with a separable 3×3 box blur (weight `k`).
    pub fn blur(&mut self, k: f32) {
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

    /// Clamp a window origin so that a `fw`×`fh` window (plus one pixel for interpolation)
    /// stays inside the canvas.
    pub fn clamp_origin(&self, ox: f32, oy: f32, fw: usize, fh: usize) -> (f32, f32) {
        let (mx, my) = ((self.w - fw).saturating_sub(1) as f32, (self.h - fh).saturating_sub(1) as f32);
        (ox.clamp(0.0, mx), oy.clamp(0.0, my))
    }

    /// Copy the `fw`×`fh` window at (sub-pixel) origin (ox, oy) into `buf` (bilinear; the
    /// origin must come from [`Canvas::clamp_origin`]).
    pub fn window(&self, ox: f32, oy: f32, fw: usize, fh: usize, buf: &mut Vec<f32>) {
        buf.clear();
        let (x0, y0) = (ox.floor() as usize, oy.floor() as usize);
        let (fx, fy) = (ox - x0 as f32, oy - y0 as f32);
        if fx == 0.0 && fy == 0.0 {
            for y in 0..fh {
                let row = ((y0 + y) * self.w + x0) * 3;
                buf.extend_from_slice(&self.data[row..row + fw * 3]);
            }
            return;
        }
        let (w00, w10, w01, w11) = ((1.0 - fx) * (1.0 - fy), fx * (1.0 - fy), (1.0 - fx) * fy, fx * fy);
        let (stride, n) = (self.w * 3, fw * 3);
        buf.resize(fh * n, 0.0);
        for (y, dst) in buf.chunks_exact_mut(n).enumerate() {
            let row = ((y0 + y) * self.w + x0) * 3;
            let (a, b) = (&self.data[row..row + n + 3], &self.data[row + stride..row + stride + n + 3]);
            for ((((d, a0), a1), b0), b1) in dst.iter_mut().zip(&a[..n]).zip(&a[3..]).zip(&b[..n]).zip(&b[3..]) {
                *d = w00 * a0 + w10 * a1 + w01 * b0 + w11 * b1;
            }
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

/// Which parts of the picture to draw (tests draw them separately to locate the stick).
/// The hand and arm belong to the stick; their shadows to the shadow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layers {
    pub stick: bool,
    pub shadow: bool,
}

impl Layers {
    pub const ALL: Layers = Layers { stick: true, shadow: true };
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn slab_sdf_is_a_distance() {
        let s = Slab { cx: 50.0, cy: 40.0, hx: 20.0, hy: 10.0, cos: 1.0, sin: 0.0, r: 4.0 };
        assert!((s.sdf(50.0, 40.0) + 10.0).abs() < 1e-4); // centre: 10 from the long edge
        assert!(s.sdf(75.0, 40.0) - 5.0 < 1e-4); // 5 beyond the short edge
        // Corner: the rounded corner's centre is at (66, 34); a point 7 away from it along
        // the diagonal is 7 − 4 = 3 outside.
        let k = 7.0 / 2f32.sqrt();
        let d = s.sdf(66.0 + k, 34.0 - k);
        assert!((d - 3.0).abs() < 1e-3, "{d}");
    }

    #[test]
    fn objects_layout_regions_are_reachable() {
        // Every object has points at least 0.04·width from any boundary in the part of the
        // frame where the stick strikes (what motion::pick_point needs).
        let (fw, fh, m) = (320.0, 240.0, 10.0);
        for seed in 0..20u64 {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let looks: Vec<Look> = Material::ALL[..3].iter().map(|&mat| Look::new(mat, 1.0, fw, fh, &mut rng)).collect();
            let l = Layout::objects(looks, fw, fh, m, &mut rng);
            assert_eq!(l.slabs().len(), 2);
            for r in 0..3 {
                let ok = (0..40).any(|i| (0..40).any(|j| {
                    let (x, y) = (m + fw * (0.12 + 0.76 * i as f32 / 39.0), m + fh * (0.25 + 0.65 * j as f32 / 39.0));
                    l.region(x, y) == r && l.boundary_distance(x, y) > 0.04 * fw
                }));
                assert!(ok, "seed {seed}: region {r} unreachable");
            }
        }
    }
}
