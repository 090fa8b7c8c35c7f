//! Material classification (SPEC §7): a linear classifier on cochleagram windows at hits.
//!
//! Features: the cochleagram steps from `round(t·rate) − 2` to `round(t·rate) + 12` (15 steps,
//! ≈ 170 ms at 90 Hz: the attack and the decay that carry the material), all bands, flattened,
//! zeros beyond the ends. Classifier: a ridge-regression classifier (one-vs-rest ±1 targets,
//! features standardised with the training mean/std, closed-form solve by Cholesky), the
//! regularisation λ chosen from a fixed grid on a deterministic hold-out (every 5th training
//! example), then refit on all training examples. Prediction: the class with the largest score.
use crate::cochleagram::Cochleagram;
use crate::error::{Error, Result};
use crate::labels::Action;

/// Steps before and after the hit step in a feature window.
pub const WINDOW_BEFORE: usize = 2;
pub const WINDOW_AFTER: usize = 12;
/// λ grid, relative to the number of training examples.
const LAMBDAS: [f64; 6] = [1e-3, 1e-2, 1e-1, 1.0, 10.0, 100.0];

/// The flattened cochleagram window at `time` seconds.
pub fn hit_features(c: &Cochleagram, time: f64) -> Vec<f32> {
    let centre = (time * c.rate).round() as isize;
    let mut out = Vec::with_capacity((WINDOW_BEFORE + 1 + WINDOW_AFTER) * c.bands);
    for t in centre - WINDOW_BEFORE as isize..=centre + WINDOW_AFTER as isize {
        if t >= 0 && (t as usize) < c.frames() {
            out.extend_from_slice(c.frame(t as usize));
        } else {
            out.extend(std::iter::repeat_n(0.0, c.bands));
        }
    }
    out
}

/// A fitted linear classifier over `classes` labels `0..classes`.
#[derive(Clone, Debug)]
pub struct LinearClassifier {
    mean: Vec<f64>,
    scale: Vec<f64>,
    /// `classes` rows of `dim` weights.
    weights: Vec<Vec<f64>>,
    bias: Vec<f64>,
    /// The λ picked on the hold-out (absolute).
    pub lambda: f64,
}

impl LinearClassifier {
    /// Fit on `(features, label)` pairs, labels in `0..classes`.
    pub fn fit(examples: &[(Vec<f32>, usize)], classes: usize) -> Result<Self> {
        if examples.len() < 2 || classes < 2 {
            return Err(Error::Param(format!(
                "material classifier needs at least 2 training hits and 2 classes (got {} hits, {classes} classes)",
                examples.len()
            )));
        }
        let dim = examples[0].0.len();
        if examples.iter().any(|(x, y)| x.len() != dim || *y >= classes) {
            return Err(Error::Param("material classifier: inconsistent feature length or label".into()));
        }
        let (held, fit): (Vec<_>, Vec<_>) = examples.iter().enumerate().partition(|(i, _)| i % 5 == 4);
        let fit: Vec<&(Vec<f32>, usize)> = fit.into_iter().map(|(_, e)| e).collect();
        let held: Vec<&(Vec<f32>, usize)> = held.into_iter().map(|(_, e)| e).collect();
        let mut best = (f64::NEG_INFINITY, LAMBDAS[0]);
        if !held.is_empty() && fit.len() >= 2 {
            for rel in LAMBDAS {
                let lambda = rel * fit.len() as f64;
                let m = Self::solve(&fit, classes, lambda);
                let acc = m.accuracy(held.iter().map(|(x, y)| (x.as_slice(), *y)));
                if acc > best.0 {
                    best = (acc, rel);
                }
            }
        }
        let all: Vec<&(Vec<f32>, usize)> = examples.iter().collect();
        Ok(Self::solve(&all, classes, best.1 * all.len() as f64))
    }

