//! Drawing toolkit for the pictures a person reads (ARCHITECTURE "Habits": axes with units,
//! labels, a legend): a 5×7 bitmap font, lines, boxes, a data area framed by margins, linear
//! scales with "nice" ticks (1, 2, 5 × 10ⁿ), tick marks with labels, axis titles and legends,
//! all on an [`image::RgbImage`].
//!
//! The bottom layer of the crate: it depends on `image` and std only. Drawing uses integer
//! pixel arithmetic (a scale maps a value to a pixel by one rounding), so a picture is the
//! same byte for byte on every machine.
use image::{Rgb, RgbImage};

/// An RGB colour.
pub type Colour = [u8; 3];
pub const BLACK: Colour = [0, 0, 0];
pub const WHITE: Colour = [255, 255, 255];
/// Tick labels and secondary text.
pub const DARK_GREY: Colour = [60, 60, 60];

/// Glyph width in font pixels (without spacing).
pub const GLYPH_W: u32 = 5;
/// Glyph height in font pixels: 7 rows above the baseline and 1 row of descender (g, p, y).
pub const GLYPH_H: u32 = 8;
/// Horizontal advance per character in font pixels (glyph + 1 column of spacing).
pub const ADVANCE: u32 = GLYPH_W + 1;
/// Length in pixels of a tick mark outside the data area.
pub const TICK: u32 = 4;
/// Gap in pixels between a tick mark and its label, and between stacked labels.
pub const GAP: u32 = 3;

