//! The annotation vocabulary of Greatest Hits (SPEC §5): materials, actions, reactions, one
//! annotated [`Action`] and the `_times.txt` line format. It sits at the bottom of the layers so
//! that every stage (model read-outs, bank, dataset, training cache, evaluation) shares one type.
use std::fmt;
use std::str::FromStr;

/// Defines a label enum whose variants are spelt exactly as in the dataset's files.
macro_rules! label_enum {
    ($(#[$doc:meta])* $name:ident, $what:literal, [$($variant:ident = $text:literal),+ $(,)?]) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        pub enum $name {
            $(#[serde(rename = $text)] $variant),+
        }

        impl $name {
            /// Every value, in the order of SPEC §5.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// The spelling used in `_times.txt`.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
            /// Position in [`Self::ALL`] (a class index).
            pub fn index(self) -> usize {
                self as usize
            }
        }

        impl FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err(format!("unknown {} '{}' (expected one of: {})", $what, shown(s),
                        [$($text),+].join(", "))),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

label_enum!(
    /// The 17 materials of the Greatest Hits dataset.
    Material, "material", [
    Wood = "wood", Metal = "metal", Dirt = "dirt", Rock = "rock", Leaf = "leaf",
    Plastic = "plastic", Cloth = "cloth", Paper = "paper", Grass = "grass", Water = "water",
    Drywall = "drywall", Gravel = "gravel", PlasticBag = "plastic-bag", Ceramic = "ceramic",
    Tile = "tile", Carpet = "carpet", Glass = "glass",
]);

label_enum!(
    /// What the drumstick does.
    ActionKind, "action", [Hit = "hit", Scratch = "scratch"]);

label_enum!(
    /// How the struck object reacts.
    Reaction, "reaction", [
    Static = "static", RigidMotion = "rigid-motion", Deformation = "deformation",
    Scattering = "scattering", Splash = "splash", Other = "other",
]);

/// One annotated action: a line `onset material action reaction` of `_times.txt`.
/// `None` fields in the file are `None` here. A reaction word outside SPEC §5's six is
/// [`Reaction::Other`]; the word itself is kept beside the action by [`parse_times`] (and in the
/// dataset reader's `Clip::unknown_reactions`), so that `Action` stays `Copy`.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Action {
    /// Onset in seconds from the start of the video.
    pub time: f64,
    pub material: Option<Material>,
    pub action: Option<ActionKind>,
    pub reaction: Option<Reaction>,
}

/// The word the files use for an unlabelled field.
pub const NONE: &str = "None";

fn field<T: FromStr<Err = String>>(s: &str) -> Result<Option<T>, String> {
    if s == NONE {
        Ok(None)
    } else {
        s.parse().map(Some)
    }
}

fn opt_str<T: fmt::Display>(v: &Option<T>) -> String {
    v.as_ref().map_or_else(|| NONE.to_string(), |x| x.to_string())
}

/// `s` as quoted in a one-line message: control characters escaped, at most 60 characters
/// (a binary file read as text must not flood the terminal or break the line).
pub(crate) fn shown(s: &str) -> String {
    const MAX: usize = 60;
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i == MAX {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    out
}

/// Why a `_times.txt` line was rejected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LineError {
    /// Wrong number of fields or an onset that is not a finite non-negative number.
    Unparsable(String),
    /// Four fields, but a material or action outside the dataset's vocabulary.
    UnknownLabel(String),
}

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LineError::Unparsable(m) | LineError::UnknownLabel(m) => f.write_str(m),
        }
    }
}

impl Action {
    /// Parse one non-blank line, e.g. `2.677438 ceramic hit static` or `3.1 None hit None`.
    /// An unknown reaction word gives [`Reaction::Other`] (see [`Action::parse_line_word`]).
    pub fn parse_line(line: &str) -> Result<Action, LineError> {
        Self::parse_line_word(line).map(|(a, _)| a)
    }

