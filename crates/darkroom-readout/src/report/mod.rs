//! Builds and writes the HTML report of a campaign from what its ledger recorded: spend, pass
//! rates, every draft with its scores, verdicts and the decision taken on it, the finals, and the
//! charts' series. Nothing here reads a clock: times come from the ledger, so the same ledger and
//! store give the same report byte for byte.
//!
//! Memory does not grow with the campaign: thumbnails are written as they are made, only each
//! image's five-colour palette is kept, judgements are read one shot at a time, and a campaign of
//! more than [`PAGE_SHOTS`] shots gets an index page plus one page per [`PAGE_SHOTS`] shots
//! (`<stem>_pages/`). A report whose ledger and campaign have not changed is not rebuilt.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};

use darkroom_campaign::Campaign;
use darkroom_color::palette::Swatch;
use darkroom_core::judge::{Judgement, Verdict};
use darkroom_ledger::{AttemptRecord, DecisionKind, Dump, Ledger, Reason, Store, Tier};
use darkroom_report::{
    Card, CheckItem, PageLink, Report, Section, Sheet, SwatchCell, SwatchRow, VerdictLine,
};

use crate::ReadoutError;

mod previews;
mod summary;

/// Shots per page: a campaign with more gets an index page and pages of this many shots.
pub const PAGE_SHOTS: usize = 100;

/// Most bars or swatch rows a summary chart shows one per item before it summarises.
const CHART_ITEMS: usize = 240;

/// Longest side of a thumbnail, pixels (twice the card width, for sharp screens).
const THUMB_SIDE: u32 = 240;
const THUMB_QUALITY: u8 = 78;

/// Plain-language meaning of a reason code the ledger holds (empty for a code this darkroom
/// does not know, from a newer one): [`darkroom_ledger::Reason::text`], exhaustive over codes.
pub fn reason_text(code: &str) -> &'static str {
    code.parse::<darkroom_ledger::Reason>()
        .map_or("", darkroom_ledger::Reason::text)
}

/// Each attempt's latest decision of a kind, as its reason code (an attempt judged again under
/// gates changed between runs has an older one too).
fn latest_reasons(dump: &Dump, kind: DecisionKind) -> Vec<Reason> {
    dump.decisions
        .iter()
        .filter(|d| d.kind == kind)
        .map(|d| (d.attempt.as_str(), d.reason))
        .collect::<BTreeMap<_, _>>()
        .into_values()
        .collect()
}

/// Per-attempt facts gathered from the dump.
#[derive(Default)]
struct Facts {
    judgements: BTreeMap<String, Judgement>,
    decisions: Vec<(DecisionKind, Reason, Option<String>)>,
}

/// What [`write_report`] did.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportWritten {
    /// The index page.
    pub html: PathBuf,
    /// Bytes written: pages and thumbnails (0 when skipped).
    pub bytes: u64,
    /// Shot pages beside the index (0: everything is on the index page).
    pub pages: usize,
    /// Nothing changed since the last report: it was left as it was.
    pub skipped: bool,
}

