//! Impacts and scratches drawn from real recorded samples (SPEC §5 "Real recordings"): the
//! General-MIDI SoundFont of Debian's `fluid-soundfont-gm` (`FluidR3_GM.sf2`, installed by
//! `tools/setup`), played through `rustysynth`. The Debian package hydrogen-drumkits is
//! reserved for independent evaluation and is never used here.
//!
//! Each material has a palette of recorded takes (below, and in datasets/README.md): what a
//! drumstick striking that material plausibly sounds like. Per video and surface region one
//! take is drawn (one object, like the modal [`Voice`](super::sound::Voice)), with a key from
//! its range and a pitch offset of a few semitones (varispeed through foley's resampler: a
//! smaller object sounds higher and shorter). Per hit the note is played at a velocity set by
//! the stick's speed (the SoundFont's gain goes as velocity², so amplitude ∝ speed as in the
//! modal voice, and soft hits pick the soft velocity layers where a sample has them), and the
//! rendered note is placed so that its attack (first sample at −20 dB of its peak; −6 dB for
//! shaken instruments, whose slow rise is cut) falls on the annotated time. Levels match the
//! modal voice of the material (RMS of a full-speed hit's first 50 ms). Scratches are trains
//! of short scraped or shaken samples (guiro, fret noise, cabasa, maracas, brush swirl)
//! whose rate and level follow the sliding speed.
//!
//! Water keeps modal synthesis: no GM sound resembles a stick slapping water (a splash plus a
//! bubble's falling resonance); Sea Shore and Rain are slow swells without an attack.
use super::sound::hit_rms;
use crate::audio::Resampler;
use crate::error::{Error, Result};
use crate::labels::Material;
use rand::seq::IndexedRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rustysynth::{SoundFont, Synthesizer, SynthesizerSettings};
use std::path::Path;
use std::sync::{Arc, OnceLock};

/// Where the SoundFont comes from: Debian's `fluid-soundfont-gm` (see `tools/setup`).
pub const SOUNDFONT: &str = "/usr/share/sounds/sf2/FluidR3_GM.sf2";

/// Where impact and scratch sounds come from (`foley dataset synth --sound`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
pub enum SoundSource {
    /// Modal synthesis (material-dependent modes, contact noise, scratch noise).
    #[default]
    Modal,
    /// Recorded samples of the General-MIDI SoundFont (water stays modal).
    Recorded,
    /// Either, drawn per video (half each).
    Mixed,
}

/// The process-wide SoundFont (about 140 MB), loaded on first use.
pub fn soundfont() -> Result<&'static Arc<SoundFont>> {
    static SF: OnceLock<std::result::Result<Arc<SoundFont>, String>> = OnceLock::new();
    SF.get_or_init(|| load(Path::new(SOUNDFONT))).as_ref().map_err(|msg| Error::bad(SOUNDFONT, msg.clone()))
}

/// Read a SoundFont; the error (what is wrong with the file, and what to do) is kept as text
/// so that every later caller gets it too.
fn load(path: &Path) -> std::result::Result<Arc<SoundFont>, String> {
    let mut f = std::fs::File::open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => {
            "not found: --sound recorded and mixed need the SoundFont of Debian's fluid-soundfont-gm; run tools/setup".to_string()
        }
        _ => format!("{e}; --sound recorded and mixed need it (Debian's fluid-soundfont-gm, installed by tools/setup)"),
    })?;
    let sf = SoundFont::new(&mut std::io::BufReader::new(&mut f)).map_err(|e| format!("not a readable SoundFont ({e:?}); reinstall fluid-soundfont-gm"))?;
    Ok(Arc::new(sf))
}

/// One recorded sound of FluidR3_GM.sf2.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Take {
    pub name: &'static str,
    /// SoundFont bank: 128 = the drum kits (played on MIDI channel 10, `program` picks the
    /// kit, the key the instrument), otherwise a melodic bank (0 = GM, 8 = GS variations).
    pub bank: u16,
    pub program: u8,
    /// Keys drawn from per video (a drum kit's key is its instrument: one key).
    pub keys: (u8, u8),
    /// Seconds before note-off (release then follows the sample's own envelope).
    pub gate: f32,
    /// Extra damping after the gate (time constant, s; 0 = none): a muted, held object.
    pub damp: f32,
    /// Velocity of a full-speed hit as a share of 127 (soft materials play soft layers).
    pub vel: f32,
    /// The attack is the first sample at this share of the peak; what comes before is cut.
    /// 0.1 (−20 dB) keeps a struck sample whole; 0.5 drops the slow rise of a shaken one
    /// (cabasa, maracas, brush swirl: 6–12 ms from −20 to −6 dB), since a stick striking
    /// leaves or gravel sounds at once.
    pub onset: f32,
}

