//! Shared toy data for the model/train tests: a square "stick" that falls onto a floor line
//! and bounces, over a background whose left and right halves are two "materials"; its
//! cochleagram has a decaying burst at each hit, in low bands for the left material and high
//! bands for the right one. Small enough for a tiny model to learn in seconds.
#![allow(dead_code)]
use foley::labels::{Action, ActionKind, Material};
use foley::train::cache::CachedClip;

pub const W: u32 = 32;
pub const H: u32 = 24;
pub const FPS: f64 = 30.0;
/// Hit period, seconds.
pub const PERIOD: f64 = 0.6;

/// `seconds` of toy video; `seed` shifts the phase and colours.
pub fn toy_clip(id: &str, seconds: f64, seed: u64) -> CachedClip {
    let n = (seconds * FPS) as usize;
    let floor_y = 18i64;
    let phase = (seed % 7) as f64 * 0.05;
    let mut frames = Vec::with_capacity(n * (W * H * 3) as usize);
    let tint = (seed % 5) as u8 * 10;
    for i in 0..n {
        let t = i as f64 / FPS + phase;
        let k = (t / PERIOD).floor() as i64;
        let y = floor_y - 4 - (12.0 * (std::f64::consts::PI * t / PERIOD).sin().abs()) as i64;
        let x = if k % 2 == 0 { 6i64 } else { 22 };
        for py in 0..H as i64 {
            for px in 0..W as i64 {
                let in_sq = px >= x && px < x + 4 && py >= y && py < y + 4;
                let rgb = if in_sq {
                    [250, 250, 250]
                } else if py == floor_y {
                    [0, 0, 0]
                } else if px < 16 {
                    [120 + tint, 60, 30] // "wood"
                } else {
                    [40, 60 + tint, 140] // "metal"
                };
                frames.extend_from_slice(&rgb);
            }
        }
    }
    // Hits at t = k·PERIOD − phase, left (wood) for even k.
    let steps = n * 3;
    let mut coch = vec![0.1f32; steps * 42];
    let mut events = Vec::new();
    let mut k = 1i64;
    loop {
        let th = k as f64 * PERIOD - phase;
        if th >= seconds {
            break;
        }
        if th > 0.0 {
            // The hit at boundary k ends period k−1: its x is that of period k−1.
            let left = (k - 1) % 2 == 0;
            let s0 = (th * 90.0).round() as usize;
            for d in 0..12 {
                if s0 + d >= steps {
                    break;
                }
                let a = 0.8 * (-(d as f32) / 4.0).exp();
                for b in 0..42 {
                    let low = b < 21;
                    if low == left {
                        coch[(s0 + d) * 42 + b] += a;
                    }
                }
            }
            events.push(Action {
                time: th,
                material: Some(if left { Material::Wood } else { Material::Metal }),
                action: Some(ActionKind::Hit),
                reaction: None,
            });
        }
        k += 1;
    }
    CachedClip { id: id.into(), width: W, height: H, frames, coch, bands: 42, events }
}

/// Save a tiny untrained model (`ModelConfig::tiny`, weights from torch seed 0) as the model
/// directory `dir`: the CLI tests' stand-in for a trained model.
pub fn save_tiny_model(dir: &std::path::Path) {
    use foley::model::{Model, ModelConfig, Normalization};
    tch::manual_seed(0);
    let cfg = ModelConfig::tiny();
    Model::new(cfg.clone(), Normalization::identity(&cfg), tch::Device::Cpu).unwrap().save(dir, "test model").unwrap();
}
