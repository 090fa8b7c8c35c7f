//! Greatest Hits data (SPEC §5): labels, the folder layout reader, the validator behind
//! `foley dataset check`, and the synthetic generator behind `foley dataset synth`.
pub mod bank;
pub mod check;
pub mod layout;
pub mod synth;

pub use check::{check, check_progress, Problem, ProblemKind, Report, Severity};
pub use crate::labels::{Action, ActionKind, Material, Reaction};
pub use layout::{Clip, Dataset, Split};
