//! The review app's pages: HTML written here, a little plain JavaScript for the keys and the
//! calls, no external file of any kind.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use darkroom_core::money::{Money, Unit};
use darkroom_ledger::{
    standing, AttemptStatus, Dump, HumanAction, HumanRecord, Reason, ScoreRecord, Tier, Totals,
    Version,
};

/// Escapes text for HTML content and attributes: the one escaper the report, the recipe page
/// and the review app share.
pub use darkroom_report::svg::esc;

/// The JSON the page polls: per attempt (of a shot), its standing decisions.
pub fn state_json(dump: &Dump, human: &[HumanRecord], shot: Option<&str>) -> serde_json::Value {
    let st = standing(human);
    let items: Vec<serde_json::Value> = dump
        .attempts
        .iter()
        .filter(|a| shot.is_none_or(|s| a.shot == s) && a.asset.is_some())
        .map(|a| {
            let s = st.get(&a.id).cloned().unwrap_or_default();
            let mut v = standing_json(&a.id, &s);
            v["shot"] = a.shot.clone().into();
            v["tier"] = a.tier.as_str().into();
            v
        })
        .collect();
    serde_json::json!({ "items": items, "decisions": human.len() })
}

/// One image's standing as the page shows it: the decision, its reason, the rating and the
/// person's answers to the checklist.
pub fn standing_json(id: &str, s: &darkroom_ledger::Standing) -> serde_json::Value {
    serde_json::json!({
        "attempt": id,
        "decision": s.decision.map(|d| d.as_str()), "reason": s.reason, "rating": s.rating,
        "verdicts": s.verdicts.iter().map(|(k, v)| (k.to_string(), *v)).collect::<BTreeMap<_, _>>(),
    })
}

