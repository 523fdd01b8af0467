//! The report's index page: its summary figures, tables and charts, each built by a function
//! of its own from the ledger's dump (and, for palettes and judgements, from the store and the
//! ledger read one item at a time).

use std::collections::BTreeMap;

use darkroom_campaign::Campaign;
use darkroom_color::de2000;
use darkroom_color::palette::{drift, Swatch};
use darkroom_core::judge::{Judgement, Verdict};
use darkroom_core::money::{Money, Unit};
use darkroom_ledger::{AttemptRecord, AttemptStatus, DecisionKind, Dump, Reason, Tier};
use darkroom_report::{Bar, Chart, CheckItem, Report, Series, Stat, SwatchCell, SwatchRow, Table};

use super::{
    brand_swatches, checklist_of, fmt_money, latest_reasons, pct, pct_f, relative, Builder,
    CHART_ITEMS,
};
use crate::ReadoutError;

/// The figures several parts of the summary share, counted once from the dump.
struct Figures {
    unit: Unit,
    cap: Option<Money>,
    spent: f64,
    tries: u64,
    /// Files asked for (finals × aspects).
    asked: u64,
    delivered: u64,
    /// Each draft's latest gate decision.
    gated: Vec<Reason>,
    passed: u64,
    /// When the first call was sent (the ledger's clock).
    t0: f64,
    wall: f64,
    /// Per error class: attempts, and the first message.
    failures: BTreeMap<String, (u64, String)>,
    failed_n: u64,
}

impl Figures {
    fn of(c: &Campaign, dump: &Dump) -> Figures {
        let unit = c.budget.unit();
        let cap = c.budget.cap();

        // Summary figures.
        let spent: f64 = dump.attempts.iter().filter_map(|a| a.cost).sum();
        let tries: u64 = dump.attempts.iter().map(|a| a.tries as u64).sum();
        let asked: u64 = c
            .shots
            .iter()
            .map(|s| s.finals as u64 * s.deliver.len().max(1) as u64)
            .sum();
        let delivered = dump.deliverables.len() as u64;
        let gated = latest_reasons(dump, DecisionKind::Gate);
        let passed = gated.iter().filter(|r| **r == Reason::Passed).count() as u64;
        let t0 = dump
            .attempts
            .iter()
            .filter_map(|a| a.started_at)
            .fold(f64::INFINITY, f64::min);
        let t1 = dump
            .attempts
            .iter()
            .filter_map(|a| a.finished_at)
            .fold(f64::NEG_INFINITY, f64::max);
        let wall = if t1 >= t0 { t1 - t0 } else { 0.0 };
        let mut failures: BTreeMap<String, (u64, String)> = BTreeMap::new();
        for a in &dump.attempts {
            if let Some(class) = &a.error_class {
                let e = failures.entry(class.clone()).or_default();
                e.0 += 1;
                if e.1.is_empty() {
                    e.1 = a.error_message.clone().unwrap_or_default();
                }
            }
        }
        let failed_n: u64 = failures.values().map(|v| v.0).sum();
        Figures {
            unit,
            cap,
            spent,
            tries,
            asked,
            delivered,
            gated,
            passed,
            t0,
            wall,
            failures,
            failed_n,
        }
    }
}

