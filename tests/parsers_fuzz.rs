//! Property tests (proptest) of the text readers of the dataset layout: `_times.txt`
//! (`foley::labels::parse_times`) and the split lists (`foley::dataset::layout`). Arbitrary
//! text never panics and every message is one short line; valid generated files read back
//! exactly what was written.
use foley::dataset::layout::{parse_split_list, read_split_file};
use foley::labels::{parse_times, Action, ActionKind, Material, Reaction};
use proptest::prelude::*;

fn cfg() -> ProptestConfig {
    ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() }
}

/// Text made mostly of the pieces `_times.txt` files are made of, so that the parser's
/// branches are reached more often than by uniform random characters.
fn times_like() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("None".to_string()), Just("wood".to_string()), Just("hit".to_string()), Just("static".to_string()),
        Just(" ".to_string()), Just("\t".to_string()), Just("\n".to_string()), Just("\r\n".to_string()), Just("\r".to_string()),
        Just("-".to_string()), Just("1e400".to_string()), Just("NaN".to_string()), Just("\u{feff}".to_string()),
        "[0-9.]{1,8}", any::<String>(),
    ];
    proptest::collection::vec(piece, 0..40).prop_map(|v| v.concat())
}

fn one_short_line(m: &str) -> bool {
    !m.chars().any(|c| c == '\n' || c == '\r') && m.chars().count() < 400
}

/// An action as a generator would write it: onset in whole microseconds (what `{:.6}`
/// keeps), any label or `None`, and sometimes a reaction word outside the six.
fn action() -> impl Strategy<Value = (Action, Option<String>)> {
    (
        0u64..100_000_000_000,
        proptest::option::of(prop::sample::select(Material::ALL.to_vec())),
        proptest::option::of(prop::sample::select(ActionKind::ALL.to_vec())),
        proptest::option::of(prop::sample::select(Reaction::ALL.to_vec())),
        proptest::option::of("[a-z][a-z_-]{0,12}"),
    )
        .prop_map(|(us, material, action, reaction, word)| {
            // A random word that happens to be a known one (or `None`) is not unknown.
            let word = word.filter(|w| w.parse::<Reaction>().is_err() && w != "None");
            let reaction = if word.is_some() { Some(Reaction::Other) } else { reaction };
            (Action { time: us as f64 / 1e6, material, action, reaction }, word)
        })
}

proptest! {
    #![proptest_config(cfg())]

    #[test]
    fn times_arbitrary_text_never_panics(text in times_like()) {
        let t = parse_times(&text);
        for (line, e) in &t.errors {
            prop_assert!(*line >= 1);
            let m = e.to_string();
            prop_assert!(one_short_line(&m), "{:?}", m);
        }
        for (k, _) in &t.unknown_reactions {
            prop_assert_eq!(t.actions[*k].1.reaction, Some(Reaction::Other));
        }
        // Every non-blank line is either an action or an error.
        let lines = if text.contains('\n') { text.lines().count() } else { text.split('\r').count() };
        prop_assert!(t.actions.len() + t.errors.len() <= lines);
    }

    #[test]
    fn times_round_trip(rows in proptest::collection::vec(action(), 0..30), crlf in any::<bool>()) {
        let end = if crlf { "\r\n" } else { "\n" };
        let text: String = rows
            .iter()
            .map(|(a, word)| {
                let line = a.to_line();
                let line = match word { Some(w) => format!("{} {w}", line.rsplit_once(' ').unwrap().0), None => line };
                line + end
            })
            .collect();
        let t = parse_times(&text);
        prop_assert!(t.errors.is_empty(), "{:?}", t.errors);
        let got: Vec<Action> = t.actions.iter().map(|(_, a)| *a).collect();
        let want: Vec<Action> = rows.iter().map(|(a, _)| *a).collect();
        prop_assert_eq!(got, want);
        prop_assert_eq!(t.actions.iter().map(|(l, _)| *l).collect::<Vec<_>>(), (1..=rows.len()).collect::<Vec<_>>());
        let words: Vec<(usize, String)> = rows.iter().enumerate().filter_map(|(i, (_, w))| w.clone().map(|w| (i, w))).collect();
        prop_assert_eq!(t.unknown_reactions, words);
    }

    #[test]
    fn split_list_arbitrary_text_never_panics(text in any::<String>()) {
        let l = parse_split_list(&text);
        for (_, why) in &l.errors {
            prop_assert!(one_short_line(why), "{:?}", why);
        }
        for (_, id) in &l.ids {
            prop_assert!(!id.is_empty() && !id.contains(['/', '\\']) && !id.chars().any(char::is_whitespace));
        }
    }

    #[test]
    fn split_list_round_trip(ids in proptest::collection::vec("[0-9]{4}(-[0-9]{2}){5}(-[0-9]{1,2})?", 0..20), crlf in any::<bool>(), blank in any::<bool>()) {
        let end = if crlf { "\r\n" } else { "\n" };
        let mut text = String::new();
        let mut want = Vec::new();
        for id in &ids {
            if blank {
                text.push_str(end);
            }
            text.push_str(&format!("  {id}\t{end}"));
            want.push((text.matches('\n').count(), id.clone()));
        }
        let l = parse_split_list(&text);
        prop_assert!(l.errors.is_empty());
        prop_assert_eq!(l.ids, want);
    }
}

#[test]
fn split_list_refuses_paths_naming_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("train.txt");
    std::fs::write(&p, "\u{feff}2015-02-16-16-49-06\r\n\r\n../../etc/passwd\r\n").unwrap();
    let e = read_split_file(&p).unwrap_err().to_string();
    assert_eq!(e, format!("{}: line 3: id '../../etc/passwd' contains a path separator (expected one clip id per line, e.g. 2015-02-16-16-49-06)", p.display()));
    std::fs::write(&p, b"2015-02-16-16-49-06\n\xff\xfe\n").unwrap();
    let e = read_split_file(&p).unwrap_err().to_string();
    assert_eq!(e, format!("{}: not a text file (invalid UTF-8 at byte 20); expected one clip id per line", p.display()));
    std::fs::write(&p, "\u{feff}2015-02-16-16-49-06\r\n").unwrap();
    assert_eq!(read_split_file(&p).unwrap(), Some(vec![(1, "2015-02-16-16-49-06".to_string())]));
}
