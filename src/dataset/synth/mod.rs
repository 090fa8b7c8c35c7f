//! Synthetic Greatest-Hits-style data (SPEC §5): per video, a textured surface of 1–3
//! materials, a drumstick that strikes, scratches, feints and hovers, and the matching sound
//! (modal synthesis, scratch noise, noise floor; or recorded samples of a General-MIDI
//! SoundFont, [`recorded`]), with exact annotations. How it all looks ([`picture`]: the
//! training style "a" and the foreign test style "b") is drawn from its own random stream, so
//! the look never changes a seed's annotations or sound.
//!
//! [`render_clip`] renders one video in memory (no FFmpeg: usable for training on machines
//! without it); [`write_dataset`] (feature `video`) writes the Greatest Hits layout.
pub mod camera;
pub mod color;
pub mod motion;
pub mod noise;
pub mod picture;
pub mod props;
pub mod raster;
pub mod recorded;
pub mod scene;
pub mod sound;
pub mod stick;
pub mod style_b;
pub mod surface;
pub mod texture_b;

use self::camera::{Photo, Shake};
use self::motion::{contact_material, Contact, Motion, MotionLimits};
pub use self::picture::Style;
use self::picture::{Picture, Plan, Shot};
pub use self::recorded::SoundSource;
use self::recorded::{Kit, Player, RecordedVoice};
use self::scene::{Layers, Layout, Look, Tip};
use self::stick::StickLook;
use self::sound::{noise_floor, Voice};
use crate::audio::Waveform;
use crate::dataset::{Action, Material, Reaction};
use crate::error::{Error, Result};
use rand::seq::{IndexedRandom, SliceRandom};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// What to render.
#[derive(Clone, Debug, PartialEq)]
pub struct SynthConfig {
    /// Duration of each video in seconds.
    pub seconds: f64,
    /// Frame size in pixels (even, for H.264 4:2:0).
    pub width: u32,
    pub height: u32,
    /// Frames per second (the model samples at 30).
    pub fps: u32,
    /// Audio sample rate in Hz (the real dataset is 96 kHz).
    pub sample_rate: u32,
    /// Where impact and scratch sounds come from (the pictures and annotations do not change).
    pub sound: SoundSource,
    /// The look: `A` for training, `B` the foreign test look (`--style`).
    pub style: Style,
}

impl Default for SynthConfig {
    fn default() -> Self {
        SynthConfig { seconds: 10.0, width: 320, height: 240, fps: 30, sample_rate: 48_000, sound: SoundSource::Modal, style: Style::A }
    }
}

impl SynthConfig {
    pub fn validate(&self) -> Result<()> {
        if !(self.seconds.is_finite() && (2.0..=3600.0).contains(&self.seconds)) {
            return Err(Error::Param(format!("--seconds {}: must be between 2 and 3600", self.seconds)));
        }
        if self.width < 32 || self.height < 32 || self.width > 4096 || self.height > 4096 || self.width % 2 == 1 || self.height % 2 == 1 {
            return Err(Error::Param(format!("--size {}x{}: width and height must be even and in 32..=4096", self.width, self.height)));
        }
        if !(1..=240).contains(&self.fps) {
            return Err(Error::Param(format!("frame rate {}: must be in 1..=240", self.fps)));
        }
        if !(8_000..=192_000).contains(&self.sample_rate) {
            return Err(Error::Param(format!("--rate {}: must be in 8000..=192000 Hz", self.sample_rate)));
        }
        if self.sound != SoundSource::Modal {
            // Loads the SoundFont (once per process): a missing file is reported here.
            recorded::soundfont()?;
        }
        Ok(())
    }

    pub fn frames(&self) -> usize {
        (self.seconds * self.fps as f64).round() as usize
    }
}

/// Ground truth for one frame, in frame pixels.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct FrameTruth {
    /// Where the stick's tip is drawn.
    pub tip_x: f32,
    pub tip_y: f32,
    /// The point of the surface under the tip (where the tip's shadow meets it at contact).
    pub ground_x: f32,
    pub ground_y: f32,
    /// Tip height above the surface (pixels; 0 = touching).
    pub height: f32,
    /// Material under the tip.
    pub material: Material,
    /// Where the hand grips the stick (may lie outside the frame).
    pub grip_x: f32,
    pub grip_y: f32,
}

