//! 2D overlays drawn after tracing: labels on stand-ins (so a preview of "a fire hydrant" says
//! what the box is) and the text of signs, fitted to the sign's face as seen by the camera, both
//! in the bundled font (antialiased), which OCR reads and a person takes for lettering.

use darkroom_color::Rgb8;
use darkroom_typeset::{Align, Canvas, Font, Layout, Line};

use crate::layout::Object;
use crate::math::v3;
use crate::stage::Stage;
use crate::Image;

fn to_px(img: &Image, nx: f32, ny: f32) -> (f32, f32) {
    (
        (nx + 1.0) * 0.5 * img.width as f32,
        (1.0 - ny) * 0.5 * img.height as f32,
    )
}

/// The font size at which a capital is `7 s` pixels tall: the label grid is in units of `s`.
fn em(s: i64) -> f32 {
    7.0 * s as f32 / Font::bundled().cap_height(1.0)
}

/// Draws `text` in the bundled font with its capitals' top-left at `(x, y)`, capitals `7 s`
/// pixels tall.
fn text(img: &mut Image, x: i64, y: i64, s: i64, t: &str, c: [u8; 3]) {
    let layout = Layout {
        size: em(s),
        lines: vec![Line {
            text: t.to_string(),
            x: x as f32,
            baseline: (y + 7 * s) as f32,
        }],
    };
    let mut canvas = Canvas {
        width: img.width,
        height: img.height,
        rgb: &mut img.rgb,
    };
    darkroom_typeset::draw(
        &mut canvas,
        &Font::bundled(),
        &layout,
        Rgb8::new(c[0], c[1], c[2]),
    );
}

fn text_width(t: &str, s: i64) -> i64 {
    Font::bundled().measure(t, em(s)).ceil() as i64
}

/// Draws labels and sign text.
pub(crate) fn draw(img: &mut Image, objects: &[Object], stage: &Stage) {
    let cam = &stage.cam;
    labels(img, objects, stage);
    for o in objects {
        if let Some((content, a, b)) = &o.text {
            let corners = [*a, *b, v3(a.x, b.y, a.z), v3(b.x, a.y, b.z)];
            let pts: Vec<(f32, f32)> = corners
                .iter()
                .filter_map(|&c| cam.project(c))
                .map(|(x, y)| to_px(img, x, y))
                .collect();
            if pts.len() == 4 {
                let (x0, x1) = pts
                    .iter()
                    .fold((f32::INFINITY, f32::NEG_INFINITY), |(l, h), p| {
                        (l.min(p.0), h.max(p.0))
                    });
                let (y0, y1) = pts
                    .iter()
                    .fold((f32::INFINITY, f32::NEG_INFINITY), |(l, h), p| {
                        (l.min(p.1), h.max(p.1))
                    });
                // The lettering fills the face's middle, as a sign painter would set it.
                let (bw, bh) = (x1 - x0, y1 - y0);
                let rect = [
                    x0 + bw * 0.075,
                    y0 + bh * 0.2,
                    x1 - bw * 0.075,
                    y1 - bh * 0.2,
                ];
                let font = Font::bundled();
                if let Ok(layout) = darkroom_typeset::fit(&font, content, rect, Align::Center) {
                    let mut canvas = Canvas {
                        width: img.width,
                        height: img.height,
                        rgb: &mut img.rgb,
                    };
                    // Dark or light lettering, whichever reads better on the face.
                    let face = darkroom_typeset::ink_bounds(&font, &layout);
                    let (dark, light) = (Rgb8::new(0x1A, 0x1A, 0x1A), Rgb8::new(0xF4, 0xF4, 0xF4));
                    let ink = if darkroom_typeset::contrast(&canvas, face, dark)
                        >= darkroom_typeset::contrast(&canvas, face, light)
                    {
                        dark
                    } else {
                        light
                    };
                    darkroom_typeset::draw(&mut canvas, &font, &layout, ink);
                }
            }
        }
    }
}

/// A label's placed box, in pixels: `[x0, y0, x1, y1)`.
type Rect = [i64; 4];

fn overlaps(a: &Rect, b: &Rect) -> bool {
    a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3]
}

/// Dark or light text, whichever stands out from most of the pixels it is drawn over (the
/// median, so a dark object's edge under a label on a light one does not decide it).
fn ink(img: &Image, r: &Rect) -> [u8; 3] {
    let (w, h) = (img.width as i64, img.height as i64);
    let mut lum = Vec::new();
    for y in r[1].max(0)..r[3].min(h) {
        for x in r[0].max(0)..r[2].min(w) {
            let i = (y * w + x) as usize * 3;
            let p = &img.rgb[i..i + 3];
            lum.push(
                0.2126 * f64::from(p[0]) + 0.7152 * f64::from(p[1]) + 0.0722 * f64::from(p[2]),
            );
        }
    }
    lum.sort_by(f64::total_cmp);
    if lum.get(lum.len() / 2).is_some_and(|m| *m < 110.0) {
        [0xF2, 0xF2, 0xF2]
    } else {
        [0x1E, 0x1E, 0x1E]
    }
}

