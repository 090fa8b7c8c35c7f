//! Small numeric kernels shared by the resampler and the cochleagram: a dot product the
//! compiler vectorises, and a fast `x^p` for the envelope compression.

/// Run `$body` compiled for AVX2+FMA when the CPU has them (checked once, cached by std),
/// else for the baseline target: the loops below then vectorise 8 lanes wide instead of 4.
macro_rules! dispatch {
    ($name:ident($($arg:ident: $ty:ty),*) -> $ret:ty, $generic:ident) => {
        pub(crate) fn $name($($arg: $ty),*) -> $ret {
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx2,fma")]
                fn fast($($arg: $ty),*) -> $ret {
                    $generic($($arg),*)
                }
                if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
                    // SAFETY: the CPU supports the features `fast` was compiled for.
                    return unsafe { fast($($arg),*) };
                }
            }
            $generic($($arg),*)
        }
    };
}

/// Σ a[i]·b[i] over the shorter length (the hot loop of resampling and of the envelope
/// low-pass): with AVX2+FMA, four 8-lane fused multiply-add chains, else [`dot_generic`].
pub(crate) fn dot(a: &[f32], b: &[f32]) -> f32 {
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
        // SAFETY: the CPU supports the features `dot_fma` was compiled for.
        return unsafe { dot_fma(a, b) };
    }
    dot_generic(a, b)
}

/// [`dot`] with explicit FMA: the compiler may not fuse or reorder the float additions of
/// [`dot_generic`] itself, so there every 8 products wait for the previous 8 to be added.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn dot_fma(a: &[f32], b: &[f32]) -> f32 {
    use std::arch::x86_64::*;
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let load = |s: &[f32]| -> __m256 {
        // SAFETY: `s` has at least 8 elements (chunks of 32 or 8 below).
        unsafe { _mm256_loadu_ps(s.as_ptr()) }
    };
    let mut acc = [_mm256_setzero_ps(); 4];
    let (ca, cb) = (a.chunks_exact(32), b.chunks_exact(32));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for (j, acc) in acc.iter_mut().enumerate() {
            *acc = _mm256_fmadd_ps(load(&x[8 * j..]), load(&y[8 * j..]), *acc);
        }
    }
    let (ca, cb) = (ra.chunks_exact(8), rb.chunks_exact(8));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        acc[0] = _mm256_fmadd_ps(load(x), load(y), acc[0]);
    }
    let sum = _mm256_add_ps(_mm256_add_ps(acc[0], acc[1]), _mm256_add_ps(acc[2], acc[3]));
    let mut lanes = [0.0f32; 8];
    // SAFETY: `lanes` holds 8 floats.
    unsafe { _mm256_storeu_ps(lanes.as_mut_ptr(), sum) };
    let mut s = (lanes[0] + lanes[4]) + (lanes[1] + lanes[5]) + (lanes[2] + lanes[6]) + (lanes[3] + lanes[7]);
    for (x, y) in ra.iter().zip(rb) {
        s += x * y;
    }
    s
}
dispatch!(compressed_magnitude(z: &[Complex<f32>], out: &mut [f32], half_p: f32, scale: f32) -> (), compressed_magnitude_generic);

use rustfft::num_complex::Complex;

/// Σ a[i]·b[i] over the shorter length, in 8 independent lanes (auto-vectorised).
fn dot_generic(a: &[f32], b: &[f32]) -> f32 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut acc = [0.0f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for k in 0..8 {
            acc[k] += x[k] * y[k];
        }
    }
    let mut s = (acc[0] + acc[4]) + (acc[1] + acc[5]) + (acc[2] + acc[6]) + (acc[3] + acc[7]);
    for (x, y) in ra.iter().zip(rb) {
        s += x * y;
    }
    s
}

