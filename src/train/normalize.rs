//! Statistics of the training data a model keeps for prediction ([`Normalization`]): input
//! pixel and motion spread, per-band target mean and spread, and the optional PCA basis.
use super::cache::CachedClip;
use crate::model::{ModelConfig, Normalization};
use tch::{Kind, Tensor};

/// Statistics of the training data: pixel mean/std (over every 7th frame), per-band target
/// mean/std, and the PCA basis when the config asks for one.
pub fn compute_normalization(clips: &[CachedClip], cfg: &ModelConfig) -> Normalization {
    let mut px = [(0.0f64, 0.0f64); 3];
    let mut npx = 0u64;
    for c in clips {
        for i in (0..c.n_frames()).step_by(7) {
            for p in c.frame(i).chunks_exact(3) {
                for k in 0..3 {
                    let v = p[k] as f64 / 255.0;
                    px[k].0 += v;
                    px[k].1 += v * v;
                }
                npx += 1;
            }
        }
    }
    // Spread of the gray difference between consecutive frames (every 7th pair).
    let (mut d2, mut nd) = (0.0f64, 0u64);
    for c in clips {
        for i in (1..c.n_frames()).step_by(7) {
            for (p, q) in c.frame(i - 1).chunks_exact(3).zip(c.frame(i).chunks_exact(3)) {
                let g = |x: &[u8]| (0..3).map(|k| crate::model::net::LUMA[k] as f64 * x[k] as f64).sum::<f64>() / 255.0;
                let d = g(q) - g(p);
                d2 += d * d;
                nd += 1;
            }
        }
    }
    let bands = cfg.bands;
    let mut s = vec![(0.0f64, 0.0f64); bands];
    let mut nt = 0u64;
    for c in clips {
        for row in c.coch.chunks_exact(bands) {
            for (b, &v) in row.iter().enumerate() {
                s[b].0 += v as f64;
                s[b].1 += (v as f64) * (v as f64);
            }
            nt += 1;
        }
    }
    let ms = |(a, b): (f64, f64), n: u64| {
        let n = n.max(1) as f64;
        let m = a / n;
        (m as f32, ((b / n - m * m).max(0.0).sqrt() as f32))
    };
    let mut norm = Normalization::identity(cfg);
    if npx > 0 {
        for k in 0..3 {
            let (m, sd) = ms(px[k], npx);
            norm.pixel_mean[k] = m;
            norm.pixel_std[k] = sd.max(1e-2);
        }
    }
    if nd > 0 {
        norm.motion_std = ((d2 / nd as f64).sqrt() as f32).max(1e-3);
    }
    if nt > 0 {
        for b in 0..bands {
            let (m, sd) = ms(s[b], nt);
            norm.target_mean[b] = m;
            norm.target_std[b] = sd.max(1e-3);
        }
    }
    if let Some(k) = cfg.pca {
        norm.pca_basis = Some(pca_basis(clips, &norm, k));
    }
    norm
}

/// Top-k principal directions of the standardised targets (eigenvectors of their covariance).
fn pca_basis(clips: &[CachedClip], norm: &Normalization, k: usize) -> Vec<Vec<f32>> {
    let bands = norm.target_mean.len();
    let rows: Vec<f32> = clips
        .iter()
        .flat_map(|c| c.coch.chunks_exact(bands))
        .flat_map(|r| r.iter().enumerate().map(|(b, v)| (v - norm.target_mean[b]) / norm.target_std[b]).collect::<Vec<_>>())
        .collect();
    if rows.is_empty() {
        return Normalization::identity(&ModelConfig { bands, pca: Some(k), ..ModelConfig::default() }).pca_basis.unwrap_or_default();
    }
    let x = Tensor::from_slice(&rows).view([-1, bands as i64]).to_kind(Kind::Double);
    let cov = x.transpose(0, 1).matmul(&x) / (x.size()[0] as f64);
    let (_vals, vecs) = cov.linalg_eigh("L"); // ascending eigenvalues; columns are vectors
    let top = vecs.flip([1]).narrow(1, 0, k as i64).transpose(0, 1).to_kind(Kind::Float).contiguous();
    Vec::<Vec<f32>>::try_from(&top).unwrap_or_default()
}