impl Builder<'_> {
    /// The index page without its shot sections: summary figures, tables, charts.
    pub(super) fn summary(&mut self, dump: &Dump) -> Result<Report, ReadoutError> {
        let c = self.campaign;
        let f = Figures::of(c, dump);
        let stats = stats(dump, &f);
        let mut tables = stage_table(c, dump, &f);
        tables.extend(spend_table(dump, f.unit));
        tables.extend(failures_table(&f));
        tables.extend(self.people_table(dump)?);
        // Checklists per shot, for categories and questions.
        let checklists: BTreeMap<&str, Vec<CheckItem>> = c
            .shots
            .iter()
            .map(|s| (s.id.as_str(), checklist_of(&s.prompt)))
            .collect();
        let mut charts = burn_chart(dump, &f);
        charts.extend(latency_chart(dump));
        charts.extend(self.judged_charts(c, dump, &checklists)?);
        charts.extend(self.drift_chart(c, dump));
        charts.extend(self.swatch_chart(c, dump));
        Ok(Report {
            title: c.name.clone(),
            kind: "campaign".into(),
            subtitle: format!(
                "{} shots · {} calls · every call and cost recorded in {}",
                c.shots.len(),
                dump.attempts.len(),
                relative(&self.html_dir, &self.out.join("darkroom.db"))
            ),
            stats,
            tables,
            charts,
            ..Report::default()
        })
    }

    /// How the judges agreed with people, from what people said in `darkroom review`.
    fn people_table(&self, dump: &Dump) -> Result<Vec<Table>, ReadoutError> {
        let mut tables = Vec::new();
        // Judges against people: from what people said in `darkroom review`.
        let people = self.ledger.human_decisions()?;
        if !people.is_empty() {
            let asked: std::collections::BTreeSet<&str> =
                people.iter().map(|h| h.attempt.as_str()).collect();
            let mut scores = Vec::new();
            self.ledger.for_each_score(|s| {
                if asked.contains(s.attempt.as_str()) {
                    scores.push(s);
                }
            })?;
            let a = crate::agreement::measure(dump, &scores, &people);
            tables.push(Table {
                title: "Judges against people (from darkroom review)".into(),
                columns: crate::agreement::COLUMNS.map(String::from).to_vec(),
                rows: a.rows(),
            });
        }
        Ok(tables)
    }

    /// Adherence per checklist category and each draft's on-palette share.
    fn judged_charts(
        &self,
        c: &Campaign,
        dump: &Dump,
        checklists: &BTreeMap<&str, Vec<CheckItem>>,
    ) -> Result<Vec<Chart>, ReadoutError> {
        let mut charts = Vec::new();
        let mut cats: BTreeMap<String, (u64, u64)> = BTreeMap::new();
        let mut on_palette = Vec::new();
        let mut on_palette_of: BTreeMap<String, f64> = BTreeMap::new();
        // Judgements are read one at a time: all of them at once is most of a large
        // campaign's ledger.
        let drafts: BTreeMap<&str, &AttemptRecord> = dump
            .attempts
            .iter()
            .filter(|a| a.tier == Tier::Draft && a.status == AttemptStatus::Done)
            .map(|a| (a.id.as_str(), a))
            .collect();
        self.ledger.for_each_score(|sc| {
            let Some(a) = drafts.get(sc.attempt.as_str()) else {
                return;
            };
            if sc.judge != "layout" && sc.judge != "brand" {
                return;
            }
            let Ok(j) = serde_json::from_str::<Judgement>(&sc.verdicts) else {
                return;
            };
            if sc.judge == "layout" {
                let list = checklists.get(a.shot.as_str());
                for fi in &j.findings {
                    let cat = fi
                        .assertion
                        .and_then(|i| list.and_then(|l| l.get(i)))
                        .map_or("other".to_string(), |q| q.category.clone());
                    let e = cats.entry(cat).or_default();
                    match fi.verdict {
                        Verdict::Yes => {
                            e.0 += 1;
                            e.1 += 1
                        }
                        Verdict::No => e.1 += 1,
                        Verdict::Undecided => {}
                    }
                }
            } else if let Some(v) = j.metric("on_palette") {
                on_palette_of.insert(sc.attempt.clone(), v);
            }
        })?;
        // In the drafts' order (shot, round, variant), not the scores' (attempt id).
        for a in dump
            .attempts
            .iter()
            .filter(|a| a.tier == Tier::Draft && a.status == AttemptStatus::Done)
        {
            if let Some(v) = on_palette_of.get(&a.id) {
                on_palette.push(Bar {
                    label: format!("{} r{} v{}", a.shot, a.round, a.variant),
                    value: *v,
                    note: String::new(),
                });
            }
        }
        charts.push(Chart::Bars {
            id: "adherence".into(),
            title: "Adherence per checklist category (drafts: yes ÷ decided)".into(),
            y_label: "adherence".into(),
            bars: cats
                .iter()
                .filter(|(_, (_, d))| *d > 0)
                .map(|(k, (y, d))| Bar {
                    label: k.clone(),
                    value: *y as f64 / *d as f64,
                    note: format!("{y}/{d}"),
                })
                .collect(),
            max: 1.0,
            reference: c.gates.adherence.map(|g| (g, format!("gate {g:.2}"))),
        });
        if c.brand.is_some() && on_palette.len() > CHART_ITEMS {
            // A bar per draft is unreadable past a few hundred: their distribution instead.
            charts.push(Chart::Histograms {
                id: "on-palette".into(),
                title: format!(
                    "On-palette share of the {} drafts{}",
                    on_palette.len(),
                    c.gates
                        .on_palette
                        .map_or(String::new(), |g| format!(" (the gate is {g:.2})"))
                ),
                x_label: "on-palette share".into(),
                groups: vec![(
                    "drafts".into(),
                    on_palette.iter().map(|b| b.value).collect(),
                )],
            });
        } else if c.brand.is_some() {
            charts.push(Chart::Bars {
                id: "on-palette".into(),
                title: "On-palette share per draft, against the gate".into(),
                y_label: "on-palette share".into(),
                bars: on_palette,
                max: 1.0,
                reference: c.gates.on_palette.map(|g| (g, format!("gate {g:.2}"))),
            });
        }
        Ok(charts)
    }

    /// Palette drift across the run, from the brand palette or the first image.
    fn drift_chart(&mut self, c: &Campaign, dump: &Dump) -> Vec<Chart> {
        let mut charts = Vec::new();
        // Palettes: each stored image once, for the drift curve and the swatches.
        let brand_sw: Vec<Swatch> = c
            .brand
            .as_ref()
            .map(|b| {
                let n = b.colors.len().max(1) as f64;
                b.colors
                    .iter()
                    .map(|(_, lab)| Swatch {
                        lab: *lab,
                        rgb: lab.to_rgb8(),
                        share: 1.0 / n,
                    })
                    .collect()
            })
            .unwrap_or_default();
        let mut timeline: Vec<&AttemptRecord> = dump
            .attempts
            .iter()
            .filter(|a| a.status == AttemptStatus::Done && a.asset.is_some())
            .collect();
        timeline.sort_by(|a, b| {
            a.finished_at
                .unwrap_or(0.0)
                .total_cmp(&b.finished_at.unwrap_or(0.0))
                .then(a.id.cmp(&b.id))
        });
        let mut drift_pts = Vec::new();
        let mut reference: Option<Vec<Swatch>> = (!brand_sw.is_empty()).then(|| brand_sw.clone());
        for (i, a) in timeline.iter().enumerate() {
            let hash = a.asset.clone().unwrap_or_default();
            let pal = self.load(&hash).clone();
            if pal.is_empty() {
                continue;
            }
            let r = reference.get_or_insert_with(|| pal.clone());
            drift_pts.push((i as f64 + 1.0, drift(&pal, r)));
        }
        let window = 8usize;
        let rolling: Vec<(f64, f64)> = (0..drift_pts.len())
            .map(|i| {
                let lo = i.saturating_sub(window - 1);
                let s = &drift_pts[lo..=i];
                (
                    drift_pts[i].0,
                    s.iter().map(|p| p.1).sum::<f64>() / s.len() as f64,
                )
            })
            .collect();
        charts.push(Chart::Lines {
            id: "drift".into(),
            title: if brand_sw.is_empty() {
                "Style drift across the run: palette drift from the first image (ΔE00)".into()
            } else {
                "Style drift across the run: palette drift from the brand palette (ΔE00)".into()
            },
            x_label: "images in the order they arrived".into(),
            y_label: "ΔE00".into(),
            series: vec![
                Series {
                    name: "each image".into(),
                    points: drift_pts,
                },
                Series {
                    name: format!("mean of last {window}"),
                    points: rolling,
                },
            ],
            step: false,
            reference: None,
        });
        charts
    }

    /// The brand palette beside each final's dominant palette.
    fn swatch_chart(&mut self, c: &Campaign, dump: &Dump) -> Vec<Chart> {
        let mut charts = Vec::new();
        let mut sw_rows = Vec::new();
        sw_rows.extend(c.brand.as_ref().map(brand_swatches));
        // One row per final, up to a readable number (a 10,000-shot campaign's are on its pages).
        // Two finals of one shot in one aspect are told apart by their number.
        let mut seen: BTreeMap<(String, String), usize> = BTreeMap::new();
        for d in dump.deliverables.iter().take(CHART_ITEMS) {
            let pal = self.load_file(&self.out.join(&d.path), &d.hash).clone();
            let cells = pal
                .iter()
                .take(5)
                .map(|s| {
                    let caption = match &c.brand {
                        Some(b) if !b.colors.is_empty() => {
                            let de = b
                                .colors
                                .iter()
                                .map(|(_, l)| de2000(s.lab, *l))
                                .fold(f64::INFINITY, f64::min);
                            format!("ΔE {de:.1} · {:.0}%", s.share * 100.0)
                        }
                        _ => format!("{:.0}%", s.share * 100.0),
                    };
                    SwatchCell {
                        hex: s.rgb.to_hex(),
                        caption,
                    }
                })
                .collect();
            sw_rows.push(SwatchRow {
                label: {
                    let n = seen.entry((d.shot.clone(), d.aspect.clone())).or_default();
                    *n += 1;
                    let finals = c
                        .shots
                        .iter()
                        .find(|s| s.id == d.shot)
                        .map_or(1, |s| s.finals);
                    if finals > 1 {
                        format!("{} {} · final {n}", d.shot, d.aspect)
                    } else {
                        format!("{} {}", d.shot, d.aspect)
                    }
                },
                cells,
            });
        }
        charts.push(Chart::Swatches {
                id: "palettes".into(),
                title: if dump.deliverables.len() > CHART_ITEMS {
                    format!("Brand palette beside the first {CHART_ITEMS} of {} finals' dominant palettes (ΔE00 to the nearest brand colour)", dump.deliverables.len())
                } else {
                    "Brand palette beside each final's dominant palette (ΔE00 to the nearest brand colour)".into()
                },
                rows: sw_rows,
            });
        charts
    }
}