const fn kit(name: &'static str, program: u8, key: u8, gate: f32, damp: f32, vel: f32) -> Take {
    Take { name, bank: 128, program, keys: (key, key), gate, damp, vel, onset: 0.1 }
}
const fn tuned(name: &'static str, bank: u16, program: u8, keys: (u8, u8), gate: f32, damp: f32) -> Take {
    Take { name, bank, program, keys, gate, damp, vel: 1.0, onset: 0.1 }
}

// The General-MIDI percussion map (Standard kit 0, Brush kit 40) and melodic programs used.
const STD: u8 = 0;
const BRUSH: u8 = 40;
const BASS_DRUM: Take = kit("Acoustic Bass Drum (35), muted", STD, 35, 0.05, 0.035, 0.6);
const KICK: Take = kit("Bass Drum 1 (36), muted", STD, 36, 0.05, 0.035, 0.6);
const SIDE_STICK: Take = kit("Side Stick (37)", STD, 37, 0.15, 0.0, 1.0);
const CLAP: Take = kit("Hand Clap (39), damped", STD, 39, 0.03, 0.02, 1.0);
const FLOOR_TOM: Take = kit("Low Floor Tom (41), muted", STD, 41, 0.04, 0.025, 0.7);
const LOW_TOM: Take = kit("Low Tom (45), muted", STD, 45, 0.06, 0.05, 1.0);
const LOW_MID_TOM: Take = kit("Low-Mid Tom (47), muted", STD, 47, 0.06, 0.05, 1.0);
const RIDE_BELL: Take = kit("Ride Bell (53)", STD, 53, 0.8, 0.0, 1.0);
const COWBELL: Take = kit("Cowbell (56)", STD, 56, 0.5, 0.0, 1.0);
const HI_BONGO: Take = kit("Hi Bongo (60), muted", STD, 60, 0.05, 0.04, 1.0);
const LOW_BONGO: Take = kit("Low Bongo (61), muted", STD, 61, 0.05, 0.04, 1.0);
const MUTE_CONGA: Take = kit("Mute Hi Conga (62)", STD, 62, 0.3, 0.0, 1.0);
const LOW_CONGA: Take = kit("Low Conga (64), muted", STD, 64, 0.05, 0.05, 1.0);
const HI_AGOGO: Take = kit("High Agogo (67)", STD, 67, 0.5, 0.0, 1.0);
const LOW_AGOGO: Take = kit("Low Agogo (68)", STD, 68, 0.5, 0.0, 1.0);
const CABASA: Take = Take { onset: 0.5, ..kit("Cabasa (69)", STD, 69, 0.2, 0.0, 1.0) };
const MARACAS: Take = Take { onset: 0.5, ..kit("Maracas (70)", STD, 70, 0.2, 0.0, 1.0) };
const SHORT_GUIRO: Take = kit("Short Guiro (73)", STD, 73, 0.2, 0.0, 1.0);
const LONG_GUIRO: Take = kit("Long Guiro (74)", STD, 74, 0.5, 0.0, 1.0);
const CLAVES: Take = kit("Claves (75)", STD, 75, 0.15, 0.0, 1.0);
const HI_WOOD: Take = kit("Hi Wood Block (76)", STD, 76, 0.2, 0.0, 1.0);
const LOW_WOOD: Take = kit("Low Wood Block (77)", STD, 77, 0.2, 0.0, 1.0);
const MUTE_TRIANGLE: Take = kit("Mute Triangle (80)", STD, 80, 0.3, 0.0, 1.0);
const BRUSH_TAP: Take = kit("Brush Tap (Brush kit 38)", BRUSH, 38, 0.2, 0.0, 1.0);
const BRUSH_SLAP: Take = kit("Brush Slap (Brush kit 39)", BRUSH, 39, 0.2, 0.0, 1.0);
const BRUSH_SWIRL: Take = Take { onset: 0.5, ..kit("Brush Swirl (Brush kit 40)", BRUSH, 40, 0.6, 0.0, 1.0) };
const SOFT_BRUSH: Take = kit("Brush Tap (Brush kit 38), soft, muted", BRUSH, 38, 0.03, 0.02, 0.5);
const SHORT_SWIRL: Take = Take { onset: 0.5, ..kit("Brush Swirl (Brush kit 40), cut short", BRUSH, 40, 0.1, 0.05, 0.9) };
const GLOCKENSPIEL: Take = tuned("Glockenspiel (9), keys 84-96", 0, 9, (84, 96), 0.4, 0.0);
const MARIMBA: Take = tuned("Marimba (12), keys 45-60, muted", 0, 12, (45, 60), 0.06, 0.05);
const XYLO_HIGH: Take = tuned("Xylophone (13), keys 84-98, damped", 0, 13, (84, 98), 0.05, 0.06);
const TUBULAR: Take = tuned("Tubular Bells (14), keys 60-72", 0, 14, (60, 72), 0.6, 0.0);
const KALIMBA: Take = tuned("Kalimba (108), keys 84-96, damped", 0, 108, (84, 96), 0.05, 0.07);
const TINKER_BELL: Take = tuned("Tinker Bell (112), keys 84-100", 0, 112, (84, 100), 0.2, 0.0);
const TINKER_SHORT: Take = tuned("Tinker Bell (112), keys 96-105, damped", 0, 112, (96, 105), 0.05, 0.06);
const STEEL_DRUM: Take = tuned("Steel Drums (114), keys 60-76", 0, 114, (60, 76), 0.3, 0.0);
const WOODBLOCK: Take = tuned("Woodblock (115), keys 55-76", 0, 115, (55, 76), 0.15, 0.0);
const TAIKO: Take = Take { vel: 0.6, ..tuned("Taiko Drum (116), keys 36-48, muted", 0, 116, (36, 48), 0.04, 0.03) };
const MELODIC_TOM: Take = tuned("Melodic Tom (117), keys 40-52, muted", 0, 117, (40, 52), 0.05, 0.05);
const FRET_NOISE: Take = tuned("Fret Noise (120), keys 55-79", 0, 120, (55, 79), 0.3, 0.0);
const CASTANETS: Take = tuned("Castanets (GS bank 8, 115), keys 55-72", 8, 115, (55, 72), 0.1, 0.0);
const CONCERT_BD: Take = Take { vel: 0.5, ..tuned("Concert Bass Drum (GS bank 8, 116), keys 36-48, muted", 8, 116, (36, 48), 0.04, 0.025) };

