//! Finishing operations on single files: `grade`, `upscale`, `extend`, `inpaint`.
//!
//! `upscale`, `extend` and `inpaint` run locally by default; with `--provider NAME --campaign
//! FILE` they run on that campaign provider's API instead (Stability: all three; AUTOMATIC1111:
//! upscale and inpaint), with the provider's cost printed and written into the PNG.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use darkroom_color::cube::{Cube, Interp};
use darkroom_core::Aspect;
use darkroom_imageops::RgbImage;

use super::credentials::{remote_step, Credentials};
use crate::fail::Fail;
use darkroom_core::provider::{Op, Request};
use darkroom_provenance::{Step, StepKind};

use super::io::{
    check_png_out, read_brand, read_image, read_image_with_alpha, write_png, write_png_alpha,
};

/// `darkroom grade`.
#[derive(clap::Args)]
pub struct GradeArgs {
    /// The image to grade.
    image: PathBuf,
    /// Grade toward this brand palette (a brand TOML file).
    #[arg(long, conflicts_with = "lut")]
    brand: Option<PathBuf>,
    /// Apply this `.cube` LUT instead.
    #[arg(long)]
    lut: Option<PathBuf>,
    /// How far to move dominant colours toward the brand, 0..1.
    #[arg(long, default_value_t = 0.6)]
    strength: f64,
    /// Interpolation inside the 3D LUT: tetrahedral or trilinear.
    #[arg(long, default_value = "tetrahedral")]
    interp: String,
    /// Output PNG.
    #[arg(short, long)]
    output: PathBuf,
    /// Also write the brand grade as a `.cube` LUT.
    #[arg(long)]
    export_lut: Option<PathBuf>,
    #[command(flatten)]
    cred: Credentials,
}

/// Runs `grade`.
pub fn grade(a: GradeArgs) -> Result<ExitCode, Fail> {
    let interp = match a.interp.as_str() {
        "tetrahedral" => Interp::Tetrahedral,
        "trilinear" => Interp::Trilinear,
        other => {
            return Err(Fail::Input(format!(
                "invalid --interp `{other}`; accepted: tetrahedral, trilinear"
            )))
        }
    };
    if !(0.0..=1.0).contains(&a.strength) {
        return Err(Fail::Input(format!(
            "invalid --strength {}; accepted: 0..1",
            a.strength
        )));
    }
    check_png_out(&a.output)?;
    // A grade changes colours only: transparency is kept as it was.
    let (mut img, alpha) = read_image_with_alpha(&a.image)?;
    // What the grade did to the colours that matter, said after it is applied.
    let mut report: Vec<(String, darkroom_color::Rgb8, Option<darkroom_color::Lab>)> = Vec::new();
    let mut graded_brand = None;
    let (cube, what) = match (&a.brand, &a.lut) {
        (Some(b), None) => {
            let brand = read_brand(b)?;
            let dominant = darkroom_color::palette::palette(
                &img.rgb,
                img.width as usize,
                img.height as usize,
                6,
            );
            for d in &dominant {
                let (i, de) = darkroom_color::brand::nearest(&brand, d.lab);
                let label = if de > darkroom_color::grade::REACH {
                    format!(
                        "{} ({:.0} %, the subject's own colour: ΔE00 {de:.1} from every brand colour, held)",
                        d.rgb.to_hex(),
                        d.share * 100.0
                    )
                } else {
                    format!(
                        "{} ({:.0} %) → {}",
                        d.rgb.to_hex(),
                        d.share * 100.0,
                        brand.colors[i].0
                    )
                };
                let target = (de <= darkroom_color::grade::REACH).then_some(brand.colors[i].1);
                report.push((label, d.rgb, target));
            }
            for (name, lab) in &brand.protect {
                report.push((format!("protected {name}"), lab.to_rgb8(), None));
            }
            graded_brand = Some(brand.clone());
            let lut = darkroom_color::grade::grade_lut(&dominant, &brand, a.strength, 33);
            let title = format!(
                "darkroom grade toward {} (strength {})",
                b.display(),
                a.strength
            );
            (
                Cube {
                    title: Some(title),
                    lut1d: None,
                    lut3d: Some(lut),
                },
                format!("brand {}", b.display()),
            )
        }
        (None, Some(l)) => {
            if a.export_lut.is_some() {
                return Err(Fail::Input(
                    "--export-lut goes with --brand (a LUT given with --lut is already a file)"
                        .into(),
                ));
            }
            let text = std::fs::read_to_string(l)
                .map_err(|e| Fail::Input(format!("cannot read `{}`: {e}", l.display())))?;
            (
                Cube::parse(&text, &l.display().to_string()).map_err(Fail::input)?,
                format!("lut {}", l.display()),
            )
        }
        _ => return Err(Fail::Input("give --brand FILE or --lut FILE.cube".into())),
    };
    if let Some(out) = &a.export_lut {
        std::fs::write(out, cube.to_cube_string())
            .map_err(|e| Fail::Input(format!("cannot write `{}`: {e}", out.display())))?;
    }
    cube.apply_rgb8(&mut img.rgb, interp);
    if graded_brand.is_some() {
        for (label, rgb, target) in &report {
            let mut px = [rgb.r, rgb.g, rgb.b];
            cube.apply_rgb8(&mut px, interp);
            let before = darkroom_color::Lab::from_rgb8(*rgb);
            let after = darkroom_color::Lab::from_rgb8(darkroom_color::Rgb8 {
                r: px[0],
                g: px[1],
                b: px[2],
            });
            match target {
                Some(t) => eprintln!(
                    "  {label}: ΔE00 to it {:.1} → {:.1}",
                    darkroom_color::de2000(before, *t),
                    darkroom_color::de2000(after, *t)
                ),
                None => eprintln!(
                    "  {label}: moved ΔE00 {:.1}",
                    darkroom_color::de2000(before, after)
                ),
            }
        }
    }
    write_png_alpha(
        &a.output,
        &img,
        alpha.as_deref(),
        &[
            ("Software", "darkroom grade"),
            ("source", &a.image.display().to_string()),
            ("grade", &what),
        ],
    )?;
    eprintln!(
        "wrote {} ({}x{}, graded with {what})",
        a.output.display(),
        img.width,
        img.height
    );
    a.cred.mark(
        &a.image,
        &a.output,
        Step::local(StepKind::Graded, format!("graded with {what}")),
    )?;
    Ok(ExitCode::SUCCESS)
}

