//! Small colour helpers shared by the looks: linear RGB triples in ~[0, 1].

pub type Rgb = [f32; 3];

pub fn hsv(h: f32, s: f32, v: f32) -> Rgb {
    let h = h.rem_euclid(1.0) * 6.0;
    let i = h.floor();
    let f = h - i;
    let (p, q, t) = (v * (1.0 - s), v * (1.0 - s * f), v * (1.0 - s * (1.0 - f)));
    match i as i32 {
        0 => [v, t, p],
        1 => [q, v, p],
        2 => [p, v, t],
        3 => [p, q, v],
        4 => [t, p, v],
        _ => [v, p, q],
    }
}

pub fn scale(c: Rgb, k: f32) -> Rgb {
    [c[0] * k, c[1] * k, c[2] * k]
}

pub fn mix(a: Rgb, b: Rgb, t: f32) -> Rgb {
    [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t]
}

pub fn add(c: Rgb, k: f32) -> Rgb {
    [c[0] + k, c[1] + k, c[2] + k]
}

pub fn smooth(e0: f32, e1: f32, x: f32) -> f32 {
    let t = ((x - e0) / (e1 - e0)).clamp(0.0, 1.0);
    t * t * (3.0 - 2.0 * t)
}

/// Rec. 601 luma.
pub fn luma(c: Rgb) -> f32 {
    0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2]
}

/// A human skin tone (the range of real skin: hue 0.02–0.09, light to dark).
pub fn skin(rng: &mut rand_chacha::ChaCha8Rng) -> Rgb {
    use rand::Rng;
    let v = rng.random_range(0.35..0.95f32);
    // Darker skin is a little more saturated.
    hsv(rng.random_range(0.025..0.085), rng.random_range(0.3..0.5) + 0.15 * (1.0 - v), v)
}