/// One rendered video.
pub struct SynthClip {
    pub frames: Vec<image::RgbImage>,
    pub fps: u32,
    pub audio: Waveform,
    pub actions: Vec<Action>,
    /// Per-frame ground truth (same length as `frames`).
    pub truth: Vec<FrameTruth>,
    /// Materials of the surface regions in this video.
    pub materials: Vec<Material>,
}

/// A planned video: everything needed to render any frame and the audio.
pub struct Scene {
    cfg: SynthConfig,
    seed: u64,
    layout: Layout,
    picture: Picture,
    motion: Motion,
    voices: Vec<Voice>,
    /// Recorded voices per region (`None`: that region stays modal); empty for modal sound.
    recorded: Vec<Option<RecordedVoice>>,
    actions: Vec<Action>,
    /// RNG state after planning, for the audio.
    rng: ChaCha8Rng,
}

fn reaction(m: Material, rng: &mut ChaCha8Rng) -> Reaction {
    use Material::*;
    use Reaction::*;
    let r: f64 = rng.random();
    if r < 0.02 {
        return Other;
    }
    match m {
        Water => Splash,
        Gravel => if r < 0.9 { Scattering } else { Static },
        Dirt => if r < 0.6 { Scattering } else { Deformation },
        Leaf => if r < 0.5 { Deformation } else { Scattering },
        Cloth | Paper | PlasticBag | Carpet | Grass => if r < 0.85 { Deformation } else { Static },
        _ => if r < 0.8 { Static } else { RigidMotion },
    }
}

impl Scene {
    /// Plan video `seed`: scene, choreography, annotations.
    pub fn plan(seed: u64, cfg: &SynthConfig) -> Scene {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let (fw, fh) = (cfg.width as f32, cfg.height as f32);
        let px = fw / 320.0;
        let margin = (0.03 * fw).ceil() as usize;
        let (cw, ch) = (cfg.width as usize + 2 * margin, cfg.height as usize + 2 * margin);
        let k = match rng.random::<f32>() {
            r if r < 0.3 => 1,
            r if r < 0.75 => 2,
            _ => 3,
        };
        let materials: Vec<Material> = Material::ALL.choose_multiple(&mut rng, k).copied().collect();
        let looks: Vec<Look> = materials.iter().map(|&m| Look::new(m, px, cw as f32, ch as f32, &mut rng)).collect();
        let layout = match cfg.style {
            Style::A => Layout::new(looks, cw as f32, ch as f32, &mut rng),
            Style::B => Layout::objects(looks, fw, fh, margin as f32, &mut rng),
        };
        let photo = Photo::new(&mut rng);
        let stick = StickLook::new(cw as f32, ch as f32, &mut rng);
        let motion = Motion::plan(&layout, cfg.seconds, fw, fh, margin as f32, &MotionLimits::default(), &mut rng);
        let nb = rng.random_range(0..=((cfg.seconds / 6.0).ceil() as usize));
        let bursts = (0..nb)
            .map(|_| {
                let t0 = rng.random_range(0.0..cfg.seconds);
                (t0, t0 + rng.random_range(0.3..1.0), rng.random_range(1.5..margin as f32))
            })
            .collect();
        let shake = Shake::new(rng.random_range(0.0..1.5) * px, bursts, rng.random(), margin as f32);
        let voices = materials.iter().map(|&m| Voice::new(m, cfg.sample_rate, &mut rng)).collect();
        let actions = motion
            .contacts
            .iter()
            .map(|c| {
                let m = contact_material(&layout, c);
                Action { time: c.time(), material: Some(m), action: Some(c.kind()), reaction: Some(reaction(m, &mut rng)) }
            })
            .collect();
        // Frames narrower than 320 px are anti-aliased (up to 4×4 samples per pixel).
        let ss = (320usize.div_ceil(cfg.width as usize)).clamp(1, 4);
        let picture = Picture::plan(Plan { seed, style: cfg.style, layout: &layout, motion: &motion, photo, stick, shake, seconds: cfg.seconds, cw, ch, margin, px, ss });
        // Recorded voices draw from their own stream, so the video and its annotations are the
        // same whatever the sound source.
        let mut rec_rng = ChaCha8Rng::seed_from_u64(seed ^ 0x7265_636f_7264_6564);
        let recorded = match cfg.sound {
            SoundSource::Modal => Vec::new(),
            SoundSource::Mixed if rec_rng.random_bool(0.5) => Vec::new(),
            SoundSource::Recorded | SoundSource::Mixed => materials.iter().map(|&m| RecordedVoice::new(m, &mut rec_rng)).collect(),
        };
        Scene { cfg: cfg.clone(), seed, layout, picture, motion, voices, recorded, actions, rng }
    }

