//! Reading the text in an image, with Tesseract (Debian's `tesseract-ocr`, English data).
//!
//! Tesseract is run through its command line, one process per pass, with the image on stdin as
//! a PGM and TSV (words, boxes, confidences) on stdout: no C bindings to build, and a process
//! start costs little beside recognition (`bench/ocr.sh` measures both). Tesseract binarises
//! with one global threshold and reads dark text on a light ground; a sign's light lettering on
//! a blue face in front of a grey wall defeats that. So the image is read in several passes:
//! the grey image as it is, and, for each of the two thresholds that split its luminance into
//! three classes (Otsu's method, extended), the binary image in both polarities. Each pass's
//! words are kept apart; the judge decides from all of them.
//!
//! This crate owns the Tesseract process; nothing else runs it.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

/// What can go wrong reading.
#[derive(Debug, thiserror::Error)]
pub enum OcrError {
    /// Tesseract is not installed (or `DARKROOM_TESSERACT` names nothing runnable).
    #[error("cannot run {exe}: {why}; install Debian's tesseract-ocr and tesseract-ocr-eng, or set DARKROOM_TESSERACT to its path")]
    NotInstalled {
        /// The program tried.
        exe: String,
        /// Why it did not run.
        why: String,
    },
    /// Tesseract ran and failed.
    #[error("tesseract failed on pass {pass}: {why}")]
    Failed {
        /// The pass.
        pass: &'static str,
        /// Its complaint.
        why: String,
    },
}

/// A word read, with Tesseract's confidence (0–100) and its box in the input image's pixels.
#[derive(Debug, Clone, PartialEq)]
pub struct Word {
    /// The word as read.
    pub text: String,
    /// Tesseract's confidence, 0–100.
    pub conf: f32,
    /// `[x0, y0, x1, y1)`.
    pub bbox: [u32; 4],
}

/// The words one pass read, in reading order.
#[derive(Debug, Clone, PartialEq)]
pub struct Pass {
    /// Which pass: `grey`, `dark-on-light 1`, `light-on-dark 2`, …
    pub name: &'static str,
    /// The words, in Tesseract's reading order (block, paragraph, line, word).
    pub words: Vec<Word>,
}

/// Everything read in an image.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Reading {
    /// One entry per pass.
    pub passes: Vec<Pass>,
}

