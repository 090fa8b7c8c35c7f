//! Style "b", the foreign test look: a camera on a stand looking straight down at a table
//! with the struck objects on it and a few unstruck ones, flat-shaded textures
//! ([`super::texture_b`]), hard drop shadows, a spot light with a coloured cast, a
//! flat-coloured outlined stick held by a cartoon-like hand (palm, fingers, sleeve), and
//! banded sensor noise. Nothing here is used for training.
use super::camera::{Grade, Noise, View};
use super::color::{hsv, mix, scale, skin, Rgb};
use super::picture::{look_rng, Picture, Plan, Style};
use super::props::{scatter, touched, Prop};
use super::raster::{blend, ellipse, segment};
use super::scene::{Canvas, Layers, Layout, Tip};
use super::stick::Holder;
use super::texture_b;
use rand::Rng;

/// The stick and hand of style "b": geometry as in style "a", drawn flat with outlines.
pub struct FlatHolder {
    geo: Holder,
    outline: Rgb,
    /// Hard shadow darkness.
    shadow: f32,
}

pub fn plan(p: Plan) -> Picture {
    let mut rng = look_rng(p.seed, Style::B);
    let (w, h) = (p.cw as f32, p.ch as f32);
    let fw = w - 2.0 * p.margin as f32;
    let zoom = rng.random_range(0.8..1.3);
    let view = View::straight(w / 2.0, h / 2.0, zoom);
    let mut geo = Holder::random(&p.stick, w, h, p.px, &mut rng);
    // Painted sticks are common here; no motion blur (a fast shutter).
    geo.color = match rng.random_range(0..4) {
        0 => p.stick.color,
        1 => hsv(0.0, 0.0, 0.1),
        _ => hsv(rng.random::<f32>(), rng.random_range(0.5..0.9), rng.random_range(0.5..0.9)),
    };
    geo.tip_color = hsv(rng.random::<f32>(), rng.random_range(0.3..0.9), rng.random_range(0.4..0.95));
    geo.skin = skin(&mut rng);
    geo.sleeve = Some(hsv(rng.random::<f32>(), rng.random_range(0.2..0.8), rng.random_range(0.2..0.8)));
    geo.ghosts = 0;
    let holder = FlatHolder { geo, outline: hsv(0.0, 0.0, rng.random_range(0.03..0.15)), shadow: rng.random_range(0.35..0.55) };
    let props = scatter(rng.random_range(1..=4usize), &touched(p.motion), w, h, 0.05 * fw, p.px, &mut rng);
    // Hard light from one direction: objects cast offset shadows.
    let la = rng.random_range(0.0..std::f32::consts::TAU);
    let off = rng.random_range(3.0..9.0) * p.px;
    let spot = (rng.random_range(0.2..0.8) * w, rng.random_range(0.2..0.8) * h, rng.random_range(0.5..1.0) * w, rng.random_range(0.55..0.8f32));
    let cast = [[1.0, 1.0, 0.92], [0.93, 1.0, 0.95], [1.0, 0.9, 0.78], [0.9, 0.95, 1.05]][rng.random_range(0..4)];
    let outline = holder.outline;
    let canvas = render(p.layout, &view, &props, (off * la.cos(), off * la.sin()), holder.shadow, spot, cast, outline, p.cw, p.ch, p.ss);
    let shake = p.shake.tripod(p.px, &mut rng);
    let noise = Noise::Banded { level: rng.random_range(2.0..7.0), rows: rng.random_range(0.5..2.5), levels: rng.random_range(28.0..64.0) };
    let lift = rng.random_range(0.02..0.08);
    let grade = Grade::new(0.0, 0.0, rng.random_range(0.85..1.1), rng.random_range(-0.1..0.15), rng.random_range(-0.1..0.1), [lift; 3], 0.0, noise);
    Picture::new_b(canvas, p.margin, shake, holder, grade)
}

/// Paint the table: textures through `view`, object outlines and hard shadows cast by the
/// objects (offset `off`), props, a spot light `(x, y, radius, ambient)` and a colour cast.
#[allow(clippy::too_many_arguments)]
fn render(layout: &Layout, view: &View, props: &[Prop], off: (f32, f32), dark: f32, spot: (f32, f32, f32, f32), cast: Rgb, outline: Rgb, w: usize, h: usize, ss: usize) -> Canvas {
    let mut canvas = Canvas::new(w, h);
    let ss = ss.max(1);
    let inv = 1.0 / (ss * ss) as f32;
    let slabs = layout.slabs();
    for y in 0..h {
        for x in 0..w {
            let mut c = [0.0f32; 3];
            for sy in 0..ss {
                for sx in 0..ss {
                    let (qx, qy) = (x as f32 + (sx as f32 + 0.5) / ss as f32, y as f32 + (sy as f32 + 0.5) / ss as f32);
                    let (u, v) = view.map(qx, qy);
                    let s = texture_b::shade(&layout.looks[layout.region(qx, qy)], u, v);
                    for (ck, sk) in c.iter_mut().zip(s) {
                        *ck += sk * inv;
                    }
                }
            }
            let (fx, fy) = (x as f32 + 0.5, y as f32 + 0.5);
            let here = layout.region(fx, fy);
            // Shadows of objects above this one, then the outlines of visible edges.
            let shadowed = slabs.iter().enumerate().any(|(j, s)| j + 1 > here && s.sdf(fx - off.0, fy - off.1) < 0.0);
            if shadowed {
                c = scale(c, 1.0 - dark);
            }
            for (j, s) in slabs.iter().enumerate() {
                if here <= j + 1 && s.sdf(fx, fy).abs() < 1.0 {
                    c = mix(c, outline, 0.8);
                }
            }
            for p in props {
                if p.sdf(fx - off.0, fy - off.1) < 0.0 {
                    c = scale(c, 1.0 - dark);
                }
                let d = p.sdf(fx, fy);
                if d < 0.0 {
                    c = if d > -1.2 { outline } else { scale(p.color, 0.85 + 0.15 * (p.shape.local(fx, fy).0 > 0.0) as u8 as f32) };
                }
            }
            let (sx, sy, r, amb) = spot;
            let l = amb + (1.0 - amb) * (-((fx - sx).powi(2) + (fy - sy).powi(2)) / (r * r)).exp() * 1.4;
            let i = (y * w + x) * 3;
            canvas.data[i..i + 3].copy_from_slice(&[c[0] * l * cast[0], c[1] * l * cast[1], c[2] * l * cast[2]]);
        }
    }
    canvas
}

