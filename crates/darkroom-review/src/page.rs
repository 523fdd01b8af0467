//! The review app's pages: HTML written here, a little plain JavaScript for the keys and the
//! calls, no external file of any kind.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use darkroom_ledger::{
    standing, AttemptStatus, Dump, HumanAction, HumanRecord, ScoreRecord, Tier, Totals, Version,
};

/// Escapes text for HTML.
pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// The JSON the page polls: per attempt (of a shot), its standing decisions.
pub fn state_json(dump: &Dump, human: &[HumanRecord], shot: Option<&str>) -> serde_json::Value {
    let st = standing(human);
    let items: Vec<serde_json::Value> = dump
        .attempts
        .iter()
        .filter(|a| shot.is_none_or(|s| a.shot == s) && a.asset.is_some())
        .map(|a| {
            let s = st.get(&a.id).cloned().unwrap_or_default();
            serde_json::json!({
                "attempt": a.id, "shot": a.shot, "tier": a.tier.as_str(),
                "decision": s.decision.map(|d| d.as_str()), "reason": s.reason, "rating": s.rating,
                "verdicts": s.verdicts.iter().map(|(k, v)| (k.to_string(), *v)).collect::<BTreeMap<_, _>>(),
            })
        })
        .collect();
    serde_json::json!({ "items": items, "decisions": human.len() })
}

