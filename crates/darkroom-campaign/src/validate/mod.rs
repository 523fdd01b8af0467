//! Parse with spans → validate into a [`Campaign`], collecting every problem.

use std::collections::BTreeMap;
use std::ops::Range;

use darkroom_color::brand::{Brand, BrandSpec, ColorSpec};
use darkroom_core::text::{Align, TextBy};
use darkroom_core::{Aspect, Quality, SizeSpec};

use crate::diag::{line_col, suggest, Diagnostic, Diagnostics};

mod brand;
mod budget;
mod campaign;
mod deliver;
mod gates;
mod judges;
mod provenance;
mod providers;
mod review;
mod shots;
mod tiers;

/// A spanned TOML value (the parser's items, normalised so validation reads one shape).
#[derive(Debug, Clone)]
enum Node {
    Table(Vec<(String, Range<usize>, Node)>, Range<usize>),
    Array(Vec<Node>, Range<usize>),
    Str(String, Range<usize>),
    Int(i64, Range<usize>),
    Float(f64, Range<usize>),
    Bool(bool, Range<usize>),
    Other(Range<usize>),
}

impl Node {
    fn span(&self) -> Range<usize> {
        match self {
            Node::Table(_, s)
            | Node::Array(_, s)
            | Node::Str(_, s)
            | Node::Int(_, s)
            | Node::Float(_, s)
            | Node::Bool(_, s)
            | Node::Other(s) => s.clone(),
        }
    }
    fn kind(&self) -> &'static str {
        match self {
            Node::Table(..) => "a table",
            Node::Array(..) => "an array",
            Node::Str(..) => "a string",
            Node::Int(..) => "an integer",
            Node::Float(..) => "a number",
            Node::Bool(..) => "a boolean",
            Node::Other(..) => "a date or other value",
        }
    }
}

fn from_value(v: &toml_edit::Value) -> Node {
    let s = v.span().unwrap_or(0..0);
    match v {
        toml_edit::Value::String(x) => Node::Str(x.value().clone(), s),
        toml_edit::Value::Integer(x) => Node::Int(*x.value(), s),
        toml_edit::Value::Float(x) => Node::Float(*x.value(), s),
        toml_edit::Value::Boolean(x) => Node::Bool(*x.value(), s),
        toml_edit::Value::Array(a) => Node::Array(a.iter().map(from_value).collect(), s),
        toml_edit::Value::InlineTable(t) => Node::Table(
            t.iter()
                .map(|(k, v)| {
                    let ks = t
                        .get_key_value(k)
                        .and_then(|(key, _)| key.span())
                        .unwrap_or(s.clone());
                    (k.to_string(), ks, from_value(v))
                })
                .collect(),
            s,
        ),
        toml_edit::Value::Datetime(_) => Node::Other(s),
    }
}

fn from_table(t: &toml_edit::Table) -> Node {
    let s = t.span().unwrap_or(0..0);
    Node::Table(
        t.iter()
            .map(|(k, item)| {
                let ks = t
                    .get_key_value(k)
                    .and_then(|(key, _)| key.span())
                    .unwrap_or(s.clone());
                (k.to_string(), ks, from_item(item))
            })
            .collect(),
        s,
    )
}

fn from_item(i: &toml_edit::Item) -> Node {
    match i {
        toml_edit::Item::Value(v) => from_value(v),
        toml_edit::Item::Table(t) => from_table(t),
        toml_edit::Item::ArrayOfTables(a) => {
            Node::Array(a.iter().map(from_table).collect(), a.span().unwrap_or(0..0))
        }
        toml_edit::Item::None => Node::Other(0..0),
    }
}

pub use darkroom_core::ProviderKind;

/// The kinds a campaign may name, in the order errors list them.
const KINDS: [&str; 7] = {
    let k = ProviderKind::ALL;
    [
        k[0].as_str_const(),
        k[1].as_str_const(),
        k[2].as_str_const(),
        k[3].as_str_const(),
        k[4].as_str_const(),
        k[5].as_str_const(),
        k[6].as_str_const(),
    ]
};

