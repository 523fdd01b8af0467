//! Parse with spans → validate into a [`Campaign`], collecting every problem.

use std::collections::BTreeMap;
use std::ops::Range;

use darkroom_color::brand::{Brand, BrandSpec, ColorSpec};
use darkroom_core::text::{Align, TextBy};
use darkroom_core::{Aspect, Quality, SizeSpec};

use crate::diag::{line_col, suggest, Diagnostic, Diagnostics};

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
    /// Hard cap in money: amount and currency.
    pub money: Option<(f64, String)>,
    /// Drafting rounds per shot at most.
    pub max_rounds: u32,
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
#[expect(
    clippy::too_many_lines,
    reason = "eleven table sections in one compile; one module per table is issue 32 item 1, not yet done"
)]
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

    // [campaign]
    let mut name = None;
    let mut output = None;
    let (mut ledger, mut store) = (None, None);
    let mut deliver_to = DeliverTo::Both;
    match get("campaign") {
        Some(c) => {
            for (k, n) in v.keys(
                c,
                "campaign",
                &["name", "output", "ledger", "store", "deliverables"],
            ) {
                match k {
                    "name" => name = v.string(n, "campaign.name"),
                    "ledger" => {
                        ledger = v
                            .string(n, "campaign.ledger")
                            .and_then(|u| check_ledger_url(&mut v, n, u))
                    }
                    "store" => {
                        store = v
                            .string(n, "campaign.store")
                            .and_then(|u| check_store_url(&mut v, n, u))
                    }
                    "deliverables" => {
                        let word = v.string(n, "campaign.deliverables");
                        match word.as_deref() {
                            Some("both") => deliver_to = DeliverTo::Both,
                            Some("folder") => deliver_to = DeliverTo::Folder,
                            Some("bucket") => deliver_to = DeliverTo::Bucket,
                            Some(other) => v.err(
                                &n.span(),
                                "campaign.deliverables",
                                format!("`{other}`; accepted: both (the folder, and the bucket when there is one), folder, bucket"),
                            ),
                            None => {}
                        }
                    }
                    _ => output = v.string(n, "campaign.output"),
                }
            }
            if name.is_none() && !v.diags.iter().any(|d| d.path == "campaign.name") {
                v.err(
                    &c.span(),
                    "campaign.name",
                    "missing; give the campaign a name, e.g. name = \"spring-launch\"",
                );
            }
        }
        None => v.err(
            &(0..0),
            "campaign",
            "missing [campaign] table with at least `name`",
        ),
    }
    let name = name.unwrap_or_default();

    // [brand]
    let brand = get("brand").and_then(|b| {
        let mut spec = BrandSpec {
            palette: Vec::new(),
            tolerance: None,
            min_on_palette: None,
            forbid: Vec::new(),
            protect: Vec::new(),
        };
        let colours = |v: &mut V, n: &Node, path: &str| -> Vec<ColorSpec> {
            let Node::Array(items, _) = n else {
                v.err(
                    &n.span(),
                    path,
                    format!("expected an array of colours, found {}", n.kind()),
                );
                return Vec::new();
            };
            let mut out = Vec::new();
            for (i, it) in items.iter().enumerate() {
                let p = format!("{path}[{i}]");
                let spec = match it {
                    Node::Str(s, _) => Some(ColorSpec::Bare(s.clone())),
                    Node::Table(..) => {
                        let (mut nm, mut hex) = (None, None);
                        for (k, x) in v.keys(it, &p, &["name", "hex"]) {
                            if k == "name" {
                                nm = v.string(x, &format!("{p}.name"));
                            } else {
                                hex = v.string(x, &format!("{p}.hex"));
                            }
                        }
                        hex.map(|hex| ColorSpec::Named { name: nm, hex })
                    }
                    other => {
                        v.err(
                            &other.span(),
                            &p,
                            format!(
                                "expected a colour string or {{ name, hex }}, found {}",
                                other.kind()
                            ),
                        );
                        None
                    }
                };
                if let Some(s) = spec {
                    let hex = match &s {
                        ColorSpec::Bare(h) | ColorSpec::Named { hex: h, .. } => h.clone(),
                    };
                    if let Err(e) = darkroom_color::parse_color(&hex) {
                        v.err(&it.span(), &p, e.to_string());
                    } else {
                        out.push(s);
                    }
                }
            }
            out
        };
        for (k, n) in v.keys(
            b,
            "brand",
            &[
                "palette",
                "tolerance",
                "min_on_palette",
                "forbid",
                "protect",
            ],
        ) {
            match k {
                "palette" => spec.palette = colours(&mut v, n, "brand.palette"),
                "forbid" => spec.forbid = colours(&mut v, n, "brand.forbid"),
                "protect" => spec.protect = colours(&mut v, n, "brand.protect"),
                "tolerance" => spec.tolerance = v.number(n, "brand.tolerance", 0.1, 100.0),
                _ => spec.min_on_palette = v.number(n, "brand.min_on_palette", 0.0, 1.0),
            }
        }
        match Brand::from_spec(&spec) {
            Ok(b) => Some(b),
            Err(errs) => {
                for e in errs {
                    v.err(&b.span(), "brand", e);
                }
                None
            }
        }
    });

    // [providers.*]
    let mut providers = BTreeMap::new();
    if let Some(ps) = get("providers") {
        let entries: Vec<(String, Range<usize>, Node)> = match ps {
            Node::Table(e, _) => e.clone(),
            other => {
                v.err(
                    &other.span(),
                    "providers",
                    format!(
                        "expected tables like [providers.local], found {}",
                        other.kind()
                    ),
                );
                Vec::new()
            }
        };
        for (pname, pspan, node) in &entries {
            let path = format!("providers.{pname}");
            // A provider's name is shown in the report and the review app, and names files in
            // logs: letters, digits, `-` and `_` only, like an identifier.
            if pname.is_empty()
                || pname.len() > MAX_ID_BYTES
                || !pname
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                v.err(
                    pspan,
                    "providers",
                    format!(
                        "provider name `{}` is not allowed; use ASCII letters, digits, `-` and `_` (at most {MAX_ID_BYTES})",
                        pname.chars().take(40).collect::<String>().escape_default()
                    ),
                );
            }
            let allowed = [
                "kind",
                "model",
                "api_key_env",
                "base_url",
                "timeout",
                "concurrency",
                "rate_limit",
                "prices",
                "failures",
                "latency",
                "drops",
                "hue_drift",
                "workflow",
                "inputs",
            ];
            let mut kind = None;
            let mut p = Provider {
                name: pname.clone(),
                kind: ProviderKind::Sketch,
                model: None,
                api_key_env: None,
                base_url: None,
                pool: Vec::new(),
                timeout: 120.0,
                concurrency: 4,
                rate_limit: None,
                sim: SimOverrides::default(),
                prices: None,
                workflow: None,
                inputs: BTreeMap::new(),
            };
            let mut comfy_keys = Vec::new();
            for (k, n) in v.keys(node, &path, &allowed) {
                let kp = format!("{path}.{k}");
                match k {
                    "kind" => {
                        if let Some(s) = v.string(n, &kp) {
                            match ProviderKind::parse(&s) {
                                Some(x) => kind = Some(x),
                                None => {
                                    let hint = suggest(&s, &KINDS).map_or(String::new(), |h| {
                                        format!("; did you mean `{h}`?")
                                    });
                                    v.err(
                                        &n.span(),
                                        &kp,
                                        format!(
                                            "unknown provider kind `{s}`; accepted: {}{hint}",
                                            KINDS.join(", ")
                                        ),
                                    );
                                }
                            }
                        }
                    }
                    "model" => p.model = v.string(n, &kp),
                    "prices" => {
                        let mut pr = Prices::default();
                        for (pk, pv) in v.keys(n, &kp, &["image", "1K", "2K", "4K"]) {
                            let x = v.number(pv, &format!("{kp}.{pk}"), 0.0, 100.0);
                            match pk {
                                "image" => pr.image = x,
                                "1K" => pr.k1 = x,
                                "2K" => pr.k2 = x,
                                _ => pr.k4 = x,
                            }
                        }
                        p.prices = Some(pr);
                    }
                    "workflow" => {
                        comfy_keys.push((kp.clone(), n.span()));
                        if let Some(w) = v.string(n, &kp) {
                            // Relative to the campaign file, as a user reads it; no IO here.
                            let dir = std::path::Path::new(file)
                                .parent()
                                .unwrap_or(std::path::Path::new(""));
                            p.workflow = Some(dir.join(w));
                        }
                    }
                    "inputs" => {
                        comfy_keys.push((kp.clone(), n.span()));
                        if let Node::Table(entries, _) = n {
                            for (ik, _, iv) in entries {
                                if let Some(x) = v.string(iv, &format!("{kp}.{ik}")) {
                                    p.inputs.insert(ik.clone(), x);
                                }
                            }
                        } else {
                            v.err(
                                &n.span(),
                                &kp,
                                format!(
                                    "expected a table like {{ prompt = \"6.text\", seed = \"3.seed\" }}, found {}",
                                    n.kind()
                                ),
                            );
                        }
                    }
                    "api_key_env" => p.api_key_env = v.string(n, &kp),
                    "base_url" => match n {
                        // A pool: several servers of one kind behind one provider name.
                        Node::Array(items, _) => {
                            let urls: Vec<String> =
                                items.iter().filter_map(|it| v.string(it, &kp)).collect();
                            if urls.is_empty() {
                                v.err(&n.span(), &kp, "an empty list: name one server, or several like [\"http://gpu1:7860\", \"http://gpu2:7860\"]");
                            }
                            p.base_url = urls.first().cloned();
                            if urls.len() > 1 {
                                p.pool = urls;
                            }
                        }
                        _ => p.base_url = v.string(n, &kp),
                    },
                    "timeout" => p.timeout = v.number(n, &kp, 1.0, 3600.0).unwrap_or(p.timeout),
                    "concurrency" => p.concurrency = v.int(n, &kp, 1, 256).unwrap_or(4) as u32,
                    "rate_limit" => p.rate_limit = v.number(n, &kp, 0.1, 100_000.0),
                    "failures" => {
                        for (fk, fv) in v.keys(n, &kp, &["transient", "refusal", "rate_limited"]) {
                            let x = v.number(fv, &format!("{kp}.{fk}"), 0.0, 1.0);
                            match fk {
                                "transient" => p.sim.transient = x,
                                "refusal" => p.sim.refusal = x,
                                _ => p.sim.rate_limited = x,
                            }
                        }
                    }
                    "drops" => {
                        for (dk, dv) in v.keys(n, &kp, &["relation", "count", "color", "entity"]) {
                            let x = v.number(dv, &format!("{kp}.{dk}"), 0.0, 1.0);
                            match dk {
                                "relation" => p.sim.drops[0] = x,
                                "count" => p.sim.drops[1] = x,
                                "color" => p.sim.drops[2] = x,
                                _ => p.sim.drops[3] = x,
                            }
                        }
                    }
                    "hue_drift" => p.sim.hue_drift = v.number(n, &kp, 0.0, 180.0),
                    "latency" => {
                        for (lk, lv) in v.keys(n, &kp, &["median", "p95"]) {
                            let x = v.number(lv, &format!("{kp}.{lk}"), 0.0, 3600.0);
                            if lk == "median" {
                                p.sim.latency_median = x;
                            } else {
                                p.sim.latency_p95 = x;
                            }
                        }
                    }
                    _ => {}
                }
            }
            match kind {
                Some(k) => p.kind = k,
                None if !v.diags.iter().any(|d| d.path == format!("{path}.kind")) => v.err(
                    pspan,
                    &path,
                    format!("missing `kind`; accepted: {}", KINDS.join(", ")),
                ),
                None => {}
            }
            // A pool is for servers the team runs; a vendor's API is one endpoint.
            if !p.pool.is_empty()
                && kind.is_some_and(|k| !matches!(k, ProviderKind::A1111 | ProviderKind::ComfyUi))
            {
                let at = node_span(node, "base_url").unwrap_or(pspan.clone());
                v.err(
                    &at,
                    &format!("{path}.base_url"),
                    format!(
                        "a list of servers is for self-hosted providers (a1111, comfyui); a `{}` provider takes one base_url",
                        kind.map_or("", |k| k.as_str())
                    ),
                );
            }
            // `api_key_env = ""`: a server of the user's own that speaks OpenAI's API.
            if p.api_key_env.as_deref() == Some("")
                && (kind != Some(ProviderKind::OpenAi) || p.base_url.is_none())
            {
                let at = node_span(node, "api_key_env").unwrap_or(pspan.clone());
                v.err(
                    &at,
                    &format!("{path}.api_key_env"),
                    "an empty api_key_env is for a server of your own that speaks OpenAI's API and takes no key (Ollama, llama.cpp, vLLM, LM Studio): it needs kind = \"openai\" and its base_url; otherwise name the variable that holds the key",
                );
            }
            if kind == Some(ProviderKind::ComfyUi) {
                if p.workflow.is_none() {
                    v.err(
                        pspan,
                        &path,
                        "a comfyui provider needs `workflow` (a workflow saved with \"Save (API)\") and `inputs` (e.g. { prompt = \"6.text\", seed = \"3.seed\", width = \"5.width\", height = \"5.height\" })",
                    );
                }
            } else if kind.is_some() {
                for (kp, span) in &comfy_keys {
                    v.err(
                        span,
                        kp,
                        "only a comfyui provider takes a workflow and inputs",
                    );
                }
            }
            if let (Some(ProviderKind::Stability), Some(m)) = (kind, &p.model) {
                if !STABILITY_MODELS.contains(&m.as_str()) {
                    let at = node_span(node, "model").unwrap_or(pspan.clone());
                    let hint = suggest(m, &STABILITY_MODELS)
                        .map_or(String::new(), |h| format!("; did you mean `{h}`?"));
                    v.err(
                        &at,
                        &format!("{path}.model"),
                        format!(
                            "unknown Stability model `{m}`; accepted: {}{hint}",
                            STABILITY_MODELS.join(", ")
                        ),
                    );
                }
            }
            providers.insert(pname.clone(), p);
        }
    }
    let provider_names: Vec<&str> = providers.keys().map(String::as_str).collect();

    // [tiers.draft] and [tiers.finish]
    let tier = |v: &mut V, name: &str, n: Option<&Node>| -> Tier {
        let mut t = Tier {
            provider: String::new(),
            size: if name == "draft" {
                SizeSpec::LongSide(512)
            } else {
                SizeSpec::LongSide(2048)
            },
            variants: 8,
            keep: 2,
            quality: if name == "draft" {
                Quality::Draft
            } else {
                Quality::Finish
            },
        };
        let path = format!("tiers.{name}");
        let Some(n) = n else {
            v.err(
                &(0..0),
                &path,
                format!("missing [{path}] with at least `provider`"),
            );
            return t;
        };
        let mut size_at = None;
        for (k, x) in v.keys(
            n,
            &path,
            &["provider", "size", "variants", "keep", "quality"],
        ) {
            let kp = format!("{path}.{k}");
            match k {
                "provider" => {
                    if let Some(s) = v.string(x, &kp) {
                        if !providers.contains_key(&s) {
                            let hint = suggest(&s, &provider_names)
                                .map_or(String::new(), |h| format!("; did you mean `{h}`?"));
                            let list = if provider_names.is_empty() {
                                "none are defined".to_string()
                            } else {
                                provider_names.join(", ")
                            };
                            v.err(
                                &x.span(),
                                &kp,
                                format!("no provider named `{s}`; defined: {list}{hint}"),
                            );
                        }
                        t.provider = s;
                    }
                }
                "size" => {
                    let s = match x {
                        Node::Int(i, _) => Some(i.to_string()),
                        other => v.string(other, &kp),
                    };
                    if let Some(s) = s {
                        match s.parse::<SizeSpec>() {
                            Ok(z) => {
                                t.size = z;
                                size_at = Some((x.span(), s));
                            }
                            Err(e) => v.err(&x.span(), &kp, e.to_string()),
                        }
                    }
                }
                "variants" => t.variants = v.int(x, &kp, 1, 1000).unwrap_or(8) as u32,
                "keep" => t.keep = v.int(x, &kp, 1, 100).unwrap_or(2) as u32,
                _ => {
                    if let Some(s) = v.string(x, &kp) {
                        match s.parse::<Quality>() {
                            Ok(q) => t.quality = q,
                            Err(e) => v.err(&x.span(), &kp, e.to_string()),
                        }
                    }
                }
            }
        }
        if t.provider.is_empty() && !v.diags.iter().any(|d| d.path == format!("{path}.provider")) {
            v.err(&n.span(), &path, "missing `provider`");
        }
        // Gemini 2.5 Flash Image has one size tier (1K); 2K and 4K exist on Gemini 3 models only.
        if let (Some(p), Some((span, text))) = (providers.get(&t.provider), &size_at) {
            let model = p.model_or_default().unwrap_or_default();
            let side = darkroom_core::resolve_dims(t.size, None).map_or(0, |(w, h)| w.max(h));
            if p.kind == ProviderKind::Gemini
                && model.starts_with("gemini-2.5-flash-image")
                && side > 1024
            {
                v.err(
                    span,
                    &format!("{path}.size"),
                    format!("`{model}` makes 1K images only (size {text} asks for {side} px); use size ≤ 1K, or a Gemini 3 image model (gemini-3-pro-image) for 2K/4K"),
                );
            }
        }
        t
    };
    let tiers_node = get("tiers");
    let tier_entries = tiers_node
        .map(|t| v.keys(t, "tiers", &["draft", "finish"]))
        .unwrap_or_default();
    let tget = |k: &str| tier_entries.iter().find(|(n, _)| *n == k).map(|(_, n)| *n);
    let draft = tier(&mut v, "draft", tget("draft"));
    let finish = tier(&mut v, "finish", tget("finish"));

    // [gates]
    let mut gates = Gates {
        near_duplicate: 6,
        confidence: darkroom_core::judge::DEFAULT_MIN_CONFIDENCE,
        ..Gates::default()
    };
    if let Some(g) = get("gates") {
        for (k, n) in v.keys(
            g,
            "gates",
            &[
                "adherence",
                "on_palette",
                "sharpness",
                "near_duplicate",
                "confidence",
            ],
        ) {
            let kp = format!("gates.{k}");
            match k {
                "adherence" => gates.adherence = v.number(n, &kp, 0.0, 1.0),
                "confidence" => {
                    if let Some(c) = v.number(n, &kp, 0.0, 1.0) {
                        gates.confidence = c;
                    }
                }
                "on_palette" => gates.on_palette = v.number(n, &kp, 0.0, 1.0),
                "sharpness" => gates.sharpness = v.number(n, &kp, 0.0, 1.0),
                _ => gates.near_duplicate = v.int(n, &kp, 0, 64).unwrap_or(6) as u32,
            }
        }
    }

    // [judges]
    let mut vision = None;
    if let Some(j) = get("judges") {
        for (k, n) in v.keys(j, "judges", &["vision"]) {
            let kp = format!("judges.{k}");
            if let Some(name) = v.string(n, &kp) {
                match providers.get(&name) {
                    Some(p) if matches!(p.kind, ProviderKind::Gemini | ProviderKind::OpenAi) => {
                        vision = Some(name)
                    }
                    Some(p) => v.err(
                        &n.span(),
                        &kp,
                        format!(
                            "provider `{name}` is a `{}`; the vision judge needs a `gemini` or `openai` provider (a vision model such as gemini-2.5-flash or gpt-4.1-mini, or one on a server of your own with api_key_env = \"\")",
                            p.kind.as_str()
                        ),
                    ),
                    None => v.err(&n.span(), &kp, format!("no provider named `{name}`")),
                }
            }
        }
    }

    // [review]
    let mut review_required = false;
    if let Some(r) = get("review") {
        for (k, n) in v.keys(r, "review", &["required"]) {
            if let Some(b) = v.boolean(n, &format!("review.{k}")) {
                review_required = b;
            }
        }
    }

    // [provenance]
    let mut provenance = Provenance::default();
    if let Some(p) = get("provenance") {
        for (k, n) in v.keys(
            p,
            "provenance",
            &["enabled", "cert", "key", "include_prompt", "tsa_url"],
        ) {
            let kp = format!("provenance.{k}");
            match k {
                "enabled" => {
                    if let Some(b) = v.boolean(n, &kp) {
                        provenance.enabled = b;
                    }
                }
                "include_prompt" => {
                    if let Some(b) = v.boolean(n, &kp) {
                        provenance.include_prompt = b;
                    }
                }
                "cert" => provenance.cert = v.string(n, &kp),
                "tsa_url" => {
                    let url = v.string(n, &kp);
                    match url {
                        Some(u) if u.starts_with("http://") || u.starts_with("https://") => {
                            provenance.tsa_url = Some(u);
                        }
                        Some(u) => v.err(
                            &n.span(),
                            &kp,
                            format!("`{u}` is not a URL: expected the http:// or https:// address of an RFC 3161 time-stamp authority, e.g. \"http://timestamp.digicert.com\""),
                        ),
                        None => {}
                    }
                }
                _ => provenance.key = v.string(n, &kp),
            }
        }
        if provenance.cert.is_some() != provenance.key.is_some() {
            let (has, lacks) = if provenance.cert.is_some() {
                ("cert", "key")
            } else {
                ("key", "cert")
            };
            v.err(
                &p.span(),
                &format!("provenance.{lacks}"),
                format!("`{has}` is set but `{lacks}` is not: name both the certificate chain and its private key (PEM files), or neither to sign with the local identity"),
            );
        }
    }

    // [deliver]
    let mut formats = vec![darkroom_core::FileFormat::Png];
    let mut jpeg_quality = 90u8;
    if let Some(d) = get("deliver") {
        for (k, n) in v.keys(d, "deliver", &["formats", "jpeg_quality"]) {
            let kp = format!("deliver.{k}");
            if k == "jpeg_quality" {
                jpeg_quality = v.int(n, &kp, 1, 100).unwrap_or(90) as u8;
                continue;
            }
            let Node::Array(items, _) = n else {
                v.err(
                    &n.span(),
                    &kp,
                    format!(
                        "expected an array like [\"png\", \"jpeg\"], found {}",
                        n.kind()
                    ),
                );
                continue;
            };
            let mut list = Vec::new();
            for it in items {
                if let Some(s) = v.string(it, &kp) {
                    match s.parse::<darkroom_core::FileFormat>() {
                        Ok(f) if !list.contains(&f) => list.push(f),
                        Ok(_) => {}
                        Err(e) => v.err(&it.span(), &kp, e),
                    }
                }
            }
            if list.is_empty() && items.is_empty() {
                v.err(&n.span(), &kp, "no format: name at least one of png, jpeg");
            }
            formats = list;
        }
    }

    // [budget]
    let mut budget = Budget {
        credits: None,
        money: None,
        max_rounds: 3,
    };
    if let Some(b) = get("budget") {
        for (k, n) in v.keys(b, "budget", &["credits", "money", "max_rounds"]) {
            let kp = format!("budget.{k}");
            match k {
                "credits" => budget.credits = v.number(n, &kp, 0.0, 1e12),
                "money" => {
                    if let Some(s) = v.string(n, &kp) {
                        let mut it = s.split_whitespace();
                        match (it.next().and_then(|a| a.parse::<f64>().ok()), it.next(), it.next()) {
                            // Prices are in USD: another currency would be compared with
                            // USD figures as if it were USD.
                            (Some(a), Some("USD"), None) if a.is_finite() && (0.0..=1e9).contains(&a) => {
                                budget.money = Some((a, "USD".to_string()))
                            }
                            (Some(a), Some("USD"), None) => v.err(&n.span(), &kp, format!("`{s}`: the amount {a} is not between 0 and 1000000000")),
                            (Some(_), Some(c), None) if c.len() == 3 && c.chars().all(|x| x.is_ascii_uppercase()) => v.err(&n.span(), &kp, format!("`{s}`: only USD is accepted (providers price in USD), like \"5.00 USD\"; for {c}, convert the amount")),
                            _ => v.err(&n.span(), &kp, format!("`{s}` is not an amount and a currency; accepted like \"5.00 USD\"")),
                        }
                    }
                }
                _ => budget.max_rounds = v.int(n, &kp, 1, 20).unwrap_or(3) as u32,
            }
        }
    }

    // [[shots]]
    let mut shots = Vec::new();
    // Slug → (where, the id as written): collisions are found in one pass at any size.
    let mut seen: std::collections::HashMap<String, (String, String)> =
        std::collections::HashMap::new();
    match get("shots") {
        Some(Node::Array(items, _)) => {
            for (i, s) in items.iter().enumerate() {
                let path = format!("shots[{i}]");
                let (mut id, mut prompt, mut finals, mut deliver, mut seed) =
                    (None, None, 1u32, Vec::new(), None);
                let (mut text_by, mut texts) = (TextBy::Model, Vec::new());
                let mut vars: Vec<(String, Vec<String>)> = Vec::new();
                let mut prompt_span = s.span();
                for (k, n) in v.keys(
                    s,
                    &path,
                    &[
                        "id", "prompt", "finals", "deliver", "vars", "seed", "text", "text_by",
                    ],
                ) {
                    let kp = format!("{path}.{k}");
                    match k {
                        "id" => id = v.string(n, &kp),
                        "prompt" => {
                            prompt_span = n.span();
                            prompt = v.string(n, &kp);
                        }
                        "finals" => finals = v.int(n, &kp, 1, 100).unwrap_or(1) as u32,
                        "seed" => seed = v.int(n, &kp, 0, i64::MAX).map(|x| x as u64),
                        "text_by" => {
                            if let Some(t) = v.string(n, &kp) {
                                match t.parse::<TextBy>() {
                                    Ok(b) => text_by = b,
                                    Err(e) => v.err(&n.span(), &kp, e),
                                }
                            }
                        }
                        "text" => texts = text_items(&mut v, n, &kp, brand.as_ref()),
                        "deliver" => match n {
                            Node::Array(a, _) => {
                                for (j, x) in a.iter().enumerate() {
                                    if let Some(t) = v.string(x, &format!("{kp}[{j}]")) {
                                        match t.parse::<Aspect>() {
                                            Ok(asp) => deliver.push(asp),
                                            Err(e) => v.err(&x.span(), &format!("{kp}[{j}]"), e.to_string()),
                                        }
                                    }
                                }
                            }
                            other => v.err(&other.span(), &kp, format!("expected an array like [\"16:9\", \"1:1\"], found {}", other.kind())),
                        },
                        _ => match n {
                            Node::Table(entries, _) => {
                                for (vk, _, vn) in entries {
                                    match vn {
                                        Node::Array(a, _) if !a.is_empty() => {
                                            let vals: Vec<String> = a.iter().filter_map(|x| v.string(x, &format!("{kp}.{vk}"))).collect();
                                            vars.push((vk.clone(), vals));
                                        }
                                        other => v.err(&other.span(), &format!("{kp}.{vk}"), "expected a non-empty array of strings"),
                                    }
                                }
                            }
                            other => v.err(&other.span(), &kp, format!("expected a table like {{ color = [\"red\", \"blue\"] }}, found {}", other.kind())),
                        },
                    }
                }
                let (Some(id), Some(prompt)) = (id, prompt) else {
                    if !v.diags.iter().any(|d| d.path.starts_with(&path)) {
                        v.err(&s.span(), &path, "a shot needs `id` and `prompt`");
                    }
                    continue;
                };
                if deliver.is_empty() {
                    deliver.push(Aspect::SQUARE);
                }
                // Template placeholders must be declared vars.
                for ph in placeholders(&id).into_iter().chain(placeholders(&prompt)) {
                    if !vars.iter().any(|(k, _)| *k == ph) {
                        v.err(
                            &prompt_span,
                            &path,
                            format!("placeholder `{{{ph}}}` has no entry in `vars`"),
                        );
                    }
                }
                // The product is checked before it is built: a table of a few long lists
                // would otherwise fill memory before anything is said.
                let product = vars
                    .iter()
                    .try_fold(1usize, |acc, (_, vals)| acc.checked_mul(vals.len().max(1)))
                    .filter(|&n| n <= MAX_SHOTS && shots.len() + n <= MAX_SHOTS);
                let Some(_) = product else {
                    let sizes: Vec<String> = vars
                        .iter()
                        .map(|(k, vals)| format!("{k}: {}", vals.len()))
                        .collect();
                    v.err(
                        &s.span(),
                        &format!("{path}.vars"),
                        format!(
                            "the vars ({}) expand to more than {MAX_SHOTS} shots in this campaign; split the campaign or shorten the lists",
                            sizes.join(" × ")
                        ),
                    );
                    continue;
                };
                // Cartesian product of the vars, in declaration order.
                let mut combos: Vec<Vec<(String, String)>> = vec![Vec::new()];
                for (k, vals) in &vars {
                    combos = combos
                        .into_iter()
                        .flat_map(|c| {
                            vals.iter().map(move |x| {
                                let mut c2 = c.clone();
                                c2.push((k.clone(), x.clone()));
                                c2
                            })
                        })
                        .collect();
                }
                for combo in combos {
                    let fill = |t: &str| {
                        combo.iter().fold(t.to_string(), |acc, (k, x)| {
                            acc.replace(&format!("{{{k}}}"), x)
                        })
                    };
                    let raw = fill(&id);
                    let (sid, sp) = (slug(&raw), fill(&prompt));
                    if let Err(e) = darkroom_prompt::parse(&sp) {
                        v.err(&prompt_span, &format!("{path}.prompt"), e.to_string());
                    }
                    if sid.is_empty() {
                        v.err(
                            &s.span(),
                            &format!("{path}.id"),
                            format!("shot id `{raw}` has no letter or digit to name files with; use letters (any script), digits and dashes"),
                        );
                        continue;
                    }
                    if sid.len() > MAX_ID_BYTES {
                        v.err(
                            &s.span(),
                            &format!("{path}.id"),
                            format!(
                                "shot id `{}…` is {} bytes; at most {MAX_ID_BYTES} (it names the delivered files)",
                                sid.chars().take(24).collect::<String>(),
                                sid.len()
                            ),
                        );
                        continue;
                    }
                    match seen.get(&sid) {
                        Some((other_path, other_raw)) => v.err(
                            &s.span(),
                            &format!("{path}.id"),
                            if *other_raw == raw {
                                format!("shot id `{sid}` is used twice (also {other_path}); ids must be unique")
                            } else {
                                format!("shot id `{raw}` becomes `{sid}` in file names, as `{other_raw}` ({other_path}) does; ids must differ after that")
                            },
                        ),
                        None => {
                            seen.insert(sid.clone(), (path.clone(), raw.clone()));
                        }
                    }
                    let mut shot = Shot {
                        id: sid,
                        prompt: sp.clone(),
                        finals,
                        deliver: deliver.clone(),
                        seed,
                        written: sp,
                        text_by,
                        text: texts.clone(),
                    };
                    shot.route(text_by, default_text_colour(brand.as_ref()));
                    shots.push(shot);
                }
            }
        }
        Some(other) => v.err(
            &other.span(),
            "shots",
            format!("expected [[shots]] tables, found {}", other.kind()),
        ),
        None => v.err(
            &(0..0),
            "shots",
            "no [[shots]]; a campaign needs at least one shot",
        ),
    }

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
    })
}
