//! `--plot`: a cochleagram as a picture a person can read. Time runs right (x axis in
//! seconds, from the cochleagram's rate), bands low → high upwards (y axis labelled with the
//! bands' centre frequencies: 100 Hz, 1 kHz, … at the band nearest each). Detected hits are
//! marked by bars in a strip above the picture and faint dotted lines through it: red for hits
//! of the envelope flux, blue for hits of the onset read-out. A legend above says so and shows
//! the colour ramp of the envelope values (0 → 1).
//!
//! The drawing toolkit (font, ticks, legend) is [`crate::picture`].
use super::hits::{Hit, HitSource};
use crate::cochleagram::{erb, FilterBank, Params};
use crate::error::{Error, Result};
use crate::picture::{self, Frame, Key, GAP, TICK};
use crate::Cochleagram;
use image::RgbImage;
use std::path::Path;

/// Pixels per band row.
const ROW: u32 = 5;
/// Height of the strip above the picture where hits are ticked.
const STRIP: u32 = 12;
/// Widest picture; longer cochleagrams are shown at several steps per column (max of them).
const MAX_WIDTH: usize = 4000;
/// Font scale of the labels.
const SCALE: u32 = 1;
/// Margin right of the data area: room for half of the last time label.
const RIGHT: u32 = 16;
/// Width of the colour ramp in the legend.
const RAMP: u32 = 40;
/// Frequencies that may label the y axis, most wanted first; each goes to the band whose
/// centre is nearest in ERB number, and is left out where its label would overlap one
/// already placed or lies outside the bank. (Not 20 Hz: the lowest column is the low-pass
/// band, 0 Hz up to the first ERB band, whose nominal "centre" is the 20 Hz cut-off.)
const FREQ_TICKS: [f64; 8] = [1000.0, 100.0, 10_000.0, 5000.0, 500.0, 2000.0, 200.0, 50.0];
/// Hit colours: (bar in the strip and legend, dotted line through the picture).
const FLUX: ([u8; 3], [u8; 3]) = ([220, 20, 20], [255, 80, 80]);
const READ_OUT: ([u8; 3], [u8; 3]) = ([20, 90, 220], [80, 150, 255]);

/// Write `coch` as a PNG to `path` (atomically). The y axis is labelled with the centre
/// frequencies of the SPEC filter bank (20 Hz – 10 kHz, ERB-spaced) with `coch.bands − 2`
/// ERB bands; [`write_png_with`] names the analysis parameters when they differ.
pub fn write_png(coch: &Cochleagram, hits: &[Hit], path: &Path) -> Result<()> {
    save(&render(coch, hits), path)
}

/// [`write_png`] for a cochleagram analysed with `params` (e.g. a model's
/// `config.json` `features`): the y axis shows that bank's centre frequencies.
pub fn write_png_with(coch: &Cochleagram, hits: &[Hit], params: &Params, path: &Path) -> Result<()> {
    let centres = band_centres(params)?;
    if centres.len() != coch.bands {
        return Err(Error::Param(format!(
            "cochleagram has {} bands, the analysis parameters give {}",
            coch.bands,
            centres.len()
        )));
    }
    save(&render_with_centres(coch, hits, Some(&centres)), path)
}

fn save(img: &RgbImage, path: &Path) -> Result<()> {
    crate::util::write_atomic(path, |tmp| {
        img.save_with_format(tmp, image::ImageFormat::Png).map_err(|e| Error::bad(tmp, format!("cannot write PNG ({e})")))
    })
}

/// Centre frequencies in Hz of the `params.total_bands()` columns of a cochleagram
/// ([`FilterBank::center`]), low → high.
pub fn band_centres(params: &Params) -> Result<Vec<f64>> {
    let bank = FilterBank::new(params)?;
    Ok((0..bank.len()).map(|k| bank.center(k)).collect())
}

/// The centres for a cochleagram of `bands` columns under the SPEC parameters with
/// `bands − 2` ERB bands; `None` when no such bank exists (fewer than 3 columns).
fn default_centres(bands: usize) -> Option<Vec<f64>> {
    let params = Params { bands: bands.checked_sub(2)?, ..Params::default() };
    band_centres(&params).ok()
}