/// A provider as configured.
#[derive(Debug, Clone, PartialEq)]
pub struct Provider {
    /// The name the campaign gives it.
    pub name: String,
    /// Its family.
    pub kind: ProviderKind,
    /// The model id, where the family has several.
    pub model: Option<String>,
    /// The environment variable holding the API key (its value is never read here).
    pub api_key_env: Option<String>,
    /// Endpoint override (gateways, proxies, tests); the first server of a pool.
    pub base_url: Option<String>,
    /// `base_url = ["…", "…"]`: a pool of self-hosted servers (AUTOMATIC1111, ComfyUI), each
    /// with `concurrency` calls in flight; empty for one server.
    pub pool: Vec<String>,
    /// Request timeout in seconds.
    pub timeout: f64,
    /// Calls in flight at most.
    pub concurrency: u32,
    /// Calls per minute at most.
    pub rate_limit: Option<f64>,
    /// `sim` only: overrides of the profile's behaviour (failure shares, latency seconds).
    pub sim: SimOverrides,
    /// Overrides of the built-in price table (a negotiated rate, a gateway's markup, a model
    /// the table does not know).
    pub prices: Option<Prices>,
    /// `comfyui` only: the API-format workflow file, resolved against the campaign's folder.
    pub workflow: Option<std::path::PathBuf>,
    /// `comfyui` only: the node inputs to patch, `name → "NODE.INPUT"`.
    pub inputs: BTreeMap<String, String>,
}

/// Per-image prices in USD that replace the built-in table, for planning, the budget's
/// reservation before a call and the settled cost after it.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Prices {
    /// Any size.
    pub image: Option<f64>,
    /// Long side up to 1024 px.
    pub k1: Option<f64>,
    /// Long side up to 2048 px.
    pub k2: Option<f64>,
    /// Larger.
    pub k4: Option<f64>,
}

impl Prices {
    /// The price of one `w × h` image: the size tier's, else `image`.
    pub fn usd(&self, w: u32, h: u32) -> Option<f64> {
        let long = w.max(h);
        let tier = if long <= 1024 {
            self.k1
        } else if long <= 2048 {
            self.k2
        } else {
            self.k4
        };
        tier.or(self.image)
    }
}

/// The models a `stability` provider may name (the catalogue's).
pub const STABILITY_MODELS: [&str; 7] = {
    let m = darkroom_core::catalog::stability::MODELS;
    [m[0].0, m[1].0, m[2].0, m[3].0, m[4].0, m[5].0, m[6].0]
};

/// Overrides of a `sim` profile, for fault and load tests.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct SimOverrides {
    /// Share of 5xx/timeouts (transient failures).
    pub transient: Option<f64>,
    /// Share of content refusals.
    pub refusal: Option<f64>,
    /// Share of 429 answers.
    pub rate_limited: Option<f64>,
    /// Median latency, seconds.
    pub latency_median: Option<f64>,
    /// 95th-percentile latency, seconds.
    pub latency_p95: Option<f64>,
    /// Instruction drop rates: relation, count, colour, entity (`drops = { relation = 0.4 }`):
    /// how a "model update" that follows instructions worse is simulated.
    pub drops: [Option<f64>; 4],
    /// Largest hue drift of the colours, degrees.
    pub hue_drift: Option<f64>,
}

/// A rung of the funnel.
#[derive(Debug, Clone, PartialEq)]
pub struct Tier {
    /// Provider name.
    pub provider: String,
    /// Image size.
    pub size: SizeSpec,
    /// Drafts per shot and round (draft tier).
    pub variants: u32,
    /// Drafts that may be promoted per shot (finish tier): the best `finals` are finished, the
    /// next ones only when a finish fails (the call, or the gates on the finished image).
    pub keep: u32,
    /// Render quality.
    pub quality: Quality,
}

/// Thresholds a draft must pass to be promoted.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Gates {
    /// Minimum adherence (satisfied ÷ decided).
    pub adherence: Option<f64>,
    /// Minimum on-palette share.
    pub on_palette: Option<f64>,
    /// Minimum sharpness.
    pub sharpness: Option<f64>,
    /// pHash distance at or below which a draft is a near-duplicate of a sibling.
    pub near_duplicate: u32,
    /// A judge's "no" counts against adherence only with at least this confidence: weak
    /// evidence (an object that may be a fragment, a colour that may be shaded) is recorded and
    /// shown, but does not reject. Default [`darkroom_core::judge::DEFAULT_MIN_CONFIDENCE`].
    pub confidence: f64,
}

