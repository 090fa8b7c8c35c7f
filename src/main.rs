//! `foley` command line: one subcommand per verb; all work is done by the library.
use anyhow::Result;
use clap::{Parser, Subcommand};

mod cli;

#[derive(Parser)]
#[command(name = "foley", version, about = "Predict the sound of things being struck or scratched from silent video",
    long_about = None, propagate_version = true)]
struct Cli {
    /// No progress bars or informational messages on stderr.
    #[arg(long, global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Show a video's streams (container, codec, size, rate, duration, frames, audio) and
    /// optionally draw a contact sheet of what the model sees.
    #[cfg(feature = "video")]
    Inspect(cli::inspect::InspectArgs),
}

fn main() {
    let cli = Cli::parse();
    if let Err(e) = run(cli) {
        // One line: the cause chain joined, file first (library errors name the file).
        eprintln!("error: {}", format!("{e:#}").replace('\n', " "));
        std::process::exit(1);
    }
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        #[cfg(feature = "video")]
        Command::Inspect(args) => cli::inspect::run(args, cli.quiet),
    }
}
