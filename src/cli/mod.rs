//! CLI glue for subcommands with more than a few lines of argument handling.
pub mod dataset;
