//! `darkroom review CAMPAIGN`: the local web app where a person culls, rates, compares and
//! approves what the campaign made (see [`darkroom_review`]).

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Mutex;

use crate::fail::Fail;

/// Arguments of `darkroom review`.
#[derive(clap::Args)]
pub struct Args {
    /// The campaign file.
    campaign: PathBuf,
    /// Port on 127.0.0.1 (0: any free port).
    #[arg(long, default_value_t = 7878)]
    port: u16,
    /// Open the URL in the desktop's browser.
    #[arg(long)]
    open: bool,
    /// Who decides, recorded with every decision and version (default: the OS user).
    #[arg(long, value_name = "NAME")]
    reviewer: Option<String>,
}

/// A random token from the OS's generator, hex.
fn token() -> Result<String, Fail> {
    use std::io::Read as _;
    let mut b = [0u8; 16];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut b))
        .map_err(|e| Fail::Internal(anyhow::anyhow!("reading /dev/urandom: {e}")))?;
    Ok(b.iter().map(|x| format!("{x:02x}")).collect())
}

/// Runs the command: serves until interrupted.
pub fn run(a: Args) -> Result<ExitCode, Fail> {
    let (c, ledger) = super::io::campaign_ledger(&a.campaign)?;
    let out = PathBuf::from(&c.output);
    let store =
        darkroom_ledger::Store::open(out.join("store"), c.store.as_deref()).map_err(Fail::input)?;
    let token = token()?;
    let who = match a.reviewer.as_deref().map(str::trim) {
        Some("") => {
            return Err(Fail::Input(
                "--reviewer: a name is required (or leave the flag out for the OS user)".into(),
            ))
        }
        Some(name) if name.len() > 100 || name.chars().any(char::is_control) => {
            return Err(Fail::Input(format!(
                "--reviewer: `{}` is not a name (at most 100 characters, no control characters)",
                name.escape_debug()
            )))
        }
        Some(name) => name.to_string(),
        None => std::env::var("USER")
            .or_else(|_| std::env::var("LOGNAME"))
            .unwrap_or_else(|_| "unknown".into()),
    };
    // The campaign's providers that can in-paint, and the engine's one call path for them.
    let fixers: Vec<String> = c
        .providers
        .iter()
        .filter(|(_, p)| {
            darkroom_core::catalog::capabilities(p.kind, p.model.as_deref().unwrap_or("")).inpaint
        })
        .map(|(n, _)| n.clone())
        .collect();
    let for_fix = c.clone();
    let fix = move |provider: &str, req: darkroom_core::provider::Request| {
        darkroom_engine::fix::fix(for_fix.clone(), std::path::Path::new("."), provider, req)
            .map(|f| (f.png, f.attempt))
            .map_err(|e| match e {
                darkroom_engine::EngineError::Ledger(
                    l @ darkroom_ledger::LedgerError::Locked { .. },
                ) => darkroom_review::FixFailure::Busy(l.to_string()),
                e => darkroom_review::FixFailure::Failed(e.to_string()),
            })
    };
    let for_drain = c.clone();
    let drain = move || {
        darkroom_engine::fix::make_queued(&for_drain, std::path::Path::new("."))
            .map_err(|e| e.to_string())
    };
    let served = darkroom_review::serve(a.port, |port| {
        let url = format!("http://127.0.0.1:{port}/?token={token}");
        // Written, not printed: a reader that went away (a script that took the URL and
        // closed the pipe) must not stop the server.
        let mut o = std::io::stdout();
        let _ = writeln!(o, "review {} at {url}", c.name);
        let _ = writeln!(
            o,
            "(the token in the URL is the key: anyone with it can decide; Ctrl-C stops)"
        );
        let _ = o.flush();
        if a.open {
            let _ = std::process::Command::new("xdg-open").arg(&url).spawn();
        }
        darkroom_review::App {
            campaign: c.name.clone(),
            ledger: Mutex::new(ledger),
            store: store.clone(),
            token: token.clone(),
            who,
            hosts: vec![format!("127.0.0.1:{port}"), format!("localhost:{port}")],
            fixers,
            fix: Some(Box::new(fix)),
            drain: Some(Box::new(drain)),
            brand: c.brand.clone(),
            budget: (c.budget.cap(), c.budget.unit()),
            near: c.gates.near_duplicate,
        }
    });
    match served {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(e @ darkroom_review::ReviewError::Bind { .. }) => Err(Fail::input(e)),
        Err(e) => Err(Fail::Internal(e.into())),
    }
}