/// Writes the report of `campaign` (its output folder resolved against `base`) to `html`, with
/// its thumbnails in `<stem>_files/` and, past [`PAGE_SHOTS`] shots, its shot pages in
/// `<stem>_pages/`. Skipped when the ledger, the campaign and darkroom are what they were when
/// this page was last written, unless `force`.
pub fn write_report(
    campaign: &Campaign,
    base: &Path,
    html: &Path,
    force: bool,
) -> Result<ReportWritten, ReadoutError> {
    let out = base.join(&campaign.output);
    let db = darkroom_ledger::Location::of(campaign.ledger.as_deref(), &out);
    if !db.exists() {
        return Err(ReadoutError::NoLedger(db.to_string()));
    }
    let ledger = Ledger::open_at(&db, &campaign.name)?;
    let stem = html
        .file_stem()
        .map_or_else(|| "report".into(), |s| s.to_string_lossy().into_owned());
    let stamp_path = html.with_file_name(format!(".{stem}.stamp"));
    let previews_path = html.with_file_name(format!(".{stem}.previews"));
    let stamp = format!(
        "darkroom {}\nledger {}\ncampaign {:016x}\n",
        env!("CARGO_PKG_VERSION"),
        ledger.fingerprint()?,
        campaign.source_hash
    );
    if !force && html.exists() && std::fs::read_to_string(&stamp_path).ok() == Some(stamp.clone()) {
        return Ok(ReportWritten {
            html: html.to_path_buf(),
            bytes: 0,
            pages: 0,
            skipped: true,
        });
    }
    let dump = ledger.dump_without_scores()?;
    let html_dir = html.parent().unwrap_or(Path::new(".")).to_path_buf();
    let thumbs_name = format!("{stem}_files");
    let pages_name = format!("{stem}_pages");
    let thumbs_dir = html_dir.join(&thumbs_name);
    let pages_dir = html_dir.join(&pages_name);
    let report_io = |e: darkroom_report::ReportError| ReadoutError::Report(e);
    darkroom_report::ensure_dir(&thumbs_dir).map_err(report_io)?;
    let mut b = Builder {
        campaign,
        out: &out,
        html_dir: html_dir.clone(),
        store: Store::open(out.join("store"), campaign.store.as_deref())?,
        ledger: &ledger,
        thumbs_dir: thumbs_dir.clone(),
        thumbs: BTreeMap::new(),
        palettes: BTreeMap::new(),
        bytes: 0,
        previews: previews::read(&previews_path, THUMB_SIDE, THUMB_QUALITY),
    };
    // Images new since the last build: decoded and thumbnailed on every core first, so the
    // pages below find every one kept.
    let new = b.not_kept(&dump);
    b.previews.extend(previews::make(
        new,
        &thumbs_dir,
        (THUMB_SIDE, THUMB_QUALITY),
        thumb_name,
    ));
    let paged = campaign.shots.len() > PAGE_SHOTS;
    let mut decisions = decisions_by_attempt(&dump);
    let mut index = b.summary(&dump)?;
    let mut bytes = 0;
    let mut pages = Vec::new();
    let mut paged_out = Paged::default();
    if paged {
        darkroom_report::ensure_dir(&pages_dir).map_err(report_io)?;
        b.html_dir = pages_dir.clone();
        let home = html.file_name().map_or_else(
            || "report.html".into(),
            |n| n.to_string_lossy().into_owned(),
        );
        let paging = Paging {
            // What of the campaign a page shows besides its shots (each shot's definition is in
            // its own page's mark): another shot added changes only the page it lands on.
            base: format!(
                "darkroom {}\ncampaign {:?} in {}\nhome {home}\nthumbs {thumbs_name}\n",
                env!("CARGO_PKG_VERSION"),
                campaign.name,
                campaign.budget.unit()
            ),
            home,
            dir: pages_dir.clone(),
            dir_name: pages_name,
            thumbs_name: thumbs_name.clone(),
            scores: ledger.score_marks()?,
            force,
        };
        paged_out = b.pages(&paging, &dump, &mut decisions)?;
        pages = std::mem::take(&mut paged_out.links);
        bytes += paged_out.bytes;
        b.html_dir = html_dir.clone();
    } else {
        for s in &campaign.shots {
            let sec = b.section(&dump, s, &mut decisions)?;
            index.sections.push(sec);
        }
    }
    index.pages = pages;
    let n_pages = index.pages.len();
    bytes += darkroom_report::write_html(&index, html, &thumbs_name).map_err(report_io)?;
    let mut keep: BTreeSet<String> = b.thumbs.keys().cloned().collect();
    keep.extend(paged_out.kept_thumbs.iter().cloned());
    darkroom_report::prune(&thumbs_dir, &keep).map_err(report_io)?;
    if paged {
        darkroom_report::prune(&pages_dir, &paged_out.files).map_err(report_io)?;
    } else if pages_dir.exists() {
        let _ = std::fs::remove_dir_all(&pages_dir);
    }
    bytes += b.bytes;
    // What the next rebuild need not decode again: every image with a thumbnail on the page.
    let kept = b.previews_to_keep(&paged_out.kept_thumbs);
    // Not written, the next rebuild only decodes again: nothing to stop for.
    let _ = previews::write(&previews_path, THUMB_SIDE, THUMB_QUALITY, &kept);
    // Written last: a crash before this rebuilds the report next time.
    std::fs::write(&stamp_path, stamp).map_err(|source| ReadoutError::Io {
        path: stamp_path.display().to_string(),
        source,
    })?;
    Ok(ReportWritten {
        html: html.to_path_buf(),
        bytes,
        pages: n_pages,
        skipped: false,
    })
}

