//! The `sim` provider: a simulated paid model, for planning, load and fault tests, and for
//! measuring the judges against known errors.
//!
//! Every outcome — latency, failure, instruction drops, colour drift — is a deterministic
//! function of the request and of how many times that request was tried, so a rerun behaves the
//! same and a retry can succeed where the first try failed. Latency is reported, not slept: the
//! engine sleeps for it in a real run and advances a simulated clock in `darkroom simulate`.
//!
//! The built-in profiles are **simulations** modelled on public figures (issue 4 and
//! `reference/providers.md`): a fast draft model at $0.039 per 1K image and a few seconds
//! (Gemini 2.5 Flash Image's list price), and a pro model at $0.134 per 1K–2K and $0.24 per 4K
//! image and tens of seconds (Gemini 3 Pro Image's). The latency and failure figures are
//! assumptions for load testing, not measurements of those services.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use darkroom_core::provider::{
    Capabilities, Collected, Cost, Generated, Provider, ProviderError, Request,
};
use darkroom_core::rand::SplitMix64;
use darkroom_prompt::mutate::{opposite, Mutation};
use darkroom_prompt::Color;

/// Instruction drop rates per checklist category: the share of calls that get it wrong.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Drops {
    /// A relation is flipped.
    pub relation: f64,
    /// A count is off by one.
    pub count: f64,
    /// An entity is recoloured.
    pub color: f64,
    /// An entity is left out.
    pub entity: f64,
}

/// A behaviour model.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Profile {
    /// Profile name.
    pub name: &'static str,
    /// The model id it reports.
    pub model: &'static str,
    /// Median latency, seconds.
    pub median_s: f64,
    /// 95th-percentile latency, seconds.
    pub p95_s: f64,
    /// Share of calls answered 429, and the retry hint given.
    pub p_rate_limited: f64,
    /// Retry hint of a 429, seconds.
    pub retry_after_s: f64,
    /// Share of 5xx answers.
    pub p_server_error: f64,
    /// Share of timeouts.
    pub p_timeout: f64,
    /// Share of content refusals.
    pub p_refusal: f64,
    /// Instruction drops.
    pub drops: Drops,
    /// Largest hue drift of the colours, degrees (uniform in ±).
    pub hue_drift_deg: f64,
    /// USD per image at ≤ 1K, ≤ 2K and 4K.
    pub prices: [f64; 3],
}

/// A fast draft model (modelled on Gemini 2.5 Flash Image's price).
pub const FAST_DRAFT: Profile = Profile {
    name: "fast-draft",
    model: "sim-fast-draft",
    median_s: 4.0,
    p95_s: 9.0,
    p_rate_limited: 0.02,
    retry_after_s: 5.0,
    p_server_error: 0.02,
    p_timeout: 0.005,
    p_refusal: 0.005,
    drops: Drops {
        relation: 0.35,
        count: 0.25,
        color: 0.15,
        entity: 0.05,
    },
    hue_drift_deg: 8.0,
    prices: darkroom_core::catalog::sim::FAST_DRAFT_PRICES,
};

/// A pro model (modelled on Gemini 3 Pro Image's prices).
pub const PRO: Profile = Profile {
    name: "pro",
    model: "sim-pro",
    median_s: 22.0,
    p95_s: 45.0,
    p_rate_limited: 0.01,
    retry_after_s: 10.0,
    p_server_error: 0.01,
    p_timeout: 0.005,
    p_refusal: 0.003,
    drops: Drops {
        relation: 0.1,
        count: 0.08,
        color: 0.05,
        entity: 0.01,
    },
    hue_drift_deg: 3.0,
    prices: darkroom_core::catalog::sim::PRO_PRICES,
};

impl Profile {
    /// USD per image whose longer side is `long` pixels (≤ 1K, ≤ 2K, above).
    pub fn price_usd(&self, long: u32) -> f64 {
        self.prices[if long <= 1024 {
            0
        } else if long <= 2048 {
            1
        } else {
            2
        }]
    }