/// The recorded sounds of one material.
#[derive(Clone, Copy, Debug)]
pub struct Palette {
    /// Impacts: one is drawn per video and region.
    pub hits: &'static [Take],
    /// Scratch textures (grains per second at full sliding speed): one drawn per video.
    pub scratches: &'static [(Take, f32)],
    /// Per-video pitch offset range, semitones.
    pub pitch: (f32, f32),
}

const ROUGH: &[(Take, f32)] = &[(SHORT_GUIRO, 9.0), (LONG_GUIRO, 4.0)];
const SQUEAK: &[(Take, f32)] = &[(FRET_NOISE, 6.0), (SHORT_GUIRO, 9.0)];
const RUSTLE: &[(Take, f32)] = &[(CABASA, 14.0), (MARACAS, 14.0)];
const RUB: &[(Take, f32)] = &[(BRUSH_SWIRL, 4.0), (CABASA, 10.0)];

/// The mapping of the 17 Greatest Hits materials to recorded sounds (`None`: water, which
/// stays modal). Kept in step with the table in datasets/README.md.
#[rustfmt::skip]
pub fn palette(m: Material) -> Option<Palette> {
    use Material::*;
    let p = |hits, scratches, pitch| Some(Palette { hits, scratches, pitch });
    match m {
        // Struck wood: blocks, claves, a rim click, a muted low marimba bar.
        Wood       => p(&[HI_WOOD, LOW_WOOD, CLAVES, SIDE_STICK, WOODBLOCK, MARIMBA], ROUGH, (-3.0, 2.0)),
        // Pipes, pans, railings: bells and ringing metal percussion.
        Metal      => p(&[COWBELL, RIDE_BELL, MUTE_TRIANGLE, HI_AGOGO, LOW_AGOGO, TUBULAR, STEEL_DRUM], SQUEAK, (-3.0, 3.0)),
        // A dull thud with grit: brushes, muted low drums.
        Dirt       => p(&[BRUSH_TAP, BRUSH_SLAP, FLOOR_TOM, KICK, TAIKO], RUSTLE, (-3.0, 2.0)),
        // A hard click without ring: rim click, claves and blocks pitched down.
        Rock       => p(&[SIDE_STICK, CLAVES, LOW_WOOD, CASTANETS], ROUGH, (-6.0, -2.0)),
        // Rustling, crackling: shakers and brushes.
        Leaf       => p(&[MARACAS, CABASA, SHORT_SWIRL, BRUSH_SLAP], RUSTLE, (-3.0, 2.0)),
        // Hollow plastic knocks: muted bongos, conga, blocks.
        Plastic    => p(&[HI_BONGO, LOW_BONGO, MUTE_CONGA, LOW_WOOD, WOODBLOCK], ROUGH, (-2.0, 4.0)),
        // Muted low thuds: soft muted kicks, floor tom, taiko, a soft brush.
        Cloth      => p(&[KICK, BASS_DRUM, FLOOR_TOM, SOFT_BRUSH, TAIKO], RUB, (-3.0, 3.0)),
        // A papery slap.
        Paper      => p(&[BRUSH_SLAP, BRUSH_TAP, CLAP, CABASA], RUSTLE, (-2.0, 3.0)),
        // Soft swish: brushes and shakers, pitched down.
        Grass      => p(&[BRUSH_TAP, SHORT_SWIRL, MARACAS, CABASA], RUSTLE, (-4.0, 1.0)),
        Water      => None,
        // A hollow knock on gypsum board: congas, muted toms.
        Drywall    => p(&[MUTE_CONGA, LOW_CONGA, LOW_TOM, LOW_MID_TOM, MELODIC_TOM, LOW_BONGO], ROUGH, (-3.0, 2.0)),
        // Scattering stones: beads and seeds (cabasa, maracas), brushes.
        Gravel     => p(&[CABASA, MARACAS, BRUSH_SLAP, SHORT_SWIRL], RUSTLE, (-3.0, 2.0)),
        // Crinkling: shakers and brushes.
        PlasticBag => p(&[CABASA, MARACAS, SHORT_SWIRL, BRUSH_SLAP], RUSTLE, (-2.0, 3.0)),
        // Mugs and plates: short bright clinks with a little pitch.
        Ceramic    => p(&[CASTANETS, CLAVES, XYLO_HIGH, TINKER_SHORT, KALIMBA], ROUGH, (0.0, 4.0)),
        // Floor and wall tiles: sharp clicks, less ring than ceramic.
        Tile       => p(&[CLAVES, CASTANETS, SIDE_STICK, HI_WOOD], ROUGH, (-1.0, 3.0)),
        // Duller than cloth: heavily muted kicks and floor tom, soft brush.
        Carpet     => p(&[Take { damp: 0.02, vel: 0.5, ..KICK }, Take { damp: 0.02, vel: 0.5, ..BASS_DRUM }, Take { damp: 0.015, ..FLOOR_TOM }, CONCERT_BD, SOFT_BRUSH], RUB, (-4.0, 1.0)),
        // Glasses and bottles: high bell-like clinks (not the celesta: its felt hammer blooms
        // for 5 ms, where a stick on glass clicks at once).
        Glass      => p(&[GLOCKENSPIEL, TINKER_BELL, TINKER_SHORT, MUTE_TRIANGLE], SQUEAK, (-2.0, 2.0)),
    }
}