    fn solve(examples: &[&(Vec<f32>, usize)], classes: usize, lambda: f64) -> Self {
        let n = examples.len() as f64;
        let dim = examples[0].0.len();
        let mut mean = vec![0.0; dim];
        for (x, _) in examples {
            for (m, v) in mean.iter_mut().zip(x) {
                *m += *v as f64 / n;
            }
        }
        let mut scale = vec![0.0; dim];
        for (x, _) in examples {
            for ((s, v), m) in scale.iter_mut().zip(x).zip(&mean) {
                *s += (*v as f64 - m).powi(2) / n;
            }
        }
        // Constant features get scale 1 (they standardise to 0).
        let scale: Vec<f64> = scale.iter().map(|v| if *v > 1e-12 { 1.0 / v.sqrt() } else { 1.0 }).collect();
        let z: Vec<Vec<f64>> = examples
            .iter()
            .map(|(x, _)| x.iter().zip(&mean).zip(&scale).map(|((v, m), s)| (*v as f64 - m) * s).collect())
            .collect();
        // Targets ±1, centred per class so no bias term needs regularising.
        let target = |y: usize, c: usize| if y == c { 1.0 } else { -1.0 };
        let ymean: Vec<f64> =
            (0..classes).map(|c| examples.iter().map(|(_, y)| target(*y, c)).sum::<f64>() / n).collect();
        let mut gram = vec![0.0; dim * dim];
        for row in &z {
            for i in 0..dim {
                let ri = row[i];
                if ri == 0.0 {
                    continue;
                }
                let g = &mut gram[i * dim..(i + 1) * dim];
                for (gj, rj) in g[..=i].iter_mut().zip(row) {
                    *gj += ri * rj;
                }
            }
        }
        for i in 0..dim {
            for j in 0..i {
                gram[j * dim + i] = gram[i * dim + j];
            }
            gram[i * dim + i] += lambda;
        }
        let chol = cholesky(&gram, dim);
        let weights = (0..classes)
            .map(|c| {
                let mut rhs = vec![0.0; dim];
                for (row, (_, y)) in z.iter().zip(examples) {
                    let t = target(*y, c) - ymean[c];
                    for (r, v) in rhs.iter_mut().zip(row) {
                        *r += v * t;
                    }
                }
                cholesky_solve(&chol, dim, rhs)
            })
            .collect();
        LinearClassifier { mean, scale, weights, bias: ymean, lambda }
    }

    /// Class scores for one feature vector.
    pub fn scores(&self, x: &[f32]) -> Vec<f64> {
        let z: Vec<f64> = x.iter().zip(&self.mean).zip(&self.scale).map(|((v, m), s)| (*v as f64 - m) * s).collect();
        self.weights.iter().zip(&self.bias).map(|(w, b)| b + w.iter().zip(&z).map(|(a, b)| a * b).sum::<f64>()).collect()
    }

    /// The predicted label.
    pub fn predict(&self, x: &[f32]) -> usize {
        let s = self.scores(x);
        (0..s.len()).max_by(|&a, &b| s[a].total_cmp(&s[b]).then(b.cmp(&a))).unwrap_or(0)
    }

    /// Share of `(features, label)` predicted right (0 for none).
    pub fn accuracy<'a>(&self, examples: impl Iterator<Item = (&'a [f32], usize)>) -> f64 {
        let (right, n) = examples.fold((0usize, 0usize), |(r, n), (x, y)| (r + (self.predict(x) == y) as usize, n + 1));
        if n == 0 { 0.0 } else { right as f64 / n as f64 }
    }
}

/// Lower Cholesky factor of a symmetric positive-definite `dim × dim` matrix (row-major).
fn cholesky(a: &[f64], dim: usize) -> Vec<f64> {
    let mut l = vec![0.0; dim * dim];
    for i in 0..dim {
        for j in 0..=i {
            let s: f64 = (0..j).map(|k| l[i * dim + k] * l[j * dim + k]).sum();
            if i == j {
                l[i * dim + i] = (a[i * dim + i] - s).max(1e-12).sqrt();
            } else {
                l[i * dim + j] = (a[i * dim + j] - s) / l[j * dim + j];
            }
        }
    }
    l
}