/// The headline figures.
fn stats(dump: &Dump, f: &Figures) -> Vec<Stat> {
    let &Figures {
        unit,
        cap,
        spent,
        tries,
        asked,
        delivered,
        ref gated,
        passed,
        wall,
        ref failures,
        failed_n,
        ..
    } = f;
    let mut stats = vec![
        Stat {
            label: "Spend".into(),
            // Providers price in both units at 1 credit = $0.01 (Stability's rate).
            value: if unit == Unit::Usd {
                format!("{} · {:.1} credits", fmt_money(spent, unit), spent * 100.0)
            } else {
                format!("{} · ${:.3}", fmt_money(spent, unit), spent / 100.0)
            },
            note: cap.map_or("no cap".into(), |cap| {
                format!(
                    "of {} cap ({})",
                    fmt_money(cap.amount, unit),
                    pct_f(spent, cap.amount)
                )
            }),
            tone: if cap.is_some_and(|cap| spent > cap.amount + 1e-9) {
                "bad".into()
            } else {
                String::new()
            },
        },
        Stat {
            label: "Deliverables".into(),
            value: format!("{delivered} / {asked}"),
            note: "delivered / asked".into(),
            tone: if delivered >= asked { "good" } else { "bad" }.into(),
        },
        Stat {
            label: "Cost per delivered file".into(),
            value: if delivered > 0 {
                fmt_money(spent / delivered as f64, unit)
            } else {
                "–".into()
            },
            note: "CPSA: spend ÷ files delivered".into(),
            tone: String::new(),
        },
        Stat {
            label: "Drafts passing the gates".into(),
            value: pct(passed, gated.len() as u64),
            note: format!("{passed} of {} judged", gated.len()),
            tone: String::new(),
        },
        Stat {
            label: "Calls".into(),
            value: tries.to_string(),
            note: format!("{} attempts; retries included", dump.attempts.len()),
            tone: String::new(),
        },
        Stat {
            label: "Wall time".into(),
            value: format!("{wall:.1} s"),
            note: "first call sent → last call ended".into(),
            tone: String::new(),
        },
        Stat {
            label: "Failures".into(),
            value: failed_n.to_string(),
            note: if failures.is_empty() {
                "none".into()
            } else {
                failures
                    .iter()
                    .map(|(k, v)| format!("{} {k}", v.0))
                    .collect::<Vec<_>>()
                    .join(", ")
            },
            tone: if failed_n > 0 { "bad" } else { "good" }.into(),
        },
    ];
    // Per provider: how many calls a crash or a takeover interrupted, what they may have
    // cost twice, and how many ran twice for certain (a fenced process's late result).
    let mut cut_by: BTreeMap<&str, (u64, f64, u64)> = BTreeMap::new();
    for a in dump.attempts.iter().filter(|a| a.interrupted > 0) {
        let e = cut_by.entry(a.provider.as_str()).or_default();
        e.0 += u64::from(a.interrupted);
        e.1 += a.presumed;
        e.2 += u64::from(a.late);
    }
    let cut: u64 = cut_by.values().map(|x| x.0).sum();
    if cut > 0 {
        let per: Vec<String> = cut_by
            .iter()
            .map(|(p, (n, presumed, late))| {
                format!(
                    "{p}: {n}, may have cost {} twice{}",
                    fmt_money(*presumed, unit),
                    if *late > 0 {
                        format!(", {late} ran twice")
                    } else {
                        String::new()
                    }
                )
            })
            .collect();
        stats.push(Stat {
            label: "Interrupted calls".into(),
            value: cut.to_string(),
            note: format!("a crash or a takeover; {}", per.join("; ")),
            tone: "bad".into(),
        });
    }
    if let Some(cap) = cap.map(|m| m.amount) {
        stats.push(Stat {
            label: "Budget used".into(),
            value: pct_f(spent, cap),
            note: format!("cap {}", fmt_money(cap, unit)),
            tone: String::new(),
        });
    }
    stats
}