const STYLE: &str = r#"
body{font:14px/1.4 system-ui,sans-serif;margin:0;background:#f5f4f0;color:#1a1a1a}
header{padding:12px 20px;background:#1a1a1a;color:#f4f1ea}header a{color:#f4f1ea}
main{padding:16px 20px}.tiles{display:flex;gap:12px;flex-wrap:wrap}
.tile{background:#fff;border-radius:6px;padding:10px 14px;min-width:140px}
.tile b{display:block;font-size:20px}table{border-collapse:collapse;background:#fff}
td,th{padding:6px 10px;border-bottom:1px solid #e4e1da;text-align:left}
.sheet{display:grid;grid-template-columns:repeat(auto-fill,minmax(230px,1fr));gap:12px}
.card{background:#fff;border-radius:6px;padding:8px;border:3px solid transparent;cursor:pointer}
.card.sel{border-color:#0047ab}.card.approve{background:#e3f4e5}.card.reject{background:#f9e1df;opacity:.75}.card.superseded{opacity:.55}
.card img{width:100%;border-radius:4px;display:block}.meta{font-size:12px;color:#555}
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
    agree: &darkroom_engine::agreement::Agreement,
    budget: (Option<f64>, &str),
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
        unit = esc(unit),
        files = dump.deliverables.len(),
        cpsa = if dump.deliverables.is_empty() {
            "–".to_string()
        } else {
            format!("{:.3}", totals.settled / dump.deliverables.len() as f64)
        },
        left = cap.map_or("–".to_string(), |c| format!("{:.2}", (c - totals.committed).max(0.0))),
        cap_note = cap.map_or("no cap set".to_string(), |c| format!("of {c:.2} {} (reserved calls counted)", esc(unit))),
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
        for c in darkroom_engine::agreement::COLUMNS {
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
    /// Providers that can in-paint.
    pub fixers: &'a [String],
    /// The unit spend is counted in (`USD`, or `credits`).
    pub unit: &'a str,
}

/// A cost in the campaign's unit: dollars with a `$`, credits by name.
fn money(cost: f64, unit: &str) -> String {
    if unit == "USD" {
        format!("${cost:.3}")
    } else {
        format!("{cost:.3} {}", esc(unit))
    }
}

/// A shot's contact sheet: every draft and final with its scores, verdicts, gate, cost and the
/// versions made from it.
pub fn shot(p: &ShotPage<'_>) -> String {
    let ShotPage {
        campaign,
        token,
        shot,
        dump,
        scores,
        human,
        versions,
        fixers,
        unit,
    } = *p;
    let st = standing(human);
    // What the funnel decided on each image, latest of each kind: its gate, where it ranked
    // (promoted, spare, ranked out), and what a run did with a person's decision.
    let mut gate: BTreeMap<&str, BTreeMap<&str, &str>> = BTreeMap::new();
    for d in dump
        .decisions
        .iter()
        .filter(|d| matches!(d.kind.as_str(), "gate" | "finish_gate" | "rank" | "review"))
    {
        gate.entry(d.attempt.as_str())
            .or_default()
            .insert(d.kind.as_str(), d.reason.as_str());
    }
    let said = |id: &str| -> String {
        gate.get(id).map_or("not gated".to_string(), |m| {
            m.iter()
                .map(|(k, r)| {
                    let r = r
                        .parse::<darkroom_ledger::Reason>()
                        .map_or(*r, |x| x.text());
                    format!("{}: {r}", k.replace('_', " "))
                })
                .collect::<Vec<_>>()
                .join(" · ")
        })
    };
    let mut h = head(&format!("{shot} · {campaign} · review"));
    let _ = write!(
        h,
        "<header><a href=\"/?token={t}\">{c}</a> › <b>{s}</b> · <span id=progress></span> · press ? for keys</header>\
         <main><div class=filters>show: <a href=# data-f=all>all</a><a href=# data-f=awaiting>awaiting review</a>\
         <a href=# data-f=approve>approved</a><a href=# data-f=reject>rejected</a><a href=# data-f=rated>rated 4–5</a>\
         <a href=# data-f=failed>failed an assertion</a> · sort: <a href=# data-s=order>rank</a><a href=# data-s=adh>adherence</a><a href=# data-s=cost>cost</a> <select id=fq><option value=\"\">failed this one…</option></select> <span id=fresh></span> <span id=toast></span></div><div class=sheet id=sheet>",
        t = esc(token),
        c = esc(campaign),
        s = esc(shot)
    );
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
    // Finals first: they are what a person approves.
    attempts.sort_by_key(|a| (a.tier != Tier::Finish, a.round, a.variant));
    for a in attempts {
        let s = st.get(&a.id).cloned().unwrap_or_default();
        let layout = scores
            .iter()
            .find(|x| x.attempt == a.id && x.judge == "layout");
        let findings: Vec<serde_json::Value> = layout
            .and_then(|x| serde_json::from_str::<serde_json::Value>(&x.verdicts).ok())
            .and_then(|v| v["findings"].as_array().cloned())
            .unwrap_or_default();
        let qs = questions(&a.params);
        let failed = findings.iter().any(|f| f["verdict"] == "no");
        // A version of this image a person approved is delivered in its place by the next run.
        let superseded = superseding(&a.id, versions, &st).map(|v| v.id.as_str());
        // What the deliverables came from, as the last run delivered them.
        let delivered = dump.deliverables.iter().any(|d| d.attempt == a.id);
        let class = match (superseded, s.decision) {
            (Some(_), _) => " superseded",
            (None, Some(HumanAction::Approve)) => " approve",
            (None, Some(HumanAction::Reject)) => " reject",
            _ => "",
        };
        let _ = write!(
            h,
            "<div class=\"card{class}\" data-id=\"{id}\" data-tier=\"{tier}\" data-rating=\"{rating}\" data-failed=\"{failed}\" data-adh=\"{adh_n}\" data-cost=\"{cost_n}\">\
             <img loading=lazy src=\"/preview/{id}?token={t}\" data-full=\"/asset/{id}?token={t}\" alt=\"{tier} {id}\">\
             <div class=meta>{tier} · round {round} · {cost} · adherence {adh} · {gate}</div>\
             <div class=meta>person: <span class=human>{dec}</span> <span class=stars>{stars}</span></div>{sup}",
            id = esc(&a.id),
            tier = a.tier.as_str(),
            rating = s.rating.unwrap_or(0),
            adh_n = layout.and_then(|x| x.value).unwrap_or(-1.0),
            cost_n = a.cost.unwrap_or(0.0),
            t = esc(token),
            round = a.round,
            cost = a.cost.map_or("no cost".into(), |c| money(c, unit)),
            adh = layout
                .and_then(|x| x.value)
                .map_or("—".into(), |v| format!("{v:.2}")),
            gate = esc(&said(&a.id)),
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
        );
        for (i, q) in qs.iter().enumerate() {
            let f = findings.iter().find(|f| f["assertion"] == i);
            let v = f.and_then(|f| f["verdict"].as_str()).unwrap_or("undecided");
            let person = match s.verdicts.get(&i) {
                Some(true) => " · person: yes",
                Some(false) => " · person: no",
                None => "",
            };
            let _ = write!(
                h,
                "<div class=q data-q=\"{q}\" title=\"{ev}\"><span class=v-{v}>{v}</span> {q}<span class=human>{person}</span>\
                 <button data-a={i} data-h=1>yes</button><button data-a={i} data-h=0>no</button></div>",
                ev = esc(f.and_then(|f| f["evidence"].as_str()).unwrap_or("")),
                q = esc(q),
            );
        }
        // Lineage: the versions made from it in review, and from those.
        let mut line: Vec<(usize, &Version)> = Vec::new();
        let mut stack: Vec<(usize, &str)> = vec![(0, a.id.as_str())];
        while let Some((depth, parent)) = stack.pop() {
            for v in versions.iter().filter(|v| v.parent == parent) {
                line.push((depth, v));
                stack.push((depth + 1, v.id.as_str()));
            }
        }
        if !line.is_empty() {
            h.push_str("<div class=versions><b>versions</b>");
            for (depth, v) in line {
                let detail: serde_json::Value = v
                    .detail
                    .as_deref()
                    .and_then(|d| serde_json::from_str(d).ok())
                    .unwrap_or_default();
                let what = match v.kind.as_str() {
                    // The local fill repaints from the surroundings: the words typed are not
                    // what it draws, and the lineage says so.
                    "inpaint" => match detail["provider"].as_str() {
                        Some(p) => format!(
                            "in-paint “{}” ({})",
                            esc(detail["prompt"].as_str().unwrap_or("")),
                            esc(p)
                        ),
                        None => "in-paint by the local fill: filled from the surroundings (the text typed is not used; pick a provider to paint it)".to_string(),
                    },
                    "extend" => format!(
                        "extended to {}",
                        esc(detail["aspect"].as_str().unwrap_or("?"))
                    ),
                    "grade" => format!(
                        "graded toward the brand at {:.2}",
                        detail["strength"].as_f64().unwrap_or(0.0)
                    ),
                    k => esc(k),
                };
                let adh = scores
                    .iter()
                    .find(|x| x.attempt == v.id && x.judge == "layout")
                    .and_then(|x| x.value)
                    .map_or("not judged".to_string(), |a| format!("adherence {a:.2}"));
                // A paid fix's cost is its attempt's; a local fix is free.
                let cost = match &v.attempt {
                    Some(at) => dump
                        .attempts
                        .iter()
                        .find(|x| &x.id == at)
                        .and_then(|x| x.cost)
                        .map_or("cost not settled".to_string(), |c| money(c, unit)),
                    None => "free".to_string(),
                };
                let _ = write!(
                    h,
                    "<div class=version data-version=\"{id}\" style=\"margin-left:{m}px\"><a href=\"/asset/{id}?token={t}\" target=_blank><img loading=lazy src=\"/preview/{id}?token={t}\" alt=\"version {id}\" style=\"width:64px;vertical-align:middle\"></a> {what} · {cost} · {adh} · by {who}</div>",
                    id = esc(&v.id),
                    m = depth * 12,
                    t = esc(token),
                    who = esc(&v.who),
                );
            }
            h.push_str("</div>");
        }
        h.push_str("</div>");
    }
    let _ = write!(
        h,
        "</div></main><div id=overlay></div>\
         <div id=help><b>Keys</b><br>← → previous / next shown image<br>A or P approve (pick) · X reject (1–5 pick the reason)<br>1–5 rate · 0 clear the rating · T auto-advance after a decision\
         <br>C compare (press on two) · Z zoom to 100 %<br>I in-paint: paint a mask, say what goes there ([ ] brush size)<br>E extend to another aspect · G grade toward the brand · J judge again<br>U undo your last decision · Esc close · ? this help</div>\
         <form id=why><b>Why reject?</b><br>\
         <label><input type=radio name=r value=composition checked> wrong composition</label><br>\
         <label><input type=radio name=r value=off_brand> off-brand colour</label><br>\
         <label><input type=radio name=r value=artefact> artefact</label><br>\
         <label><input type=radio name=r value=text_wrong> text wrong</label><br>\
         <label><input type=radio name=r value=other> other</label><br>\
         <input name=note id=note placeholder=\"note (optional)\"> <button id=whyok>reject</button></form>\
         <script nonce=\"{nonce}\">const TOKEN={tok};const SHOT={shot};const FIXERS={fixers};{JS}{PAINT}</script></body></html>",
        nonce = csp_nonce(token),
        tok = script_json(&serde_json::Value::from(token)),
        shot = script_json(&serde_json::Value::from(shot)),
        fixers = script_json(&serde_json::Value::from(fixers.to_vec())),
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
const cards=[...document.querySelectorAll('.card')];let cur=0,mark=null;const hist=[];
function sel(i){if(!cards.length)return;cur=(i+cards.length)%cards.length;cards.forEach(c=>c.classList.remove('sel'));
const c=cards[cur];c.classList.add('sel');c.scrollIntoView({block:'nearest'});}
function visible(c){return !!c&&c.style.display!=='none';}
function step(d){for(let n=1;n<=cards.length;n++){const i=((cur+d*n)%cards.length+cards.length)%cards.length;if(visible(cards[i])){sel(i);return;}}}
function keepVisible(){if(!visible(cards[cur])){const i=cards.findIndex(visible);if(i>=0)sel(i);}}
let auto=false;
function toast(t){document.getElementById('toast').textContent=t;}
async function api(path,body){const r=await fetch(path+'?token='+encodeURIComponent(TOKEN),{method:'POST',
headers:{'content-type':'application/json'},body:JSON.stringify(body||{})});
if(!r.ok)throw new Error(await r.text());return r.json();}
function show(c,decision,reason){c.classList.remove('approve','reject');if(decision)c.classList.add(decision);
c.querySelector('.human').textContent=decision==='approve'?'approved':decision==='reject'?'rejected ('+reason+')':'awaiting';}
async function decide(action,extra){const c=cards[cur];if(!visible(c))return;
await api('/api/decide',Object.assign({attempt:c.dataset.id,action},extra||{}));await refresh();
if(auto&&action!=='verdict')step(1);}
async function refresh(){const r=await fetch('/api/state?shot='+encodeURIComponent(SHOT)+'&token='+encodeURIComponent(TOKEN));
const s=await r.json();const by={};s.items.forEach(i=>by[i.attempt]=i);let done=0;
cards.forEach(c=>{const i=by[c.dataset.id];if(!i)return;show(c,i.decision,i.reason);if(i.decision)done++;
c.dataset.rating=i.rating||0;c.dataset.decision=i.decision||'';c.querySelector('.stars').textContent='★'.repeat(i.rating||0);
c.querySelectorAll('.q').forEach((q,k)=>{const v=i.verdicts[k];q.querySelector('.human').textContent=v===undefined?'':' · person: '+(v?'yes':'no');});});
document.getElementById('progress').textContent=done+' of '+cards.length+' decided';document.body.dataset.decisions=s.decisions;
const now=s.items.filter(i=>i.tier==='draft'||i.tier==='finish').length;
document.getElementById('fresh').innerHTML=now>cards.length?'<b>'+(now-cards.length)+' new image(s) from the run</b> — <a href="">show them</a>':'';}
const fq=document.getElementById('fq');
[...new Set(cards.flatMap(c=>[...c.querySelectorAll('.q')].map(q=>q.dataset.q)))].forEach(q=>{const o=document.createElement('option');o.value=q;o.textContent=q;fq.appendChild(o);});
fq.onchange=()=>{const q=fq.value;cards.forEach(c=>{c.style.display=!q||[...c.querySelectorAll('.q')].some(x=>x.dataset.q===q&&x.querySelector('.v-no'))?'':'none';});keepVisible();};
function overlay(html){const o=document.getElementById('overlay');o.innerHTML=html;o.classList.toggle('on',!!html);}
function src(c){return c.querySelector('img').dataset.full;}
function compare(){const c=cards[cur];if(mark===null||mark===c){mark=c;return;}
overlay('<p>compare: '+h(mark.dataset.id)+' (left, under the slider) and '+h(c.dataset.id)+'</p><div class=pair><img src="'+h(src(mark))+'"><img src="'+h(src(c))+'"></div>'+
'<p>slider:</p><div class=cmp><img src="'+h(src(c))+'"><div class=top id=top><img src="'+h(src(mark))+'"></div></div><br><input type=range id=slide min=0 max=100 value=50>');
const top=document.getElementById('top');const set=v=>top.style.clipPath='inset(0 '+(100-v)+'% 0 0)';set(50);
document.getElementById('slide').oninput=e=>set(e.target.value);mark=null;}
function zoom(){const c=cards[cur];overlay('<p>'+h(c.dataset.id)+' at 100 %</p><img src="'+h(src(c))+'" style="max-width:none">');}
const why=document.getElementById('why');
document.getElementById('whyok').onclick=async e=>{e.preventDefault();why.classList.remove('on');
await decide('reject',{reason:why.querySelector('input[name=r]:checked').value,note:document.getElementById('note').value});};
document.addEventListener('keydown',async e=>{if(why.classList.contains('on')){if(e.key==='Escape')why.classList.remove('on');
else if('12345'.includes(e.key)&&e.key.length===1&&!(e.target.matches&&e.target.matches('#note'))){e.preventDefault();
const r=why.querySelectorAll('input[name=r]')[+e.key-1];if(r){r.checked=true;r.focus();}}return;}
if(e.target.matches&&e.target.matches('input,select,textarea')&&e.key!=='Escape')return;
if(window.PAINTING&&PAINTING.key(e))return;
const k=e.key.toLowerCase();
if(k==='escape'){overlay('');document.getElementById('help').classList.remove('on');}
else if(k==='arrowright')step(1);else if(k==='arrowleft')step(-1);
else if(k==='a'||k==='p')await decide('approve');else if(k==='x'){if(visible(cards[cur])){why.classList.add('on');why.querySelector('input[name=r]').focus();}}
else if('012345'.includes(k)&&k.length===1)await decide('rate',{rating:+k});
else if(k==='t'){auto=!auto;toast('auto-advance '+(auto?'on':'off'));}
else if(k==='u'){const r=await api('/api/undo');await refresh();
toast(r.undone?'undid '+(r.action==='rate'?'a rating':r.action)+' of '+r.attempt:'nothing to undo');}
else if(k==='c')compare();else if(k==='z')zoom();else if(k==='i')paint(cards[cur]);
else if(k==='e')fixform('extend');else if(k==='g')fixform('grade');else if(k==='j')rejudge();
else if(k==='?')document.getElementById('help').classList.toggle('on');});
cards.forEach(c=>c.addEventListener('click',e=>{sel(cards.indexOf(c));const b=e.target.closest('button[data-a]');
if(b)decide('verdict',{assertion:+b.dataset.a,holds:b.dataset.h==='1'});}));
document.querySelectorAll('.filters a').forEach(a=>a.onclick=e=>{e.preventDefault();const f=a.dataset.f;
cards.forEach(c=>{const d=c.dataset.decision||'';c.style.display=(f==='all'||(f==='awaiting'&&!d)||f===d||
(f==='rated'&&+c.dataset.rating>=4)||(f==='failed'&&c.dataset.failed==='true'))?'':'none';});keepVisible();});
cards.forEach((c,i)=>c.dataset.order=i);
// Sorting reorders the sheet and the keys' order with it; the selection stays on its card.
document.querySelectorAll('[data-s]').forEach(a=>a.onclick=e=>{e.preventDefault();const k=a.dataset.s;const id=cards[cur]&&cards[cur].dataset.id;
cards.sort((x,y)=>k==='order'?x.dataset.order-y.dataset.order:k==='adh'?y.dataset.adh-x.dataset.adh:x.dataset.cost-y.dataset.cost);
const sheet=document.getElementById('sheet');cards.forEach(c=>sheet.appendChild(c));const i=cards.findIndex(c=>c.dataset.id===id);sel(i<0?0:i);});
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
by('pout').innerHTML=(r.reused?'already made: ':'new version: ')+'<img id=pres style="width:120px;vertical-align:middle" src="/asset/'+encodeURIComponent(r.id)+'?token='+encodeURIComponent(TOKEN)+'"> (Esc to close)';}
catch(err){by('pout').textContent=String(err.message||err);}};}
"#;
