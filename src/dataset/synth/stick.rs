//! Style "a": the drumstick and the hand and arm holding it, in 3-D (canvas ground
//! coordinates plus height; a point at height z is drawn z pixels higher), with soft
//! shadows cast by one light and motion blur on the moving parts.
use super::color::{hsv, mix, skin, Rgb};
use super::raster::{blend, ellipse, segment};
use super::scene::{Layers, Tip};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// The first version's stick look (still drawn, to keep each seed's random stream).
#[derive(Clone, Debug)]
pub struct StickLook {
    pub color: Rgb,
    pub tip_color: Rgb,
    /// Radius in pixels.
    pub radius: f32,
    /// Handle end: ground position and height (canvas pixels), far above the frame.
    pub anchor: (f32, f32, f32),
    /// Shadow displacement per unit height.
    pub light: (f32, f32),
    pub shadow: f32,
}

impl StickLook {
    pub fn new(w: f32, h: f32, rng: &mut ChaCha8Rng) -> StickLook {
        let px = w / 320.0;
        StickLook {
            color: hsv(rng.random_range(0.07..0.11), rng.random_range(0.3..0.5), rng.random_range(0.8..0.95)),
            tip_color: hsv(rng.random_range(0.05..0.09), rng.random_range(0.5..0.7), rng.random_range(0.6..0.75)),
            radius: rng.random_range(4.5..6.0) * px,
            anchor: (w * rng.random_range(-0.2..1.2), h * rng.random_range(-0.6..-0.25), h * rng.random_range(0.9..1.4)),
            light: (rng.random_range(-0.5..0.5), rng.random_range(0.45..0.9)),
            shadow: rng.random_range(0.35..0.6),
        }
    }
}

/// Stick, hand and arm of one video (style "a").
#[derive(Clone, Debug)]
pub struct Holder {
    pub color: Rgb,
    pub tip_color: Rgb,
    /// Lacquer highlight strength (0: matte).
    pub gloss: f32,
    pub radius: f32,
    /// Length of the painted tip along the stick (pixels).
    pub tip_len: f32,
    /// Stick length in 3-D (pixels) and where along it (fraction from the tip) the hand grips.
    pub length: f32,
    pub grip: f32,
    /// The shoulder the arm swings from: ground position and height (canvas pixels).
    pub anchor: (f32, f32, f32),
    /// Shadow displacement per unit height, darkness and edge width (pixels).
    pub light: (f32, f32),
    pub shadow: f32,
    pub soft: f32,
    pub skin: Rgb,
    /// Sleeve colour (`None`: bare forearm).
    pub sleeve: Option<Rgb>,
    /// Fist half-length along the stick (pixels); half-width is 0.7 of it.
    pub hand: f32,
    /// Angle from the stick to the forearm on screen (radians, signed).
    pub wrist: f32,
    /// Motion blur: trailing copies and the shutter (fraction of a frame).
    pub ghosts: u32,
    pub shutter: f32,
}

/// Where stick, hand and arm are in one frame (canvas pixels, screen positions).
#[derive(Clone, Copy, Debug)]
pub struct Pose {
    pub tip: (f32, f32),
    pub butt: (f32, f32),
    pub grip: (f32, f32),
    /// Unit vector along the forearm, away from the hand.
    pub arm: (f32, f32),
    /// Ground shadows of tip, butt and grip.
    pub tip_s: (f32, f32),
    pub butt_s: (f32, f32),
    pub grip_s: (f32, f32),
}

