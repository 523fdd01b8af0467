//! The `darkroom` command line: argument parsing, dispatch to one module per subcommand, and
//! the exit-code policy.
//!
//! Exit codes: 0 success; 1 finished with failed items; 2 usage, config or input error;
//! 3 internal error. Data goes to stdout, messages to stderr; every error is one line that names
//! the value and what would be accepted.

// Printing never panics and never stops a command: `darkroom run … 2>&1 | grep -q …` closes
// the pipe at the first match, and a run that panicked on its next progress line would leave a
// paid run `running` with its deliverables half written. These shadow the standard macros for
// the whole crate (they are defined before the modules that use them); what cannot be printed
// is dropped, and the work and its accounts go on.
macro_rules! println {
    () => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout());
    }};
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}
macro_rules! eprintln {
    () => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr());
    }};
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}
macro_rules! print {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stdout(), $($arg)*);
    }};
}

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
    /// Colour tools: differences and palettes.
    #[command(subcommand)]
    Color(cmd::color::Cmd),
    /// Audits: brand compliance and quality of image folders.
    #[command(subcommand)]
    Audit(cmd::audit::Cmd),
    /// Grade an image toward a brand palette, or apply a `.cube` LUT.
    Grade(cmd::finishing::GradeArgs),
    /// Upscale an image with Lanczos3.
    Upscale(cmd::finishing::UpscaleArgs),
    /// Extend (out-paint) an image to an aspect ratio.
    Extend(cmd::finishing::ExtendArgs),
    /// Repaint the masked part of an image.
    Inpaint(cmd::finishing::InpaintArgs),
    /// Set text on an image in a font, fitted to a box, with a contrast check.
    Typeset(cmd::finishing::TypesetArgs),
    /// Judge an image against its prompt (and a brand).
    Judge(cmd::judge::Args),
    /// Validate a campaign and print its plan and estimate.
    Check(cmd::check::Args),
    /// Run (or resume) a campaign: draft, judge, promote, finish, deliver.
    Run(cmd::run::Args),
    /// One of several workers on a campaign with a shared (PostgreSQL) ledger.
    Worker(cmd::worker::Args),
    /// Move a campaign's ledger file and store to PostgreSQL and a bucket, for workers on
    /// several machines; nothing it paid for is paid again.
    Move(cmd::moving::Args),
    /// What the ledger says about a campaign: counts, spend, CPSA, latency, failures.
    Status(cmd::status::Args),
    /// Write the HTML report of a campaign (contact sheets, verdicts, charts).
    Report(cmd::report::Args),
    /// Write a commented example campaign that runs offline.
    Init(cmd::init::Args),
    /// Compare strategies (lottery, funnel) on simulated models with a simulated clock.
    Simulate(cmd::simulate::Args),
    /// Open the review app: cull, rate, compare and approve in the browser.
    Review(cmd::review::Args),
    /// Show each file's Content Credentials (C2PA) in plain words; exit 1 when one is invalid.
    Verify(cmd::verify::Args),
    /// Lock what a campaign's recipes gave, and check them against today's model and judges.
    #[command(subcommand)]
    Recipe(cmd::recipe::Cmd),
}

fn main() -> ExitCode {
    // `darkroom status … | head`: once the reader is gone, printing to stdout fails. That is
    // not a bug to report with a backtrace; the output was simply not wanted any more.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let msg = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if msg.contains("failed printing to stdout") && msg.contains("Broken pipe") {
            std::process::exit(141);
        }
        default_hook(info);
    }));
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
        Command::Color(c) => cmd::color::run(c),
        Command::Audit(c) => cmd::audit::run(c),
        Command::Grade(a) => cmd::finishing::grade(a),
        Command::Upscale(a) => cmd::finishing::upscale(a),
        Command::Typeset(a) => cmd::finishing::typeset(a),
        Command::Extend(a) => cmd::finishing::extend(a),
        Command::Inpaint(a) => cmd::finishing::inpaint(a),
        Command::Judge(a) => cmd::judge::run(a),
        Command::Simulate(a) => cmd::simulate::run(a),
        Command::Check(a) => cmd::check::run(a),
        Command::Run(a) => cmd::run::run(a),
        Command::Worker(a) => cmd::worker::run(a),
        Command::Move(a) => cmd::moving::run(a),
        Command::Status(a) => cmd::status::run(a),
        Command::Init(a) => cmd::init::run(a),
        Command::Report(a) => cmd::report::run(a),
        Command::Review(a) => cmd::review::run(a),
        Command::Recipe(c) => cmd::recipe::run(c),
        Command::Verify(a) => cmd::verify::run(a),
    };
    match result {
        Ok(code) => code,
        Err(Fail::Input(msg)) => {
            eprintln!("error: {msg}");
            ExitCode::from(2)
        }
        Err(Fail::Remote(msg)) => {
            eprintln!("error: {msg}");
            ExitCode::from(1)
        }
        Err(Fail::Internal(e)) => {
            eprintln!("internal error: {e:#}");
            ExitCode::from(3)
        }
        Err(Fail::Said(code)) => code,
    }
}
