//! `foley bank build` on a small dataset made by `foley dataset synth`.
use foley::synth::Bank;
use std::path::Path;
use std::process::Command;

const FOLEY: &str = env!("CARGO_BIN_EXE_foley-torch");

fn foley(args: &[&str]) -> std::process::Output {
    Command::new(FOLEY).arg("--quiet").args(args).output().expect("run foley")
}

#[test]
fn bank_build_keeps_every_train_action_with_its_labels() {
    let d = tempfile::tempdir().unwrap();
    let data = d.path().join("data");
    let data_s = data.to_str().unwrap();
    // 5 videos of 3 s: with --test-share 0.2 and --val-share 0, 4 train videos.
    let o = foley(&["dataset", "synth", "--out", data_s, "--videos", "5", "--seconds", "3", "--seed", "3",
        "--size", "160x120", "--val-share", "0", "--test-share", "0.2"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let bank_path = d.path().join("bank.safetensors");
    let o = foley(&["bank", "build", "--data", data_s, "-o", bank_path.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let bank = Bank::load(&bank_path).unwrap();
    let ds = foley::dataset::Dataset::open(&data).unwrap();
    let train: Vec<_> = ds.clips(foley::dataset::Split::Train).collect();
    let actions: usize = train.iter().map(|c| c.actions.len()).sum();
    assert!(actions > 0 && actions <= 256, "{actions} actions (under max_entries: all kept)");
    assert_eq!(bank.len(), actions);
    for e in &bank.entries {
        let clip = train.iter().find(|c| c.id == e.source).expect("entry from a train clip");
        let a = clip.actions.iter().find(|a| a.time == e.time).expect("entry at an annotated time");
        assert_eq!(e.material, a.material);
        assert_eq!(e.action, a.action);
        // Onset 20 ms into the snippet (pre_seconds at 22 050 Hz).
        assert_eq!(e.onset, (0.02f64 * 22_050.0).round() as usize);
        assert!(e.loudness > 0.0);
    }
    // Hits (not scratches) are impacts: more energy in the 20 ms after the onset than in the
    // 20 ms before (the generator annotates each hit at its audio onset).
    for e in bank.entries.iter().filter(|e| e.action == Some(foley::labels::ActionKind::Hit)) {
        let n = e.onset;
        let energy = |s: &[f32]| s.iter().map(|x| x * x).sum::<f32>();
        assert!(energy(&e.snippet[n..2 * n]) > 4.0 * energy(&e.snippet[..n]), "entry at {} of {}", e.time, e.source);
    }
}

#[test]
fn bank_build_errors_name_the_folder_and_leave_nothing() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("bank.safetensors");
    let o = foley(&["bank", "build", "--data", d.path().join("nowhere").to_str().unwrap(), "-o", out.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success() && err.starts_with("error:") && err.contains("nowhere"), "{err}");
    assert_eq!(err.trim().lines().count(), 1);
    assert!(!out.exists());
    assert!(Path::new(d.path()).read_dir().unwrap().next().is_none(), "nothing written");
}
