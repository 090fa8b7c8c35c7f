//! What the model's auxiliary read-out says at each envelope step besides the cochleagram:
//! the material under the stick and the loudness of a hit starting there. Example synthesis
//! uses them to pick bank entries of the right material and to set each hit's gain.
use crate::labels::Material;

/// Steps after a hit over which the read-out is averaged: the auxiliary material and
/// loudness losses are trained on the first 5 steps of each annotated action.
pub const GUIDE_STEPS: usize = 5;

/// Per-step read-out, aligned with the predicted cochleagram.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Guide {
    /// Probabilities over [`Material::ALL`], `[steps, classes]` row-major (empty if the
    /// model has no material read-out).
    pub material: Vec<f32>,
    pub classes: usize,
    /// Predicted ln(loudness) (`synth::window_loudness` of a hit starting at the step), one
    /// per step (empty if the model has no loudness read-out).
    pub log_loudness: Vec<f32>,
    /// Probability that an annotated action starts at the step, one per step (empty if the
    /// model has no onset read-out).
    pub onset: Vec<f32>,
    /// Probability that an action starting at the step is a scratch rather than a hit, one
    /// per step (empty if the model has no action read-out).
    pub scratch: Vec<f32>,
}

impl Guide {
    pub fn is_empty(&self) -> bool {
        self.material.is_empty() && self.log_loudness.is_empty() && self.onset.is_empty() && self.scratch.is_empty()
    }

    /// Append the steps of `other`.
    pub fn extend(&mut self, other: Guide) {
        if self.classes == 0 {
            self.classes = other.classes;
        }
        self.material.extend(other.material);
        self.log_loudness.extend(other.log_loudness);
        self.onset.extend(other.onset);
        self.scratch.extend(other.scratch);
    }

    fn material_steps(&self) -> usize {
        self.material.len().checked_div(self.classes).unwrap_or(0)
    }

    /// The most probable material over steps `step .. step + GUIDE_STEPS`, with its mean
    /// probability; `None` past the end or without a material read-out.
    pub fn material_at_hit(&self, step: usize) -> Option<(Material, f32)> {
        let (c, end) = (self.classes, (step + GUIDE_STEPS).min(self.material_steps()));
        if step >= end || c != Material::ALL.len() {
            return None;
        }
        let mut mean = vec![0.0f32; c];
        for row in self.material[step * c..end * c].chunks_exact(c) {
            mean.iter_mut().zip(row).for_each(|(m, p)| *m += p);
        }
        let (i, p) = mean.iter().enumerate().fold((0, f32::MIN), |b, (i, &p)| if p > b.1 { (i, p) } else { b });
        Some((Material::ALL[i], p / (end - step) as f32))
    }

    /// The predicted loudness of a hit at `step` (geometric mean over `GUIDE_STEPS` steps);
    /// `None` past the end or without a loudness read-out.
    pub fn loudness_at_hit(&self, step: usize) -> Option<f32> {
        let end = (step + GUIDE_STEPS).min(self.log_loudness.len());
        (step < end).then(|| (self.log_loudness[step..end].iter().sum::<f32>() / (end - step) as f32).exp())
    }

    /// Whether the action at `step` is a scratch (mean probability over `GUIDE_STEPS` steps
    /// at least ½) or a hit; `None` past the end or without an action read-out.
    pub fn action_at_hit(&self, step: usize) -> Option<crate::labels::ActionKind> {
        let end = (step + GUIDE_STEPS).min(self.scratch.len());
        (step < end).then(|| {
            let p = self.scratch[step..end].iter().sum::<f32>() / (end - step) as f32;
            if p >= 0.5 { crate::labels::ActionKind::Scratch } else { crate::labels::ActionKind::Hit }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_out_over_the_hit_steps() {
        let c = Material::ALL.len();
        let mut material = vec![0.0f32; 20 * c];
        // Steps 10..15 favour class 3, the rest class 0.
        for t in 0..20 {
            material[t * c + if (10..15).contains(&t) { 3 } else { 0 }] = 1.0;
        }
        let log_loudness = (0..20).map(|t| if t >= 10 { 0.5f32.ln() } else { 0.1f32.ln() }).collect();
        let g = Guide { material, classes: c, log_loudness, onset: Vec::new(), scratch: Vec::new() };
        assert_eq!(g.material_at_hit(10), Some((Material::ALL[3], 1.0)));
        assert_eq!(g.material_at_hit(12).unwrap().0, Material::ALL[3]);
        assert_eq!(g.material_at_hit(0).unwrap().0, Material::ALL[0]);
        assert_eq!(g.material_at_hit(20), None);
        assert!((g.loudness_at_hit(10).unwrap() - 0.5).abs() < 1e-6);
        assert!((g.loudness_at_hit(0).unwrap() - 0.1).abs() < 1e-6);
        assert_eq!(g.loudness_at_hit(20), None);
        assert_eq!(Guide::default().material_at_hit(0), None);
        assert_eq!(g.action_at_hit(0), None);
    }

    #[test]
    fn action_over_the_hit_steps() {
        use crate::labels::ActionKind;
        // Steps 10..15 say scratch (0.9), the rest hit (0.2).
        let scratch = (0..20).map(|t| if (10..15).contains(&t) { 0.9 } else { 0.2 }).collect();
        let g = Guide { scratch, ..Guide::default() };
        assert_eq!(g.action_at_hit(10), Some(ActionKind::Scratch));
        assert_eq!(g.action_at_hit(8), Some(ActionKind::Scratch)); // mean (2·0.2 + 3·0.9)/5 = 0.62
        assert_eq!(g.action_at_hit(7), Some(ActionKind::Hit)); // (3·0.2 + 2·0.9)/5 = 0.48
        assert_eq!(g.action_at_hit(8).map(|a| a.as_str()), Some("scratch"));
        assert_eq!(g.action_at_hit(2), Some(ActionKind::Hit));
        assert_eq!(g.action_at_hit(20), None);
    }
}
