//! Loss-curve PNG: training loss (grey: every logged value; blue: running mean), validation
//! loss per epoch (red dots joined), predict-the-mean baseline (dashed green). Axes: step
//! (x) and loss (y); the y range and tick values are written into the picture with a tiny
//! built-in digit font.
use crate::error::{Error, Result};
use image::{Rgb, RgbImage};
use std::path::Path;

const W: u32 = 800;
const H: u32 = 480;
const L: i64 = 70; // left margin (y labels)
const B: i64 = 30; // bottom margin (x labels)

/// Draw and write the PNG atomically. `train` and `val` are (step, loss) pairs.
pub fn loss_curve(path: &Path, train: &[(f64, f64)], val: &[(f64, f64)], baseline: Option<f64>) -> Result<()> {
    let mut img = RgbImage::from_pixel(W, H, Rgb([255, 255, 255]));
    let all: Vec<f64> = train.iter().chain(val).map(|p| p.1).chain(baseline).filter(|v| v.is_finite()).collect();
    if !all.is_empty() {
        let x_max = train.iter().chain(val).map(|p| p.0).fold(1.0f64, f64::max);
        let (mut lo, mut hi) = all.iter().fold((f64::MAX, f64::MIN), |(a, b), &v| (a.min(v), b.max(v)));
        if hi - lo < 1e-6 {
            hi += 0.5;
            lo -= 0.5;
        }
        let pad = (hi - lo) * 0.05;
        let (lo, hi) = (lo - pad, hi + pad);
        let px = |x: f64| L + ((x / x_max) * (W as i64 - L - 10) as f64) as i64;
        let py = |y: f64| ((hi - y) / (hi - lo) * (H as i64 - B - 10) as f64) as i64 + 5;
        // Axes and ticks.
        line(&mut img, L, 5, L, H as i64 - B, [0, 0, 0]);
        line(&mut img, L, H as i64 - B, W as i64 - 5, H as i64 - B, [0, 0, 0]);
        for k in 0..=4 {
            let y = lo + (hi - lo) * k as f64 / 4.0;
            line(&mut img, L - 4, py(y), L, py(y), [0, 0, 0]);
            text(&mut img, 2, py(y) - 3, &format!("{y:.2}"), [0, 0, 0]);
            let x = x_max * k as f64 / 4.0;
            line(&mut img, px(x), H as i64 - B, px(x), H as i64 - B + 4, [0, 0, 0]);
            text(&mut img, px(x) - 8, H as i64 - B + 8, &format!("{}", x.round() as i64), [0, 0, 0]);
        }
        if let Some(b) = baseline {
            let mut x = L;
            while x < W as i64 - 10 {
                line(&mut img, x, py(b), (x + 6).min(W as i64 - 10), py(b), [0, 160, 0]);
                x += 12;
            }
        }
        polyline(&mut img, train.iter().map(|p| (px(p.0), py(p.1))), [190, 190, 190]);
        let mut acc = Vec::new();
        let k = (train.len() / 20).max(1);
        for i in 0..train.len() {
            let s = &train[i.saturating_sub(k - 1)..=i];
            acc.push((px(train[i].0), py(s.iter().map(|p| p.1).sum::<f64>() / s.len() as f64)));
        }
        polyline(&mut img, acc.into_iter(), [30, 80, 220]);
        polyline(&mut img, val.iter().map(|p| (px(p.0), py(p.1))), [220, 30, 30]);
        for p in val {
            for d in -2..=2 {
                line(&mut img, px(p.0) - 2, py(p.1) + d, px(p.0) + 2, py(p.1) + d, [220, 30, 30]);
            }
        }
    }
    crate::util::write_atomic(path, |tmp| {
        img.save_with_format(tmp, image::ImageFormat::Png).map_err(|e| Error::bad(tmp, e.to_string()))
    })
}

fn polyline(img: &mut RgbImage, pts: impl Iterator<Item = (i64, i64)>, c: [u8; 3]) {
    let mut prev: Option<(i64, i64)> = None;
    for p in pts {
        if let Some(q) = prev {
            line(img, q.0, q.1, p.0, p.1, c);
        }
        prev = Some(p);
    }
}

fn line(img: &mut RgbImage, x0: i64, y0: i64, x1: i64, y1: i64, c: [u8; 3]) {
    let n = (x1 - x0).abs().max((y1 - y0).abs()).max(1);
    for i in 0..=n {
        let x = x0 + (x1 - x0) * i / n;
        let y = y0 + (y1 - y0) * i / n;
        if x >= 0 && y >= 0 && (x as u32) < img.width() && (y as u32) < img.height() {
            img.put_pixel(x as u32, y as u32, Rgb(c));
        }
    }
}

/// 3x5 glyphs for digits, '.', '-'; each row is 3 bits, high bit left.
fn glyph(ch: char) -> [u8; 5] {
    match ch {
        '0' => [7, 5, 5, 5, 7],
        '1' => [2, 6, 2, 2, 7],
        '2' => [7, 1, 7, 4, 7],
        '3' => [7, 1, 7, 1, 7],
        '4' => [5, 5, 7, 1, 1],
        '5' => [7, 4, 7, 1, 7],
        '6' => [7, 4, 7, 5, 7],
        '7' => [7, 1, 1, 1, 1],
        '8' => [7, 5, 7, 5, 7],
        '9' => [7, 5, 7, 1, 7],
        '.' => [0, 0, 0, 0, 2],
        '-' => [0, 0, 7, 0, 0],
        _ => [0; 5],
    }
}

/// Draw text at 2x scale (each glyph 6x10 pixels plus spacing).
fn text(img: &mut RgbImage, x: i64, y: i64, s: &str, c: [u8; 3]) {
    for (i, ch) in s.chars().enumerate() {
        let g = glyph(ch);
        for (r, bits) in g.iter().enumerate() {
            for col in 0..3 {
                if bits >> (2 - col) & 1 == 1 {
                    let (gx, gy) = (x + i as i64 * 8 + col * 2, y + r as i64 * 2);
                    for (dx, dy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
                        line(img, gx + dx, gy + dy, gx + dx, gy + dy, c);
                    }
                }
            }
        }
    }
}
