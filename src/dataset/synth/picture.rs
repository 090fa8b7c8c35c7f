//! The look of a video: everything drawn that the choreography and the sound do not depend
//! on. Two independent styles: "a" (training; a handheld close-up of surfaces, widened per
//! video: camera, lighting, grading, noise, clutter, stick and hand) and "b" (a foreign test
//! look never used in training: a still top-down view of objects on a table, drawn with
//! other textures, a flat-shaded stick and hand and another light and noise model).
//!
//! All of a look's randomness comes from its own stream (seeded from the video's seed), so
//! the look can change without changing any annotation or sound.
use super::camera::{Grade, Noise, Photo, Shake, View};
use super::motion::Motion;
use super::props::{scatter, touched, Backdrop, Prop};
use super::scene::{Canvas, Layers, Layout};
use super::stick::{Holder, Pose, StickLook};
use super::style_b::FlatHolder;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Which look (`foley dataset synth --style`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize)]
pub enum Style {
    /// Training look: handheld close-ups of surfaces, widely randomised.
    #[default]
    A,
    /// Foreign test look: top-down views of objects on a table, rendered differently.
    B,
}

impl std::str::FromStr for Style {
    type Err = String;
    fn from_str(s: &str) -> Result<Style, String> {
        match s.to_ascii_lowercase().as_str() {
            "a" => Ok(Style::A),
            "b" => Ok(Style::B),
            _ => Err(format!("style '{s}': expected a (training look) or b (foreign test look)")),
        }
    }
}

impl std::fmt::Display for Style {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Style::A => "a",
            Style::B => "b",
        })
    }
}

/// The look stream of video `seed` (independent of the stream of the choreography and sound).
pub fn look_rng(seed: u64, style: Style) -> ChaCha8Rng {
    let salt = match style {
        Style::A => 0x1007_a5a5_0000_000a,
        Style::B => 0x1007_b5b5_0000_000b,
    };
    ChaCha8Rng::seed_from_u64(seed ^ salt)
}

enum Figure {
    A(Holder),
    B(FlatHolder),
}

/// What a frame shows besides pixels: the canvas origin of the frame and the grip.
#[derive(Clone, Copy, Debug)]
pub struct Shot {
    pub origin: (f32, f32),
    pub grip: (f32, f32),
}

/// Everything needed to draw any frame of one video.
pub struct Picture {
    canvas: Canvas,
    margin: usize,
    shake: Shake,
    figure: Figure,
    grade: Grade,
}

/// Inputs of a look: the planned scene and the first version's draws.
pub struct Plan<'a> {
    pub seed: u64,
    pub style: Style,
    pub layout: &'a Layout,
    pub motion: &'a Motion,
    pub photo: Photo,
    pub stick: StickLook,
    pub shake: Shake,
    pub seconds: f64,
    /// Canvas size and the margin around the frame.
    pub cw: usize,
    pub ch: usize,
    pub margin: usize,
    /// Frame width / 320.
    pub px: f32,
    /// Supersampling of the canvas (small frames).
    pub ss: usize,
}

impl Picture {
    pub fn plan(p: Plan) -> Picture {
        match p.style {
            Style::A => plan_a(p),
            Style::B => super::style_b::plan(p),
        }
    }

    pub(crate) fn new_b(canvas: Canvas, margin: usize, shake: Shake, holder: FlatHolder, grade: Grade) -> Picture {
        Picture { canvas, margin, shake, figure: Figure::B(holder), grade }
    }