/// Solve `L Lᵀ x = b`.
fn cholesky_solve(l: &[f64], dim: usize, mut b: Vec<f64>) -> Vec<f64> {
    for i in 0..dim {
        let s: f64 = (0..i).map(|k| l[i * dim + k] * b[k]).sum();
        b[i] = (b[i] - s) / l[i * dim + i];
    }
    for i in (0..dim).rev() {
        let s: f64 = (i + 1..dim).map(|k| l[k * dim + i] * b[k]).sum();
        b[i] = (b[i] - s) / l[i * dim + i];
    }
    b
}

/// Linear material classifier over labelled actions (SPEC §7), see the module docs.
pub struct MaterialModel {
    pub classes: Vec<String>,
    classifier: LinearClassifier,
    pub train_hits: usize,
}

impl MaterialModel {
    /// Train on the cochleagram windows of labelled actions of real training sounds.
    pub fn train<'a>(clips: impl IntoIterator<Item = (&'a Cochleagram, &'a [Action])>) -> Result<Self> {
        let mut labelled = Vec::new();
        for (coch, actions) in clips {
            for a in actions {
                if let Some(m) = a.material {
                    labelled.push((hit_features(coch, a.time), m.as_str().to_string()));
                }
            }
        }
        Self::from_examples(labelled)
    }

    /// Train on (feature window as [`hit_features`] makes it, material) pairs; the classes
    /// are the materials seen.
    pub fn from_examples(labelled: Vec<(Vec<f32>, String)>) -> Result<Self> {
        let mut classes: Vec<String> = labelled.iter().map(|(_, m)| m.clone()).collect();
        classes.sort();
        classes.dedup();
        let examples: Vec<(Vec<f32>, usize)> = labelled
            .into_iter()
            .map(|(x, m)| (x, classes.binary_search(&m).expect("class list built from these labels")))
            .collect();
        let classifier = LinearClassifier::fit(&examples, classes.len())?;
        Ok(MaterialModel { classes, classifier, train_hits: examples.len() })
    }

    /// Predicted material of the action at `time` in a cochleagram.
    pub fn predict(&self, coch: &Cochleagram, time: f64) -> &str {
        self.predict_features(&hit_features(coch, time))
    }

    /// Predicted material of one feature window ([`hit_features`]).
    pub fn predict_features(&self, x: &[f32]) -> &str {
        &self.classes[self.classifier.predict(x)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    #[test]
    fn separable_classes_are_learned() {
        // Three classes whose feature means differ by 3 standard deviations in distinct
        // dimensions: a linear classifier must get (nearly) all held-out examples right.
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let mut make = |n: usize| -> Vec<(Vec<f32>, usize)> {
            (0..n)
                .map(|i| {
                    let y = i % 3;
                    let mut x: Vec<f32> = (0..10).map(|_| rng.random_range(-1.0..1.0)).collect();
                    x[y] += 3.0;
                    (x, y)
                })
                .collect()
        };
        let train = make(90);
        let test = make(60);
        let m = LinearClassifier::fit(&train, 3).unwrap();
        let acc = m.accuracy(test.iter().map(|(x, y)| (x.as_slice(), *y)));
        assert!(acc >= 0.95, "accuracy {acc}");
    }

    #[test]
    fn hit_window_is_zero_padded_at_the_ends() {
        let c = Cochleagram::new((0..5 * 2).map(|v| v as f32).collect(), 2, 90.0);
        let f = hit_features(&c, 0.0);
        assert_eq!(f.len(), (WINDOW_BEFORE + 1 + WINDOW_AFTER) * 2);
        assert_eq!(&f[..4], &[0.0; 4]); // two steps before t = 0
        assert_eq!(&f[4..6], c.frame(0));
    }

    #[test]
    fn cholesky_solves_a_known_system() {
        // [[4, 2], [2, 3]] x = [2, 1] → x = [0.5, 0].
        let l = cholesky(&[4.0, 2.0, 2.0, 3.0], 2);
        let x = cholesky_solve(&l, 2, vec![2.0, 1.0]);
        assert!((x[0] - 0.5).abs() < 1e-12 && x[1].abs() < 1e-12);
    }
}
