//! `foley`, the command line's front: it runs `features` and `invert` itself and hands
//! everything else (the other subcommands, `--help`, `--version`, usage errors) to the
//! complete command line `foley-torch`, installed beside it, by exec with the same arguments.
//!
//! Why two binaries: loading libtorch costs about 0.25 s, as long as `foley features` takes
//! on a minute of audio, and FFmpeg's 130 libraries 0.02 s. This package depends on
//! `foley-dsp` only (never the `foley` library), so Cargo guarantees that nothing in it
//! references tch or FFmpeg and the linker records neither (`readelf -d target/release/foley`). `features` of a file
//! that is not a WAV hound can read is handed to `foley-torch` too, which decodes it. Both
//! binaries parse these two subcommands with the same argument types (this package's
//! features.rs, invert.rs), and all help text comes from `foley-torch`, so the two cannot
//! disagree.
use clap::{Parser, Subcommand};
use std::ffi::OsString;

use foley_front as cli;

#[derive(Parser)]
#[command(name = "foley", disable_help_flag = true, disable_version_flag = true, disable_help_subcommand = true)]
struct Front {
    #[arg(long, global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Dsp,
}

#[derive(Subcommand)]
enum Dsp {
    #[command(disable_help_flag = true)]
    Features(cli::features::FeaturesArgs),
    #[command(disable_help_flag = true)]
    Invert(cli::invert::InvertArgs),
    #[command(external_subcommand)]
    Other(Vec<OsString>),
}

fn main() {
    // Freed buffers stay in the process for the next band (fewer page faults).
    foley_dsp::util::keep_freed_memory();
    match Front::try_parse() {
        Ok(Front { quiet, command: Dsp::Features(a) }) => {
            // Media files (and WAV flavours hound cannot read) need FFmpeg: foley-torch has it.
            let read = |p: &std::path::Path| foley_dsp::audio::read_audio_with(p, Some(&|_: &std::path::Path| exec_torch()));
            std::process::exit(cli::common::status_of(cli::features::run(a, quiet, read)))
        }
        Ok(Front { quiet, command: Dsp::Invert(a) }) => std::process::exit(cli::common::status_of(cli::invert::run(a, quiet))),
        Ok(Front { command: Dsp::Other(args), .. }) => {
            // These overlap FFmpeg's decoding threads with inference. OpenMP's threads spin
            // while waiting for work by default and take the cores the decoder needs; passive
            // waiting (read by libgomp when it loads, so only settable before the exec) made
            // `predict` on a 10 s clip 0.55 → 0.52 s here.
            let inference = args.first().and_then(|a| a.to_str()).is_some_and(|c| matches!(c, "predict" | "export" | "eval"));
            if inference {
                set_default_env("OMP_WAIT_POLICY", "PASSIVE");
                // libtorch's start-up allocates tens of MB in small pieces and faults each 4 KiB
                // page in; glibc's malloc asking for transparent huge pages (read by the loader,
                // so also only settable before the exec) cut `predict` on a 10 s clip by 0.05 s.
                set_default_env("GLIBC_TUNABLES", "glibc.malloc.hugetlb=1");
            }
            exec_torch()
        }
        // Help, version, or an error message to print: foley-torch's job.
        _ => exec_torch(),
    }
}

/// Set `key` for the exec'd process unless the user has set it.
fn set_default_env(key: &str, value: &str) {
    if std::env::var_os(key).is_none() {
        // SAFETY: single-threaded here, just before exec.
        unsafe { std::env::set_var(key, value) };
    }
}

/// Replace this process by `foley-torch` from this binary's directory, same arguments
/// (and the same argv[0], so usage lines still say `foley`); its exit status is ours.
fn exec_torch() -> ! {
    use std::os::unix::process::CommandExt;
    let mut args = std::env::args_os();
    let arg0 = args.next().unwrap_or_else(|| "foley".into());
    let full = match std::env::current_exe() {
        Ok(exe) => exe.with_file_name("foley-torch"),
        Err(e) => {
            eprintln!("error: cannot locate the foley binary to find foley-torch beside it: {e}");
            std::process::exit(1);
        }
    };
    let e = std::process::Command::new(&full).arg0(arg0).args(args).exec();
    eprintln!("error: {}: {e} (foley runs it for every subcommand but features and invert; install both binaries together)", full.display());
    std::process::exit(1);
}
