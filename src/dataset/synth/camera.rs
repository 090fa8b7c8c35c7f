//! The camera: how it sees the surface (distance, tilt), how the hand holding it shakes,
//! and what the sensor and the grading do to the light (white balance, saturation, tone
//! curve, vignette, noise).
use super::noise::{value, XorShift};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// Per-video photographic settings of the first generator version. They are still drawn
/// (keeping each seed's random stream, hence its annotations and audio, unchanged); the
/// looks widen them from their own stream.
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

/// How canvas pixels map to points of the surface: camera distance (zoom) and a mild
/// perspective (the camera tilted forward and sideways, so texture shrinks toward the far
/// side). Only the texture is mapped; the regions (and so the choreography) stay put.
#[derive(Clone, Copy, Debug)]
pub struct View {
    cx: f32,
    cy: f32,
    /// Surface units per canvas pixel at the centre.
    inv_zoom: f32,
    /// Perspective divisor slopes per pixel.
    px: f32,
    py: f32,
}

impl View {
    pub fn straight(cx: f32, cy: f32, zoom: f32) -> View {
        View { cx, cy, inv_zoom: 1.0 / zoom, px: 0.0, py: 0.0 }
    }

    /// A random view of a `w`×`h` canvas: zoom 0.75–1.4 (log-uniform), the far (upper) side
    /// up to 30 % smaller, sideways up to ±12 %.
    pub fn random(w: f32, h: f32, rng: &mut ChaCha8Rng) -> View {
        let zoom = (rng.random_range(0.75f32.ln()..1.4f32.ln())).exp();
        let tilt = rng.random_range(0.0..0.3) / (h / 2.0);
        let side = rng.random_range(-0.12..0.12) / (w / 2.0);
        View { cx: w / 2.0, cy: h / 2.0, inv_zoom: 1.0 / zoom, px: side, py: tilt }
    }

    /// Surface point seen at canvas pixel (x, y).
    #[inline]
    pub fn map(&self, x: f32, y: f32) -> (f32, f32) {
        let (dx, dy) = (x - self.cx, y - self.cy);
        let k = self.inv_zoom / (1.0 + self.px * dx + self.py * dy);
        (self.cx + dx * k, self.cy + dy * k)
    }
}

/// Handheld camera motion (canvas pixels): a smooth two-octave drift, bursts of fast shaking
/// and short jolts that ring down, clamped to `max`.
#[derive(Clone, Debug)]
pub struct Shake {
    drift: f32,
    /// Drift rate (noise cells per second).
    rate: f32,
    bursts: Vec<(f64, f64, f32)>,
    /// (time, amplitude x, amplitude y) of jolts.
    jolts: Vec<(f64, f32, f32)>,
    seed: u32,
    max: f32,
}

impl Shake {
    /// The first version's shake: drift amplitude, bursts `(t0, t1, amplitude)`, seed, clamp.
    pub fn new(drift: f32, bursts: Vec<(f64, f64, f32)>, seed: u32, max: f32) -> Shake {
        Shake { drift, rate: 0.7, bursts, jolts: Vec::new(), seed, max }
    }

    /// Widen it (style "a"): a drift of 1–4 px (× `px`, the frame width / 320) at 0.4–1.2
    /// cells/s, bursts 1.5–2.5× stronger half the time, and a jolt every ~4 s on average.
    pub fn handheld(mut self, seconds: f64, px: f32, rng: &mut ChaCha8Rng) -> Shake {
        self.drift = rng.random_range(1.0..4.0) * px;
        self.rate = rng.random_range(0.4..1.2);
        if rng.random_bool(0.5) {
            let k = rng.random_range(1.5..2.5);
            self.bursts.iter_mut().for_each(|b| b.2 *= k);
        }
        let n = rng.random_range(0..=(seconds / 2.0).ceil() as usize);
        self.jolts = (0..n)
            .map(|_| {
                let a = rng.random_range(0.0..std::f32::consts::TAU);
                let s = rng.random_range(1.0..3.0) * px;
                (rng.random_range(0.0..seconds), s * a.cos(), s * a.sin())
            })
            .collect();
        self
    }

    /// A camera on a stand (style "b"): a slow sub-pixel creep only.
    pub fn tripod(mut self, px: f32, rng: &mut ChaCha8Rng) -> Shake {
        self.drift = rng.random_range(0.0..0.8) * px;
        self.rate = rng.random_range(0.1..0.3);
        self.bursts.clear();
        self
    }