/// The 5×8 glyph of `ch`: 8 rows of 5 cells, '#' = ink. Digits, ASCII letters (lower case
/// with descenders in the last row), space and `. , - + = : / ( ) % _ ·`; any other
/// character is drawn as '?', so a missing glyph shows instead of vanishing.
#[rustfmt::skip]
pub fn glyph(ch: char) -> [&'static str; 8] {
    const E: &str = ".....";
    let g: [&str; 7] = match ch {
        '0' => [".###.", "#...#", "#..##", "#.#.#", "##..#", "#...#", ".###."],
        '1' => ["..#..", ".##..", "..#..", "..#..", "..#..", "..#..", ".###."],
        '2' => [".###.", "#...#", "....#", "...#.", "..#..", ".#...", "#####"],
        '3' => ["#####", "...#.", "..#..", "...#.", "....#", "#...#", ".###."],
        '4' => ["...#.", "..##.", ".#.#.", "#..#.", "#####", "...#.", "...#."],
        '5' => ["#####", "#....", "####.", "....#", "....#", "#...#", ".###."],
        '6' => ["..##.", ".#...", "#....", "####.", "#...#", "#...#", ".###."],
        '7' => ["#####", "....#", "...#.", "..#..", ".#...", ".#...", ".#..."],
        '8' => [".###.", "#...#", "#...#", ".###.", "#...#", "#...#", ".###."],
        '9' => [".###.", "#...#", "#...#", ".####", "....#", "...#.", ".##.."],
        'A' => [".###.", "#...#", "#...#", "#####", "#...#", "#...#", "#...#"],
        'B' => ["####.", "#...#", "#...#", "####.", "#...#", "#...#", "####."],
        'C' => [".###.", "#...#", "#....", "#....", "#....", "#...#", ".###."],
        'D' => ["###..", "#..#.", "#...#", "#...#", "#...#", "#..#.", "###.."],
        'E' => ["#####", "#....", "#....", "####.", "#....", "#....", "#####"],
        'F' => ["#####", "#....", "#....", "####.", "#....", "#....", "#...."],
        'G' => [".###.", "#...#", "#....", "#.###", "#...#", "#...#", ".####"],
        'H' => ["#...#", "#...#", "#...#", "#####", "#...#", "#...#", "#...#"],
        'I' => [".###.", "..#..", "..#..", "..#..", "..#..", "..#..", ".###."],
        'J' => ["..###", "...#.", "...#.", "...#.", "...#.", "#..#.", ".##.."],
        'K' => ["#...#", "#..#.", "#.#..", "##...", "#.#..", "#..#.", "#...#"],
        'L' => ["#....", "#....", "#....", "#....", "#....", "#....", "#####"],
        'M' => ["#...#", "##.##", "#.#.#", "#.#.#", "#...#", "#...#", "#...#"],
        'N' => ["#...#", "#...#", "##..#", "#.#.#", "#..##", "#...#", "#...#"],
        'O' => [".###.", "#...#", "#...#", "#...#", "#...#", "#...#", ".###."],
        'P' => ["####.", "#...#", "#...#", "####.", "#....", "#....", "#...."],
        'Q' => [".###.", "#...#", "#...#", "#...#", "#.#.#", "#..#.", ".##.#"],
        'R' => ["####.", "#...#", "#...#", "####.", "#.#..", "#..#.", "#...#"],
        'S' => [".####", "#....", "#....", ".###.", "....#", "....#", "####."],
        'T' => ["#####", "..#..", "..#..", "..#..", "..#..", "..#..", "..#.."],
        'U' => ["#...#", "#...#", "#...#", "#...#", "#...#", "#...#", ".###."],
        'V' => ["#...#", "#...#", "#...#", "#...#", "#...#", ".#.#.", "..#.."],
        'W' => ["#...#", "#...#", "#...#", "#.#.#", "#.#.#", "#.#.#", ".#.#."],
        'X' => ["#...#", "#...#", ".#.#.", "..#..", ".#.#.", "#...#", "#...#"],
        'Y' => ["#...#", "#...#", ".#.#.", "..#..", "..#..", "..#..", "..#.."],
        'Z' => ["#####", "....#", "...#.", "..#..", ".#...", "#....", "#####"],
        'a' => [E, E, ".###.", "....#", ".####", "#...#", ".####"],
        'b' => ["#....", "#....", "####.", "#...#", "#...#", "#...#", "####."],
        'c' => [E, E, ".###.", "#....", "#....", "#...#", ".###."],
        'd' => ["....#", "....#", ".####", "#...#", "#...#", "#...#", ".####"],
        'e' => [E, E, ".###.", "#...#", "#####", "#....", ".###."],
        'f' => ["..##.", ".#..#", ".#...", "###..", ".#...", ".#...", ".#..."],
        'h' => ["#....", "#....", "#.##.", "##..#", "#...#", "#...#", "#...#"],
        'i' => ["..#..", E, ".##..", "..#..", "..#..", "..#..", ".###."],
        'k' => ["#....", "#....", "#..#.", "#.#..", "##...", "#.#..", "#..#."],
        'l' => [".##..", "..#..", "..#..", "..#..", "..#..", "..#..", ".###."],
        'm' => [E, E, "##.#.", "#.#.#", "#.#.#", "#.#.#", "#.#.#"],
        'n' => [E, E, "#.##.", "##..#", "#...#", "#...#", "#...#"],
        'o' => [E, E, ".###.", "#...#", "#...#", "#...#", ".###."],
        'r' => [E, E, "#.##.", "##..#", "#....", "#....", "#...."],
        's' => [E, E, ".####", "#....", ".###.", "....#", "####."],
        't' => [".#...", ".#...", "###..", ".#...", ".#...", ".#..#", "..##."],
        'u' => [E, E, "#...#", "#...#", "#...#", "#..##", ".##.#"],
        'v' => [E, E, "#...#", "#...#", "#...#", ".#.#.", "..#.."],
        'w' => [E, E, "#...#", "#...#", "#.#.#", "#.#.#", ".#.#."],
        'x' => [E, E, "#...#", ".#.#.", "..#..", ".#.#.", "#...#"],
        'z' => [E, E, "#####", "...#.", "..#..", ".#...", "#####"],
        // Letters with a descender use the eighth row.
        'g' => return [E, E, ".####", "#...#", "#...#", ".####", "....#", ".###."],
        'j' => return ["...#.", E, "..##.", "...#.", "...#.", "...#.", "#..#.", ".##.."],
        'p' => return [E, E, "####.", "#...#", "#...#", "####.", "#....", "#...."],
        'q' => return [E, E, ".####", "#...#", "#...#", ".####", "....#", "....#"],
        'y' => return [E, E, "#...#", "#...#", "#...#", ".####", "....#", ".###."],
        ',' => return [E, E, E, E, E, ".##..", "..#..", ".#..."],
        ' ' => [E; 7],
        '.' => [E, E, E, E, E, ".##..", ".##.."],
        '-' => [E, E, E, ".###.", E, E, E],
        '+' => [E, "..#..", "..#..", "#####", "..#..", "..#..", E],
        '=' => [E, E, "#####", E, "#####", E, E],
        ':' => [E, ".##..", ".##..", E, ".##..", ".##..", E],
        '/' => [E, "....#", "...#.", "..#..", ".#...", "#....", E],
        '(' => ["...#.", "..#..", ".#...", ".#...", ".#...", "..#..", "...#."],
        ')' => [".#...", "..#..", "...#.", "...#.", "...#.", "..#..", ".#..."],
        '%' => ["##...", "##..#", "...#.", "..#..", ".#...", "#..##", "...##"],
        '_' => [E, E, E, E, E, E, "#####"],
        '·' => [E, E, E, ".##..", ".##..", E, E],
        _ => [".###.", "#...#", "....#", "...#.", "..#..", E, "..#.."],
    };
    [g[0], g[1], g[2], g[3], g[4], g[5], g[6], E]
}

