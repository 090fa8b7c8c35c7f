//! `.npy` files as numpy writes them for layouts foley does not write itself: Fortran order
//! (`np.save(f, x.T)`), big-endian float32 (`'>f4'`), version 2.0 headers; float64 is
//! refused (SPEC §9: wrong dtype). Every file is written byte by byte from numpy's format description
//! (numpy/lib/format.py, "Format Version 1.0"): magic `\x93NUMPY`, major and minor version,
//! little-endian header length (u16; u32 from version 2.0), an ASCII dict literal padded with
//! spaces and ending in `\n`, then the data in the dtype's byte order, C order unless
//! `fortran_order` is True (then column-major). The expected values are IEEE 754 bit
//! patterns written out in the test, so the reader is checked against the bytes, not
//! against itself.
use foley_dsp::npy::{from_bytes, read, Array2};

/// A version-`major` file: header dict padded so the data starts 64-byte aligned.
fn npy(major: u8, dict: &str, data: &[u8]) -> Vec<u8> {
    let pre = if major == 1 { 10 } else { 12 };
    let mut header = dict.to_string();
    let total = pre + header.len() + 1;
    header.push_str(&" ".repeat((64 - total % 64) % 64));
    header.push('\n');
    let mut out = b"\x93NUMPY".to_vec();
    out.extend_from_slice(&[major, 0]);
    if major == 1 {
        out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    } else {
        out.extend_from_slice(&(header.len() as u32).to_le_bytes());
    }
    out.extend_from_slice(header.as_bytes());
    out.extend_from_slice(data);
    out
}

/// float32 bit patterns, big-endian: 0.0, 1.0, 2.0, 3.0, 4.0, 5.0 (IEEE 754 binary32).
const BE_F4_0_TO_5: [[u8; 4]; 6] = [
    [0x00, 0x00, 0x00, 0x00],
    [0x3F, 0x80, 0x00, 0x00],
    [0x40, 0x00, 0x00, 0x00],
    [0x40, 0x40, 0x00, 0x00],
    [0x40, 0x80, 0x00, 0x00],
    [0x40, 0xA0, 0x00, 0x00],
];

fn flat<const N: usize>(words: &[[u8; N]], little: bool) -> Vec<u8> {
    words.iter().flat_map(|w| if little { w.iter().rev().copied().collect::<Vec<_>>() } else { w.to_vec() }).collect()
}

#[test]
fn big_endian_float32_c_order() {
    // x = np.arange(6, dtype='>f4').reshape(2, 3); np.save(f, x)
    let b = npy(1, "{'descr': '>f4', 'fortran_order': False, 'shape': (2, 3), }", &flat(&BE_F4_0_TO_5, false));
    assert_eq!(from_bytes(&b).unwrap(), Array2 { rows: 2, cols: 3, data: vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0] });
}

#[test]
fn fortran_order_is_transposed_into_rows() {
    // x = np.arange(6, dtype='<f4').reshape(2, 3); np.save(f, x.T): x.T is x's memory seen
    // column-major, so numpy writes fortran_order True, shape (3, 2) and x's bytes 0..5.
    // x.T[i, j] = x[j, i] = 3j + i.
    let b = npy(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (3, 2), }", &flat(&BE_F4_0_TO_5, true));
    assert_eq!(from_bytes(&b).unwrap(), Array2 { rows: 3, cols: 2, data: vec![0.0, 3.0, 1.0, 4.0, 2.0, 5.0] });
    // Big-endian and Fortran-ordered at once.
    let b = npy(1, "{'descr': '>f4', 'fortran_order': True, 'shape': (3, 2), }", &flat(&BE_F4_0_TO_5, false));
    assert_eq!(from_bytes(&b).unwrap().data, vec![0.0, 3.0, 1.0, 4.0, 2.0, 5.0]);
    // A single row or column is the same in both orders.
    let b = npy(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (1, 6), }", &flat(&BE_F4_0_TO_5, true));
    assert_eq!(from_bytes(&b).unwrap().data, vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0]);
}

#[test]
fn float64_is_refused() {
    // np.save(f, np.ones((1, 1))): a valid float64 file, but feature files are float32.
    for descr in ["<f8", ">f8"] {
        let b = npy(1, &format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': (1, 1), }}"), &1.0f64.to_le_bytes());
        assert_eq!(from_bytes(&b).unwrap_err(), format!("dtype '{descr}' is not float32; convert with arr.astype('<f4')"));
    }
}

#[test]
fn version_2_header() {
    let b = npy(2, "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }", &flat(&BE_F4_0_TO_5, true));
    assert_eq!(from_bytes(&b).unwrap().data, vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0]);
}

#[test]
fn refusals_are_one_line_and_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes, want) in [
        ("int.npy", npy(1, "{'descr': '<i4', 'fortran_order': False, 'shape': (1, 1), }", &[0; 4]), "dtype '<i4' is not float32; convert with arr.astype('<f4')"),
        ("short.npy", npy(1, "{'descr': '>f4', 'fortran_order': True, 'shape': (3, 2), }", &[0; 20]), "data is 20 bytes, shape (3, 2) needs 24"),
        ("three.npy", npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 1), }", &[0; 4]), "shape (1, 1, 1) is not 2-D"),
        ("v2cut.npy", b"\x93NUMPY\x02\x00\x10\x00".to_vec(), "truncated .npy header"),
    ] {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        let e = read(&p).unwrap_err().to_string();
        assert_eq!(e, format!("{}: {want}", p.display()));
    }
}
