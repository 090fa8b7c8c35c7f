//! `Dataset::open` on folders written in the exact Greatest Hits format, and its refusal of
//! each kind of malformed input (with file and line in the message).
use foley::audio::{write_wav, SampleFormat};
use foley::dataset::{Action, ActionKind, Dataset, Material, Reaction, Split};
use foley::Waveform;
use std::path::Path;

const OLD_STYLE: &str = "2015-02-16-16-49-06";
const NEW_STYLE: &str = "2015-09-12-04-38-02-78";

/// A clip's three files; the mp4 is a placeholder (open only checks that it exists).
fn clip(dir: &Path, id: &str, times: &str) {
    std::fs::write(dir.join(format!("{id}_denoised.mp4")), b"placeholder").unwrap();
    write_wav(&dir.join(format!("{id}_denoised.wav")), &Waveform::silence(5.0, 8000), SampleFormat::Int16).unwrap();
    std::fs::write(dir.join(format!("{id}_times.txt")), times).unwrap();
}

fn good(dir: &Path) {
    // Lines as in the real dataset: 6 decimals, `None` for unlabelled fields.
    clip(dir, OLD_STYLE, "2.677438 ceramic hit static\n3.100000 None hit None\n4.250000 plastic-bag scratch deformation\n");
    clip(dir, NEW_STYLE, "0.512000 water hit splash\n1.000001 None None None\n");
    std::fs::write(dir.join("train.txt"), format!("{OLD_STYLE}\n")).unwrap();
    std::fs::write(dir.join("test.txt"), format!("{NEW_STYLE}\n\n")).unwrap();
}

#[test]
fn reads_real_format() {
    let t = tempfile::tempdir().unwrap();
    good(t.path());
    let ds = Dataset::open(t.path()).unwrap();
    assert_eq!(ds.clips.len(), 2);
    let train: Vec<_> = ds.clips(Split::Train).collect();
    assert_eq!(train.len(), 1);
    assert_eq!(train[0].id, OLD_STYLE);
    assert_eq!(train[0].video, t.path().join(format!("{OLD_STYLE}_denoised.mp4")));
    assert_eq!(train[0].audio, t.path().join(format!("{OLD_STYLE}_denoised.wav")));
    assert_eq!(
        train[0].actions,
        vec![
            Action { time: 2.677438, material: Some(Material::Ceramic), action: Some(ActionKind::Hit), reaction: Some(Reaction::Static) },
            Action { time: 3.1, material: None, action: Some(ActionKind::Hit), reaction: None },
            Action { time: 4.25, material: Some(Material::PlasticBag), action: Some(ActionKind::Scratch), reaction: Some(Reaction::Deformation) },
        ]
    );
    let test = ds.get(NEW_STYLE).unwrap();
    assert_eq!(test.split, Split::Test);
    assert_eq!(test.actions[1], Action { time: 1.000001, material: None, action: None, reaction: None });
    assert_eq!(ds.clips(Split::Val).count(), 0, "val.txt is optional");
}

/// Open a copy of the good folder after `damage`; the error must contain every `needle`.
fn fails(damage: impl Fn(&Path), needles: &[&str]) {
    let t = tempfile::tempdir().unwrap();
    good(t.path());
    damage(t.path());
    let err = Dataset::open(t.path()).expect_err("damaged dataset must not open").to_string();
    for n in needles {
        assert!(err.contains(n), "error '{err}' lacks '{n}'");
    }
}

fn times(dir: &Path, id: &str, text: &str) {
    std::fs::write(dir.join(format!("{id}_times.txt")), text).unwrap();
}

#[test]
fn malformed_lines_name_file_and_line() {
    let f = format!("{OLD_STYLE}_times.txt");
    fails(|d| times(d, OLD_STYLE, "2.677438 ceramic hit static\n3.0 wood hit\n"), &[&f, "line 2", "expected 4 fields"]);
    fails(|d| times(d, OLD_STYLE, "2.677438 ceramic hit static extra\n"), &[&f, "line 1", "found 5"]);
    fails(|d| times(d, OLD_STYLE, "\n\nx.5 ceramic hit static\n"), &[&f, "line 3", "onset 'x.5'"]);
    fails(|d| times(d, OLD_STYLE, "-0.5 ceramic hit static\n"), &[&f, "line 1", "non-negative"]);
    fails(|d| times(d, OLD_STYLE, "1.0 steel hit static\n"), &[&f, "line 1", "unknown material 'steel'"]);
    fails(|d| times(d, OLD_STYLE, "1.0 wood tap static\n"), &[&f, "unknown action 'tap'"]);
    // An unknown reaction word is kept as `other` with a warning (SPEC §5), not an error:
    // tests/dataset_quirks.rs.
    fails(|d| times(d, OLD_STYLE, "1.0 Wood hit static\n"), &[&f, "unknown material 'Wood'"]);
}

#[test]
fn missing_files_and_lists() {
    fails(|d| std::fs::remove_file(d.join(format!("{NEW_STYLE}_denoised.wav"))).unwrap(), &["test.txt", "line 1", &format!("{NEW_STYLE}_denoised.wav")]);
    fails(|d| std::fs::remove_file(d.join(format!("{OLD_STYLE}_denoised.mp4"))).unwrap(), &["train.txt", &format!("{OLD_STYLE}_denoised.mp4")]);
    fails(|d| std::fs::remove_file(d.join(format!("{OLD_STYLE}_times.txt"))).unwrap(), &[&format!("{OLD_STYLE}_times.txt")]);
    fails(|d| {
        std::fs::remove_file(d.join("train.txt")).unwrap();
        std::fs::remove_file(d.join("test.txt")).unwrap();
    }, &["no train.txt"]);
    fails(|d| std::fs::write(d.join("val.txt"), format!("{OLD_STYLE}\n")).unwrap(), &["val.txt", OLD_STYLE, "also listed in train.txt"]);
    let t = tempfile::tempdir().unwrap();
    let missing = t.path().join("nope");
    assert!(Dataset::open(&missing).unwrap_err().to_string().contains("nope"));
}