/// Spending limits.
#[derive(Debug, Clone, PartialEq)]
pub struct Budget {
    /// Hard cap in credits.
    pub credits: Option<f64>,
    /// Hard cap in money, in USD (the one currency providers price in).
    pub money: Option<f64>,
    /// Drafting rounds per shot at most.
    pub max_rounds: u32,
}

impl Budget {
    /// The unit spend is counted in: USD when the cap is money, credits otherwise.
    pub fn unit(&self) -> darkroom_core::money::Unit {
        darkroom_core::money::Unit::of(self.money.is_some())
    }

    /// The cap, in [`Budget::unit`], if there is one.
    pub fn cap(&self) -> Option<darkroom_core::money::Money> {
        self.money
            .or(self.credits)
            .map(|a| darkroom_core::money::Money::new(a, self.unit()))
    }
}

/// One thing to deliver, after template expansion.
#[derive(Debug, Clone, PartialEq)]
pub struct Shot {
    /// Stable id (template values filled in and slugged).
    pub id: String,
    /// The prompt, template values filled in.
    pub prompt: String,
    /// How many finals.
    pub finals: u32,
    /// Aspect ratios to deliver.
    pub deliver: Vec<Aspect>,
    /// Base seed, when pinned.
    pub seed: Option<u64>,
    /// The prompt as written (template values filled in). `prompt` is what is sent: the same,
    /// or with its quoted text taken out when darkroom typesets it.
    pub written: String,
    /// Who puts the prompt's quoted text into the images (`text_by`).
    pub text_by: TextBy,
    /// Texts set on every deliverable, in every aspect.
    pub text: Vec<TextItem>,
}

/// The box a text from the prompt is set in when the shot gives none: the lower band.
pub const DEFAULT_TEXT_BOX: [f64; 4] = [0.08, 0.72, 0.92, 0.92];

/// A text darkroom sets on a shot's deliverables (`[[shots]] text = [{ … }]`).
#[derive(Debug, Clone, PartialEq)]
pub struct TextItem {
    /// The words; `\n` breaks a line.
    pub content: String,
    /// `[x0, y0, x1, y1]` in 0..1 of the deliverable's safe area.
    pub rect: [f64; 4],
    /// A TTF/OTF file (relative paths are the campaign file's), or the bundled font.
    pub font: Option<String>,
    /// The colour as written (a palette name or a CSS colour).
    pub color_name: String,
    /// The colour.
    pub color: darkroom_color::Rgb8,
    /// How lines align.
    pub align: Align,
}

impl Shot {
    /// Routes the prompt's quoted text: with [`TextBy::Typeset`] the prompt sent asks for the
    /// surface blank and each quoted text not already among `text` is set in the default box,
    /// in `colour`; with [`TextBy::Model`] the prompt is sent as written. `Auto` must be
    /// decided first (it needs the ledger), so it is left as it is.
    pub fn route(&mut self, by: TextBy, colour: (&str, darkroom_color::Rgb8)) {
        match by {
            TextBy::Model => self.prompt = self.written.clone(),
            TextBy::Typeset => {
                let (blank, texts) = darkroom_prompt::blank_text(&self.written);
                self.prompt = blank;
                for t in texts {
                    if !self.text.iter().any(|x| x.content == t) {
                        self.text.push(TextItem {
                            content: t,
                            rect: DEFAULT_TEXT_BOX,
                            font: None,
                            color_name: colour.0.to_string(),
                            color: colour.1,
                            align: Align::Center,
                        });
                    }
                }
            }
            TextBy::Auto => return,
        }
        self.text_by = by;
    }
}

/// Where delivered files (images, sidecars, `manifest.json`) are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DeliverTo {
    /// The output folder, and the bucket too when the campaign has one (the default).
    #[default]
    Both,
    /// The output folder only.
    Folder,
    /// The bucket only: a worker with little disk keeps no copy (the store's cache still
    /// holds the bytes it hashed).
    Bucket,
}

