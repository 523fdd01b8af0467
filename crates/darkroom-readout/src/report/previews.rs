//! What the report keeps of each image between rebuilds: its thumbnail's size and its
//! five-colour palette, by the image's hash (a stored image never changes under its hash, so
//! neither do they). A rebuild finds an image here with its thumbnail still on disk and does not
//! decode it again; only images new since the last build are read. Kept in a small text file
//! beside the report's stamp (`.<stem>.previews`), written after the page; a missing, older or
//! damaged file only means the images are read again.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use darkroom_imageops::{read_image, thumbnail_jpeg, Limits};
use rayon::prelude::*;

use darkroom_color::palette::Swatch;
use darkroom_color::space::Lab;
use darkroom_color::Rgb8;

/// The first line: what made the entries (another thumbnail size or quality makes them stale).
fn header(side: u32, quality: u8) -> String {
    format!("darkroom previews 1 side {side} quality {quality}")
}

/// What is kept of one image: its thumbnail's pixel size and its palette.
pub(super) type Preview = ((u32, u32), Vec<Swatch>);

/// Image hash → its [`Preview`].
pub(super) type Previews = BTreeMap<String, Preview>;

/// Makes the previews of images not kept yet, on every core: each decoded, its thumbnail
/// written into `dir` as `name(hash)`, its palette measured. An image that cannot be read or
/// whose thumbnail cannot be written is left out (the page then tries it again, alone).
pub(super) fn make(
    images: Vec<(String, PathBuf)>,
    dir: &Path,
    (side, quality): (u32, u8),
    name: fn(&str) -> String,
) -> Vec<(String, Preview)> {
    images
        .into_par_iter()
        .filter_map(|(hash, path)| {
            let (bytes, preview) = of_image(&path, (side, quality))?;
            std::fs::write(dir.join(name(&hash)), &bytes).ok()?;
            Some((hash, preview))
        })
        .collect()
}

/// One image's preview, and its thumbnail's encoded bytes: the image decoded once, its
/// thumbnail made and its five-colour palette measured (`None`: it cannot be read).
pub(super) fn of_image(path: &Path, (side, quality): (u32, u8)) -> Option<(Vec<u8>, Preview)> {
    let img = read_image(path, Limits::default()).ok()?;
    let (bytes, size) = thumbnail_jpeg(&img, side, quality);
    let pal =
        darkroom_color::palette::palette(&img.rgb, img.width as usize, img.height as usize, 5);
    Some((bytes, (size, pal)))
}

/// Reads the previews file; empty when there is none or it was made otherwise.
pub(super) fn read(path: &Path, side: u32, quality: u8) -> Previews {
    let Ok(text) = std::fs::read_to_string(path) else {
        return Previews::new();
    };
    let mut lines = text.lines();
    if lines.next() != Some(header(side, quality).as_str()) {
        return Previews::new();
    }
    lines.filter_map(entry).collect()
}

/// One line: `hash w h` then per swatch `L a b r g b share`, tab-separated groups.
fn entry(line: &str) -> Option<(String, Preview)> {
    let mut parts = line.split('\t');
    let mut head = parts.next()?.split(' ');
    let hash = head.next()?.to_string();
    let size = (head.next()?.parse().ok()?, head.next()?.parse().ok()?);
    let swatches = parts
        .map(|p| {
            let v: Vec<&str> = p.split(' ').collect();
            let [l, a, b, r, g, bl, share] = v.as_slice() else {
                return None;
            };
            Some(Swatch {
                lab: Lab {
                    l: l.parse().ok()?,
                    a: a.parse().ok()?,
                    b: b.parse().ok()?,
                },
                rgb: Rgb8 {
                    r: r.parse().ok()?,
                    g: g.parse().ok()?,
                    b: bl.parse().ok()?,
                },
                share: share.parse().ok()?,
            })
        })
        .collect::<Option<Vec<_>>>()?;
    Some((hash, (size, swatches)))
}

/// Writes the previews file through a temporary file and a rename (a reader never sees half of
/// it). Failing to write it costs the next rebuild time, never correctness: the error is
/// returned for the caller to ignore or say.
pub(super) fn write(
    path: &Path,
    side: u32,
    quality: u8,
    previews: &Previews,
) -> std::io::Result<()> {
    let mut out = header(side, quality);
    out.push('\n');
    for (hash, ((w, h), swatches)) in previews {
        out.push_str(&format!("{hash} {w} {h}"));
        for s in swatches {
            // `{}` on an f64 prints the shortest text that reads back as the same number.
            out.push_str(&format!(
                "\t{} {} {} {} {} {} {}",
                s.lab.l, s.lab.a, s.lab.b, s.rgb.r, s.rgb.g, s.rgb.b, s.share
            ));
        }
        out.push('\n');
    }
    let tmp = path.with_extension("previews.tmp");
    std::fs::write(&tmp, out)?;
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn previews_read_back_exactly_and_a_changed_thumbnail_size_drops_them() {
        let dir = std::env::temp_dir().join(format!("darkroom-previews-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(".report.previews");
        let mut p = Previews::new();
        p.insert(
            "abc".into(),
            (
                (240, 180),
                vec![Swatch {
                    lab: Lab {
                        l: 53.240_587_9,
                        a: 80.092_3,
                        b: 0.1 + 0.2,
                    },
                    rgb: Rgb8 { r: 255, g: 0, b: 0 },
                    share: 1.0 / 3.0,
                }],
            ),
        );
        p.insert("empty".into(), ((1, 1), Vec::new()));
        write(&path, 240, 78, &p).unwrap();
        let back = read(&path, 240, 78);
        assert_eq!(back.len(), 2);
        let (size, sw) = &back["abc"];
        assert_eq!(*size, (240, 180));
        assert_eq!(sw[0].lab.b.to_bits(), (0.1f64 + 0.2).to_bits());
        assert_eq!(sw[0].share.to_bits(), (1.0f64 / 3.0).to_bits());
        assert!(back["empty"].1.is_empty());
        assert!(read(&path, 320, 78).is_empty(), "another size: read again");
        std::fs::write(&path, "darkroom previews 1 side 240 quality 78\nabc 1\n").unwrap();
        assert!(read(&path, 240, 78).is_empty(), "a damaged line is dropped");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