impl Holder {
    /// A random holder for a `w`×`h` canvas (`px` = frame width / 320); `old` supplies the
    /// natural-wood colours of the first version, used for most sticks.
    pub fn random(old: &StickLook, w: f32, h: f32, px: f32, rng: &mut ChaCha8Rng) -> Holder {
        let (color, tip_color, gloss) = match rng.random_range(0..20) {
            0..=10 => (old.color, if rng.random_bool(0.6) { old.tip_color } else { old.color }, rng.random_range(0.0..0.2)),
            11..=13 => (hsv(rng.random_range(0.05..0.09), rng.random_range(0.5..0.75), rng.random_range(0.3..0.5)), old.tip_color, rng.random_range(0.1..0.4)),
            14..=15 => (hsv(0.0, 0.0, rng.random_range(0.08..0.15)), hsv(0.0, 0.0, 0.12), rng.random_range(0.4..0.7)),
            16 => (hsv(0.1, 0.05, 0.92), [0.95, 0.95, 0.93], 0.2),
            _ => {
                let paint = hsv([0.0, 0.6, 0.33, 0.12][rng.random_range(0..4)], rng.random_range(0.6..0.85), rng.random_range(0.45..0.8));
                (paint, if rng.random_bool(0.5) { [0.93, 0.92, 0.88] } else { paint }, rng.random_range(0.3..0.6))
            }
        };
        let radius = rng.random_range(3.0..6.5) * px;
        // The shoulder: any direction from the centre, far enough that its screen position is
        // well outside the picture (the arm comes in from the edge).
        let (cx, cy, far) = (w / 2.0, h / 2.0, w.max(h));
        let mut anchor = (cx, cy - 1.5 * far, h);
        for _ in 0..30 {
            let a = rng.random_range(-std::f32::consts::PI..std::f32::consts::PI);
            let d = far * rng.random_range(0.9..1.4);
            let z = h * rng.random_range(0.5..1.2);
            let (ax, ay) = (cx + d * a.cos(), cy + d * a.sin());
            if ((ax - cx).powi(2) + (ay - z - cy).powi(2)).sqrt() > 0.9 * far {
                anchor = (ax, ay, z);
                break;
            }
        }
        let la = rng.random_range(-std::f32::consts::PI..std::f32::consts::PI);
        let lm = rng.random_range(0.3..0.95);
        let sleeve = if rng.random_bool(0.55) { Some(hsv(rng.random::<f32>(), rng.random_range(0.05..0.7), rng.random_range(0.12..0.85))) } else { None };
        let side = if rng.random_bool(0.5) { 1.0 } else { -1.0 };
        let ghosts = [0, 2, 3, 3][rng.random_range(0..4)];
        Holder {
            color,
            tip_color,
            gloss,
            radius,
            tip_len: radius * rng.random_range(1.5..3.0),
            // A drumstick is ~28 diameters long; shorter here (the hand is often in view).
            length: (radius * rng.random_range(26.0..42.0)).clamp(0.4 * h, 0.85 * h),
            grip: rng.random_range(0.72..0.86),
            anchor,
            light: (lm * la.cos(), lm * la.sin()),
            shadow: rng.random_range(0.35..0.6),
            soft: rng.random_range(1.0..3.5) * px.max(0.5),
            skin: skin(rng),
            sleeve,
            // A fist is about three stick diameters long.
            hand: (radius * rng.random_range(5.0..6.5)).max(16.0 * px),
            wrist: side * rng.random_range(0.45..1.2),
            ghosts,
            shutter: rng.random_range(0.3..1.0),
        }
    }

    /// Pose of stick, hand and arm for tip state `tip`.
    pub fn pose(&self, tip: Tip) -> Pose {
        let (ax, ay, az) = self.anchor;
        let (dx, dy, dz) = (ax - tip.x, ay - tip.y, az - tip.h);
        let n = (dx * dx + dy * dy + dz * dz).sqrt().max(1e-3);
        let (dx, dy, dz) = (dx / n, dy / n, dz / n);
        let at = |s: f32| (tip.x + dx * s, tip.y + dy * s, tip.h + dz * s);
        let screen = |p: (f32, f32, f32)| (p.0, p.1 - p.2);
        let shadow = |p: (f32, f32, f32)| (p.0 + p.2 * self.light.0, p.1 + p.2 * self.light.1);
        let (t3, b3, g3) = (at(0.0), at(self.length), at(self.length * self.grip));
        let (tip_p, butt) = (screen(t3), screen(b3));
        let (ux, uy) = (butt.0 - tip_p.0, butt.1 - tip_p.1);
        let un = (ux * ux + uy * uy).sqrt().max(1e-3);
        let (c, s) = (self.wrist.cos(), self.wrist.sin());
        let arm = ((ux * c - uy * s) / un, (ux * s + uy * c) / un);
        Pose { tip: tip_p, butt, grip: screen(g3), arm, tip_s: shadow(t3), butt_s: shadow(b3), grip_s: shadow(g3) }
    }

