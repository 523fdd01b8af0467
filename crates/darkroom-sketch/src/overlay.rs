//! 2D overlays drawn after tracing: labels on stand-ins (so a preview of "a fire hydrant" says
//! what the box is) and the text of signs, fitted to the sign's face as seen by the camera.

use crate::font::glyph;
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

fn fill(img: &mut Image, x0: i64, y0: i64, x1: i64, y1: i64, c: [u8; 3]) {
    let (w, h) = (img.width as i64, img.height as i64);
    for y in y0.max(0)..y1.min(h) {
        for x in x0.max(0)..x1.min(w) {
            let i = (y * w + x) as usize * 3;
            img.rgb[i..i + 3].copy_from_slice(&c);
        }
    }
}

/// Draws `text` with its top-left at `(x, y)`, glyph pixels `s` wide.
fn text(img: &mut Image, x: i64, y: i64, s: i64, t: &str, c: [u8; 3]) {
    for (k, ch) in t.chars().enumerate() {
        let Some(g) = glyph(ch).or_else(|| glyph('?')) else {
            continue;
        };
        let gx = x + k as i64 * 6 * s;
        for (row, bits) in g.iter().enumerate() {
            for col in 0..5 {
                if bits & (1 << (4 - col)) != 0 {
                    let px = gx + col * s;
                    let py = y + row as i64 * s;
                    fill(img, px, py, px + s, py + s, c);
                }
            }
        }
    }
}

fn text_width(t: &str, s: i64) -> i64 {
    (t.chars().count() as i64 * 6 - 1) * s
}

/// Draws labels and sign text.
pub(crate) fn draw(img: &mut Image, objects: &[Object], stage: &Stage) {
    let cam = &stage.cam;
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
                let (bw, bh) = (x1 - x0, y1 - y0);
                let n = content.chars().count().max(1) as f32;
                let s = ((bw * 0.85) / (n * 6.0))
                    .min(bh * 0.6 / 7.0)
                    .floor()
                    .max(1.0) as i64;
                let tw = text_width(content, s);
                let tx = ((x0 + x1) / 2.0) as i64 - tw / 2;
                let ty = ((y0 + y1) / 2.0) as i64 - 7 * s / 2;
                text(img, tx, ty, s, content, [0x1A, 0x1A, 0x1A]);
            }
        }
        if let Some(label) = &o.label {
            let (lo, hi) = o.bounds;
            let top = v3((lo.x + hi.x) / 2.0, hi.y, lo.z);
            let Some((nx, ny)) = cam.project(top) else {
                continue;
            };
            let (px, py) = to_px(img, nx, ny);
            let s = (img.height.min(img.width) as i64 / 220).max(1);
            let tw = text_width(label, s);
            let pad = 2 * s;
            let bx = px as i64 - tw / 2 - pad;
            let by = py as i64 - 7 * s - 3 * pad;
            fill(
                img,
                bx,
                by,
                bx + tw + 2 * pad,
                by + 7 * s + 2 * pad,
                [0xF7, 0xF5, 0xEF],
            );
            text(img, bx + pad, by + pad, s, label, [0x22, 0x22, 0x22]);
        }
    }
}
