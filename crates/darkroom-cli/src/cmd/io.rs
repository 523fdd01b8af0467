//! Shared file handling for the image commands: reading images and brand files with errors
//! that name the file, and writing PNGs with provenance metadata.

use std::path::Path;

use darkroom_color::brand::{Brand, BrandSpec};
use darkroom_imageops::{Limits, RgbImage};

use crate::fail::Fail;

/// Reads an image (PNG, JPEG, WebP) within the default limits.
pub fn read_image(path: &Path) -> Result<RgbImage, Fail> {
    darkroom_imageops::read_image(path, Limits::default()).map_err(Fail::input)
}

/// Writes a PNG; only `.png` outputs are supported, checked before any work by [`check_png_out`].
pub fn write_png(path: &Path, img: &RgbImage, meta: &[(&str, &str)]) -> Result<(), Fail> {
    let bytes = darkroom_imageops::encode_png(img.width, img.height, &img.rgb, meta)
        .map_err(|e| Fail::Internal(e.into()))?;
    std::fs::write(path, bytes)
        .map_err(|e| Fail::Input(format!("cannot write `{}`: {e}", path.display())))
}

/// Reads an image and its alpha channel (`None` when opaque) in one decode.
pub fn read_image_with_alpha(path: &Path) -> Result<(RgbImage, Option<Vec<u8>>), Fail> {
    darkroom_imageops::read_image_with_alpha(path, Limits::default()).map_err(Fail::input)
}

/// Writes a PNG, with an alpha channel when the source had one (RGBA), else RGB.
pub fn write_png_alpha(
    path: &Path,
    img: &RgbImage,
    alpha: Option<&[u8]>,
    meta: &[(&str, &str)],
) -> Result<(), Fail> {
    let Some(alpha) = alpha else {
        return write_png(path, img, meta);
    };
    let bytes = darkroom_imageops::encode_png_rgba(img.width, img.height, &img.rgb, alpha, meta)
        .map_err(|e| Fail::Internal(e.into()))?;
    std::fs::write(path, bytes)
        .map_err(|e| Fail::Input(format!("cannot write `{}`: {e}", path.display())))
}

/// Fails early when an output path is not a `.png` in an existing folder.
pub fn check_png_out(path: &Path) -> Result<(), Fail> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    if ext.as_deref() != Some("png") {
        return Err(Fail::Input(format!(
            "output `{}` must end in .png (the only format written)",
            path.display()
        )));
    }
    check_writable(path)
}

/// Reads a campaign file; every problem in it is printed (one line each) and the command ends
/// with exit 2 ([`Fail::Said`]).
pub fn read_campaign(path: &Path) -> Result<darkroom_campaign::Campaign, Fail> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| Fail::Input(format!("cannot read campaign `{name}`: {e}")))?;
    let c = darkroom_campaign::load(&text, &name).map_err(|d| {
        for line in d.to_string().lines() {
            eprintln!("error: {line}");
        }
        eprintln!("{} problem(s) in {name}", d.items.len());
        Fail::Said(std::process::ExitCode::from(2))
    })?;
    from_environment(c)
}

/// A campaign with what the environment says over its file: `DARKROOM_LEDGER` (a connection
/// string may carry its password there, never in the file) and `DARKROOM_STORE`, checked as
/// the file's keys are (never a file path by accident; never keys in a bucket URL). Both are
/// checked before either is refused, and a refusal prints the value masked.
pub fn from_environment(
    mut c: darkroom_campaign::Campaign,
) -> Result<darkroom_campaign::Campaign, Fail> {
    use darkroom_core::dsn;
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let mut problems = Vec::new();
    if let Some(url) = var("DARKROOM_LEDGER") {
        match dsn::check_ledger(&url, dsn::Origin::Environment) {
            Ok(()) => c.ledger = Some(url),
            Err(why) => problems.push(format!("DARKROOM_LEDGER `{}`: {why}", dsn::mask(&url))),
        }
    }
    if let Some(url) = var("DARKROOM_STORE") {
        match dsn::check_store(&url) {
            Ok(()) => c.store = Some(url),
            Err(why) => problems.push(format!("DARKROOM_STORE `{}`: {why}", dsn::mask(&url))),
        }
    }
    if problems.is_empty() {
        Ok(c)
    } else {
        Err(Fail::Input(problems.join("; ")))
    }
}

/// Reads a campaign that has run and opens its ledger (for `status`, `review`, `recipe`,
/// `audit judges --human`): problems as one line, and a clear error when it has not run yet.
pub fn campaign_ledger(
    path: &Path,
) -> Result<(darkroom_campaign::Campaign, darkroom_ledger::Ledger), Fail> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| Fail::Input(format!("cannot read campaign `{name}`: {e}")))?;
    let c = darkroom_campaign::load(&text, &name)
        .map_err(|d| Fail::Input(d.to_string().replace('\n', "; ")))?;
    let c = from_environment(c)?;
    let db = darkroom_engine::ledger_location(&c, std::path::Path::new(&c.output));
    if !db.exists() {
        return Err(Fail::Input(format!(
            "no ledger at `{db}`: the campaign has not run yet (darkroom run {name})"
        )));
    }
    let l = darkroom_ledger::Ledger::open_at(&db, &c.name).map_err(Fail::input)?;
    Ok((c, l))
}

/// Reads a brand file: the `[brand]` table of a campaign, or a file holding just its keys.
/// TOML errors are reported as `file:line:col: message`.
pub fn read_brand(path: &Path) -> Result<Brand, Fail> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| Fail::Input(format!("cannot read brand file `{name}`: {e}")))?;
    let where_ = |e: &toml::de::Error| -> String {
        match e.span() {
            Some(sp) => {
                let before = &text[..sp.start.min(text.len())];
                let line = before.matches('\n').count() + 1;
                let col = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
                format!("{name}:{line}:{col}: {}", e.message())
            }
            None => format!("{name}: {}", e.message()),
        }
    };
    // A campaign file is a brand file too: its `[brand]` table is taken, the other tables
    // (campaign, providers, shots…) are another command's business.
    #[derive(serde::Deserialize)]
    struct File {
        brand: BrandSpec,
    }
    let table: toml::Table = toml::from_str(&text).map_err(|e| Fail::Input(where_(&e)))?;
    let spec: BrandSpec = if table.contains_key("brand") {
        toml::from_str::<File>(&text)
            .map_err(|e| Fail::Input(where_(&e)))?
            .brand
    } else {
        toml::from_str(&text).map_err(|e| Fail::Input(where_(&e)))?
    };
    Brand::from_spec(&spec).map_err(|errs| Fail::Input(format!("{name}: {}", errs.join("; "))))
}

/// Fails early when a file cannot be created in its folder.
pub fn check_writable(path: &Path) -> Result<(), Fail> {
    let parent = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if !parent.is_dir() {
        return Err(Fail::Input(format!(
            "cannot write `{}`: folder `{}` does not exist",
            path.display(),
            parent.display()
        )));
    }
    Ok(())
}
