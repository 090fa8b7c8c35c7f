//! Architecture configuration ([`ModelConfig`]) and the statistics learned from the training
//! data that a model needs at prediction time ([`Normalization`]).
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// How the RGB and spacetime streams are combined per frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Fusion {
    /// Concatenate the two streams' feature maps channel-wise at the same spatial grid, mix them
    /// with convolutions, and flatten the small grid that results. The read-out then knows
    /// *where* things are, so it can relate the stick tip (seen by the spacetime stream) to the
    /// texture under it (seen by the RGB stream). Default.
    Spatial,
    /// Global average pooling of each stream, then concatenation (the paper's design: where
    /// things are is lost).
    Pool,
}

/// The read-outs the network has beside the cochleagram (architecture: each is a set of
/// outputs and weights; how much training weighs them is the training config's `[loss]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReadOuts {
    /// Per step: does an annotated action start here (a logit of the layer `aux`).
    pub onset: bool,
    /// At actions: the material (17 logits of `aux`).
    pub material: bool,
    /// At actions: ln of the hit's loudness (one more output of `aux`).
    pub loudness: bool,
    /// At actions: hit or scratch (a layer of its own, `action`, so that a trained model can
    /// gain it without changing its other weights).
    pub action: bool,
}

impl Default for ReadOuts {
    fn default() -> Self {
        ReadOuts { onset: true, material: true, loudness: true, action: false }
    }
}

impl ReadOuts {
    pub fn any(&self) -> bool {
        self.onset || self.material || self.loudness || self.action
    }
}

/// What the spacetime stream's three channels are (both are the same information: gray
/// frames t−1, t, t+1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Spacetime {
    /// Gray t−1, t, t+1 (the paper's spacetime image).
    Stack,
    /// Gray t, then the differences t+1 − t and t − (t−1), scaled by the training data's
    /// frame-difference spread: the texture cancels, the moving stick stands out from the
    /// first update (measured: timing is learned several times sooner on the synthetic set).
    Diff,
}

/// How the per-frame features become a sequence of cochleagram steps.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Temporal {
    /// An LSTM at the step rate, its state carried across the whole clip (SPEC §4). Default.
    Lstm,
    /// No recurrence: each frame's features go through one fully connected layer on their own
    /// (the "no LSTM" baseline of the evaluation; the 3 steps of a frame are equal).
    None,
}

/// Which CNN streams the model has.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Streams {
    /// RGB and spacetime (SPEC §4). Default.
    Both,
    /// The RGB stream only (the "RGB-only" baseline of the evaluation: no motion input).
    Rgb,
    /// The spacetime stream only.
    Spacetime,
}

impl Streams {
    pub fn rgb(self) -> bool {
        self != Streams::Spacetime
    }
    pub fn spacetime(self) -> bool {
        self != Streams::Rgb
    }
}

/// Which CNN each stream uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Backbone {
    /// Strided 3x3/5x5 convolutions with the channel counts of `channels`, trained from scratch.
    Small,
    /// ResNet-18 from `tch::vision` (pooled 512-d features; implies `fusion = "pool"`), optionally
    /// initialised from a user weight file with torchvision names (`--init-backbone`).
    Resnet18,
}

/// How a video frame is brought to the model's input size (mirrors `video::Fit`, which needs
/// the `video` feature).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FrameFit {
    /// Scale each axis independently: nothing is cut off (the stick may be anywhere).
    Stretch,
    /// Scale to cover, cut the overhang.
    Crop,
    /// Scale to fit, black bars.
    Pad,
}

/// Architecture and input of the model. Every field has a documented default; a training
/// config file (`--config F.toml`, section `[model]`) may override any of them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ModelConfig {
    /// Input frame width in pixels (frames are scaled to `width` x `height`, aspect not kept).
    /// Default 96: at 64 px the stick tip is 1-2 pixels wide and the surface texture is lost.
    pub width: u32,
    /// Input frame height in pixels. Default 72 (4:3, like the synthetic and most real videos).
    pub height: u32,
    /// How frames of another aspect ratio are scaled. Default `stretch`.
    pub fit: FrameFit,
    /// Video frame rate the model runs at, frames per second. Default 30 (SPEC §4).
    pub fps: f64,
    /// Cochleagram steps per video frame: the LSTM runs at `fps * steps_per_frame` = 90 Hz.
    pub steps_per_frame: usize,
    /// Number of cochleagram bands predicted. Default 42 (SPEC §2).
    pub bands: usize,
    /// Encoding of the spacetime image. Default `diff`.
    pub spacetime: Spacetime,
    /// The RGB stream sees one colour frame every `rgb_every` frames and its features are held
    /// in between (1 = every frame; the paper used the clip's first frame). Default 1.
    pub rgb_every: usize,
    /// Which CNN streams exist. Default `both`.
    pub streams: Streams,
    /// LSTM or per-frame read-out. Default `lstm`.
    pub temporal: Temporal,
    /// CNN used by both streams. Default `small`.
    pub backbone: Backbone,
    /// Output channels of the convolutions of each `small` stream: the first is the stem
    /// (`stem_kernel`, stride `stem_stride`), each further one a 3x3 stride-2 convolution.
    /// Default [24, 48].
    pub channels: Vec<i64>,
    /// Kernel size of the stem convolution. Default 4.
    pub stem_kernel: i64,
    /// Stride of the stem convolution (non-overlapping 4x4 patches by default: a quarter of the
    /// cost of a 5x5 stride-2 stem followed by another layer, measured). Default 4.
    pub stem_stride: i64,
    /// How the two streams are combined. Default `spatial`.
    pub fusion: Fusion,
    /// Channels of the fused map (spatial fusion: one more strided 3x3 convolution). Default 64.
    pub fused_channels: i64,
    /// Channels per grid cell kept when the fused map is flattened (1x1 convolution). Default 16.
    pub grid_channels: i64,
    /// Size of the per-frame feature vector fed to the LSTM. Default 256.
    pub feature_dim: i64,
    /// LSTM hidden size. Default 256.
    pub hidden: i64,
    /// Regress this many PCA coefficients of the cochleagram instead of the 42 values (the
    /// paper used 10). Default none (all bands).
    pub pca: Option<usize>,
    /// The read-outs beside the cochleagram. Default onset, material and loudness.
    pub readouts: ReadOuts,
}