impl DeliverTo {
    /// Its word in campaigns.
    pub fn as_str(self) -> &'static str {
        match self {
            DeliverTo::Both => "both",
            DeliverTo::Folder => "folder",
            DeliverTo::Bucket => "bucket",
        }
    }

    /// Whether the output folder gets the files.
    pub fn folder(self) -> bool {
        self != DeliverTo::Bucket
    }

    /// Whether the bucket (when there is one) gets the files.
    pub fn bucket(self) -> bool {
        self != DeliverTo::Folder
    }
}

/// A validated campaign.
#[derive(Debug, Clone)]
pub struct Campaign {
    /// Name.
    pub name: String,
    /// Output folder (deliverables, report, ledger).
    pub output: String,
    /// `[campaign] ledger`: a PostgreSQL URL (without its password, which comes from
    /// `PGPASSWORD`) shared by several workers; the output folder's SQLite file when absent.
    pub ledger: Option<String>,
    /// `[campaign] store`: `s3://bucket/prefix` for the assets and deliverables (endpoint,
    /// region and credentials from the environment); the output folder when absent.
    pub store: Option<String>,
    /// `[campaign] deliverables`: where delivered files are written.
    pub deliver_to: DeliverTo,
    /// Brand, when given.
    pub brand: Option<Brand>,
    /// Providers by name.
    pub providers: BTreeMap<String, Provider>,
    /// The draft tier.
    pub draft: Tier,
    /// The finish tier.
    pub finish: Tier,
    /// Gates.
    pub gates: Gates,
    /// The provider that answers the checklist as a vision judge (`[judges] vision = "name"`).
    pub vision: Option<String>,
    /// `[review] required`: finals are delivered only once a person approved them in
    /// `darkroom review`; a run stops before delivery with what awaits review.
    pub review_required: bool,
    /// `[provenance]`: Content Credentials on every deliverable.
    pub provenance: Provenance,
    /// `[deliver] formats`: each deliverable is written in each of these (PNG by default).
    pub formats: Vec<darkroom_core::FileFormat>,
    /// `[deliver] jpeg_quality` (1–100, 90 by default).
    pub jpeg_quality: u8,
    /// Budget.
    pub budget: Budget,
    /// Shots, expanded.
    pub shots: Vec<Shot>,
    /// [`crate::plan::hash_u64`] of the text the campaign was read from: what a person wrote,
    /// stable across releases (a stamp of derived output, such as the report's, says "the same
    /// campaign" by it, never by the `Debug` form of this struct, which changes with the code).
    pub source_hash: u64,
}

/// `[provenance]`: whether deliverables carry a signed C2PA manifest, and whose certificate
/// signs it (the paths are the campaign file's; without them, `DARKROOM_C2PA_CERT` and
/// `DARKROOM_C2PA_KEY`, else a local identity in the output folder).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provenance {
    /// `enabled` (true by default).
    pub enabled: bool,
    /// `cert`: the certificate chain's PEM file.
    pub cert: Option<String>,
    /// `key`: the private key's PEM file.
    pub key: Option<String>,
    /// `include_prompt` (true by default): false keeps the AI marking (XMP, the signed
    /// manifest, the generation settings) and leaves the prompt, the campaign's and the shot's
    /// names and any typed text out of the delivered files.
    pub include_prompt: bool,
    /// `tsa_url`: the RFC 3161 time-stamp authority every signature's token comes from (else
    /// `DARKROOM_C2PA_TSA`; with neither, signatures carry no time-stamp and read as invalid
    /// once their certificate expires).
    pub tsa_url: Option<String>,
}

impl Default for Provenance {
    fn default() -> Self {
        Provenance {
            enabled: true,
            include_prompt: true,
            cert: None,
            key: None,
            tsa_url: None,
        }
    }
}

/// The colour a text is set in when it names none: the brand's first colour, or white.
pub fn default_text_colour(brand: Option<&Brand>) -> (&str, darkroom_color::Rgb8) {
    match brand.and_then(|b| b.colors.first()) {
        Some((name, lab)) => (name.as_str(), lab.to_rgb8()),
        None => ("white", darkroom_color::Rgb8::new(255, 255, 255)),
    }
}

