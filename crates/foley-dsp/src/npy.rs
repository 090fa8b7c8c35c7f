//! Minimal `.npy` (format 1.0) read/write for little-endian float32 C-order 2-D arrays,
//! the only kind foley exchanges (cochleagrams `[T, 42]`). Readable by `numpy.load`.
use crate::error::{Error, Result};
use std::path::Path;

/// A 2-D float32 array in C order.
#[derive(Clone, Debug, PartialEq)]
pub struct Array2 {
    pub rows: usize,
    pub cols: usize,
    pub data: Vec<f32>,
}

const MAGIC: &[u8] = b"\x93NUMPY";

/// Serialise to `.npy` bytes.
pub fn to_bytes(a: &Array2) -> Vec<u8> {
    let mut header = format!(
        "{{'descr': '<f4', 'fortran_order': False, 'shape': ({}, {}), }}",
        a.rows, a.cols
    );
    // Pad with spaces so that magic(6)+version(2)+len(2)+header+'\n' is a multiple of 64.
    let total = MAGIC.len() + 4 + header.len() + 1;
    header.push_str(&" ".repeat((64 - total % 64) % 64));
    header.push('\n');
    let mut out = Vec::with_capacity(10 + header.len() + a.data.len() * 4);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&[1, 0]);
    out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    for v in &a.data {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out
}

/// Write atomically (temporary name, then rename).
pub fn write(path: &Path, a: &Array2) -> Result<()> {
    let bytes = to_bytes(a);
    crate::util::write_atomic(path, |tmp| std::fs::write(tmp, &bytes).map_err(|e| Error::io(tmp, e)))
}

/// Read a `.npy` file that must hold a little-endian float32 C-order 2-D array.
pub fn read(path: &Path) -> Result<Array2> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    from_bytes(&bytes).map_err(|msg| Error::bad(path, msg))
}

/// Parse `.npy` bytes; the error is a human-readable reason.
pub fn from_bytes(bytes: &[u8]) -> std::result::Result<Array2, String> {
    if bytes.len() < 10 || &bytes[..6] != MAGIC {
        return Err("not a .npy file (bad magic)".into());
    }
    let (hlen, hstart) = match bytes[6] {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        2 | 3 if bytes.len() >= 12 => {
            (u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize, 12)
        }
        v => return Err(format!("unsupported .npy version {v}")),
    };
    let header = bytes
        .get(hstart..hstart + hlen)
        .and_then(|h| std::str::from_utf8(h).ok())
        .ok_or("truncated or non-text .npy header")?;
    let field = |key: &str| -> Option<&str> {
        let i = header.find(&format!("'{key}'"))? + key.len() + 2;
        let rest = header[i..].trim_start().strip_prefix(':')?.trim_start();
        Some(rest)
    };
    let descr = field("descr").ok_or("header has no 'descr'")?;
    if !(descr.starts_with("'<f4'") || descr.starts_with("'=f4'")) {
        let d = descr.split(',').next().unwrap_or(descr);
        return Err(format!("dtype {d} is not little-endian float32 ('<f4'); convert with arr.astype('<f4')"));
    }
    if field("fortran_order").is_some_and(|f| f.starts_with("True")) {
        return Err("array is Fortran-ordered; save a C-ordered array (np.ascontiguousarray)".into());
    }
    let shape_txt = field("shape").ok_or("header has no 'shape'")?;
    let inner = shape_txt
        .strip_prefix('(')
        .and_then(|s| s.split(')').next())
        .ok_or("malformed 'shape'")?;
    let dims: Vec<usize> = inner
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<usize>().map_err(|_| format!("malformed shape ({inner})")))
        .collect::<std::result::Result<_, _>>()?;
    if dims.len() != 2 {
        return Err(format!("shape ({inner}) is not 2-D"));
    }
    let (rows, cols) = (dims[0], dims[1]);
    let body = &bytes[hstart + hlen..];
    let n = rows.checked_mul(cols).ok_or("shape overflows")?;
    if body.len() != n * 4 {
        return Err(format!("data is {} bytes, shape ({rows}, {cols}) needs {}", body.len(), n * 4));
    }
    let data = body.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
    Ok(Array2 { rows, cols, data })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_header_alignment() {
        let a = Array2 { rows: 3, cols: 2, data: vec![0.0, 1.5, -2.0, 3.25, 4.0, 5.0] };
        let b = to_bytes(&a);
        let hlen = u16::from_le_bytes([b[8], b[9]]) as usize;
        assert_eq!((10 + hlen) % 64, 0, "numpy requires the data to start 64-byte aligned");
        assert_eq!(from_bytes(&b).unwrap(), a);
    }

    #[test]
    fn rejects_wrong_dtype_and_shape() {
        let mut b = to_bytes(&Array2 { rows: 1, cols: 2, data: vec![0.0, 0.0] });
        let mut f8 = b.clone();
        let at = f8.windows(3).position(|w| w == b"<f4").unwrap();
        f8[at + 2] = b'8';
        assert!(from_bytes(&f8).unwrap_err().contains("float32"));
        b.truncate(b.len() - 1);
        assert!(from_bytes(&b).unwrap_err().contains("bytes"));
    }
}