    /// Offset (x, y) at time `t`.
    pub fn at(&self, t: f64) -> (f32, f32) {
        let tf = t as f32 * self.rate;
        let oct = |o: f32, s: u32| 0.7 * (2.0 * value(tf, o, s) - 1.0) + 0.3 * (2.0 * value(2.3 * tf, o + 20.0, s) - 1.0);
        let mut x = self.drift * oct(0.5, self.seed);
        let mut y = self.drift * oct(7.5, self.seed);
        let t32 = t as f32;
        for &(t0, t1, a) in &self.bursts {
            if t >= t0 && t < t1 {
                let env = (std::f64::consts::PI * (t - t0) / (t1 - t0)).sin() as f32;
                x += a * env * (2.0 * value(t32 * 9.0, 3.5, self.seed ^ 1) - 1.0);
                y += a * env * (2.0 * value(t32 * 9.0, 11.5, self.seed ^ 1) - 1.0);
            }
        }
        for &(tj, ax, ay) in &self.jolts {
            let d = t - tj;
            if (0.0..0.4).contains(&d) {
                let ring = (-(d / 0.08)).exp() as f32 * (std::f64::consts::TAU * 7.0 * d).cos() as f32;
                x += ax * ring;
                y += ay * ring;
            }
        }
        (x.clamp(-self.max, self.max), y.clamp(-self.max, self.max))
    }
}

/// The sensor's noise.
#[derive(Clone, Debug)]
pub enum Noise {
    /// Style "a": Gaussian-like luma noise growing with the signal (shot noise: `read` + `shot`
    /// × √value, 8-bit levels) plus a share `chroma` of independent per-channel noise.
    Sensor { read: f32, shot: f32, chroma: f32 },
    /// Style "b": uniform per-channel noise of ±`level` (8-bit levels), a per-row offset of
    /// ±`rows` (line noise) and quantisation to `levels` steps (banding).
    Banded { level: f32, rows: f32, levels: f32 },
}

/// From scene light to 8-bit pixels: white balance and saturation (a 3×3 matrix), vignette,
/// a tone curve per channel (contrast, midtones, coloured lift) and sensor noise.
///
/// The tone curve is the cubic y = x + x(1 − x)(2c(2x − 1) + g) (S-curve strength c,
/// midtone lift g), monotone for 2|c| + |g| ≤ 1, then scaled to [lift, 1]: arithmetic only,
/// so the per-pixel loop has no table look-ups.
#[derive(Clone, Debug)]
pub struct Grade {
    matrix: [[f32; 3]; 3],
    /// Curve y = x + x(1 − x)(a·x + b).
    a: f32,
    b: f32,
    /// Output per channel: `lift` + `span`·y, in 8-bit levels.
    lift: [f32; 3],
    span: [f32; 3],
    /// Darkening at the frame's corners (0 = none).
    vignette: f32,
    noise: Noise,
}

impl Grade {
    /// `temperature` in [-1, 1] (cool … warm), `tint` (green … magenta), `saturation`,
    /// `contrast` in [-0.3, 0.35] (S-curve strength), `midtones` in [-0.25, 0.25] (like a
    /// gamma of about 1.25 … 0.8), `lift` (black level per channel).
    #[allow(clippy::too_many_arguments)]
    pub fn new(temperature: f32, tint: f32, saturation: f32, contrast: f32, midtones: f32, lift: [f32; 3], vignette: f32, noise: Noise) -> Grade {
        let wb = [1.0 + 0.14 * temperature, 1.0 - 0.05 * tint, 1.0 - 0.14 * temperature];
        let norm = 0.299 * wb[0] + 0.587 * wb[1] + 0.114 * wb[2];
        let lw = [0.299, 0.587, 0.114];
        let mut matrix = [[0.0f32; 3]; 3];
        for (r, row) in matrix.iter_mut().enumerate() {
            for (c, m) in row.iter_mut().enumerate() {
                // out_r = L + s (in_r − L), L = Σ lw·in; then white balance on the input.
                let sat = if r == c { saturation } else { 0.0 } + (1.0 - saturation) * lw[c];
                *m = sat * wb[c] / norm;
            }
        }
        let (c, g) = (contrast.clamp(-0.3, 0.35), midtones.clamp(-0.25, 0.25));
        Grade { matrix, a: 4.0 * c, b: g - 2.0 * c, lift: lift.map(|l| 255.0 * l), span: lift.map(|l| 255.0 * (1.0 - l)), vignette, noise }
    }

