//! `[deliver]`: the file formats and the JPEG quality.

use super::*;

/// Checks `[deliver]`: the formats (PNG by default) and the JPEG quality.
pub(super) fn check(v: &mut V<'_>, node: Option<&Node>) -> (Vec<darkroom_core::FileFormat>, u8) {
    let mut formats = vec![darkroom_core::FileFormat::Png];
    let mut jpeg_quality = 90u8;
    if let Some(d) = node {
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
    (formats, jpeg_quality)
}