    fn arm_radii(&self) -> (f32, f32) {
        (0.55 * self.hand, 0.85 * self.hand)
    }

    /// Shadows of stick, hand and arm into `mask` (darkening in [0, 1], max-combined), frame
    /// coordinates = canvas − `o`.
    pub fn shadow_into(&self, p: &Pose, o: (f32, f32), fw: usize, fh: usize, mask: &mut [f32]) {
        let f = |q: (f32, f32)| (q.0 - o.0, q.1 - o.1);
        let k = self.shadow;
        let mut put = |i: usize, v: f32| mask[i] = mask[i].max(v);
        segment(fw, fh, f(p.tip_s), f(p.butt_s), self.radius * 1.05, self.radius * 1.5, self.soft, |i, _, across, cov| put(i, k * cov * (1.0 - across * across * 0.5)));
        let far = (p.grip_s.0 + p.arm.0 * 4.0 * fw as f32, p.grip_s.1 + p.arm.1 * 4.0 * fw as f32);
        let (r0, r1) = self.arm_radii();
        segment(fw, fh, f(p.grip_s), f(far), r0 * 1.1, r1 * 2.0, 2.0 * self.soft + 2.0, |i, _, _, cov| put(i, 0.85 * k * cov));
        let dir = unit((p.butt_s.0 - p.tip_s.0, p.butt_s.1 - p.tip_s.1));
        ellipse(fw, fh, f(p.grip_s), self.hand * 1.1, self.hand * 0.8, dir, 2.0 * self.soft + 2.0, |i, _, _, cov| put(i, 0.9 * k * cov));
    }

    /// Draw arm, stick and hand at pose `p` into `buf` with opacity `alpha`.
    pub fn draw(&self, p: &Pose, o: (f32, f32), alpha: f32, fw: usize, fh: usize, buf: &mut [f32]) {
        let f = |q: (f32, f32)| (q.0 - o.0, q.1 - o.1);
        // Forearm: from the wrist out of the picture, cylinder-shaded.
        let far = (p.grip.0 + p.arm.0 * 4.0 * fw as f32, p.grip.1 + p.arm.1 * 4.0 * fw as f32);
        let (r0, r1) = self.arm_radii();
        let arm_col = self.sleeve.unwrap_or(self.skin);
        segment(fw, fh, f(p.grip), f(far), r0, r1, 1.0, |i, _, across, cov| {
            let shade = 0.5 + 0.5 * (1.0 - (across + 0.3).powi(2)).max(0.0).sqrt();
            blend(buf, i, [arm_col[0] * shade, arm_col[1] * shade, arm_col[2] * shade], cov * alpha);
        });
        // Stick: painted tip, cylinder shading and a lacquer highlight.
        let len = ((p.butt.0 - p.tip.0).powi(2) + (p.butt.1 - p.tip.1).powi(2)).sqrt();
        segment(fw, fh, f(p.tip), f(p.butt), self.radius, self.radius * 1.1, 1.0, |i, t, across, cov| {
            let base = if t * len < self.tip_len { self.tip_color } else { self.color };
            let shade = 0.55 + 0.45 * (1.0 - (across + 0.35).powi(2)).max(0.0).sqrt();
            let hl = self.gloss * (-((across + 0.45) / 0.18).powi(2)).exp();
            blend(buf, i, [base[0] * shade + hl, base[1] * shade + hl, base[2] * shade + hl], cov * alpha);
        });
        // Fist around the grip: elongated along the stick, lit from one side, with knuckles
        // on the far side and the thumb toward the tip.
        let dir = unit((p.butt.0 - p.tip.0, p.butt.1 - p.tip.1));
        let skin = self.skin;
        ellipse(fw, fh, f(p.grip), self.hand, self.hand * 0.7, dir, 1.0, |i, u, v, cov| {
            let knuckle = if v > 0.25 && ((u * 2.2).rem_euclid(1.0) - 0.5).abs() < 0.12 { 0.82 } else { 1.0 };
            let shade = (0.92 - 0.25 * v - 0.2 * (u * u + v * v)) * knuckle;
            blend(buf, i, [skin[0] * shade, skin[1] * shade, skin[2] * shade], cov * alpha);
        });
        let side = if self.wrist > 0.0 { -1.0 } else { 1.0 };
        let thumb = (p.grip.0 - dir.0 * self.hand * 0.75 - dir.1 * side * self.hand * 0.35, p.grip.1 - dir.1 * self.hand * 0.75 + dir.0 * side * self.hand * 0.35);
        let tone = mix(skin, [skin[0] * 0.8, skin[1] * 0.75, skin[2] * 0.75], 0.4);
        ellipse(fw, fh, f(thumb), self.hand * 0.45, self.hand * 0.27, dir, 1.0, |i, u, _, cov| {
            let shade = 0.95 - 0.15 * u.abs();
            blend(buf, i, [tone[0] * shade, tone[1] * shade, tone[2] * shade], cov * alpha);
        });
    }

