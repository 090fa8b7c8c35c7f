//! What the model sees of a video: sampled RGB frames ([`Frame`]) and how they are sampled
//! ([`SampleConfig`], [`Fit`]). Plain data, no FFmpeg: the model and training use these types in
//! the FFmpeg-free build too.
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// How the picture is brought to the model's aspect ratio.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Fit {
    /// Scale to cover the target, cut the overhang equally on both sides (no distortion).
    #[default]
    Crop,
    /// Scale to fit inside the target, black bars on both sides (no distortion, nothing lost).
    Pad,
    /// Scale each axis independently (distorts the aspect ratio).
    Stretch,
}

/// Output of [`open_frames`]: frame size, aspect handling and sampling rate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SampleConfig {
    pub width: u32,
    pub height: u32,
    pub fit: Fit,
    /// Output frames per second (30 for the model, SPEC §4).
    pub fps: f64,
}

impl Default for SampleConfig {
    /// 64×64, cropped, 30 fps: the plain model of SPEC §4.
    fn default() -> Self {
        SampleConfig { width: 64, height: 64, fit: Fit::Crop, fps: super::MODEL_FPS }
    }
}

impl SampleConfig {
    pub fn new(width: u32, height: u32) -> Self {
        SampleConfig { width, height, ..Default::default() }
    }
    /// Reject sizes and rates that make no sense (1..=4096 pixels a side, 0 < fps <= 1000).
    pub fn validate(&self) -> Result<()> {
        if !(1..=4096).contains(&self.width) || !(1..=4096).contains(&self.height) {
            return Err(Error::Param(format!("frame size {}x{} must be 1..4096 pixels a side", self.width, self.height)));
        }
        if !(self.fps.is_finite() && self.fps > 0.0 && self.fps <= 1000.0) {
            return Err(Error::Param(format!("sampling rate {} fps must be in (0, 1000]", self.fps)));
        }
        Ok(())
    }
}

/// One sampled frame: RGB, `height` rows of `width` pixels, 3 bytes each, top row first.
#[derive(Clone, Debug, PartialEq)]
pub struct Frame {
    /// Position in the sampled sequence (0, 1, 2, …).
    pub index: usize,
    /// Seconds from the first frame of the video: `index / fps`.
    pub time: f64,
    pub width: u32,
    pub height: u32,
    pub rgb: Vec<u8>,
}

impl Frame {
    /// RGB of pixel (x, y).
    pub fn pixel(&self, x: u32, y: u32) -> [u8; 3] {
        let i = 3 * (y as usize * self.width as usize + x as usize);
        [self.rgb[i], self.rgb[i + 1], self.rgb[i + 2]]
    }
}