/// Rendering limits: the longest note kept (s), and how far before the attack a note starts.
const MAX_SECONDS: f32 = 2.0;
const PRE_ATTACK_S: f64 = 0.0005;
/// Varispeed resolution: pitch factors are `p / PITCH_DEN`.
const PITCH_DEN: u32 = 64;

/// The recorded sound of one surface in one video (drawn without the SoundFont).
#[derive(Clone, Debug)]
pub struct RecordedVoice {
    material: Material,
    hit: Take,
    hit_key: u8,
    scratch: Take,
    scratch_key: u8,
    grains_per_s: f32,
    /// Varispeed factor numerator (`/ PITCH_DEN`).
    pitch: u32,
    /// Per-video level factor (microphone distance, object size).
    level: f32,
}

impl RecordedVoice {
    /// Draw one object of material `m`; `None` for a material that stays modal (water).
    pub fn new(m: Material, rng: &mut ChaCha8Rng) -> Option<RecordedVoice> {
        let pal = palette(m)?;
        let hit = *pal.hits.choose(rng)?;
        let &(scratch, grains_per_s) = pal.scratches.choose(rng)?;
        let key = |t: &Take, rng: &mut ChaCha8Rng| rng.random_range(t.keys.0..=t.keys.1);
        let (hit_key, scratch_key) = (key(&hit, rng), key(&scratch, rng));
        let semitones = rng.random_range(pal.pitch.0..=pal.pitch.1);
        let pitch = (PITCH_DEN as f32 * 2f32.powf(semitones / 12.0)).round() as u32;
        Some(RecordedVoice { material: m, hit, hit_key, scratch, scratch_key, grains_per_s, pitch, level: rng.random_range(0.7..1.0) })
    }