/// Width in pixels of `s` drawn at `scale`.
pub fn text_width(s: &str, scale: u32) -> u32 {
    let n = s.chars().count() as u32;
    (n * ADVANCE).saturating_sub(1) * scale
}

/// Height in pixels of a line of text at `scale` (descender included).
pub fn text_height(scale: u32) -> u32 {
    GLYPH_H * scale
}

/// Set one pixel if it lies inside the picture.
pub fn put(img: &mut RgbImage, x: i64, y: i64, c: Colour) {
    if x >= 0 && y >= 0 && (x as u32) < img.width() && (y as u32) < img.height() {
        img.put_pixel(x as u32, y as u32, Rgb(c));
    }
}

/// A straight line from (x0, y0) to (x1, y1), both ends included.
pub fn line(img: &mut RgbImage, x0: i64, y0: i64, x1: i64, y1: i64, c: Colour) {
    let n = (x1 - x0).abs().max((y1 - y0).abs()).max(1);
    for i in 0..=n {
        put(img, x0 + (x1 - x0) * i / n, y0 + (y1 - y0) * i / n, c);
    }
}

/// A horizontal dashed line from x0 to x1 at y: `dash` pixels on, `dash` off.
pub fn dashed_hline(img: &mut RgbImage, x0: i64, x1: i64, y: i64, dash: i64, c: Colour) {
    let mut x = x0;
    while x <= x1 {
        line(img, x, y, (x + dash - 1).min(x1), y, c);
        x += 2 * dash;
    }
}

/// Line segments through `pts`; a `None` breaks the line (a gap, e.g. a missing value).
pub fn polyline(img: &mut RgbImage, pts: impl IntoIterator<Item = Option<(i64, i64)>>, c: Colour) {
    let mut prev: Option<(i64, i64)> = None;
    for p in pts {
        if let (Some(q), Some(p)) = (prev, p) {
            line(img, q.0, q.1, p.0, p.1, c);
        }
        prev = p;
    }
}

/// A filled rectangle: `w` × `h` pixels with its top-left corner at (x, y).
pub fn fill_rect(img: &mut RgbImage, x: i64, y: i64, w: u32, h: u32, c: Colour) {
    for yy in y..y + h as i64 {
        for xx in x..x + w as i64 {
            put(img, xx, yy, c);
        }
    }
}

/// The outline of a rectangle whose corners are (x0, y0) and (x1, y1), both included.
pub fn rect(img: &mut RgbImage, x0: i64, y0: i64, x1: i64, y1: i64, c: Colour) {
    line(img, x0, y0, x1, y0, c);
    line(img, x0, y1, x1, y1, c);
    line(img, x0, y0, x0, y1, c);
    line(img, x1, y0, x1, y1, c);
}

/// Draw `s` with its top-left corner at (x, y), each font pixel a `scale` × `scale` square.
pub fn text(img: &mut RgbImage, x: i64, y: i64, s: &str, c: Colour, scale: u32) {
    let k = scale as i64;
    for (i, ch) in s.chars().enumerate() {
        let x0 = x + i as i64 * ADVANCE as i64 * k;
        for (r, row) in glyph(ch).iter().enumerate() {
            for (col, cell) in row.bytes().enumerate() {
                if cell == b'#' {
                    fill_rect(img, x0 + col as i64 * k, y + r as i64 * k, scale, scale, c);
                }
            }
        }
    }
}

/// Draw `s` turned a quarter left (reading upwards, as a y-axis title), the bottom-left corner
/// of its box at (x, y_bottom): the text starts at `y_bottom` and runs up; the tops of the
/// letters face left.
pub fn text_up(img: &mut RgbImage, x: i64, y_bottom: i64, s: &str, c: Colour, scale: u32) {
    let k = scale as i64;
    for (i, ch) in s.chars().enumerate() {
        let t0 = i as i64 * ADVANCE as i64 * k;
        for (r, row) in glyph(ch).iter().enumerate() {
            for (col, cell) in row.bytes().enumerate() {
                if cell == b'#' {
                    // Text coordinates (tx → along the line, ty → down the glyph) turn into
                    // (x + ty, y_bottom − tx).
                    let (tx, ty) = (t0 + col as i64 * k, r as i64 * k);
                    fill_rect(img, x + ty, y_bottom - tx - (k - 1), scale, scale, c);
                }
            }
        }
    }
}