    /// Grade `buf` (linear RGB, `fw`×`fh`) into `out` (RGB8); `seed` draws the frame's noise.
    pub fn finish(&self, buf: &[f32], fw: usize, fh: usize, seed: u32, out: &mut [u8]) {
        let mut rng = XorShift::new(seed);
        let m = &self.matrix;
        let (hw, hh) = (fw as f32 / 2.0, fh as f32 / 2.0);
        let col: Vec<f32> = (0..fw).map(|x| ((x as f32 + 0.5 - hw) / hw).powi(2)).collect();
        let mut row = vec![0.0f32; fw * 3];
        for y in 0..fh {
            // Light to graded values, one row at a time.
            let ny = ((y as f32 + 0.5 - hh) / hh).powi(2);
            let src = &buf[y * fw * 3..(y + 1) * fw * 3];
            for ((p, q), nx) in src.chunks_exact(3).zip(row.chunks_exact_mut(3)).zip(&col) {
                let v = 1.0 - self.vignette * 0.5 * (nx + ny);
                for c in 0..3 {
                    let x = ((m[c][0] * p[0] + m[c][1] * p[1] + m[c][2] * p[2]) * v).clamp(0.0, 1.0);
                    q[c] = self.lift[c] + self.span[c] * (x + x * (1.0 - x) * (self.a * x + self.b));
                }
            }
            let dst = &mut out[y * fw * 3..(y + 1) * fw * 3];
            match self.noise {
                Noise::Sensor { read, shot, chroma } => {
                    // Triangular noise of variance 1/6 (sum of two uniform bytes): scale to σ.
                    let (read, shot) = (read * 6f32.sqrt(), shot * 6f32.sqrt() / 255f32.sqrt());
                    for (q, o) in row.chunks_exact(3).zip(dst.chunks_exact_mut(3)) {
                        let l = 0.299 * q[0] + 0.587 * q[1] + 0.114 * q[2];
                        let sigma = read + shot * l.max(0.0).sqrt();
                        let (a, b) = (rng.next_u32(), rng.next_u32());
                        let nl = sigma * tri8(a);
                        let cs = chroma * sigma;
                        let n = [nl + cs * tri8(a >> 16), nl + cs * tri8(b), nl + cs * tri8(b >> 16)];
                        for c in 0..3 {
                            o[c] = (q[c] + n[c] + 0.5).clamp(0.0, 255.0) as u8;
                        }
                    }
                }
                Noise::Banded { level, rows, levels } => {
                    let row_off = rows * tri8(rng.next_u32());
                    let (step, inv) = (255.0 / levels, levels / 255.0);
                    for (q, o) in row.iter().zip(dst.iter_mut()) {
                        let n = level * (2.0 * (rng.next_u32() >> 8) as f32 / (1u32 << 24) as f32 - 1.0);
                        // Nearest step (non-negative, so truncating x + 0.5 rounds).
                        let s = ((q + n + row_off).clamp(0.0, 255.0) * inv + 0.5) as u32 as f32 * step;
                        *o = (s + 0.5) as u8;
                    }
                }
            }
        }
    }
}

/// Triangular noise in (−1, 1) with variance ≈ 1/6 from the low 16 bits of `v` (the sum of
/// two uniform bytes).
#[inline]
fn tri8(v: u32) -> f32 {
    ((v & 0xff) + ((v >> 8) & 0xff)) as f32 / 255.0 - 1.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neutral_grade_is_identity_up_to_rounding() {
        let g = Grade::new(0.0, 0.0, 1.0, 0.0, 0.0, [0.0; 3], 0.0, Noise::Sensor { read: 0.0, shot: 0.0, chroma: 0.0 });
        let buf: Vec<f32> = (0..4 * 4 * 3).map(|i| i as f32 / 47.0).collect();
        let mut out = vec![0u8; buf.len()];
        g.finish(&buf, 4, 4, 1, &mut out);
        for (b, o) in buf.iter().zip(&out) {
            // Rounding only.
            assert!((b * 255.0 - *o as f32).abs() <= 0.5 + 1e-3, "{b} → {o}");
        }
    }

    #[test]
    fn warm_grade_raises_red_over_blue_and_keeps_grey_luma() {
        let g = Grade::new(1.0, 0.0, 1.0, 0.0, 0.0, [0.0; 3], 0.0, Noise::Sensor { read: 0.0, shot: 0.0, chroma: 0.0 });
        let mut out = [0u8; 3];
        g.finish(&[0.5, 0.5, 0.5], 1, 1, 1, &mut out);
        assert!(out[0] > out[2] + 20, "{out:?}");
        let l = 0.299 * out[0] as f32 + 0.587 * out[1] as f32 + 0.114 * out[2] as f32;
        assert!((l - 127.5).abs() < 1.5, "luma {l}");
    }

    #[test]
    fn view_shrinks_the_far_side() {
        let mut rng = rand::SeedableRng::seed_from_u64(3);
        let v = View::random(340.0, 260.0, &mut rng);
        // A one-pixel step covers more surface near the top (far) than near the bottom.
        let step = |y: f32| {
            let (a, b) = (v.map(170.0, y), v.map(171.0, y));
            ((b.0 - a.0).powi(2) + (b.1 - a.1).powi(2)).sqrt()
        };
        assert!(step(10.0) >= step(250.0));
    }

    #[test]
    fn shake_stays_within_its_bound_and_moves() {
        let mut rng = rand::SeedableRng::seed_from_u64(9);
        let s = Shake::new(1.0, vec![(1.0, 1.6, 8.0)], 77, 6.0).handheld(10.0, 1.0, &mut rng);
        let pts: Vec<(f32, f32)> = (0..300).map(|i| s.at(i as f64 / 30.0)).collect();
        assert!(pts.iter().all(|p| p.0.abs() <= 6.0 && p.1.abs() <= 6.0));
        let spread = pts.iter().map(|p| p.0).fold(f32::MIN, f32::max) - pts.iter().map(|p| p.0).fold(f32::MAX, f32::min);
        assert!(spread > 1.0, "drift spread {spread}");
    }
}