    /// Render this voice's notes for audio at `rate` Hz.
    pub fn prepare(&self, player: &mut Player) -> Kit {
        let resampler = Resampler::new(player.synth_rate * self.pitch, player.rate * PITCH_DEN);
        // As loud as the modal voice of the material: the same RMS over the first 50 ms of a
        // full-speed hit, but never a peak above 0.9 (short clicks have large crest factors).
        let (rate, pre) = (player.rate, player.pre());
        let target = self.level * hit_rms(self.material, rate);
        let gain = |x: &[f32]| {
            let head = &x[pre.min(x.len())..(pre + rate as usize / 20).min(x.len())];
            let rms = (head.iter().map(|v| v * v).sum::<f32>() / head.len().max(1) as f32).sqrt();
            let peak = x.iter().fold(0f32, |m, v| m.max(v.abs()));
            (target / rms.max(1e-9)).min(0.9 / peak.max(1e-9))
        };
        let reference = player.note(&self.hit, self.hit_key, velocity(&self.hit, 1.0), &resampler);
        let norm = gain(&reference);
        // Scratch grains at three velocities (the sample's layers vary the texture).
        let grains: Vec<Vec<f32>> =
            [1.0, 0.55, 0.3].iter().map(|&a| player.note(&self.scratch, self.scratch_key, velocity(&self.scratch, a), &resampler)).collect();
        let grain_norm = 0.5 * gain(&grains[0]);
        Kit { voice: self.clone(), resampler, norm, grains, grain_norm, pre: player.pre() }
    }
}

/// MIDI velocity of a hit of relative strength `a` in (0, 1]: the synthesizer's gain goes as
/// velocity² (rustysynth, like the SF2 default), so amplitude is proportional to `a`.
fn velocity(t: &Take, a: f32) -> u8 {
    (127.0 * t.vel * a.clamp(0.0, 1.0).sqrt()).round().clamp(1.0, 127.0) as u8
}

/// A [`RecordedVoice`] ready to play: varispeed resampler, level, scratch grains.
pub struct Kit {
    voice: RecordedVoice,
    resampler: Resampler,
    norm: f32,
    grains: Vec<Vec<f32>>,
    grain_norm: f32,
    /// Samples each rendered note holds before its attack.
    pre: usize,
}

impl Kit {
    /// Add an impact whose attack is at `time`, of strength `a` in (0, 1] (contact speed
    /// relative to the fastest the choreography allows).
    pub fn hit(&self, player: &mut Player, out: &mut [f32], time: f64, a: f32, rng: &mut ChaCha8Rng) {
        let v = &self.voice;
        let note = player.note(&v.hit, v.hit_key, velocity(&v.hit, a), &self.resampler);
        let g = self.norm * rng.random_range(0.9..1.1f32);
        add(out, (time * player.rate as f64).round() as usize, self.pre, &note, g);
    }

