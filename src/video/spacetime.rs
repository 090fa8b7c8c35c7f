//! The model's two image inputs (SPEC §4): RGB frames and spacetime images, as tensors.
use super::Frame;
use tch::{Device, Kind, Tensor};

/// Grayscale of a frame, one byte per pixel: ITU-R BT.601 luma
/// `Y = 0.299 R + 0.587 G + 0.114 B`, rounded to the nearest integer, computed in 16-bit fixed
/// point `(19595 R + 38470 G + 7471 B + 32768) >> 16` (the weights × 65536, summing to 65536
/// so white stays 255).
pub fn gray(frame: &Frame) -> Vec<u8> {
    frame
        .rgb
        .chunks_exact(3)
        .map(|p| ((19595 * p[0] as u32 + 38470 * p[1] as u32 + 7471 * p[2] as u32 + 32768) >> 16) as u8)
        .collect()
}

/// Spacetime image at `cur`: the grayscale of `prev`, `cur`, `next` as the 3 channels of
/// one H×W×3 image (interleaved like [`Frame::rgb`]). At the ends of a video pass the edge
/// frame twice (edges replicate).
///
/// Panics if the frames differ in size (they come from one [`super::FrameSource`]).
pub fn spacetime(prev: &Frame, cur: &Frame, next: &Frame) -> Vec<u8> {
    assert_same_size(&[prev, cur, next]);
    let (a, b, c) = (gray(prev), gray(cur), gray(next));
    let mut out = Vec::with_capacity(a.len() * 3);
    for i in 0..a.len() {
        out.extend_from_slice(&[a[i], b[i], c[i]]);
    }
    out
}

/// RGB frames as a float tensor `[N, 3, H, W]` in [0, 1] (`byte / 255`), on the CPU.
/// Panics if the frames differ in size.
pub fn frames_to_tensor(frames: &[Frame]) -> Tensor {
    let refs: Vec<&Frame> = frames.iter().collect();
    let (h, w) = assert_same_size(&refs);
    let plane = h * w;
    float_tensor([frames.len(), 3, h, w], |data| {
        for (f, out) in frames.iter().zip(data.chunks_exact_mut(3 * plane)) {
            for (c, out) in out.chunks_exact_mut(plane).enumerate() {
                for (o, p) in out.iter_mut().zip(f.rgb.chunks_exact(3)) {
                    *o = p[c] as f32 * (1.0 / 255.0);
                }
            }
        }
    })
}

/// Spacetime images of a window of consecutive frames as `[N, 3, H, W]` floats in [0, 1]:
/// for frame k the channels are the grayscale of frames k−1, k, k+1, with the window's
/// first and last frames replicated at its edges. Panics if the frames differ in size.
pub fn spacetime_tensor(frames: &[Frame]) -> Tensor {
    let refs: Vec<&Frame> = frames.iter().collect();
    let (h, w) = assert_same_size(&refs);
    let grays: Vec<Vec<u8>> = frames.iter().map(gray).collect();
    let n = frames.len();
    let plane = h * w;
    float_tensor([n, 3, h, w], |data| {
        for (k, out) in data.chunks_exact_mut(3 * plane).enumerate() {
            for (out, j) in out.chunks_exact_mut(plane).zip([k.saturating_sub(1), k, (k + 1).min(n - 1)]) {
                for (o, &g) in out.iter_mut().zip(&grays[j]) {
                    *o = g as f32 * (1.0 / 255.0);
                }
            }
        }
    })
}

/// A new contiguous CPU float tensor of `shape`, its every element written by `fill`.
/// Built in place: `Tensor::empty` runs no kernel, whereas `from_slice` zero-fills through
/// libtorch's OpenMP pool, whose spinning threads cost 5× the copy on small frames (measured
/// on 30 × 64 × 64 windows, 2 busy cores).
fn float_tensor(shape: [usize; 4], fill: impl FnOnce(&mut [f32])) -> Tensor {
    let dims: Vec<i64> = shape.iter().map(|&d| d as i64).collect();
    let len: usize = shape.iter().product();
    let t = Tensor::empty(&dims, (Kind::Float, Device::Cpu));
    if len > 0 {
        // SAFETY: `t` is a fresh contiguous float tensor of exactly `len` elements, owned here
        // and not shared until returned; `fill` writes within the slice only.
        let data = unsafe { std::slice::from_raw_parts_mut(t.data_ptr() as *mut f32, len) };
        data.fill(0.0);
        fill(data);
    }
    t
}

/// (height, width) shared by all frames; (0, 0) for none.
fn assert_same_size(frames: &[&Frame]) -> (usize, usize) {
    let Some(first) = frames.first() else { return (0, 0) };
    for f in frames {
        assert!(
            f.width == first.width && f.height == first.height && f.rgb.len() == 3 * f.width as usize * f.height as usize,
            "frames of different sizes: {}x{} and {}x{}",
            first.width,
            first.height,
            f.width,
            f.height
        );
    }
    (first.height as usize, first.width as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(index: usize, rgb: [u8; 3], w: u32, h: u32) -> Frame {
        Frame { index, time: index as f64 / 30.0, width: w, height: h, rgb: rgb.repeat((w * h) as usize) }
    }

    #[test]
    fn gray_is_bt601_luma() {
        // BT.601: pure red 0.299*255 = 76.2, green 0.587*255 = 149.7, blue 0.114*255 = 29.1.
        let g: Vec<u8> = [[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 255], [0, 0, 0]]
            .iter()
            .map(|&c| gray(&frame(0, c, 1, 1))[0])
            .collect();
        assert_eq!(g, vec![76, 150, 29, 255, 0]);
    }

    #[test]
    fn spacetime_channels_are_neighbour_grays() {
        let (a, b, c) = (frame(0, [255, 0, 0], 2, 1), frame(1, [0, 255, 0], 2, 1), frame(2, [0, 0, 255], 2, 1));
        assert_eq!(spacetime(&a, &b, &c), vec![76, 150, 29, 76, 150, 29]);
    }

    #[test]
    fn tensors_have_nchw_layout_and_replicated_edges() {
        // Three 2x1 frames whose gray levels are 0, 255 (white) and 29 (blue, BT.601).
        let frames = vec![frame(0, [0, 0, 0], 2, 1), frame(1, [255, 255, 255], 2, 1), frame(2, [0, 0, 255], 2, 1)];
        let rgb = frames_to_tensor(&frames);
        assert_eq!(rgb.size(), vec![3, 3, 1, 2]);
        assert_eq!(rgb.double_value(&[2, 2, 0, 1]), 1.0); // blue channel of the blue frame
        assert_eq!(rgb.double_value(&[2, 0, 0, 1]), 0.0);
        let st = spacetime_tensor(&frames);
        assert_eq!(st.size(), vec![3, 3, 1, 2]);
        let ch = |k: i64, c: i64| (st.double_value(&[k, c, 0, 0]) * 255.0).round() as i64;
        // First frame: prev replicated (0), itself (0), next (255).
        assert_eq!([ch(0, 0), ch(0, 1), ch(0, 2)], [0, 0, 255]);
        assert_eq!([ch(1, 0), ch(1, 1), ch(1, 2)], [0, 255, 29]);
        // Last frame: next replicated.
        assert_eq!([ch(2, 0), ch(2, 1), ch(2, 2)], [255, 29, 29]);
    }
}