    /// The chance that a call keeps every instruction of `scene`: none of the checklist
    /// categories the scene has is dropped. A lower bound on the gate's pass rate, since a
    /// lenient adherence gate lets some drops through.
    pub fn keeps_all(&self, scene: &darkroom_prompt::Scene) -> f64 {
        let scene = &scene.without_settings();
        let mut p = 1.0;
        if !scene.relations.is_empty() {
            p *= 1.0 - self.drops.relation;
        }
        if scene
            .entities
            .iter()
            .any(|e| e.count.is_some_and(|c| c >= 2))
        {
            p *= 1.0 - self.drops.count;
        }
        if scene.entities.iter().any(|e| e.color.is_some()) {
            p *= 1.0 - self.drops.color;
        }
        if scene.entities.len() > 1 {
            p *= 1.0 - self.drops.entity;
        }
        p
    }
}

/// Looks a built-in profile up by name.
pub fn profile(name: &str) -> Option<Profile> {
    match name {
        "fast-draft" => Some(FAST_DRAFT),
        "pro" => Some(PRO),
        _ => None,
    }
}

/// The simulator.
pub struct Sim {
    name: String,
    profile: Profile,
    tries: Mutex<HashMap<u64, u32>>,
    calls: AtomicU64,
    call_log: Option<CallLog>,
}

/// The simulated vendor's own record of the calls it ran and charged, kept in a file so that it
/// outlives a killed client, like a real service's request log: a request sent again is answered
/// from it (a replay) instead of being run and charged twice.
struct CallLog {
    file: Mutex<std::fs::File>,
    /// Request key → (the try that produced the answer, USD charged).
    ran: Mutex<HashMap<u64, (u32, f64)>>,
    /// Whether a request found in the record is answered from it (a vendor with idempotency
    /// keys); without, every request received is run and billed again, as most vendors do.
    replay: bool,
    /// The log's path, read again on a miss: several worker processes share one vendor.
    path: std::path::PathBuf,
}

/// The record of the call sent under `handle`, if the log has one: (try, USD).
fn find_handle(text: &str, handle: &str) -> Option<(u32, f64)> {
    text.lines().find_map(|line| {
        let f: Vec<&str> = line.split('\t').collect();
        match f.as_slice() {
            [_, usd, try_no, h] if *h == handle => Some((try_no.parse().ok()?, usd.parse().ok()?)),
            _ => None,
        }
    })
}

/// The records in a call log's text: key → (try, USD). A line cut short by a kill mid-write is
/// not a record of a finished call.
fn parse_log(text: &str, into: &mut HashMap<u64, (u32, f64)>) {
    for line in text.lines() {
        let mut f = line.split('\t');
        let k = f.next().and_then(|k| u64::from_str_radix(k, 16).ok());
        let usd = f.next().and_then(|u| u.parse::<f64>().ok());
        let try_no = f.next().and_then(|t| t.parse::<u32>().ok());
        // A fourth field is the call's handle, where darkroom gave one.
        let _handle = f.next();
        if let (Some(k), Some(usd), Some(try_no), None) = (k, usd, try_no, f.next()) {
            into.insert(k, (try_no, usd));
        }
    }
}

struct Rng(SplitMix64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0.next_u64()
    }
    fn f(&mut self) -> f64 {
        self.0.unit_f64()
    }
    /// A standard normal (Box–Muller).
    fn normal(&mut self) -> f64 {
        let (u1, u2) = (self.f().max(1e-12), self.f());
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
}

fn key(req: &Request) -> u64 {
    let mut h: u64 = 0xCBF2_9CE4_8422_2325;
    for b in req
        .prompt
        .bytes()
        .chain(req.seed.to_le_bytes())
        .chain(req.width.to_le_bytes())
        .chain(req.height.to_le_bytes())
    {
        h = (h ^ u64::from(b)).wrapping_mul(0x100_0000_01B3);
    }
    h ^ (req.quality as u64) << 1
}

