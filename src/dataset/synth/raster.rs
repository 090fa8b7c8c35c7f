//! Anti-aliased shapes drawn into a frame: tapered capsules (stick, arm, shadows) and
//! rotated ellipses (hand), each calling back per covered pixel so that callers shade.

/// Rasterise a segment from `p0` to `p1` whose radius goes from `r0` to `r1`, with an edge
/// `soft` pixels wide (1 = plain anti-aliasing; more for penumbrae), into a `fw`×`fh` frame.
/// `paint(pixel, t, across, coverage)`: `t` in [0, 1] along the axis from `p0`, `across` in
/// [-1, 1] across it (signed, −1 on the left of `p0 → p1` in image coordinates).
#[allow(clippy::too_many_arguments)]
pub fn segment(fw: usize, fh: usize, p0: (f32, f32), p1: (f32, f32), r0: f32, r1: f32, soft: f32, mut paint: impl FnMut(usize, f32, f32, f32)) {
    let s = soft.max(1.0);
    let (dx, dy) = (p1.0 - p0.0, p1.1 - p0.1);
    let len2 = (dx * dx + dy * dy).max(1e-6);
    let len = len2.sqrt();
    let reach = r0.max(r1) + s;
    let y_lo = (p0.1.min(p1.1) - reach).floor().max(0.0) as usize;
    let y_hi = ((p0.1.max(p1.1) + reach).ceil().max(0.0) as usize).min(fh);
    for y in y_lo..y_hi {
        let fy = y as f32 + 0.5;
        // Parameter range of axis points within `reach` rows of this row.
        let (ta, tb) = if dy.abs() < 1e-6 {
            (0.0, 1.0)
        } else {
            let t0 = (fy - reach - p0.1) / dy;
            let t1 = (fy + reach - p0.1) / dy;
            (t0.min(t1).clamp(0.0, 1.0), t0.max(t1).clamp(0.0, 1.0))
        };
        let (xa, xb) = (p0.0 + dx * ta, p0.0 + dx * tb);
        let x_lo = (xa.min(xb) - reach).floor().max(0.0) as usize;
        let x_hi = ((xa.max(xb) + reach).ceil().max(0.0) as usize).min(fw);
        for x in x_lo..x_hi {
            let fx = x as f32 + 0.5;
            let (qx, qy) = (fx - p0.0, fy - p0.1);
            let t = ((qx * dx + qy * dy) / len2).clamp(0.0, 1.0);
            let (ex, ey) = (qx - dx * t, qy - dy * t);
            let d = (ex * ex + ey * ey).sqrt();
            let r = r0 + (r1 - r0) * t;
            let cov = ((r + 0.5 * s - d) / s).clamp(0.0, 1.0);
            if cov > 0.0 {
                let across = (ex * -dy + ey * dx) / len / r.max(1e-3);
                paint(y * fw + x, t, across.clamp(-1.0, 1.0), cov);
            }
        }
    }
}

/// Rasterise an ellipse centred at `c` with semi-axes `a` along `dir` (a unit vector) and
/// `b` across it, edge `soft` pixels wide. `paint(pixel, u, v, coverage)` with (u, v) the
/// position in ellipse units (u² + v² = 1 on the rim).
#[allow(clippy::too_many_arguments)]
pub fn ellipse(fw: usize, fh: usize, c: (f32, f32), a: f32, b: f32, dir: (f32, f32), soft: f32, mut paint: impl FnMut(usize, f32, f32, f32)) {
    let s = soft.max(1.0);
    let reach = a.max(b) + s;
    let (x_lo, x_hi) = ((c.0 - reach).floor().max(0.0) as usize, ((c.0 + reach).ceil().max(0.0) as usize).min(fw));
    let (y_lo, y_hi) = ((c.1 - reach).floor().max(0.0) as usize, ((c.1 + reach).ceil().max(0.0) as usize).min(fh));
    let m = a.min(b).max(1e-3);
    for y in y_lo..y_hi {
        for x in x_lo..x_hi {
            let (qx, qy) = (x as f32 + 0.5 - c.0, y as f32 + 0.5 - c.1);
            let (u, v) = ((qx * dir.0 + qy * dir.1) / a, (-qx * dir.1 + qy * dir.0) / b);
            // Distance outside the rim, approximately, in pixels.
            let d = ((u * u + v * v).sqrt() - 1.0) * m;
            let cov = ((0.5 * s - d) / s).clamp(0.0, 1.0);
            if cov > 0.0 {
                paint(y * fw + x, u, v, cov);
            }
        }
    }
}

/// Blend `color` into pixel `i` of an RGB float buffer with weight `k`.
#[inline]
pub fn blend(buf: &mut [f32], i: usize, color: [f32; 3], k: f32) {
    for c in 0..3 {
        let p = &mut buf[i * 3 + c];
        *p += (color[c] - *p) * k;
    }
}

/// Darken pixel `i` by factor `1 - k`.
#[inline]
pub fn darken(buf: &mut [f32], i: usize, k: f32) {
    for c in 0..3 {
        buf[i * 3 + c] *= 1.0 - k;
    }
}