    pub fn actions(&self) -> &[Action] {
        &self.actions
    }

    pub fn materials(&self) -> Vec<Material> {
        self.layout.looks.iter().map(|l| l.material).collect()
    }

    /// Render frame `i` (time `i / fps`) as RGB8 into `out` (`width*height*3` bytes); `buf`
    /// is scratch space reused between frames.
    pub fn frame(&self, i: usize, buf: &mut Vec<f32>, out: &mut [u8]) -> FrameTruth {
        self.frame_with(i, Layers::ALL, buf, out)
    }

    /// [`Scene::frame`] drawing only some `layers` (sensor noise is the same either way).
    pub fn frame_with(&self, i: usize, layers: Layers, buf: &mut Vec<f32>, out: &mut [u8]) -> FrameTruth {
        let t = i as f64 / self.cfg.fps as f64;
        let tip = self.motion.tip(t);
        let noise_seed = (self.seed as u32).wrapping_mul(0x9e37_79b9) ^ (i as u32).wrapping_mul(0x85eb_ca6b) ^ 0x5bd1_e995;
        let (fw, fh) = (self.cfg.width as usize, self.cfg.height as usize);
        let shot = self.picture.render(t, self.cfg.fps, &self.motion, layers, noise_seed, fw, fh, buf, out);
        self.truth(tip, shot)
    }

    fn truth(&self, tip: Tip, shot: Shot) -> FrameTruth {
        let (ox, oy) = shot.origin;
        FrameTruth {
            tip_x: tip.x - ox,
            tip_y: tip.y - tip.h - oy,
            ground_x: tip.x - ox,
            ground_y: tip.y - oy,
            height: tip.h,
            material: self.layout.material_at(tip.x, tip.y),
            grip_x: shot.grip.0 - ox,
            grip_y: shot.grip.1 - oy,
        }
    }

    /// Whether this video's impacts and scratches come from recorded samples.
    pub fn is_recorded(&self) -> bool {
        !self.recorded.is_empty()
    }

    /// The sound track. A recorded one needs the SoundFont: [`SynthConfig::validate`] loads it
    /// and reports its absence; rendering without that check panics with the same message.
    pub fn audio(&self) -> Waveform {
        let rate = self.cfg.sample_rate;
        let mut rng = self.rng.clone();
        let n = (self.cfg.seconds * rate as f64).round() as usize;
        let mut out = vec![0.0f32; n];
        let floor_db = rng.random_range(-62.0..-50.0f32);
        let cutoff = rng.random_range(1500.0..6000.0f32);
        noise_floor(&mut out, rate, floor_db, cutoff, &mut rng);
        let vmax = MotionLimits::default().max_speed(self.cfg.height as f32);
        let slide_ref = 0.6 * self.cfg.width as f32;
        let (mut player, kits) = self.kits();
        for c in &self.motion.contacts {
            let voice = &self.voices[c.region()];
            let kit = kits.get(c.region()).and_then(Option::as_ref).zip(player.as_mut());
            match *c {
                Contact::Hit { time, speed, .. } => {
                    let a = (speed / vmax).clamp(0.05, 1.0);
                    match kit {
                        Some((k, p)) => k.hit(p, &mut out, time, a, &mut rng),
                        None => voice.hit(&mut out, rate, time, a, &mut rng),
                    }
                }
                Contact::Scratch { t0, t1, speed, a, b, .. } => {
                    let strength = 0.6 * (speed / vmax).clamp(0.05, 1.0);
                    let len = ((b.0 - a.0).powi(2) + (b.1 - a.1).powi(2)).sqrt();
                    let dur = (t1 - t0) as f32;
                    let profile = move |t: f64| {
                        let u = (((t - t0) / (t1 - t0)) as f32).clamp(0.0, 1.0);
                        (6.0 * u * (1.0 - u) * len / dur / slide_ref).min(1.0)
                    };
                    match kit {
                        Some((k, p)) => {
                            k.hit(p, &mut out, t0, strength, &mut rng);
                            k.scratch(rate, &mut out, t0, t1, profile, &mut rng);
                        }
                        None => {
                            voice.hit(&mut out, rate, t0, strength, &mut rng);
                            voice.scratch(&mut out, rate, t0, t1, profile, &mut rng);
                        }
                    }
                }
            }
        }
        for s in &mut out {
            *s = s.clamp(-1.0, 1.0);
        }
        Waveform::new(out, rate)
    }