impl Sim {
    /// A simulator with a profile.
    pub fn new(name: impl Into<String>, profile: Profile) -> Sim {
        Sim {
            name: name.into(),
            profile,
            tries: Mutex::new(HashMap::new()),
            calls: AtomicU64::new(0),
            call_log: None,
        }
    }

    /// Keeps the vendor's record of executed (billed) calls in `path`, one line per call,
    /// `<request key>\t<usd>\t<try>`, and answers a request found there again from the record
    /// without running or charging it: the simulator then [replays](Provider::replays), and tests
    /// that kill and resume processes can count executions across them.
    pub fn with_call_log(mut self, path: &std::path::Path) -> std::io::Result<Sim> {
        let mut ran = HashMap::new();
        let mut cut_short = false;
        match std::fs::read_to_string(path) {
            Ok(text) => {
                cut_short = !text.is_empty() && !text.ends_with('\n');
                parse_log(&text, &mut ran);
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        let f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?;
        if cut_short {
            // End the cut line, so the next record starts on a line of its own.
            use std::io::Write;
            (&f).write_all(b"\n")?;
        }
        self.call_log = Some(CallLog {
            file: Mutex::new(f),
            ran: Mutex::new(ran),
            path: path.to_path_buf(),
            replay: true,
        });
        Ok(self)
    }

    /// The vendor of [`Sim::with_call_log`] without replays: every request it receives is run,
    /// logged and billed, however often it was sent before (the ground truth the money tests
    /// compare the ledger with: a request sent twice shows in the log twice).
    pub fn without_replay(mut self) -> Sim {
        if let Some(log) = &mut self.call_log {
            log.replay = false;
        }
        self
    }

    /// Calls made so far (tests check that nothing is executed twice).
    pub fn calls(&self) -> u64 {
        self.calls.load(Ordering::SeqCst)
    }

    /// The profile.
    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    /// The latency of a request's `try_no`-th try: lognormal with the profile's median and p95.
    pub fn latency(&self, req: &Request, try_no: u32) -> Duration {
        let mut r = Rng(SplitMix64(key(req) ^ 0x1A7E ^ u64::from(try_no) << 40));
        let sigma = (self.profile.p95_s / self.profile.median_s).ln() / 1.645;
        Duration::from_secs_f64(self.profile.median_s * (sigma * r.normal()).exp())
    }
}

impl Provider for Sim {
    fn name(&self) -> &str {
        &self.name
    }

    fn capabilities(&self) -> Capabilities {
        darkroom_core::catalog::capabilities(darkroom_core::ProviderKind::Sim, self.profile.name)
    }

    fn price(&self, req: &Request) -> Cost {
        darkroom_core::catalog::quote(darkroom_core::ProviderKind::Sim, self.profile.name, req).cost
    }

    /// The seed it simulates with, as given.
    fn infotext(&self, req: &Request) -> Vec<(String, String)> {
        vec![("Seed".into(), req.seed.to_string())]
    }

    fn replays(&self) -> bool {
        self.call_log.as_ref().is_some_and(|l| l.replay)
    }

    /// A simulator with a record of executed calls and no replays is a vendor that can be asked
    /// about a call by its handle (the record is written with it): one that finds its own
    /// record, as ComfyUI's history does.
    fn handles(&self) -> bool {
        self.call_log.as_ref().is_some_and(|l| !l.replay)
    }

    fn generate(&self, req: &Request) -> Result<Generated, ProviderError> {
        self.send(req, None)
    }

    fn generate_as(
        &self,
        req: &Request,
        handle: &str,
        _note: &(dyn Fn(&str) + Sync),
    ) -> Result<Generated, ProviderError> {
        self.send(req, Some(handle))
    }

    fn collect(&self, req: &Request, handle: &str) -> Result<Collected, ProviderError> {
        let Some(log) = &self.call_log else {
            return Ok(Collected::Unknown);
        };
        let text = std::fs::read_to_string(&log.path)
            .map_err(|e| ProviderError::Transient(format!("sim call log: {e}")))?;
        match find_handle(&text, handle) {
            Some((try_no, usd)) => {
                // The same image as the run did (the answer is a function of the request and
                // the try), at the cost the record says; nothing run or logged again.
                let mut g = self.answer(req, key(req), try_no)?;
                g.cost = Cost::from_usd(usd);
                g.notes.push(("collected".to_string(), handle.to_string()));
                Ok(Collected::Image(g))
            }
            None => Ok(Collected::Unknown),
        }
    }
}

impl Sim {
    /// One call received: answered from the record (a replaying vendor that ran it before), or
    /// run, logged (with `handle`, where given) and billed.
    fn send(&self, req: &Request, handle: Option<&str>) -> Result<Generated, ProviderError> {
        let k = key(req);
        if let Some(log) = self.call_log.as_ref().filter(|l| l.replay) {
            let mut ran = log
                .ran
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .get(&k)
                .copied();
            if ran.is_none() {
                // Another process (a worker that died with the call in flight) may have run it.
                if let Ok(text) = std::fs::read_to_string(&log.path) {
                    let mut map = log.ran.lock().unwrap_or_else(|p| p.into_inner());
                    parse_log(&text, &mut map);
                    ran = map.get(&k).copied();
                }
            }
            if let Some((try_no, usd)) = ran {
                // Answered from the record: the same image (the same try, deterministic), the
                // charge of the one execution, nothing run or logged again.
                let mut g = self.answer(req, k, try_no)?;
                g.cost = Cost::from_usd(usd);
                g.notes.push(("replayed".to_string(), "true".to_string()));
                return Ok(g);
            }
        }
        self.calls.fetch_add(1, Ordering::SeqCst);
        let try_no = {
            let mut t = self.tries.lock().unwrap_or_else(|p| p.into_inner());
            let n = t.entry(k).or_insert(0);
            *n += 1;
            *n
        };
        let g = self.answer(req, k, try_no)?;
        if let Some(log) = &self.call_log {
            use std::io::Write;
            // One write per line, on an append-only file: lines from concurrent calls and from
            // successive processes never interleave.
            let line = match handle {
                Some(h) => format!("{k:016x}\t{}\t{try_no}\t{h}\n", g.cost.usd),
                None => format!("{k:016x}\t{}\t{try_no}\n", g.cost.usd),
            };
            let mut f = log.file.lock().unwrap_or_else(|p| p.into_inner());
            f.write_all(line.as_bytes())
                .map_err(|e| ProviderError::Transient(format!("sim call log: {e}")))?;
            log.ran
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(k, (try_no, g.cost.usd));
        }
        Ok(g)
    }

    /// The answer to the `try_no`-th try of a request: a failure, or the image with its
    /// instruction drops and colour drift. A pure function of the request and `try_no`.
    fn answer(&self, req: &Request, k: u64, try_no: u32) -> Result<Generated, ProviderError> {
        let p = &self.profile;
        let mut r = Rng(SplitMix64(k ^ u64::from(try_no) << 32));
        let latency = self.latency(req, try_no);
        let u = r.f();
        let mut edge = p.p_rate_limited;
        if u < edge {
            return Err(ProviderError::RateLimited {
                retry_after: Some(Duration::from_secs_f64(p.retry_after_s)),
                message: "HTTP 429 RESOURCE_EXHAUSTED (simulated)".into(),
            });
        }
        edge += p.p_server_error;
        if u < edge {
            return Err(ProviderError::Transient("HTTP 503 (simulated)".into()));
        }
        edge += p.p_timeout;
        if u < edge {
            return Err(ProviderError::Transient("timed out (simulated)".into()));
        }
        edge += p.p_refusal;
        if u < edge {
            return Err(ProviderError::Refused("content policy (simulated)".into()));
        }
        // Scenery is not an object the model can drop or recolour.
        let mut scene = darkroom_prompt::parse(&req.prompt)
            .map_err(|e| ProviderError::Invalid(e.to_string()))?
            .without_settings();
        // Instruction drops: each category independently, recorded as ground truth.
        let mut mutations: Vec<Mutation> = Vec::new();
        if !scene.relations.is_empty() && r.f() < p.drops.relation {
            let i = (r.next() % scene.relations.len() as u64) as usize;
            if let Some(to) = opposite(scene.relations[i].predicate) {
                mutations.push(Mutation::BreakRelation {
                    relation: i,
                    from: scene.relations[i].predicate,
                    to,
                });
            }
        }
        let counted: Vec<usize> = scene
            .entities
            .iter()
            .filter(|e| e.count.is_some_and(|c| c >= 2))
            .map(|e| e.id)
            .collect();
        if !counted.is_empty() && r.f() < p.drops.count {
            let e = counted[(r.next() % counted.len() as u64) as usize];
            let from = scene.entities[e].count.unwrap_or(2);
            let to = if r.f() < 0.5 { from - 1 } else { from + 1 };
            mutations.push(Mutation::Recount {
                entity: e,
                from,
                to,
            });
        }
        let coloured: Vec<usize> = scene
            .entities
            .iter()
            .filter(|e| e.color.is_some())
            .map(|e| e.id)
            .collect();
        if !coloured.is_empty() && r.f() < p.drops.color {
            let e = coloured[(r.next() % coloured.len() as u64) as usize];
            const OTHERS: [&str; 6] = ["red", "green", "blue", "yellow", "purple", "orange"];
            let from = scene.entities[e]
                .color
                .clone()
                .unwrap_or_else(|| Color::new("red", darkroom_color::Rgb8::new(255, 0, 0)));
            let choices: Vec<&str> = OTHERS.iter().copied().filter(|n| *n != from.name).collect();
            let name = choices[(r.next() % choices.len() as u64) as usize];
            let rgb =
                darkroom_color::named::lookup(name).unwrap_or(darkroom_color::Rgb8::new(0, 128, 0));
            mutations.push(Mutation::Recolour {
                entity: e,
                from,
                to: Color::new(name, rgb),
            });
        }
        if scene.entities.len() > 1 && r.f() < p.drops.entity {
            let e = (r.next() % scene.entities.len() as u64) as usize;
            mutations.push(Mutation::Remove { entity: e });
        }
        for m in &mutations {
            m.apply(&mut scene);
        }
        // Colour drift: every colour's hue turns by the same small, seeded angle.
        let drift = (r.f() * 2.0 - 1.0) * p.hue_drift_deg;
        for e in scene.entities.iter_mut() {
            if let Some(c) = &e.color {
                let lab = darkroom_color::Lab::from_rgb8(c.rgb());
                let (h, ch) = (lab.b.atan2(lab.a) + drift.to_radians(), lab.chroma());
                let turned = darkroom_color::Lab {
                    l: lab.l,
                    a: ch * h.cos(),
                    b: ch * h.sin(),
                }
                .to_rgb8();
                e.color = Some(Color::new(c.name.clone(), turned));
            }
        }
        let png = crate::sketch::render(req, &scene)?;
        let mut notes = vec![
            ("hue_drift_deg".to_string(), format!("{drift:.2}")),
            ("try".to_string(), try_no.to_string()),
        ];
        for m in &mutations {
            notes.push((
                "mutation".to_string(),
                serde_json::to_string(m).unwrap_or_default(),
            ));
        }
        let cost = self.price(req);
        Ok(Generated {
            png,
            width: req.width,
            height: req.height,
            cost,
            model_version: Some(format!("{}-2026-11", p.model)),
            latency,
            notes,
            upstream: None,
        })
    }
}
