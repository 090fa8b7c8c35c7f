//! Loss-curve PNG (`loss.png` of a training run): training loss (grey: every logged value;
//! blue: running mean), validation loss (red dots joined), predict-the-mean baseline (dashed
//! green). Axes: training step (x, below), loss (y), and with [`loss_curve_timed`] minutes of
//! training (x, above); tick labels, axis titles and a legend above the plot.
//!
//! The drawing toolkit (font, ticks, legend) is [`crate::picture`].
use crate::error::{Error, Result};
use crate::picture::{self, Frame, Key, Scale, GAP};
use image::RgbImage;
use std::path::Path;

const W: u32 = 800;
const H: u32 = 480;
/// Font scale of labels and legend.
const SCALE: u32 = 2;
/// Margin right of the data area: room for half of the last step label.
const RIGHT: u32 = 24;
const GREY: [u8; 3] = [190, 190, 190];
const BLUE: [u8; 3] = [30, 80, 220];
const RED: [u8; 3] = [220, 30, 30];
const GREEN: [u8; 3] = [0, 160, 0];

/// Draw and write the PNG atomically. `train` and `val` are (step, loss) pairs.
pub fn loss_curve(path: &Path, train: &[(f64, f64)], val: &[(f64, f64)], baseline: Option<f64>) -> Result<()> {
    loss_curve_timed(path, train, val, baseline, &[])
}

/// [`loss_curve`] with a second x axis above the plot in minutes of training. `minutes` are
/// (step, minutes) pairs in increasing step order, e.g. each metrics record's `step` and
/// `elapsed_s / 60`; a tick for m minutes goes where the pairs, joined linearly, reach m.
/// Fewer than 2 pairs, or no time passing: no minutes axis.
pub fn loss_curve_timed(path: &Path, train: &[(f64, f64)], val: &[(f64, f64)], baseline: Option<f64>, minutes: &[(f64, f64)]) -> Result<()> {
    let img = render(train, val, baseline, minutes).0;
    crate::util::write_atomic(path, |tmp| {
        img.save_with_format(tmp, image::ImageFormat::Png).map_err(|e| Error::bad(tmp, e.to_string()))
    })
}

/// Where the curve's data area lies and how values map onto it.
#[derive(Clone, Debug, PartialEq)]
struct Layout {
    frame: Frame,
    /// Training step → column.
    x: Scale,
    /// Loss → row (upwards).
    y: Scale,
}

/// The step at which the (step, minutes) pairs reach `m` minutes (joined linearly), if they do.
fn step_at_minutes(minutes: &[(f64, f64)], m: f64) -> Option<f64> {
    minutes.windows(2).find_map(|w| {
        let ((s0, m0), (s1, m1)) = (w[0], w[1]);
        (m0 <= m && m <= m1 && m1 > m0).then(|| s0 + (s1 - s0) * (m - m0) / (m1 - m0))
    })
}

