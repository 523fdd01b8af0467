//! `darkroom audit images DIR --brand B`: brand compliance, quality and drift of a folder.
//!
//! Images are processed in parallel (rayon), each decoded once and measured by every metric
//! while its pixels are in cache; the brand's per-colour ΔE2000 cache is shared by all threads,
//! so each distinct colour of the folder is computed once. One unreadable file never stops the
//! audit: it is reported, and the exit code is 1.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};

use darkroom_color::brand::{nearest, Brand, BrandTable, Compliance};
use darkroom_color::palette::{drift, palette, Swatch};
use darkroom_imageops::{phash, Limits};
use rayon::prelude::*;

use crate::fail::Fail;

/// Audits.
#[derive(clap::Subcommand)]
pub enum Cmd {
    /// Brand compliance, sharpness, clipping, near-duplicates and drift of a folder of images.
    Images(ImagesArgs),
    /// How accurate the layout judge is against injected mutations.
    Judges(super::audit_judges::Args),
    /// Which models follow instructions: a prompt suite × providers × repeats, adherence per
    /// checklist category with Wilson 95 % intervals, latency, spend, CPSA.
    Models(super::audit_models::Args),
}

/// `darkroom audit images`.
#[derive(clap::Args)]
pub struct ImagesArgs {
    /// Folder of PNG, JPEG or WebP images (not recursive).
    dir: PathBuf,
    /// Brand file (the `[brand]` table of a campaign).
    #[arg(long)]
    brand: PathBuf,
    /// Measure drift against this image instead of the first one.
    #[arg(long)]
    reference: Option<PathBuf>,
    /// pHash Hamming distance at or below which two images are near-duplicates.
    #[arg(long, default_value_t = 6)]
    near_duplicate: u32,
    /// Print JSON.
    #[arg(long)]
    json: bool,
    /// Also write one CSV row per image to this file.
    #[arg(long)]
    csv: Option<PathBuf>,
    /// Also write an HTML report (thumbnails, per-image figures, charts) to this file.
    #[arg(long)]
    html: Option<PathBuf>,
}

struct Row {
    file: String,
    width: u32,
    height: u32,
    c: Compliance,
    palette: Vec<Swatch>,
    sharpness: f64,
    clip_lo: f64,
    clip_hi: f64,
    phash: u64,
    path: PathBuf,
    /// JPEG thumbnail and its size, when an HTML report was asked for.
    thumb: Option<(Vec<u8>, (u32, u32))>,
}

fn measure(path: &Path, table: &BrandTable, thumb: bool) -> Result<Row, String> {
    let img = darkroom_imageops::read_image(path, Limits::default()).map_err(|e| e.to_string())?;
    let c = table.measure(&img.rgb);
    let pal = palette(&img.rgb, img.width as usize, img.height as usize, 6);
    let (sharp, _) = darkroom_imageops::metrics::sharpness(&img);
    let (lo, hi) = darkroom_imageops::metrics::clipping(&img);
    Ok(Row {
        file: path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        ),
        width: img.width,
        height: img.height,
        c,
        palette: pal,
        sharpness: sharp,
        clip_lo: lo,
        clip_hi: hi,
        phash: phash::phash(&img),
        path: path.to_path_buf(),
        thumb: thumb.then(|| darkroom_imageops::thumbnail_jpeg(&img, 240, 78)),
    })
}

fn r4(x: f64) -> f64 {
    (x * 1e4).round() / 1e4
}

