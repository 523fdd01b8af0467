//! The report's own input model. Whoever builds a report (the engine from a ledger, the audit
//! commands from their measurements) fills these types; the renderer knows nothing of SQLite,
//! campaigns or images. Everything is plain data in display order, so the same model always
//! renders to the same bytes.

use serde::Serialize;

/// A whole report.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    /// The page title (the campaign's name, "Image audit", …).
    pub title: String,
    /// What kind of report this is, shown above the title (`campaign`, `audit images`, …).
    pub kind: String,
    /// One line under the title (where the data came from, the run's recorded time span).
    pub subtitle: String,
    /// Key figures, shown as tiles.
    pub stats: Vec<Stat>,
    /// Summary tables.
    pub tables: Vec<Table>,
    /// Charts, rendered as inline SVG.
    pub charts: Vec<Chart>,
    /// Per-item sections (a shot, a folder, a provider).
    pub sections: Vec<Section>,
    /// Pages the sections were split into (a large campaign): listed on the index page.
    pub pages: Vec<PageLink>,
    /// On such a page: the link back to the index page.
    pub home: String,
    /// Thumbnail files to write next to the HTML; cards refer to them by name.
    #[serde(skip)]
    pub thumbs: Vec<Thumb>,
}

/// One key figure.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Stat {
    /// What it is.
    pub label: String,
    /// The figure, formatted.
    pub value: String,
    /// A small note under it (the unit, the target).
    pub note: String,
    /// `good`, `bad` or empty: colours the tile.
    pub tone: String,
}

/// A small table.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Table {
    /// Caption.
    pub title: String,
    /// Column headings.
    pub columns: Vec<String>,
    /// Rows of formatted cells.
    pub rows: Vec<Vec<String>>,
}

/// A chart; each kind is drawn by [`crate::svg`].
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Chart {
    /// Lines over a numeric x axis (credit burn, drift).
    Lines {
        /// Stable id (the HTML element id is `chart-<id>`).
        id: String,
        /// Caption.
        title: String,
        /// X axis label.
        x_label: String,
        /// Y axis label.
        y_label: String,
        /// The series.
        series: Vec<Series>,
        /// Draw as steps (cumulative sums).
        step: bool,
        /// A horizontal reference line and its label (a cap, a gate).
        reference: Option<(f64, String)>,
    },
    /// Histograms, one row per group (latency per provider and tier).
    Histograms {
        /// Stable id.
        id: String,
        /// Caption.
        title: String,
        /// X axis label.
        x_label: String,
        /// `(group name, values)`.
        groups: Vec<(String, Vec<f64>)>,
    },
    /// Vertical bars (adherence per category, on-palette share per asset).
    Bars {
        /// Stable id.
        id: String,
        /// Caption.
        title: String,
        /// Y axis label.
        y_label: String,
        /// The bars.
        bars: Vec<Bar>,
        /// The top of the y axis (1.0 for shares).
        max: f64,
        /// A horizontal reference line (a gate) and its label; bars below it are marked.
        reference: Option<(f64, String)>,
    },
    /// Rows of colour swatches with captions (brand palette beside each final's palette).
    Swatches {
        /// Stable id.
        id: String,
        /// Caption.
        title: String,
        /// The rows.
        rows: Vec<SwatchRow>,
    },
}

impl Chart {
    /// The chart's stable id.
    pub fn id(&self) -> &str {
        match self {
            Chart::Lines { id, .. }
            | Chart::Histograms { id, .. }
            | Chart::Bars { id, .. }
            | Chart::Swatches { id, .. } => id,
        }
    }

    /// The chart's caption.
    pub fn title(&self) -> &str {
        match self {
            Chart::Lines { title, .. }
            | Chart::Histograms { title, .. }
            | Chart::Bars { title, .. }
            | Chart::Swatches { title, .. } => title,
        }
    }
}

/// One line of a line chart.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Series {
    /// Legend name.
    pub name: String,
    /// `(x, y)` points in x order.
    pub points: Vec<(f64, f64)>,
}

/// One bar.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Bar {
    /// Label under the bar (omitted when there are many bars).
    pub label: String,
    /// Height.
    pub value: f64,
    /// Text above the bar (`12/15`), when there is room.
    pub note: String,
}

/// One row of swatches.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SwatchRow {
    /// Row label (`brand`, a final's file name).
    pub label: String,
    /// The colours.
    pub cells: Vec<SwatchCell>,
}

/// One swatch.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SwatchCell {
    /// `#rrggbb`.
    pub hex: String,
    /// Caption under it (a name, a share, a ΔE).
    pub caption: String,
}

/// A per-item section: a shot with its checklist, contact sheet and finals.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Section {
    /// Stable id (the HTML anchor is `s-<id>`).
    pub id: String,
    /// Heading.
    pub title: String,
    /// The prompt, or another one-paragraph description.
    pub text: String,
    /// Facts under the heading (`3 of 8 drafts passed`, `2 finals`).
    pub facts: Vec<String>,
    /// The checklist the drafts were judged against.
    pub checklist: Vec<CheckItem>,
    /// Groups of cards: "Drafts", "Finals".
    pub sheets: Vec<Sheet>,
}

/// One checklist assertion.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CheckItem {
    /// Its id in the checklist.
    pub id: usize,
    /// Its category (`count`, `position`, …).
    pub category: String,
    /// The question.
    pub question: String,
}

/// A contact sheet.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Sheet {
    /// Heading.
    pub title: String,
    /// The cards.
    pub cards: Vec<Card>,
}

/// One image (or one failed attempt) on a contact sheet.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Card {
    /// Heading (`round 1 · variant 3`, `16:9 · 2048×1152`).
    pub title: String,
    /// Thumbnail file name, from [`Report::thumbs`]; none for a failed attempt.
    pub thumb: Option<String>,
    /// Thumbnail pixel size, so the page does not reflow while loading.
    pub thumb_size: (u32, u32),
    /// Where the full image is, relative to the HTML file.
    pub link: Option<String>,
    /// `promoted`, `passed`, `rejected`, `failed`, `final`: styles the card.
    pub status: String,
    /// The reason code and its plain-language meaning.
    pub reason: String,
    /// Scores and measurements, formatted (`adherence 0.83`).
    pub scores: Vec<String>,
    /// Each assertion's verdict.
    pub verdicts: Vec<VerdictLine>,
}

/// A verdict on one assertion, for a card.
#[derive(Debug, Clone, Default, Serialize)]
pub struct VerdictLine {
    /// `yes`, `no` or `undecided`.
    pub verdict: String,
    /// The question and the evidence.
    pub text: String,
}

/// A link from the index page to one page of sections.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PageLink {
    /// What the page holds ("shots 1–100").
    pub title: String,
    /// Relative link.
    pub href: String,
    /// One line about it (its first and last shot).
    pub note: String,
}

/// A thumbnail to write next to the report.
#[derive(Debug, Clone, Default)]
pub struct Thumb {
    /// File name inside the thumbnail folder.
    pub name: String,
    /// Encoded bytes (JPEG or WebP).
    pub bytes: Vec<u8>,
}
