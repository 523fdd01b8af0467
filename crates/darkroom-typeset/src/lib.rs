//! Typesetting: text put on an image by darkroom rather than by a model that cannot spell.
//!
//! A [`Font`] is the bundled DejaVu Sans Bold (Bitstream Vera licence, `fonts/DejaVu-LICENSE.txt`)
//! or any TrueType/OpenType file. [`fit`] finds the largest size at which a text, wrapped at
//! word boundaries, has all its ink inside a box; [`draw`] paints it antialiased (blended in
//! linear light, so a glyph's interior is exactly the asked colour); [`typeset`] does both after
//! a WCAG contrast check against the pixels behind the box, and puts a plate behind the text
//! when it would otherwise be unreadable.
//!
//! This crate owns the font rasteriser (`ab_glyph`); the built-in renderer draws its signs and
//! labels with it too. Nothing here does IO except [`Font::open`].

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use ab_glyph::{Font as _, FontArc, GlyphId, PxScale, ScaleFont};
use darkroom_color::{linear_to_srgb, srgb_to_linear, Rgb8};

/// The bundled default font's name, as records show it.
pub const BUNDLED: &str = "DejaVu Sans Bold (bundled)";

static BUNDLED_BYTES: &[u8] = include_bytes!("../fonts/DejaVuSans-Bold.ttf");

/// What can go wrong setting text.
#[derive(Debug, thiserror::Error)]
pub enum TypesetError {
    /// The font file could not be read.
    #[error("{path}: cannot read the font: {source}")]
    Read {
        /// The font file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not a TrueType/OpenType font.
    #[error("{path}: not a TrueType or OpenType font ({why}); give a .ttf or .otf file")]
    NotAFont {
        /// The font file.
        path: PathBuf,
        /// The parser's complaint.
        why: String,
    },
    /// The font has no glyph for some characters of the text.
    #[error("the font {font} has no glyph for {chars:?} in {text:?}; choose a font that has them")]
    MissingGlyphs {
        /// The font's name.
        font: String,
        /// The characters it lacks.
        chars: String,
        /// The text.
        text: String,
    },
    /// Even at the smallest readable size the text does not fit its box.
    #[error(
        "{text:?} does not fit a {w}×{h} px box at {min} px or more; give it a larger box or fewer words"
    )]
    DoesNotFit {
        /// The text.
        text: String,
        /// Box width, px.
        w: u32,
        /// Box height, px.
        h: u32,
        /// The smallest size tried, px.
        min: u32,
    },
}

/// A font to set text in.
#[derive(Clone)]
pub struct Font {
    font: FontArc,
    name: String,
}

impl std::fmt::Debug for Font {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Font").field(&self.name).finish()
    }
}

impl Font {
    /// DejaVu Sans Bold, bundled in the binary: legible at small sizes and read well by OCR.
    pub fn bundled() -> Font {
        static FONT: OnceLock<Font> = OnceLock::new();
        FONT.get_or_init(|| Font {
            // The bundled file is a valid font: a unit test parses it.
            font: FontArc::try_from_slice(BUNDLED_BYTES).unwrap_or_else(|_| unreachable!()),
            name: BUNDLED.to_string(),
        })
        .clone()
    }