/// Pass rate per stage and tier.
fn stage_table(c: &Campaign, dump: &Dump, f: &Figures) -> Vec<Table> {
    let &Figures {
        asked,
        delivered,
        ref gated,
        passed,
        ..
    } = f;
    // Pass rate per stage and tier.
    let mut rows = Vec::new();
    for (tier, t) in [("draft", &c.draft), ("finish", &c.finish)] {
        let of: Vec<&AttemptRecord> = dump.attempts.iter().filter(|a| a.tier == tier).collect();
        let done = of
            .iter()
            .filter(|a| a.status == AttemptStatus::Done)
            .count() as u64;
        let model = of.first().map_or(String::new(), |a| a.model.clone());
        let who = if model.is_empty() {
            t.provider.clone()
        } else {
            format!("{} · {model}", t.provider)
        };
        rows.push(vec![
            format!("{tier} calls"),
            who.clone(),
            of.len().to_string(),
            done.to_string(),
            pct(done, of.len() as u64),
        ]);
        if tier == "draft" {
            rows.push(vec![
                "draft gates".into(),
                who.clone(),
                gated.len().to_string(),
                passed.to_string(),
                pct(passed, gated.len() as u64),
            ]);
            let promoted = dump
                .decisions
                .iter()
                .filter(|d| d.kind == DecisionKind::Rank && d.reason == Reason::Promoted)
                .count() as u64;
            rows.push(vec![
                "promotion".into(),
                who,
                passed.to_string(),
                promoted.to_string(),
                pct(promoted, passed),
            ]);
        } else {
            // Finished images are judged again; a failure promotes a spare.
            let finish_gated = latest_reasons(dump, DecisionKind::FinishGate);
            if !finish_gated.is_empty() {
                let ok = finish_gated
                    .iter()
                    .filter(|r| **r == Reason::Passed)
                    .count() as u64;
                rows.push(vec![
                    "finish gates".into(),
                    who,
                    finish_gated.len().to_string(),
                    ok.to_string(),
                    pct(ok, finish_gated.len() as u64),
                ]);
            }
        }
    }
    rows.push(vec![
        "delivery".into(),
        "finishing ops".into(),
        asked.to_string(),
        delivered.to_string(),
        pct(delivered, asked),
    ]);
    let tables = vec![Table {
        title: "Pass rate per stage and tier".into(),
        columns: ["stage", "provider · model", "in", "out", "rate"]
            .map(String::from)
            .to_vec(),
        rows,
    }];
    tables
}

