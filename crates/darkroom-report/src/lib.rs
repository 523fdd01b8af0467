//! The HTML report: one self-contained file (styles inline, charts as inline SVG, no script, no
//! network fetch) plus a folder of small thumbnails next to it. It renders from its own input
//! model ([`Report`]) so the engine, `audit images` and `audit models` can all produce reports
//! with the same look, and so rendering can be tested without a ledger. The same model renders
//! to the same bytes: nothing here reads a clock.

pub mod model;
pub mod svg;

use std::path::{Path, PathBuf};

pub use model::{
    Bar, Card, Chart, CheckItem, PageLink, Report, Section, Series, Sheet, Stat, SwatchCell,
    SwatchRow, Table, Thumb, VerdictLine,
};

/// A report that could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The template failed (a bug).
    #[error("report template: {0}")]
    Template(#[from] minijinja::Error),
    /// A file could not be written.
    #[error("cannot write `{path}`: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
}

const TEMPLATE: &str = include_str!("templates/report.html");
const STYLE: &str = include_str!("templates/report.css");

/// Renders the HTML. `thumbs_dir` is the thumbnail folder's name relative to the HTML file.
pub fn render(report: &Report, thumbs_dir: &str) -> Result<String, ReportError> {
    let mut env = minijinja::Environment::new();
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::Html);
    // minijinja's HTML escaping also encodes `/`, which turns every relative link into
    // `a&#x2f;b`: valid, but unreadable in the source. Escape only what HTML requires.
    env.set_formatter(|out, _state, value| {
        let s = value.to_string();
        let s = if value.is_safe() { s } else { svg::esc(&s) };
        out.write_str(&s).map_err(minijinja::Error::from)
    });
    env.add_template("report.html", TEMPLATE)?;
    let charts: Vec<minijinja::Value> = report
        .charts
        .iter()
        .map(|c| {
            minijinja::context! {
                id => c.id(),
                title => c.title(),
                svg => minijinja::Value::from_safe_string(svg::render(c)),
            }
        })
        .collect();
    let html = env
        .get_template("report.html")?
        .render(minijinja::context! {
            r => report,
            charts => charts,
            thumbs => thumbs_dir,
            style => minijinja::Value::from_safe_string(STYLE.to_string()),
        })?;
    Ok(html)
}

/// Creates a folder the report writes into.
pub fn ensure_dir(dir: &Path) -> Result<(), ReportError> {
    std::fs::create_dir_all(dir).map_err(|source| ReportError::Io {
        path: dir.display().to_string(),
        source,
    })
}

/// Writes one page whose thumbnails are already in `thumbs_dir` (relative to the page), through
/// a temporary file and a rename; returns its size. For reports too large to hold at once: the
/// caller writes thumbnails as it makes them and pages one at a time.
pub fn write_html(report: &Report, path: &Path, thumbs_dir: &str) -> Result<u64, ReportError> {
    let html = render(report, thumbs_dir)?;
    let tmp = path.with_extension("html.tmp");
    let io = |p: &Path| {
        let p = p.display().to_string();
        move |source| ReportError::Io { path: p, source }
    };
    if let Err(e) = std::fs::write(&tmp, &html) {
        let _ = std::fs::remove_file(&tmp);
        return Err(io(&tmp)(e));
    }
    std::fs::rename(&tmp, path).map_err(io(path))?;
    Ok(html.len() as u64)
}

/// Removes the files of `dir` not named in `keep` (thumbnails or pages a report no longer uses),
/// so the folder always matches the pages.
pub fn prune(dir: &Path, keep: &std::collections::BTreeSet<String>) -> Result<(), ReportError> {
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if !keep.contains(&name) {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
    Ok(())
}

/// What [`write()`] produced.
#[derive(Debug, Clone, PartialEq)]
pub struct Written {
    /// The HTML file.
    pub html: PathBuf,
    /// The thumbnail folder.
    pub thumbs: PathBuf,
    /// Bytes written, HTML and thumbnails together.
    pub bytes: u64,
}

/// Writes `path` and its thumbnail folder (`<stem>_files/` beside it). Thumbnails the report no
/// longer uses are removed, so the folder always matches the page. The HTML is written last and
/// atomically: a reader never sees a page whose images are missing.
pub fn write(report: &Report, path: &Path) -> Result<Written, ReportError> {
    let io = |p: &Path| {
        let p = p.display().to_string();
        move |source| ReportError::Io { path: p, source }
    };
    let stem = path
        .file_stem()
        .map_or_else(|| "report".into(), |s| s.to_string_lossy().into_owned());
    let dir_name = format!("{stem}_files");
    let dir = path.with_file_name(&dir_name);
    std::fs::create_dir_all(&dir).map_err(io(&dir))?;
    let mut bytes = 0u64;
    let keep: std::collections::BTreeSet<&str> =
        report.thumbs.iter().map(|t| t.name.as_str()).collect();
    if let Ok(rd) = std::fs::read_dir(&dir) {
        for e in rd.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if !keep.contains(name.as_str()) {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
    for t in &report.thumbs {
        let p = dir.join(&t.name);
        std::fs::write(&p, &t.bytes).map_err(io(&p))?;
        bytes += t.bytes.len() as u64;
    }
    let html = render(report, &dir_name)?;
    bytes += html.len() as u64;
    let tmp = path.with_extension("html.tmp");
    std::fs::write(&tmp, html).map_err(io(&tmp))?;
    std::fs::rename(&tmp, path).map_err(io(path))?;
    Ok(Written {
        html: path.to_path_buf(),
        thumbs: dir,
        bytes,
    })
}