/// Stand-in labels ("what the box is"), placed so that none overlaps another: each goes above
/// its object, or a row higher, or shortened to its object's width; one that still has no room
/// is dropped and listed, with how many, in a legend in the bottom-left corner. Labels are bare
/// text in whichever of dark or light ink contrasts with what is behind them — no filled plate,
/// which a judge would read as one more (white) object in the scene.
fn labels(img: &mut Image, objects: &[Object], stage: &Stage) {
    let cam = &stage.cam;
    let s = (img.height.min(img.width) as i64 / 220).max(1);
    let row = 7 * s + 3 * s;
    let mut placed: Vec<(Rect, String)> = Vec::new();
    let mut dropped: Vec<String> = Vec::new();
    for o in objects {
        let Some(label) = &o.label else { continue };
        let (lo, hi) = o.bounds;
        let top = v3((lo.x + hi.x) / 2.0, hi.y, lo.z);
        let Some((nx, ny)) = cam.project(top) else {
            continue;
        };
        let (px, py) = to_px(img, nx, ny);
        // The object's width on screen: a shortened label fits within it.
        let width = [v3(lo.x, hi.y, lo.z), v3(hi.x, hi.y, lo.z)]
            .iter()
            .filter_map(|&c| cam.project(c))
            .map(|(x, y)| to_px(img, x, y).0)
            .fold((f32::INFINITY, f32::NEG_INFINITY), |(l, h), x| {
                (l.min(x), h.max(x))
            });
        let room = ((width.1 - width.0).max(0.0) as i64 / (6 * s)).max(3) as usize;
        let short = shorten(label, room);
        // Nearest its object first: whole, then shortened, then a row higher.
        let mut candidates = Vec::new();
        for lift in 0..3 {
            for text in [label.clone(), short.clone()] {
                candidates.push((text, lift));
            }
        }
        let fit = candidates.into_iter().find_map(|(text, lift)| {
            let tw = text_width(&text, s);
            let x0 = px as i64 - tw / 2 - s;
            let y0 = py as i64 - 7 * s - 3 * s - lift * row;
            let r = [x0, y0, x0 + tw + 2 * s, y0 + 7 * s + 2 * s];
            let inside = r[0] >= 0 && r[1] >= 0 && r[2] <= img.width as i64;
            // Kept a glyph apart from every placed label, so two never read as one.
            let spaced = [r[0] - 3 * s, r[1] - s, r[2] + 3 * s, r[3] + s];
            (inside && !placed.iter().any(|(p, _)| overlaps(p, &spaced))).then_some((r, text))
        });
        match fit {
            Some(p) => placed.push(p),
            None => dropped.push(label.clone()),
        }
    }
    for (r, t) in &placed {
        haloed(img, r, s, t);
    }
    if dropped.is_empty() {
        return;
    }
    // The legend: each dropped label once, with how many objects it names.
    let mut counts: Vec<(String, usize)> = Vec::new();
    for d in dropped {
        match counts.iter_mut().find(|(t, _)| *t == d) {
            Some(e) => e.1 += 1,
            None => counts.push((d, 1)),
        }
    }
    let lines: Vec<String> = counts
        .into_iter()
        .map(|(t, n)| if n > 1 { format!("{n} X {t}") } else { t })
        .collect();
    let h = img.height as i64;
    for (k, line) in lines.iter().rev().enumerate() {
        let y = h - (k as i64 + 1) * row;
        let r = [s, y, s + text_width(line, s) + 2 * s, y + 7 * s + 2 * s];
        haloed(img, &r, s, line);
    }
}

/// Text in the ink that contrasts with most of what is behind it, outlined one pixel wide in
/// the other ink, so it stays readable where it crosses an edge.
fn haloed(img: &mut Image, r: &Rect, s: i64, t: &str) {
    let c = ink(img, r);
    let halo = if c[0] > 128 {
        [0x1E, 0x1E, 0x1E]
    } else {
        [0xF2, 0xF2, 0xF2]
    };
    for (dx, dy) in [(-1, 0), (1, 0), (0, -1), (0, 1)] {
        text(img, r[0] + s + dx, r[1] + s + dy, s, t, halo);
    }
    text(img, r[0] + s, r[1] + s, s, t, c);
}

/// `label` cut to at most `room` characters: its first words that fit, or its first letters
/// and a full stop.
fn shorten(label: &str, room: usize) -> String {
    if label.chars().count() <= room {
        return label.to_string();
    }
    let mut out = String::new();
    for w in label.split(' ') {
        let next = if out.is_empty() {
            w.to_string()
        } else {
            format!("{out} {w}")
        };
        if next.chars().count() > room {
            break;
        }
        out = next;
    }
    if out.is_empty() {
        out = label.chars().take(room.saturating_sub(1).max(1)).collect();
        out.push('.');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shortened_labels_keep_whole_words_or_mark_the_cut() {
        assert_eq!(shorten("GOLDEN RETRIEVER", 20), "GOLDEN RETRIEVER");
        assert_eq!(shorten("GOLDEN RETRIEVER", 10), "GOLDEN");
        assert_eq!(shorten("HYDRANT", 4), "HYD.");
    }

    #[test]
    fn boxes_that_touch_do_not_overlap() {
        assert!(!overlaps(&[0, 0, 10, 10], &[10, 0, 20, 10]));
        assert!(overlaps(&[0, 0, 10, 10], &[9, 9, 20, 20]));
    }
}