    /// Draw the whole holder for a frame: shadows (into `mask`, then applied), motion-blur
    /// trails at the earlier `trail` poses, then the sharp pose.
    #[allow(clippy::too_many_arguments)]
    pub fn render(&self, now: &Pose, trail: &[Pose], o: (f32, f32), layers: Layers, fw: usize, fh: usize, buf: &mut [f32], mask: &mut [f32]) {
        if layers.shadow {
            mask.iter_mut().for_each(|m| *m = 0.0);
            self.shadow_into(now, o, fw, fh, mask);
            for (i, m) in mask.iter().enumerate() {
                if *m > 0.0 {
                    buf[i * 3..i * 3 + 3].iter_mut().for_each(|v| *v *= 1.0 - m);
                }
            }
        }
        if layers.stick {
            let n = trail.len() as f32;
            for (k, p) in trail.iter().enumerate().rev() {
                let moved = ((p.tip.0 - now.tip.0).powi(2) + (p.tip.1 - now.tip.1).powi(2)).sqrt();
                if moved > 0.75 {
                    self.draw(p, o, 0.45 * (1.0 - (k as f32 + 1.0) / (n + 1.0)), fw, fh, buf);
                }
            }
            self.draw(now, o, 1.0, fw, fh, buf);
        }
    }
}

fn unit(v: (f32, f32)) -> (f32, f32) {
    let n = (v.0 * v.0 + v.1 * v.1).sqrt().max(1e-6);
    (v.0 / n, v.1 / n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn pose_keeps_the_tip_and_the_stick_length() {
        let mut rng = ChaCha8Rng::seed_from_u64(4);
        let old = StickLook::new(340.0, 260.0, &mut rng);
        let h = Holder::random(&old, 340.0, 260.0, 1.0, &mut rng);
        let p = h.pose(Tip { x: 100.0, y: 120.0, h: 0.0 });
        assert_eq!(p.tip, (100.0, 120.0));
        // At contact the tip's shadow meets the tip.
        assert_eq!(p.tip_s, (100.0, 120.0));
        // The grip lies on the stick between tip and butt.
        let along = |q: (f32, f32)| ((q.0 - p.tip.0).powi(2) + (q.1 - p.tip.1).powi(2)).sqrt();
        assert!(along(p.grip) < along(p.butt) && along(p.grip) > 0.5 * along(p.butt));
    }
}