    /// A TrueType or OpenType file.
    pub fn open(path: &Path) -> Result<Font, TypesetError> {
        let bytes = std::fs::read(path).map_err(|source| TypesetError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let font = FontArc::try_from_vec(bytes).map_err(|e| TypesetError::NotAFont {
            path: path.to_path_buf(),
            why: e.to_string(),
        })?;
        Ok(Font {
            font,
            name: path.file_name().map_or_else(
                || path.display().to_string(),
                |n| n.to_string_lossy().into(),
            ),
        })
    }

    /// The font's name (the bundled font's, or the file's name).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The characters of `text` this font has no glyph for (whitespace aside).
    pub fn missing(&self, text: &str) -> String {
        let mut out = String::new();
        for c in text.chars() {
            if !c.is_whitespace() && self.font.glyph_id(c) == GlyphId(0) && !out.contains(c) {
                out.push(c);
            }
        }
        out
    }

    /// Height of a line at `size` px (ascent to descent plus the font's gap).
    pub fn line_height(&self, size: f32) -> f32 {
        let s = self.font.as_scaled(PxScale::from(size));
        s.ascent() - s.descent() + s.line_gap()
    }

    /// Height of a capital letter at `size` px (what a sign's lettering is sized by).
    pub fn cap_height(&self, size: f32) -> f32 {
        // Measured on an `H` set at 100 px on baseline 0 (ink above the baseline has negative y).
        let id = self.font.glyph_id('H');
        let g = id.with_scale_and_position(PxScale::from(100.0), ab_glyph::point(0.0, 0.0));
        let cap = self
            .font
            .outline_glyph(g)
            .map_or(73.0, |o| -o.px_bounds().min.y)
            .max(1.0);
        cap / 100.0 * size
    }

    /// Advance width of `text` on one line at `size` px, kerning included.
    pub fn measure(&self, text: &str, size: f32) -> f32 {
        let s = self.font.as_scaled(PxScale::from(size));
        let mut w = 0.0;
        let mut prev: Option<GlyphId> = None;
        for c in text.chars() {
            let id = self.font.glyph_id(c);
            if let Some(p) = prev {
                w += s.kern(p, id);
            }
            w += s.h_advance(id);
            prev = Some(id);
        }
        w
    }
}

pub use darkroom_core::text::Align;

/// One set line: its text, the pen's start and its baseline, in pixels.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// The line's words.
    pub text: String,
    /// Left edge of the first glyph's advance.
    pub x: f32,
    /// Baseline.
    pub baseline: f32,
}

/// Text laid out at one size.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    /// Font size, px (the em).
    pub size: f32,
    /// The lines, top to bottom.
    pub lines: Vec<Line>,
}

/// The pixel box `[x0, y0, x1, y1)`.
pub type PxBox = [i64; 4];

/// An image to draw on: 8-bit sRGB, 3 bytes per pixel, row-major.
pub struct Canvas<'a> {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// The pixels.
    pub rgb: &'a mut [u8],
}

/// `text` on one line with its top-left advance corner at `(x, top)`.
pub fn line_at(font: &Font, text: &str, size: f32, x: f32, top: f32) -> Layout {
    let s = font.font.as_scaled(PxScale::from(size));
    Layout {
        size,
        lines: vec![Line {
            text: text.to_string(),
            x,
            baseline: top + s.ascent(),
        }],
    }
}

/// Greedy word wrap at `size` px within `width`; `None` when a word alone is wider.
fn wrap(font: &Font, text: &str, size: f32, width: f32) -> Option<Vec<String>> {
    let mut lines = Vec::new();
    for para in text.split('\n') {
        let mut cur = String::new();
        for word in para.split_whitespace() {
            let next = if cur.is_empty() {
                word.to_string()
            } else {
                format!("{cur} {word}")
            };
            if font.measure(&next, size) <= width {
                cur = next;
            } else if cur.is_empty() {
                return None;
            } else {
                lines.push(std::mem::take(&mut cur));
                if font.measure(word, size) > width {
                    return None;
                }
                cur = word.to_string();
            }
        }
        lines.push(cur);
    }
    Some(lines)
}

/// The lines wrapped at `size` and placed in `rect` (`[x0, y0, x1, y1]`, px), centred
/// vertically; `None` when they do not fit.
fn place(font: &Font, text: &str, size: f32, rect: [f32; 4], align: Align) -> Option<Layout> {
    let (w, h) = (rect[2] - rect[0], rect[3] - rect[1]);
    let lines = wrap(font, text, size, w)?;
    let s = font.font.as_scaled(PxScale::from(size));
    let lh = font.line_height(size);
    // The block's height: ascent of the first line to descent of the last.
    let block = (lines.len() as f32 - 1.0) * lh + s.ascent() - s.descent();
    if block > h {
        return None;
    }
    let top = rect[1] + (h - block) / 2.0;
    let lines = lines
        .into_iter()
        .enumerate()
        .map(|(k, t)| {
            let lw = font.measure(&t, size);
            let x = match align {
                Align::Left => rect[0],
                Align::Center => rect[0] + (w - lw) / 2.0,
                Align::Right => rect[2] - lw,
            };
            Line {
                text: t,
                x,
                baseline: top + s.ascent() + k as f32 * lh,
            }
        })
        .collect();
    Some(Layout { size, lines })
}

/// The smallest size [`fit`] will set, px: below this a person cannot read it.
pub const MIN_SIZE: f32 = 8.0;

