//! Property tests (proptest) of the file readers of the sound core: arbitrary bytes never
//! panic the `.npy` or WAV reader, and valid files made by an independent writer read back
//! exactly. Case counts keep each property well under a second or two.
use foley_dsp::npy::{from_bytes, to_bytes, Array2};
use proptest::prelude::*;

fn array() -> impl Strategy<Value = Array2> {
    (0usize..6, 0usize..6).prop_flat_map(|(rows, cols)| {
        proptest::collection::vec(any::<f32>().prop_filter("NaN != NaN", |v| !v.is_nan()), rows * cols)
            .prop_map(move |data| Array2 { rows, cols, data })
    })
}

/// A hand-assembled version-1 `.npy` of `a` in another layout (numpy's format description).
fn npy_as(a: &Array2, descr: &str, fortran: bool) -> Vec<u8> {
    let mut header = format!("{{'descr': '{descr}', 'fortran_order': {}, 'shape': ({}, {}), }}", if fortran { "True" } else { "False" }, a.rows, a.cols);
    header.push_str(&" ".repeat((64 - (11 + header.len()) % 64) % 64));
    header.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    let order: Vec<f32> = if fortran {
        (0..a.cols).flat_map(|j| (0..a.rows).map(move |i| (i, j))).map(|(i, j)| a.data[i * a.cols + j]).collect()
    } else {
        a.data.clone()
    };
    for v in order {
        out.extend_from_slice(&if descr == ">f4" { v.to_be_bytes() } else { v.to_le_bytes() });
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn npy_arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = from_bytes(&bytes);
        // The same with a valid magic and version, so the header parser is reached.
        let mut b = b"\x93NUMPY\x01\x00".to_vec();
        b.extend_from_slice(&bytes);
        if let Err(e) = from_bytes(&b) {
            prop_assert!(!e.contains('\n'), "one line: {e}");
        }
    }

    #[test]
    fn npy_header_mutations_never_panic(a in array(), at in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let mut b = to_bytes(&a);
        let i = at.index(b.len().min(128));
        b[i] = byte;
        let _ = from_bytes(&b);
    }

    #[test]
    fn npy_round_trip_in_every_layout(a in array(), descr in prop::sample::select(vec!["<f4", ">f4"]), fortran in any::<bool>()) {
        prop_assert_eq!(from_bytes(&to_bytes(&a)).unwrap(), a.clone());
        prop_assert_eq!(from_bytes(&npy_as(&a, descr, fortran)).unwrap(), a);
    }
}

mod wav {
    use super::*;
    use foley_dsp::audio::read_wav;

    #[derive(Debug, Clone)]
    struct Spec {
        channels: u16,
        bits: u16,
        float: bool,
        rate: u32,
    }

    fn spec() -> impl Strategy<Value = Spec> {
        (1u16..4, prop::sample::select(vec![(8u16, false), (16, false), (24, false), (32, false), (32, true)]), 1u32..200_000)
            .prop_map(|(channels, (bits, float), rate)| Spec { channels, bits, float, rate })
    }

    /// Write integer codes `codes` (interleaved) with hound; return the mono values the
    /// reader must give: each code over full scale 2^(bits-1), channels averaged.
    fn write(path: &std::path::Path, s: &Spec, codes: &[i32]) -> Vec<f32> {
        let ws = hound::WavSpec {
            channels: s.channels,
            sample_rate: s.rate,
            bits_per_sample: s.bits,
            sample_format: if s.float { hound::SampleFormat::Float } else { hound::SampleFormat::Int },
        };
        let full = (1i64 << (s.bits - 1)) as f32;
        let mut w = hound::WavWriter::create(path, ws).unwrap();
        let mut values = Vec::new();
        for &c in codes {
            // Clamp the code into the sample's range.
            let c = (c as i64).clamp(-(1i64 << (s.bits.min(24) - 1)), (1i64 << (s.bits.min(24) - 1)) - 1) as i32;
            if s.float {
                let v = c as f32 / (1 << 23) as f32;
                w.write_sample(v).unwrap();
                values.push(v);
            } else {
                match s.bits {
                    8 => w.write_sample(c as i8).unwrap(),
                    16 => w.write_sample(c as i16).unwrap(),
                    _ => w.write_sample(c).unwrap(),
                }
                values.push(c as f32 / full);
            }
        }
        w.finalize().unwrap();
        values.chunks_exact(s.channels as usize).map(|f| f.iter().sum::<f32>() / s.channels as f32).collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 128, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn wav_round_trip_and_truncation(s in spec(), frames in 1usize..200, seed in any::<u64>(), cut in any::<prop::sample::Index>()) {
            let dir = tempfile::tempdir().unwrap();
            let p = dir.path().join("t.wav");
            let mut x = seed;
            let codes: Vec<i32> = (0..frames * s.channels as usize)
                .map(|_| { x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407); (x >> 32) as i32 })
                .collect();
            let want = write(&p, &s, &codes);
            let got = read_wav(&p).unwrap();
            prop_assert_eq!(got.rate, s.rate);
            prop_assert_eq!(got.samples.len(), want.len());
            for (g, w) in got.samples.iter().zip(&want) {
                // Channel sums in another order: a few ulps.
                prop_assert!((g - w).abs() <= 1e-6 * (1.0 + w.abs()), "{} vs {}", g, w);
            }
            // Any cut: an error (never a panic, never a short read), one line naming the file.
            let bytes = std::fs::read(&p).unwrap();
            let n = cut.index(bytes.len());
            std::fs::write(&p, &bytes[..n]).unwrap();
            let e = read_wav(&p).expect_err("a cut WAV must be refused").to_string();
            prop_assert!(e.starts_with(&p.display().to_string()) && !e.contains('\n'), "{}", e);
        }

        #[test]
        fn wav_arbitrary_bytes_never_panic(body in proptest::collection::vec(any::<u8>(), 0..200), fmt in any::<prop::sample::Index>()) {
            let dir = tempfile::tempdir().unwrap();
            let p = dir.path().join("x.wav");
            // Raw bytes, and a RIFF/WAVE prefix with a valid-looking fmt chunk start, so that
            // hound's chunk parser is reached.
            std::fs::write(&p, &body).unwrap();
            let _ = read_wav(&p);
            let mut b = b"RIFF\x00\x00\x00\x00WAVEfmt ".to_vec();
            b.extend_from_slice(&body[..fmt.index(body.len() + 1).min(body.len())]);
            b.extend_from_slice(b"data");
            b.extend_from_slice(&body);
            std::fs::write(&p, &b).unwrap();
            if let Err(e) = read_wav(&p) {
                prop_assert!(!e.to_string().contains('\n'), "{}", e);
            }
        }
    }
}
