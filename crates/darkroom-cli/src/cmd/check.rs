//! `darkroom check CAMPAIGN`: validate, plan and estimate, spending nothing.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::fail::Fail;

/// Arguments of `darkroom check`.
#[derive(clap::Args)]
pub struct Args {
    /// The campaign file.
    campaign: PathBuf,
    /// Also ping every provider the tiers use (authentication, model exists); costs nothing.
    #[arg(long)]
    providers: bool,
    /// Exit 1 when the budget is below the expected spend (for scripts and CI).
    #[arg(long)]
    strict: bool,
    /// Print the whole plan as JSON (shots, tiers, every first-round attempt with the id `run`
    /// uses, the estimate) instead of text.
    #[arg(long)]
    json: bool,
}

impl Args {
    /// Arguments for a campaign path (used by `run --dry-run`).
    pub fn from_path(campaign: PathBuf) -> Args {
        Args {
            campaign,
            providers: false,
            strict: false,
            json: false,
        }
    }
}

/// Runs the command: every problem in the file at once (exit 2), or the plan and its estimate.
pub fn run(a: Args) -> Result<ExitCode, Fail> {
    let c = super::io::read_campaign(&a.campaign)?;
    let (mut c, ledger, db) = match usable(&a, c) {
        Ok(x) => x,
        Err(code) => return Ok(code),
    };
    let shared = matches!(db, darkroom_ledger::Location::Postgres(_));
    // Who sets each shot's text: `auto` reads the campaign's ledger when it has run.
    let routing = darkroom_engine::text::route(&mut c, ledger.as_ref());
    if let Err(e) = darkroom_engine::text::fonts(&c) {
        let n = e.lines().count();
        for line in e.lines() {
            eprintln!("{}: {line}", a.campaign.display());
        }
        eprintln!("{n} problem(s); nothing was run");
        return Ok(ExitCode::from(2));
    }
    let credentials = match credentials(&a, &c) {
        Ok(x) => x,
        Err(code) => return Ok(code),
    };
    let p = darkroom_campaign::plan::plan(&c);
    if a.json {
        print_json(&c, &p);
        return Ok(ExitCode::SUCCESS);
    }
    print_plan(&a, &c, &routing, &credentials, shared.then_some(&db));
    let short = print_estimate(&c, &p);
    if a.providers && !ping(&c) {
        return Ok(ExitCode::from(1));
    }
    if short && a.strict {
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

/// The problems that stop a campaign before it runs, beyond its file's own: missing keys and
/// provider files, a ledger or bucket that cannot be reached or used. Every one is said at once
/// (exit 2); otherwise the campaign, its ledger when it has one, and where that is.
fn usable(
    a: &Args,
    c: darkroom_campaign::Campaign,
) -> Result<
    (
        darkroom_campaign::Campaign,
        Option<darkroom_ledger::Ledger>,
        darkroom_ledger::Location,
    ),
    ExitCode,
> {
    // Keys are checked before anything could be spent; every missing one at once.
    let mut missing = darkroom_campaign::missing_keys(&c, |v| std::env::var(v).ok());
    missing.extend(darkroom_providers::build::file_problems(&c));
    if !missing.is_empty() {
        for m in &missing {
            eprintln!("{}: {m}", a.campaign.display());
        }
        eprintln!("{} problem(s); nothing was run", missing.len());
        return Err(ExitCode::from(2));
    }
    let db = darkroom_engine::ledger_location(&c, std::path::Path::new(&c.output));
    // A shared ledger or bucket is reached now: an unreachable server, a wrong password or key,
    // another campaign's database is said here, before a run (a file ledger may not exist yet).
    let shared = matches!(db, darkroom_ledger::Location::Postgres(_));
    let mut unusable = Vec::new();
    // (A file ledger that does not exist is not made: `check` writes nothing.)
    let ledger = match db
        .exists()
        .then(|| darkroom_ledger::Ledger::open_at(&db, &c.name))
    {
        Some(Ok(l)) => Some(l),
        Some(Err(e)) if shared => {
            unusable.push(e.to_string());
            None
        }
        _ => None,
    };
    // A file moved into a shared database (`darkroom move`) is not run on again.
    if let Some(Err(e)) = ledger
        .as_ref()
        .map(darkroom_ledger::Ledger::check_not_moved)
    {
        unusable.push(e.to_string());
    }
    unusable.extend(darkroom_engine::delivery_problem(&c));
    unusable.extend(darkroom_engine::sharing_problem(&c));
    if let Some(url) = c.store.as_deref() {
        let cache = std::path::Path::new(&c.output).join("store");
        if let Err(e) = darkroom_ledger::Store::open(cache, Some(url)) {
            unusable.push(e.to_string());
        }
    }
    if !unusable.is_empty() {
        for u in &unusable {
            eprintln!("{}: {u}", a.campaign.display());
        }
        eprintln!("{} problem(s); nothing was run", unusable.len());
        return Err(ExitCode::from(2));
    }
    Ok((c, ledger, db))
}

/// How the deliverables' Content Credentials will be signed and time-stamped, in words; a
/// signing certificate that cannot sign is said (exit 2).
fn credentials(a: &Args, c: &darkroom_campaign::Campaign) -> Result<String, ExitCode> {
    // A signing certificate that cannot sign (unreadable, expired, another key's) is said
    // before anything is spent. The local identity is only described: `check` writes nothing.
    let signing = darkroom_engine::signing(c);
    let out_dir = std::path::Path::new(&c.output);
    let credentials = if !c.provenance.enabled {
        "off ([provenance] enabled = false)".to_string()
    } else {
        let supplied = signing.cert.is_some()
            || signing.key.is_some()
            || [
                darkroom_provenance::identity::CERT_VAR,
                darkroom_provenance::identity::KEY_VAR,
            ]
            .iter()
            .any(|v| std::env::var(v).is_ok_and(|s| !s.trim().is_empty()));
        if supplied {
            match darkroom_provenance::identity::resolve(&signing, out_dir) {
                Ok(id) => format!("signed by {} (until {})", id.who(), id.not_after),
                Err(e) => {
                    eprintln!("{}: provenance: {e}", a.campaign.display());
                    eprintln!("1 problem(s); nothing was run");
                    return Err(ExitCode::from(2));
                }
            }
        } else {
            format!(
                "signed by the {}",
                darkroom_provenance::identity::describe(&signing, out_dir)
            )
        }
    };
    // Without a time-stamp, a signature reads as invalid the day its certificate expires.
    let stamps = match darkroom_engine::tsa_url(Some(c)) {
        _ if !c.provenance.enabled => None,
        Some(u) => Some(format!(
            "time-stamped by `{}` (RFC 3161)",
            darkroom_provenance::tsa::shown_url(&u)
        )),
        None => Some(format!(
            "no time-stamp authority: the signatures read as invalid once the signing certificate expires; set [provenance] tsa_url or ${}",
            darkroom_provenance::TSA_VAR
        )),
    };
    let credentials = match stamps {
        Some(s) => format!("{credentials}; {s}"),
        None => credentials,
    };
    Ok(credentials)
}

/// The plan in words: tiers, files, where the ledger and store are, each shot and who sets
/// its text.
fn print_plan(
    a: &Args,
    c: &darkroom_campaign::Campaign,
    routing: &[darkroom_engine::text::Routing],
    credentials: &str,
    shared: Option<&darkroom_ledger::Location>,
) {
    println!("campaign {} → {}", c.name, c.output);
    let on = |name: &str| {
        let p = &c.providers[name];
        match p.model_or_default() {
            Some(m) if !m.is_empty() => format!("`{name}` ({}, {m})", p.kind.as_str()),
            _ => format!("`{name}` ({})", p.kind.as_str()),
        }
    };
    let px = |size: darkroom_core::SizeSpec| match size {
        darkroom_core::SizeSpec::LongSide(n) => format!("{n} px on the long side"),
        s => format!("{s} px"),
    };
    println!(
        "  drafts: {} per shot and round on {} at {}, {} quality",
        c.draft.variants,
        on(&c.draft.provider),
        px(c.draft.size),
        c.draft.quality
    );
    println!(
        "  finals: on {} at {}, {} quality; up to {} of each shot's best drafts kept for finishing",
        on(&c.finish.provider),
        px(c.finish.size),
        c.finish.quality,
        c.finish.keep
    );
    let formats: Vec<&str> = c.formats.iter().map(|f| f.as_str()).collect();
    println!(
        "  files: {}; Content Credentials (C2PA): {credentials}",
        formats.join(" and ")
    );
    if let Some(db) = shared {
        println!(
            "  ledger: {db}, shared: run `darkroom worker {}` on each machine",
            a.campaign.display()
        );
    }
    if let Some(url) = &c.store {
        println!("  store: {url}, every asset and deliverable uploaded; the local folder a cache");
    }
    println!("shots:");
    for s in &c.shots {
        let asp: Vec<String> = s.deliver.iter().map(|x| x.to_string()).collect();
        println!(
            "  {:<24} {} final(s) × {}  \"{}\"",
            s.id,
            s.finals,
            asp.join(", "),
            s.prompt
        );
    }
    for r in routing {
        let set: Vec<String> = c
            .shots
            .iter()
            .find(|s| s.id == r.shot)
            .map(|s| {
                s.text
                    .iter()
                    .map(|t| format!("\"{}\"", t.content))
                    .collect()
            })
            .unwrap_or_default();
        match r.chosen {
            darkroom_core::text::TextBy::Typeset => println!(
                "  {:<24} text typeset on every deliverable: {} ({})",
                r.shot,
                set.join(", "),
                r.why
            ),
            _ if set.is_empty() => {
                println!("  {:<24} text drawn by the model ({})", r.shot, r.why)
            }
            _ => println!(
                "  {:<24} text drawn by the model ({}); also typeset: {}",
                r.shot,
                r.why,
                set.join(", ")
            ),
        }
    }
}

/// The plan's calls, cost and time, and the budget against them: whether the budget is short of
/// the expected spend.
fn print_estimate(c: &darkroom_campaign::Campaign, p: &darkroom_campaign::plan::Plan) -> bool {
    let e = &p.estimate;
    let spares = match e.finish_calls_worst - e.finish_calls {
        0 => String::new(),
        n => format!(" (+{n} spares if finishes fail)"),
    };
    let delivery = match e.deliver_calls {
        0 => String::new(),
        n => format!(", {n} delivery calls (other aspects)"),
    };
    println!(
        "plan: {} draft calls (first round), {} finish calls{spares}{delivery}, {} deliverables",
        e.draft_calls, e.finish_calls, e.deliverables
    );
    let pass = darkroom_engine::expected_pass_rate(c, std::path::Path::new("."));
    // Time: what this campaign's ledger measured once there is one; a guess before.
    let time = match darkroom_engine::measured_seconds(
        c,
        std::path::Path::new(""),
        e.draft_calls,
        e.finish_calls + e.deliver_calls,
    ) {
        Some(s) => format!("about {s:.0} s (from the latencies this campaign's ledger measured)"),
        None => format!(
            "about {:.0} s (a guess from typical latencies; measured after a run)",
            e.seconds_expected
        ),
    };
    match pass.clone() {
        Some((p, source)) => println!(
            "estimate: ${:.2} expected at a {:.0} % draft pass rate ({source}), ${:.2} worst case ({} rounds), {time}",
            e.expected_at(p, c.draft.variants),
            p * 100.0,
            e.money_worst,
            c.budget.max_rounds,
        ),
        None => println!(
            "estimate: ${:.2} expected if every shot passes in its first round, ${:.2} worst case ({} rounds), {time}",
            e.money_expected, e.money_worst, c.budget.max_rounds
        ),
    }
    if let Some(cr) = c.budget.credits {
        println!("budget: {cr} credits");
    }
    if let Some(m) = c.budget.money {
        println!("budget: {m:.2} {}", darkroom_core::money::Unit::Usd);
    }
    // The budget against the expected spend: a run with less finishes the shots it covers, in
    // order, and stops; said here, before anything is paid.
    let mut short = false;
    let cap_usd = c.budget.money.or(c
        .budget
        .credits
        .map(|cr| cr * darkroom_core::provider::USD_PER_CREDIT));
    if let Some(cap) = cap_usd {
        let p_rate = pass.as_ref().map_or(1.0, |x| x.0);
        let expected = e.expected_at(p_rate, c.draft.variants);
        if cap + 1e-9 < expected {
            short = true;
            let covered = e.shots_covered(cap, p_rate, c.draft.variants);
            eprintln!(
                "warning: the budget (${cap:.2}) is below the expected spend (${expected:.2}); it is expected to cover {covered} of {} shot(s), which a run finishes in order before drafting the rest",
                c.shots.len()
            );
        }
    }
    short
}

/// Pings every provider the campaign uses: whether all answered.
fn ping(c: &darkroom_campaign::Campaign) -> bool {
    println!("providers:");
    let mut failed = 0;
    for (name, r) in darkroom_providers::build::ping_used(c) {
        match r {
            Ok(what) => println!("  {name:<12} ok: {what}"),
            Err(why) => {
                failed += 1;
                println!("  {name:<12} FAILED: {why}");
            }
        }
    }
    if failed > 0 {
        eprintln!("{failed} provider(s) failed the health check");
        return false;
    }
    true
}

/// The plan for scripts: what `run` will call first, with the ids it will record.
fn print_json(c: &darkroom_campaign::Campaign, p: &darkroom_campaign::plan::Plan) {
    let tier = |t: &darkroom_campaign::Tier| {
        serde_json::json!({
            "provider": t.provider, "size": t.size.to_string(), "quality": t.quality.to_string(),
            "variants": t.variants, "keep": t.keep,
        })
    };
    let e = &p.estimate;
    let v = serde_json::json!({
        "campaign": c.name,
        "output": c.output,
        "tiers": { "draft": tier(&c.draft), "finish": tier(&c.finish) },
        "shots": c.shots.iter().map(|s| serde_json::json!({
            "id": s.id, "prompt": s.prompt, "finals": s.finals,
            "deliver": s.deliver.iter().map(|a| a.to_string()).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "attempts": p.attempts.iter().map(|a| serde_json::json!({
            "id": a.id, "shot": a.shot, "tier": "draft", "round": 1, "variant": a.variant,
            "provider": a.provider, "kind": a.kind.as_str(), "model": a.model, "prompt": a.prompt,
            "seed": darkroom_core::rand::seed_json(a.seed), "width": a.width, "height": a.height, "quality": a.quality.to_string(),
        })).collect::<Vec<_>>(),
        "estimate": {
            "draft_calls": e.draft_calls, "finish_calls": e.finish_calls,
            "finish_calls_worst": e.finish_calls_worst, "deliver_calls": e.deliver_calls,
            "deliverables": e.deliverables,
            "usd_expected_first_round": e.money_expected, "usd_worst": e.money_worst,
            "max_rounds": e.max_rounds, "seconds_expected": e.seconds_expected,
        },
    });
    println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
}
