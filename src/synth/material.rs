//! The model's per-step material probabilities (its auxiliary read-out), used to steer
//! retrieval towards bank entries of the material the model sees under the stick.
use crate::dataset::Material;

/// Steps after a hit over which the material probabilities are averaged: the auxiliary
/// material loss is trained on the first 5 steps of each annotated action.
pub const MATERIAL_STEPS: usize = 5;

/// Probabilities over [`Material::ALL`] per envelope step, `[steps, classes]` row-major.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct MaterialProbs {
    pub data: Vec<f32>,
    pub classes: usize,
}

impl MaterialProbs {
    pub fn new(data: Vec<f32>, classes: usize) -> Self {
        MaterialProbs { data, classes }
    }

    pub fn steps(&self) -> usize {
        self.data.len().checked_div(self.classes).unwrap_or(0)
    }

    /// Append the steps of `other` (same classes).
    pub fn extend(&mut self, other: MaterialProbs) {
        if self.classes == 0 {
            self.classes = other.classes;
        }
        self.data.extend(other.data);
    }

    /// The most probable material over steps `step .. step + MATERIAL_STEPS`, with its mean
    /// probability; `None` past the end.
    pub fn at_hit(&self, step: usize) -> Option<(Material, f32)> {
        let (c, end) = (self.classes, (step + MATERIAL_STEPS).min(self.steps()));
        if step >= end || c != Material::ALL.len() {
            return None;
        }
        let mut mean = vec![0.0f32; c];
        for row in self.data[step * c..end * c].chunks_exact(c) {
            mean.iter_mut().zip(row).for_each(|(m, p)| *m += p);
        }
        let (i, p) = mean.iter().enumerate().fold((0, f32::MIN), |b, (i, &p)| if p > b.1 { (i, p) } else { b });
        Some((Material::ALL[i], p / (end - step) as f32))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argmax_over_the_hit_steps() {
        let c = Material::ALL.len();
        let mut data = vec![0.0f32; 20 * c];
        // Steps 10..15 favour class 3, the rest class 0.
        for t in 0..20 {
            data[t * c + if (10..15).contains(&t) { 3 } else { 0 }] = 1.0;
        }
        let m = MaterialProbs::new(data, c);
        assert_eq!(m.at_hit(10), Some((Material::ALL[3], 1.0)));
        assert_eq!(m.at_hit(12).unwrap().0, Material::ALL[3]);
        assert_eq!(m.at_hit(0).unwrap().0, Material::ALL[0]);
        assert_eq!(m.at_hit(20), None);
    }
}
