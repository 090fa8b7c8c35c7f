//! The layers of README's code map, checked on the source: every `crate::X` / `foley::X` /
//! `super::…` reference of a file under `src/` names a room at or below the file's own layer,
//! rooms of one layer never import each other, and the two small packages depend on no
//! foley crate above them (so `foley` the front binary can never link libtorch or FFmpeg).
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Bottom to top; rooms on one line form one layer. The sound core (`foley-dsp`, re-exported
/// as audio, cochleagram, error, npy, stats, util, plus the crate root's re-exports) is layer 0.
const LAYERS: &[&[&str]] = &[
    &["audio", "cochleagram", "error", "npy", "stats", "util", "media_audio", "picture", "Waveform", "Cochleagram", "Error", "Result"],
    &["labels"],
    &["metrics"],
    &["video"],
    &["model"],
    &["synth"],
    &["predict"],
    &["dataset"],
    &["train"],
    &["eval", "export"],
    &["cli", "bin"],
];

fn layer_of(room: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&room))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The room of a file: its first folder under src/, or its stem for a top-level file.
fn room_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap();
    let first = rel.components().next().unwrap().as_os_str().to_string_lossy().into_owned();
    first.trim_end_matches(".rs").to_string()
}

/// Rooms a line of code names: `crate::room`, `foley::room`, and `super::room` from a
/// top-level module file (whose `super` is the crate root).
fn named_rooms(line: &str, top_level: bool) -> Vec<String> {
    let code = line.split("//").next().unwrap_or("");
    let mut out = Vec::new();
    for prefix in ["crate::", "foley::"].into_iter().chain(top_level.then_some("super::")) {
        let mut rest = code;
        while let Some(i) = rest.find(prefix) {
            // `foley_dsp::` etc. are not `foley::`; a prefix must start an identifier path.
            let before = rest[..i].chars().last();
            rest = &rest[i + prefix.len()..];
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue;
            }
            let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            if name.is_empty() {
                // `crate::{a, b}`: each name in the braces.
                if let Some(body) = rest.strip_prefix('{').and_then(|b| b.split('}').next()) {
                    out.extend(body.split(',').map(|s| s.trim().split("::").next().unwrap_or("").to_string()).filter(|s| !s.is_empty()));
                }
            } else {
                out.push(name);
            }
        }
    }
    out
}

#[test]
fn no_import_runs_against_the_layers() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let src = root.join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut against = Vec::new();
    let mut unknown = BTreeSet::new();
    for f in &files {
        let room = room_of(&src, f);
        if room == "lib" {
            continue;
        }
        let Some(own) = layer_of(&room) else {
            unknown.insert(room.clone());
            continue;
        };
        let top_level = f.parent() == Some(src.as_path()) || f.file_name().is_some_and(|n| n == "mod.rs") && f.parent().and_then(|p| p.parent()) == Some(src.as_path());
        let text = std::fs::read_to_string(f).unwrap();
        for (n, line) in text.lines().enumerate() {
            for named in named_rooms(line, top_level) {
                if named == room || named == "self" {
                    continue;
                }
                match layer_of(&named) {
                    // Layer 0 is one crate (foley-dsp) and its extension (media_audio).
                    Some(l) if l < own || l == 0 => {}
                    Some(l) => against.push(format!("{}:{}: {room} (layer {own}) imports {named} (layer {l})", f.strip_prefix(root).unwrap().display(), n + 1)),
                    None => {
                        unknown.insert(named);
                    }
                }
            }
        }
    }
    assert!(against.is_empty(), "imports against the layers:\n{}", against.join("\n"));
    assert!(unknown.is_empty(), "rooms missing from LAYERS (add them where they belong): {unknown:?}");
}

#[test]
fn small_packages_depend_on_nothing_above_them() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let deps = |pkg: &str| -> Vec<String> {
        let text = std::fs::read_to_string(root.join(pkg).join("Cargo.toml")).unwrap();
        let table: toml::Table = toml::from_str(&text).unwrap();
        table.get("dependencies").and_then(|d| d.as_table()).map(|d| d.keys().cloned().collect()).unwrap_or_default()
    };
    let heavy = ["foley", "tch", "torch-sys", "ffmpeg-next", "ffmpeg-sys-next", "foley-front"];
    let dsp = deps("crates/foley-dsp");
    assert!(dsp.iter().all(|d| !heavy.contains(&d.as_str())), "foley-dsp depends on {dsp:?}");
    let front = deps("crates/foley-front");
    assert!(front.contains(&"foley-dsp".to_string()));
    let heavy_front: Vec<_> = front.iter().filter(|d| heavy.contains(&d.as_str())).collect();
    assert!(heavy_front.is_empty(), "the front binary's package depends on {heavy_front:?}");
}

#[test]
fn the_checker_sees_a_violation() {
    // The parser behind the first test: a `crate::` path, a braced list, and `foley_dsp::`
    // (not `foley::`) must read as they should, or the check above could pass vacuously.
    assert_eq!(named_rooms("use crate::synth::Bank;", false), ["synth"]);
    assert_eq!(named_rooms("use crate::{model::Guide, video};", false), ["model", "video"]);
    assert!(named_rooms("use foley_dsp::audio;", false).is_empty());
    assert_eq!(named_rooms("    x = foley::eval::run(); // crate::train", false), ["eval"]);
    assert_eq!(named_rooms("use super::predict::X;", true), ["predict"]);
    assert!(named_rooms("use super::predict::X;", false).is_empty());
}