    /// Draw the frame at time `t` (`fps` for motion blur) into `out` (RGB8, `fw`×`fh`).
    #[allow(clippy::too_many_arguments)]
    pub fn render(&self, t: f64, fps: u32, motion: &Motion, layers: Layers, noise_seed: u32, fw: usize, fh: usize, buf: &mut Vec<f32>, out: &mut [u8]) -> Shot {
        let s = self.shake.at(t);
        let m = self.margin as f32;
        let origin = self.canvas.clamp_origin(m + s.0, m + s.1, fw, fh);
        self.canvas.window(origin.0, origin.1, fw, fh, buf);
        // Scratch space for the shadow mask after the picture.
        buf.resize(fw * fh * 4, 0.0);
        let (pic, mask) = buf.split_at_mut(fw * fh * 3);
        let tip = motion.tip(t);
        let grip = match &self.figure {
            Figure::A(h) => {
                let now = h.pose(tip);
                let trail: Vec<Pose> = (1..=h.ghosts).map(|k| h.pose(motion.tip(t - (h.shutter * k as f32 / h.ghosts as f32) as f64 / fps as f64))).collect();
                h.render(&now, &trail, origin, layers, fw, fh, pic, mask);
                now.grip
            }
            Figure::B(h) => h.render(tip, origin, layers, fw, fh, pic, mask),
        };
        self.grade.finish(pic, fw, fh, noise_seed, out);
        Shot { origin, grip }
    }
}

/// Style "a".
fn plan_a(p: Plan) -> Picture {
    let mut rng = look_rng(p.seed, Style::A);
    let (w, h) = (p.cw as f32, p.ch as f32);
    let (fw, fh) = (w - 2.0 * p.margin as f32, h - 2.0 * p.margin as f32);
    let view = View::random(w, h, &mut rng);
    let mut looks = p.layout.looks.clone();
    looks.iter_mut().for_each(|l| l.vary(&mut rng));
    let holder = Holder::random(&p.stick, w, h, p.px, &mut rng);
    // Surfaces lie at different heights: the higher one casts a soft shadow on its neighbour.
    let elevation: Vec<f32> = (0..looks.len()).map(|_| rng.random()).collect();
    let edge = (rng.random_range(0.15..0.45f32), rng.random_range(2.0..7.0) * p.px);
    let pts = touched(p.motion);
    let n_props = rng.random_range(0..=4usize);
    let mut props = scatter(n_props, &pts, w, h, 0.05 * fw, p.px, &mut rng);
    let backdrop = if rng.random_bool(0.35) { Some(Backdrop::random(w, h, p.margin as f32 + 0.16 * fh, &mut rng)) } else { None };
    if let Some(b) = &backdrop {
        props.retain(|q| b.below(q.shape.cx, q.shape.cy) > q.shape.hx.max(q.shape.hy));
    }
    // Light: exposure, a soft gradient across the picture and sometimes a pool of light.
    let gain = p.photo.gain * rng.random_range(0.85..1.15);
    let g = rng.random_range(0.0..0.4f32);
    let ga = p.photo.grad.1.atan2(p.photo.grad.0);
    let grad = (g * ga.cos(), g * ga.sin());
    let pool = if rng.random_bool(0.4) { Some((rng.random_range(0.0..w), rng.random_range(0.0..h), rng.random_range(0.3..0.8) * w, rng.random_range(0.15..0.45f32))) } else { None };
    let light = Light { gain, grad, pool, prop_shadow: holder.light, shadow: holder.shadow };
    let mut canvas = render_a(p.layout, &looks, &view, &elevation, edge, &props, backdrop.as_ref(), &light, p.cw, p.ch, p.ss);
    let focus = p.photo.blur.max(if rng.random_bool(0.25) { 1.0 } else { 0.0 });
    if focus > 0.0 {
        canvas.blur(focus);
    }
    if rng.random_bool(0.15) {
        canvas.blur(1.0);
    }
    let shake = p.shake.handheld(p.seconds, p.px, &mut rng);
    let lift = rng.random_range(0.0..0.06f32);
    let noise = Noise::Sensor { read: rng.random_range(0.5..5.0), shot: rng.random_range(0.0..7.0), chroma: rng.random_range(0.0..0.8) };
    let grade = Grade::new(
        rng.random_range(-1.0..1.0),
        rng.random_range(-1.0..1.0),
        rng.random_range(0.6..1.3),
        rng.random_range(-0.25..0.35),
        rng.random_range(-0.25..0.25),
        [lift + rng.random_range(-0.01..0.01f32).max(-lift), lift, lift + rng.random_range(-0.01..0.01f32).max(-lift)],
        p.photo.vignette * rng.random_range(0.5..1.6),
        noise,
    );
    Picture { canvas, margin: p.margin, shake, figure: Figure::A(holder), grade }
}