/// The run of `items` (sorted by shot, as the dump is) that belong to `shot`: a binary search
/// instead of a scan of the whole campaign for each shot.
fn of_shot<'d, T>(items: &'d [T], shot_of: impl Fn(&T) -> &str, shot: &str) -> &'d [T] {
    let lo = items.partition_point(|x| shot_of(x) < shot);
    let hi = lo + items[lo..].partition_point(|x| shot_of(x) == shot);
    &items[lo..hi]
}

/// How the pages of a large campaign are written ([`Builder::pages`]).
struct Paging {
    /// What every page's mark starts with: the version, the campaign file, the names.
    base: String,
    /// The index page's file name, linked from every page.
    home: String,
    /// The pages' folder and its name relative to the index.
    dir: PathBuf,
    dir_name: String,
    /// The thumbnails' folder, relative to the index.
    thumbs_name: String,
    /// [`Ledger::score_marks`].
    scores: BTreeMap<String, String>,
    /// Rebuild every page, changed or not.
    force: bool,
}

/// What [`Builder::pages`] wrote and kept.
#[derive(Default)]
struct Paged {
    links: Vec<PageLink>,
    bytes: u64,
    /// Thumbnails of the pages kept as they were.
    kept_thumbs: BTreeSet<String>,
    /// Every page's file and stamp: what the pages' folder keeps.
    files: BTreeSet<String>,
}

struct Builder<'a> {
    campaign: &'a Campaign,
    out: &'a Path,
    /// Where the page being built will be written: card links are relative to it.
    html_dir: PathBuf,
    store: Store,
    ledger: &'a Ledger,
    /// Thumbnails are written here as they are made.
    thumbs_dir: PathBuf,
    /// Thumbnail name → size, for every thumbnail written.
    thumbs: BTreeMap<String, (u32, u32)>,
    /// Each image's dominant palette (by hash), the only thing kept of a decoded image.
    palettes: BTreeMap<String, Vec<Swatch>>,
    /// What the last build kept of each image ([`previews`]): used instead of decoding it.
    previews: previews::Previews,
    /// Thumbnail bytes written.
    bytes: u64,
}

/// What the simulator broke on purpose, in words: "the simulator moved left of → right of"
/// instead of its JSON record (kept in the ledger).
fn injected(json: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(json).unwrap_or_default();
    let words = |x: &serde_json::Value| x.as_str().unwrap_or("?").replace('_', " ");
    let colour = |x: &serde_json::Value| {
        x["name"]
            .as_str()
            .or(x["hex"].as_str())
            .unwrap_or("?")
            .to_string()
    };
    match v["kind"].as_str() {
        Some("break_relation") => format!(
            "simulated mistake: a relation turned from {} to {}",
            words(&v["from"]),
            words(&v["to"])
        ),
        Some("recolour") => format!(
            "simulated mistake: a colour turned from {} to {}",
            colour(&v["from"]),
            colour(&v["to"])
        ),
        Some("recount") => format!(
            "simulated mistake: a count turned from {} to {}",
            v["from"], v["to"]
        ),
        Some("remove") => "simulated mistake: an object left out".to_string(),
        Some(k) => format!("simulated mistake: {}", k.replace('_', " ")),
        None => format!("simulated mistake: {json}"),
    }
}

/// An amount as the report prints it: dollars to the tenth of a cent, credits to the hundredth.
fn fmt_money(v: f64, unit: darkroom_core::money::Unit) -> String {
    let m = darkroom_core::money::Money::new(v, unit);
    match unit {
        darkroom_core::money::Unit::Usd => m.shown(3),
        darkroom_core::money::Unit::Credits => m.shown(2),
    }
}

fn pct(n: u64, d: u64) -> String {
    if d == 0 {
        "–".into()
    } else {
        format!("{:.0} %", 100.0 * n as f64 / d as f64)
    }
}