impl Default for ModelConfig {
    fn default() -> Self {
        ModelConfig {
            width: 96,
            height: 72,
            fit: FrameFit::Stretch,
            fps: 30.0,
            steps_per_frame: 3,
            bands: crate::cochleagram::BANDS,
            spacetime: Spacetime::Diff,
            rgb_every: 1,
            streams: Streams::Both,
            temporal: Temporal::Lstm,
            backbone: Backbone::Small,
            channels: vec![24, 48],
            stem_kernel: 4,
            stem_stride: 4,
            fusion: Fusion::Spatial,
            fused_channels: 64,
            grid_channels: 16,
            feature_dim: 256,
            hidden: 256,
            pca: None,
            readouts: ReadOuts::default(),
        }
    }
}

impl ModelConfig {
    /// A very small configuration for tests (trains in a second on a CPU).
    pub fn tiny() -> Self {
        ModelConfig {
            width: 32,
            height: 24,
            channels: vec![8, 8],
            stem_kernel: 3,
            stem_stride: 2,
            fused_channels: 8,
            grid_channels: 4,
            feature_dim: 32,
            hidden: 32,
            ..ModelConfig::default()
        }
    }

    /// Check ranges and combinations; the message says which field is wrong.
    pub fn validate(&self) -> Result<()> {
        let p = |m: String| Err(Error::Param(m));
        if !(8..=1024).contains(&self.width) || !(8..=1024).contains(&self.height) {
            return p(format!("model input {}x{} must be 8..1024 pixels each way", self.width, self.height));
        }
        if !(self.fps > 0.0 && self.fps <= 240.0) {
            return p(format!("model fps {} must be in (0, 240]", self.fps));
        }
        if self.steps_per_frame == 0 || self.bands == 0 || self.rgb_every == 0 {
            return p("steps_per_frame, bands and rgb_every must be at least 1".into());
        }
        if self.backbone == Backbone::Small {
            if self.channels.is_empty() || self.channels.iter().any(|&c| c <= 0) {
                return p("channels must be a non-empty list of positive counts".into());
            }
            if !(1..=15).contains(&self.stem_kernel) || !(1..=8).contains(&self.stem_stride) {
                return p(format!("stem_kernel {} must be 1..15 and stem_stride {} 1..8", self.stem_kernel, self.stem_stride));
            }
            let (w, h) = self.map_size();
            if w < 1 || h < 1 {
                return p(format!(
                    "input {}x{} is too small for {} strided layers",
                    self.width,
                    self.height,
                    self.channels.len() + 1
                ));
            }
        }
        if self.fused_channels <= 0 || self.grid_channels <= 0 || self.feature_dim <= 0 || self.hidden <= 0 {
            return p("fused_channels, grid_channels, feature_dim and hidden must be positive".into());
        }
        if let Some(k) = self.pca {
            if k == 0 || k > self.bands {
                return p(format!("pca = {k} must be in 1..={}", self.bands));
            }
        }
        Ok(())
    }

    /// Effective fusion (the ResNet backbone only gives pooled features).
    pub fn effective_fusion(&self) -> Fusion {
        if self.backbone == Backbone::Resnet18 {
            Fusion::Pool
        } else {
            self.fusion
        }
    }