struct Light {
    gain: f32,
    grad: (f32, f32),
    /// A pool of light: centre, radius, strength.
    pool: Option<(f32, f32, f32, f32)>,
    /// Shadow direction (per unit height) and darkness of props.
    prop_shadow: (f32, f32),
    shadow: f32,
}

/// Paint the style "a" canvas: textured regions seen through `view` (regions stay where the
/// layout puts them), soft shadows at the edges of higher surfaces, props with their
/// shadows, the backdrop, and the light.
#[allow(clippy::too_many_arguments)]
fn render_a(layout: &Layout, looks: &[super::scene::Look], view: &View, elevation: &[f32], edge: (f32, f32), props: &[Prop], backdrop: Option<&Backdrop>, light: &Light, w: usize, h: usize, ss: usize) -> Canvas {
    let mut canvas = Canvas::new(w, h);
    let (hw, hh) = (w as f32 / 2.0, h as f32 / 2.0);
    let ss = ss.max(1);
    let inv = 1.0 / (ss * ss) as f32;
    for y in 0..h {
        for x in 0..w {
            let mut c = [0.0f32; 3];
            for sy in 0..ss {
                for sx in 0..ss {
                    let (qx, qy) = (x as f32 + (sx as f32 + 0.5) / ss as f32, y as f32 + (sy as f32 + 0.5) / ss as f32);
                    let (u, v) = view.map(qx, qy);
                    let s = looks[layout.region(qx, qy)].shade(u, v);
                    for (ck, sk) in c.iter_mut().zip(s) {
                        *ck += sk * inv;
                    }
                }
            }
            let (fx, fy) = (x as f32 + 0.5, y as f32 + 0.5);
            // Edge between surfaces: the lower side lies in the higher one's shadow; a thin
            // dark seam marks the step.
            let d = layout.boundary_distance(fx, fy);
            if d < 4.0 * edge.1 {
                let here = layout.region(fx, fy);
                let [a, b] = layout.sides(fx, fy);
                let lower = elevation[if a == here { b } else { a }] > elevation[here];
                let mut k = if lower { edge.0 * (-d / edge.1).exp() } else { 0.0 };
                k = k.max(0.35 * (1.0 - d).max(0.0));
                c = [c[0] * (1.0 - k), c[1] * (1.0 - k), c[2] * (1.0 - k)];
            }
            let behind = backdrop.map(|b| b.below(fx, fy)).unwrap_or(f32::MAX);
            if behind < 0.0 {
                c = backdrop.map(|b| b.shade(fx, fy)).unwrap_or(c);
            } else {
                for p in props {
                    let sd = p.sdf(fx - p.height * light.prop_shadow.0, fy - p.height * light.prop_shadow.1);
                    let k = light.shadow * 0.9 * super::color::smooth(p.height * 0.3 + 1.0, -1.0, sd);
                    c = [c[0] * (1.0 - k), c[1] * (1.0 - k), c[2] * (1.0 - k)];
                    let cov = (0.5 - p.sdf(fx, fy)).clamp(0.0, 1.0);
                    if cov > 0.0 {
                        c = super::color::mix(c, p.shade(fx, fy), cov);
                    }
                }
            }
            let (nx, ny) = ((fx - hw) / hw, (fy - hh) / hh);
            let mut l = light.gain * (1.0 + light.grad.0 * nx + light.grad.1 * ny);
            if let Some((px, py, r, s)) = light.pool {
                l *= 1.0 - s + 2.0 * s * (-((fx - px).powi(2) + (fy - py).powi(2)) / (r * r)).exp();
            }
            let i = (y * w + x) * 3;
            canvas.data[i..i + 3].copy_from_slice(&[c[0] * l, c[1] * l, c[2] * l]);
        }
    }
    canvas
}
