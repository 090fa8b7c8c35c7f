//! The non-hit background of a cochleagram, for filling the gaps of example-based synthesis
//! with parametric synthesis (SPEC §6 "optionally fill the rest").
use crate::Cochleagram;
use std::collections::VecDeque;

/// Per band, the running minimum over ±`seconds` (a morphological erosion): every event
/// shorter than 2·`seconds` (hits, their decays) is removed, the steady floor stays.
/// O(steps × bands) with a monotonic queue.
pub fn background(coch: &Cochleagram, seconds: f64) -> Cochleagram {
    let (n, b) = (coch.frames(), coch.bands);
    let r = (seconds * coch.rate).round() as usize;
    let mut out = vec![0.0f32; n * b];
    for band in 0..b {
        let v = |t: usize| coch.data[t * b + band];
        // Indices with increasing values; front = minimum of the current window.
        let mut q: VecDeque<usize> = VecDeque::new();
        let mut next = 0;
        for t in 0..n {
            while next < n && next <= t + r {
                while q.back().is_some_and(|&j| v(j) >= v(next)) {
                    q.pop_back();
                }
                q.push_back(next);
                next += 1;
            }
            while q.front().is_some_and(|&j| j + r < t) {
                q.pop_front();
            }
            out[t * b + band] = q.front().map_or(0.0, |&j| v(j));
        }
    }
    Cochleagram::new(out, b, coch.rate)
}
