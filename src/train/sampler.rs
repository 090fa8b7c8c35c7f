//! Training windows: around annotated actions (with jitter, so the approach is in the window)
//! and at random positions (so the model learns silence too). Each epoch's plan is a pure
//! function of (seed, epoch), so a resumed run draws exactly the batches it would have drawn.
use crate::train::cache::CachedClip;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// One training window.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Window {
    pub clip: usize,
    /// First predicted frame.
    pub start: usize,
    /// Mirror left–right (augmentation).
    pub flip: bool,
}

/// Sampling parameters (from the training config).
#[derive(Clone, Debug)]
pub struct SamplerConfig {
    pub window: usize,
    pub steps_per_frame: usize,
    pub fps: f64,
    /// Share of windows placed around annotated actions, in [0, 1].
    pub event_share: f64,
    /// The action falls at least this many frames after the window start (the approach).
    pub min_before: usize,
    /// ... and at least this many frames before its end (the ring-out).
    pub min_after: usize,
    pub flip: bool,
    pub seed: u64,
}

/// Windows of one epoch, in training order.
pub fn epoch_plan(clips: &[CachedClip], cfg: &SamplerConfig, epoch: u64) -> Vec<Window> {
    let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed ^ 0x5eed_0000_0000 ^ epoch.wrapping_mul(0x9e37_79b9_7f4a_7c15));
    let w = cfg.window;
    let usable: Vec<usize> = clips.iter().map(|c| c.usable_frames(cfg.steps_per_frame)).collect();
    let mut out = Vec::new();
    // Around every annotated action: the action lands at a random position that leaves
    // `min_before` frames of approach and `min_after` of ring-out.
    for (ci, c) in clips.iter().enumerate() {
        if usable[ci] < w {
            continue;
        }
        for e in &c.events {
            let f = (e.time * cfg.fps).floor() as i64;
            let lo = cfg.min_before.min(w - 1) as i64;
            let hi = (w as i64 - 1 - cfg.min_after as i64).max(lo);
            let pos = rng.random_range(lo..=hi);
            let start = (f - pos).clamp(0, (usable[ci] - w) as i64) as usize;
            out.push(Window { clip: ci, start, flip: false });
        }
    }
    let n_event = out.len();
    let total_frames: usize = usable.iter().filter(|&&u| u >= w).sum();
    let n_random = if n_event == 0 {
        (total_frames / w).max(1)
    } else {
        ((n_event as f64) * (1.0 - cfg.event_share) / cfg.event_share.max(1e-3)).round() as usize
    };
    if total_frames > 0 {
        for _ in 0..n_random {
            // Clip chosen in proportion to its length, position uniform.
            let mut r = rng.random_range(0..total_frames);
            let ci = usable.iter().position(|&u| {
                if u < w {
                    return false;
                }
                if r < u {
                    true
                } else {
                    r -= u;
                    false
                }
            });
            let ci = ci.expect("r < total_frames");
            let start = rng.random_range(0..=usable[ci] - w);
            out.push(Window { clip: ci, start, flip: false });
        }
    }
    out.shuffle(&mut rng);
    if cfg.flip {
        for win in &mut out {
            win.flip = rng.random_bool(0.5);
        }
    }
    out
}

/// One batch in memory.
pub struct Batch {
    /// `[B, window + 2, h, w, 3]` u8 RGB (with the t−1 / t+1 context frames).
    pub frames: Vec<u8>,
    /// `[B, window·spf, bands]` cochleagram targets.
    pub targets: Vec<f32>,
    /// `[B, window·spf]`: 1 at the step of each annotated action (and its neighbours).
    pub onset: Vec<f32>,
    /// `[B, window·spf]`: material class at the steps just after each annotated action, −1 elsewhere.
    pub material: Vec<i64>,
    /// `[B, window·spf]`: ln of the action's loudness (`synth::hit_loudness` of the target
    /// cochleagram) at the same steps as `material`, NaN elsewhere.
    pub log_loudness: Vec<f32>,
    /// `[B, window·spf]`: 1 for a scratch, 0 for a hit, at the same steps as `material`; NaN
    /// elsewhere and for other actions.
    pub scratch: Vec<f32>,
}

