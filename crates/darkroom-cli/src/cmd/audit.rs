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
}

fn measure(path: &Path, table: &BrandTable) -> Result<Row, String> {
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
    if let Some(csv) = &a.csv {
        super::io::check_writable(csv)?;
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
            let r = measure(p, &table);
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
        Some(r) => Some(measure(r, &table).map_err(Fail::Input)?.palette),
        None => rows.first().map(|r| r.palette.clone()),
    };
    let drifts: Vec<f64> = rows
        .iter()
        .map(|r| reference.as_ref().map_or(0.0, |p| drift(p, &r.palette)))
        .collect();
    let mut dups = Vec::new();
    for i in 0..rows.len() {
        for j in i + 1..rows.len() {
            let d = phash::hamming(rows[i].phash, rows[j].phash);
            if d <= a.near_duplicate {
                dups.push((i, j, d));
            }
        }
    }
    if let Some(csv) = &a.csv {
        write_csv(csv, &rows, &drifts, &brand)?;
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

fn print_json(
    rows: &[Row],
    drifts: &[f64],
    dups: &[(usize, usize, u32)],
    errors: &[String],
    brand: &Brand,
) {
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
    let pairs: Vec<serde_json::Value> = dups
        .iter()
        .map(|&(i, j, d)| serde_json::json!({"a": rows[i].file, "b": rows[j].file, "distance": d}))
        .collect();
    let v = serde_json::json!({"images": images, "near_duplicates": pairs, "errors": errors, "tolerance": brand.tolerance});
    println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
}

fn print_text(
    rows: &[Row],
    drifts: &[f64],
    dups: &[(usize, usize, u32)],
    errors: &[String],
    brand: &Brand,
) {
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
        println!("near-duplicates ({}):", dups.len());
        for &(i, j, d) in dups {
            println!("  {} ~ {} (pHash distance {d})", rows[i].file, rows[j].file);
        }
    }
}

fn write_csv(path: &Path, rows: &[Row], drifts: &[f64], brand: &Brand) -> Result<(), Fail> {
    let esc = |s: &str| {
        if s.contains([',', '"', '\n']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_string()
        }
    };
    let mut out = String::from("file,width,height,on_palette,passes,forbidden,mean_de2000,p95_de2000,sharpness,clipped_shadows,clipped_highlights,phash,drift");
    for c in &brand.colors {
        out.push_str(&format!(",coverage:{}", esc(&c.0)));
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
