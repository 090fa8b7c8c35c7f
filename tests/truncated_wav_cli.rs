//! `foley features` on a WAV file cut short (its header declares more audio than it holds):
//! exit status 1, one line on stderr naming the file, no output file (SPEC §9).
use foley::audio::{write_wav, SampleFormat};
use foley::Waveform;
use std::process::Command;

#[test]
fn features_refuses_a_truncated_wav() {
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("trunc.wav");
    // 1 s of a 440 Hz tone, 16-bit mono at 48 kHz: 96 000 bytes of data; keep 60 000 of them.
    let tone = (0..48_000).map(|i| 0.5 * (std::f32::consts::TAU * 440.0 * i as f32 / 48_000.0).sin()).collect();
    write_wav(&wav, &Waveform::new(tone, 48_000), SampleFormat::Int16).unwrap();
    let bytes = std::fs::read(&wav).unwrap();
    let header = bytes.len() - 96_000;
    std::fs::write(&wav, &bytes[..header + 60_000]).unwrap();
    let out = dir.path().join("x.npy");
    let o = Command::new(env!("CARGO_BIN_EXE_foley-torch"))
        .args(["features", wav.to_str().unwrap(), "-o", out.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(
        err,
        format!("error: {}: truncated WAV: the header declares 96000 bytes of audio data but the file holds 60000; re-copy or re-export it\n", wav.display())
    );
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(left, vec![std::ffi::OsString::from("trunc.wav")], "no output, no temporary file");
}