    /// Spatial size (w, h) of the stream maps and of the fused grid that spatial fusion
    /// flattens (PyTorch's convolution size rule, padding k/2 except for a stem whose stride
    /// equals its kernel, which has none).
    pub fn map_size(&self) -> (i64, i64) {
        let out = |n: i64, k: i64, s: i64, p: i64| (n + 2 * p - k).div_euclid(s) + 1;
        let sp = if self.stem_stride == self.stem_kernel { 0 } else { self.stem_kernel / 2 };
        let mut w = out(self.width as i64, self.stem_kernel, self.stem_stride, sp);
        let mut h = out(self.height as i64, self.stem_kernel, self.stem_stride, sp);
        for _ in 1..self.channels.len() {
            w = out(w, 3, 2, 1);
            h = out(h, 3, 2, 1);
        }
        (w, h)
    }

    /// Size (w, h) of the fused grid (one more 3x3 stride-2 convolution after the streams).
    pub fn grid_size(&self) -> (i64, i64) {
        let (w, h) = self.map_size();
        ((w - 1).div_euclid(2) + 1, (h - 1).div_euclid(2) + 1)
    }

    /// The frame sampling that gives this model's input (`foley predict` and the training
    /// cache both use it, so training and prediction see the same pixels).
    #[cfg(feature = "video")]
    pub fn sample_config(&self) -> crate::video::SampleConfig {
        use crate::video::Fit;
        let fit = match self.fit {
            FrameFit::Stretch => Fit::Stretch,
            FrameFit::Crop => Fit::Crop,
            FrameFit::Pad => Fit::Pad,
        };
        crate::video::SampleConfig { width: self.width, height: self.height, fit, fps: self.fps }
    }

    /// Envelope rate the model predicts at, Hz.
    pub fn step_rate(&self) -> f64 {
        self.fps * self.steps_per_frame as f64
    }

    /// Outputs of the auxiliary read-out layer `aux` (1 onset logit + one logit per material,
    /// + 1 ln-loudness with the loudness read-out), 0 without read-outs.
    pub fn aux_outputs(&self) -> i64 {
        if self.readouts.any() {
            self.aux_action_index()
        } else {
            0
        }
    }

    /// Index of the ln-loudness output in the auxiliary read-out (with the loudness read-out).
    pub fn aux_loudness_index(&self) -> i64 {
        1 + crate::labels::Material::ALL.len() as i64
    }

    /// Index of the scratch logit in the auxiliary logits (with the action read-out). It comes
    /// from a layer of its own, `action`, appended after `aux`'s outputs, so that a trained
    /// model can gain it without changing its other weights (`train_only = ["action"]`).
    pub fn aux_action_index(&self) -> i64 {
        self.aux_loudness_index() + self.readouts.loudness as i64
    }

    /// Number of values the read-out layer produces per step.
    pub fn outputs(&self) -> usize {
        self.pca.unwrap_or(self.bands)
    }
}

/// Statistics of the training data the model was trained with; stored in `config.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Normalization {
    /// Per-channel mean of the input pixels (RGB, in [0, 1]).
    pub pixel_mean: [f32; 3],
    /// Per-channel standard deviation of the input pixels.
    pub pixel_std: [f32; 3],
    /// Standard deviation of the gray-level difference between consecutive frames (in [0, 1]
    /// units), used to scale the `diff` spacetime channels.
    #[serde(default = "default_motion_std")]
    pub motion_std: f32,
    /// Per-band mean of the training cochleagrams.
    pub target_mean: Vec<f32>,
    /// Per-band standard deviation of the training cochleagrams (floored at 1e-3).
    pub target_std: Vec<f32>,
    /// With `pca = k`: k orthonormal principal directions (each `bands` long) of the
    /// standardised targets, strongest first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pca_basis: Option<Vec<Vec<f32>>>,
}

impl Normalization {
    /// Neutral statistics (used before any data has been seen, e.g. in tests).
    pub fn identity(cfg: &ModelConfig) -> Self {
        Normalization {
            pixel_mean: [0.5; 3],
            pixel_std: [0.25; 3],
            motion_std: default_motion_std(),
            target_mean: vec![0.0; cfg.bands],
            target_std: vec![1.0; cfg.bands],
            pca_basis: cfg.pca.map(|k| (0..k).map(|i| (0..cfg.bands).map(|b| (i == b) as u8 as f32).collect()).collect()),
        }
    }

    /// Check that the statistics fit the configuration.
    pub fn validate(&self, cfg: &ModelConfig) -> std::result::Result<(), String> {
        if self.target_mean.len() != cfg.bands || self.target_std.len() != cfg.bands {
            return Err(format!("normalisation statistics have {} bands, the model {}", self.target_mean.len(), cfg.bands));
        }
        if self.pixel_std.iter().chain(&self.target_std).chain([&self.motion_std]).any(|s| !(*s > 0.0) || !s.is_finite()) {
            return Err("normalisation standard deviations must be positive and finite".into());
        }
        match (&self.pca_basis, cfg.pca) {
            (None, None) => Ok(()),
            (Some(b), Some(k)) if b.len() == k && b.iter().all(|r| r.len() == cfg.bands) => Ok(()),
            _ => Err(format!("PCA basis does not match pca = {:?}", cfg.pca)),
        }
    }
}

fn default_motion_std() -> f32 {
    0.05
}
