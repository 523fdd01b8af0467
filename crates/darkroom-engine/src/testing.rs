//! What the engine's unit tests share: a scratch folder, a campaign on one simulated provider
//! (the vendor that logs every request it bills), and an output folder opened for work.

use std::path::{Path, PathBuf};

use crate::session::Session;
use crate::Options;

/// A scratch folder of this test process, emptied first.
pub(crate) fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir()
        .join(format!("darkroom-scheduler-{}", std::process::id()))
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Spend counted in USD (the ledger books credits when the cap is in credits).
pub(crate) const USD: &str = "[budget]\nmoney = \"100 USD\"";

/// The simulator never fails unless a test says so.
pub(crate) const RELIABLE: &str =
    "failures = { transient = 0.0, refusal = 0.0, rate_limited = 0.0 }";

/// A campaign with one `sim` provider (`extra`: its failure overrides) and `budget`.
pub(crate) fn campaign(extra: &str, budget: &str) -> darkroom_campaign::Campaign {
    let text = format!(
        "[campaign]\nname = \"t\"\noutput = \"out\"\n{budget}\n\
         [providers.s]\nkind = \"sim\"\nmodel = \"fast-draft\"\n{extra}\n\
         [tiers.draft]\nprovider = \"s\"\nsize = \"512\"\nvariants = 1\n\
         [tiers.finish]\nprovider = \"s\"\nsize = \"512\"\nkeep = 1\n\
         [[shots]]\nid = \"a\"\nprompt = \"a red cube\"\n"
    );
    darkroom_campaign::load(&text, "t.toml").unwrap()
}

pub(crate) fn session(c: darkroom_campaign::Campaign, dir: &Path) -> Session {
    let opts = Options {
        sim_call_log: Some(dir.join("vendor.log")),
        ..Options::default()
    };
    crate::open(c, dir.join("out"), opts, &|_| true, "rebuy").unwrap()
}
