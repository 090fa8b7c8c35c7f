//! Shared by the dataset tests: a ridge-regression linear classifier (one-hot targets).
#![allow(dead_code)]

/// Solve (XᵀX + λI) W = XᵀY for W by Gaussian elimination with partial pivoting.
pub fn ridge(train: &[(Vec<f64>, usize)], classes: usize, lambda: f64) -> Vec<Vec<f64>> {
    let d = train[0].0.len();
    let mut a = vec![vec![0.0; d + classes]; d];
    for (x, y) in train {
        for i in 0..d {
            for j in 0..d {
                a[i][j] += x[i] * x[j];
            }
            a[i][d + y] += x[i];
        }
    }
    for (i, row) in a.iter_mut().enumerate() {
        row[i] += lambda;
    }
    for c in 0..d {
        let p = (c..d).max_by(|&i, &j| a[i][c].abs().total_cmp(&a[j][c].abs())).unwrap();
        a.swap(c, p);
        let piv = a[c][c];
        for r in 0..d {
            if r != c {
                let f = a[r][c] / piv;
                if f != 0.0 {
                    for k in c..d + classes {
                        a[r][k] -= f * a[c][k];
                    }
                }
            }
        }
    }
    (0..classes).map(|k| (0..d).map(|i| a[i][d + k] / a[i][i]).collect()).collect()
}

pub fn predict(w: &[Vec<f64>], x: &[f64]) -> usize {
    (0..w.len()).max_by(|&a, &b| {
        let sa: f64 = w[a].iter().zip(x).map(|(p, q)| p * q).sum();
        let sb: f64 = w[b].iter().zip(x).map(|(p, q)| p * q).sum();
        sa.total_cmp(&sb)
    }).unwrap()
}


/// Scale every feature to zero mean and unit variance on `train` (the same transform on
/// `test`); a constant feature (the bias) is left as it is.
pub fn standardize(train: &mut [(Vec<f64>, usize)], test: &mut [(Vec<f64>, usize)]) {
    let d = train[0].0.len();
    let n = train.len() as f64;
    for k in 0..d {
        let mean = train.iter().map(|(x, _)| x[k]).sum::<f64>() / n;
        let sd = (train.iter().map(|(x, _)| (x[k] - mean).powi(2)).sum::<f64>() / n).sqrt();
        if sd < 1e-12 {
            continue;
        }
        for (x, _) in train.iter_mut().chain(test.iter_mut()) {
            x[k] = (x[k] - mean) / sd;
        }
    }
}

/// Share of `test` that `w` classifies correctly.
pub fn accuracy(w: &[Vec<f64>], test: &[(Vec<f64>, usize)]) -> f64 {
    test.iter().filter(|(x, y)| predict(w, x) == *y).count() as f64 / test.len() as f64
}
