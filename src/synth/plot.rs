//! `--plot`: a cochleagram as a picture (time → right, bands low → high upwards) with the
//! detected hits marked by ticks above it and faint lines through it: red for hits of the
//! envelope flux, blue for hits of the onset read-out.
use super::hits::{Hit, HitSource};
use crate::error::{Error, Result};
use crate::Cochleagram;
use std::path::Path;

/// Pixels per band row.
const ROW: u32 = 5;
/// Height of the strip above the picture where hits are ticked.
const STRIP: u32 = 12;
/// Widest picture; longer cochleagrams are shown at several steps per column (max of them).
const MAX_WIDTH: usize = 4000;

/// Write `coch` as a PNG to `path` (atomically).
pub fn write_png(coch: &Cochleagram, hits: &[Hit], path: &Path) -> Result<()> {
    let img = render(coch, hits);
    crate::util::write_atomic(path, |tmp| {
        img.save_with_format(tmp, image::ImageFormat::Png).map_err(|e| Error::bad(tmp, format!("cannot write PNG ({e})")))
    })
}

/// `coch` divided by `peak` (clipped to 1), so that quiet cochleagrams use the whole colour
/// ramp; `None` = its own maximum.
pub fn scaled(coch: &Cochleagram, peak: Option<f32>) -> Cochleagram {
    let peak = peak.unwrap_or_else(|| coch.data.iter().cloned().fold(0.0f32, f32::max)).max(1e-3);
    Cochleagram { data: coch.data.iter().map(|v| (v / peak).min(1.0)).collect(), ..coch.clone() }
}

/// The picture: one column per step (or per group of steps for long inputs; at least 2 px
/// per step for short ones), colour = envelope value in [0, 1] on a dark-to-bright scale.
pub fn render(coch: &Cochleagram, hits: &[Hit]) -> image::RgbImage {
    let frames = coch.frames().max(1);
    let per_col = frames.div_ceil(MAX_WIDTH);
    let cols = frames.div_ceil(per_col);
    let px = if cols < 400 { 2 } else { 1 };
    let (w, h) = ((cols * px) as u32, STRIP + ROW * coch.bands as u32);
    let mut img = image::RgbImage::from_pixel(w, h, image::Rgb([255, 255, 255]));
    for c in 0..cols {
        for b in 0..coch.bands {
            let v = (c * per_col..((c + 1) * per_col).min(coch.frames()))
                .map(|t| coch.frame(t)[b])
                .fold(0.0f32, f32::max);
            let colour = colormap(v);
            let y0 = STRIP + ROW * (coch.bands - 1 - b) as u32;
            for x in (c * px) as u32..((c + 1) * px) as u32 {
                for y in y0..y0 + ROW {
                    img.put_pixel(x, y, colour);
                }
            }
        }
    }
    for hit in hits {
        let x = ((hit.step / per_col) * px) as u32;
        let (tick, line) = match hit.source {
            HitSource::Flux => ([220, 20, 20], [255, 80, 80]),
            HitSource::ReadOut => ([20, 90, 220], [80, 150, 255]),
        };
        for xx in x..(x + px as u32).min(w) {
            for y in 0..STRIP - 2 {
                img.put_pixel(xx, y, image::Rgb(tick));
            }
            for y in (STRIP..h).step_by(3) {
                img.put_pixel(xx, y, image::Rgb(line));
            }
        }
    }
    img
}

/// Dark blue → purple → orange → pale yellow (a magma-like ramp) for v in [0, 1].
fn colormap(v: f32) -> image::Rgb<u8> {
    const STOPS: [[f32; 3]; 5] = [[0.0, 0.0, 4.0], [80.0, 18.0, 123.0], [183.0, 55.0, 121.0], [252.0, 137.0, 97.0], [252.0, 253.0, 191.0]];
    let x = v.clamp(0.0, 1.0) * (STOPS.len() - 1) as f32;
    let i = (x.floor() as usize).min(STOPS.len() - 2);
    let f = x - i as f32;
    let mix = |k: usize| (STOPS[i][k] * (1.0 - f) + STOPS[i + 1][k] * f).round() as u8;
    image::Rgb([mix(0), mix(1), mix(2)])
}
