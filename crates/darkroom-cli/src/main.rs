//! The `darkroom` command line: argument parsing, dispatch to one module per subcommand, and
//! the exit-code policy.
//!
//! Exit codes: 0 success; 1 finished with failed items; 2 usage, config or input error;
//! 3 internal error. Data goes to stdout, messages to stderr; every error is one line that names
//! the value and what would be accepted.

mod cmd;
mod fail;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::fail::Fail;

/// darkroom: draft cheap, judge every draft, finish only the best.
#[derive(Parser)]
#[command(name = "darkroom", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print the scene graph and checklist a prompt becomes.
    Parse(cmd::parse::Args),
    /// Render a prompt with the built-in offline renderer.
    Sketch(cmd::sketch::Args),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            // Help and version are not errors.
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let result = match cli.command {
        Command::Parse(a) => cmd::parse::run(a),
        Command::Sketch(a) => cmd::sketch::run(a),
    };
    match result {
        Ok(code) => code,
        Err(Fail::Input(msg)) => {
            eprintln!("error: {msg}");
            ExitCode::from(2)
        }
        Err(Fail::Internal(e)) => {
            eprintln!("internal error: {e:#}");
            ExitCode::from(3)
        }
    }
}
