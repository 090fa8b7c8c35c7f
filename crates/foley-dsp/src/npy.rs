//! Minimal `.npy` read/write for 2-D float arrays, the only kind foley exchanges
//! (cochleagrams `[T, 42]`). It writes format 1.0, little-endian float32, C order (readable
//! by `numpy.load`), and reads what `numpy.save` writes for a 2-D float32 array: versions
//! 1–3, either byte order (`<f4`, `>f4`), C or Fortran order (a Fortran-ordered array, e.g.
//! `np.save(f, x.T)`, is transposed into row order, so element `[i][j]` is what numpy shows
//! as `a[i, j]`). Other dtypes, float64 included, are refused (SPEC §9: wrong dtype).
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

/// Read a `.npy` file that must hold a 2-D float32 array (see the module docs).
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
        2 | 3 => return Err("truncated .npy header".into()),
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
    let dtype = descr.strip_prefix('\'').and_then(|d| d.split('\'').next()).unwrap_or(descr);
    let big_endian = match dtype {
        "<f4" | "=f4" => false,
        ">f4" => true,
        d => {
            let d: String = d.chars().take(20).flat_map(char::escape_debug).collect();
            return Err(format!("dtype '{d}' is not float32; convert with arr.astype('<f4')"));
        }
    };
    let fortran = match field("fortran_order") {
        Some(f) if f.starts_with("True") => true,
        Some(f) if f.starts_with("False") => false,
        Some(_) => return Err("malformed 'fortran_order'".into()),
        None => false,
    };
    let shape_txt = field("shape").ok_or("header has no 'shape'")?;
    let inner = shape_txt
        .strip_prefix('(')
        .and_then(|s| s.split(')').next())
        .ok_or("malformed 'shape'")?;
    let shown: String = inner.chars().take(40).flat_map(char::escape_debug).collect();
    let dims: Vec<usize> = inner
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<usize>().map_err(|_| format!("malformed shape ({shown})")))
        .collect::<std::result::Result<_, _>>()?;
    if dims.len() != 2 {
        return Err(format!("shape ({shown}) is not 2-D"));
    }
    let (rows, cols) = (dims[0], dims[1]);
    let body = &bytes[(hstart + hlen).min(bytes.len())..];
    let need = rows.checked_mul(cols).and_then(|n| n.checked_mul(4)).ok_or("shape overflows")?;
    if body.len() != need {
        return Err(format!("data is {} bytes, shape ({rows}, {cols}) needs {need}", body.len()));
    }
    let value = |c: &[u8]| -> f32 {
        let b = [c[0], c[1], c[2], c[3]];
        if big_endian { f32::from_be_bytes(b) } else { f32::from_le_bytes(b) }
    };
    let stored: Vec<f32> = body.chunks_exact(4).map(value).collect();
    let data = if fortran && rows > 1 && cols > 1 {
        // Column-major: element (i, j) is stored at j·rows + i.
        let mut d = Vec::with_capacity(stored.len());
        for i in 0..rows {
            d.extend((0..cols).map(|j| stored[j * rows + i]));
        }
        d
    } else {
        stored
    };
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
        f8.extend_from_slice(&[0; 8]); // a whole 1x2 float64 array: still refused (SPEC §9)
        assert_eq!(from_bytes(&f8).unwrap_err(), "dtype '<f8' is not float32; convert with arr.astype('<f4')");
        let mut i4 = to_bytes(&Array2 { rows: 1, cols: 2, data: vec![0.0, 0.0] });
        let at = i4.windows(3).position(|w| w == b"<f4").unwrap();
        i4[at + 1] = b'i';
        assert_eq!(from_bytes(&i4).unwrap_err(), "dtype '<i4' is not float32; convert with arr.astype('<f4')");
        b.truncate(b.len() - 1);
        assert!(from_bytes(&b).unwrap_err().contains("bytes"));
    }
}