/// Where a finishing operation runs: locally, or on a provider a campaign defines.
#[derive(clap::Args)]
pub struct Via {
    /// Run on this provider of `--campaign` instead of locally (stability: upscale, extend,
    /// inpaint; a1111: upscale, inpaint).
    #[arg(long, requires = "campaign")]
    provider: Option<String>,
    /// The campaign file that defines `--provider` (its kind, model, key variable, endpoint).
    #[arg(long, requires = "provider")]
    campaign: Option<PathBuf>,
    /// What the new pixels should show, for providers that take a prompt.
    #[arg(long, default_value = "")]
    prompt: String,
    /// Seed for the provider.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    #[command(flatten)]
    cred: Credentials,
}

/// A provider's result and its provenance (`provider`, `model`, `credits`, `usd`).
type Remote = (RgbImage, Vec<(String, String)>);

/// Runs `op` on `image` at `want` on the provider `via` names: `Ok(None)` when `via` names
/// none (run locally), else the result and a line describing what it cost.
fn remote(via: &Via, image: &Path, op: Op, want: (u32, u32)) -> Result<Option<Remote>, Fail> {
    let (Some(name), Some(file)) = (&via.provider, &via.campaign) else {
        return Ok(None);
    };
    let c = match super::io::read_campaign(file) {
        Ok(c) => c,
        Err(Fail::Said(_)) => {
            return Err(Fail::Input(format!(
                "campaign `{}` has errors; run `darkroom check {}`",
                file.display(),
                file.display()
            )))
        }
        Err(e) => return Err(e),
    };
    let Some(entry) = c.providers.get(name) else {
        let names: Vec<&str> = c.providers.keys().map(String::as_str).collect();
        return Err(Fail::Input(format!(
            "--provider `{name}`: `{}` defines no such provider; it has: {}",
            file.display(),
            names.join(", ")
        )));
    };
    let p = darkroom_providers::build::provider(name, entry).map_err(Fail::input)?;
    if !p.supports(&op) {
        // Who can, from the catalogue.
        let able: Vec<&str> = darkroom_core::ProviderKind::ALL
            .into_iter()
            .filter(|k| {
                let can = darkroom_core::catalog::capabilities(*k, "");
                match &op {
                    Op::Outpaint => can.outpaint,
                    Op::Upscale { .. } => can.upscale,
                    Op::Inpaint { .. } => can.inpaint,
                    Op::Generate => true,
                }
            })
            .map(|k| k.as_str())
            .collect();
        return Err(Fail::Input(format!(
            "--provider `{name}` (kind {}) cannot {}; providers of kind {} can",
            entry.kind.as_str(),
            op.as_str(),
            able.join(", ")
        )));
    }
    let src = read_image(image)?;
    let png = darkroom_imageops::encode_png(src.width, src.height, &src.rgb, &[])
        .map_err(|e| Fail::Internal(e.into()))?;
    let op_name = op.as_str();
    let req = Request {
        prompt: via.prompt.clone(),
        seed: via.seed,
        width: want.0,
        height: want.1,
        quality: darkroom_core::Quality::Finish,
        reference: Some(png),
        op,
    };
    // Through the engine: reserved against the campaign's budget, retried by error class,
    // booked in its ledger (tier `fix`); the same fix asked again is not paid again.
    let g = darkroom_engine::fix::fix(c, Path::new(""), name, req).map_err(Fail::engine)?;
    let cost = g.cost;
    if g.reused {
        eprintln!(
            "{name}: the same {} was made earlier (attempt {} in the campaign's ledger); not paid again",
            op_name, g.attempt
        );
    }
    let out = darkroom_imageops::decode_png(&g.png, name, 1 << 28).map_err(Fail::input)?;
    let meta = vec![
        ("provider".to_string(), name.clone()),
        (
            "model".to_string(),
            g.model_version.clone().unwrap_or_default(),
        ),
        ("credits".to_string(), format!("{:.2}", cost.credits)),
        ("usd".to_string(), format!("{:.4}", cost.usd)),
    ];
    Ok(Some((out, meta)))
}

