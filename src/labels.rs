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
                    _ => Err(format!("unknown {} '{}' (expected one of: {})", $what, s,
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
/// `None` fields in the file are `None` here.
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

/// Why a `_times.txt` line was rejected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LineError {
    /// Wrong number of fields or an onset that is not a finite non-negative number.
    Unparsable(String),
    /// Four fields, but a label outside the dataset's vocabulary.
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
    pub fn parse_line(line: &str) -> Result<Action, LineError> {
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.len() != 4 {
            return Err(LineError::Unparsable(format!(
                "expected 4 fields 'onset material action reaction', found {}: '{}'",
                fields.len(),
                line.trim()
            )));
        }
        let time: f64 = fields[0]
            .parse()
            .ok()
            .filter(|t: &f64| t.is_finite() && *t >= 0.0)
            .ok_or_else(|| LineError::Unparsable(format!("onset '{}' is not a non-negative number of seconds", fields[0])))?;
        Ok(Action {
            time,
            material: field(fields[1]).map_err(LineError::UnknownLabel)?,
            action: field(fields[2]).map_err(LineError::UnknownLabel)?,
            reaction: field(fields[3]).map_err(LineError::UnknownLabel)?,
        })
    }

    /// The line as the dataset writes it (onset with 6 decimals, no newline).
    pub fn to_line(&self) -> String {
        format!("{:.6} {} {} {}", self.time, opt_str(&self.material), opt_str(&self.action), opt_str(&self.reaction))
    }
}

/// A parsed `_times.txt`: the actions in file order and every rejected line (1-based line
/// number, reason). Blank lines are skipped.
pub fn parse_times(text: &str) -> (Vec<(usize, Action)>, Vec<(usize, LineError)>) {
    let mut ok = Vec::new();
    let mut bad = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match Action::parse_line(line) {
            Ok(a) => ok.push((i + 1, a)),
            Err(e) => bad.push((i + 1, e)),
        }
    }
    (ok, bad)
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
        for l in ["2.0 steel hit static", "2.0 wood tap static", "2.0 wood hit bounce"] {
            assert!(matches!(Action::parse_line(l), Err(LineError::UnknownLabel(_))), "{l}");
        }
    }
}