impl Builder<'_> {
    /// One shot's section: its checklist, a contact sheet per tier with every attempt's
    /// scores, verdicts and decision, and its deliverables. Its judgements are read now.
    fn section(
        &mut self,
        dump: &Dump,
        s: &darkroom_campaign::Shot,
        decisions: &mut Decisions,
    ) -> Result<Section, ReadoutError> {
        let of: Vec<&AttemptRecord> = of_shot(&dump.attempts, |a| &a.shot, &s.id).iter().collect();
        // This shot's facts only: its judgements read now, its decisions taken from the index
        // (each shot's are used once).
        let mut facts: BTreeMap<String, Facts> = BTreeMap::new();
        for sc in self.ledger.scores_of_shot(&s.id)? {
            if let Ok(j) = serde_json::from_str::<Judgement>(&sc.verdicts) {
                facts
                    .entry(sc.attempt)
                    .or_default()
                    .judgements
                    .insert(sc.judge, j);
            }
        }
        for a in &of {
            if let Some(d) = decisions.remove(&a.id) {
                facts.entry(a.id.clone()).or_default().decisions = d;
            }
        }
        let empty = Facts::default();
        let fact = |id: &str| facts.get(id).unwrap_or(&empty);
        let checklist = checklist_of(&s.prompt);

        let mut sheets = Vec::new();
        let drafts: Vec<&&AttemptRecord> = of.iter().filter(|a| a.tier == Tier::Draft).collect();
        let mut n_pass = 0;
        let mut n_prom = 0;
        let mut cards = Vec::new();
        for a in &drafts {
            let card = self.card(a, fact(&a.id), &checklist);
            n_pass += (card.status == "passed"
                || card.status == "promoted"
                || card.status == "spare"
                || card.status == "ranked_out") as usize;
            n_prom += (card.status == "promoted") as usize;
            cards.push(card);
        }
        sheets.push(Sheet {
            title: "Drafts".into(),
            cards,
        });
        // The finals, then the calls made for delivery (re-renders at an aspect, out-paints).
        for (tier, title) in [
            (Tier::Finish, "Finish tier"),
            (Tier::Deliver, "Delivery calls"),
        ] {
            let cards: Vec<Card> = of
                .iter()
                .filter(|a| a.tier == tier)
                .map(|a| self.card(a, fact(&a.id), &checklist))
                .collect();
            if !cards.is_empty() {
                sheets.push(Sheet {
                    title: title.into(),
                    cards,
                });
            }
        }
        let delivered: Vec<Card> = of_shot(&dump.deliverables, |d| &d.shot, &s.id)
            .iter()
            .map(|d| {
                let file = self.out.join(&d.path);
                let thumb = self.thumb_of_file(&file, &d.hash);
                Card {
                    title: format!("{} · {}×{}", d.aspect, d.width, d.height),
                    thumb: thumb.as_ref().map(|t| t.0.clone()),
                    thumb_size: thumb.map_or((0, 0), |t| t.1),
                    link: Some(relative(&self.html_dir, &file)),
                    status: "final".into(),
                    reason: format!("from {}", short(&d.attempt)),
                    scores: vec![d.path.clone()],
                    verdicts: vec![],
                }
            })
            .collect();
        let asked_here = s.finals as usize * s.deliver.len().max(1);
        let shot_facts = vec![
            format!(
                "{} drafts in {} round(s)",
                drafts.len(),
                drafts.iter().map(|a| a.round).max().unwrap_or(0)
            ),
            format!("{n_pass} passed the gates"),
            format!("{n_prom} promoted"),
            format!("{} of {asked_here} files delivered", delivered.len()),
            format!(
                "aspects: {}",
                s.deliver
                    .iter()
                    .map(|a| a.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ];
        sheets.push(Sheet {
            title: "Deliverables".into(),
            cards: delivered,
        });
        Ok(Section {
            id: s.id.clone(),
            title: s.id.clone(),
            text: s.prompt.clone(),
            facts: shot_facts,
            checklist,
            sheets,
        })
    }

    /// A stored asset's palette; the first time, the image is decoded and its thumbnail
    /// written too, and only the palette is kept.
    fn load(&mut self, hash: &str) -> &Vec<Swatch> {
        match self.store.find(hash) {
            Some(p) => self.load_file(&p, hash),
            None => self.palettes.entry(hash.to_string()).or_default(),
        }
    }

    /// The pages of a large campaign's shots, [`PAGE_SHOTS`] a page: a page whose shots show
    /// nothing new since it was written ([`page_mark`]) is kept as it is, with its thumbnails.
    fn pages(
        &mut self,
        p: &Paging,
        dump: &Dump,
        decisions: &mut Decisions,
    ) -> Result<Paged, ReadoutError> {
        let mut out = Paged::default();
        for (n, chunk) in self.campaign.shots.chunks(PAGE_SHOTS).enumerate() {
            let name = format!("{:04}.html", n + 1);
            let stamp_name = format!(".{name}.stamp");
            out.files.extend([name.clone(), stamp_name.clone()]);
            let (first, last) = (n * PAGE_SHOTS + 1, n * PAGE_SHOTS + chunk.len());
            let delivered: usize = chunk
                .iter()
                .map(|s| of_shot(&dump.deliverables, |d| &d.shot, &s.id).len())
                .sum();
            let link = PageLink {
                title: format!("shots {first}–{last}"),
                href: format!("{}/{name}", p.dir_name),
                note: format!(
                    "{} … {}",
                    chunk.first().map_or("", |s| s.id.as_str()),
                    chunk.last().map_or("", |s| s.id.as_str())
                ),
            };
            let mark = page_mark(&p.base, (n, chunk), dump, decisions, &p.scores);
            let stamp_path = p.dir.join(&stamp_name);
            // Nothing its shots show changed since it was written: kept, with its thumbnails.
            if !p.force && p.dir.join(&name).exists() {
                if let Some(thumbs) = page_unchanged(&stamp_path, &mark) {
                    out.kept_thumbs.extend(thumbs);
                    out.links.push(link);
                    continue;
                }
            }
            let mut sections = Vec::with_capacity(chunk.len());
            for s in chunk {
                sections.push(self.section(dump, s, decisions)?);
            }
            let used: Vec<String> = sections
                .iter()
                .flat_map(|s| &s.sheets)
                .flat_map(|sh| &sh.cards)
                .filter_map(|c| c.thumb.clone())
                .collect();
            let page = Report {
                title: format!("{} · shots {first}–{last}", self.campaign.name),
                kind: "campaign".into(),
                // Not "of N": another shot added would change every page, not only its own.
                subtitle: format!("shots {first}–{last} · {delivered} files delivered"),
                sections,
                home: format!("../{}", p.home),
                ..Report::default()
            };
            out.bytes += darkroom_report::write_html(
                &page,
                &p.dir.join(&name),
                &format!("../{}", p.thumbs_name),
            )
            .map_err(ReadoutError::Report)?;
            // Not written, the page is only built again next time: nothing to stop for.
            let _ = std::fs::write(&stamp_path, format!("{mark}\n{}", used.join("\n")));
            out.links.push(link);
        }
        Ok(out)
    }

    /// What the next build need not decode again: every image with a thumbnail on a page
    /// built now, and those of the pages kept as they were (not looked at this time).
    fn previews_to_keep(&mut self, kept_thumbs: &BTreeSet<String>) -> previews::Previews {
        let mut kept: previews::Previews = std::mem::take(&mut self.palettes)
            .into_iter()
            .filter_map(|(hash, pal)| {
                Some((self.thumbs.get(&thumb_name(&hash)).copied()?, hash, pal))
            })
            .map(|(size, hash, pal)| (hash, (size, pal)))
            .collect();
        kept.extend(
            std::mem::take(&mut self.previews)
                .into_iter()
                .filter(|(hash, _)| kept_thumbs.contains(&thumb_name(hash))),
        );
        kept
    }

    /// The images the pages will show (every stored attempt's, every delivered file) that the
    /// last build did not keep, with their files.
    fn not_kept(&self, dump: &Dump) -> Vec<(String, PathBuf)> {
        let kept =
            |h: &str| self.previews.contains_key(h) && self.thumbs_dir.join(thumb_name(h)).exists();
        let mut seen = std::collections::BTreeSet::new();
        let mut out = Vec::new();
        for a in &dump.attempts {
            let Some(h) = &a.asset else { continue };
            if !kept(h) && seen.insert(h.as_str()) {
                if let Some(p) = self.store.find(h) {
                    out.push((h.clone(), p));
                }
            }
        }
        for d in &dump.deliverables {
            if !kept(&d.hash) && seen.insert(d.hash.as_str()) {
                out.push((d.hash.clone(), self.out.join(&d.path)));
            }
        }
        out
    }

    fn load_file(&mut self, path: &Path, hash: &str) -> &Vec<Swatch> {
        if !self.palettes.contains_key(hash) {
            // Seen by the last build, its thumbnail still there: nothing to decode.
            let name = thumb_name(hash);
            if let Some((size, pal)) = self.previews.remove(hash) {
                if let Ok(m) = std::fs::metadata(self.thumbs_dir.join(&name)) {
                    self.bytes += m.len();
                    self.thumbs.insert(name, size);
                    self.palettes.insert(hash.to_string(), pal);
                    return &self.palettes[hash];
                }
            }
            // Not made before the pages (see `previews::make`): made now, alone.
            let pal = match previews::of_image(path, (THUMB_SIDE, THUMB_QUALITY)) {
                Some((bytes, (size, pal))) => {
                    // A thumbnail that cannot be written shows as "no image"; the page is
                    // still written, and says so nowhere worse than a missing file.
                    if !self.thumbs.contains_key(&name)
                        && std::fs::write(self.thumbs_dir.join(&name), &bytes).is_ok()
                    {
                        self.bytes += bytes.len() as u64;
                        self.thumbs.insert(name, size);
                    }
                    pal
                }
                None => Vec::new(),
            };
            self.palettes.insert(hash.to_string(), pal);
        }
        &self.palettes[hash]
    }

    fn thumb_of_file(&mut self, path: &Path, hash: &str) -> Option<(String, (u32, u32))> {
        let name = thumb_name(hash);
        if !self.thumbs.contains_key(&name) {
            self.palettes.remove(hash);
            self.load_file(path, hash);
        }
        self.thumbs.get(&name).map(|size| (name, *size))
    }

    fn card(&mut self, a: &AttemptRecord, f: &Facts, checklist: &[CheckItem]) -> Card {
        let (thumb, link) = match &a.asset {
            Some(h) => match self.store.find(h) {
                Some(p) => (
                    self.thumb_of_file(&p, h),
                    Some(relative(&self.html_dir, &p)),
                ),
                None => (None, None),
            },
            None => (None, None),
        };
        let (status, reason) = status_and_reason(a, f, checklist);
        let mut scores = Vec::new();
        let j = &f.judgements;
        if let Some(l) = j.get("layout") {
            // A score over the decided assertions says nothing of the undecided ones: both shown.
            let asked: Vec<_> = l
                .findings
                .iter()
                .filter(|f| f.assertion.is_some())
                .collect();
            let yes = asked.iter().filter(|f| f.verdict == Verdict::Yes).count();
            let undecided = asked
                .iter()
                .filter(|f| f.verdict == Verdict::Undecided)
                .count();
            let decided = asked.len() - undecided;
            match (l.score, undecided) {
                (Some(v), 0) => scores.push(format!("adherence {v:.2} ({yes} of {decided} yes)")),
                (Some(v), u) => scores.push(format!(
                    "adherence {v:.2} ({yes} of {decided} decided yes, {u} undecided)"
                )),
                (None, u) => scores.push(format!("adherence: all {u} undecided")),
            }
        }
        if let Some(v) = j.get("vision").and_then(|x| x.score) {
            scores.push(format!("vision adherence {v:.2}"));
        }
        if let Some(v) = j.get("brand").and_then(|x| x.metric("on_palette")) {
            scores.push(format!("{:.0}% in brand colours", v * 100.0));
        }
        if let Some(v) = j.get("quality").and_then(|x| x.metric("sharpness")) {
            scores.push(format!("sharpness {v:.2} of 1"));
        }
        // The rank key (adherence, on-palette, sharpness, then the id as a tie-break) stays in
        // the ledger: its parts are the scores above.
        for d in f.decisions.iter().filter(|d| d.0 == DecisionKind::Sim) {
            scores.push(injected(d.2.as_deref().unwrap_or_default()));
        }
        if let Some(c) = a.cost.filter(|c| *c > 0.0) {
            let unit = self.campaign.budget.unit();
            scores.push(format!("cost {}", fmt_money(c, unit)));
        }
        if let Some(l) = a.latency {
            scores.push(format!("latency {l:.2} s"));
        }
        let mut verdicts = Vec::new();
        for judge in ["layout", "vision"] {
            if let Some(jj) = j.get(judge) {
                for fi in &jj.findings {
                    let q = fi
                        .assertion
                        .and_then(|i| checklist.get(i))
                        .map_or(String::new(), |q| q.question.clone());
                    let v = fi.verdict.as_str();
                    let text = match (q.is_empty(), fi.evidence.is_empty()) {
                        (true, _) => fi.evidence.clone(),
                        (false, true) => q,
                        (false, false) => format!("{q} — {}", fi.evidence),
                    };
                    verdicts.push(VerdictLine {
                        verdict: v.into(),
                        text,
                    });
                }
            }
        }
        let title = if a.tier == Tier::Draft {
            format!("round {} · variant {}", a.round, a.variant)
        } else {
            format!("{} · {}", a.tier, short(&a.id))
        };
        Card {
            title,
            thumb: thumb.as_ref().map(|t| t.0.clone()),
            thumb_size: thumb.map_or((0, 0), |t| t.1),
            link,
            status,
            reason,
            scores,
            verdicts,
        }
    }
}

/// A thumbnail's file name: its asset's hash, shortened.
fn thumb_name(hash: &str) -> String {
    format!("{}.jpg", &hash[..hash.len().min(16)])
}

/// A prompt's checklist as the report shows it.
fn checklist_of(prompt: &str) -> Vec<CheckItem> {
    darkroom_prompt::parse(prompt)
        .map(|scene| {
            scene
                .checklist
                .iter()
                .map(|a| CheckItem {
                    id: a.id,
                    category: serde_json::to_value(a.kind)
                        .ok()
                        .and_then(|v| v.as_str().map(String::from))
                        .unwrap_or_default(),
                    question: a.question.clone(),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// A card's status (its rank, else its gate's verdict, else the attempt's status) and its
/// reason in plain words: the code's meaning, which verdicts failed the adherence gate, the
/// vendor's error, how an aspect was delivered, and where the judges disagreed.
fn status_and_reason(a: &AttemptRecord, f: &Facts, checklist: &[CheckItem]) -> (String, String) {
    // A draft's gate, or a finished image's (finishes are judged again).
    let gate = f
        .decisions
        .iter()
        .rev()
        .find(|d| matches!(d.0, DecisionKind::Gate | DecisionKind::FinishGate));
    let rank = f.decisions.iter().rev().find(|d| d.0 == DecisionKind::Rank);
    let (status, code) = match (a.status.as_str(), rank, gate) {
        ("done", Some(r), _) => (r.1.as_str().to_string(), r.1.as_str().to_string()),
        ("done", None, Some(g)) if g.1 == Reason::Passed => {
            ("passed".to_string(), g.1.as_str().to_string())
        }
        ("done", None, Some(g)) => ("rejected".to_string(), g.1.as_str().to_string()),
        ("done", None, None) => ("done".to_string(), String::new()),
        (other, _, _) => (other.to_string(), a.error_class.clone().unwrap_or_default()),
    };
    // The plain words; the code itself stays in the ledger (and in `status --json`).
    let mut reason = match reason_text(&code) {
        "" => code.clone(),
        t => t.to_string(),
    };
    // A draft the adherence gate rejected says which verdicts did it, first thing.
    if code == "below_adherence" {
        let mut why: Vec<String> = Vec::new();
        for name in ["vision", "layout"] {
            let Some(j) = f.judgements.get(name) else {
                continue;
            };
            for fi in j.findings.iter().filter(|x| x.verdict == Verdict::No) {
                let Some(q) = fi.assertion.and_then(|i| checklist.get(i)) else {
                    continue;
                };
                let line = format!("“{}” no ({name})", q.question);
                if !why.iter().any(|w| w.contains(&q.question)) {
                    why.push(line);
                }
            }
        }
        if !why.is_empty() {
            reason = format!("{reason}: {}", why.join(", "));
        }
    }
    if let Some(m) = &a.error_message {
        reason = format!("{reason} ({m})");
    }
    for d in f.decisions.iter().filter(|d| d.0 == DecisionKind::Deliver) {
        reason = format!("{reason}; {}", d.1.text());
    }
    // The judges disagreed: said on the card, for a person's look.
    for d in f
        .decisions
        .iter()
        .filter(|d| d.0 == DecisionKind::Disagreement)
    {
        let v: serde_json::Value =
            serde_json::from_str(d.2.as_deref().unwrap_or_default()).unwrap_or_default();
        reason = format!(
            "{reason}; judges disagree on “{}”: the pixels say {}, the vision model says {}; the vision model's verdict stands — worth a look",
            v["question"].as_str().unwrap_or("?"),
            v["pixel"].as_str().unwrap_or("?"),
            v["vision"].as_str().unwrap_or("?"),
        );
    }
    (status, reason)
}

/// What a page of shots shows, as one hash: the report's version, the campaign's name and unit, the page's place, and its shots' definitions, attempts, decisions, deliverables and
/// scores. Equal marks, equal pages (a `Debug` form is hashed, and the version with it).
fn page_mark(
    base: &str,
    (n, chunk): (usize, &[darkroom_campaign::Shot]),
    dump: &Dump,
    decisions: &Decisions,
    scores: &BTreeMap<String, String>,
) -> String {
    let mut h = blake3::Hasher::new();
    h.update(base.as_bytes());
    h.update(format!("page {n}\n").as_bytes());
    for s in chunk {
        h.update(format!("{s:?}\n").as_bytes());
        for a in of_shot(&dump.attempts, |a| &a.shot, &s.id) {
            h.update(format!("{a:?}\n{:?}\n", decisions.get(&a.id)).as_bytes());
        }
        for d in of_shot(&dump.deliverables, |d| &d.shot, &s.id) {
            h.update(format!("{d:?}\n").as_bytes());
        }
        h.update(format!("{:?}\n", scores.get(&s.id)).as_bytes());
    }
    h.finalize().to_hex().to_string()
}

/// The thumbnails a page written with `mark` uses, if its stamp says so (`None`: it changed, or
/// its stamp is missing or unreadable, and the page is built again).
fn page_unchanged(stamp: &Path, mark: &str) -> Option<Vec<String>> {
    let text = std::fs::read_to_string(stamp).ok()?;
    let mut lines = text.lines();
    (lines.next()? == mark).then(|| lines.map(str::to_string).collect())
}

/// Attempt id → its decisions in the order they were made: `(kind, reason, rank key)`.
type Decisions = BTreeMap<String, Vec<(DecisionKind, Reason, Option<String>)>>;

/// Each attempt's decisions in the order they were made.
fn decisions_by_attempt(dump: &Dump) -> Decisions {
    let mut m: BTreeMap<String, Vec<_>> = BTreeMap::new();
    for d in &dump.decisions {
        m.entry(d.attempt.clone())
            .or_default()
            .push((d.kind, d.reason, d.rank_key.clone()));
    }
    m
}

/// The brand palette as a row of named swatches (campaign and audit reports share it).
pub fn brand_swatches(b: &darkroom_color::brand::Brand) -> SwatchRow {
    SwatchRow {
        label: "brand palette".into(),
        cells: b
            .colors
            .iter()
            .map(|(name, lab)| SwatchCell {
                hex: lab.to_rgb8().to_hex(),
                caption: name.clone(),
            })
            .collect(),
    }
}

fn pct_f(n: f64, d: f64) -> String {
    if d > 0.0 {
        format!("{:.0} %", 100.0 * n / d)
    } else {
        "–".into()
    }
}

fn short(id: &str) -> String {
    id.chars().take(10).collect()
}

/// `to` relative to the folder `from`, with `/` separators, for links in the page.
pub fn relative(from: &Path, to: &Path) -> String {
    let abs = |p: &Path| -> PathBuf {
        let p = if p.is_absolute() {
            p.to_path_buf()
        } else {
            std::env::current_dir().unwrap_or_default().join(p)
        };
        let mut out = PathBuf::new();
        for c in p.components() {
            match c {
                Component::CurDir => {}
                Component::ParentDir => {
                    out.pop();
                }
                c => out.push(c),
            }
        }
        out
    };
    let (f, t) = (abs(from), abs(to));
    let fc: Vec<_> = f.components().collect();
    let tc: Vec<_> = t.components().collect();
    let common = fc.iter().zip(&tc).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".into(); fc.len() - common];
    parts.extend(
        tc[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_relative_to_the_page() {
        assert_eq!(
            relative(Path::new("/a/b"), Path::new("/a/b/c/d.png")),
            "c/d.png"
        );
        assert_eq!(
            relative(Path::new("/a/b"), Path::new("/a/x/d.png")),
            "../x/d.png"
        );
        assert_eq!(
            relative(Path::new("/a/./b"), Path::new("/a/b/../b/e.png")),
            "e.png"
        );
    }

    #[test]
    fn every_reason_code_the_engine_records_has_a_meaning() {
        for r in darkroom_ledger::Reason::ALL {
            assert!(!reason_text(r.as_str()).is_empty(), "{r}");
        }
        assert_eq!(reason_text("a code from a newer darkroom"), "");
    }
}

#[cfg(test)]
mod slice_tests {
    use super::of_shot;

    #[test]
    fn a_shots_run_is_found_in_a_list_sorted_by_shot() {
        let rows = ["a", "b", "b", "bb", "c", "東京"];
        assert_eq!(of_shot(&rows, |r| r, "b"), ["b", "b"]);
        assert_eq!(of_shot(&rows, |r| r, "bb"), ["bb"]);
        assert_eq!(of_shot(&rows, |r| r, "東京"), ["東京"]);
        assert!(of_shot(&rows, |r| r, "ba").is_empty());
    }
}