/// `[[shots]] text = [{ content, box, font, color, align }, …]`.
fn text_items(v: &mut V, n: &Node, path: &str, brand: Option<&Brand>) -> Vec<TextItem> {
    let Node::Array(items, _) = n else {
        v.err(
            &n.span(),
            path,
            format!(
                "expected an array like [{{ content = \"SPRING SALE\", box = [0.08, 0.72, 0.92, 0.92] }}], found {}",
                n.kind()
            ),
        );
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, it) in items.iter().enumerate() {
        let p = format!("{path}[{i}]");
        let (def_name, def_rgb) = default_text_colour(brand);
        let mut item = TextItem {
            content: String::new(),
            rect: DEFAULT_TEXT_BOX,
            font: None,
            color_name: def_name.to_string(),
            color: def_rgb,
            align: Align::Center,
        };
        let mut ok = true;
        let mut has_content = false;
        for (k, x) in v.keys(it, &p, &["content", "box", "font", "color", "align"]) {
            let kp = format!("{p}.{k}");
            match k {
                "content" => match v.string(x, &kp) {
                    Some(c) if !c.trim().is_empty() => {
                        item.content = c;
                        has_content = true;
                    }
                    Some(_) => {
                        v.err(&x.span(), &kp, "the text is empty; give the words to set");
                        ok = false;
                    }
                    None => ok = false,
                },
                "box" => {
                    let nums: Vec<f64> = match x {
                        Node::Array(a, _) => a
                            .iter()
                            .enumerate()
                            .filter_map(|(j, y)| v.number(y, &format!("{kp}[{j}]"), 0.0, 1.0))
                            .collect(),
                        _ => Vec::new(),
                    };
                    match nums.as_slice() {
                        [x0, y0, x1, y1] if x0 < x1 && y0 < y1 => {
                            item.rect = [*x0, *y0, *x1, *y1];
                        }
                        _ => {
                            v.err(
                                &x.span(),
                                &kp,
                                "expected [x0, y0, x1, y1], four numbers in 0..1 of the picture (left, top, right, bottom) with x0 < x1 and y0 < y1",
                            );
                            ok = false;
                        }
                    }
                }
                "font" => item.font = v.string(x, &kp),
                "color" => {
                    if let Some(c) = v.string(x, &kp) {
                        let named = brand.and_then(|b| {
                            b.colors
                                .iter()
                                .find(|(nm, _)| nm.eq_ignore_ascii_case(c.trim()))
                        });
                        match named {
                            Some((_, lab)) => item.color = lab.to_rgb8(),
                            None => match darkroom_color::css::parse_color(&c) {
                                Ok(lab) => item.color = lab.to_rgb8(),
                                Err(e) => {
                                    let names: Vec<&str> = brand
                                        .map(|b| b.colors.iter().map(|c| c.0.as_str()).collect())
                                        .unwrap_or_default();
                                    v.err(
                                        &x.span(),
                                        &kp,
                                        if names.is_empty() {
                                            format!("{e}")
                                        } else {
                                            format!("{e}; or a palette name: {}", names.join(", "))
                                        },
                                    );
                                    ok = false;
                                }
                            },
                        }
                        item.color_name = c;
                    }
                }
                _ => {
                    if let Some(a) = v.string(x, &kp) {
                        match a.parse::<Align>() {
                            Ok(al) => item.align = al,
                            Err(e) => {
                                v.err(&x.span(), &kp, e);
                                ok = false;
                            }
                        }
                    }
                }
            }
        }
        if !has_content && ok {
            v.err(&it.span(), &p, "a text needs `content`, the words to set");
            ok = false;
        }
        if ok {
            out.push(item);
        }
    }
    out
}

/// The span of `key`'s value in a table node.
fn node_span(node: &Node, key: &str) -> Option<Range<usize>> {
    match node {
        Node::Table(entries, _) => entries.iter().find(|e| e.0 == key).map(|e| e.2.span()),
        _ => None,
    }
}

struct V<'t> {
    text: &'t str,
    diags: Vec<Diagnostic>,
}