/// Horizontal placement of a label relative to its anchor x.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Align {
    /// The anchor is the left edge.
    Start,
    Centre,
    /// The anchor is the right edge.
    End,
}

/// Draw `s` with its vertical centre at `y_mid` and its horizontal position set by `align`
/// relative to `x`.
pub fn text_at(img: &mut RgbImage, x: i64, y_mid: i64, s: &str, c: Colour, scale: u32, align: Align) {
    let w = text_width(s, scale) as i64;
    let x0 = match align {
        Align::Start => x,
        Align::Centre => x - w / 2,
        Align::End => x - w,
    };
    // Centre on the 7 rows above the baseline: the descender row hangs below.
    text(img, x0, y_mid - (7 * scale as i64) / 2, s, c, scale)
}

/// A linear map from values to pixel coordinates: `v0` → `p0`, `v1` → `p1` (either may be
/// larger; a y scale usually runs upwards, `p0 > p1`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scale {
    pub v0: f64,
    pub v1: f64,
    pub p0: f64,
    pub p1: f64,
}

impl Scale {
    pub fn new(v0: f64, v1: f64, p0: f64, p1: f64) -> Self {
        Scale { v0, v1, p0, p1 }
    }
    /// The pixel coordinate of `v` (rounded to the nearest pixel).
    pub fn px(&self, v: f64) -> i64 {
        let span = if self.v1 == self.v0 { 1.0 } else { self.v1 - self.v0 };
        (self.p0 + (v - self.v0) / span * (self.p1 - self.p0)).round() as i64
    }
    /// Whether `v` lies in the value range (ends included, either order).
    pub fn contains(&self, v: f64) -> bool {
        v >= self.v0.min(self.v1) - 1e-9 * (self.v1 - self.v0).abs() && v <= self.v0.max(self.v1) + 1e-9 * (self.v1 - self.v0).abs()
    }
}

/// The "nice" step (1, 2 or 5 × 10ⁿ) that splits `span` into at most `max_ticks` intervals,
/// as (mantissa, exponent).
fn nice_step_parts(span: f64, max_ticks: usize) -> (i64, i32) {
    let raw = span.abs().max(1e-300) / max_ticks.max(1) as f64;
    let e = raw.log10().floor() as i32;
    match [1, 2, 5].into_iter().find(|&m| pow10(m, e) >= raw * (1.0 - 1e-9)) {
        Some(m) => (m, e),
        None => (1, e + 1),
    }
}

/// `m × 10^e`, exact for the decimals a tick label shows: a negative power divides by an
/// exact power of ten, so 3 × 10⁻¹ is the same f64 as the literal 0.3.
fn pow10(m: i64, e: i32) -> f64 {
    if e >= 0 {
        m as f64 * 10f64.powi(e)
    } else {
        m as f64 / 10f64.powi(-e)
    }
}

/// The "nice" step (1, 2 or 5 × 10ⁿ) that splits `span` into at most `max_ticks` intervals.
pub fn nice_step(span: f64, max_ticks: usize) -> f64 {
    let (m, e) = nice_step_parts(span, max_ticks);
    pow10(m, e)
}

/// Tick values: the multiples of a [`nice_step`] in `[lo, hi]` (at most `max_ticks` + 1 of
/// them), and that step. Each value is `k × step` computed afresh from integers, so the
/// fourth tick of step 0.1 is 0.3, not 0.30000000000000004, and the zero tick is +0.
pub fn nice_ticks(lo: f64, hi: f64, max_ticks: usize) -> (Vec<f64>, f64) {
    if !(lo.is_finite() && hi.is_finite()) {
        return (Vec::new(), 1.0);
    }
    let (lo, hi) = (lo.min(hi), lo.max(hi));
    if hi - lo < 1e-12 * hi.abs().max(1.0) {
        return (vec![lo], 1.0);
    }
    let (m, e) = nice_step_parts(hi - lo, max_ticks);
    let step = pow10(m, e);
    let (k0, k1) = ((lo / step - 1e-9).ceil() as i64, (hi / step + 1e-9).floor() as i64);
    ((k0..=k1).map(|k| pow10(k * m, e) + 0.0).collect(), step)
}

