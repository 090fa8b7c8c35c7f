//! Contact sheet: what the model sees, as one PNG. Each cell is a sampled frame (RGB) beside
//! its spacetime image shown as colour (red = gray t−1, green = gray t, blue = gray t+1):
//! still parts look gray, moving edges get coloured fringes.
use super::{open_frames, spacetime, Frame, SampleConfig};
use crate::error::{Error, Result};
use crate::util::write_atomic;
use std::path::Path;

/// Layout of a contact sheet.
#[derive(Clone, Debug, PartialEq)]
pub struct SheetConfig {
    /// How frames are sampled (size, fit, rate), as for the model.
    pub frames: SampleConfig,
    /// Number of moments shown, evenly spaced over the video.
    pub count: usize,
    /// Cells (RGB + spacetime pairs) per row.
    pub columns: usize,
}

impl Default for SheetConfig {
    fn default() -> Self {
        SheetConfig { frames: SampleConfig::new(128, 128), count: 8, columns: 4 }
    }
}

/// Gap between images, in pixels (drawn dark gray).
const GAP: usize = 4;
/// Small frames are enlarged (nearest neighbour, integer factor) to at least this height.
const MIN_TILE: usize = 128;

/// Sample `video`, pick `cfg.count` frames evenly spaced in time and draw them with their
/// spacetime images into `out` (PNG, written atomically). `progress` is called with the
/// number of sampled frames read so far. Returns the times (s) of the frames shown.
pub fn contact_sheet(video: &Path, cfg: &SheetConfig, out: &Path, mut progress: impl FnMut(usize)) -> Result<Vec<f64>> {
    if cfg.count == 0 || cfg.columns == 0 {
        return Err(Error::Param("a contact sheet needs at least one frame and one column".into()));
    }
    let mut src = open_frames(video, &cfg.frames)?;
    let total = src.info().sampled_frames(cfg.frames.fps).max(1) as usize;
    // Target sample indices, evenly spaced over the (declared) length.
    let targets: Vec<usize> = if cfg.count == 1 || total == 1 {
        vec![0]
    } else {
        let mut t: Vec<usize> = (0..cfg.count).map(|k| k * (total - 1) / (cfg.count - 1)).collect();
        t.dedup();
        t
    };
    // Sliding window prev, cur, next over the sampled frames.
    let mut cells: Vec<(Frame, Vec<u8>)> = Vec::new();
    let mut window: Vec<Frame> = Vec::with_capacity(3);
    let mut next_target = 0;
    for (n, frame) in src.by_ref().enumerate() {
        let frame = frame?;
        progress(n + 1);
        window.push(frame);
        if window.len() > 3 {
            window.remove(0);
        }
        // The centre of the window is frame n−1 once two frames are in.
        if window.len() >= 2 && next_target < targets.len() && targets[next_target] == n - 1 {
            // With two frames in, the window's first frame is the centre (edge replicates).
            let (prev, cur, nxt) = (&window[window.len().saturating_sub(3)], &window[window.len() - 2], &window[window.len() - 1]);
            cells.push((cur.clone(), spacetime(prev, cur, nxt)));
            next_target += 1;
        }
    }
    // The last frame (its next replicates), if wanted or if the video was shorter than declared.
    if let Some(last) = window.last() {
        let want = next_target < targets.len();
        if want && cells.last().is_none_or(|(f, _)| f.index != last.index) {
            let prev = &window[window.len().saturating_sub(2)];
            cells.push((last.clone(), spacetime(prev, last, last)));
        }
    }
    if cells.is_empty() {
        return Err(Error::bad(video, "no frames to draw"));
    }
    let image = draw(&cells, cfg);
    write_atomic(out, |tmp| {
        image.save_with_format(tmp, image::ImageFormat::Png).map_err(|e| Error::bad(out, format!("cannot write PNG: {e}")))
    })?;
    Ok(cells.iter().map(|(f, _)| f.time).collect())
}

fn draw(cells: &[(Frame, Vec<u8>)], cfg: &SheetConfig) -> image::RgbImage {
    let (w, h) = (cfg.frames.width as usize, cfg.frames.height as usize);
    let zoom = MIN_TILE.div_ceil(h).max(1);
    let (tw, th) = (w * zoom, h * zoom);
    let cols = cfg.columns.min(cells.len());
    let rows = cells.len().div_ceil(cols);
    let cell_w = 2 * tw + GAP;
    let (width, height) = (cols * (cell_w + 2 * GAP) + GAP, rows * (th + 2 * GAP) + GAP);
    let mut img = image::RgbImage::from_pixel(width as u32, height as u32, image::Rgb([40, 40, 40]));
    for (k, (frame, st)) in cells.iter().enumerate() {
        let (x0, y0) = (GAP + (k % cols) * (cell_w + 2 * GAP), GAP + (k / cols) * (th + 2 * GAP));
        for (j, pixels) in [&frame.rgb, st].into_iter().enumerate() {
            let xo = x0 + j * (tw + GAP);
            for y in 0..th {
                for x in 0..tw {
                    let i = 3 * ((y / zoom) * w + x / zoom);
                    img.put_pixel((xo + x) as u32, (y0 + y) as u32, image::Rgb([pixels[i], pixels[i + 1], pixels[i + 2]]));
                }
            }
        }
    }
    img
}
