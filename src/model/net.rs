//! The network of SPEC §4: an RGB stream and a spacetime stream (CNNs), per-frame features
//! fused, repeated `steps_per_frame` times, an LSTM at 90 Hz and a linear read-out.
//!
//! Variable names follow PyTorch conventions (`rgb.convs.0.weight`, `lstm.weight_ih_l0`, ...)
//! so that `tools/baseline_train.py` builds the same parameters under the same names.
use super::config::{Backbone, Fusion, ModelConfig, Normalization, Spacetime, Temporal};
use tch::nn::{self, Module, ModuleT, RNN};
use tch::{Device, Kind, Tensor};

/// ITU-R BT.601 luma weights used for the grayscale frames of the spacetime image.
pub const LUMA: [f32; 3] = [0.299, 0.587, 0.114];

enum Stream {
    Small(Vec<nn::Conv2D>),
    Resnet(nn::FuncT<'static>),
}

impl Stream {
    fn new(p: &nn::Path, cfg: &ModelConfig) -> Stream {
        match cfg.backbone {
            Backbone::Small => {
                let mut convs = Vec::new();
                let mut cin = 3;
                for (i, &c) in cfg.channels.iter().enumerate() {
                    let (k, st) = if i == 0 { (cfg.stem_kernel, cfg.stem_stride) } else { (3, 2) };
                    let pad = if i == 0 && st == k { 0 } else { k / 2 };
                    let cc = nn::ConvConfig { stride: st, padding: pad, ..torch_default_conv(cin * k * k) };
                    convs.push(nn::conv2d(p / "convs" / i, cin, c, k, cc));
                    cin = c;
                }
                Stream::Small(convs)
            }
            Backbone::Resnet18 => Stream::Resnet(tch::vision::resnet::resnet18_no_final_layer(&(p / "backbone"))),
        }
    }

    /// [N, 3, H, W] → feature maps [N, C, h, w] (small) or pooled [N, 512] (ResNet).
    fn forward(&self, x: &Tensor, train: bool) -> Tensor {
        match self {
            Stream::Small(convs) => convs.iter().fold(x.shallow_clone(), |x, c| c.forward(&x).relu()),
            Stream::Resnet(f) => f.forward_t(x, train),
        }
    }