/// A tick value written with as many decimals as `step` needs ("0.25" for step 0.05, "3"
/// for step 1); whole thousands of a step ≥ 1000 as "12k" (and 0 as "0").
pub fn tick_label(v: f64, step: f64) -> String {
    if step >= 1000.0 && v != 0.0 && (v / 1000.0).fract() == 0.0 {
        return format!("{}k", (v / 1000.0) as i64);
    }
    let decimals = (-step.log10().floor()).max(0.0) as usize;
    // Round away "-0".
    let s = format!("{v:.decimals$}");
    if s.trim_start_matches('-').chars().all(|c| c == '0' || c == '.') {
        s.trim_start_matches('-').to_string()
    } else {
        s
    }
}

/// A frequency as a tick label: "100 Hz", "1 kHz", "2.5 kHz".
pub fn hz_label(f: f64) -> String {
    if f >= 1000.0 {
        let k = f / 1000.0;
        if (k - k.round()).abs() < 1e-9 {
            format!("{} kHz", k.round() as i64)
        } else {
            format!("{k:.1} kHz")
        }
    } else {
        format!("{} Hz", f.round() as i64)
    }
}

/// Where the data area of a picture lies (pixels, the first row and column inside it) and
/// the text scale of its labels. Tick marks, labels and titles go in the margins around it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Frame {
    pub left: u32,
    pub top: u32,
    pub width: u32,
    pub height: u32,
    /// Font scale of tick labels and titles.
    pub scale: u32,
}

impl Frame {
    /// One past the last column of the data area.
    pub fn right(&self) -> i64 {
        (self.left + self.width) as i64
    }
    /// One past the last row of the data area.
    pub fn bottom(&self) -> i64 {
        (self.top + self.height) as i64
    }
    /// Whether pixel (x, y) lies in the data area.
    pub fn contains(&self, x: i64, y: i64) -> bool {
        x >= self.left as i64 && x < self.right() && y >= self.top as i64 && y < self.bottom()
    }
    /// Height of the margin below the data area that [`Frame::x_tick`] and
    /// [`Frame::x_title`] fill: tick, its label, the title, and a gap.
    pub fn bottom_margin(scale: u32) -> u32 {
        TICK + GAP + text_height(scale) + GAP + text_height(scale) + GAP
    }
    /// Width of the margin left of the data area that [`Frame::y_tick`] labels as wide as
    /// `widest` pixels and a [`Frame::y_title`] need.
    pub fn left_margin(widest: u32, scale: u32) -> u32 {
        GAP + text_height(scale) + 2 * GAP + widest + GAP + TICK
    }
    /// A white picture with the data area at `self` and `right`/`bottom` pixels of margin
    /// past it.
    pub fn canvas(&self, right: u32, bottom: u32) -> RgbImage {
        RgbImage::from_pixel(self.left + self.width + right, self.top + self.height + bottom, Rgb(WHITE))
    }
    /// A black outline just outside the data area.
    pub fn outline(&self, img: &mut RgbImage) {
        rect(img, self.left as i64 - 1, self.top as i64 - 1, self.right(), self.bottom(), BLACK);
    }
    /// A tick mark below the data area at column `x`, with `label` centred under it.
    pub fn x_tick(&self, img: &mut RgbImage, x: i64, label: &str) {
        let y0 = self.bottom();
        line(img, x, y0, x, y0 + TICK as i64 - 1, BLACK);
        let mid = y0 + (TICK + GAP) as i64 + 7 * self.scale as i64 / 2;
        text_at(img, x, mid, label, DARK_GREY, self.scale, Align::Centre);
    }
    /// A tick mark above the data area at column `x`, with `label` centred over it (a second
    /// x axis on top).
    pub fn x_tick_top(&self, img: &mut RgbImage, x: i64, label: &str) {
        let y0 = self.top as i64 - 1;
        line(img, x, y0 - TICK as i64, x, y0, BLACK);
        let y_top = y0 - (TICK + GAP) as i64 - text_height(self.scale) as i64;
        text(img, x - text_width(label, self.scale) as i64 / 2, y_top, label, DARK_GREY, self.scale);
    }
    /// A tick mark left of the data area at row `y`, with `label` right-aligned before it.
    pub fn y_tick(&self, img: &mut RgbImage, y: i64, label: &str) {
        let x0 = self.left as i64 - 1;
        line(img, x0 - TICK as i64, y, x0, y, BLACK);
        text_at(img, x0 - (TICK + GAP) as i64, y, label, DARK_GREY, self.scale, Align::End);
    }
    /// The x-axis title, centred under the tick labels.
    pub fn x_title(&self, img: &mut RgbImage, s: &str) {
        let mid = self.bottom() + (TICK + 2 * GAP + text_height(self.scale)) as i64 + 7 * self.scale as i64 / 2;
        text_at(img, self.left as i64 + self.width as i64 / 2, mid, s, BLACK, self.scale, Align::Centre);
    }
    /// The y-axis title, reading upwards at the left edge of the picture, centred on the data
    /// area's height.
    pub fn y_title(&self, img: &mut RgbImage, s: &str) {
        let w = text_width(s, self.scale) as i64;
        let y_bottom = self.top as i64 + (self.height as i64 + w) / 2;
        text_up(img, GAP as i64, y_bottom.max(w), s, BLACK, self.scale);
    }
}