fn describe(meta: &[(String, String)]) -> String {
    let get = |k: &str| meta.iter().find(|m| m.0 == k).map_or("", |m| m.1.as_str());
    format!(
        "{} via {}, {} credits = ${}",
        get("model"),
        get("provider"),
        get("credits"),
        get("usd")
    )
}

fn write_remote(
    output: &Path,
    image: &Path,
    software: &str,
    img: &RgbImage,
    meta: &[(String, String)],
) -> Result<(), Fail> {
    let src = image.display().to_string();
    let mut all: Vec<(&str, &str)> = vec![("Software", software), ("source", &src)];
    all.extend(meta.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    write_png(output, img, &all)?;
    eprintln!(
        "wrote {} ({}x{}, {})",
        output.display(),
        img.width,
        img.height,
        describe(meta)
    );
    Ok(())
}

/// `darkroom upscale`.
#[derive(clap::Args)]
pub struct UpscaleArgs {
    /// The image.
    image: PathBuf,
    /// Target: a factor (2x, 1.5x), a long side (2K, 4K, 3000) or exact WxH.
    #[arg(long)]
    to: String,
    /// Output PNG.
    #[arg(short, long)]
    output: PathBuf,
    /// The provider's upscaler (stability: fast, conservative, creative; a1111: an upscaler
    /// such as "R-ESRGAN 4x+"); the provider's default when omitted.
    #[arg(long, requires = "provider")]
    mode: Option<String>,
    #[command(flatten)]
    via: Via,
}

fn target_size(to: &str, w: u32, h: u32) -> Result<(u32, u32), Fail> {
    let bad = |why: &str| {
        Fail::Input(format!("invalid --to `{to}`: {why}; accepted: a factor like 2x, a long side like 4K or 3000, or WxH"))
    };
    let t = to.trim().to_ascii_lowercase();
    let (nw, nh) = if let Some(f) = t.strip_suffix('x').filter(|f| !f.contains('x')) {
        let f: f64 = f.parse().map_err(|_| bad("not a number before `x`"))?;
        if !(f > 0.0 && f <= 16.0) {
            return Err(bad("the factor must be in (0, 16]"));
        }
        (
            (f64::from(w) * f).round() as u32,
            (f64::from(h) * f).round() as u32,
        )
    } else {
        let s: darkroom_core::SizeSpec = t
            .parse()
            .map_err(|e: darkroom_core::ValueError| Fail::Input(e.to_string()))?;
        let aspect = Aspect {
            w: f64::from(w),
            h: f64::from(h),
        };
        darkroom_core::resolve_dims(
            s,
            match s {
                darkroom_core::SizeSpec::LongSide(_) => Some(aspect),
                darkroom_core::SizeSpec::Exact { .. } => None,
            },
        )
        .map_err(Fail::input)?
    };
    if nw == 0 || nh == 0 || nw > darkroom_core::MAX_SIDE || nh > darkroom_core::MAX_SIDE {
        return Err(bad(&format!(
            "the result {nw}x{nh} is outside 1..={} per side",
            darkroom_core::MAX_SIDE
        )));
    }
    Ok((nw, nh))
}

/// Runs `upscale`.
pub fn upscale(a: UpscaleArgs) -> Result<ExitCode, Fail> {
    check_png_out(&a.output)?;
    let (img, alpha) = read_image_with_alpha(&a.image)?;
    let (w, h) = target_size(&a.to, img.width, img.height)?;
    let op = Op::Upscale {
        mode: a.mode.clone().unwrap_or_default(),
    };
    if let Some((out, meta)) = remote(&a.via, &a.image, op, (w, h))? {
        write_remote(&a.output, &a.image, "darkroom upscale", &out, &meta)?;
        let step = remote_step(StepKind::Resized, format!("upscaled to {w}x{h}"), &meta);
        a.via.cred.mark(&a.image, &a.output, step)?;
        return Ok(ExitCode::SUCCESS);
    }
    let out = darkroom_imageops::resize::lanczos3(&img, w, h);
    let alpha = alpha.map(|al| darkroom_imageops::alpha::resize(&al, img.width, img.height, w, h));
    write_png_alpha(
        &a.output,
        &out,
        alpha.as_deref(),
        &[
            ("Software", "darkroom upscale"),
            ("source", &a.image.display().to_string()),
            ("filter", "lanczos3"),
        ],
    )?;
    eprintln!(
        "wrote {} ({w}x{h}, Lanczos3 from {}x{})",
        a.output.display(),
        img.width,
        img.height
    );
    let step = Step::local(StepKind::Resized, format!("upscaled to {w}x{h} (Lanczos3)"));
    a.via.cred.mark(&a.image, &a.output, step)?;
    Ok(ExitCode::SUCCESS)
}

/// `darkroom extend`.
#[derive(clap::Args)]
pub struct ExtendArgs {
    /// The image.
    image: PathBuf,
    /// Target aspect ratio W:H, e.g. 21:9 or 9:16.
    #[arg(long)]
    aspect: String,
    /// Output PNG.
    #[arg(short, long)]
    output: PathBuf,
    /// Extend the whole image even for a large change of aspect (by default a 16:9 image made
    /// 9:16 is first cropped toward its subject, so the subject is not left small).
    #[arg(long)]
    keep_whole: bool,
    #[command(flatten)]
    via: Via,
}

/// Runs `extend`.
pub fn extend(a: ExtendArgs) -> Result<ExitCode, Fail> {
    let aspect: Aspect = a.aspect.parse().map_err(Fail::input)?;
    check_png_out(&a.output)?;
    let (img, alpha) = read_image_with_alpha(&a.image)?;
    let (nw, nh, _, _) =
        darkroom_imageops::fill::extend_geometry(img.width, img.height, aspect.ratio());
    if nw > darkroom_core::MAX_SIDE || nh > darkroom_core::MAX_SIDE {
        return Err(Fail::Input(format!(
            "extending {}x{} to {aspect} gives {nw}x{nh}, over {} px per side",
            img.width,
            img.height,
            darkroom_core::MAX_SIDE
        )));
    }
    if let Some((out, meta)) = remote(&a.via, &a.image, Op::Outpaint, (nw, nh))? {
        write_remote(&a.output, &a.image, "darkroom extend", &out, &meta)?;
        let step = remote_step(StepKind::Extended, format!("extended to {aspect}"), &meta);
        a.via.cred.mark(&a.image, &a.output, step)?;
        return Ok(ExitCode::SUCCESS);
    }
    // A large change of aspect crops toward the subject first (unless --keep-whole), so the
    // subject is not left small in a sea of new background.
    let cut = (!a.keep_whole)
        .then(|| darkroom_imageops::fill::reframe_crop(&img, aspect.ratio()))
        .flatten();
    let (img, alpha) = match cut {
        Some(r) => {
            let (x, y, cw, ch) = r;
            let alpha = alpha.map(|al| {
                let mut out = Vec::with_capacity(cw as usize * ch as usize);
                for row in y..y + ch {
                    let from = (row * img.width + x) as usize;
                    out.extend_from_slice(&al[from..from + cw as usize]);
                }
                out
            });
            eprintln!(
                "cropped to {cw}x{ch} around the subject before extending (a {} change of aspect; --keep-whole extends the whole image)",
                if img.width > img.height { "wide-to-tall" } else { "tall-to-wide" }
            );
            (darkroom_imageops::fill::crop(&img, r), alpha)
        }
        None => (img, alpha),
    };
    let out = darkroom_imageops::fill::extend(&img, aspect.ratio());
    let alpha = alpha
        .map(|al| darkroom_imageops::alpha::extend(&al, img.width, img.height, aspect.ratio()));
    write_png_alpha(
        &a.output,
        &out,
        alpha.as_deref(),
        &[
            ("Software", "darkroom extend"),
            ("source", &a.image.display().to_string()),
            ("aspect", &a.aspect),
        ],
    )?;
    eprintln!(
        "wrote {} ({}x{}, extended from {}x{})",
        a.output.display(),
        out.width,
        out.height,
        img.width,
        img.height
    );
    let step = Step::local(
        StepKind::Extended,
        format!("extended to {aspect} by darkroom's local fill"),
    );
    a.via.cred.mark(&a.image, &a.output, step)?;
    Ok(ExitCode::SUCCESS)
}

/// `darkroom inpaint`.
#[derive(clap::Args)]
pub struct InpaintArgs {
    /// The image.
    image: PathBuf,
    /// Mask image of the same size: light pixels (luma ≥ 128) are repainted.
    #[arg(long)]
    mask: PathBuf,
    /// Output PNG.
    #[arg(short, long)]
    output: PathBuf,
    #[command(flatten)]
    via: Via,
}

fn mask_of(m: &RgbImage, img: &RgbImage, path: &Path) -> Result<Vec<bool>, Fail> {
    if (m.width, m.height) != (img.width, img.height) {
        return Err(Fail::Input(format!(
            "mask `{}` is {}x{} but the image is {}x{}; they must match",
            path.display(),
            m.width,
            m.height,
            img.width,
            img.height
        )));
    }
    Ok(m.rgb
        .chunks_exact(3)
        .map(|p| 299 * u32::from(p[0]) + 587 * u32::from(p[1]) + 114 * u32::from(p[2]) >= 128_000)
        .collect())
}

/// Runs `inpaint`.
pub fn inpaint(a: InpaintArgs) -> Result<ExitCode, Fail> {
    check_png_out(&a.output)?;
    let img = read_image(&a.image)?;
    let m = read_image(&a.mask)?;
    let mask = mask_of(&m, &img, &a.mask)?;
    let holes = mask.iter().filter(|&&x| x).count();
    // Providers take the mask as an image: white repaints, black keeps.
    let bw: Vec<u8> = mask
        .iter()
        .flat_map(|&x| if x { [255u8; 3] } else { [0u8; 3] })
        .collect();
    let mask_png = darkroom_imageops::encode_png(img.width, img.height, &bw, &[])
        .map_err(|e| Fail::Internal(e.into()))?;
    let op = Op::Inpaint { mask: mask_png };
    if let Some((out, meta)) = remote(&a.via, &a.image, op, (img.width, img.height))? {
        write_remote(&a.output, &a.image, "darkroom inpaint", &out, &meta)?;
        let step = remote_step(
            StepKind::Inpainted,
            "repainted the masked part".to_string(),
            &meta,
        );
        a.via.cred.mark(&a.image, &a.output, step)?;
        return Ok(ExitCode::SUCCESS);
    }
    let out = darkroom_imageops::fill::inpaint(&img, &mask);
    write_png(
        &a.output,
        &out,
        &[
            ("Software", "darkroom inpaint"),
            ("source", &a.image.display().to_string()),
        ],
    )?;
    eprintln!(
        "wrote {} ({}x{}, {holes} pixels repainted)",
        a.output.display(),
        out.width,
        out.height
    );
    let step = Step::local(
        StepKind::Inpainted,
        format!("{holes} masked pixels repainted by darkroom's local fill"),
    );
    a.via.cred.mark(&a.image, &a.output, step)?;
    Ok(ExitCode::SUCCESS)
}

/// `darkroom typeset`.
#[derive(clap::Args)]
pub struct TypesetArgs {
    /// The image.
    image: PathBuf,
    /// The words to set (`\n` breaks a line).
    #[arg(long)]
    text: String,
    /// The box, `x0,y0,x1,y1` in 0..1 of the picture's safe area (its middle 90 %), as a
    /// campaign's `text = [{ box = … }]`.
    #[arg(long = "box", default_value = "0.08,0.72,0.92,0.92")]
    rect: String,
    /// A TTF/OTF file; the bundled DejaVu Sans Bold when omitted.
    #[arg(long)]
    font: Option<PathBuf>,
    /// Any CSS colour (`#1F4ED8`, `white`, `rgb(…)`).
    #[arg(long, default_value = "white")]
    color: String,
    /// left, center or right.
    #[arg(long, default_value = "center")]
    align: String,
    /// Output PNG.
    #[arg(short, long)]
    output: PathBuf,
    #[command(flatten)]
    cred: Credentials,
}

/// Parses `x0,y0,x1,y1` in 0..1.
fn parse_box(s: &str) -> Result<[f64; 4], Fail> {
    let bad = || {
        Fail::Input(format!(
            "invalid --box `{s}`: expected x0,y0,x1,y1, four numbers in 0..1 (left, top, right, bottom) with x0 < x1 and y0 < y1"
        ))
    };
    let v: Vec<f64> = s
        .split(',')
        .map(|x| x.trim().parse::<f64>().map_err(|_| bad()))
        .collect::<Result<_, _>>()?;
    match v.as_slice() {
        [a, b, c, d] if [a, b, c, d].iter().all(|x| (0.0..=1.0).contains(*x)) && a < c && b < d => {
            Ok([*a, *b, *c, *d])
        }
        _ => Err(bad()),
    }
}

/// `darkroom typeset`: sets a text on an image, fitted to its box, with the contrast check.
pub fn typeset(a: TypesetArgs) -> Result<ExitCode, Fail> {
    check_png_out(&a.output)?;
    let rect = parse_box(&a.rect)?;
    let align: darkroom_core::text::Align = a
        .align
        .parse()
        .map_err(|e: String| Fail::Input(format!("--align: {e}")))?;
    let color = darkroom_color::css::parse_color(&a.color)
        .map_err(|e| Fail::Input(format!("--color: {e}")))?
        .to_rgb8();
    let font = match &a.font {
        Some(p) => darkroom_typeset::Font::open(p).map_err(Fail::input)?,
        None => darkroom_typeset::Font::bundled(),
    };
    let content = a.text.replace("\\n", "\n");
    let (mut img, alpha) = read_image_with_alpha(&a.image)?;
    let px = darkroom_engine::text::safe_rect(rect, img.width, img.height);
    let mut canvas = darkroom_typeset::Canvas {
        width: img.width,
        height: img.height,
        rgb: &mut img.rgb,
    };
    let set = darkroom_typeset::typeset(
        &mut canvas,
        &darkroom_typeset::Spec {
            content: &content,
            rect: px,
            font: &font,
            color,
            align,
        },
    )
    .map_err(Fail::input)?;
    let step = format!(
        "{:?} in {} at {:.0} px, {} line(s), {}",
        content,
        font.name(),
        set.layout.size,
        set.layout.lines.len(),
        color.to_hex()
    );
    write_png_alpha(
        &a.output,
        &img,
        alpha.as_deref(),
        &[
            ("Software", "darkroom typeset"),
            ("source", &a.image.display().to_string()),
            ("typeset", &step),
        ],
    )?;
    let plate = match set.plate {
        Some((c, _)) => format!(
            "; contrast {:.1}:1 behind it was under {}:1, so a {} plate went behind it ({:.1}:1 now)",
            set.contrast,
            set.needed,
            if c.r == 0 { "dark" } else { "light" },
            set.contrast_after
        ),
        None => format!("; contrast {:.1}:1", set.contrast),
    };
    eprintln!("wrote {}: {step}{plate}", a.output.display());
    if let Some(w) = set.warning {
        eprintln!("warning: {w}");
    }
    a.cred
        .mark(&a.image, &a.output, Step::local(StepKind::Typeset, step))?;
    Ok(ExitCode::SUCCESS)
}