/// Steps around an annotated action marked as its onset (±1 step = ±11 ms at 90 Hz).
pub const ONSET_HALF_WIDTH: i64 = 1;
/// Steps from an action's onset labelled with its material (the attack of the sound: 56 ms).
/// (The same steps the prediction side averages the read-out over.)
pub const MATERIAL_STEPS: i64 = crate::model::guide::GUIDE_STEPS as i64;

/// Fill a batch: frames with the t−1 / t+1 context frames (replicated at clip edges,
/// mirrored when `flip`), targets, and the auxiliary onset/material labels.
pub fn fill_batch(clips: &[CachedClip], wins: &[Window], window: usize, spf: usize, fps: f64) -> Batch {
    let c0 = &clips[wins[0].clip];
    let fb = c0.frame_bytes();
    let bands = c0.bands;
    let mut frames = Vec::with_capacity(wins.len() * (window + 2) * fb);
    let mut targets = Vec::with_capacity(wins.len() * window * spf * bands);
    let t_steps = (window * spf) as i64;
    let mut onset = vec![0f32; wins.len() * t_steps as usize];
    let mut material = vec![-1i64; wins.len() * t_steps as usize];
    let mut log_loudness = vec![f32::NAN; wins.len() * t_steps as usize];
    let mut scratch = vec![f32::NAN; wins.len() * t_steps as usize];
    let rate = fps * spf as f64;
    for (wi, win) in wins.iter().enumerate() {
        let c = &clips[win.clip];
        let n = c.n_frames();
        for k in 0..window + 2 {
            let i = (win.start as i64 + k as i64 - 1).clamp(0, n as i64 - 1) as usize;
            let f = c.frame(i);
            if win.flip {
                let row = c.width as usize * 3;
                for r in f.chunks_exact(row) {
                    for px in r.chunks_exact(3).rev() {
                        frames.extend_from_slice(px);
                    }
                }
            } else {
                frames.extend_from_slice(f);
            }
        }
        let s0 = win.start * spf * bands;
        targets.extend_from_slice(&c.coch[s0..s0 + window * spf * bands]);
        let first = (win.start * spf) as i64;
        for e in &c.events {
            let s = (e.time * rate).round() as i64 - first;
            if s < -MATERIAL_STEPS || s >= t_steps + ONSET_HALF_WIDTH {
                continue;
            }
            for k in s - ONSET_HALF_WIDTH..=s + ONSET_HALF_WIDTH {
                if (0..t_steps).contains(&k) {
                    onset[wi * t_steps as usize + k as usize] = 1.0;
                }
            }
            let m = e.material.map(crate::labels::Material::index);
            let loud = crate::synth::hit_log_loudness(&c.coch, bands, rate, e.time);
            let act = match e.action {
                Some(crate::labels::ActionKind::Scratch) => 1.0,
                Some(crate::labels::ActionKind::Hit) => 0.0,
                None => f32::NAN,
            };
            for k in s..s + MATERIAL_STEPS {
                if (0..t_steps).contains(&k) {
                    let i = wi * t_steps as usize + k as usize;
                    if let Some(m) = m {
                        material[i] = m as i64;
                    }
                    log_loudness[i] = loud;
                    scratch[i] = act;
                }
            }
        }
    }
    Batch { frames, targets, onset, material, log_loudness, scratch }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::labels::{Action, ActionKind, Material};

    fn clip(n: usize, events: &[f64]) -> CachedClip {
        CachedClip {
            id: "c".into(),
            width: 2,
            height: 1,
            frames: (0..n * 6).map(|i| (i / 6) as u8).collect(),
            coch: (0..n * 3).map(|i| i as f32).collect(),
            bands: 1,
            events: events.iter().map(|&t| Action { time: t, material: None, action: None, reaction: None }).collect(),
        }
    }

    fn cfg() -> SamplerConfig {
        SamplerConfig { window: 15, steps_per_frame: 3, fps: 30.0, event_share: 0.5, min_before: 5, min_after: 2, flip: true, seed: 7 }
    }

    #[test]
    fn plan_is_deterministic_and_covers_the_approach() {
        let clips = vec![clip(300, &[2.0, 5.0, 8.0]), clip(10, &[0.1])];
        let a = epoch_plan(&clips, &cfg(), 3);
        assert_eq!(a, epoch_plan(&clips, &cfg(), 3));
        assert_ne!(a, epoch_plan(&clips, &cfg(), 4));
        // 3 event windows (the 10-frame clip is shorter than a window) + as many random ones.
        assert_eq!(a.len(), 6);
        for t in [2.0f64, 5.0, 8.0] {
            let f = (t * 30.0) as usize;
            assert!(a.iter().any(|w| w.start + 5 <= f && f + 2 < w.start + 15), "no window with approach for {t}");
        }
        assert!(a.iter().all(|w| w.clip == 0 && w.start + 15 <= 300));
    }

    #[test]
    fn batch_replicates_edges_and_flips() {
        let clips = vec![clip(20, &[])];
        let b = fill_batch(&clips, &[Window { clip: 0, start: 0, flip: true }], 15, 3, 30.0);
        let (f, t) = (b.frames, b.targets);
        assert_eq!(f.len(), 17 * 6);
        // Frame values equal their index: context t−1 of frame 0 is frame 0 itself.
        assert_eq!(&f[..12], &[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(f[16 * 6], 15);
        assert_eq!(t.len(), 45);
        assert_eq!(t[44], 44.0);
    }

    #[test]
    fn aux_labels_mark_the_onset_step_and_material() {
        // An action at 0.5 s is step 45 at 90 Hz; a window starting at frame 10 starts at step 30.
        let mut c = clip(40, &[0.5]);
        c.events[0].material = Some(Material::Metal);
        c.events[0].action = Some(ActionKind::Scratch);
        let b = fill_batch(std::slice::from_ref(&c), &[Window { clip: 0, start: 10, flip: false }], 15, 3, 30.0);
        let on: Vec<usize> = (0..45).filter(|&i| b.onset[i] == 1.0).collect();
        assert_eq!(on, vec![14, 15, 16]);
        let metal = Material::Metal.index() as i64;
        let mat: Vec<usize> = (0..45).filter(|&i| b.material[i] == metal).collect();
        assert_eq!(mat, (15..15 + MATERIAL_STEPS as usize).collect::<Vec<_>>());
        assert!(b.material.iter().filter(|&&m| m != metal).all(|&m| m == -1));
        // The loudness label sits on the same steps, ln of the hit's loudness in the targets.
        let loud: Vec<usize> = (0..45).filter(|&i| !b.log_loudness[i].is_nan()).collect();
        assert_eq!(loud, mat);
        let ramp: Vec<f32> = (0..120).map(|i| i as f32).collect();
        let want = crate::synth::hit_log_loudness(&ramp, 1, 90.0, 0.5);
        assert!((b.log_loudness[15] - want).abs() < 1e-6, "{} vs {want}", b.log_loudness[15]);
        // The action label too: 1 for a scratch (0 for a hit), NaN elsewhere.
        let act: Vec<usize> = (0..45).filter(|&i| !b.scratch[i].is_nan()).collect();
        assert_eq!(act, mat);
        assert!(act.iter().all(|&i| b.scratch[i] == 1.0));
        c.events[0].action = Some(ActionKind::Hit);
        let b = fill_batch(&[c], &[Window { clip: 0, start: 10, flip: false }], 15, 3, 30.0);
        assert!(act.iter().all(|&i| b.scratch[i] == 0.0));
    }
}