/// The largest size at which `text` fits `rect` (`[x0, y0, x1, y1]`, px) with every glyph's ink
/// inside it, wrapped at spaces (and at `\n`).
pub fn fit(font: &Font, text: &str, rect: [f32; 4], align: Align) -> Result<Layout, TypesetError> {
    let too_small = || TypesetError::DoesNotFit {
        text: text.to_string(),
        w: (rect[2] - rect[0]).max(0.0) as u32,
        h: (rect[3] - rect[1]).max(0.0) as u32,
        min: MIN_SIZE as u32,
    };
    let h = rect[3] - rect[1];
    if h < MIN_SIZE || rect[2] - rect[0] < MIN_SIZE {
        return Err(too_small());
    }
    // Binary search on the size for the wrap and the line box, then step down until the ink
    // (which can overhang the advance box: italics, accents) is inside too.
    let (mut lo, mut hi) = (MIN_SIZE, h * 1.5);
    if place(font, text, lo, rect, align).is_none() {
        return Err(too_small());
    }
    for _ in 0..24 {
        let mid = (lo + hi) / 2.0;
        if place(font, text, mid, rect, align).is_some() {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let mut size = lo.floor();
    while size >= MIN_SIZE {
        if let Some(l) = place(font, text, size, rect, align) {
            let b = ink_bounds(font, &l);
            let inside = b[0] as f32 >= rect[0].floor()
                && b[1] as f32 >= rect[1].floor()
                && b[2] as f32 <= rect[2].ceil()
                && b[3] as f32 <= rect[3].ceil();
            if inside || b[2] <= b[0] {
                return Ok(l);
            }
        }
        size -= (size * 0.04).max(0.5);
    }
    Err(too_small())
}

/// Each glyph of a layout, outlined and positioned.
fn outlines(font: &Font, layout: &Layout) -> Vec<ab_glyph::OutlinedGlyph> {
    let scale = PxScale::from(layout.size);
    let s = font.font.as_scaled(scale);
    let mut out = Vec::new();
    for line in &layout.lines {
        let mut x = line.x;
        let mut prev: Option<GlyphId> = None;
        for c in line.text.chars() {
            let id = font.font.glyph_id(c);
            if let Some(p) = prev {
                x += s.kern(p, id);
            }
            let g = id.with_scale_and_position(scale, ab_glyph::point(x, line.baseline));
            if let Some(o) = font.font.outline_glyph(g) {
                out.push(o);
            }
            x += s.h_advance(id);
            prev = Some(id);
        }
    }
    out
}

/// The pixels a layout's ink touches, `[x0, y0, x1, y1)`; empty (`x1 <= x0`) for blank text.
pub fn ink_bounds(font: &Font, layout: &Layout) -> PxBox {
    let mut b = [i64::MAX, i64::MAX, i64::MIN, i64::MIN];
    for o in outlines(font, layout) {
        let r = o.px_bounds();
        b[0] = b[0].min(r.min.x as i64);
        b[1] = b[1].min(r.min.y as i64);
        b[2] = b[2].max(r.max.x as i64);
        b[3] = b[3].max(r.max.y as i64);
    }
    if b[0] == i64::MAX {
        [0, 0, 0, 0]
    } else {
        b
    }
}

/// Blends `c` over the pixel at `(x, y)` with `alpha`, in linear light.
fn blend(canvas: &mut Canvas<'_>, x: i64, y: i64, c: [f32; 3], rgb: Rgb8, alpha: f32) {
    if x < 0 || y < 0 || x >= i64::from(canvas.width) || y >= i64::from(canvas.height) {
        return;
    }
    let i = (y as usize * canvas.width as usize + x as usize) * 3;
    let p = &mut canvas.rgb[i..i + 3];
    if alpha >= 0.999 {
        // Full coverage is exactly the asked colour, not a round trip through linear light.
        p.copy_from_slice(&[rgb.r, rgb.g, rgb.b]);
        return;
    }
    if alpha <= 0.0 {
        return;
    }
    for k in 0..3 {
        let under = srgb_to_linear(p[k]);
        p[k] = linear_to_srgb(under + (c[k] - under) * alpha);
    }
}

/// Paints a layout in `color`.
pub fn draw(canvas: &mut Canvas<'_>, font: &Font, layout: &Layout, color: Rgb8) {
    let lin = color.to_linear();
    for o in outlines(font, layout) {
        let r = o.px_bounds();
        // Only glyphs on the canvas, and none absurdly larger than it (a text fitted to a box
        // projected from behind a camera): the rasteriser covers a glyph's whole box.
        let (cw, ch) = (canvas.width as f32, canvas.height as f32);
        if r.max.x < 0.0
            || r.max.y < 0.0
            || r.min.x > cw
            || r.min.y > ch
            || r.width() > 4.0 * cw + 64.0
            || r.height() > 4.0 * ch + 64.0
        {
            continue;
        }
        let (ox, oy) = (r.min.x as i64, r.min.y as i64);
        o.draw(|x, y, cov| {
            blend(
                canvas,
                ox + i64::from(x),
                oy + i64::from(y),
                lin,
                color,
                cov.min(1.0),
            );
        });
    }
}

/// WCAG 2 relative luminance of an sRGB colour.
pub fn luminance(c: Rgb8) -> f64 {
    // WCAG's relative luminance is CIE Y of linear sRGB: the XYZ matrix's middle row.
    let l = c.to_linear();
    let y = darkroom_color::space::RGB_TO_XYZ[1];
    y[0] * f64::from(l[0]) + y[1] * f64::from(l[1]) + y[2] * f64::from(l[2])
}

/// WCAG 2 contrast ratio between two relative luminances (1 to 21).
pub fn ratio(a: f64, b: f64) -> f64 {
    let (hi, lo) = if a > b { (a, b) } else { (b, a) };
    (hi + 0.05) / (lo + 0.05)
}

/// The 5th and 95th percentiles of the relative luminances in `area`, or `None` when the area
/// is off the canvas.
fn lum_percentiles(canvas: &Canvas<'_>, area: PxBox) -> Option<(f64, f64)> {
    let (w, h) = (i64::from(canvas.width), i64::from(canvas.height));
    let mut lum = Vec::new();
    for y in area[1].max(0)..area[3].min(h) {
        for x in area[0].max(0)..area[2].min(w) {
            let i = (y * w + x) as usize * 3;
            let p = &canvas.rgb[i..i + 3];
            lum.push(luminance(Rgb8::new(p[0], p[1], p[2])));
        }
    }
    if lum.is_empty() {
        return None;
    }
    lum.sort_by(f64::total_cmp);
    let at = |q: f64| lum[((lum.len() - 1) as f64 * q).round() as usize];
    Some((at(0.05), at(0.95)))
}

/// The worst contrast of `color` against what lies in `area`: against the 5th and the 95th
/// percentile of the luminances there, so that a busy background, light in places and dark in
/// others, is judged by its worst parts and not its mean.
pub fn contrast(canvas: &Canvas<'_>, area: PxBox, color: Rgb8) -> f64 {
    let Some((lo, hi)) = lum_percentiles(canvas, area) else {
        return 21.0;
    };
    let fg = luminance(color);
    ratio(fg, lo).min(ratio(fg, hi))
}

/// The contrast WCAG asks of text at `size` px: 3:1 for large text (24 px and up), else 4.5:1.
pub fn needed(size: f32) -> f64 {
    if size >= 24.0 {
        3.0
    } else {
        4.5
    }
}

/// The largest contrast ratio between the lightest and darkest background showing through a
/// plate: above it the plate looks like a veil over the pattern, not a surface.
pub const PLATE_FLATNESS: f64 = 1.15;

/// The plate opacities tried, lightest first: the plate is as light as does the job.
pub const PLATE_OPACITIES: [f32; 5] = [0.7, 0.8, 0.9, 0.95, 1.0];

/// What to set: a text in a box (pixels), a font, a colour, an alignment.
#[derive(Debug, Clone)]
pub struct Spec<'a> {
    /// The text; `\n` breaks a line.
    pub content: &'a str,
    /// `[x0, y0, x1, y1]`, px.
    pub rect: [f32; 4],
    /// The font.
    pub font: &'a Font,
    /// The colour.
    pub color: Rgb8,
    /// Alignment of the lines.
    pub align: Align,
}

/// What [`typeset`] did.
#[derive(Debug, Clone, PartialEq)]
pub struct Set {
    /// The layout drawn.
    pub layout: Layout,
    /// The drawn ink's bounds.
    pub ink: PxBox,
    /// WCAG contrast against the pixels behind, before any plate.
    pub contrast: f64,
    /// The contrast needed at this size.
    pub needed: f64,
    /// The plate put behind the text, its colour and box, when the contrast was too low.
    pub plate: Option<(Rgb8, PxBox)>,
    /// Contrast with the plate (the same as `contrast` without one).
    pub contrast_after: f64,
    /// Said when even a plate leaves the text below the contrast needed.
    pub warning: Option<String>,
}

/// Fits, checks and draws one text. When the pixels behind would leave the text below WCAG's
/// contrast, a plate (black or white, whichever contrasts more with the text, at the lightest
/// of [`PLATE_OPACITIES`] that reaches the contrast) goes behind it first; when even that is not enough, the text is drawn
/// and the result carries a warning.
pub fn typeset(canvas: &mut Canvas<'_>, spec: &Spec<'_>) -> Result<Set, TypesetError> {
    let missing = spec.font.missing(spec.content);
    if !missing.is_empty() {
        return Err(TypesetError::MissingGlyphs {
            font: spec.font.name().to_string(),
            chars: missing,
            text: spec.content.to_string(),
        });
    }
    let layout = fit(spec.font, spec.content, spec.rect, spec.align)?;
    let ink = ink_bounds(spec.font, &layout);
    // What the reader's eye sees around the letters: the ink box and a margin of a fifth of an em.
    let pad = (layout.size * 0.2).ceil() as i64;
    let around = [ink[0] - pad, ink[1] - pad, ink[2] + pad, ink[3] + pad];
    let before = contrast(canvas, around, spec.color);
    let need = needed(layout.size);
    let mut plate = None;
    let mut after = before;
    if before < need {
        let fg = luminance(spec.color);
        let (black, white) = (Rgb8::new(0, 0, 0), Rgb8::new(255, 255, 255));
        let pc = if ratio(fg, luminance(black)) >= ratio(fg, luminance(white)) {
            black
        } else {
            white
        };
        // Blending in linear light mixes luminance linearly, so the contrast a plate of opacity
        // `a` gives follows from the background's percentiles without drawing it.
        let (lo, hi) = lum_percentiles(canvas, around).unwrap_or((0.0, 1.0));
        let lp = luminance(pc);
        let with = |a: f32| {
            let a = f64::from(a);
            ratio(fg, lo * (1.0 - a) + lp * a).min(ratio(fg, hi * (1.0 - a) + lp * a))
        };
        // And the plate must read as one flat surface: what shows through it (a busy
        // background's light and dark parts) within [`PLATE_FLATNESS`] of each other.
        let flat = |a: f32| {
            let a = f64::from(a);
            ratio(lo * (1.0 - a) + lp * a, hi * (1.0 - a) + lp * a) <= PLATE_FLATNESS
        };
        let opacity = PLATE_OPACITIES
            .into_iter()
            .find(|&a| with(a) >= need && flat(a))
            .unwrap_or(1.0);
        let lin = pc.to_linear();
        let (w, h) = (i64::from(canvas.width), i64::from(canvas.height));
        let r = [
            around[0].max(0),
            around[1].max(0),
            around[2].min(w),
            around[3].min(h),
        ];
        for y in r[1]..r[3] {
            for x in r[0]..r[2] {
                blend(canvas, x, y, lin, pc, opacity);
            }
        }
        after = contrast(canvas, around, spec.color);
        plate = Some((pc, r));
    }
    let warning = (after < need).then(|| {
        format!(
            "{:?} has a contrast of {after:.1}:1 against its background, below the {need}:1 readers need; choose a lighter or darker colour",
            spec.content
        )
    });
    draw(canvas, spec.font, &layout, spec.color);
    Ok(Set {
        layout,
        ink,
        contrast: before,
        needed: need,
        plate,
        contrast_after: after,
        warning,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blank(w: u32, h: u32, c: u8) -> Vec<u8> {
        vec![c; (w * h * 3) as usize]
    }

    #[test]
    fn the_bundled_font_parses_and_has_latin() {
        let f = Font::bundled();
        assert_eq!(f.missing("SPRING SALE – 20% off! Ünïcödé"), "");
        assert!(f.measure("OPEN", 40.0) > 80.0);
        let cap = f.cap_height(100.0);
        assert!((55.0..75.0).contains(&cap), "{cap}");
    }

    #[test]
    fn fitted_text_has_its_ink_inside_the_box_and_wraps_when_narrow() {
        let f = Font::bundled();
        for rect in [
            [10.0, 10.0, 390.0, 90.0],
            [20.0, 20.0, 120.0, 380.0],
            [5.0, 300.0, 395.0, 395.0],
        ] {
            let l = fit(&f, "SPRING SALE TODAY", rect, Align::Center).unwrap();
            let b = ink_bounds(&f, &l);
            assert!(
                b[0] as f32 >= rect[0] && b[2] as f32 <= rect[2].ceil(),
                "{b:?} {rect:?}"
            );
            assert!(
                b[1] as f32 >= rect[1] && b[3] as f32 <= rect[3].ceil(),
                "{b:?} {rect:?}"
            );
        }
        let narrow = fit(
            &f,
            "SPRING SALE TODAY",
            [0.0, 0.0, 120.0, 400.0],
            Align::Left,
        )
        .unwrap();
        assert_eq!(narrow.lines.len(), 3);
        let wide = fit(
            &f,
            "SPRING SALE TODAY",
            [0.0, 0.0, 900.0, 60.0],
            Align::Left,
        )
        .unwrap();
        assert_eq!(wide.lines.len(), 1);
    }

    #[test]
    fn a_box_too_small_is_an_error_that_says_so() {
        let e = fit(
            &Font::bundled(),
            "A LONG HEADLINE",
            [0.0, 0.0, 20.0, 6.0],
            Align::Center,
        )
        .unwrap_err();
        assert!(e.to_string().contains("does not fit"), "{e}");
    }

    #[test]
    fn glyph_interiors_are_the_exact_colour() {
        let (w, h) = (300, 120);
        let mut px = blank(w, h, 240);
        let mut c = Canvas {
            width: w,
            height: h,
            rgb: &mut px,
        };
        let blue = Rgb8::new(0x1F, 0x4E, 0xD8);
        let set = typeset(
            &mut c,
            &Spec {
                content: "HELLO",
                rect: [10.0, 10.0, 290.0, 110.0],
                font: &Font::bundled(),
                color: blue,
                align: Align::Center,
            },
        )
        .unwrap();
        assert!(set.plate.is_none());
        let exact = px.chunks(3).filter(|p| *p == [0x1F, 0x4E, 0xD8]).count();
        assert!(exact > 1000, "{exact}");
    }

    #[test]
    fn a_busy_background_gets_a_plate_and_a_plain_one_does_not() {
        let (w, h) = (200, 80);
        let mut px: Vec<u8> = (0..w * h)
            .flat_map(|i| {
                let (x, y) = (i % w, i / w);
                let v = if (x / 4 + y / 4) % 2 == 0 { 20 } else { 235 };
                [v, v, v]
            })
            .collect();
        let mut c = Canvas {
            width: w,
            height: h,
            rgb: &mut px,
        };
        let spec = Spec {
            content: "SALE",
            rect: [10.0, 10.0, 190.0, 70.0],
            font: &Font::bundled(),
            color: Rgb8::new(255, 255, 255),
            align: Align::Center,
        };
        let set = typeset(&mut c, &spec).unwrap();
        assert!(set.contrast < set.needed);
        assert!(set.plate.is_some_and(|(p, _)| p == Rgb8::new(0, 0, 0)));
        assert!(set.contrast_after >= set.needed, "{set:?}");
        assert!(set.warning.is_none());
        let mut plain = blank(w, h, 20);
        let mut c = Canvas {
            width: w,
            height: h,
            rgb: &mut plain,
        };
        assert!(typeset(&mut c, &spec).unwrap().plate.is_none());
    }

    #[test]
    fn wcag_ratios_match_the_standard() {
        let (b, w) = (
            luminance(Rgb8::new(0, 0, 0)),
            luminance(Rgb8::new(255, 255, 255)),
        );
        assert!((ratio(b, w) - 21.0).abs() < 1e-6);
        // #767676 on white is WCAG's well-known 4.54:1.
        let g = luminance(Rgb8::new(0x76, 0x76, 0x76));
        assert!((ratio(g, w) - 4.54).abs() < 0.01, "{}", ratio(g, w));
    }
}