impl V<'_> {
    fn err(&mut self, span: &Range<usize>, path: &str, msg: impl Into<String>) {
        let (line, col) = line_col(self.text, span.start);
        self.diags.push(Diagnostic {
            line,
            col,
            path: path.to_string(),
            message: msg.into(),
        });
    }

    /// Checks a table's keys against the allowed ones; returns the entries.
    fn keys<'n>(
        &mut self,
        node: &'n Node,
        path: &str,
        allowed: &[&str],
    ) -> Vec<(&'n str, &'n Node)> {
        let Node::Table(entries, _) = node else {
            self.err(
                &node.span(),
                path,
                format!("expected a table, found {}", node.kind()),
            );
            return Vec::new();
        };
        let mut out = Vec::new();
        for (k, ks, v) in entries {
            if allowed.contains(&k.as_str()) {
                out.push((k.as_str(), v));
            } else {
                let hint =
                    suggest(k, allowed).map_or(String::new(), |s| format!("; did you mean `{s}`?"));
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                self.err(
                    ks,
                    &p,
                    format!("unknown key `{k}`; allowed: {}{hint}", allowed.join(", ")),
                );
            }
        }
        out
    }

    fn string(&mut self, n: &Node, path: &str) -> Option<String> {
        match n {
            Node::Str(s, _) => Some(s.clone()),
            other => {
                self.err(
                    &other.span(),
                    path,
                    format!("expected a string, found {}", other.kind()),
                );
                None
            }
        }
    }

    fn boolean(&mut self, n: &Node, path: &str) -> Option<bool> {
        match n {
            Node::Bool(b, _) => Some(*b),
            other => {
                self.err(
                    &other.span(),
                    path,
                    format!("expected true or false, found {}", other.kind()),
                );
                None
            }
        }
    }

    fn number(&mut self, n: &Node, path: &str, lo: f64, hi: f64) -> Option<f64> {
        let x = match n {
            Node::Int(i, _) => *i as f64,
            Node::Float(f, _) => *f,
            other => {
                self.err(
                    &other.span(),
                    path,
                    format!("expected a number, found {}", other.kind()),
                );
                return None;
            }
        };
        if !(lo..=hi).contains(&x) {
            self.err(
                &n.span(),
                path,
                format!("{x} is out of range; accepted: {lo}..={hi}"),
            );
            return None;
        }
        Some(x)
    }

    fn int(&mut self, n: &Node, path: &str, lo: i64, hi: i64) -> Option<i64> {
        match n {
            Node::Int(i, s) if (lo..=hi).contains(i) => {
                let _ = s;
                Some(*i)
            }
            Node::Int(i, s) => {
                self.err(
                    s,
                    path,
                    format!("{i} is out of range; accepted: {lo}..={hi}"),
                );
                None
            }
            other => {
                self.err(
                    &other.span(),
                    path,
                    format!("expected an integer, found {}", other.kind()),
                );
                None
            }
        }
    }
}

/// Longest shot id, in bytes: an id names files (`<id>-<final>-<w>x<h>.json`) and file
/// systems allow 255 bytes a name.
pub const MAX_ID_BYTES: usize = 100;

/// Most shots one `[[shots]]` entry's `vars` may expand to (and a campaign may hold).
pub const MAX_SHOTS: usize = 100_000;

/// `[campaign] ledger`: a PostgreSQL connection string (a URL or libpq's key=value form) with
/// no password in it (campaign files are shared and committed; the password comes from the
/// environment).
fn check_ledger_url(v: &mut V<'_>, n: &Node, url: String) -> Option<String> {
    match darkroom_core::dsn::check_ledger(&url, darkroom_core::dsn::Origin::File) {
        Ok(()) => Some(url),
        Err(why) => {
            v.err(&n.span(), "campaign.ledger", why);
            None
        }
    }
}

/// `[campaign] store`: `s3://BUCKET` or `s3://BUCKET/PREFIX`, with no keys in it.
fn check_store_url(v: &mut V<'_>, n: &Node, url: String) -> Option<String> {
    match darkroom_core::dsn::check_store(&url) {
        Ok(()) => Some(url),
        Err(why) => {
            v.err(&n.span(), "campaign.store", why);
            None
        }
    }
}

