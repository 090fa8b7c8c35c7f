//! The drumstick's choreography: a timeline of segments (move, strike down, rebound, slide,
//! hover) from which the tip position at any time, and the contacts that make sound, follow.
use super::scene::{Layout, Tip};
use crate::dataset::{ActionKind, Material};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

#[derive(Clone, Copy, Debug)]
enum Seg {
    /// Smooth transfer between two tip states (h > 0 throughout: silent).
    Move { t0: f64, t1: f64, a: Tip, b: Tip },
    /// Accelerating fall from `h0` to `h1` (h1 = 0: contact at t1 with speed 2·h0/(t1−t0)).
    Down { t0: f64, t1: f64, x: f32, y: f32, h0: f32, h1: f32 },
    /// Decelerating rise from `h0` to `h1`.
    Up { t0: f64, t1: f64, x: f32, y: f32, h0: f32, h1: f32 },
    /// Sliding on the surface (h = 0) with a smoothstep speed profile.
    Slide { t0: f64, t1: f64, a: (f32, f32), b: (f32, f32) },
    /// Still, with a small wobble.
    Hover { t0: f64, t1: f64, at: Tip },
}

impl Seg {
    fn span(&self) -> (f64, f64) {
        match *self {
            Seg::Move { t0, t1, .. } | Seg::Down { t0, t1, .. } | Seg::Up { t0, t1, .. } | Seg::Slide { t0, t1, .. } | Seg::Hover { t0, t1, .. } => (t0, t1),
        }
    }

    fn eval(&self, t: f64) -> Tip {
        let (t0, t1) = self.span();
        let u = if t1 > t0 { ((t - t0) / (t1 - t0)).clamp(0.0, 1.0) as f32 } else { 1.0 };
        let ss = u * u * (3.0 - 2.0 * u);
        match *self {
            Seg::Move { a, b, .. } => Tip { x: a.x + (b.x - a.x) * ss, y: a.y + (b.y - a.y) * ss, h: a.h + (b.h - a.h) * ss },
            Seg::Down { x, y, h0, h1, .. } => Tip { x, y, h: h1 + (h0 - h1) * (1.0 - u * u) },
            Seg::Up { x, y, h0, h1, .. } => Tip { x, y, h: h0 + (h1 - h0) * (1.0 - (1.0 - u) * (1.0 - u)) },
            Seg::Slide { a, b, .. } => Tip { x: a.0 + (b.0 - a.0) * ss, y: a.1 + (b.1 - a.1) * ss, h: 0.0 },
            Seg::Hover { at, .. } => {
                let w = (t - t0) as f32;
                if at.h == 0.0 {
                    return at;
                }
                Tip { x: at.x + 1.2 * (w * 5.3).sin(), y: at.y + 0.9 * (w * 4.1).sin(), h: (at.h + 1.5 * (w * 3.7).sin()).max(1.0) }
            }
        }
    }
}

/// A contact that makes sound.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Contact {
    /// Impact at `time` with the tip's downward speed (pixels/s); `region` is the surface
    /// region under the tip.
    Hit { time: f64, speed: f32, region: usize, x: f32, y: f32 },
    /// Sliding contact from `t0` (onset, with an impact at approach speed `speed`) to `t1`,
    /// between ground points `a` and `b` with smoothstep speed profile.
    Scratch { t0: f64, t1: f64, speed: f32, region: usize, a: (f32, f32), b: (f32, f32) },
}

impl Contact {
    pub fn time(&self) -> f64 {
        match *self {
            Contact::Hit { time, .. } => time,
            Contact::Scratch { t0, .. } => t0,
        }
    }
    pub fn kind(&self) -> ActionKind {
        match self {
            Contact::Hit { .. } => ActionKind::Hit,
            Contact::Scratch { .. } => ActionKind::Scratch,
        }
    }
    pub fn region(&self) -> usize {
        match *self {
            Contact::Hit { region, .. } | Contact::Scratch { region, .. } => region,
        }
    }
}

/// Bounds of the choreography, in seconds and pixels.
#[derive(Clone, Copy, Debug)]
pub struct MotionLimits {
    /// Shortest downstroke (≥ 3 frames at 30 fps so the approach speed is visible).
    pub approach_min: f64,
    pub approach_max: f64,
    /// Highest start of a downstroke, as a fraction of frame height.
    pub lift_min: f32,
    pub lift_max: f32,
    /// Share of hits that are taps: small strokes from 2–5 % of the frame height with the
    /// shortest approaches (quiet, barely visible). 0 by default: taps add contacts of
    /// their own, so turning them on changes every seed's annotations and sound (regenerate
    /// `datasets/sample` with it).
    pub tap_share: f64,
}

impl Default for MotionLimits {
    fn default() -> Self {
        MotionLimits { approach_min: 0.1, approach_max: 0.27, lift_min: 0.07, lift_max: 0.22, tap_share: 0.0 }
    }
}