/// `x^p` for `x ≥ 0` and `0 < p ≤ 0.5` (envelope compression), relative error below 2e-6
/// (checked in the tests), branch-free f32 with no float→int conversion (Rust's saturating
/// `as i32` does not vectorise), so that loops over it vectorise: log2 by the atanh series
/// on a mantissa in [√½, √2), exp2 by rounding to the nearest integer (magic-number add)
/// and a degree-6 polynomial on the rest, |f| ≤ ½·ln 2. Zero and subnormal inputs give 0.
#[inline(always)]
pub(crate) fn pow(x: f32, p: f32) -> f32 {
    let bits = x.to_bits();
    let e0 = ((bits >> 23) & 0xff) as i32 - 127;
    let m0 = f32::from_bits((bits & 0x007f_ffff) | 0x3f80_0000); // [1, 2)
    let big = m0 > std::f32::consts::SQRT_2;
    let m = if big { m0 * 0.5 } else { m0 };
    let e = if big { e0 + 1 } else { e0 };
    // ln m = 2·atanh(t), t = (m − 1)/(m + 1), |t| < 0.172
    let t = (m - 1.0) / (m + 1.0);
    let t2 = t * t;
    let ln_m = 2.0 * t * (1.0 + t2 * (1.0 / 3.0 + t2 * (1.0 / 5.0 + t2 * (1.0 / 7.0 + t2 * (1.0 / 9.0)))));
    // |y| < 64 for normal x and p ≤ 0.5; the clamp only keeps the exponent field valid
    let y = (p * (e as f32 + ln_m * std::f32::consts::LOG2_E)).clamp(-126.0, 127.0);
    // 2^y = 2^k · e^(f·ln 2), k = round(y): adding 1.5·2^23 rounds y and leaves k in the
    // low mantissa bits.
    const MAGIC: f32 = 12_582_912.0;
    let shifted = y + MAGIC;
    let k = shifted.to_bits() as i32 - MAGIC.to_bits() as i32;
    let f = (y - (shifted - MAGIC)) * std::f32::consts::LN_2;
    let ef = 1.0 + f * (1.0 + f * (0.5 + f * (1.0 / 6.0 + f * (1.0 / 24.0 + f * (1.0 / 120.0 + f * (1.0 / 720.0))))));
    let r = ef * f32::from_bits(((k + 127) as u32) << 23);
    if x >= f32::MIN_POSITIVE { r } else { 0.0 }
}

/// `out[i] = |z[i]|^(2·half_p) · scale` over the shorter length.
#[inline(always)]
fn compressed_magnitude_generic(z: &[Complex<f32>], out: &mut [f32], half_p: f32, scale: f32) {
    for (o, c) in out.iter_mut().zip(z) {
        *o = pow(c.re * c.re + c.im * c.im, half_p) * scale;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_matches_naive() {
        for n in [0, 7, 37, 100, 4444] {
            let a: Vec<f32> = (0..n).map(|i| (i as f32 * 0.37).sin()).collect();
            let b: Vec<f32> = (0..n + 3).map(|i| 1.0 - i as f32 * 0.001).collect();
            let naive: f64 = a.iter().zip(&b).map(|(x, y)| *x as f64 * *y as f64).sum();
            assert!((dot(&a, &b) as f64 - naive).abs() < 1e-4, "{n}");
            assert!((dot_generic(&a, &b) as f64 - naive).abs() < 1e-4, "{n}");
        }
    }

    #[test]
    fn dispatched_equals_generic() {
        let z: Vec<Complex<f32>> = (0..100).map(|i| Complex::new(i as f32 * 0.37, 1.0 - i as f32 * 0.11)).collect();
        let (mut a, mut b) = (vec![0.0; 100], vec![0.0; 100]);
        compressed_magnitude(&z, &mut a, 0.15, 0.5);
        compressed_magnitude_generic(&z, &mut b, 0.15, 0.5);
        for (x, y) in a.iter().zip(&b) {
            assert!((x - y).abs() <= 1e-6 * y.abs());
        }
    }

    #[test]
    fn pow_matches_powf() {
        let mut x = 1e-30f32;
        while x < 1e12 {
            for p in [0.15f32, 0.3, 0.5] {
                let (a, b) = (pow(x, p), (x as f64).powf(p as f64));
                assert!(((a as f64 - b) / b).abs() < 2e-6, "{x}^{p}: {a} vs {b}");
            }
            x *= 1.37;
        }
        assert_eq!(pow(0.0, 0.15), 0.0);
        assert_eq!(pow(1e-40, 0.15), 0.0);
        assert_eq!(pow(1.0, 0.15), 1.0);
    }
}