/// `coch` divided by `peak` (clipped to 1), so that quiet cochleagrams use the whole colour
/// ramp; `None` = its own maximum.
pub fn scaled(coch: &Cochleagram, peak: Option<f32>) -> Cochleagram {
    let peak = peak.unwrap_or_else(|| coch.data.iter().cloned().fold(0.0f32, f32::max)).max(1e-3);
    Cochleagram { data: coch.data.iter().map(|v| (v / peak).min(1.0)).collect(), ..coch.clone() }
}

/// The picture, with the y axis of [`write_png`]: one column per step (or per group of steps
/// for long inputs; at least 2 px per step for short ones), colour = envelope value in
/// [0, 1] on a dark-to-bright scale.
pub fn render(coch: &Cochleagram, hits: &[Hit]) -> RgbImage {
    render_with_centres(coch, hits, default_centres(coch.bands).as_deref())
}

/// Where things lie in the picture of a cochleagram.
#[derive(Clone, Debug, PartialEq)]
struct Layout {
    /// The data area (one column per `per_col` steps, `px` pixels wide; one `ROW` per band).
    frame: Frame,
    per_col: usize,
    px: usize,
    /// Top row of the hit strip, when there are hits.
    strip: Option<u32>,
    /// Steps per second.
    rate: f64,
    bands: usize,
    /// Width of the whole picture (at least the legend's).
    width: u32,
}

impl Layout {
    fn new(coch: &Cochleagram, has_hits: bool, y_labels: &[(usize, String)], legend_w: u32) -> Self {
        let frames = coch.frames().max(1);
        let per_col = frames.div_ceil(MAX_WIDTH);
        let cols = frames.div_ceil(per_col);
        let px = if cols < 400 { 2 } else { 1 };
        let widest = y_labels.iter().map(|(_, s)| picture::text_width(s, SCALE)).chain([picture::text_width("hits", SCALE)]).max().unwrap_or(0);
        let legend_h = GAP + picture::text_height(SCALE) + GAP;
        let strip = has_hits.then_some(legend_h);
        let top = legend_h + if has_hits { STRIP } else { GAP };
        let frame = Frame { left: Frame::left_margin(widest, SCALE), top, width: (cols * px) as u32, height: ROW * coch.bands as u32, scale: SCALE };
        let width = (frame.left + frame.width + RIGHT).max(frame.left + legend_w + RIGHT);
        Layout { frame, per_col, px, strip, rate: coch.rate, bands: coch.bands, width }
    }
    /// Column of time `t` seconds: the left edge of step `t × rate`'s column (fractional
    /// steps in between).
    fn x_of_time(&self, t: f64) -> i64 {
        self.frame.left as i64 + (t * self.rate / self.per_col as f64 * self.px as f64).round() as i64
    }
    /// Left column of step `step`.
    fn x_of_step(&self, step: usize) -> i64 {
        self.frame.left as i64 + ((step / self.per_col) * self.px) as i64
    }
    /// First pixel row of band `b` (band 0 at the bottom).
    fn y_of_band(&self, b: usize) -> i64 {
        self.frame.top as i64 + (ROW * (self.bands - 1 - b) as u32) as i64
    }
    /// Middle row of band `b`, where its tick goes.
    fn y_mid_of_band(&self, b: usize) -> i64 {
        self.y_of_band(b) + ROW as i64 / 2
    }
}