impl MotionLimits {
    /// The largest contact speed the limits allow (pixels/s for frame height `fh`): loudness
    /// is relative to it.
    pub fn max_speed(&self, fh: f32) -> f32 {
        2.0 * self.lift_max * fh / self.approach_min as f32
    }
}

/// The whole choreography of one video.
pub struct Motion {
    segs: Vec<Seg>,
    pub contacts: Vec<Contact>,
}

impl Motion {
    /// Tip state at time `t`.
    pub fn tip(&self, t: f64) -> Tip {
        let i = self.segs.partition_point(|s| s.span().1 < t).min(self.segs.len() - 1);
        self.segs[i].eval(t)
    }

    /// Plan the motion over `[0, seconds)` on the canvas: margin `m` around a `fw`×`fh`
    /// frame. Actions are spaced so that consecutive onsets are ≥ 0.3 s apart and the last
    /// ends ≥ 0.3 s before the end.
    pub fn plan(layout: &Layout, seconds: f64, fw: f32, fh: f32, m: f32, lim: &MotionLimits, rng: &mut ChaCha8Rng) -> Motion {
        let mut segs = Vec::new();
        let mut contacts = Vec::new();
        let mut t = 0.0f64;
        let mut cur = Tip { x: m + fw * rng.random_range(0.2..0.8), y: m + fh * rng.random_range(0.2..0.8), h: fh * rng.random_range(0.12..0.25) };
        let start = rng.random_range(0.15..0.6);
        segs.push(Seg::Hover { t0: t, t1: start, at: cur });
        t = start;
        cur = segs.last().map(|s| s.eval(start)).unwrap_or(cur);
        let nregions = layout.looks.len();
        loop {
            // Choose what happens next.
            let r: f64 = rng.random();
            let kind = if r < 0.65 { 0 } else if r < 0.85 { 1 } else if r < 0.93 { 2 } else { 3 }; // hit, scratch, feint, wander
            let region = rng.random_range(0..nregions);
            let target = pick_point(layout, region, fw, fh, m, rng);
            let mut h0 = fh * rng.random_range(lim.lift_min..lim.lift_max);
            let dist = ((target.0 - cur.x).powi(2) + (target.1 - cur.y).powi(2)).sqrt();
            let move_dur = (dist as f64 / (fw as f64 * rng.random_range(1.2..3.0))).clamp(0.1, 0.4);
            let mut approach = rng.random_range(lim.approach_min..lim.approach_max);
            // (No draw at all when taps are off, so the stream stays that of earlier versions.)
            if kind == 0 && lim.tap_share > 0.0 && rng.random_bool(lim.tap_share.min(1.0)) {
                h0 = fh * rng.random_range(0.02..0.05);
                approach = rng.random_range(lim.approach_min..(1.6 * lim.approach_min).min(lim.approach_max));
            }
            // Everything this action needs must fit (pause, dwell, slide, rebound).
            let need = move_dur + approach + if kind == 1 { 1.35 } else { 0.55 };
            if t + need > seconds - 0.3 {
                break;
            }
            let above = Tip { x: target.0, y: target.1, h: h0 };
            segs.push(Seg::Move { t0: t, t1: t + move_dur, a: cur, b: above });
            t += move_dur;
            if rng.random_bool(0.2) {
                let pause = rng.random_range(0.05..0.25);
                segs.push(Seg::Hover { t0: t, t1: t + pause, at: above });
                t += pause;
                cur = segs.last().map(|s| s.eval(t)).unwrap_or(above);
            } else {
                cur = above;
            }
            let (x, y) = (cur.x, cur.y);
            match kind {
                0 | 1 => {
                    // Onsets are whole microseconds, so the 6-decimal annotation is exact.
                    let tc = ((t + approach) * 1e6).round() / 1e6;
                    segs.push(Seg::Down { t0: t, t1: tc, x, y, h0: cur.h, h1: 0.0 });
                    let speed = 2.0 * cur.h / (tc - t) as f32;
                    let contact_region = layout.region(x, y);
                    let (end, lift_at) = if kind == 1 {
                        let end = slide_end(layout, contact_region, (x, y), fw, fh, m, rng);
                        let dur = rng.random_range(0.3..0.8);
                        segs.push(Seg::Slide { t0: tc, t1: tc + dur, a: (x, y), b: end });
                        contacts.push(Contact::Scratch { t0: tc, t1: tc + dur, speed, region: contact_region, a: (x, y), b: end });
                        (end, tc + dur)
                    } else {
                        contacts.push(Contact::Hit { time: tc, speed, region: contact_region, x, y });
                        // The tip rests on the surface a little over one frame, so at 30 fps
                        // the first frame at or after the onset shows the contact.
                        let dwell = rng.random_range(1.15..1.8) / 30.0;
                        segs.push(Seg::Hover { t0: tc, t1: tc + dwell, at: Tip { x, y, h: 0.0 } });
                        ((x, y), tc + dwell)
                    };
                    let up = rng.random_range(0.1..0.2);
                    let hr = fh * rng.random_range(0.06..0.16);
                    segs.push(Seg::Up { t0: lift_at, t1: lift_at + up, x: end.0, y: end.1, h0: 0.0, h1: hr });
                    t = lift_at + up;
                    cur = Tip { x: end.0, y: end.1, h: hr };
                }
                2 => {
                    // Feint: a downstroke that stops short of the surface (silent).
                    let stop = fh * rng.random_range(0.05..0.1);
                    let stop = stop.min(cur.h * 0.6);
                    segs.push(Seg::Down { t0: t, t1: t + approach, x, y, h0: cur.h, h1: stop });
                    let up = rng.random_range(0.12..0.25);
                    segs.push(Seg::Up { t0: t + approach, t1: t + approach + up, x, y, h0: stop, h1: cur.h });
                    t += approach + up;
                }
                _ => {
                    // Wander: hover a while (silent).
                    let pause = rng.random_range(0.2..0.6);
                    segs.push(Seg::Hover { t0: t, t1: t + pause, at: cur });
                    t += pause;
                    cur = segs.last().map(|s| s.eval(t)).unwrap_or(cur);
                }
            }
        }
        segs.push(Seg::Hover { t0: t, t1: seconds.max(t) + 1.0, at: cur });
        Motion { segs, contacts }
    }
}