impl Reading {
    /// Every word of every pass at confidence `min_conf` or more, as one string per pass.
    pub fn texts(&self, min_conf: f32) -> Vec<String> {
        self.passes
            .iter()
            .map(|p| {
                p.words
                    .iter()
                    .filter(|w| w.conf >= min_conf)
                    .map(|w| w.text.as_str())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect()
    }
}

/// Tesseract, found and checked.
#[derive(Debug, Clone)]
pub struct Reader {
    exe: PathBuf,
    version: String,
}

/// Images are read at most this long on their long side; larger ones are halved (text a
/// person can read at 2K is still well above Tesseract's smallest size at 1K).
const MAX_SIDE: u32 = 1600;

impl Reader {
    /// `DARKROOM_TESSERACT`, or `tesseract` on the `PATH`, if it runs.
    pub fn find() -> Result<Reader, OcrError> {
        let exe = std::env::var_os("DARKROOM_TESSERACT")
            .map_or_else(|| PathBuf::from("tesseract"), PathBuf::from);
        let out =
            Command::new(&exe)
                .arg("--version")
                .output()
                .map_err(|e| OcrError::NotInstalled {
                    exe: exe.display().to_string(),
                    why: e.to_string(),
                })?;
        let text = String::from_utf8_lossy(&out.stdout).to_string()
            + &String::from_utf8_lossy(&out.stderr);
        let version = text
            .lines()
            .next()
            .unwrap_or("tesseract")
            .trim()
            .to_string();
        if !out.status.success() || !version.starts_with("tesseract") {
            return Err(OcrError::NotInstalled {
                exe: exe.display().to_string(),
                why: format!("`--version` said {version:?}"),
            });
        }
        Ok(Reader { exe, version })
    }

    /// The reader found once per process, or `None` (and why) when Tesseract is not there.
    pub fn system() -> Result<&'static Reader, &'static str> {
        static READER: OnceLock<Result<Reader, String>> = OnceLock::new();
        READER
            .get_or_init(|| Reader::find().map_err(|e| e.to_string()))
            .as_ref()
            .map_err(String::as_str)
    }

    /// Tesseract's version line (`tesseract 5.3.0`).
    pub fn version(&self) -> &str {
        &self.version
    }

    /// Reads an 8-bit sRGB image (3 bytes per pixel) in every pass.
    pub fn read(&self, width: u32, height: u32, rgb: &[u8]) -> Result<Reading, OcrError> {
        self.read_until(width, height, rgb, |_| false)
    }

    /// Reads an image pass by pass, two at a time (one per core), and stops early once `enough`
    /// says the passes so far have found what is looked for.
    pub fn read_until(
        &self,
        width: u32,
        height: u32,
        rgb: &[u8],
        enough: impl Fn(&Reading) -> bool,
    ) -> Result<Reading, OcrError> {
        let grey: Vec<u8> = rgb
            .chunks_exact(3)
            .map(|p| {
                (0.2126 * f32::from(p[0]) + 0.7152 * f32::from(p[1]) + 0.0722 * f32::from(p[2]))
                    .round() as u8
            })
            .collect();
        let (grey, w, h, scale) = if width.max(height) > MAX_SIDE {
            let (w, h) = (width / 2, height / 2);
            let mut out = vec![0u8; (w * h) as usize];
            for y in 0..h as usize {
                for x in 0..w as usize {
                    let at = |dx: usize, dy: usize| {
                        u32::from(grey[(2 * y + dy) * width as usize + 2 * x + dx])
                    };
                    out[y * w as usize + x] =
                        ((at(0, 0) + at(1, 0) + at(0, 1) + at(1, 1) + 2) / 4) as u8;
                }
            }
            (out, w, h, 2)
        } else {
            (grey, width, height, 1)
        };
        let mut reading = Reading::default();
        for batch in passes(&grey, w as usize).chunks(2) {
            let results: Vec<Result<Pass, OcrError>> = std::thread::scope(|s| {
                let handles: Vec<_> = batch
                    .iter()
                    .map(|(name, px)| s.spawn(move || self.run(name, w, h, px, scale)))
                    .collect();
                handles
                    .into_iter()
                    .map(|j| {
                        j.join().unwrap_or_else(|_| {
                            Err(OcrError::Failed {
                                pass: "?",
                                why: "the reading thread panicked".into(),
                            })
                        })
                    })
                    .collect()
            });
            for r in results {
                reading.passes.push(r?);
            }
            if enough(&reading) {
                break;
            }
        }
        Ok(reading)
    }

    fn run(
        &self,
        name: &'static str,
        w: u32,
        h: u32,
        px: &[u8],
        scale: u32,
    ) -> Result<Pass, OcrError> {
        let failed = |why: String| OcrError::Failed { pass: name, why };
        let mut child = Command::new(&self.exe)
            .args([
                "stdin", "stdout", "-l", "eng", "--psm", "11", "--dpi", "96", "tsv",
            ])
            // One thread per process: the passes already run side by side.
            .env("OMP_THREAD_LIMIT", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| failed(e.to_string()))?;
        let mut pgm = format!("P5\n{w} {h}\n255\n").into_bytes();
        pgm.extend_from_slice(px);
        if let Some(mut stdin) = child.stdin.take() {
            // Tesseract reads all of its input before it writes; a write error shows as its
            // exit status below.
            let _ = stdin.write_all(&pgm);
        }
        let out = child
            .wait_with_output()
            .map_err(|e| failed(e.to_string()))?;
        if !out.status.success() {
            return Err(failed(
                String::from_utf8_lossy(&out.stderr).trim().to_string(),
            ));
        }
        Ok(Pass {
            name,
            words: parse_tsv(&String::from_utf8_lossy(&out.stdout), scale),
        })
    }
}

/// Words from Tesseract's TSV (`level page block par line word left top width height conf
/// text`), boxes multiplied by `scale`.
pub fn parse_tsv(tsv: &str, scale: u32) -> Vec<Word> {
    tsv.lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            if f.len() < 12 || f[0] != "5" {
                return None;
            }
            let text = f[11].trim();
            let conf: f32 = f[10].parse().ok()?;
            if text.is_empty() || conf < 0.0 {
                return None;
            }
            let n = |i: usize| f[i].parse::<u32>().ok().map(|v| v * scale);
            let (x, y, bw, bh) = (n(6)?, n(7)?, n(8)?, n(9)?);
            Some(Word {
                text: text.to_string(),
                conf,
                bbox: [x, y, x + bw, y + bh],
            })
        })
        .collect()
}

/// The two thresholds that split a histogram into three classes with the largest
/// between-class variance (Otsu's method for three classes).
pub fn otsu3(grey: &[u8]) -> (u8, u8) {
    let mut hist = [0f64; 256];
    for &g in grey {
        hist[g as usize] += 1.0;
    }
    // Prefix sums of weight and weighted value.
    let (mut p, mut s) = ([0f64; 257], [0f64; 257]);
    for i in 0..256 {
        p[i + 1] = p[i] + hist[i];
        s[i + 1] = s[i] + hist[i] * i as f64;
    }
    let class = |a: usize, b: usize| {
        let w = p[b] - p[a];
        if w <= 0.0 {
            0.0
        } else {
            let m = s[b] - s[a];
            m * m / w
        }
    };
    let mut best = (0.0, 85u8, 170u8);
    for t1 in 1..255usize {
        for t2 in t1 + 1..256usize {
            let v = class(0, t1) + class(t1, t2) + class(t2, 256);
            if v > best.0 {
                best = (v, t1 as u8, t2 as u8);
            }
        }
    }
    (best.1, best.2)
}