    fn out_channels(&self, cfg: &ModelConfig) -> i64 {
        match self {
            Stream::Small(_) => *cfg.channels.last().unwrap_or(&1),
            Stream::Resnet(_) => 512,
        }
    }
}

struct SpatialFuse {
    mix: nn::Conv2D,
    grid: nn::Conv2D,
}

/// The network. Built on a [`nn::Path`]; holds the normalisation statistics as constants.
pub struct Net {
    cfg: ModelConfig,
    rgb: Option<Stream>,
    st: Option<Stream>,
    fuse: Option<SpatialFuse>,
    proj: nn::Linear,
    norm: nn::LayerNorm,
    seq: Sequence,
    head: nn::Linear,
    aux: Option<nn::Linear>,
    /// The scratch logit (models trained with the action loss), after `aux`'s outputs.
    action: Option<nn::Linear>,
    pixel_mean: Tensor,
    pixel_std: Tensor,
    gray_mean: f64,
    gray_std: f64,
    motion_std: f64,
    target_mean: Tensor,
    target_std: Tensor,
    pca: Option<Tensor>,
}

/// The temporal part: per-frame features (repeated per step) → per-step hidden vectors.
enum Sequence {
    Lstm(nn::LSTM),
    /// Per-frame fully connected layer (no memory).
    Frame(nn::Linear),
}

/// The auxiliary read-out at prediction time.
pub struct AuxOut {
    /// Material probabilities `[B, T, materials]` (models trained with the material loss).
    pub material: Option<Tensor>,
    /// Predicted ln(loudness) of a hit starting at each step, `[B, T]` (models trained with
    /// the loudness loss).
    pub log_loudness: Option<Tensor>,
    /// Probability that an annotated action starts at each step, `[B, T]` (models trained
    /// with the onset loss).
    pub onset: Option<Tensor>,
    /// Probability that an action starting at each step is a scratch rather than a hit,
    /// `[B, T]` (models trained with the action loss).
    pub scratch: Option<Tensor>,
}

/// LSTM state carried across chunks when streaming.
pub type State = nn::LSTMState;

/// What [`Net::forward_frames`] returns besides the prediction, for the next chunk.
pub struct Carry {
    /// LSTM state (none without an LSTM).
    pub state: Option<State>,
    /// RGB-stream output of the last RGB source frame (held while `rgb_every > 1`).
    pub rgb: Option<Tensor>,
}

impl Net {
    pub fn new(p: &nn::Path, cfg: &ModelConfig, norm: &Normalization) -> Net {
        let dev = p.device();
        let rgb = cfg.streams.rgb().then(|| Stream::new(&(p / "rgb"), cfg));
        let st = cfg.streams.spacetime().then(|| Stream::new(&(p / "st"), cfg));
        // Channels of all present streams together.
        let c = rgb.iter().chain(&st).map(|s| s.out_channels(cfg)).sum::<i64>();
        let (fuse, proj_in) = match cfg.effective_fusion() {
            Fusion::Spatial => {
                let cc = nn::ConvConfig { stride: 2, padding: 1, ..torch_default_conv(c * 9) };
                let mix = nn::conv2d(p / "fuse" / "mix", c, cfg.fused_channels, 3, cc);
                let grid = nn::conv2d(p / "fuse" / "grid", cfg.fused_channels, cfg.grid_channels, 1, torch_default_conv(cfg.fused_channels));
                let (gw, gh) = cfg.grid_size();
                (Some(SpatialFuse { mix, grid }), cfg.grid_channels * gw * gh)
            }
            Fusion::Pool => (None, c),
        };
        let proj = nn::linear(p / "proj", proj_in, cfg.feature_dim, torch_default_linear(proj_in));
        // Layer norm on the per-frame features keeps the LSTM's gates out of saturation
        // whatever the scale of the CNN activations (without it the synthetic set's moving
        // stick, ±17 σ in the difference channels, saturated them and nothing was learned).
        let feat_norm = nn::layer_norm(p / "norm", vec![cfg.feature_dim], Default::default());
        let seq = match cfg.temporal {
            Temporal::Lstm => Sequence::Lstm(nn::lstm(p / "lstm", cfg.feature_dim, cfg.hidden, torch_default_lstm(cfg.hidden))),
            Temporal::None => Sequence::Frame(nn::linear(p / "frame", cfg.feature_dim, cfg.hidden, torch_default_linear(cfg.feature_dim))),
        };
        // Small read-out weights: the model starts by predicting the training mean.
        let head_cfg = nn::LinearConfig { ws_init: nn::Init::Uniform { lo: -1e-3, up: 1e-3 }, ..torch_default_linear(cfg.hidden) };
        let head = nn::linear(p / "head", cfg.hidden, cfg.outputs() as i64, head_cfg);
        let aux = match cfg.aux_outputs() {
            0 => None,
            n => Some(nn::linear(p / "aux", cfg.hidden, n, torch_default_linear(cfg.hidden))),
        };
        let action = (cfg.readouts.action).then(|| nn::linear(p / "action", cfg.hidden, 1, torch_default_linear(cfg.hidden)));
        let t = |v: &[f32]| Tensor::from_slice(v).to_device(dev);
        let gray_mean = LUMA.iter().zip(norm.pixel_mean).map(|(w, m)| (w * m) as f64).sum();
        let gray_std = LUMA.iter().zip(norm.pixel_std).map(|(w, s)| (w * s) as f64).sum();
        let pca = norm.pca_basis.as_ref().map(|rows| {
            let flat: Vec<f32> = rows.iter().flatten().copied().collect();
            t(&flat).view([rows.len() as i64, cfg.bands as i64])
        });
        Net {
            cfg: cfg.clone(),
            rgb,
            st,
            fuse,
            proj,
            norm: feat_norm,
            seq,
            head,
            aux,
            action,
            pixel_mean: t(&norm.pixel_mean).view([1, 3, 1, 1]),
            pixel_std: t(&norm.pixel_std).view([1, 3, 1, 1]),
            gray_mean,
            gray_std,
            motion_std: norm.motion_std as f64,
            target_mean: t(&norm.target_mean),
            target_std: t(&norm.target_std),
            pca,
        }
    }