/// A random ground point inside `region`, inside the frame (for the unshaken camera) with a
/// margin, and away from region boundaries so the tip is clearly on one material.
fn pick_point(layout: &Layout, region: usize, fw: f32, fh: f32, m: f32, rng: &mut ChaCha8Rng) -> (f32, f32) {
    let keep = 0.04 * fw;
    let mut fallback = (m + fw / 2.0, m + fh / 2.0);
    for i in 0..200 {
        let p = (m + fw * rng.random_range(0.12..0.88), m + fh * rng.random_range(0.25..0.9));
        if layout.region(p.0, p.1) == region {
            if layout.boundary_distance(p.0, p.1) > keep {
                return p;
            }
            if i < 100 {
                fallback = p;
            }
        }
    }
    fallback
}

/// End of a scratch starting at `a` that stays on the same region.
fn slide_end(layout: &Layout, region: usize, a: (f32, f32), fw: f32, fh: f32, m: f32, rng: &mut ChaCha8Rng) -> (f32, f32) {
    let keep = 0.02 * fw;
    for _ in 0..50 {
        let ang = rng.random_range(0.0..std::f32::consts::TAU);
        let len = fw * rng.random_range(0.08..0.3);
        let b = (a.0 + len * ang.cos(), a.1 + len * ang.sin());
        let inside = b.0 > m + 0.08 * fw && b.0 < m + 0.92 * fw && b.1 > m + 0.2 * fh && b.1 < m + 0.95 * fh;
        // Check a few points along the way stay on the material.
        let same = (1..=4).all(|k| {
            let s = k as f32 / 4.0;
            let p = (a.0 + (b.0 - a.0) * s, a.1 + (b.1 - a.1) * s);
            layout.region(p.0, p.1) == region && layout.boundary_distance(p.0, p.1) > keep
        });
        if inside && same {
            return b;
        }
    }
    a
}

/// Material under a contact.
pub fn contact_material(layout: &Layout, c: &Contact) -> Material {
    layout.looks[c.region()].material
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataset::synth::scene::Look;
    use rand::SeedableRng;

    fn plan(seed: u64, lim: &MotionLimits) -> Motion {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let looks = vec![Look::new(Material::Wood, 1.0, 340.0, 260.0, &mut rng)];
        let layout = Layout::new(looks, 340.0, 260.0, &mut rng);
        Motion::plan(&layout, 20.0, 320.0, 240.0, 10.0, lim, &mut rng)
    }

    #[test]
    fn taps_are_quieter_hits_and_off_by_default() {
        let speeds = |lim: &MotionLimits| -> Vec<f32> {
            (0..10).flat_map(|s| plan(s, lim).contacts).filter_map(|c| if let Contact::Hit { speed, .. } = c { Some(speed) } else { None }).collect()
        };
        let off = MotionLimits::default();
        assert_eq!(off.tap_share, 0.0);
        let taps = MotionLimits { tap_share: 0.5, ..off };
        let (a, b) = (speeds(&off), speeds(&taps));
        // Slowest possible ordinary hit: 2 · lift_min · height / approach_max.
        let slowest = 2.0 * off.lift_min * 240.0 / off.approach_max as f32;
        assert!(a.iter().all(|&v| v >= slowest * 0.999));
        // With taps, some hits are slower than any ordinary hit (fastest tap: 2 · 0.05 ·
        // height / approach_min), and none exceeds the loudness reference.
        let n_slow = b.iter().filter(|&&v| v < slowest).count();
        assert!(n_slow * 8 >= b.len(), "{n_slow} taps of {} hits", b.len());
        assert!(b.iter().all(|&v| v <= off.max_speed(240.0)));
    }
}