    /// Add a scratch from `t0` to `t1`: grains of the scratch texture whose rate and level
    /// follow the relative sliding speed `speed(t)` (0..1).
    pub fn scratch(&self, rate: u32, out: &mut [f32], t0: f64, t1: f64, speed: impl Fn(f64) -> f32, rng: &mut ChaCha8Rng) {
        let (s0, s1) = ((t0 * rate as f64).round() as usize, ((t1 * rate as f64).round() as usize).min(out.len()));
        let p = self.voice.grains_per_s / rate as f32;
        for i in s0..s1 {
            let v = speed(i as f64 / rate as f64);
            if rng.random::<f32>() < p * v {
                let k = rng.random_range(0..self.grains.len());
                add(out, i, self.pre, &self.grains[k], self.grain_norm * v * rng.random_range(0.5..1.0f32));
            }
        }
    }
}

/// Add `g·note` to `out` with the note's sample `pre` (its attack) at sample `at`.
fn add(out: &mut [f32], at: usize, pre: usize, note: &[f32], g: f32) {
    let skip = pre.saturating_sub(at);
    let start = at + skip - pre;
    for (o, x) in out.iter_mut().skip(start).zip(&note[skip.min(note.len())..]) {
        *o += g * x;
    }
}

/// A synthesizer for one video's audio at `rate` Hz.
pub struct Player {
    synth: Synthesizer,
    /// The synthesizer's rate: `rate`, or twice it below rustysynth's 16 kHz minimum.
    synth_rate: u32,
    rate: u32,
}

impl Player {
    pub fn new(sf: &Arc<SoundFont>, rate: u32) -> Result<Player> {
        let synth_rate = if rate < 16_000 { 2 * rate } else { rate };
        let mut settings = SynthesizerSettings::new(synth_rate as i32);
        settings.enable_reverb_and_chorus = false;
        let synth = Synthesizer::new(sf, &settings).map_err(|e| Error::Param(format!("SoundFont synthesizer at {synth_rate} Hz: {e:?}")))?;
        Ok(Player { synth, synth_rate, rate })
    }

    fn pre(&self) -> usize {
        (PRE_ATTACK_S * self.rate as f64).round() as usize
    }

    /// One note of `take` at `rate`, varispeed by `resampler`, trimmed to start [`Self::pre`]
    /// samples before its attack (the first sample at `take.onset` of the peak of its first
    /// 100 ms).
    fn note(&mut self, take: &Take, key: u8, vel: u8, resampler: &Resampler) -> Vec<f32> {
        let raw = self.render(take, key, vel);
        let x = resampler.range(&raw, 0, resampler.output_len(raw.len()));
        let head = &x[..x.len().min(self.rate as usize / 10)];
        let peak = head.iter().fold(0f32, |m, v| m.max(v.abs()));
        let attack = head.iter().position(|v| v.abs() >= take.onset * peak).unwrap_or(0);
        let pre = self.pre();
        let mut note = if attack >= pre { x[attack - pre..].to_vec() } else { [vec![0.0; pre - attack], x].concat() };
        // Fade in over the pre-attack samples (what came before them is dropped).
        for (i, s) in note.iter_mut().take(pre).enumerate() {
            *s *= i as f32 / pre as f32;
        }
        note
    }