/// The y-axis ticks: (band, label) pairs. With centre frequencies: the [`FREQ_TICKS`] that fit,
/// each at the band nearest it in ERB number; without: band indices at round steps.
fn y_ticks(bands: usize, centres: Option<&[f64]>) -> Vec<(usize, String)> {
    let min_gap = (picture::text_height(SCALE) + 4) as i64;
    let mut out: Vec<(usize, String)> = Vec::new();
    match centres.filter(|c| c.len() == bands && bands > 1) {
        Some(c) => {
            for f in FREQ_TICKS {
                if f < c[0] * 0.999 || f > c[bands - 1] * 1.001 {
                    continue;
                }
                let band = (0..bands).min_by(|&a, &b| (erb(c[a]) - erb(f)).abs().total_cmp(&(erb(c[b]) - erb(f)).abs())).unwrap_or(0);
                if out.iter().all(|(b, _)| (ROW as i64 * (*b as i64 - band as i64)).abs() >= min_gap) {
                    out.push((band, picture::hz_label(f)));
                }
            }
            out.sort_by_key(|(b, _)| *b);
        }
        None => {
            let max_ticks = ((ROW as usize * bands) / (2 * min_gap as usize)).max(1);
            let (ticks, step) = picture::nice_ticks(0.0, (bands - 1) as f64, max_ticks);
            out = ticks.into_iter().map(|v| (v as usize, picture::tick_label(v, step))).collect();
        }
    }
    out
}

/// [`render`] with the y axis labelled from `centres` (Hz per band, low → high; `None` or a
/// wrong length: band numbers).
pub fn render_with_centres(coch: &Cochleagram, hits: &[Hit], centres: Option<&[f64]>) -> RgbImage {
    draw(coch, hits, centres).0
}