fn render(train: &[(f64, f64)], val: &[(f64, f64)], baseline: Option<f64>, minutes: &[(f64, f64)]) -> (RgbImage, Layout) {
    let finite = |p: &&(f64, f64)| p.0.is_finite() && p.1.is_finite();
    let all: Vec<f64> = train.iter().chain(val).filter(finite).map(|p| p.1).chain(baseline.filter(|b| b.is_finite())).collect();
    let x_max = train.iter().chain(val).filter(finite).map(|p| p.0).fold(1.0f64, f64::max);
    let (lo, hi) = match all.iter().fold(None, |r: Option<(f64, f64)>, &v| Some(r.map_or((v, v), |(a, b)| (a.min(v), b.max(v))))) {
        Some((lo, hi)) if hi - lo >= 1e-6 => (lo, hi),
        Some((lo, hi)) => (lo - 0.5, hi + 0.5),
        None => (0.0, 1.0),
    };
    let pad = (hi - lo) * 0.05;
    let (lo, hi) = (lo - pad, hi + pad);
    let (y_ticks, y_step) = picture::nice_ticks(lo, hi, 6);
    let y_labels: Vec<String> = y_ticks.iter().map(|v| picture::tick_label(*v, y_step)).collect();

    // Running mean of the training loss over the last k logged values.
    let k = (train.len() / 20).max(1);
    let mean_label = format!("train, mean of last {k}");
    let entries = [
        (Key::Line(GREY), "train (each log)"),
        (Key::Line(BLUE), mean_label.as_str()),
        (Key::LineDot(RED), "validation"),
        (Key::Dashed(GREEN), "baseline: predict the mean"),
    ];
    let timed = minutes.len() >= 2 && minutes.last().unwrap().1 > minutes[0].1;

    // Margins: legend (and the minutes axis) above, step axis below, loss axis left.
    let widest = y_labels.iter().map(|s| picture::text_width(s, SCALE)).max().unwrap_or(0);
    let left = Frame::left_margin(widest, SCALE);
    let labels: Vec<&str> = entries.iter().map(|e| e.1).collect();
    let legend_h = picture::legend_height(W - left - RIGHT, &labels, SCALE);
    let th = picture::text_height(SCALE);
    let top = GAP + legend_h + GAP + if timed { th + GAP + th + GAP + picture::TICK } else { 0 } + GAP;
    let bottom = Frame::bottom_margin(SCALE);
    let frame = Frame { left, top, width: W - left - RIGHT, height: H - top - bottom, scale: SCALE };
    let lay = Layout {
        frame,
        x: Scale::new(0.0, x_max, frame.left as f64, (frame.right() - 1) as f64),
        y: Scale::new(lo, hi, (frame.bottom() - 1) as f64, frame.top as f64),
    };
    let mut img = frame.canvas(RIGHT, bottom);
    let (px, py) = (|v: f64| lay.x.px(v), |v: f64| lay.y.px(v));

    // Data.
    if let Some(b) = baseline.filter(|b| b.is_finite()) {
        picture::dashed_hline(&mut img, frame.left as i64, frame.right() - 1, py(b), 6, GREEN);
    }
    let point = |p: &(f64, f64)| (p.0.is_finite() && p.1.is_finite()).then(|| (px(p.0), py(p.1)));
    picture::polyline(&mut img, train.iter().map(point), GREY);
    let mean = (0..train.len()).map(|i| {
        let s = &train[i.saturating_sub(k - 1)..=i];
        point(&(train[i].0, s.iter().map(|p| p.1).sum::<f64>() / s.len() as f64))
    });
    picture::polyline(&mut img, mean, BLUE);
    picture::polyline(&mut img, val.iter().map(point), RED);
    for (x, y) in val.iter().filter_map(point) {
        picture::fill_rect(&mut img, x - 2, y - 2, 5, 5, RED);
    }
    frame.outline(&mut img);
    if all.is_empty() {
        let (cx, cy) = (frame.left as i64 + frame.width as i64 / 2, frame.top as i64 + frame.height as i64 / 2);
        picture::text_at(&mut img, cx, cy, "no loss logged yet", picture::DARK_GREY, SCALE, picture::Align::Centre);
    }

    // Axes.
    for (v, label) in y_ticks.iter().zip(&y_labels) {
        frame.y_tick(&mut img, py(*v), label);
    }
    let (x_ticks, x_step) = picture::nice_ticks(0.0, x_max, (frame.width / 110).max(2) as usize);
    for v in x_ticks {
        frame.x_tick(&mut img, px(v), &picture::tick_label(v, x_step));
    }
    frame.x_title(&mut img, "training step");
    frame.y_title(&mut img, "loss");
    if timed {
        let (m0, m1) = (minutes[0].1, minutes[minutes.len() - 1].1);
        let (m_ticks, m_step) = picture::nice_ticks(m0, m1, (frame.width / 110).max(2) as usize);
        for m in m_ticks {
            if let Some(s) = step_at_minutes(minutes, m).filter(|s| lay.x.contains(*s)) {
                frame.x_tick_top(&mut img, px(s), &picture::tick_label(m, m_step));
            }
        }
        let mid = (GAP + legend_h + GAP + th / 2) as i64;
        let cx = frame.left as i64 + frame.width as i64 / 2;
        picture::text_at(&mut img, cx, mid, "minutes of training", picture::BLACK, SCALE, picture::Align::Centre);
    }
    picture::legend(&mut img, frame.left as i64, GAP as i64, frame.width, &entries, SCALE);
    (img, lay)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::picture::{Align, BLACK, DARK_GREY, TICK, WHITE};

    /// Whether `s`, drawn by `text_at` alone at the same place, appears in `img`.
    fn shows(img: &RgbImage, x: i64, y_mid: i64, s: &str, align: Align) -> bool {
        let mut r = RgbImage::from_pixel(img.width(), img.height(), image::Rgb(WHITE));
        picture::text_at(&mut r, x, y_mid, s, DARK_GREY, SCALE, align);
        r.enumerate_pixels().filter(|(_, _, p)| p.0 != WHITE).all(|(x, y, p)| img.get_pixel(x, y) == p) && r.pixels().any(|p| p.0 != WHITE)
    }

    /// Rows with a y tick mark (left of the outline), and columns with an x tick mark.
    fn y_tick_rows(img: &RgbImage, f: &Frame) -> Vec<u32> {
        (f.top..f.bottom() as u32).filter(|&y| img.get_pixel(f.left - 3, y).0 == BLACK).collect()
    }
    fn x_tick_cols(img: &RgbImage, f: &Frame) -> Vec<u32> {
        (f.left - 1..=f.right() as u32).filter(|&x| img.get_pixel(x, f.bottom() as u32 + 2).0 == BLACK).collect()
    }

    type Curve = Vec<(f64, f64)>;

    /// Training loss falling linearly from 2.0 at step 0 to 1.0 at step 1000 (one log per 10
    /// steps), validation every 250 steps, baseline 1.6.
    fn run() -> (Curve, Curve) {
        let train = (0..=100).map(|i| (i as f64 * 10.0, 2.0 - i as f64 / 100.0)).collect();
        let val = [250.0, 500.0, 750.0, 1000.0].iter().map(|&s| (s, 1.9 - s / 2000.0)).collect();
        (train, val)
    }

    #[test]
    fn ticks_name_the_values_drawn_at_them() {
        let (train, val) = run();
        let (img, lay) = render(&train, &val, Some(1.6), &[]);
        let f = lay.frame;
        // Loss range 1.0–2.0 (+5 %): ticks every 0.2. The "1.6" tick is on the baseline's row.
        let rows = y_tick_rows(&img, &f);
        assert_eq!(rows.len(), 6, "1.0 1.2 1.4 1.6 1.8 2.0");
        let label_x = f.left as i64 - 1 - (TICK + GAP) as i64;
        let row_16 = *rows.iter().find(|&&y| shows(&img, label_x, y as i64, "1.6", Align::End)).expect("a 1.6 tick");
        let green: Vec<u32> = (f.top..f.bottom() as u32).filter(|&y| img.get_pixel(f.left, y).0 == GREEN).collect();
        assert_eq!(green, vec![row_16]);
        // Ticks 0, 200, …, 1000 steps, evenly spaced over the data area's width; the 500
        // tick is under the validation dot at step 500 (loss 1.65).
        let cols = x_tick_cols(&img, &f);
        assert_eq!(cols.len(), 6);
        assert_eq!((cols[0], cols[5]), (f.left, f.right() as u32 - 1));
        let x_500 = (cols[2] + cols[3]) / 2;
        assert!((x_500 as i64 - lay.x.px(500.0)).abs() <= 1);
        let y_165 = lay.y.px(1.65) as u32;
        assert!((x_500 - 1..=x_500 + 1).all(|x| img.get_pixel(x, y_165).0 == RED));
        let label_mid = f.bottom() + (TICK + GAP) as i64 + 7;
        assert!(shows(&img, cols[2] as i64, label_mid, "400", Align::Centre));
        assert!(shows(&img, cols[5] as i64, label_mid, "1000", Align::Centre));
        // The falling training loss: grey at the start (top left), its running mean in blue.
        assert!(img.pixels().any(|p| p.0 == GREY) && img.pixels().any(|p| p.0 == BLUE));
        assert_eq!(lay.y.px(2.0), f.top as i64 + ((0.05 / 1.1) * (f.height - 1) as f64).round() as i64);
    }

    #[test]
    fn thousands_of_steps_read_as_k() {
        let train: Vec<(f64, f64)> = (0..=50).map(|i| (i as f64 * 1000.0, 1.0 / (1.0 + i as f64))).collect();
        let (img, lay) = render(&train, &[], None, &[]);
        let f = lay.frame;
        let cols = x_tick_cols(&img, &f);
        // 0–50000 in steps of 10000: "10k" … "50k".
        assert_eq!(cols.len(), 6);
        let label_mid = f.bottom() + (TICK + GAP) as i64 + 7;
        assert!(shows(&img, cols[5] as i64, label_mid, "50k", Align::Centre));
        assert!(shows(&img, cols[0] as i64, label_mid, "0", Align::Centre));
    }

    #[test]
    fn minutes_axis_follows_the_elapsed_time() {
        let (train, val) = run();
        // 2 minutes for the first 500 steps, 8 more for the next 500 (slower steps).
        let minutes = [(0.0, 0.0), (500.0, 2.0), (1000.0, 10.0)];
        let (img, lay) = render(&train, &val, Some(1.6), &minutes);
        let f = lay.frame;
        let y = f.top - 3;
        let cols: Vec<u32> = (f.left - 1..=f.right() as u32).filter(|&x| img.get_pixel(x, y).0 == BLACK).collect();
        // Ticks at 0, 2, 4, … 10 minutes: 2 min at step 500, 6 min halfway from 500 to 1000.
        assert_eq!(cols.len(), 6);
        assert_eq!(cols[1] as i64, lay.x.px(500.0));
        assert_eq!(cols[3] as i64, lay.x.px(750.0));
        assert_eq!(step_at_minutes(&minutes, 6.0), Some(750.0));
        assert_eq!(step_at_minutes(&minutes, 11.0), None);
        // The plot is shorter by the top axis; its titles and labels are ink above the data.
        let (plain, plain_lay) = render(&train, &val, Some(1.6), &[]);
        assert!(lay.frame.top > plain_lay.frame.top);
        let ink = |img: &RgbImage, y0: u32, y1: u32| (y0..y1).flat_map(|y| (0..W).map(move |x| (x, y))).filter(|&(x, y)| img.get_pixel(x, y).0 != WHITE).count();
        assert!(ink(&img, plain_lay.frame.top, f.top - 1) > 200);
        assert_eq!(plain.dimensions(), img.dimensions());
    }

    #[test]
    fn legend_titles_and_labels_are_in_the_margins() {
        let (train, val) = run();
        let (img, lay) = render(&train, &val, Some(1.6), &[]);
        let f = lay.frame;
        // The legend row(s) above the data area hold every line colour.
        for c in [GREY, BLUE, RED, GREEN] {
            assert!((0..f.top - 1).any(|y| (0..W).any(|x| img.get_pixel(x, y).0 == c)), "{c:?}");
        }
        // The y title at the left edge, the x title at the bottom.
        let ink = |x0: u32, y0: u32, x1: u32, y1: u32| (y0..y1).flat_map(|y| (x0..x1).map(move |x| (x, y))).filter(|&(x, y)| img.get_pixel(x, y).0 != WHITE).count();
        assert!(ink(0, f.top, GAP + 16, f.bottom() as u32) > 40);
        assert!(ink(f.left, H - 2 * GAP - 16, f.right() as u32, H) > 100);
        // Deterministic.
        assert_eq!(img, render(&train, &val, Some(1.6), &[]).0);
    }

    #[test]
    fn empty_and_non_finite_inputs_still_draw() {
        let (img, lay) = render(&[], &[], None, &[]);
        assert_eq!(img.dimensions(), (W, H));
        let f = lay.frame;
        let mid = (f.top as i64 + f.height as i64 / 2, f.left as i64 + f.width as i64 / 2);
        assert!(shows(&img, mid.1, mid.0, "no loss logged yet", Align::Centre));
        // A NaN loss leaves a gap instead of a line to the corner, and keeps the range.
        let train = [(0.0, 1.0), (10.0, f64::NAN), (20.0, 2.0)];
        let (img, lay) = render(&train, &[], None, &[]);
        assert_eq!((lay.y.v0, lay.y.v1), (0.95, 2.05));
        assert!(!img.pixels().any(|p| p.0 == GREY) || (0..lay.frame.left).all(|x| img.get_pixel(x, lay.frame.top).0 != GREY));
        let dir = tempfile::tempdir().unwrap();
        loss_curve(&dir.path().join("loss.png"), &train, &[], Some(1.5)).unwrap();
        assert_eq!(image::open(dir.path().join("loss.png")).unwrap().to_rgb8(), render(&train, &[], Some(1.5), &[]).0);
    }
}