    /// Play `take` at `key` and MIDI velocity `vel` from silence, at the synthesizer's rate,
    /// until it has decayed by 60 dB (at most [`MAX_SECONDS`]); mono (left + right).
    fn render(&mut self, take: &Take, key: u8, vel: u8) -> Vec<f32> {
        let s = &mut self.synth;
        s.reset();
        let (ch, bank) = if take.bank >= 128 { (9, take.bank as i32 - 128) } else { (0, take.bank as i32) };
        s.process_midi_message(ch, 0xB0, 0x00, bank);
        s.process_midi_message(ch, 0xC0, take.program as i32, 0);
        s.note_on(ch, key as i32, vel as i32);
        let sr = self.synth_rate as f32;
        let gate = (take.gate * sr).ceil() as usize;
        let cap = if take.damp > 0.0 { (take.gate + 7.0 * take.damp).min(MAX_SECONDS) } else { MAX_SECONDS };
        let cap = (cap * sr) as usize;
        const BLOCK: usize = 512;
        let (mut l, mut r) = (vec![0f32; BLOCK], vec![0f32; BLOCK]);
        let (mut out, mut peak, mut released) = (Vec::with_capacity(cap), 0f32, false);
        while out.len() < cap {
            if !released && out.len() >= gate {
                s.note_off(ch, key as i32);
                released = true;
            }
            let n = BLOCK.min(cap - out.len()).min(if released { BLOCK } else { gate - out.len() }.max(1));
            s.render(&mut l[..n], &mut r[..n]);
            let block_peak = l[..n].iter().zip(&r[..n]).fold(0f32, |m, (a, b)| m.max((a + b).abs()));
            out.extend(l[..n].iter().zip(&r[..n]).map(|(a, b)| a + b));
            peak = peak.max(block_peak);
            if released && block_peak < 1e-3 * peak {
                break;
            }
        }
        if take.damp > 0.0 {
            let k = (-1.0 / (take.damp * sr)).exp();
            let mut e = 1.0f32;
            for x in out.iter_mut().skip(gate) {
                e *= k;
                *x *= e;
            }
        }
        // A note cut at the cap ends with a 5 ms fade rather than a click.
        let fade = ((0.005 * sr) as usize).min(out.len());
        if out.len() >= cap {
            let n = out.len();
            for (i, x) in out[n - fade..].iter_mut().enumerate() {
                *x *= 1.0 - (i + 1) as f32 / fade as f32;
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn sf() -> &'static Arc<SoundFont> {
        // tools/setup installs fluid-soundfont-gm; CI runs it, so the file must be there.
        soundfont().expect("the SoundFont of fluid-soundfont-gm (run tools/setup)")
    }

    fn all_takes() -> Vec<(Material, Take)> {
        let mut v = Vec::new();
        for &m in Material::ALL.iter() {
            if let Some(p) = palette(m) {
                v.extend(p.hits.iter().map(|t| (m, *t)));
                v.extend(p.scratches.iter().map(|(t, _)| (m, *t)));
            }
        }
        v
    }

    #[test]
    fn every_material_but_water_has_recorded_hits_and_scratches() {
        for &m in Material::ALL.iter() {
            match palette(m) {
                None => assert_eq!(m, Material::Water, "{m:?} has no recorded palette"),
                Some(p) => {
                    assert!(p.hits.len() >= 3, "{m:?}: {} hit takes, want variety", p.hits.len());
                    assert!(!p.scratches.is_empty(), "{m:?}: no scratch texture");
                    assert!(p.pitch.0 <= p.pitch.1 && p.pitch.0 >= -6.0 && p.pitch.1 <= 6.0);
                }
            }
        }
    }

    /// Every take names a preset of FluidR3_GM.sf2 with a sample on each of its keys
    /// (rustysynth silently falls back to the piano for a missing preset).
    #[test]
    fn every_take_exists_in_the_soundfont() {
        let sf = sf();
        for (m, t) in all_takes() {
            let preset = sf.get_presets().iter().find(|p| p.get_bank_number() == t.bank as i32 && p.get_patch_number() == t.program as i32);
            let preset = preset.unwrap_or_else(|| panic!("{m:?}: {} names no preset (bank {}, program {})", t.name, t.bank, t.program));
            for key in t.keys.0..=t.keys.1 {
                let covered = preset.get_regions().iter().any(|r| {
                    r.contains(key as i32, 100) && sf.get_instruments()[r.get_instrument_id()].get_regions().iter().any(|ir| ir.contains(key as i32, 100))
                });
                assert!(covered, "{m:?}: {} has no sample on key {key}", t.name);
            }
        }
    }

    /// The attack of every take (first sample at `onset` of its peak) lands within 1 ms of the
    /// hit time, whatever the sample's own lead-in (0 to 10 ms in FluidR3) and pitch offset.
    #[test]
    fn every_take_starts_on_the_hit_time() {
        let rate = 48_000;
        let mut player = Player::new(sf(), rate).unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        for (m, t) in all_takes() {
            for (key, pitch) in [(t.keys.0, 57), (t.keys.1, 72)] {
                let v = RecordedVoice { material: m, hit: t, hit_key: key, scratch: t, scratch_key: key, grains_per_s: 1.0, pitch, level: 1.0 };
                let kit = v.prepare(&mut player);
                let mut out = vec![0f32; rate as usize * 3];
                kit.hit(&mut player, &mut out, 0.25, 0.5, &mut rng);
                // The peak of the note's first 100 ms, as `Player::note` measures it.
                let head = &out[..(0.35 * rate as f64) as usize];
                let peak = head.iter().fold(0f32, |a, v| a.max(v.abs()));
                assert!(peak > 0.01, "{m:?}: {} key {key} is silent", t.name);
                let attack = head.iter().position(|v| v.abs() >= t.onset * peak).unwrap() as f64 / rate as f64;
                assert!((attack - 0.25).abs() <= 0.001, "{m:?}: {} key {key}: attack at {attack:.4} s, hit at 0.25 s", t.name);
            }
        }
    }

    #[test]
    fn loudness_follows_the_hit_strength() {
        let rate = 48_000;
        let mut player = Player::new(sf(), rate).unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        for &m in Material::ALL.iter() {
            let Some(v) = RecordedVoice::new(m, &mut rng) else { continue };
            let kit = v.prepare(&mut player);
            let level = |a: f32, player: &mut Player, rng: &mut ChaCha8Rng| {
                let mut out = vec![0f32; rate as usize];
                kit.hit(player, &mut out, 0.1, a, rng);
                out.iter().map(|x| (*x as f64).powi(2)).sum::<f64>()
            };
            let (loud, soft) = (level(1.0, &mut player, &mut rng), level(0.25, &mut player, &mut rng));
            // Amplitude ∝ strength: 12 dB between a = 1 and a = 0.25 (velocity layers and
            // the ±10 % per-hit jitter move it a few dB).
            let db = 10.0 * (loud / soft).log10();
            assert!((6.0..18.0).contains(&db), "{m:?} ({}): full-speed hit {db:.1} dB above a quarter-speed one", v.hit.name);
        }
    }

    /// The SPEC §7 detector (with a 128-sample hop, see tests/dataset_recorded.rs) finds each
    /// take's hits within 20 ms of their times: full speed, quarter speed, full speed, 0.7 s
    /// apart over a noise floor at −56 dBFS (its mean in the generator).
    #[test]
    fn every_take_is_found_by_the_onset_detector() {
        use super::super::sound::noise_floor;
        use crate::audio::Waveform;
        use crate::metrics::onset::{detect_onsets, OnsetParams};
        let rate = 48_000;
        let params = OnsetParams { hop: 128, ..OnsetParams::default() };
        let mut player = Player::new(sf(), rate).unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let (mut found, mut total, mut report) = (0, 0, String::new());
        for (m, t) in all_takes() {
            let v = RecordedVoice { material: m, hit: t, hit_key: t.keys.0, scratch: t, scratch_key: t.keys.0, grains_per_s: 1.0, pitch: PITCH_DEN, level: 0.85 };
            let kit = v.prepare(&mut player);
            let mut out = vec![0.0f32; 3 * rate as usize];
            noise_floor(&mut out, rate, -56.0, 3000.0, &mut rng);
            let hits = [(0.5, 1.0), (1.2, 0.25), (1.9, 1.0)];
            for &(time, a) in &hits {
                kit.hit(&mut player, &mut out, time, a, &mut rng);
            }
            let onsets = detect_onsets(&Waveform::new(out, rate), &params).times();
            for &(time, a) in &hits {
                total += 1;
                let near = onsets.iter().map(|o| o - time).min_by(|x, y| x.abs().total_cmp(&y.abs())).unwrap_or(9.0);
                if near.abs() <= 0.02 {
                    found += 1;
                } else {
                    report += &format!("  {m:?}: {} at a = {a}: nearest onset {:+.0} ms\n", t.name, 1e3 * near);
                }
            }
        }
        eprint!("{found} of {total} found within 20 ms\n{report}");
        assert!(found as f64 >= 0.95 * total as f64, "the detector found {found} of {total} recorded hits:\n{report}");
    }

    #[test]
    fn missing_soundfont_says_to_run_setup() {
        let msg = load(Path::new("/nonexistent/FluidR3_GM.sf2")).expect_err("no error");
        let e = Error::bad("/nonexistent/FluidR3_GM.sf2", msg).to_string();
        assert!(e.starts_with("/nonexistent/FluidR3_GM.sf2: not found") && e.contains("tools/setup") && !e.contains('\n'), "{e}");
    }
}