/// Spend per tier, provider and model.
fn spend_table(dump: &Dump, unit: Unit) -> Vec<Table> {
    let mut tables = Vec::new();
    let mut spend_rows: BTreeMap<(String, String, String), (u64, u64, f64)> = BTreeMap::new();
    for a in &dump.attempts {
        let e = spend_rows
            .entry((a.tier.to_string(), a.provider.clone(), a.model.clone()))
            .or_default();
        e.0 += 1;
        e.1 += a.tries as u64;
        e.2 += a.cost.unwrap_or(0.0);
    }
    tables.push(Table {
        title: "Spend by tier".into(),
        columns: ["tier", "provider", "model", "attempts", "calls", "spend"]
            .map(String::from)
            .to_vec(),
        rows: spend_rows
            .iter()
            .map(|((t, p, m), (n, calls, cost))| {
                vec![
                    t.clone(),
                    p.clone(),
                    m.clone(),
                    n.to_string(),
                    calls.to_string(),
                    fmt_money(*cost, unit),
                ]
            })
            .collect(),
    });
    tables
}

/// Failures per error class.
fn failures_table(f: &Figures) -> Vec<Table> {
    let failures = &f.failures;
    let mut tables = Vec::new();
    if !failures.is_empty() {
        tables.push(Table {
            title: "Failures by class".into(),
            columns: ["class", "attempts", "first message"]
                .map(String::from)
                .to_vec(),
            rows: failures
                .iter()
                .map(|(k, (n, m))| vec![k.clone(), n.to_string(), m.clone()])
                .collect(),
        });
    }
    tables
}