    pub fn config(&self) -> &ModelConfig {
        &self.cfg
    }

    pub fn device(&self) -> Device {
        self.target_mean.device()
    }

    /// Forward over frames `[B, n + 2, H, W, 3]` (u8 RGB; the first and last are the context
    /// frames t−1 of the first and t+1 of the last predicted frame) → cochleagram steps
    /// `[B, n·steps_per_frame, bands]`.
    ///
    /// `phase` is the index of the first predicted frame in its clip (it decides which frames
    /// the RGB stream sees when `rgb_every > 1`); `carry` the previous chunk's state.
    ///
    /// Also returns what the auxiliary read-out says (for the losses it was trained with).
    pub fn forward_frames(&self, frames: &Tensor, phase: usize, carry: Option<&Carry>, train: bool) -> (Tensor, AuxOut, Carry) {
        let (pred, out, carry) = self.forward_impl(frames, phase, carry, train);
        let mut aux_out = AuxOut { material: None, log_loudness: None, onset: None, scratch: None };
        if let Some(logits) = self.read_out(&out) {
            let m = crate::labels::Material::ALL.len() as i64;
            if self.cfg.readouts.onset {
                aux_out.onset = Some(logits.select(-1, 0).sigmoid());
            }
            if self.cfg.readouts.material {
                aux_out.material = Some(logits.narrow(-1, 1, m).softmax(-1, Kind::Float));
            }
            if self.cfg.readouts.loudness {
                aux_out.log_loudness = Some(logits.select(-1, self.cfg.aux_loudness_index()));
            }
            if self.cfg.readouts.action {
                aux_out.scratch = Some(logits.select(-1, self.cfg.aux_action_index()).sigmoid());
            }
        }
        (pred, aux_out, carry)
    }

    /// Training forward over windows (no carried state): the cochleagram steps and, when the
    /// config has auxiliary losses, their logits `[B, n·steps_per_frame, aux outputs]`.
    /// `train`: training mode (false for frozen layers: batch norm keeps its statistics).
    pub fn forward_train(&self, frames: &Tensor, train: bool) -> (Tensor, Option<Tensor>) {
        let (pred, out, _) = self.forward_impl(frames, 0, None, train);
        (pred, self.read_out(&out))
    }

    /// Auxiliary logits of the LSTM output: `aux`'s, then the `action` layer's.
    fn read_out(&self, out: &Tensor) -> Option<Tensor> {
        let aux = self.aux.as_ref()?.forward(out);
        Some(match &self.action {
            Some(a) => Tensor::cat(&[aux, a.forward(out)], -1),
            None => aux,
        })
    }