/// [`render_with_centres`], and where it put things.
fn draw(coch: &Cochleagram, hits: &[Hit], centres: Option<&[f64]>) -> (RgbImage, Layout) {
    let centres = centres.filter(|c| c.len() == coch.bands);
    let y_labels = y_ticks(coch.bands, centres);
    let hit_entries = [(Key::Bar(FLUX.0), "envelope-flux hit"), (Key::Bar(READ_OUT.0), "onset read-out hit")];
    let ramp_w = picture::text_width("envelope 0 ", SCALE) + RAMP + picture::text_width(" 1", SCALE);
    let sep = 2 * picture::ADVANCE * SCALE;
    let legend_w = ramp_w
        + if hits.is_empty() { 0 } else { hit_entries.iter().map(|(_, s)| sep + picture::legend_entry_width(s, SCALE)).sum() };
    let lay = Layout::new(coch, !hits.is_empty(), &y_labels, legend_w);
    let f = lay.frame;
    let mut img = f.canvas(lay.width - f.left - f.width, Frame::bottom_margin(SCALE));
    let h = f.bottom() as u32;

    // Data: each column the max over its steps.
    let cols = (f.width as usize) / lay.px;
    for c in 0..cols {
        for b in 0..coch.bands {
            let v = (c * lay.per_col..((c + 1) * lay.per_col).min(coch.frames())).map(|t| coch.frame(t)[b]).fold(0.0f32, f32::max);
            let colour = colormap(v);
            let (x0, y0) = (lay.x_of_step(c * lay.per_col) as u32, lay.y_of_band(b) as u32);
            for x in x0..x0 + lay.px as u32 {
                for y in y0..y0 + ROW {
                    img.put_pixel(x, y, colour);
                }
            }
        }
    }
    f.outline(&mut img);

    // Hits: a bar in the strip, a dotted line through the data.
    if let Some(strip) = lay.strip {
        for hit in hits {
            let x = lay.x_of_step(hit.step) as u32;
            let (tick, line) = match hit.source {
                HitSource::Flux => FLUX,
                HitSource::ReadOut => READ_OUT,
            };
            for xx in x..(x + lay.px as u32).min(f.right() as u32) {
                for y in strip..strip + STRIP - 2 {
                    img.put_pixel(xx, y, image::Rgb(tick));
                }
                for y in (f.top..h).step_by(3) {
                    img.put_pixel(xx, y, image::Rgb(line));
                }
            }
        }
        let x = f.left as i64 - 1 - (TICK + GAP) as i64;
        picture::text_at(&mut img, x, (strip + (STRIP - 2) / 2) as i64, "hits", picture::DARK_GREY, SCALE, picture::Align::End);
    }

    // Axes.
    let max_ticks = (f.width / 50).max(2) as usize;
    let (ticks, step) = picture::nice_ticks(0.0, coch.duration(), max_ticks);
    for t in ticks {
        let x = lay.x_of_time(t);
        if x <= f.right() {
            f.x_tick(&mut img, x, &picture::tick_label(t, step));
        }
    }
    f.x_title(&mut img, "time (s)");
    for (b, label) in &y_labels {
        f.y_tick(&mut img, lay.y_mid_of_band(*b), label);
    }
    f.y_title(&mut img, if centres.is_some() { "band centre frequency" } else { "band (low to high)" });

    // Legend: the colour ramp, then the hit colours.
    let (mut x, y) = (f.left as i64, GAP as i64);
    let y_mid = y + 7 * SCALE as i64 / 2;
    picture::text(&mut img, x, y, "envelope 0", picture::BLACK, SCALE);
    x += picture::text_width("envelope 0 ", SCALE) as i64;
    for i in 0..RAMP {
        let c = colormap(i as f32 / (RAMP - 1) as f32).0;
        picture::line(&mut img, x + i as i64, y_mid - 3, x + i as i64, y_mid + 3, c);
    }
    picture::text(&mut img, x + RAMP as i64, y, " 1", picture::BLACK, SCALE);
    if !hits.is_empty() {
        x = f.left as i64 + (ramp_w + sep) as i64;
        picture::legend(&mut img, x, y, lay.width - x as u32, &hit_entries, SCALE);
    }
    (img, lay)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::picture::{BLACK, WHITE};

    fn hit(step: usize, source: HitSource) -> Hit {
        Hit { step, time: step as f64 / 90.0, strength: 0.5, source }
    }

    /// Pixels of `s` drawn by `text_at` alone on a blank picture of `img`'s size.
    fn reference_text(img: &RgbImage, x: i64, y_mid: i64, s: &str, align: picture::Align) -> RgbImage {
        let mut r = RgbImage::from_pixel(img.width(), img.height(), image::Rgb(WHITE));
        picture::text_at(&mut r, x, y_mid, s, picture::DARK_GREY, SCALE, align);
        r
    }

    /// Whether every inked pixel of `reference` has the same colour in `img`.
    fn shows(img: &RgbImage, reference: &RgbImage) -> bool {
        reference.enumerate_pixels().filter(|(_, _, p)| p.0 != WHITE).all(|(x, y, p)| img.get_pixel(x, y) == p)
            && reference.pixels().any(|p| p.0 != WHITE)
    }

    #[test]
    fn one_second_tick_sits_on_step_90_of_a_90_hz_cochleagram() {
        // 2 s at 90 Hz, dark except step 90 (t = 1 s), which is bright in every band.
        let mut coch = Cochleagram::zeros(180, 42, 90.0);
        coch.data[90 * 42..91 * 42].fill(1.0);
        let (img, lay) = draw(&coch, &[], default_centres(42).as_deref());
        assert_eq!(img, render(&coch, &[]));
        let (left, bottom) = (lay.frame.left, lay.frame.bottom() as u32);
        // 180 steps < 400 columns: 2 px per step, so t = 1 s is 90 × 2 = 180 px in.
        assert_eq!((lay.px, lay.frame.width), (2, 360));
        assert_eq!(img.get_pixel(left + 180, bottom - 1).0, colormap(1.0).0);
        assert_eq!(img.get_pixel(left + 179, bottom - 1).0, colormap(0.0).0);
        // Tick marks (below the outline row) at 0, 0.5, 1, 1.5 and 2 s: every 90 px.
        let marks: Vec<u32> = (0..img.width()).filter(|&x| img.get_pixel(x, bottom + 2).0 == BLACK).collect();
        assert_eq!(marks, [0, 90, 180, 270, 360].map(|d| left + d));
        // The 1 s tick is labelled "1.0" (ticks every 0.5 s), centred under it.
        let label_mid = bottom as i64 + (TICK + GAP) as i64 + 3;
        assert!(shows(&img, &reference_text(&img, (left + 180) as i64, label_mid, "1.0", picture::Align::Centre)));
        assert!(shows(&img, &reference_text(&img, (left + 90) as i64, label_mid, "0.5", picture::Align::Centre)));
    }

    #[test]
    fn frequency_ticks_sit_on_the_band_with_that_centre() {
        // The SPEC bank: 42 columns whose centres are equally spaced in ERB number from
        // 20 Hz to 10 kHz, so the band nearest f is round((erb(f) − erb(20)) / step).
        let step = (erb(10_000.0) - erb(20.0)) / 41.0;
        let band_of = |f: f64| ((erb(f) - erb(20.0)) / step).round() as usize;
        for (f, label) in [(100.0, "100 Hz"), (1000.0, "1 kHz"), (5000.0, "5 kHz")] {
            let k = band_of(f);
            // Only band k is bright.
            let mut coch = Cochleagram::zeros(90, 42, 90.0);
            for t in 0..90 {
                coch.data[t * 42 + k] = 1.0;
            }
            let (img, lay) = draw(&coch, &[], default_centres(42).as_deref());
            let (left, top) = (lay.frame.left, lay.frame.top);
            // The tick row is the middle of the bright band's row.
            let y = top + 5 * (41 - k as u32) + 2;
            assert_eq!(img.get_pixel(left + 10, y).0, colormap(1.0).0, "{label}");
            assert_eq!(img.get_pixel(left - 3, y).0, BLACK, "{label}: no tick at band {k}");
            let label_end = left as i64 - 1 - (TICK + GAP) as i64;
            assert!(shows(&img, &reference_text(&img, label_end, y as i64, label, picture::Align::End)), "{label}");
        }
        // The centres behind it: band 18 of the SPEC bank is within half an ERB step of 1 kHz.
        let c = band_centres(&Params::default()).unwrap();
        assert_eq!(c.len(), 42);
        assert!((erb(c[band_of(1000.0)]) - erb(1000.0)).abs() <= step / 2.0);
    }

    #[test]
    fn data_area_shows_the_values_and_hits_as_before() {
        // Old contract: column 2t..2t+1, row 5·(bands−1−b)..+5 of the data area is
        // colormap(value); a hit's columns carry a dotted line every 3rd row from the top.
        let (frames, bands) = (50, 42);
        let data = (0..frames * bands).map(|i| ((i / bands * 7 + i % bands * 13) % 17) as f32 / 16.0).collect();
        let coch = Cochleagram::new(data, bands, 90.0);
        let hits = [hit(10, HitSource::Flux), hit(30, HitSource::ReadOut)];
        let (img, lay) = draw(&coch, &hits, default_centres(bands).as_deref());
        assert_eq!(img, render(&coch, &hits));
        let (left, top) = (lay.frame.left, lay.frame.top);
        for t in 0..frames {
            for b in 0..bands {
                for (dx, dy) in (0..2).flat_map(|dx| (0..5).map(move |dy| (dx, dy))) {
                    let (x, y) = (left + 2 * t as u32 + dx, top + 5 * (bands - 1 - b) as u32 + dy);
                    let want = match t {
                        10 if (y - top) % 3 == 0 => FLUX.1,
                        30 if (y - top) % 3 == 0 => READ_OUT.1,
                        _ => colormap(coch.frame(t)[b]).0,
                    };
                    assert_eq!(img.get_pixel(x, y).0, want, "step {t} band {b}");
                }
            }
        }
        // The strip above the data area: a red bar at step 10, a blue one at step 30.
        let strip = lay.strip.unwrap();
        assert_eq!(strip + STRIP, top);
        assert_eq!(img.get_pixel(left + 20, strip + 3).0, FLUX.0);
        assert_eq!(img.get_pixel(left + 60, strip + 3).0, READ_OUT.0);
        assert_eq!(img.get_pixel(left + 40, strip + 3).0, WHITE);
    }

    #[test]
    fn long_inputs_show_the_max_of_each_group_of_steps() {
        // 9000 steps > MAX_WIDTH: 3 steps per 1-px column, each the max of its steps.
        let frames = 9000;
        let data: Vec<f32> = (0..frames * 3).map(|i| ((i / 3) % 5) as f32 / 4.0 * if i % 3 == 1 { 1.0 } else { 0.5 }).collect();
        let coch = Cochleagram::new(data, 3, 90.0);
        let (img, lay) = draw(&coch, &[], default_centres(3).as_deref());
        assert_eq!((lay.per_col, lay.px, lay.frame.width), (3, 1, 3000));
        for c in [0usize, 1, 777, 2999] {
            for b in 0..3 {
                let want = (3 * c..3 * c + 3).map(|t| coch.frame(t)[b]).fold(0.0f32, f32::max);
                assert_eq!(*img.get_pixel(lay.frame.left + c as u32, lay.y_of_band(b) as u32), colormap(want), "column {c} band {b}");
            }
        }
        // 100 s: the 10 s tick is 900 steps = 300 columns in.
        assert_eq!(lay.x_of_time(10.0), lay.frame.left as i64 + 300);
        assert_eq!(img.get_pixel(lay.frame.left + 300, lay.frame.bottom() as u32 + 2).0, BLACK);
    }

    #[test]
    fn legend_titles_and_labels_are_in_the_margins() {
        let coch = Cochleagram::zeros(90, 42, 90.0);
        let (with, lay) = draw(&coch, &[hit(10, HitSource::Flux), hit(40, HitSource::ReadOut)], default_centres(42).as_deref());
        let without = render(&coch, &[]);
        let f = lay.frame;
        let ink = |img: &RgbImage, x0: u32, y0: u32, x1: u32, y1: u32| {
            (y0..y1).flat_map(|y| (x0..x1).map(move |x| (x, y))).filter(|&(x, y)| img.get_pixel(x, y).0 != WHITE).count()
        };
        // Legend row above the strip: text, the colour ramp, both hit colours.
        let legend_rows = lay.strip.unwrap();
        assert!(ink(&with, 0, 0, with.width(), legend_rows) > 200);
        for c in [FLUX.0, READ_OUT.0, colormap(1.0).0] {
            assert!((0..legend_rows).any(|y| (0..with.width()).any(|x| with.get_pixel(x, y).0 == c)), "{c:?}");
        }
        // Left margin: y-axis title and frequency labels; bottom margin: time labels and title.
        assert!(ink(&with, 0, f.top, f.left - 1 - TICK, f.bottom() as u32) > 150);
        assert!(ink(&with, f.left, f.bottom() as u32 + TICK, f.right() as u32, with.height()) > 100);
        // The legend is at least as wide as its text, even for a 1 s clip (180 px of data).
        assert!(with.width() > f.left + picture::text_width("envelope 0 ", SCALE) + RAMP + 200);
        // Without hits: no strip, no hit colours.
        assert_eq!(with.height() - without.height(), STRIP - GAP);
        assert!(!without.pixels().any(|p| p.0 == FLUX.0 || p.0 == READ_OUT.0));
        // The same inputs give the same picture.
        assert_eq!(with, render(&coch, &[hit(10, HitSource::Flux), hit(40, HitSource::ReadOut)]));
    }

    #[test]
    fn band_numbers_without_a_filter_bank_and_a_checked_bank_with_one() {
        // 2 columns: no SPEC bank has them; the y axis counts bands.
        assert!(default_centres(2).is_none());
        assert_eq!(y_ticks(2, None), vec![(0, "0".to_string()), (1, "1".to_string())]);
        // A bank with other parameters must match the cochleagram's columns.
        let p = Params { bands: 30, ..Params::default() };
        let dir = tempfile::tempdir().unwrap();
        let coch = Cochleagram::zeros(20, 42, 90.0);
        assert!(write_png_with(&coch, &[], &p, &dir.path().join("x.png")).is_err());
        let coch = Cochleagram::zeros(20, 32, 90.0);
        write_png_with(&coch, &[], &p, &dir.path().join("x.png")).unwrap();
        let img = image::open(dir.path().join("x.png")).unwrap().to_rgb8();
        assert_eq!(img, render_with_centres(&coch, &[], Some(&band_centres(&p).unwrap())));
        // …and with 32 columns it is that bank `render` assumes too.
        assert_eq!(img, render(&coch, &[]));
    }
}