/// A name made safe for file names: lower case, letters and digits of any script kept
/// (`café`, `東京`), every other run of characters one `-`.
pub fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.to_lowercase().chars() {
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

fn placeholders(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(a) = rest.find('{') {
        match rest[a..].find('}') {
            Some(b) => {
                out.push(rest[a + 1..a + b].to_string());
                rest = &rest[a + b + 1..];
            }
            None => break,
        }
    }
    out
}

/// Parses and validates a campaign file. `file` names it in diagnostics.
pub fn load(text: &str, file: &str) -> Result<Campaign, Diagnostics> {
    let doc = match toml_edit::ImDocument::parse(text) {
        Ok(d) => d,
        Err(e) => {
            let (line, col) = line_col(text, e.span().map_or(0, |s| s.start));
            let msg = e.message().trim().replace('\n', " ");
            return Err(Diagnostics {
                file: file.into(),
                items: vec![Diagnostic {
                    line,
                    col,
                    path: "(syntax)".into(),
                    message: msg,
                }],
            });
        }
    };
    let root = from_table(doc.as_table());
    let mut v = V {
        text,
        diags: Vec::new(),
    };
    let top = v.keys(
        &root,
        "",
        &[
            "campaign",
            "brand",
            "providers",
            "tiers",
            "gates",
            "judges",
            "review",
            "provenance",
            "deliver",
            "budget",
            "shots",
        ],
    );
    let get = |k: &str| top.iter().find(|(n, _)| *n == k).map(|(_, n)| *n);

    let head = campaign::check(&mut v, get("campaign"));
    let name = head.name.unwrap_or_default();
    let (output, ledger, store, deliver_to) =
        (head.output, head.ledger, head.store, head.deliver_to);
    let brand = brand::check(&mut v, get("brand"));
    let providers = providers::check(&mut v, get("providers"), file);
    let (draft, finish) = tiers::check(&mut v, get("tiers"), &providers);
    let gates = gates::check(&mut v, get("gates"));
    let vision = judges::check(&mut v, get("judges"), &providers);
    let review_required = review::check(&mut v, get("review"));
    let mut provenance = provenance::check(&mut v, get("provenance"));
    let (formats, jpeg_quality) = deliver::check(&mut v, get("deliver"));
    let budget = budget::check(&mut v, get("budget"));
    let mut shots = shots::check(&mut v, get("shots"), brand.as_ref());

    if !v.diags.is_empty() {
        v.diags.sort_by_key(|d| (d.line, d.col));
        return Err(Diagnostics {
            file: file.into(),
            items: v.diags,
        });
    }
    let output = output.unwrap_or_else(|| format!("out/{}", slug(&name)));
    // Relative to the campaign file, like `workflow`: the campaign means the same thing from any
    // working folder (run from elsewhere, it must find the same ledger, not pay for a new one).
    let output = match std::path::Path::new(file).parent() {
        Some(dir) if !dir.as_os_str().is_empty() && std::path::Path::new(&output).is_relative() => {
            dir.join(&output).display().to_string()
        }
        _ => output,
    };
    // Fonts too are the campaign file's, wherever darkroom runs from.
    if let Some(dir) = std::path::Path::new(file)
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
    {
        for item in shots.iter_mut().flat_map(|s| s.text.iter_mut()) {
            if let Some(f) = item.font.as_mut() {
                if std::path::Path::new(f.as_str()).is_relative() {
                    *f = dir.join(&*f).display().to_string();
                }
            }
        }
    }
    // Certificates too are the campaign file's.
    let campaign_dir = std::path::Path::new(file)
        .parent()
        .filter(|d| !d.as_os_str().is_empty());
    for f in [&mut provenance.cert, &mut provenance.key]
        .into_iter()
        .flatten()
    {
        if let Some(dir) = campaign_dir {
            if std::path::Path::new(f.as_str()).is_relative() {
                *f = dir.join(&*f).display().to_string();
            }
        }
    }
    Ok(Campaign {
        name,
        output,
        ledger,
        store,
        deliver_to,
        brand,
        providers,
        draft,
        finish,
        gates,
        vision,
        review_required,
        provenance,
        formats,
        jpeg_quality,
        budget,
        shots,
        source_hash: crate::plan::hash_u64(&[text]),
    })
}