    fn forward_impl(&self, frames: &Tensor, phase: usize, carry: Option<&Carry>, train: bool) -> (Tensor, Tensor, Carry) {
        let (b, f) = match frames.size()[..] {
            [b, f, _, _, 3] if f >= 3 => (b, f),
            ref s => panic!("forward_frames wants [B, n+2, H, W, 3] u8 frames, got {s:?}"),
        };
        let n = f - 2;
        let x = frames.to_device(self.device()).to_kind(Kind::Float).permute([0, 1, 4, 2, 3]) * (1.0 / 255.0);
        let mut maps = Vec::with_capacity(2);
        let mut last_rgb = None;
        if let Some(rgb) = &self.rgb {
            let (maps_rgb, last) = self.rgb_maps(rgb, &x, phase, carry, train);
            maps.push(maps_rgb);
            last_rgb = Some(last);
        }
        if let Some(st) = &self.st {
            maps.push(self.spacetime_maps(st, &x, train));
        }
        let feats = self.fuse_features(&maps).reshape([b, n, -1]);
        let k = self.cfg.steps_per_frame as i64;
        let seq = feats.unsqueeze(2).expand([b, n, k, self.cfg.feature_dim], false).reshape([b, n * k, self.cfg.feature_dim]);
        let (out, state) = match &self.seq {
            Sequence::Lstm(lstm) => {
                let state = match carry.and_then(|c| c.state.as_ref()) {
                    Some(s) => nn::LSTMState((s.h(), s.c())),
                    None => lstm.zero_state(b),
                };
                let (out, state) = lstm.seq_init(&seq, &state);
                (out, Some(state))
            }
            // tanh: the same range as the LSTM's hidden output.
            Sequence::Frame(fc) => (fc.forward(&seq).tanh(), None),
        };
        let z = self.head.forward(&out);
        (self.decode(&z), out, Carry { state, rgb: last_rgb })
    }

    /// Spacetime stream over gray t−1, t, t+1 of every predicted frame of `x` `[B, n+2, 3, H, W]`.
    fn spacetime_maps(&self, net: &Stream, x: &Tensor, train: bool) -> Tensor {
        let (b, n, h, w) = (x.size()[0], x.size()[1] - 2, x.size()[3], x.size()[4]);
        let luma = Tensor::from_slice(&LUMA).to_device(self.device()).view([1, 1, 3, 1, 1]);
        let gray = (x * luma).sum_dim_intlist([2i64].as_slice(), false, Kind::Float);
        let (g0, g1, g2) = (gray.narrow(1, 0, n), gray.narrow(1, 1, n), gray.narrow(1, 2, n));
        let st = match self.cfg.spacetime {
            Spacetime::Stack => (Tensor::stack(&[g0, g1, g2], 2) - self.gray_mean) / self.gray_std,
            Spacetime::Diff => {
                let d2 = (&g2 - &g1) / self.motion_std;
                let d0 = (&g1 - &g0) / self.motion_std;
                Tensor::stack(&[(g1 - self.gray_mean) / self.gray_std, d2, d0], 2)
            }
        };
        net.forward(&st.reshape([b * n, 3, h, w]), train)
    }

    /// RGB stream on the predicted frames of `x` `[B, n+2, 3, H, W]`: one map per frame (held
    /// between source frames when `rgb_every > 1`), and the last source frame's map to carry.
    fn rgb_maps(&self, net: &Stream, x: &Tensor, phase: usize, carry: Option<&Carry>, train: bool) -> (Tensor, Tensor) {
        let (b, n, h, w) = (x.size()[0], x.size()[1] - 2, x.size()[3], x.size()[4]);
        let every = self.cfg.rgb_every;
        let centre = x.narrow(1, 1, n);
        let normalise = |t: Tensor| (t - &self.pixel_mean) / &self.pixel_std;
        if every == 1 {
            let r = net.forward(&normalise(centre.reshape([b * n, 3, h, w])), train);
            let last = r.reshape([b, n, -1]).select(1, n - 1).shallow_clone();
            return (r, last);
        }
        let held = carry.and_then(|c| c.rgb.as_ref()).map(|t| t.shallow_clone());
        let mut sources: Vec<i64> = (0..n as usize).filter(|i| (phase + i) % every == 0).map(|i| i as i64).collect();
        if held.is_none() && sources.first() != Some(&0) {
            // A window that starts between source frames: its first frame stands in.
            sources.insert(0, 0);
        }
        // Table [held?, local sources...] and the index each position takes from it.
        let mut parts = Vec::new();
        let off = match &held {
            Some(hd) => {
                parts.push(hd.reshape([b, 1, -1]));
                1
            }
            None => 0,
        };
        if !sources.is_empty() {
            let idx = Tensor::from_slice(&sources).to_device(self.device());
            let imgs = centre.index_select(1, &idx).reshape([b * sources.len() as i64, 3, h, w]);
            parts.push(net.forward(&normalise(imgs), train).reshape([b, sources.len() as i64, -1]));
        }
        let table = Tensor::cat(&parts, 1);
        let pick: Vec<i64> = (0..n as usize)
            .map(|i| {
                let src = (phase + i) / every * every;
                if src < phase {
                    // Before this chunk: the held map, or (no carry) the stand-in first frame.
                    0
                } else {
                    off + sources.iter().position(|&s| s as usize == src - phase).unwrap_or(0) as i64
                }
            })
            .collect();
        let chosen = table.index_select(1, &Tensor::from_slice(&pick).to_device(self.device()));
        let last = table.select(1, table.size()[1] - 1).shallow_clone();
        let shape = match net {
            Stream::Small(_) => {
                let (mw, mh) = self.cfg.map_size();
                vec![b * n, net.out_channels(&self.cfg), mh, mw]
            }
            Stream::Resnet(_) => vec![b * n, -1],
        };
        (chosen.reshape(shape), last)
    }