    /// [`Action::parse_line`], also returning the reaction word when it is none of SPEC §5's
    /// six (the action's reaction is then [`Reaction::Other`]). Materials and actions stay
    /// strict: an unknown one is a [`LineError::UnknownLabel`].
    pub fn parse_line_word(line: &str) -> Result<(Action, Option<String>), LineError> {
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.len() != 4 {
            return Err(LineError::Unparsable(format!(
                "expected 4 fields 'onset material action reaction', found {}: '{}'",
                fields.len(),
                shown(line.trim())
            )));
        }
        let time: f64 = fields[0]
            .parse()
            .ok()
            .filter(|t: &f64| t.is_finite() && *t >= 0.0)
            .ok_or_else(|| LineError::Unparsable(format!("onset '{}' is not a non-negative number of seconds", shown(fields[0]))))?;
        let material = field(fields[1]).map_err(LineError::UnknownLabel)?;
        let action = field(fields[2]).map_err(LineError::UnknownLabel)?;
        let (reaction, word) = match field::<Reaction>(fields[3]) {
            Ok(r) => (r, None),
            Err(_) => (Some(Reaction::Other), Some(fields[3].to_string())),
        };
        Ok((Action { time, material, action, reaction }, word))
    }

    /// The line as the dataset writes it (onset with 6 decimals, no newline).
    pub fn to_line(&self) -> String {
        format!("{:.6} {} {} {}", self.time, opt_str(&self.material), opt_str(&self.action), opt_str(&self.reaction))
    }
}

/// A parsed `_times.txt`. Line numbers are 1-based.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Times {
    /// The actions in file order, with their line numbers.
    pub actions: Vec<(usize, Action)>,
    /// Every rejected line and why.
    pub errors: Vec<(usize, LineError)>,
    /// Reaction words outside SPEC §5's six: (index into `actions`, the word as written).
    /// Those actions carry [`Reaction::Other`].
    pub unknown_reactions: Vec<(usize, String)>,
}

/// Parse a `_times.txt`. Blank lines are skipped; line ends may be `\n`, `\r\n` or (a file
/// with no `\n` at all) `\r`; a leading UTF-8 byte-order mark is ignored.
pub fn parse_times(text: &str) -> Times {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines: Box<dyn Iterator<Item = &str>> =
        if text.contains('\n') { Box::new(text.lines()) } else { Box::new(text.split('\r')) };
    let mut out = Times::default();
    for (i, line) in lines.enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match Action::parse_line_word(line) {
            Ok((a, word)) => {
                if let Some(w) = word {
                    out.unknown_reactions.push((out.actions.len(), w));
                }
                out.actions.push((i + 1, a));
            }
            Err(e) => out.errors.push((i + 1, e)),
        }
    }
    out
}

/// The one-line note for a reaction word outside SPEC §5's six, seen on `lines` lines, first
/// at `first` (`file:line`): shared by `foley dataset check` and the loader's stderr warning.
pub fn unknown_reaction_note(word: &str, lines: usize, first: &str) -> String {
    let known: Vec<&str> = Reaction::ALL.iter().map(|r| r.as_str()).collect();
    format!(
        "unknown reaction '{}' on {lines} line(s), first at {first}: kept as 'other' (known: {})",
        shown(word),
        known.join(", ")
    )
}

