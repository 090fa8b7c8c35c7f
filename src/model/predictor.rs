//! Streaming prediction: frames in, cochleagram steps out, LSTM state carried across chunks so
//! any length of video runs in bounded memory.
use super::net::Carry;
use super::Model;
use crate::cochleagram::Cochleagram;
use crate::error::{Error, Result};
use super::Guide;
use tch::{Kind, Tensor};

/// Most frames run through the network in one forward pass.
const MAX_CHUNK: usize = 64;

/// Predicts the cochleagram of a video pushed frame by frame (RGB u8, `height x width x 3`,
/// at the model's input size and frame rate). Each frame yields `steps_per_frame` steps; a
/// frame is predicted once its successor is known (the spacetime image needs frame t+1), so
/// [`Predictor::push`] lags one frame and [`Predictor::finish`] returns the rest.
pub struct Predictor<'a> {
    model: &'a Model,
    /// The frame before `pending[0]` (context t−1), if any.
    prev: Option<Vec<u8>>,
    pending: Vec<Vec<u8>>,
    /// Index in the video of `pending[0]`.
    next: usize,
    carry: Option<Carry>,
    /// Auxiliary read-out of the steps returned so far and not yet taken.
    guide: Guide,
}

impl<'a> Predictor<'a> {
    pub(super) fn new(model: &'a Model) -> Self {
        Predictor { model, prev: None, pending: Vec::new(), next: 0, carry: None, guide: Guide::default() }
    }

    /// Bytes per frame the model expects.
    pub fn frame_bytes(&self) -> usize {
        let c = self.model.config();
        (c.width * c.height * 3) as usize
    }

    /// Push frames (RGB u8 `height x width x 3` each, at the model's input size); returns
    /// the steps that became ready (possibly none).
    pub fn push_images(&mut self, images: &[&[u8]]) -> Result<Cochleagram> {
        let want = self.frame_bytes();
        for (i, img) in images.iter().enumerate() {
            if img.len() != want {
                let c = self.model.config();
                return Err(Error::Param(format!(
                    "frame {} has {} bytes, the model wants {}x{} RGB ({want} bytes)",
                    self.next + self.pending.len() + i,
                    img.len(),
                    c.width,
                    c.height
                )));
            }
        }
        self.pending.extend(images.iter().map(|i| i.to_vec()));
        let mut out = Vec::new();
        while self.pending.len() >= 2 {
            let n = (self.pending.len() - 1).min(MAX_CHUNK);
            out.extend(self.run(n, false)?);
        }
        Ok(self.cochleagram(out))
    }

    /// Push frames as produced by the video reader (`video::Frame` RGB at the model size).
    #[cfg(feature = "video")]
    pub fn push(&mut self, frames: &[crate::video::Frame]) -> Result<Cochleagram> {
        let c = self.model.config();
        if let Some(f) = frames.iter().find(|f| f.width != c.width || f.height != c.height) {
            return Err(Error::Param(format!(
                "frame {} is {}x{}, the model wants {}x{}: sample the video at the model's input size",
                f.index, f.width, f.height, c.width, c.height
            )));
        }
        let imgs: Vec<&[u8]> = frames.iter().map(|f| f.rgb.as_slice()).collect();
        self.push_images(&imgs)
    }

    /// Predict the last pushed frame (its t+1 replicates it) and return its steps.
    pub fn finish(&mut self) -> Result<Cochleagram> {
        let out = if self.pending.is_empty() { Vec::new() } else { self.run(1, true)? };
        Ok(self.cochleagram(out))
    }

    /// The auxiliary read-out (material probabilities, hit loudness) of the steps returned
    /// since the last call, aligned with them; `None` for a model trained without those losses.
    pub fn take_guide(&mut self) -> Option<Guide> {
        let g = std::mem::take(&mut self.guide);
        (!g.is_empty()).then_some(g)
    }

    /// Number of frames predicted so far.
    pub fn frames_done(&self) -> usize {
        self.next
    }

    /// Predict `pending[..n]`; `last` = the final frame of the video (no successor).
    fn run(&mut self, n: usize, last: bool) -> Result<Vec<f32>> {
        let fb = self.frame_bytes();
        let mut bytes = Vec::with_capacity((n + 2) * fb);
        bytes.extend_from_slice(self.prev.as_deref().unwrap_or(&self.pending[0]));
        for f in &self.pending[..n] {
            bytes.extend_from_slice(f);
        }
        bytes.extend_from_slice(if last { &self.pending[n - 1] } else { &self.pending[n] });
        let c = self.model.config();
        let frames = Tensor::from_slice(&bytes).view([1, n as i64 + 2, c.height as i64, c.width as i64, 3]);
        let (pred, aux, carry) =
            tch::no_grad(|| self.model.net().forward_frames(&frames, self.next, self.carry.as_ref(), false));
        self.carry = Some(carry);
        let to_vec = |t: Tensor, what: &str| {
            let t = t.to_kind(Kind::Float).to_device(tch::Device::Cpu).contiguous().view([-1]);
            Vec::<f32>::try_from(&t).map_err(|e| Error::Param(format!("{what}: {e}")))
        };
        let mut g = Guide::default();
        if let Some(m) = aux.material {
            g.classes = m.size()[2] as usize;
            g.material = to_vec(m, "auxiliary read-out")?;
        }
        if let Some(l) = aux.log_loudness {
            g.log_loudness = to_vec(l, "auxiliary read-out")?;
        }
        if let Some(o) = aux.onset {
            g.onset = to_vec(o, "auxiliary read-out")?;
        }
        if let Some(s) = aux.scratch {
            g.scratch = to_vec(s, "auxiliary read-out")?;
        }
        self.guide.extend(g);
        let v = to_vec(pred.clamp(0.0, 1.0), "prediction")?;
        let mut drained: Vec<Vec<u8>> = self.pending.drain(..n).collect();
        self.prev = drained.pop();
        self.next += n;
        Ok(v)
    }

    fn cochleagram(&self, data: Vec<f32>) -> Cochleagram {
        let c = self.model.config();
        Cochleagram::new(data, c.bands, c.step_rate())
    }
}