/// Spend over time, cumulative per tier.
fn burn_chart(dump: &Dump, f: &Figures) -> Vec<Chart> {
    let &Figures {
        unit,
        cap,
        spent,
        t0,
        ..
    } = f;
    // Charts.
    let mut charts = Vec::new();
    let mut burn: BTreeMap<String, Vec<(f64, f64)>> = BTreeMap::new();
    let mut paid: Vec<(f64, &str, f64)> = dump
        .attempts
        .iter()
        .filter_map(|a| Some((a.finished_at?, a.tier.as_str(), a.cost?)))
        .filter(|x| x.2 > 0.0)
        .collect();
    paid.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(b.1)));
    let mut total = 0.0;
    let mut by_tier: BTreeMap<&str, f64> = BTreeMap::new();
    for (t, tier, cost) in &paid {
        let x = t - t0;
        total += cost;
        let e = by_tier.entry(tier).or_default();
        *e += cost;
        burn.entry(format!("{tier} tier"))
            .or_insert_with(|| vec![(0.0, 0.0)])
            .push((x, *e));
        burn.entry("all tiers".into())
            .or_insert_with(|| vec![(0.0, 0.0)])
            .push((x, total));
    }
    let mut series: Vec<Series> = burn
        .into_iter()
        .map(|(name, points)| Series { name, points })
        .collect();
    series.sort_by_key(|s| s.name != "all tiers");
    charts.push(Chart::Lines {
        id: "burn".into(),
        title: if paid.is_empty() {
            "Credit burn: nothing was spent (every call was free)".to_string()
        } else {
            format!("Credit burn over time, cumulative by tier ({unit})")
        },
        x_label: "seconds since the first call".into(),
        y_label: unit.as_str().into(),
        series,
        step: true,
        reference: cap
            .map(|m| m.amount)
            .filter(|cap| *cap <= spent * 4.0)
            .map(|cap| (cap, "budget cap".into())),
    });
    charts
}

/// Latency per provider and tier.
fn latency_chart(dump: &Dump) -> Vec<Chart> {
    let mut charts = Vec::new();
    let mut lat: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for a in &dump.attempts {
        if let (Some(l), AttemptStatus::Done) = (a.latency, a.status) {
            lat.entry(format!("{} · {} tier", a.provider, a.tier))
                .or_default()
                .push(l);
        }
    }
    charts.push(Chart::Histograms {
        id: "latency".into(),
        title: "Latency per provider and tier".into(),
        x_label: "seconds".into(),
        groups: lat.into_iter().collect(),
    });
    charts
}