/// The sample drawn before a legend entry's text.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Key {
    /// A short solid line.
    Line(Colour),
    /// A short dashed line.
    Dashed(Colour),
    /// A short line with a square dot on it (values at points, joined).
    LineDot(Colour),
    /// A filled square (an area colour).
    Patch(Colour),
    /// A short vertical bar (a marker in time).
    Bar(Colour),
}

/// Width in pixels of a legend key at `scale`.
fn key_width(scale: u32) -> u32 {
    4 * ADVANCE * scale
}

/// Width in pixels of one legend entry (key, gap, text) at `scale`.
pub fn legend_entry_width(label: &str, scale: u32) -> u32 {
    key_width(scale) + GAP * scale + text_width(label, scale)
}

/// Top-left corners of legend entries laid out in rows from (x, y), wrapping before
/// `max_width` pixels; entries are separated by two character widths.
fn legend_places(x: i64, y: i64, max_width: u32, labels: impl Iterator<Item = u32>, scale: u32) -> Vec<(i64, i64)> {
    let row_h = (text_height(scale) + GAP) as i64;
    let sep = (2 * ADVANCE * scale) as i64;
    let (mut cx, mut cy) = (x, y);
    let mut out = Vec::new();
    for w in labels {
        let w = w as i64;
        if cx > x && cx + w > x + max_width as i64 {
            cx = x;
            cy += row_h;
        }
        out.push((cx, cy));
        cx += w + sep;
    }
    out
}

/// Height in pixels that [`legend`] uses for `labels` in `max_width` pixels.
pub fn legend_height(max_width: u32, labels: &[&str], scale: u32) -> u32 {
    let places = legend_places(0, 0, max_width, labels.iter().map(|s| legend_entry_width(s, scale)), scale);
    places.last().map_or(0, |p| p.1 as u32 + text_height(scale) + GAP)
}

/// Draw legend entries in rows from (x, y) (top-left), wrapping before `max_width` pixels;
/// returns the height used ([`legend_height`]). Entries are separated by two character
/// widths.
pub fn legend(img: &mut RgbImage, x: i64, y: i64, max_width: u32, entries: &[(Key, &str)], scale: u32) -> u32 {
    let places = legend_places(x, y, max_width, entries.iter().map(|(_, s)| legend_entry_width(s, scale)), scale);
    for ((key, label), (cx, cy)) in entries.iter().zip(&places) {
        draw_key(img, *cx, cy + (7 * scale as i64) / 2, *key, scale);
        text(img, cx + (key_width(scale) + GAP * scale) as i64, *cy, label, BLACK, scale);
    }
    places.last().map_or(0, |p| (p.1 - y) as u32 + text_height(scale) + GAP)
}