/// Runs the command.
pub fn run(c: Cmd) -> Result<ExitCode, Fail> {
    let a = match c {
        Cmd::Images(a) => a,
        Cmd::Judges(j) => return super::audit_judges::run_cmd(j),
        Cmd::Models(m) => return super::audit_models::run(m),
    };
    let brand = super::io::read_brand(&a.brand)?;
    let mut files: Vec<PathBuf> = std::fs::read_dir(&a.dir)
        .map_err(|e| Fail::Input(format!("cannot read folder `{}`: {e}", a.dir.display())))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.is_file()
                && p.extension().and_then(|e| e.to_str()).is_some_and(|e| {
                    matches!(
                        e.to_ascii_lowercase().as_str(),
                        "png" | "jpg" | "jpeg" | "webp"
                    )
                })
        })
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(Fail::Input(format!(
            "no .png, .jpg, .jpeg or .webp files in `{}`",
            a.dir.display()
        )));
    }
    for out in [&a.csv, &a.html].into_iter().flatten() {
        super::io::check_writable(out)?;
    }
    let table = BrandTable::new(&brand);
    let bar = if std::io::stderr().is_terminal() {
        let b = indicatif::ProgressBar::new(files.len() as u64);
        b.set_style(
            indicatif::ProgressStyle::with_template(
                "{bar:40} {pos}/{len} images  {per_sec}  eta {eta}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        Some(b)
    } else {
        None
    };
    let done = AtomicUsize::new(0);
    let results: Vec<Result<Row, String>> = files
        .par_iter()
        .map(|p| {
            let r = measure(p, &table, a.html.is_some());
            done.fetch_add(1, Ordering::Relaxed);
            if let Some(b) = &bar {
                b.inc(1);
            }
            r
        })
        .collect();
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let (rows, errors): (Vec<_>, Vec<_>) = results.into_iter().partition(Result::is_ok);
    let rows: Vec<Row> = rows.into_iter().filter_map(Result::ok).collect();
    let errors: Vec<String> = errors.into_iter().filter_map(Result::err).collect();
    // Drift against the reference (or the first readable image).
    let reference: Option<Vec<Swatch>> = match &a.reference {
        Some(r) => Some(measure(r, &table, false).map_err(Fail::Input)?.palette),
        None => rows.first().map(|r| r.palette.clone()),
    };
    let drifts: Vec<f64> = rows
        .iter()
        .map(|r| reference.as_ref().map_or(0.0, |p| drift(p, &r.palette)))
        .collect();
    let hashes: Vec<u64> = rows.iter().map(|r| r.phash).collect();
    let dups = dup_groups(&hashes, a.near_duplicate);
    if let Some(csv) = &a.csv {
        write_csv(csv, &rows, &drifts, &brand)?;
    }
    if let Some(html) = &a.html {
        let report = html_report(&a, &rows, &drifts, &dups, &errors, &brand, html);
        let w = darkroom_report::write(&report, html).map_err(Fail::input)?;
        eprintln!(
            "report: {} ({:.1} kB with thumbnails)",
            w.html.display(),
            w.bytes as f64 / 1e3
        );
    }
    if a.json {
        print_json(&rows, &drifts, &dups, &errors, &brand);
    } else {
        print_text(&rows, &drifts, &dups, &errors, &brand);
    }
    for e in &errors {
        eprintln!("error: {e}");
    }
    Ok(if errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn dominant_json(p: &[Swatch], brand: &Brand) -> Vec<serde_json::Value> {
    p.iter()
        .map(|s| {
            let (i, d) = nearest(brand, s.lab);
            serde_json::json!({"hex": s.rgb.to_hex(), "share": r4(s.share), "nearest": brand.colors[i].0, "de2000": r4(d)})
        })
        .collect()
}

fn print_json(rows: &[Row], drifts: &[f64], dups: &[DupGroup], errors: &[String], brand: &Brand) {
    let images: Vec<serde_json::Value> = rows
        .iter()
        .zip(drifts)
        .map(|(r, d)| {
            let coverage: serde_json::Map<String, serde_json::Value> =
                brand.colors.iter().zip(&r.c.coverage).map(|(c, v)| (c.0.clone(), serde_json::json!(r4(*v)))).collect();
            serde_json::json!({
                "file": r.file, "width": r.width, "height": r.height,
                "on_palette": r4(r.c.on_palette), "passes": r.c.on_palette >= brand.min_on_palette,
                "coverage": coverage, "forbidden": r4(r.c.forbidden),
                "mean_de2000": r4(r.c.mean_de), "p95_de2000": r4(r.c.p95_de),
                "dominant": dominant_json(&r.palette, brand),
                "sharpness": r4(r.sharpness), "clipped_shadows": r4(r.clip_lo), "clipped_highlights": r4(r.clip_hi),
                "phash": format!("{:016x}", r.phash), "drift": r4(*d),
            })
        })
        .collect();
    let groups: Vec<serde_json::Value> = dups
        .iter()
        .map(|g| serde_json::json!({"files": g.members.iter().map(|&i| rows[i].file.as_str()).collect::<Vec<_>>(), "max_link_distance": g.max_link}))
        .collect();
    let v = serde_json::json!({"images": images, "near_duplicate_groups": groups, "errors": errors, "tolerance": brand.tolerance});
    println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
}

fn print_text(rows: &[Row], drifts: &[f64], dups: &[DupGroup], errors: &[String], brand: &Brand) {
    println!(
        "{:<28} {:>9} {:>6} {:>7} {:>7} {:>6} {:>6} {:>6}  dominant",
        "file", "size", "on-pal", "meanΔE", "p95ΔE", "sharp", "clip", "drift"
    );
    for (r, d) in rows.iter().zip(drifts) {
        let flag = if r.c.on_palette >= brand.min_on_palette {
            " "
        } else {
            "!"
        };
        let dom: Vec<String> = r
            .palette
            .iter()
            .take(3)
            .map(|s| format!("{} {:.0}%", s.rgb.to_hex(), s.share * 100.0))
            .collect();
        println!(
            "{:<28} {:>9} {:>5.1}%{flag}{:>7.2} {:>7.2} {:>6.3} {:>5.1}% {:>6.2}  {}",
            r.file,
            format!("{}x{}", r.width, r.height),
            r.c.on_palette * 100.0,
            r.c.mean_de,
            r.c.p95_de,
            r.sharpness,
            (r.clip_lo + r.clip_hi) * 100.0,
            d,
            dom.join(", ")
        );
    }
    let pass = rows
        .iter()
        .filter(|r| r.c.on_palette >= brand.min_on_palette)
        .count();
    println!(
        "\n{} images, {} on brand (on-palette ≥ {:.0}% within ΔE2000 {}), {} unreadable",
        rows.len(),
        pass,
        brand.min_on_palette * 100.0,
        brand.tolerance,
        errors.len()
    );
    if dups.is_empty() {
        println!("near-duplicates: none");
    } else {
        let images: usize = dups.iter().map(|g| g.members.len()).sum();
        println!(
            "near-duplicates: {} group(s), {images} images{}",
            dups.len(),
            if dups.len() > SHOWN_GROUPS {
                format!(" (the {SHOWN_GROUPS} largest shown; --json lists all)")
            } else {
                String::new()
            }
        );
        for g in dups.iter().take(SHOWN_GROUPS) {
            println!("  {}", describe_group(g, rows));
        }
    }
}

/// Most near-duplicate groups printed (text and HTML); `--json` has them all.
const SHOWN_GROUPS: usize = 20;
/// Most files named per printed group.
const SHOWN_MEMBERS: usize = 8;

/// Images that are near-duplicates of each other, transitively: a connected component of the
/// graph "pHash distance ≤ threshold". A folder of 5,000 identical black frames is one group of
/// 5,000, not 12.5 million pairs.
#[derive(Debug, Clone, PartialEq)]
pub struct DupGroup {
    /// Row indices, in folder order.
    pub members: Vec<usize>,
    /// The largest distance of a link that joined the group.
    pub max_link: u32,
}

/// Groups near-duplicates by union-find over every pair: memory is one entry per image
/// whatever the number of matching pairs. Largest groups first, then folder order.
fn dup_groups(hashes: &[u64], threshold: u32) -> Vec<DupGroup> {
    fn root(p: &mut [usize], mut i: usize) -> usize {
        while p[i] != i {
            p[i] = p[p[i]];
            i = p[i];
        }
        i
    }
    let n = hashes.len();
    let mut parent: Vec<usize> = (0..n).collect();
    let mut link = vec![0u32; n];
    for i in 0..n {
        for j in i + 1..n {
            let d = phash::hamming(hashes[i], hashes[j]);
            if d <= threshold {
                let (a, b) = (root(&mut parent, i), root(&mut parent, j));
                let l = link[a].max(link[b]).max(d);
                if a != b {
                    let (lo, hi) = (a.min(b), a.max(b));
                    parent[hi] = lo;
                    link[lo] = l;
                } else {
                    link[a] = l;
                }
            }
        }
    }
    let mut by_root: std::collections::BTreeMap<usize, Vec<usize>> = Default::default();
    for i in 0..n {
        let r = root(&mut parent, i);
        by_root.entry(r).or_default().push(i);
    }
    let mut groups: Vec<DupGroup> = by_root
        .into_iter()
        .filter(|(_, m)| m.len() > 1)
        .map(|(r, members)| DupGroup {
            members,
            max_link: link[r],
        })
        .collect();
    groups.sort_by(|a, b| {
        b.members
            .len()
            .cmp(&a.members.len())
            .then(a.members[0].cmp(&b.members[0]))
    });
    groups
}

/// "12 images (pHash distance ≤ 3): a.png, b.png, … and 4 more".
fn describe_group(g: &DupGroup, rows: &[Row]) -> String {
    let names: Vec<&str> = g
        .members
        .iter()
        .take(SHOWN_MEMBERS)
        .map(|&i| rows[i].file.as_str())
        .collect();
    let more = g.members.len().saturating_sub(SHOWN_MEMBERS);
    format!(
        "{} images (pHash distance ≤ {}): {}{}",
        g.members.len(),
        g.max_link,
        names.join(", "),
        if more > 0 {
            format!(" … and {more} more")
        } else {
            String::new()
        }
    )
}

/// A text cell: quoted when it holds a separator, a quote or a line break (RFC 4180), and
/// prefixed with `'` when it starts like a formula (`=`, `+`, `-`, `@`, tab, CR), so a file or
/// palette name cannot run as a formula in a spreadsheet (OWASP's CSV injection advice).
fn csv_text(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

fn write_csv(path: &Path, rows: &[Row], drifts: &[f64], brand: &Brand) -> Result<(), Fail> {
    let esc = |s: &str| csv_text(s);
    let mut out = String::from("file,width,height,on_palette,passes,forbidden,mean_de2000,p95_de2000,sharpness,clipped_shadows,clipped_highlights,phash,drift");
    for c in &brand.colors {
        out.push_str(&format!(",{}", esc(&format!("coverage:{}", c.0))));
    }
    for k in 1..=3 {
        out.push_str(&format!(
            ",dominant{k},dominant{k}_share,dominant{k}_nearest,dominant{k}_de2000"
        ));
    }
    out.push('\n');
    for (r, d) in rows.iter().zip(drifts) {
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{},{},{},{},{:016x},{}",
            esc(&r.file),
            r.width,
            r.height,
            r4(r.c.on_palette),
            r.c.on_palette >= brand.min_on_palette,
            r4(r.c.forbidden),
            r4(r.c.mean_de),
            r4(r.c.p95_de),
            r4(r.sharpness),
            r4(r.clip_lo),
            r4(r.clip_hi),
            r.phash,
            r4(*d)
        ));
        for v in &r.c.coverage {
            out.push_str(&format!(",{}", r4(*v)));
        }
        for k in 0..3 {
            match r.palette.get(k) {
                Some(s) => {
                    let (i, de) = nearest(brand, s.lab);
                    out.push_str(&format!(
                        ",{},{},{},{}",
                        s.rgb.to_hex(),
                        r4(s.share),
                        esc(&brand.colors[i].0),
                        r4(de)
                    ));
                }
                None => out.push_str(",,,,"),
            }
        }
        out.push('\n');
    }
    std::fs::write(path, out)
        .map_err(|e| Fail::Input(format!("cannot write `{}`: {e}", path.display())))
}

/// The audit as an HTML report: the same look as a campaign's, one card per image.
fn html_report(
    a: &ImagesArgs,
    rows: &[Row],
    drifts: &[f64],
    dups: &[DupGroup],
    errors: &[String],
    brand: &Brand,
    html: &Path,
) -> darkroom_report::Report {
    use darkroom_report::*;
    let html_dir = html.parent().unwrap_or(Path::new("."));
    let n = rows.len().max(1) as f64;
    let passing = rows
        .iter()
        .filter(|r| r.c.on_palette >= brand.min_on_palette)
        .count();
    let mean = |f: &dyn Fn(&Row) -> f64| rows.iter().map(f).sum::<f64>() / n;
    let (cards, thumbs) = image_cards(rows, drifts, brand, html_dir);
    let mut worst: Vec<usize> = (0..rows.len()).collect();
    worst.sort_by(|&i, &j| drifts[j].total_cmp(&drifts[i]).then(i.cmp(&j)));
    let mut sw = vec![darkroom_readout::report::brand_swatches(brand)];
    for &i in worst.iter().take(12) {
        sw.push(SwatchRow {
            label: rows[i].file.clone(),
            cells: rows[i]
                .palette
                .iter()
                .take(5)
                .map(|s| SwatchCell {
                    hex: s.rgb.to_hex(),
                    caption: format!(
                        "ΔE {:.1} · {:.0}%",
                        nearest(brand, s.lab).1,
                        s.share * 100.0
                    ),
                })
                .collect(),
        });
    }
    let tables = tables(dups, rows, errors);
    let tone = |bad: bool| if bad { "bad" } else { "good" }.to_string();
    Report {
        title: a.dir.display().to_string(),
        kind: "audit images".into(),
        subtitle: format!(
            "{} images · brand {} · tolerance ΔE00 {:.1} · minimum on-palette {:.2}",
            rows.len(),
            a.brand.display(),
            brand.tolerance,
            brand.min_on_palette
        ),
        stats: vec![
            Stat { label: "Images".into(), value: rows.len().to_string(), note: format!("{} unreadable", errors.len()), tone: tone(!errors.is_empty()) },
            Stat { label: "On-brand".into(), value: format!("{passing} / {}", rows.len()), note: "on-palette share ≥ the minimum".into(), tone: tone(passing < rows.len()) },
            Stat { label: "Mean on-palette".into(), value: format!("{:.2}", mean(&|r| r.c.on_palette)), note: "share of pixels".into(), tone: String::new() },
            Stat { label: "Mean ΔE00".into(), value: format!("{:.1}", mean(&|r| r.c.mean_de)), note: "to the nearest brand colour".into(), tone: String::new() },
            Stat { label: "Near-duplicate groups".into(), value: dups.len().to_string(), note: format!("pHash distance ≤ {}", a.near_duplicate), tone: String::new() },
            Stat { label: "Mean drift".into(), value: format!("{:.2}", drifts.iter().sum::<f64>() / n), note: "palette drift from the reference".into(), tone: String::new() },
        ],
        tables,
        charts: vec![
            Chart::Bars {
                id: "on-palette".into(),
                title: "On-palette share per image, against the brand's minimum".into(),
                y_label: "on-palette share".into(),
                bars: rows.iter().map(|r| Bar { label: r.file.clone(), value: r.c.on_palette, note: String::new() }).collect(),
                max: 1.0,
                reference: Some((brand.min_on_palette, format!("minimum {:.2}", brand.min_on_palette))),
            },
            Chart::Lines {
                id: "drift".into(),
                title: "Palette drift from the reference, in file order (ΔE00)".into(),
                x_label: "image".into(),
                y_label: "ΔE00".into(),
                series: vec![Series { name: "drift".into(), points: drifts.iter().enumerate().map(|(i, d)| (i as f64 + 1.0, *d)).collect() }],
                step: false,
                reference: None,
            },
            Chart::Histograms {
                id: "sharpness".into(),
                title: "Sharpness across the folder".into(),
                x_label: "sharpness".into(),
                groups: vec![("all images".into(), rows.iter().map(|r| r.sharpness).collect())],
            },
            Chart::Swatches {
                id: "palettes".into(),
                title: "Brand palette beside the dominant palettes that drift most (ΔE00 to the nearest brand colour)".into(),
                rows: sw,
            },
        ],
        sections: vec![Section {
            id: "images".into(),
            title: "Images".into(),
            text: String::new(),
            facts: vec![format!("{passing} on-brand"), format!("{} off-brand", rows.len() - passing)],
            checklist: vec![],
            sheets: vec![Sheet { title: "Contact sheet".into(), cards }],
        }],
        thumbs,
        ..Report::default()
    }
}

/// One card per image (its thumbnail named by its position: files are sorted).
fn image_cards(
    rows: &[Row],
    drifts: &[f64],
    brand: &Brand,
    html_dir: &Path,
) -> (Vec<darkroom_report::Card>, Vec<darkroom_report::Thumb>) {
    use darkroom_report::*;
    let mut thumbs = Vec::new();
    let cards: Vec<Card> = rows
        .iter()
        .zip(drifts)
        .enumerate()
        .map(|(i, (r, d))| {
            let thumb = r.thumb.as_ref().map(|(bytes, size)| {
                // Files are sorted, so the position names the thumbnail stably.
                let name = format!("{i:05}.jpg");
                thumbs.push(Thumb {
                    name: name.clone(),
                    bytes: bytes.clone(),
                });
                (name, *size)
            });
            let ok = r.c.on_palette >= brand.min_on_palette;
            let mut scores = vec![
                format!("on-palette {:.2}", r.c.on_palette),
                format!("mean ΔE00 {:.1} · p95 {:.1}", r.c.mean_de, r.c.p95_de),
                format!("sharpness {:.2}", r.sharpness),
                format!(
                    "clipped {:.1} % dark · {:.1} % light",
                    r.clip_lo * 100.0,
                    r.clip_hi * 100.0
                ),
                format!("drift {d:.2}"),
                format!("{}×{}", r.width, r.height),
            ];
            if r.c.forbidden > 0.0 {
                scores.insert(1, format!("forbidden {:.1} %", r.c.forbidden * 100.0));
            }
            Card {
                title: r.file.clone(),
                thumb: thumb.as_ref().map(|t| t.0.clone()),
                thumb_size: thumb.map_or((0, 0), |t| t.1),
                link: Some(darkroom_readout::report::relative(html_dir, &r.path)),
                status: if ok { "passed" } else { "rejected" }.into(),
                reason: if ok {
                    "on-palette share meets the brand's minimum".into()
                } else {
                    format!("on-palette share below {:.2}", brand.min_on_palette)
                },
                scores,
                verdicts: vec![],
            }
        })
        .collect();
    (cards, thumbs)
}

/// The near-duplicate groups and the unreadable files, as tables.
fn tables(dups: &[DupGroup], rows: &[Row], errors: &[String]) -> Vec<darkroom_report::Table> {
    use darkroom_report::*;
    let mut tables = Vec::new();
    if !dups.is_empty() {
        tables.push(Table {
            title: if dups.len() > SHOWN_GROUPS {
                format!(
                    "Near-duplicate groups: the {SHOWN_GROUPS} largest of {}",
                    dups.len()
                )
            } else {
                "Near-duplicate groups".into()
            },
            columns: vec![
                "images".into(),
                "largest link (pHash distance)".into(),
                "files".into(),
            ],
            rows: dups
                .iter()
                .take(SHOWN_GROUPS)
                .map(|g| {
                    let d = describe_group(g, rows);
                    vec![
                        g.members.len().to_string(),
                        g.max_link.to_string(),
                        d[d.find(": ").map_or(0, |i| i + 2)..].to_string(),
                    ]
                })
                .collect(),
        });
    }
    if !errors.is_empty() {
        tables.push(Table {
            title: "Files that could not be read".into(),
            columns: vec!["error".into()],
            rows: errors.iter().map(|e| vec![e.clone()]).collect(),
        });
    }
    tables
}

#[cfg(test)]
mod csv_tests {
    use super::csv_text;

    #[test]
    fn text_cells_are_quoted_and_cannot_start_a_formula() {
        assert_eq!(csv_text("plain.png"), "plain.png");
        assert_eq!(csv_text("Blue, Dark"), "\"Blue, Dark\"");
        assert_eq!(csv_text("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_text("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_text("+1"), "'+1");
        assert_eq!(csv_text("-2"), "'-2");
        assert_eq!(csv_text("@SUM(A1)"), "'@SUM(A1)");
    }
}

#[cfg(test)]
mod dup_tests {
    use super::dup_groups;

    #[test]
    fn near_duplicates_are_grouped_transitively_largest_first() {
        // 0-1-2 chain (each 2 bits apart, 0 and 2 four apart), 3 alone, 4 = 5.
        let h = [
            0b0000u64,
            0b0011,
            0b1111,
            u64::MAX,
            0xF0F0_0000,
            0xF0F0_0000,
        ];
        let g = dup_groups(&h, 2);
        assert_eq!(g.len(), 2);
        assert_eq!(g[0].members, vec![0, 1, 2]);
        assert_eq!(g[0].max_link, 2);
        assert_eq!(g[1].members, vec![4, 5]);
        assert_eq!(g[1].max_link, 0);
        // 5,000 identical frames: one group, not 12.5 million pairs.
        let same = vec![7u64; 5000];
        let g = dup_groups(&same, 0);
        assert_eq!(g.len(), 1);
        assert_eq!(g[0].members.len(), 5000);
    }
}