const STYLE: &str = r#"
body{font:14px/1.4 system-ui,sans-serif;margin:0;background:#f5f4f0;color:#1a1a1a}
header{padding:12px 20px;background:#1a1a1a;color:#f4f1ea}header a{color:#f4f1ea}
main{padding:16px 20px}.tiles{display:flex;gap:12px;flex-wrap:wrap}
.tile{background:#fff;border-radius:6px;padding:10px 14px;min-width:140px}
.tile b{display:block;font-size:20px}table{border-collapse:collapse;background:#fff}
td,th{padding:6px 10px;border-bottom:1px solid #e4e1da;text-align:left}
.sheet{display:grid;grid-template-columns:repeat(auto-fill,minmax(140px,1fr));gap:8px;margin-right:330px}.filters{margin-right:330px}
.card{background:#fff;border-radius:5px;padding:4px;border:3px solid transparent;cursor:pointer;contain:content}
.card.sel{border-color:#0047ab}.card.approve{background:#e3f4e5}.card.reject{background:#f9e1df;opacity:.75}.card.superseded{opacity:.55}
.card.stacked{display:none}.card.stacked.open{display:block}.card.marked{outline:3px dashed #c77700}
.card img{width:100%;aspect-ratio:1;object-fit:contain;background:#808080;border-radius:3px;display:block}.meta{font-size:11px;color:#555}
.badge{font-size:11px;padding:0 4px;border-radius:8px;background:#e6efe6;color:#16703a}.badge.b-no{background:#f6dcd9;color:#b3261e}
.stk{font-size:11px;padding:0 4px}#detail{position:fixed;right:0;top:45px;bottom:0;width:310px;overflow:auto;background:#fff;
padding:10px 12px;border-left:1px solid #e4e1da;font-size:13px}#detail .ev{font-size:11px;color:#666;margin:0 0 4px 8px}
#loupe{position:fixed;inset:0;background:#808080;display:none;z-index:4;align-items:center;justify-content:center;flex-direction:column}
#loupe.on{display:flex}#loupe img{width:100vw;height:calc(100vh - 34px);object-fit:contain}#lcap{color:#111;padding:6px;font-size:13px}
.panes{display:grid;grid-template-columns:repeat(auto-fit,minmax(280px,1fr));gap:6px}.pane{overflow:hidden;background:#808080;height:62vh;position:relative;cursor:grab}
.pane img{position:absolute;left:0;top:0;transform-origin:0 0;max-width:none}.pane p{position:absolute;bottom:0;left:4px;margin:0;color:#111;background:rgba(255,255,255,.6);padding:0 4px}
.q{font-size:12px;margin:2px 0;display:flex;gap:4px;align-items:baseline}
.q button{font-size:11px;padding:0 4px}.v-yes{color:#16703a}.v-no{color:#b3261e}.v-undecided{color:#777}
.human{font-weight:bold}#overlay{position:fixed;inset:0;background:rgba(20,20,20,.97);display:none;
overflow:auto;z-index:5;color:#fff;padding:20px}#overlay.on{display:block}
.cmp{position:relative;display:inline-block}.cmp img{display:block;max-width:90vw}
.cmp .top{position:absolute;inset:0;overflow:hidden}.pair{display:flex;gap:8px}.pair img{max-width:44vw}
#help,#why{position:fixed;right:20px;top:60px;background:#fff;color:#1a1a1a;padding:12px 16px;
border-radius:6px;box-shadow:0 2px 12px rgba(0,0,0,.3);display:none;z-index:6}#help.on,#why.on{display:block}
.filters a{margin-right:10px}.versions{font-size:12px;margin-top:4px}
.paint{position:relative;display:inline-block}.paint img{display:block;max-width:80vw;max-height:70vh}
.paint canvas{position:absolute;left:0;top:0;opacity:.55;cursor:crosshair}
"#;

fn head(title: &str) -> String {
    format!(
        "<!doctype html><html lang=en><head><meta charset=utf-8><link rel=icon href=\"data:,\"><title>{}</title><style>{STYLE}</style></head><body>",
        esc(title)
    )
}

/// What the overview reads from the ledger.
pub struct Ledgered<'a> {
    /// The ledger's rows.
    pub dump: &'a Dump,
    /// People's decisions.
    pub human: &'a [HumanRecord],
    /// Versions made in review.
    pub versions: &'a [Version],
}

/// The version approved in review that is delivered in `id`'s place, if any: the latest
/// approved among the versions made from it (and from those).
pub fn superseding<'a>(
    id: &str,
    versions: &'a [Version],
    st: &BTreeMap<String, darkroom_ledger::Standing>,
) -> Option<&'a Version> {
    let mut line = vec![id];
    let mut found: Option<&Version> = None;
    let mut looked = 0;
    while let Some(parent) = line.pop() {
        looked += 1;
        if looked > versions.len() + 1 {
            break;
        }
        for v in versions.iter().filter(|v| v.parent == parent) {
            if st.get(&v.id).and_then(|x| x.decision) == Some(HumanAction::Approve)
                && found.is_none_or(|f| v.at > f.at)
            {
                found = Some(v);
            }
            line.push(v.id.as_str());
        }
    }
    found
}

/// The campaign overview: spend, and per shot what awaits review.
pub fn overview(
    campaign: &str,
    token: &str,
    ledgered: &Ledgered<'_>,
    totals: &Totals,
    agree: &darkroom_readout::agreement::Agreement,
    budget: (Option<Money>, Unit),
) -> String {
    let Ledgered {
        dump,
        human,
        versions,
    } = *ledgered;
    let (cap, unit) = budget;
    let st = standing(human);
    let mut shots: BTreeMap<&str, (u32, u32, u32, u32, u32)> = BTreeMap::new();
    for a in dump.attempts.iter().filter(|a| a.asset.is_some()) {
        let e = shots.entry(a.shot.as_str()).or_default();
        match a.tier {
            Tier::Draft => e.0 += 1,
            Tier::Finish => e.1 += 1,
            _ => continue,
        }
        // A final superseded by an approved version awaits nothing: the version is approved.
        if a.tier == Tier::Finish && superseding(&a.id, versions, &st).is_some() {
            e.3 += 1;
            continue;
        }
        match st.get(&a.id).and_then(|s| s.decision) {
            Some(HumanAction::Approve) => e.3 += 1,
            Some(HumanAction::Reject) => e.4 += 1,
            _ if a.tier == Tier::Finish => e.2 += 1,
            _ => {}
        }
    }
    let awaiting: u32 = shots.values().map(|s| s.2).sum();
    let mut h = head(&format!("{campaign} · review"));
    let _ = write!(
        h,
        "<header><b>{}</b> · review</header><main><div class=tiles>\
         <div class=tile>Spend<b>{:.2}</b>{unit} settled</div>\
         <div class=tile>Cost per delivered file<b>{cpsa}</b>{unit}, {files} file(s) delivered</div>\
         <div class=tile>Budget left<b>{left}</b>{cap_note}</div>\
         <div class=tile>Finals awaiting review<b id=awaiting>{awaiting}</b></div>\
         <div class=tile>Decisions<b>{}</b>by people, in the ledger</div></div>\
         <h2>Shots</h2><table><tr><th>shot</th><th>drafts</th><th>finals</th><th>awaiting review</th><th>approved</th><th>rejected</th></tr>",
        esc(campaign),
        totals.settled,
        human.len(),
        unit = unit.as_str(),
        files = dump.deliverables.len(),
        cpsa = if dump.deliverables.is_empty() {
            "–".to_string()
        } else {
            format!("{:.3}", totals.settled / dump.deliverables.len() as f64)
        },
        left = cap.map_or("–".to_string(), |c| format!("{:.2}", c.left_after(c.with(totals.committed)).amount)),
        cap_note = cap.map_or("no cap set".to_string(), |c| format!("of {:.2} {} (reserved calls counted)", c.amount, c.unit)),
    );
    for (shot, (d, f, w, ap, rj)) in &shots {
        let _ = write!(
            h,
            "<tr><td><a href=\"/shot/{}?token={}\">{}</a></td><td>{d}</td><td>{f}</td><td>{w}</td><td>{ap}</td><td>{rj}</td></tr>",
            esc(&percent(shot)),
            esc(token),
            esc(shot)
        );
    }
    h.push_str("</table><h2>Judges against people</h2>");
    if agree.is_empty() {
        h.push_str(
            "<p>No person has answered a checklist question or decided on an asset yet.</p>",
        );
    } else {
        h.push_str("<table id=agreement><tr>");
        for c in darkroom_readout::agreement::COLUMNS {
            let _ = write!(h, "<th>{}</th>", esc(c));
        }
        h.push_str("</tr>");
        for r in agree.rows() {
            h.push_str("<tr>");
            for cell in r {
                let _ = write!(h, "<td>{}</td>", esc(&cell));
            }
            h.push_str("</tr>");
        }
        h.push_str("</table>");
    }
    h.push_str("</main></body></html>");
    h
}

/// Percent-encodes a path segment.
fn percent(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The checklist questions of an attempt's prompt.
fn questions(params: &str) -> Vec<String> {
    darkroom_engine::prompt_of_params(params)
        .and_then(|p| darkroom_prompt::parse(&p).ok())
        .map(|s| s.checklist.into_iter().map(|a| a.question).collect())
        .unwrap_or_default()
}

/// What a shot's contact sheet shows.
pub struct ShotPage<'a> {
    /// The campaign's name.
    pub campaign: &'a str,
    /// The token the page's links and calls carry.
    pub token: &'a str,
    /// The shot.
    pub shot: &'a str,
    /// The ledger's rows.
    pub dump: &'a Dump,
    /// The shot's scores.
    pub scores: &'a [ScoreRecord],
    /// People's decisions.
    pub human: &'a [HumanRecord],
    /// Versions made in review.
    pub versions: &'a [Version],
    /// Paid fixes asked for while a run held the campaign, and what became of them.
    pub queued: &'a [darkroom_ledger::QueuedFix],
    /// Providers that can in-paint.
    pub fixers: &'a [String],
    /// The unit spend is counted in (`USD`, or `credits`).
    pub unit: Unit,
    /// The pHash distance at or below which two drafts are near-duplicates (`[gates]
    /// near_duplicate`): they are stacked under the first of them.
    pub near: u32,
}

/// A cost in the campaign's unit: dollars with a `$`, credits by name (text).
fn money_text(cost: f64, unit: Unit) -> String {
    Money::new(cost, unit).shown(3)
}

/// [`money_text`], escaped for HTML.
fn money(cost: f64, unit: Unit) -> String {
    esc(&money_text(cost, unit))
}

/// What the funnel decided on each image, latest of each kind: its gate, where it ranked
/// (promoted, spare, ranked out), and what a run did with a person's decision.
fn funnel_said(dump: &Dump) -> BTreeMap<&str, BTreeMap<&'static str, Reason>> {
    use darkroom_ledger::DecisionKind as K;
    let mut gate: BTreeMap<&str, BTreeMap<&'static str, Reason>> = BTreeMap::new();
    for d in dump
        .decisions
        .iter()
        .filter(|d| matches!(d.kind, K::Gate | K::FinishGate | K::Rank | K::Review))
    {
        gate.entry(d.attempt.as_str())
            .or_default()
            .insert(d.kind.as_str(), d.reason);
    }
    gate
}

/// [`funnel_said`] of one image, in words.
fn said_of(gate: &BTreeMap<&str, BTreeMap<&'static str, Reason>>, id: &str) -> String {
    gate.get(id).map_or("not gated".to_string(), |m| {
        m.iter()
            .map(|(k, r)| format!("{}: {}", k.replace('_', " "), r.text()))
            .collect::<Vec<_>>()
            .join(" · ")
    })
}

/// The layout judge's findings of an image, and its adherence.
fn layout_of(scores: &[ScoreRecord], id: &str) -> (Option<f64>, Vec<serde_json::Value>) {
    let layout = scores
        .iter()
        .find(|x| x.attempt == id && x.judge == "layout");
    let findings = layout
        .and_then(|x| serde_json::from_str::<serde_json::Value>(&x.verdicts).ok())
        .and_then(|v| v["findings"].as_array().cloned())
        .unwrap_or_default();
    (layout.and_then(|x| x.value), findings)
}

/// The drafts and finals a shot's sheet shows, finals first (they are what a person approves).
fn sheet_attempts<'d>(dump: &'d Dump, shot: &str) -> Vec<&'d darkroom_ledger::AttemptRecord> {
    let mut attempts: Vec<_> = dump
        .attempts
        .iter()
        .filter(|a| {
            a.shot == shot
                && a.asset.is_some()
                && a.status == AttemptStatus::Done
                && matches!(a.tier, Tier::Draft | Tier::Finish)
        })
        .collect();
    attempts.sort_by_key(|a| (a.tier != Tier::Finish, a.round, a.variant));
    attempts
}

/// Near-duplicate stacks: each draft whose perceptual hash (the novelty judge's) is within
/// `near` bits of an earlier draft on the sheet joins that draft's stack. Draft id → the id on
/// top of its stack; drafts on top (and alone) are not in the map. Finals are never stacked.
pub fn stacks<'d>(
    shown: &[&'d darkroom_ledger::AttemptRecord],
    scores: &[ScoreRecord],
    near: u32,
) -> BTreeMap<&'d str, &'d str> {
    let hash: BTreeMap<&str, u64> = scores
        .iter()
        .filter(|s| s.judge == "novelty")
        .filter_map(|s| {
            let j: darkroom_core::judge::Judgement = serde_json::from_str(&s.verdicts).ok()?;
            Some((s.attempt.as_str(), darkroom_judges::novelty::phash_of(&j)?))
        })
        .collect();
    let mut tops: Vec<(&str, u64)> = Vec::new();
    let mut under = BTreeMap::new();
    for a in shown.iter().filter(|a| a.tier == Tier::Draft) {
        let Some(&h) = hash.get(a.id.as_str()) else {
            continue;
        };
        match tops
            .iter()
            .find(|(_, t)| darkroom_imageops::phash::hamming(h, *t) <= near)
        {
            Some((top, _)) => {
                under.insert(a.id.as_str(), *top);
            }
            None => tops.push((a.id.as_str(), h)),
        }
    }
    under
}

/// Everything one card's detail panel shows (`/api/card/{id}`): its gate, cost and adherence,
/// and the checklist with the judges' verdicts and evidence. Sent as JSON and put on the page
/// as text, never as markup.
pub fn card_detail(p: &ShotPage<'_>, id: &str) -> Option<serde_json::Value> {
    let a = p.dump.attempts.iter().find(|a| a.id == id)?;
    let (adh, findings) = layout_of(p.scores, id);
    let gate = funnel_said(p.dump);
    let qs = questions(&a.params);
    let checks: Vec<serde_json::Value> = qs
        .iter()
        .enumerate()
        .map(|(i, q)| {
            let f = findings.iter().find(|f| f["assertion"] == i);
            serde_json::json!({
                "q": q,
                "verdict": f.and_then(|f| f["verdict"].as_str()).unwrap_or("undecided"),
                "evidence": f.and_then(|f| f["evidence"].as_str()).unwrap_or(""),
            })
        })
        .collect();
    Some(serde_json::json!({
        "id": a.id, "tier": a.tier.as_str(), "round": a.round, "provider": a.provider,
        "cost": a.cost.map_or("no cost".into(), |c| money_text(c, p.unit)),
        "adherence": adh, "gate": said_of(&gate, id), "checks": checks,
    }))
}

/// The checklist of one card folded into a badge: yes, no and undecided counts; the card's
/// `data-no` lists the questions (by their index in the page's `QS`) the judges answered no.
fn badge(qs: &[String], findings: &[serde_json::Value], all: &mut Vec<String>) -> (String, String) {
    let (mut yes, mut no, mut und) = (0, 0, 0);
    let mut failed = Vec::new();
    for (i, q) in qs.iter().enumerate() {
        let v = findings
            .iter()
            .find(|f| f["assertion"] == i)
            .and_then(|f| f["verdict"].as_str())
            .unwrap_or("undecided");
        match v {
            "yes" => yes += 1,
            "no" => {
                no += 1;
                let k = all.iter().position(|x| x == q).unwrap_or_else(|| {
                    all.push(q.clone());
                    all.len() - 1
                });
                failed.push(k.to_string());
            }
            _ => und += 1,
        }
    }
    let mut b = format!(
        "<span class=\"badge{}\" title=\"checklist: {yes} yes, {no} no, {und} undecided\">✓{yes}",
        if no > 0 { " b-no" } else { "" }
    );
    if no > 0 {
        let _ = write!(b, " ✗{no}");
    }
    if und > 0 {
        let _ = write!(b, " ?{und}");
    }
    b.push_str("</span>");
    (b, failed.join(" "))
}

/// The versions made from an image in review (and from those), as the card lists them.
fn versions_html(p: &ShotPage<'_>, id: &str, h: &mut String) {
    let mut line: Vec<(usize, &Version)> = Vec::new();
    let mut stack: Vec<(usize, &str)> = vec![(0, id)];
    while let Some((depth, parent)) = stack.pop() {
        for v in p.versions.iter().filter(|v| v.parent == parent) {
            line.push((depth, v));
            stack.push((depth + 1, v.id.as_str()));
        }
    }
    let waiting: Vec<&darkroom_ledger::QueuedFix> = p
        .queued
        .iter()
        .filter(|q| q.parent == id && q.state != darkroom_ledger::FixState::Made)
        .collect();
    if line.is_empty() && waiting.is_empty() {
        return;
    }
    h.push_str("<div class=versions><b>versions</b>");
    for q in waiting {
        let state = match (&q.state, &q.error) {
            (darkroom_ledger::FixState::Failed, Some(e)) => format!("failed: {}", esc(e)),
            _ => "queued: a run holds the campaign; it is made (and paid) as soon as the run ends"
                .to_string(),
        };
        let _ = write!(
            h,
            "<div class=\"version queued\" data-queued=\"{id}\">in-paint “{what}” ({pr}) · {state} · by {who}</div>",
            id = esc(&q.id),
            what = esc(&q.prompt),
            pr = esc(&q.provider),
            who = esc(&q.who),
        );
    }
    for (depth, v) in line {
        let detail: serde_json::Value = v
            .detail
            .as_deref()
            .and_then(|d| serde_json::from_str(d).ok())
            .unwrap_or_default();
        let what = match v.kind.as_str() {
            // The local fill repaints from the surroundings: the words typed are not what it
            // draws, and the lineage says so.
            "inpaint" => match detail["provider"].as_str() {
                Some(pr) => format!(
                    "in-paint “{}” ({})",
                    esc(detail["prompt"].as_str().unwrap_or("")),
                    esc(pr)
                ),
                None => "in-paint by the local fill: filled from the surroundings (the text typed is not used; pick a provider to paint it)".to_string(),
            },
            "extend" => format!("extended to {}", esc(detail["aspect"].as_str().unwrap_or("?"))),
            "grade" => format!(
                "graded toward the brand at {:.2}",
                detail["strength"].as_f64().unwrap_or(0.0)
            ),
            k => esc(k),
        };
        let adh = layout_of(p.scores, &v.id)
            .0
            .map_or("not judged".to_string(), |a| format!("adherence {a:.2}"));
        // A paid fix's cost is its attempt's; a local fix is free.
        let cost = match &v.attempt {
            Some(at) => p
                .dump
                .attempts
                .iter()
                .find(|x| &x.id == at)
                .and_then(|x| x.cost)
                .map_or("cost not settled".to_string(), |c| money(c, p.unit)),
            None => "free".to_string(),
        };
        let _ = write!(
            h,
            "<div class=version data-version=\"{id}\" style=\"margin-left:{m}px\"><a href=\"/asset/{id}?token={t}\" target=_blank><img loading=lazy src=\"/preview/{id}?token={t}\" alt=\"version {id}\" style=\"width:64px;vertical-align:middle\"></a> {what} · {cost} · {adh} · by {who}</div>",
            id = esc(&v.id),
            m = depth * 12,
            t = esc(p.token),
            who = esc(&v.who),
        );
    }
    h.push_str("</div>");
}

/// A shot's contact sheet: a compact grid of every draft and final (a preview, its cost,
/// adherence, the checklist as a badge, a person's decision, near-duplicates stacked), a panel
/// with the selected image's checklist and evidence, a loupe, compare and the fixes.
pub fn shot(p: &ShotPage<'_>) -> String {
    let (campaign, token, shot) = (p.campaign, p.token, p.shot);
    let st = standing(p.human);
    let mut h = head(&format!("{shot} · {campaign} · review"));
    let _ = write!(
        h,
        "<header><a href=\"/?token={t}\">{c}</a> › <b>{s}</b> · <span id=progress></span> · press ? for keys</header>\
         <main><div class=filters>show: <a href=# data-f=all>all</a><a href=# data-f=awaiting>awaiting review</a>\
         <a href=# data-f=approve>approved</a><a href=# data-f=reject>rejected</a><a href=# data-f=rated>rated 4–5</a>\
         <a href=# data-f=failed>failed an assertion</a> · sort: <a href=# data-s=order>as made</a><a href=# data-s=rank>rank</a><a href=# data-s=adh>adherence</a><a href=# data-s=cost>cost</a> <select id=fq><option value=\"\">failed this one…</option></select> <span id=fresh></span> <span id=toast></span></div><div class=sheet id=sheet>",
        t = esc(token),
        c = esc(campaign),
        s = esc(shot)
    );
    let attempts = sheet_attempts(p.dump, shot);
    let under = stacks(&attempts, p.scores, p.near);
    let mut stacked: BTreeMap<&str, usize> = BTreeMap::new();
    for top in under.values() {
        *stacked.entry(top).or_default() += 1;
    }
    // Where the funnel ranked each draft (adherence, palette, sharpness), as its rank key.
    let rank: BTreeMap<&str, &str> = p
        .dump
        .decisions
        .iter()
        .filter(|d| d.kind == darkroom_ledger::DecisionKind::Rank)
        .filter_map(|d| Some((d.attempt.as_str(), d.rank_key.as_deref()?)))
        .collect();
    let mut qs_of: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut all_qs: Vec<String> = Vec::new();
    for a in attempts {
        let s = st.get(&a.id).cloned().unwrap_or_default();
        let (adh, findings) = layout_of(p.scores, &a.id);
        // One parse per distinct prompt, not per image.
        let qs = qs_of
            .entry(a.params.clone())
            .or_insert_with(|| questions(&a.params));
        let (badge, no) = badge(qs, &findings, &mut all_qs);
        // A version of this image a person approved is delivered in its place by the next run.
        let superseded = superseding(&a.id, p.versions, &st).map(|v| v.id.as_str());
        // What the deliverables came from, as the last run delivered them.
        let delivered = p.dump.deliverables.iter().any(|d| d.attempt == a.id);
        let class = match (superseded, s.decision) {
            (Some(_), _) => " superseded",
            (None, Some(HumanAction::Approve)) => " approve",
            (None, Some(HumanAction::Reject)) => " reject",
            _ => "",
        };
        let (stack_class, stack_attr) = match (under.get(a.id.as_str()), stacked.get(a.id.as_str()))
        {
            (Some(top), _) => (" stacked", format!(" data-top=\"{}\"", esc(top))),
            (None, Some(n)) => ("", format!(" data-stackn=\"{n}\"")),
            (None, None) => ("", String::new()),
        };
        let _ = write!(
            h,
            "<div class=\"card{class}{stack_class}\" data-id=\"{id}\" data-tier=\"{tier}\" data-rating=\"{rating}\" data-failed=\"{failed}\" data-no=\"{no}\" data-adh=\"{adh_n}\" data-cost=\"{cost_n}\" data-rank=\"{rank_key}\"{stack_attr}>\
             <img loading=lazy decoding=async src=\"/preview/{id}?token={t}\" alt=\"{tier} {id}\">\
             <div class=meta>{tier} · r{round} · {cost} · {adh} {badge}</div>\
             <div class=meta><span class=human>{dec}</span> <span class=stars>{stars}</span></div>{sup}{stk}",
            id = esc(&a.id),
            tier = a.tier.as_str(),
            rating = s.rating.unwrap_or(0),
            failed = !no.is_empty(),
            adh_n = adh.unwrap_or(-1.0),
            cost_n = a.cost.unwrap_or(0.0),
            rank_key = esc(rank.get(a.id.as_str()).copied().unwrap_or("")),
            t = esc(token),
            round = a.round,
            cost = a.cost.map_or("no cost".into(), |c| money(c, p.unit)),
            adh = adh.map_or("—".into(), |v| format!("{v:.2}")),
            dec = match (s.decision, &s.reason) {
                (Some(HumanAction::Approve), _) => "approved".to_string(),
                (Some(HumanAction::Reject), Some(r)) => format!("rejected ({})", esc(r)),
                _ => "awaiting".to_string(),
            },
            stars = "★".repeat(usize::from(s.rating.unwrap_or(0))),
            sup = match (superseded, delivered) {
                (Some(v), _) => format!(
                    "<div class=meta>superseded: version {} was approved and is delivered in its place</div>",
                    esc(v)
                ),
                (None, true) => "<div class=meta><b>delivered</b></div>".to_string(),
                (None, false) => String::new(),
            },
            stk = stacked.get(a.id.as_str()).map_or(String::new(), |n| format!(
                "<div class=meta><button class=stk title=\"near-duplicates of this draft (pHash within {near} bits); S opens the stack\">+{n} similar</button></div>",
                near = p.near
            )),
        );
        versions_html(p, &a.id, &mut h);
        h.push_str("</div>");
    }
    let _ = write!(
        h,
        "</div></main><aside id=detail></aside><div id=overlay></div><div id=loupe><img id=limg alt=\"\"><div id=lcap></div></div>\
         <div id=help><b>Keys</b><br>← → previous / next shown image · Space or Enter the loupe (on grey, fit to the screen)<br>A or P approve (pick) · X reject (1–5 pick the reason)<br>1–5 rate · 0 clear the rating · T auto-advance after a decision\
         <br>C mark for compare (two or more marked: side by side, zoom with the wheel or + −, drag to pan, all together) · Z zoom to 100 %<br>S open or close a stack of near-duplicates<br>I in-paint: paint a mask, say what goes there ([ ] brush size)<br>E extend to another aspect · G grade toward the brand · J judge again<br>U undo your last decision · Esc close · ? this help</div>\
         <form id=why><b>Why reject?</b><br>\
         <label><input type=radio name=r value=composition checked> wrong composition</label><br>\
         <label><input type=radio name=r value=off_brand> off-brand colour</label><br>\
         <label><input type=radio name=r value=artefact> artefact</label><br>\
         <label><input type=radio name=r value=text_wrong> text wrong</label><br>\
         <label><input type=radio name=r value=other> other</label><br>\
         <input name=note id=note placeholder=\"note (optional)\"> <button id=whyok>reject</button></form>\
         <script nonce=\"{nonce}\">const TOKEN={tok};const SHOT={shot};const FIXERS={fixers};const QS={qs};{JS}{PAINT}</script></body></html>",
        nonce = csp_nonce(token),
        tok = script_json(&serde_json::Value::from(token)),
        shot = script_json(&serde_json::Value::from(shot)),
        fixers = script_json(&serde_json::Value::from(p.fixers.to_vec())),
        qs = script_json(&serde_json::Value::from(all_qs)),
    );
    h
}

/// The nonce the page's one script carries and the Content-Security-Policy names: derived from
/// the session's token (whoever has the token has the app already), so that no other script —
/// one a prompt or a name smuggled into the page — runs.
pub fn csp_nonce(token: &str) -> String {
    darkroom_ledger::content_hash(format!("darkroom review csp {token}").as_bytes())[..32]
        .to_string()
}

/// JSON for inside a `<script>`: `<`, `>` and `&` (and the two line separators JavaScript
/// treats as line ends) escaped, so a value can never close the script or open a comment.
pub fn script_json(v: &serde_json::Value) -> String {
    v.to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
}

const JS: &str = r#"
function h(s){return String(s).replace(/[&<>"']/g,c=>({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;',"'":'&#39;'}[c]));}
function el(tag,cls,text){const e=document.createElement(tag);if(cls)e.className=cls;if(text!==undefined)e.textContent=text;return e;}
const cards=[...document.querySelectorAll('.card')];const ORDER=new Map(cards.map((c,i)=>[c,i]));let cur=0;const marks=[];
const sheet=document.getElementById('sheet'),det=document.getElementById('detail'),loupe=document.getElementById('loupe'),limg=document.getElementById('limg');
let ST={},auto=false;const DET={};
function visible(c){return !!c&&c.style.display!=='none'&&(!c.classList.contains('stacked')||c.classList.contains('open'));}
function sel(i){if(!cards.length)return;cur=(i+cards.length)%cards.length;const old=sheet.querySelector('.card.sel');if(old)old.classList.remove('sel');
const c=cards[cur];c.classList.add('sel');c.scrollIntoView({block:'nearest'});detail();if(loupe.classList.contains('on'))showLoupe();}
function neighbour(d){for(let n=1;n<cards.length;n++){const i=((cur+d*n)%cards.length+cards.length)%cards.length;if(visible(cards[i]))return cards[i];}return null;}
function step(d){const n=neighbour(d);if(n)sel(cards.indexOf(n));}
function keepVisible(){if(!visible(cards[cur])){const i=cards.findIndex(visible);if(i>=0)sel(i);}}
function toast(t){document.getElementById('toast').textContent=t;}
async function api(path,body){const r=await fetch(path+'?token='+encodeURIComponent(TOKEN),{method:'POST',
headers:{'content-type':'application/json'},body:JSON.stringify(body||{})});
if(!r.ok)throw new Error(await r.text());return r.json();}
function decided(i){return i.decision==='approve'?'approved':i.decision==='reject'?'rejected ('+i.reason+')':'awaiting';}
function person(v){return v===undefined?'':' · person: '+(v?'yes':'no');}
// A card is repainted only when its decision or rating changed: the poll touches nothing else.
function paintCard(c,i){const sig=(i.decision||'')+'|'+(i.reason||'')+'|'+(i.rating||0);if(c.dataset.sig===sig)return;c.dataset.sig=sig;
c.classList.remove('approve','reject');if(i.decision)c.classList.add(i.decision);c.querySelector('.human').textContent=decided(i);
c.dataset.rating=i.rating||0;c.dataset.decision=i.decision||'';c.querySelector('.stars').textContent='★'.repeat(i.rating||0);}
// The selected card's checklist, evidence and gate, fetched when it is first selected and put on the page as text.
async function detail(){const c=cards[cur];if(!c)return;const id=c.dataset.id;let d=DET[id];
if(!d){try{const r=await fetch('/api/card/'+encodeURIComponent(id)+'?token='+encodeURIComponent(TOKEN));if(!r.ok)return;d=DET[id]=await r.json();}catch(e){return;}}
if(cards[cur]===c)paintDetail(d);}
function paintDetail(d){const i=ST[d.id]||{verdicts:{}};det.replaceChildren();det.dataset.id=d.id;
det.append(el('b','',d.tier+' '+d.id),el('div','meta','round '+d.round+' · '+d.provider+' · '+d.cost+' · adherence '+(d.adherence==null?'—':d.adherence.toFixed(2))),el('div','meta',d.gate),el('p','','checklist (the judges’ verdict; yes / no is yours):'));
d.checks.forEach((x,k)=>{const q=el('div','q');q.dataset.q=x.q;const v=['yes','no','undecided'].includes(x.verdict)?x.verdict:'undecided';
const y=el('button','','yes'),n=el('button','','no');y.dataset.a=n.dataset.a=k;y.dataset.h=1;n.dataset.h=0;
q.append(el('span','v-'+v,v),' '+x.q,el('span','human',person((i.verdicts||{})[k])),' ',y,n);det.append(q);if(x.evidence)det.append(el('div','ev',x.evidence));});
if(!d.checks.length)det.append(el('div','meta','no checklist: the prompt names nothing the judges check'));}
det.addEventListener('click',e=>{const b=e.target.closest('button[data-a]');if(b)decide('verdict',{assertion:+b.dataset.a,holds:b.dataset.h==='1'});});
async function decide(action,extra){const c=cards[cur];if(!visible(c))return;
const r=await api('/api/decide',Object.assign({attempt:c.dataset.id,action},extra||{}));
// The answer carries the image's standing as recorded: shown at once; the rest of the sheet
// follows with the next poll, started now.
fence=polls;if(r.item){ST[r.item.attempt]=r.item;paintCard(c,r.item);paintPerson(r.item);if(loupe.classList.contains('on'))caption();}
refresh();if(auto&&action!=='verdict')step(1);}
function paintPerson(i){if(det.dataset.id===i.attempt)det.querySelectorAll('.q').forEach((q,k)=>{q.querySelector('.human').textContent=person(i.verdicts[k]);});}
// A poll that started before a decision was answered would paint the sheet as it was: dropped.
let polls=0,fence=0;
async function refresh(){const my=++polls;const r=await fetch('/api/state?shot='+encodeURIComponent(SHOT)+'&token='+encodeURIComponent(TOKEN));
const s=await r.json();if(my<=fence)return;const by={};s.items.forEach(i=>by[i.attempt]=i);ST=by;let done=0;
cards.forEach(c=>{const i=by[c.dataset.id];if(!i)return;paintCard(c,i);if(i.decision)done++;});
const i=by[det.dataset.id];if(i)paintPerson(i);
if(loupe.classList.contains('on'))caption();
document.getElementById('progress').textContent=done+' of '+cards.length+' decided';document.body.dataset.decisions=s.decisions;
const now=s.items.filter(i=>i.tier==='draft'||i.tier==='finish').length;
document.getElementById('fresh').innerHTML=now>cards.length?'<b>'+(now-cards.length)+' new image(s) from the run</b> — <a href="">show them</a>':'';}
const fq=document.getElementById('fq');
QS.forEach((q,k)=>{const o=document.createElement('option');o.value=k;o.textContent=q;fq.appendChild(o);});
fq.onchange=()=>{const k=fq.value;cards.forEach(c=>{c.style.display=k===''||(' '+c.dataset.no+' ').includes(' '+k+' ')?'':'none';});keepVisible();};
function overlay(html){const o=document.getElementById('overlay');o.innerHTML=html;o.classList.toggle('on',!!html);if(!html)window.ZOOM=null;}
function src(c){return '/asset/'+encodeURIComponent(c.dataset.id)+'?token='+encodeURIComponent(TOKEN);}
// The loupe: the full image on neutral grey, fit to the screen; its neighbours are fetched and
// decoded ahead so that the next one shows at once.
const ahead=[];
function caption(){const c=cards[cur];const i=ST[c.dataset.id]||{};document.getElementById('lcap').textContent=c.dataset.tier+' '+c.dataset.id+' · '+decided(i)+(i.rating?' · '+'★'.repeat(i.rating):'')+' · ← → next · A X 1–5 decide · Esc the sheet';}
function showLoupe(){const c=cards[cur];if(!c)return;const t0=window.KEY_T||performance.now();limg.src=src(c);caption();
limg.decode().then(()=>{if(limg.src.endsWith(src(c)))window.LOUPE_MS=performance.now()-t0;}).catch(()=>{});
ahead.length=0;[1,-1].forEach(d=>{const n=neighbour(d);if(n){const im=new Image();im.src=src(n);im.decode().catch(()=>{});ahead.push(im);}});}
function toggleLoupe(){if(loupe.classList.toggle('on'))showLoupe();else limg.removeAttribute('src');}
// Compare: C marks images; two or more marked are shown side by side on grey, zoomed (wheel,
// + and −) and panned (drag) together, so that the same detail is seen in each.
function mark(){const c=cards[cur];if(!visible(c))return;const k=marks.indexOf(c);
if(k>=0){marks.splice(k,1);c.classList.remove('marked');toast('unmarked '+c.dataset.id);return;}
marks.push(c);c.classList.add('marked');if(marks.length>=2)survey();else toast('marked '+c.dataset.id+' for compare: C on another');}
function survey(){const Z={s:1,x:0,y:0};
let html='<p>compare '+marks.length+' images: wheel or + − zooms, dragging pans, all together · C on a marked image unmarks it · Esc closes</p><div class=panes>'+
marks.map(c=>'<div class=pane><img src="'+h(src(c))+'" alt=""><p>'+h(c.dataset.id)+'</p></div>').join('')+'</div>';
if(marks.length===2){html+='<p>slider:</p><div class=cmp><img src="'+h(src(marks[1]))+'"><div class=top id=top><img src="'+h(src(marks[0]))+'"></div></div><br><input type=range id=slide min=0 max=100 value=50>';}
overlay(html);
if(marks.length===2){const top=document.getElementById('top');const set=v=>top.style.clipPath='inset(0 '+(100-v)+'% 0 0)';set(50);document.getElementById('slide').oninput=e=>set(e.target.value);}
const ims=[...document.querySelectorAll('#overlay .pane img')];
function apply(){ims.forEach(im=>{const p=im.parentElement;const f=Math.min(p.clientWidth/(im.naturalWidth||1),p.clientHeight/(im.naturalHeight||1));
im.style.transform='translate('+Z.x+'px,'+Z.y+'px) scale('+(f*Z.s)+')';});}
function zoomAt(f,mx,my){const s2=Math.min(16,Math.max(1,Z.s*f));Z.x=mx-(mx-Z.x)*s2/Z.s;Z.y=my-(my-Z.y)*s2/Z.s;Z.s=s2;if(s2===1){Z.x=0;Z.y=0;}apply();}
ims.forEach(im=>im.onload=apply);apply();
window.ZOOM={by:f=>{const p=ims[0].parentElement;zoomAt(f,p.clientWidth/2,p.clientHeight/2);},state:()=>Object.assign({},Z)};
document.querySelectorAll('#overlay .pane').forEach(p=>{let drag=null;
p.onwheel=e=>{e.preventDefault();const r=p.getBoundingClientRect();zoomAt(e.deltaY<0?1.25:0.8,e.clientX-r.left,e.clientY-r.top);};
p.onpointerdown=e=>{drag=[e.clientX-Z.x,e.clientY-Z.y];p.setPointerCapture(e.pointerId);};
p.onpointermove=e=>{if(drag){Z.x=e.clientX-drag[0];Z.y=e.clientY-drag[1];apply();}};p.onpointerup=()=>drag=null;});}
function zoom(){const c=cards[cur];overlay('<p>'+h(c.dataset.id)+' at 100 %</p><img src="'+h(src(c))+'" style="max-width:none">');}
// Near-duplicates: S (or the card's button) opens or closes the stack under its top card.
function stack(c){if(!c)return;const top=c.dataset.top||c.dataset.id;const under=cards.filter(x=>x.dataset.top===top);if(!under.length)return;
const open=!under[0].classList.contains('open');under.forEach(x=>x.classList.toggle('open',open));
const t=cards.find(x=>x.dataset.id===top);if(t){const b=t.querySelector('.stk');if(b)b.textContent=(open?'−':'+')+under.length+' similar';if(!open)sel(cards.indexOf(t));}}
const why=document.getElementById('why');
document.getElementById('whyok').onclick=async e=>{e.preventDefault();why.classList.remove('on');
await decide('reject',{reason:why.querySelector('input[name=r]:checked').value,note:document.getElementById('note').value});};
document.addEventListener('keydown',async e=>{window.KEY_T=performance.now();if(why.classList.contains('on')){if(e.key==='Escape')why.classList.remove('on');
else if('12345'.includes(e.key)&&e.key.length===1&&!(e.target.matches&&e.target.matches('#note'))){e.preventDefault();
const r=why.querySelectorAll('input[name=r]')[+e.key-1];if(r){r.checked=true;r.focus();}}return;}
if(e.target.matches&&e.target.matches('input,select,textarea')&&e.key!=='Escape')return;
if(window.PAINTING&&PAINTING.key(e))return;
const k=e.key.toLowerCase();
if(k==='escape'){overlay('');if(loupe.classList.contains('on'))toggleLoupe();document.getElementById('help').classList.remove('on');}
else if(k===' '||k==='enter'){e.preventDefault();toggleLoupe();}
else if(k==='arrowright')step(1);else if(k==='arrowleft')step(-1);
else if(k==='a'||k==='p')await decide('approve');else if(k==='x'){if(visible(cards[cur])){why.classList.add('on');why.querySelector('input[name=r]').focus();}}
else if('012345'.includes(k)&&k.length===1)await decide('rate',{rating:+k});
else if(k==='t'){auto=!auto;toast('auto-advance '+(auto?'on':'off'));}
else if(k==='u'){const r=await api('/api/undo');await refresh();
toast(r.undone?'undid '+(r.action==='rate'?'a rating':r.action)+' of '+r.attempt:'nothing to undo');}
else if((k==='+'||k==='='||k==='-')&&window.ZOOM)ZOOM.by(k==='-'?0.8:1.25);
else if(k==='c')mark();else if(k==='z')zoom();else if(k==='s')stack(cards[cur]);else if(k==='i')paint(cards[cur]);
else if(k==='e')fixform('extend');else if(k==='g')fixform('grade');else if(k==='j')rejudge();
else if(k==='?')document.getElementById('help').classList.toggle('on');});
sheet.addEventListener('click',e=>{const c=e.target.closest('.card');if(!c||e.target.closest('a'))return;sel(cards.indexOf(c));if(e.target.closest('.stk'))stack(c);});
sheet.addEventListener('dblclick',e=>{const c=e.target.closest('.card');if(c){sel(cards.indexOf(c));toggleLoupe();}});
document.querySelectorAll('.filters a').forEach(a=>a.onclick=e=>{e.preventDefault();const f=a.dataset.f;
cards.forEach(c=>{const d=c.dataset.decision||'';c.style.display=(f==='all'||(f==='awaiting'&&!d)||f===d||
(f==='rated'&&+c.dataset.rating>=4)||(f==='failed'&&c.dataset.failed==='true'))?'':'none';});keepVisible();});
// Sorting reorders the sheet and the keys' order with it; the selection stays on its card.
document.querySelectorAll('[data-s]').forEach(a=>a.onclick=e=>{e.preventDefault();const k=a.dataset.s;const id=cards[cur]&&cards[cur].dataset.id;
// Rank: finals first, then drafts as the funnel ranked them (its key: adherence, palette,
// sharpness), then the drafts it did not rank (failed a gate), as made.
const byRank=(x,y)=>(x.dataset.tier!=='finish')-(y.dataset.tier!=='finish')||(!x.dataset.rank)-(!y.dataset.rank)||
(y.dataset.rank>x.dataset.rank?1:y.dataset.rank<x.dataset.rank?-1:0)||ORDER.get(x)-ORDER.get(y);
cards.sort((x,y)=>k==='order'?ORDER.get(x)-ORDER.get(y):k==='rank'?byRank(x,y):k==='adh'?y.dataset.adh-x.dataset.adh:x.dataset.cost-y.dataset.cost);
cards.forEach(c=>sheet.appendChild(c));const i=cards.findIndex(c=>c.dataset.id===id);sel(i<0?0:i);});
sel(0);refresh();setInterval(refresh,3000);
"#;

const PAINT: &str = r#"
async function reloadCard(id){try{const r=await fetch(location.pathname+'?token='+encodeURIComponent(TOKEN));
const doc=new DOMParser().parseFromString(await r.text(),'text/html');
const fresh=[...doc.querySelectorAll('.card')].find(c=>c.dataset.id===id);const old=cards.find(c=>c.dataset.id===id);
if(fresh&&old){const ov=old.querySelector('.versions');if(ov)ov.remove();const v=fresh.querySelector('.versions');
if(v)old.appendChild(document.importNode(v,true));}}catch(e){}await refresh();}
function said(j){if(!j)return '';return ' — adherence '+(j.adherence==null?'–':j.adherence.toFixed(2))+(j.on_palette==null?'':', in brand colours '+Math.round(j.on_palette*100)+' %')+(j.no.length?'; no: '+h(j.no.join(' ')):'');}
function shown(r){return (r.reused?'already made: ':'new version: ')+'<img id=fres style="width:160px;vertical-align:middle" src="/asset/'+encodeURIComponent(r.id)+'?token='+encodeURIComponent(TOKEN)+'">'+said(r.judged)+' (Esc to close)';}
function fixform(kind){const c=cards[cur];if(!c)return;const id=c.dataset.id;
const ask=kind==='extend'?['16:9','9:16','21:9','4:5','1:1'].map(a=>'<button class=fx data-v="'+a+'">'+a+'</button>').join(' ')
:'strength <input id=fstr type=range min=0 max=1 step=0.05 value=0.5> <button class=fx>grade</button>';
overlay('<p>'+(kind==='extend'?'extend '+h(id)+' to':'grade '+h(id)+' toward the brand')+': '+ask+'</p><p id=fout></p>');
window.PAINTING={key:e=>{if(e.key==='Escape'){window.PAINTING=null;overlay('');reloadCard(cards[cur].dataset.id);return true;}return false;}};
document.querySelectorAll('#overlay .fx').forEach(b=>b.onclick=async()=>{document.getElementById('fout').textContent='working…';
try{const body=kind==='extend'?{parent:id,kind,aspect:b.dataset.v}:{parent:id,kind,strength:+document.getElementById('fstr').value};
document.getElementById('fout').innerHTML=shown(await api('/api/local',body));}catch(err){document.getElementById('fout').textContent=String(err.message||err);}});}
async function rejudge(){const c=cards[cur];if(!c)return;try{const j=await api('/api/rejudge',{id:c.dataset.id});
overlay('<p>judged '+h(c.dataset.id)+' again'+said(j)+' (Esc to close)</p>');window.PAINTING={key:e=>{if(e.key==='Escape'){window.PAINTING=null;overlay('');reloadCard(cards[cur].dataset.id);return true;}return false;}};}
catch(err){overlay('<p>'+h(String(err.message||err))+'</p>');}}
function paint(c){if(!c)return;const id=c.dataset.id;
overlay('<p>in-paint '+h(id)+': paint what should change — brush, eraser, [ and ] for the size, clear, invert, undo; then say what goes there.</p>'+
'<div class=paint><img id=pimg src="'+h(src(c))+'"><canvas id=pmask></canvas></div>'+
'<p><button id=pbrush>brush</button> <button id=perase>eraser</button> <button id=pclear>clear</button> <button id=pinv>invert</button> <button id=pundo>undo</button> size <span id=psize>16</span></p>'+
'<p><input id=pprompt size=40 placeholder="what should be there"> <select id=pprov><option value="">local fill (free, no call)</option>'+
FIXERS.map(f=>'<option>'+h(f)+'</option>').join('')+'</select> <button id=pgo>in-paint</button> <span id=pout></span></p>');
const img=document.getElementById('pimg'),cv=document.getElementById('pmask'),g=cv.getContext('2d');
let size=16,erase=false,down=false;const hist=[];
function setup(){cv.width=img.naturalWidth;cv.height=img.naturalHeight;cv.style.width=img.clientWidth+'px';cv.style.height=img.clientHeight+'px';}
if(img.complete&&img.naturalWidth)setup();else img.onload=setup;
function at(e){const r=cv.getBoundingClientRect();return [(e.clientX-r.left)*cv.width/r.width,(e.clientY-r.top)*cv.height/r.height];}
function dot(e){const [x,y]=at(e);g.globalCompositeOperation=erase?'destination-out':'source-over';g.fillStyle='#ff2d2d';
g.beginPath();g.arc(x,y,size*cv.width/cv.getBoundingClientRect().width,0,7);g.fill();}
cv.addEventListener('pointerdown',e=>{hist.push(g.getImageData(0,0,cv.width,cv.height));down=true;dot(e);});
cv.addEventListener('pointermove',e=>{if(down)dot(e);});
addEventListener('pointerup',()=>down=false);
const by=i=>document.getElementById(i);
by('pbrush').onclick=()=>erase=false;by('perase').onclick=()=>erase=true;
by('pclear').onclick=()=>{hist.push(g.getImageData(0,0,cv.width,cv.height));g.clearRect(0,0,cv.width,cv.height);};
by('pundo').onclick=()=>{const d=hist.pop();if(d)g.putImageData(d,0,0);};
by('pinv').onclick=()=>{const d=g.getImageData(0,0,cv.width,cv.height);hist.push(g.getImageData(0,0,cv.width,cv.height));
for(let i=0;i<d.data.length;i+=4){const on=d.data[i+3]>0;d.data[i]=255;d.data[i+1]=45;d.data[i+2]=45;d.data[i+3]=on?0:255;}g.putImageData(d,0,0);};
window.PAINTING={key:e=>{if(e.key==='['){size=Math.max(2,size-4);by('psize').textContent=size;return true;}
if(e.key===']'){size=Math.min(200,size+4);by('psize').textContent=size;return true;}
if(e.key==='Escape'){window.PAINTING=null;overlay('');reloadCard(cards[cur].dataset.id);return true;}return false;},
mask:()=>{const m=document.createElement('canvas');m.width=cv.width;m.height=cv.height;const mg=m.getContext('2d');
const d=g.getImageData(0,0,cv.width,cv.height),o=mg.createImageData(cv.width,cv.height);
for(let i=0;i<d.data.length;i+=4){const v=d.data[i+3]>0?255:0;o.data[i]=o.data[i+1]=o.data[i+2]=v;o.data[i+3]=255;}
mg.putImageData(o,0,0);return m.toDataURL('image/png');}};
by('pgo').onclick=async()=>{by('pout').textContent='working…';
try{const r=await api('/api/inpaint',{parent:id,mask:PAINTING.mask(),prompt:by('pprompt').value,provider:by('pprov').value||null});
by('pout').innerHTML=r.queued?'queued: a run holds the campaign; it is made (and paid) as soon as the run ends (Esc to close)':(r.reused?'already made: ':'new version: ')+'<img id=pres style="width:120px;vertical-align:middle" src="/asset/'+encodeURIComponent(r.id)+'?token='+encodeURIComponent(TOKEN)+'"> (Esc to close)';}
catch(err){by('pout').textContent=String(err.message||err);}};}
"#;