/// `_times.txt` content for `actions`.
pub fn format_times(actions: &[Action]) -> String {
    actions.iter().map(|a| a.to_line() + "\n").collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_round_trip() {
        assert_eq!(Material::ALL.len(), 17);
        assert_eq!(Reaction::ALL.len(), 6);
        for m in Material::ALL {
            assert_eq!(m.as_str().parse::<Material>(), Ok(*m));
        }
        assert_eq!("plastic-bag".parse::<Material>(), Ok(Material::PlasticBag));
        assert_eq!("rigid-motion".parse::<Reaction>(), Ok(Reaction::RigidMotion));
        assert!("Wood".parse::<Material>().is_err(), "labels are case-sensitive as in the files");
    }

    #[test]
    fn real_line_and_none_fields() {
        let a = Action::parse_line("2.677438 ceramic hit static").unwrap();
        assert_eq!(a, Action { time: 2.677438, material: Some(Material::Ceramic), action: Some(ActionKind::Hit), reaction: Some(Reaction::Static) });
        assert_eq!(a.to_line(), "2.677438 ceramic hit static");
        let b = Action::parse_line("10.5\tNone  scratch None").unwrap();
        assert_eq!((b.material, b.action, b.reaction), (None, Some(ActionKind::Scratch), None));
        assert_eq!(b.to_line(), "10.500000 None scratch None");
    }

    #[test]
    fn malformed_lines() {
        for l in ["2.0 wood hit", "2.0 wood hit static extra", "abc wood hit static", "-1 wood hit static", "nan wood hit static", "inf wood hit static"] {
            assert!(matches!(Action::parse_line(l), Err(LineError::Unparsable(_))), "{l}");
        }
        for l in ["2.0 steel hit static", "2.0 wood tap static", "2.0 None tap None", "2.0 Wood None None"] {
            assert!(matches!(Action::parse_line(l), Err(LineError::UnknownLabel(_))), "{l}");
        }
    }

    #[test]
    fn unknown_reaction_is_other_with_its_word() {
        let (a, w) = Action::parse_line_word("2.0 wood hit bounce").unwrap();
        assert_eq!(a.reaction, Some(Reaction::Other));
        assert_eq!(w.as_deref(), Some("bounce"));
        // The six known words (and `None`) carry no word.
        for r in Reaction::ALL.iter().map(|r| r.as_str()).chain([NONE]) {
            assert_eq!(Action::parse_line_word(&format!("1 wood hit {r}")).unwrap().1, None, "{r}");
        }
        // Case matters, as for materials: `Static` is an unknown word, kept.
        assert_eq!(Action::parse_line_word("1 wood hit Static").unwrap().1.as_deref(), Some("Static"));
    }

    #[test]
    fn none_in_every_label_position_and_crlf() {
        let t = parse_times("1.0 None hit static\r\n2.0 wood None static\r\n3.0 wood hit None\r\n\r\n4.0 None None None\r\n5.0 None None splosh\r\n");
        assert!(t.errors.is_empty(), "{:?}", t.errors);
        let got: Vec<(usize, String)> = t.actions.iter().map(|(l, a)| (*l, a.to_line())).collect();
        let want = [
            (1, "1.000000 None hit static"),
            (2, "2.000000 wood None static"),
            (3, "3.000000 wood hit None"),
            (5, "4.000000 None None None"),
            (6, "5.000000 None None other"),
        ];
        assert_eq!(got, want.map(|(l, s)| (l, s.to_string())));
        assert_eq!(t.unknown_reactions, vec![(4, "splosh".to_string())]);
        // `None` as the onset is not a time: an error, like any unparsable onset.
        assert!(matches!(Action::parse_line("None wood hit static"), Err(LineError::Unparsable(m)) if m == "onset 'None' is not a non-negative number of seconds"));
    }

    #[test]
    fn bom_and_old_mac_line_ends() {
        let t = parse_times("\u{feff}1.0 wood hit static\r2.0 metal scratch None\r");
        assert!(t.errors.is_empty(), "{:?}", t.errors);
        assert_eq!(t.actions.iter().map(|(l, a)| (*l, a.time)).collect::<Vec<_>>(), vec![(1, 1.0), (2, 2.0)]);
    }

    #[test]
    fn messages_stay_one_short_line() {
        let junk = format!("1.0 wood hit static \u{1b}[2J{}", "x".repeat(500));
        let e = Action::parse_line(&junk).unwrap_err().to_string();
        assert!(e.starts_with("expected 4 fields 'onset material action reaction', found 5: '1.0 wood hit static \\u{1b}[2Jxxx"), "{e}");
        assert!(e.chars().count() < 140 && !e.chars().any(char::is_control), "{e}");
    }
}