/// The key sample with its left end at x and its vertical centre at `y_mid`.
pub fn draw_key(img: &mut RgbImage, x: i64, y_mid: i64, key: Key, scale: u32) {
    let (w, k) = (key_width(scale) as i64, scale as i64);
    let thick = |img: &mut RgbImage, x0: i64, x1: i64, c: Colour| {
        for d in 0..k.max(2) {
            line(img, x0, y_mid + d - k.max(2) / 2, x1, y_mid + d - k.max(2) / 2, c);
        }
    };
    match key {
        Key::Line(c) => thick(img, x, x + w - 1, c),
        Key::Dashed(c) => {
            let dash = 3 * k;
            let mut xx = x;
            while xx < x + w {
                thick(img, xx, (xx + dash - 1).min(x + w - 1), c);
                xx += 2 * dash;
            }
        }
        Key::LineDot(c) => {
            thick(img, x, x + w - 1, c);
            let r = 2 * k;
            fill_rect(img, x + w / 2 - r, y_mid - r, (2 * r + 1) as u32, (2 * r + 1) as u32, c);
        }
        Key::Patch(c) => {
            let s = 7 * k;
            fill_rect(img, x + (w - s) / 2, y_mid - s / 2, s as u32, s as u32, c);
        }
        Key::Bar(c) => fill_rect(img, x + w / 2 - k / 2 - 1, y_mid - 4 * k, (k + 2) as u32, (8 * k + 1) as u32, c),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inked(img: &RgbImage, x0: u32, y0: u32, x1: u32, y1: u32) -> usize {
        (y0..y1.min(img.height()))
            .flat_map(|y| (x0..x1.min(img.width())).map(move |x| (x, y)))
            .filter(|&(x, y)| img.get_pixel(x, y).0 != WHITE)
            .count()
    }

    #[test]
    fn every_glyph_is_5_wide_and_known_characters_are_not_the_fallback() {
        let known = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz .,-+=:/()%_·";
        let fallback = glyph('\u{2603}');
        for ch in known.chars() {
            let g = glyph(ch);
            assert!(g.iter().all(|r| r.len() == GLYPH_W as usize && r.bytes().all(|b| b == b'.' || b == b'#')), "{ch:?}");
            if ch != ' ' {
                assert_ne!(g, fallback, "{ch:?} has no glyph");
                assert!(g.iter().any(|r| r.contains('#')), "{ch:?} is blank");
            }
        }
        // Only the descender letters (and the comma's tail) reach the eighth row.
        for ch in known.chars() {
            assert_eq!(glyph(ch)[7].contains('#'), "gjpqy,".contains(ch), "{ch:?}");
        }
        // Distinct characters look distinct (the digits and the letters of "kHz" at least).
        let all: Vec<char> = known.chars().collect();
        for (i, a) in all.iter().enumerate() {
            for b in &all[i + 1..] {
                assert_ne!(glyph(*a), glyph(*b), "{a:?} and {b:?} share a glyph");
            }
        }
    }

    #[test]
    fn text_draws_the_glyph_cells_scaled() {
        let mut img = RgbImage::from_pixel(40, 30, Rgb(WHITE));
        text(&mut img, 3, 4, "H1", BLACK, 2);
        for (i, ch) in "H1".chars().enumerate() {
            for (r, row) in glyph(ch).iter().enumerate() {
                for (c, cell) in row.bytes().enumerate() {
                    for (dx, dy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
                        let (x, y) = (3 + i as u32 * 12 + c as u32 * 2 + dx, 4 + r as u32 * 2 + dy);
                        assert_eq!(img.get_pixel(x, y).0 == BLACK, cell == b'#', "{ch} row {r} col {c}");
                    }
                }
            }
        }
        // Nothing outside the text box (2 glyphs of 10 px + 2 px spacing, 16 px high).
        assert_eq!(text_width("H1", 2), 22);
        assert_eq!(inked(&img, 0, 0, 40, 30), inked(&img, 3, 4, 3 + 22, 4 + 16));
    }

    #[test]
    fn text_up_is_text_turned_a_quarter_left() {
        let mut flat = RgbImage::from_pixel(30, 10, Rgb(WHITE));
        text(&mut flat, 0, 0, "kHz", BLACK, 1);
        let mut up = RgbImage::from_pixel(10, 30, Rgb(WHITE));
        text_up(&mut up, 0, 29, "kHz", BLACK, 1);
        // Flat pixel (tx, ty) lands on (ty, 29 − tx).
        for ty in 0..10 {
            for tx in 0..30 {
                assert_eq!(flat.get_pixel(tx, ty), up.get_pixel(ty, 29 - tx), "({tx}, {ty})");
            }
        }
    }

    #[test]
    fn scale_maps_ends_and_midpoint() {
        let s = Scale::new(0.0, 10.0, 50.0, 250.0);
        assert_eq!((s.px(0.0), s.px(10.0), s.px(5.0), s.px(1.0)), (50, 250, 150, 70));
        // Upward y scale: larger values higher up (smaller row numbers).
        let y = Scale::new(0.0, 1.0, 200.0, 0.0);
        assert_eq!((y.px(0.0), y.px(1.0), y.px(0.25)), (200, 0, 150));
        assert!(s.contains(10.0) && s.contains(0.0) && !s.contains(10.1) && !s.contains(-0.1));
    }

    #[test]
    fn nice_ticks_are_round_multiples_inside_the_range() {
        assert_eq!(nice_ticks(0.0, 10.0, 5), (vec![0.0, 2.0, 4.0, 6.0, 8.0, 10.0], 2.0));
        assert_eq!(nice_ticks(0.0, 1.0, 10).0.len(), 11);
        assert_eq!(nice_ticks(0.0, 1.0, 10).0[3], 0.3);
        assert_eq!(nice_ticks(0.13, 0.91, 4), (vec![0.2, 0.4, 0.6, 0.8], 0.2));
        assert_eq!(nice_ticks(0.0, 23_000.0, 5), (vec![0.0, 5000.0, 10000.0, 15000.0, 20000.0], 5000.0));
        assert_eq!(nice_ticks(-1.0, 1.0, 4).0, vec![-1.0, -0.5, 0.0, 0.5, 1.0]);
        assert!(nice_ticks(f64::NAN, 1.0, 4).0.is_empty());
        assert_eq!(nice_ticks(2.0, 2.0, 4).0, vec![2.0]);
        // The step never splits the span into more than max_ticks intervals.
        for (span, n) in [(7.3, 4), (0.0042, 6), (1234.0, 8), (1.0, 1)] {
            assert!(span / nice_step(span, n) <= n as f64 + 1e-9, "{span} {n}");
        }
    }

    #[test]
    fn tick_and_frequency_labels() {
        assert_eq!(tick_label(0.3, 0.1), "0.3");
        assert_eq!(tick_label(2.0, 1.0), "2");
        assert_eq!(tick_label(0.25, 0.05), "0.25");
        assert_eq!(tick_label(-0.0, 0.5), "0.0");
        assert_eq!(tick_label(15000.0, 5000.0), "15k");
        assert_eq!(tick_label(0.0, 5000.0), "0");
        assert_eq!(tick_label(2500.0, 500.0), "2500");
        assert_eq!(hz_label(100.0), "100 Hz");
        assert_eq!(hz_label(1000.0), "1 kHz");
        assert_eq!(hz_label(2500.0), "2.5 kHz");
    }

    #[test]
    fn frame_ticks_and_titles_ink_the_margins_only() {
        let scale = 1;
        let f = Frame { left: Frame::left_margin(text_width("100", scale), scale), top: 10, width: 100, height: 60, scale };
        let mut img = f.canvas(10, Frame::bottom_margin(scale));
        f.outline(&mut img);
        f.x_tick(&mut img, f.left as i64 + 50, "5");
        f.y_tick(&mut img, f.top as i64 + 30, "100");
        f.x_title(&mut img, "time (s)");
        f.y_title(&mut img, "loss");
        // The data area stays white.
        assert_eq!(inked(&img, f.left, f.top, f.right() as u32, f.bottom() as u32), 0);
        // The x tick mark hangs under the data area at its column; the label is under it.
        for d in 0..TICK {
            assert_eq!(img.get_pixel(f.left + 50, f.bottom() as u32 + d).0, BLACK);
        }
        let label_top = f.bottom() as u32 + TICK + 1;
        assert!(inked(&img, f.left + 47, label_top, f.left + 53, label_top + GLYPH_H + GAP) > 5);
        // The y tick label ends before the tick mark.
        let (x_end, y) = (f.left - 1 - TICK - GAP, f.top + 30);
        assert!(inked(&img, x_end - text_width("100", 1), y - 4, x_end + 1, y + 4) > 10);
        // The titles: one below the tick labels, one at the left edge.
        assert!(inked(&img, f.left, label_top + GLYPH_H + GAP, f.right() as u32, img.height()) > 20);
        assert!(inked(&img, 0, f.top, GAP + GLYPH_H + 1, f.bottom() as u32) > 10);
        // Every ink pixel fits inside the picture's margins (nothing was clipped away):
        // the bottom margin holds the title's last row.
        assert!(inked(&img, 0, img.height() - GAP, img.width(), img.height()) == 0);
    }

    #[test]
    fn legend_wraps_and_reports_its_height() {
        let entries = [(Key::Line([200, 0, 0]), "train"), (Key::Dashed([0, 160, 0]), "baseline"), (Key::Bar([0, 0, 200]), "hit")];
        let mut wide = RgbImage::from_pixel(400, 40, Rgb(WHITE));
        let h1 = legend(&mut wide, 2, 2, 396, &entries, 1);
        assert_eq!(h1, GLYPH_H + GAP);
        let mut narrow = RgbImage::from_pixel(400, 60, Rgb(WHITE));
        let h2 = legend(&mut narrow, 2, 2, legend_entry_width("baseline", 1) + 4, &entries, 1);
        assert_eq!(h2, 3 * (GLYPH_H + GAP));
        assert_eq!(legend_height(legend_entry_width("baseline", 1) + 4, &["train", "baseline", "hit"], 1), h2);
        assert_eq!(legend_height(396, &["train", "baseline", "hit"], 1), h1);
        // Each key has its colour.
        for c in [[200, 0, 0], [0, 160, 0], [0, 0, 200]] {
            assert!(wide.pixels().any(|p| p.0 == c), "{c:?}");
        }
    }
}
