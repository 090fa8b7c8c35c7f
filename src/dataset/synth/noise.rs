//! Deterministic procedural noise for textures: integer hash, value noise, fBm, Voronoi.
//! Pure functions of position and seed, so a texture is the same whatever the thread.

/// 32-bit hash of a lattice point and a seed.
#[inline]
pub fn hash(ix: i32, iy: i32, seed: u32) -> u32 {
    let mut h = (ix as u32).wrapping_mul(0x8da6_b343) ^ (iy as u32).wrapping_mul(0xd816_3841) ^ seed.wrapping_mul(0xcb1a_b31f);
    h ^= h >> 15;
    h = h.wrapping_mul(0x2c1b_3c6d);
    h ^= h >> 12;
    h = h.wrapping_mul(0x297a_2d39);
    h ^ (h >> 15)
}

/// Uniform in [0, 1) at a lattice point.
#[inline]
pub fn rnd(ix: i32, iy: i32, seed: u32) -> f32 {
    (hash(ix, iy, seed) >> 8) as f32 / (1u32 << 24) as f32
}

#[inline]
fn fade(t: f32) -> f32 {
    t * t * t * (t * (t * 6.0 - 15.0) + 10.0)
}

/// Smooth value noise in [0, 1), one lattice cell per unit.
pub fn value(x: f32, y: f32, seed: u32) -> f32 {
    let (fx, fy) = (x.floor(), y.floor());
    let (ix, iy) = (fx as i32, fy as i32);
    let (tx, ty) = (fade(x - fx), fade(y - fy));
    let a = rnd(ix, iy, seed);
    let b = rnd(ix + 1, iy, seed);
    let c = rnd(ix, iy + 1, seed);
    let d = rnd(ix + 1, iy + 1, seed);
    let top = a + (b - a) * tx;
    let bot = c + (d - c) * tx;
    top + (bot - top) * ty
}

/// Fractal sum of `octaves` value-noise layers (each twice the frequency, half the
/// amplitude), normalised to [0, 1).
pub fn fbm(x: f32, y: f32, seed: u32, octaves: u32) -> f32 {
    let (mut sum, mut amp, mut norm, mut f) = (0.0, 1.0, 0.0, 1.0);
    for o in 0..octaves {
        sum += amp * value(x * f, y * f, seed.wrapping_add(o * 7919));
        norm += amp;
        amp *= 0.5;
        f *= 2.0;
    }
    sum / norm
}

/// Voronoi (cellular) noise with one jittered feature point per unit cell.
pub struct Cell {
    /// Distance to the nearest feature point (cell units).
    pub f1: f32,
    /// Distance to the second nearest.
    pub f2: f32,
    /// Hash identifying the nearest cell (for per-cell colour).
    pub id: u32,
    /// Offset from the nearest feature point to the query point.
    pub dx: f32,
    pub dy: f32,
}

pub fn voronoi(x: f32, y: f32, seed: u32) -> Cell {
    let (ix, iy) = (x.floor() as i32, y.floor() as i32);
    let mut best = Cell { f1: f32::MAX, f2: f32::MAX, id: 0, dx: 0.0, dy: 0.0 };
    for cy in iy - 1..=iy + 1 {
        for cx in ix - 1..=ix + 1 {
            let h = hash(cx, cy, seed);
            let px = cx as f32 + (h & 0xffff) as f32 / 65536.0;
            let py = cy as f32 + (h >> 16) as f32 / 65536.0;
            let (dx, dy) = (x - px, y - py);
            let d = (dx * dx + dy * dy).sqrt();
            if d < best.f1 {
                best.f2 = best.f1;
                best = Cell { f1: d, f2: best.f2, id: h, dx, dy };
            } else if d < best.f2 {
                best.f2 = d;
            }
        }
    }
    best
}

/// Small fast generator for per-pixel sensor noise (xorshift32); not for anything that
/// needs statistical quality.
pub struct XorShift(pub u32);

impl XorShift {
    pub fn new(seed: u32) -> Self {
        XorShift(seed.max(1))
    }
    #[inline]
    pub fn next_u32(&mut self) -> u32 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.0 = x;
        x
    }
    /// Triangular noise in (-1, 1) (sum of two uniforms), variance 1/6.
    #[inline]
    pub fn tri(&mut self) -> f32 {
        let v = self.next_u32();
        ((v & 0xffff) as f32 + (v >> 16) as f32) / 65536.0 - 1.0
    }
}
