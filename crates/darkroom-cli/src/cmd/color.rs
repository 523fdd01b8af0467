//! `darkroom color diff A B` and `darkroom color palette IMAGE`.

use std::path::PathBuf;
use std::process::ExitCode;

use darkroom_color::{de2000, de76, de_ok, parse_color, Lab, Oklab};

use crate::fail::Fail;

/// Colour tools.
#[derive(clap::Subcommand)]
pub enum Cmd {
    /// ΔE2000, ΔE76 and ΔEOK between two colours (#hex, CSS names, rgb(), lab(), oklab()).
    Diff {
        /// First colour.
        a: String,
        /// Second colour.
        b: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// The dominant colours of an image (k-means++ in CIELAB).
    Palette {
        /// The image.
        image: PathBuf,
        /// How many colours.
        #[arg(short, default_value_t = 6)]
        k: usize,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

fn lab_json(l: Lab) -> serde_json::Value {
    serde_json::json!({"L": round(l.l), "a": round(l.a), "b": round(l.b)})
}

fn round(x: f64) -> f64 {
    (x * 1e4).round() / 1e4
}

/// Runs the command.
pub fn run(c: Cmd) -> Result<ExitCode, Fail> {
    match c {
        Cmd::Diff { a, b, json } => {
            let (x, y) = (parse_color(&a), parse_color(&b));
            let (x, y) = match (x, y) {
                (Ok(x), Ok(y)) => (x, y),
                (x, y) => {
                    let errs: Vec<String> = [x.err(), y.err()]
                        .into_iter()
                        .flatten()
                        .map(|e| e.to_string())
                        .collect();
                    return Err(Fail::Input(errs.join("; ")));
                }
            };
            let (d00, d76, dok) = (
                de2000(x, y),
                de76(x, y),
                de_ok(Oklab::from_lab(x), Oklab::from_lab(y)),
            );
            if json {
                let v = serde_json::json!({"a": lab_json(x), "b": lab_json(y), "de2000": round(d00), "de76": round(d76), "deok": round(dok)});
                println!("{v}");
            } else {
                println!("ΔE2000 {d00:.4}\nΔE76   {d76:.4}\nΔEOK   {dok:.4}");
            }
        }
        Cmd::Palette { image, k, json } => {
            if !(1..=32).contains(&k) {
                return Err(Fail::Input(format!("-k {k}: accepted 1..=32")));
            }
            let img = super::io::read_image(&image)?;
            let p = darkroom_color::palette::palette(
                &img.rgb,
                img.width as usize,
                img.height as usize,
                k,
            );
            if json {
                let v: Vec<serde_json::Value> = p
                    .iter()
                    .map(|s| serde_json::json!({"hex": s.rgb.to_hex(), "lab": lab_json(s.lab), "share": round(s.share)}))
                    .collect();
                println!("{}", serde_json::Value::Array(v));
            } else {
                for s in &p {
                    println!(
                        "{}  {:5.1}%  L {:.1} a {:.1} b {:.1}",
                        s.rgb.to_hex(),
                        s.share * 100.0,
                        s.lab.l,
                        s.lab.a,
                        s.lab.b
                    );
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