/// Turns white the black that touches the image's edge: a dark surround is background, not
/// ink (text seldom touches the frame), and Tesseract reads nothing on a page that is mostly
/// black even where the text sits on a white island.
fn clear_border(b: &mut [u8], w: usize) {
    if w == 0 {
        return;
    }
    let h = b.len() / w;
    let mut stack: Vec<usize> = (0..w)
        .flat_map(|x| [x, (h.saturating_sub(1)) * w + x])
        .chain((0..h).flat_map(|y| [y * w, y * w + w - 1]))
        .filter(|&i| b[i] == 0)
        .collect();
    while let Some(i) = stack.pop() {
        if b[i] != 0 {
            continue;
        }
        b[i] = 255;
        let (x, y) = (i % w, i / w);
        if x > 0 {
            stack.push(i - 1);
        }
        if x + 1 < w {
            stack.push(i + 1);
        }
        if y > 0 {
            stack.push(i - w);
        }
        if y + 1 < h {
            stack.push(i + w);
        }
    }
}

/// Otsu's threshold for the part of a histogram in `lo..hi`, if that part has two levels.
fn otsu2(grey: &[u8], lo: u8, hi: u8) -> Option<u8> {
    let mut hist = [0f64; 256];
    for &g in grey.iter().filter(|&&g| g >= lo && g < hi) {
        hist[g as usize] += 1.0;
    }
    let total: f64 = hist.iter().sum();
    let sum: f64 = hist.iter().enumerate().map(|(i, n)| i as f64 * n).sum();
    let (mut w0, mut s0, mut best) = (0.0, 0.0, (0.0, None));
    for (t, &n) in hist.iter().enumerate().take(hi as usize).skip(lo as usize) {
        w0 += n;
        s0 += t as f64 * n;
        let w1 = total - w0;
        if w0 == 0.0 || w1 == 0.0 {
            continue;
        }
        let d = s0 / w0 - (sum - s0) / w1;
        let v = w0 * w1 * d * d;
        if v > best.0 {
            best = (v, Some(t as u8 + 1));
        }
    }
    best.1
}

/// The images to read, most often useful first: the grey image; at each of the three-class
/// thresholds, dark text on light and light on dark (inverted, so that it reads as dark on
/// light); then the same within the darkest and the lightest class, for text on a plate or a
/// sign whose levels a busy background's histogram hides.
fn passes(grey: &[u8], w: usize) -> Vec<(&'static str, Vec<u8>)> {
    let (t1, t2) = otsu3(grey);
    let bin = |t: u8, light_text: bool| -> Vec<u8> {
        let mut b: Vec<u8> = grey
            .iter()
            .map(|&g| {
                let above = g >= t;
                if above != light_text {
                    255
                } else {
                    0
                }
            })
            .collect();
        clear_border(&mut b, w);
        b
    };
    const NAMES: [[&str; 2]; 4] = [
        ["dark-on-light 1", "light-on-dark 1"],
        ["dark-on-light 2", "light-on-dark 2"],
        ["dark-on-light in the darks", "light-on-dark in the darks"],
        ["dark-on-light in the lights", "light-on-dark in the lights"],
    ];
    let mut out = vec![("grey", grey.to_vec())];
    let mut seen = Vec::new();
    let thresholds = [Some(t1), Some(t2), otsu2(grey, 0, t1), otsu2(grey, t2, 255)];
    for (k, t) in thresholds.into_iter().enumerate() {
        let Some(t) = t else { continue };
        if seen.contains(&t) {
            continue;
        }
        seen.push(t);
        out.push((NAMES[k][0], bin(t, false)));
        out.push((NAMES[k][1], bin(t, true)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tsv_words_are_parsed_with_their_boxes_and_confidences() {
        let tsv = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n\
                   1\t1\t0\t0\t0\t0\t0\t0\t100\t50\t-1\t\n\
                   5\t1\t1\t1\t1\t1\t10\t20\t30\t15\t96.5\tOPEN\n\
                   5\t1\t1\t1\t1\t2\t50\t20\t30\t15\t-1\t\n";
        let w = parse_tsv(tsv, 2);
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].text, "OPEN");
        assert_eq!(w[0].bbox, [20, 40, 80, 70]);
        assert!((w[0].conf - 96.5).abs() < 1e-3);
    }

    #[test]
    fn three_levels_get_thresholds_between_them() {
        let mut g = vec![30u8; 1000];
        g.extend(vec![130u8; 1000]);
        g.extend(vec![240u8; 1000]);
        let (a, b) = otsu3(&g);
        assert!(
            (31..=130).contains(&a) && (131..=240).contains(&b),
            "{a} {b}"
        );
    }

    #[test]
    fn polarities_are_opposite() {
        // A 4×3 image whose middle row holds a dark and a light pixel between mid-greys.
        let g = vec![
            150, 150, 150, 150, //
            150, 10, 250, 150, //
            150, 150, 150, 150,
        ];
        let p = passes(&g, 4);
        assert!(p.len() >= 5);
        // Some pass shows the dark pixel as ink and another the light one; the frame, which
        // touches the edge, is never ink.
        assert!(p.iter().any(|(_, b)| b[5] == 0 && b[6] == 255));
        assert!(p.iter().any(|(_, b)| b[6] == 0 && b[5] == 255));
        assert!(p[1..].iter().all(|(_, b)| b[0] == 255 && b[11] == 255));
    }
}