impl FlatHolder {
    /// Draw shadow, sleeve, stick and hand for tip state `tip`; returns the grip (canvas).
    #[allow(clippy::too_many_arguments)]
    pub fn render(&self, tip: Tip, o: (f32, f32), layers: Layers, fw: usize, fh: usize, buf: &mut [f32], mask: &mut [f32]) -> (f32, f32) {
        let g = &self.geo;
        let p = g.pose(tip);
        let f = |q: (f32, f32)| (q.0 - o.0, q.1 - o.1);
        let far = |q: (f32, f32)| (q.0 + p.arm.0 * 4.0 * fw as f32, q.1 + p.arm.1 * 4.0 * fw as f32);
        let (palm, finger) = (g.hand * 0.7, g.hand * 0.32);
        let dir = {
            let (dx, dy) = (p.butt.0 - p.tip.0, p.butt.1 - p.tip.1);
            let n = (dx * dx + dy * dy).sqrt().max(1e-6);
            (dx / n, dy / n)
        };
        let side = if g.wrist > 0.0 { 1.0 } else { -1.0 };
        // Fingers wrap the stick in a row across from the palm's centre.
        let fingers: Vec<(f32, f32)> = (0..4)
            .map(|k| {
                let a = (k as f32 - 1.5) * finger * 1.6;
                (p.grip.0 + dir.0 * a - dir.1 * side * palm * 0.55, p.grip.1 + dir.1 * a + dir.0 * side * palm * 0.55)
            })
            .collect();
        if layers.shadow {
            mask.iter_mut().for_each(|m| *m = 0.0);
            let mut put = |i: usize, c: f32| mask[i] = mask[i].max(if c > 0.5 { self.shadow } else { 0.0 });
            segment(fw, fh, f(p.tip_s), f(p.butt_s), g.radius, g.radius, 1.0, |i, _, _, c| put(i, c));
            segment(fw, fh, f(p.grip_s), f(far(p.grip_s)), palm * 0.8, palm * 0.8, 1.0, |i, _, _, c| put(i, c));
            ellipse(fw, fh, f(p.grip_s), palm * 1.2, palm * 1.2, dir, 1.0, |i, _, _, c| put(i, c));
            for (i, m) in mask.iter().enumerate() {
                if *m > 0.0 {
                    buf[i * 3..i * 3 + 3].iter_mut().for_each(|v| *v *= 1.0 - m);
                }
            }
        }
        if layers.stick {
            let ol = self.outline;
            let sleeve = g.sleeve.unwrap_or(g.skin);
            segment(fw, fh, f(p.grip), f(far(p.grip)), palm * 0.8 + 1.2, palm * 0.8 + 1.2, 1.0, |i, _, _, c| blend(buf, i, ol, c));
            segment(fw, fh, f(p.grip), f(far(p.grip)), palm * 0.8, palm * 0.8, 1.0, |i, _, _, c| blend(buf, i, sleeve, c));
            let len = ((p.butt.0 - p.tip.0).powi(2) + (p.butt.1 - p.tip.1).powi(2)).sqrt().max(1e-3);
            segment(fw, fh, f(p.tip), f(p.butt), g.radius + 1.0, g.radius + 1.0, 1.0, |i, _, _, c| blend(buf, i, ol, c));
            segment(fw, fh, f(p.tip), f(p.butt), g.radius, g.radius, 1.0, |i, t, _, c| {
                // A painted band near the tip.
                let col = if t * len < g.tip_len * 1.5 { g.tip_color } else { g.color };
                blend(buf, i, col, c)
            });
            let dark = mix(g.skin, ol, 0.25);
            ellipse(fw, fh, f(p.grip), palm + 1.2, palm + 1.2, dir, 1.0, |i, _, _, c| blend(buf, i, ol, c));
            ellipse(fw, fh, f(p.grip), palm, palm, dir, 1.0, |i, _, _, c| blend(buf, i, g.skin, c));
            for q in &fingers {
                ellipse(fw, fh, f(*q), finger + 1.0, finger * 1.2 + 1.0, dir, 1.0, |i, _, _, c| blend(buf, i, ol, c));
                ellipse(fw, fh, f(*q), finger, finger * 1.2, dir, 1.0, |i, _, _, c| blend(buf, i, dark, c));
            }
        }
        (p.grip.0, p.grip.1)
    }
}