    /// The synthesizer and the prepared recorded voices (none for modal sound).
    fn kits(&self) -> (Option<Player>, Vec<Option<Kit>>) {
        if self.recorded.is_empty() {
            return (None, Vec::new());
        }
        let fail = |e: Error| -> ! { panic!("{e} (SynthConfig::validate reports this before rendering)") };
        let sf = recorded::soundfont().unwrap_or_else(|e| fail(e));
        let mut player = Player::new(sf, self.cfg.sample_rate).unwrap_or_else(|e| fail(e));
        let kits = self.recorded.iter().map(|v| v.as_ref().map(|v| v.prepare(&mut player))).collect();
        (Some(player), kits)
    }
}

/// Render video `seed` in memory: all frames, the audio and the annotations.
pub fn render_clip(seed: u64, cfg: &SynthConfig) -> SynthClip {
    let scene = Scene::plan(seed, cfg);
    let (w, h) = (cfg.width, cfg.height);
    let mut buf = Vec::new();
    let mut frames = Vec::with_capacity(cfg.frames());
    let mut truth = Vec::with_capacity(cfg.frames());
    for i in 0..cfg.frames() {
        let mut img = image::RgbImage::new(w, h);
        truth.push(scene.frame(i, &mut buf, &mut img));
        frames.push(img);
    }
    SynthClip { frames, fps: cfg.fps, audio: scene.audio(), actions: scene.actions.clone(), truth, materials: scene.materials() }
}

/// Seed of video `index` of a dataset generated with `seed` (SplitMix64 of both).
pub fn video_seed(seed: u64, index: u64) -> u64 {
    let mut z = seed.wrapping_add(index.wrapping_add(1).wrapping_mul(0x9e37_79b9_7f4a_7c15));
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Greatest-Hits-style id of video `index`: a timestamp `YYYY-MM-DD-hh-mm-ss`, every third
/// one with a `-NN` suffix like some real ids (`2015-09-12-04-38-02-78`).
pub fn synthetic_id(index: usize) -> String {
    let secs = 37 + index as u64 * 317;
    let (day, rem) = (secs / 86_400, secs % 86_400);
    let (year, month, dom) = (2016 + day / (12 * 28), (day / 28) % 12 + 1, day % 28 + 1);
    let base = format!("{year}-{month:02}-{dom:02}-{:02}-{:02}-{:02}", rem / 3600, rem / 60 % 60, rem % 60);
    if index % 3 == 2 {
        format!("{base}-{:02}", (index * 37) % 100)
    } else {
        base
    }
}

/// Which split each of `n` videos goes to: shuffled by `seed`; at least one test video when
/// `n ≥ 2`, and at least one training video.
pub fn assign_splits(n: usize, seed: u64, val_share: f64, test_share: f64) -> Vec<crate::dataset::Split> {
    use crate::dataset::Split;
    let mut n_test = (n as f64 * test_share).round() as usize;
    if n >= 2 && test_share > 0.0 {
        n_test = n_test.max(1);
    }
    let mut n_val = (n as f64 * val_share).round() as usize;
    if n >= 3 && val_share > 0.0 {
        n_val = n_val.max(1);
    }
    while n_test + n_val >= n && n > 0 && (n_test + n_val) > 0 {
        if n_val > 0 {
            n_val -= 1;
        } else {
            n_test -= 1;
        }
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.shuffle(&mut ChaCha8Rng::seed_from_u64(seed ^ 0x5eed_5711_7000_0001));
    let mut splits = vec![Split::Train; n];
    for (k, &i) in order.iter().enumerate() {
        splits[i] = if k < n_test { Split::Test } else if k < n_test + n_val { Split::Val } else { Split::Train };
    }
    splits
}

#[cfg(feature = "video")]
mod write;
#[cfg(feature = "video")]
pub use write::{write_dataset, WriteOptions, WriteSummary};