    /// Per-frame feature vectors from the present streams' maps.
    fn fuse_features(&self, maps: &[Tensor]) -> Tensor {
        match &self.fuse {
            Some(f) => {
                let x = Tensor::cat(maps, 1);
                let x = f.mix.forward(&x).relu();
                let x = f.grid.forward(&x).relu().flatten(1, -1);
                self.norm.forward(&self.proj.forward(&x)).relu()
            }
            None => {
                let pool = |t: &Tensor| if t.dim() == 4 { t.mean_dim([2i64, 3].as_slice(), false, Kind::Float) } else { t.shallow_clone() };
                let pooled: Vec<Tensor> = maps.iter().map(pool).collect();
                self.norm.forward(&self.proj.forward(&Tensor::cat(&pooled, 1))).relu()
            }
        }
    }

    /// Read-out values → cochleagram: de-standardise (and project back from PCA).
    fn decode(&self, z: &Tensor) -> Tensor {
        let std = match &self.pca {
            Some(basis) => z.matmul(basis),
            None => z.shallow_clone(),
        };
        std * &self.target_std + &self.target_mean
    }
}

// Initialisation as PyTorch's own layers do it (`reset_parameters` of Conv2d, Linear, LSTM):
// weights and biases uniform in ±1/√fan_in (±1/√hidden for the LSTM). tch's defaults
// (Kaiming-uniform weights with the ReLU gain, zero biases) start with weights √6 times
// larger; with them the default design learned hits markedly later
// (1 min on 1 thread on tools/bench_train's set: validation onset AP 0.27 with tch's
// defaults, 0.54 with these).
fn torch_uniform(fan_in: i64) -> nn::Init {
    let b = 1.0 / (fan_in.max(1) as f64).sqrt();
    nn::Init::Uniform { lo: -b, up: b }
}

fn torch_default_conv(fan_in: i64) -> nn::ConvConfig {
    nn::ConvConfig { ws_init: torch_uniform(fan_in), bs_init: torch_uniform(fan_in), ..Default::default() }
}

fn torch_default_linear(fan_in: i64) -> nn::LinearConfig {
    nn::LinearConfig { ws_init: torch_uniform(fan_in), bs_init: Some(torch_uniform(fan_in)), bias: true }
}

fn torch_default_lstm(hidden: i64) -> nn::RNNConfig {
    let u = torch_uniform(hidden);
    nn::RNNConfig { w_ih_init: u, w_hh_init: u, b_ih_init: Some(u), b_hh_init: Some(u), ..Default::default() }
}
