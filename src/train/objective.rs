//! What training minimises: the cochleagram loss (robust or L2) plus the weighted losses of the
//! model's read-outs. The weights are the training config's (`[loss]`); which read-outs exist
//! is the model's architecture ([`ReadOuts`]).
use crate::error::{Error, Result};
use crate::model::{ModelConfig, ReadOuts};
use serde::{Deserialize, Serialize};
use tch::{Kind, Tensor};

/// Cochleagram loss per step, from the squared error d² = ‖s_t − ŝ_t‖² over the bands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Loss {
    /// log(ε + d²), the robust loss of Owens et al.
    Robust,
    /// d² (squared error).
    L2,
}

/// The losses and their weights (`[loss]` of a training config).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LossConfig {
    /// Cochleagram loss. Default `robust` (SPEC §4).
    pub kind: Loss,
    /// ε of the robust loss Σ_t log(ε + ‖s_t − ŝ_t‖²). Default 1/25² as in Owens et al.
    pub eps: f64,
    /// Weight of the onset read-out's loss: per step, whether an annotated action starts there
    /// (binary cross-entropy). It gives the CNNs a direct signal for *when* the stick touches.
    /// Default 1.
    pub onset: f64,
    /// Weight of the material read-out's loss: at the steps of each annotated action, its
    /// material (17 classes, cross-entropy), so the features learn *what* is under the tip.
    /// Default 0.5.
    pub material: f64,
    /// Weight of the hit-loudness read-out's loss: at the steps of each annotated action, ln of
    /// the real hit's loudness (squared error), learnt from how fast the stick approaches.
    /// Default 1.
    pub loudness: f64,
    /// Weight of the hit/scratch read-out's loss (binary cross-entropy). Default 0.
    pub action: f64,
}

impl Default for LossConfig {
    fn default() -> Self {
        LossConfig { kind: Loss::Robust, eps: 1.0 / 625.0, onset: 1.0, material: 0.5, loudness: 1.0, action: 0.0 }
    }
}

impl LossConfig {
    /// The read-outs these weights train (a weight above 0 needs its read-out).
    pub fn trained(&self) -> ReadOuts {
        ReadOuts { onset: self.onset > 0.0, material: self.material > 0.0, loudness: self.loudness > 0.0, action: self.action > 0.0 }
    }

    /// Weights non-negative, ε positive, and no weight for a read-out the model lacks.
    pub fn validate(&self, model: &ModelConfig) -> Result<()> {
        let p = |m: String| Err(Error::Param(m));
        if !(self.onset >= 0.0 && self.material >= 0.0 && self.loudness >= 0.0 && self.action >= 0.0) {
            return p("loss weights onset, material, loudness and action must be non-negative".into());
        }
        if !(self.eps > 0.0) {
            return p(format!("loss eps {} must be positive", self.eps));
        }
        let (want, have) = (self.trained(), model.readouts);
        for (name, w, h) in [
            ("onset", want.onset, have.onset),
            ("material", want.material, have.material),
            ("loudness", want.loudness, have.loudness),
            ("action", want.action, have.action),
        ] {
            if w && !h {
                return p(format!("[loss] {name} > 0 needs the {name} read-out: set [model.readouts] {name} = true"));
            }
        }
        Ok(())
    }

    /// The cochleagram loss: mean over steps of log(ε + ‖s_t − ŝ_t‖²) (robust) or of ‖·‖².
    /// (The paper sums over steps; the mean keeps the learning rate independent of the window.)
    pub fn cochleagram(&self, pred: &Tensor, target: &Tensor) -> Tensor {
        let d2 = (pred - target).square().sum_dim_intlist([-1i64].as_slice(), false, Kind::Float);
        match self.kind {
            Loss::Robust => (d2 + self.eps).log().mean(Kind::Float),
            Loss::L2 => d2.mean(Kind::Float),
        }
    }

    /// The read-outs' losses from [`crate::model::Net::forward_train`]'s logits: onset binary
    /// cross-entropy (`onset` `[B, T]` in {0, 1}; positives weighted by the negative/positive
    /// ratio, at most 50), material cross-entropy (`material` `[B, T]` class index, −1 = none),
    /// hit-loudness squared error (`log_loudness` `[B, T]`, ln of the real hit's loudness,
    /// NaN = none) and action binary cross-entropy (`scratch` `[B, T]`: 1 scratch, 0 hit,
    /// NaN = none), weighted. Returns (weighted sum, onset part, material part).
    pub fn read_outs(
        &self,
        model: &ModelConfig,
        logits: &Tensor,
        onset: &Tensor,
        material: &Tensor,
        log_loudness: &Tensor,
        scratch: &Tensor,
    ) -> (Tensor, f64, f64) {
        let dev = logits.device();
        let on_logit = logits.select(-1, 0);
        let pos = onset.sum(Kind::Float).double_value(&[]);
        let neg = onset.numel() as f64 - pos;
        let pw = Tensor::from_slice(&[((neg / pos.max(1.0)).min(50.0)) as f32]).to_device(dev);
        let l_on = on_logit.binary_cross_entropy_with_logits::<Tensor>(onset, None, Some(pw), tch::Reduction::Mean);
        let n_mat = crate::labels::Material::ALL.len() as i64;
        let has_mat = material.ge(0).any().int64_value(&[]) != 0;
        let l_mat = if has_mat {
            logits.narrow(-1, 1, n_mat).reshape([-1, n_mat]).cross_entropy_loss::<Tensor>(
                &material.reshape([-1]),
                None,
                tch::Reduction::Mean,
                -1,
                0.0,
            )
        } else {
            Tensor::zeros([], (Kind::Float, dev))
        };
        let (a, b) = (l_on.double_value(&[]), l_mat.double_value(&[]));
        let mut total = l_on * self.onset + l_mat * self.material;
        if model.readouts.loudness && self.loudness > 0.0 {
            let known = log_loudness.isnan().logical_not();
            if known.any().int64_value(&[]) != 0 {
                let pred = logits.select(-1, model.aux_loudness_index()).masked_select(&known);
                let l_loud = (pred - log_loudness.masked_select(&known)).square().mean(Kind::Float);
                total = total + l_loud * self.loudness;
            }
        }
        if model.readouts.action && self.action > 0.0 {
            let known = scratch.isnan().logical_not();
            if known.any().int64_value(&[]) != 0 {
                let logit = logits.select(-1, model.aux_action_index()).masked_select(&known);
                let l_act = logit.binary_cross_entropy_with_logits::<Tensor>(
                    &scratch.masked_select(&known),
                    None,
                    None,
                    tch::Reduction::Mean,
                );
                total = total + l_act * self.action;
            }
        }
        (total, a, b)
    }
}
