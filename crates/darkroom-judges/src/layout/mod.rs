//! The layout judge: checklist assertions decided from pixels, without a model.
//!
//! 1. [`segment()`] splits a working copy of the image (≤ 192 px) into colour regions in CIELAB:
//!    neighbours join when they differ little in chroma and somewhat in lightness, so a shaded
//!    sphere stays one region while object boundaries split; large border-touching regions are
//!    the background.
//! 2. Each region gets a representative colour from its lit, non-specular pixels and is named
//!    with the nearest colour of a vocabulary (the prompt's colours plus basic colour names), by
//!    CIEDE2000 with lightness weighted down (kL = 2) for robustness to shading.
//! 3. Entities with a colour are found as the regions named with it: presence, colour, count
//!    (separate regions, up to 6), and relations between coloured subjects by GenEval's rule
//!    (centre offset beyond a margin of 0.1 × the subjects' sizes, mostly along one axis).
//! 4. Camera hints from the horizon row (the strongest horizontal edge of the background).
//!
//! Never from renderer internals; anything it cannot decide is `undecided`. Dependencies apply:
//! an entity judged absent fails its attributes and relations.

pub mod light;
pub mod segment;

use darkroom_color::{Lab, Rgb8};
use darkroom_core::judge::{Finding, ImageRef, Judge, Judgement, Verdict};
use darkroom_prompt::{AssertionKind, CameraAngle, EntityKind, Position, Predicate, Scene};

use segment::{segment, Region, Segmentation};

/// The layout judge.
#[derive(Debug, Clone, Default)]
pub struct LayoutJudge;

/// Basic colour names the judge can tell apart (GenEval's ten, plus grey).
const BASIC: &[(&str, Rgb8)] = &[
    ("red", Rgb8::new(0xFF, 0x00, 0x00)),
    ("orange", Rgb8::new(0xFF, 0xA5, 0x00)),
    ("yellow", Rgb8::new(0xFF, 0xFF, 0x00)),
    ("green", Rgb8::new(0x00, 0x80, 0x00)),
    ("blue", Rgb8::new(0x00, 0x00, 0xFF)),
    ("purple", Rgb8::new(0x80, 0x00, 0x80)),
    ("pink", Rgb8::new(0xFF, 0xC0, 0xCB)),
    // A true brown (saddle brown): CSS `brown` (#A52A2A) is a dark red, and would claim the
    // shaded side of every red object.
    ("brown", Rgb8::new(0x8B, 0x45, 0x13)),
    ("black", Rgb8::new(0x00, 0x00, 0x00)),
    ("white", Rgb8::new(0xFF, 0xFF, 0xFF)),
    ("gray", Rgb8::new(0x80, 0x80, 0x80)),
];

/// Largest count decided.
const MAX_COUNT: u32 = 6;

struct Vocab {
    /// `(label, colour, entity colour index or None for a basic colour)`.
    entries: Vec<(String, Lab, Option<usize>)>,
}

impl Vocab {
    fn new(colours: &[Lab]) -> Vocab {
        let mut entries: Vec<(String, Lab, Option<usize>)> = colours
            .iter()
            .enumerate()
            .map(|(i, c)| (format!("prompt colour {i}"), *c, Some(i)))
            .collect();
        for (name, rgb) in BASIC {
            let lab = Lab::from_rgb8(*rgb);
            // A basic colour close to a prompt colour would compete with it; leave it out.
            if colours
                .iter()
                .all(|c| darkroom_color::de2000(*c, lab) > 12.0)
            {
                entries.push(((*name).to_string(), lab, None));
            }
        }
        Vocab { entries }
    }

    /// The nearest entry and its distance.
    fn name(&self, c: Lab) -> (usize, f64) {
        self.entries
            .iter()
            .enumerate()
            .map(|(i, e)| (i, shading_tolerant_de(c, e.1)))
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .unwrap_or((0, f64::INFINITY))
    }
}

/// CIEDE2000 with kL = 2: lightness differences count half, as shading changes lightness far
/// more than hue or chroma.
pub fn shading_tolerant_de(a: Lab, b: Lab) -> f64 {
    darkroom_color::delta::de2000_k(a, b, 2.0, 1.0, 1.0)
}

/// How far a hue may be from a colour's and still be called by its name, for a colour without
/// a hue range of its own (a CSS name such as `teal`), in Oklab hue degrees.
const HUE_WINDOW: f64 = 30.0;

/// The hues (Oklab hue angle, degrees, `from..to` going up, wrapping at 360) that people call
/// by each basic colour word, with the borders between neighbours on both sides (a hue between
/// orange and yellow belongs to both): what is "blue" runs from turquoise to ultramarine, what
/// is "red" from crimson to vermilion. Oklab's hue, unlike CIELAB's, keeps blue from drifting
/// to purple, so these ranges are tight where CIELAB's would overlap.
// Measured: crimson 20°, red 29°, orange-red 35°, dark orange 58°, orange 71°, gold 95°,
// yellow 110°, yellow-green 127°, green 142°, turquoise 185°, cyan and teal 195°, deep sky
// blue 232°, blue 264°, blue-violet 301°, purple and magenta 328°, hot pink 352°, pink 7°,
// brown 51°.
const WORD_HUES: &[(&str, f64, f64)] = &[
    ("red", 5.0, 55.0),
    ("orange", 35.0, 85.0),
    ("yellow", 78.0, 118.0),
    ("gold", 75.0, 110.0),
    ("green", 115.0, 190.0),
    ("blue", 185.0, 295.0),
    ("purple", 280.0, 345.0),
    ("violet", 280.0, 345.0),
    ("magenta", 300.0, 358.0),
    ("pink", 335.0, 30.0),
    ("brown", 20.0, 90.0),
];

/// The hue range of a colour: its word's, or a window around its hue.
fn hue_range(word: &str, target: darkroom_color::Oklab) -> (f64, f64) {
    if let Some(&(_, a, b)) = WORD_HUES.iter().find(|w| w.0 == word) {
        return (a, b);
    }
    let h = target.b.atan2(target.a).to_degrees().rem_euclid(360.0);
    (
        (h - HUE_WINDOW).rem_euclid(360.0),
        (h + HUE_WINDOW).rem_euclid(360.0),
    )
}

/// Whether hue `h` lies in `from..to`, going up and wrapping at 360.
fn in_range(h: f64, (from, to): (f64, f64)) -> bool {
    if from <= to {
        (from..=to).contains(&h)
    } else {
        h >= from || h <= to
    }
}

/// The share of the image's pixels that could be called `word` (the asked colour `target`): of
/// its hue range with a chroma that shows a hue (shading moves lightness, not hue), or, for
/// white, black and grey, grey and about as light. Between 0.2 % and 5 % means an object too
/// small, thin or blurred to be a region of its own may be that colour; nothing means the
/// colour is not in the picture.
fn hue_share(seg: &Segmentation, target: Lab, word: &str) -> (f64, f64) {
    let like = ColourWord::new(target, word);
    let mask: Vec<bool> = seg
        .pixels
        .iter()
        .map(|p| {
            like.covers(Lab {
                l: f64::from(p[0]),
                a: f64::from(p[1]),
                b: f64::from(p[2]),
            })
        })
        .collect();
    let n = mask.iter().filter(|m| **m).count();
    let total = seg.pixels.len().max(1) as f64;
    (
        n as f64 / total,
        largest_blob(&mask, seg.width) as f64 / total,
    )
}

/// Whether the picture has a patch of a colour (its word's hues, or for white, black and grey
/// its lightness) large enough to be an object: at least 0.2 % of the image, with a connected
/// patch of at least `BLOB_MIN`. On a claim of that colour, a judge that cannot tell which
/// pixels are the named object must then abstain rather than say "no" (the audit of a photo set
/// counts these, as the most "no"s such a judge can give).
pub fn colour_in_picture(seg: &Segmentation, colour: &darkroom_prompt::Color) -> bool {
    let (share, blob) = hue_share(seg, Lab::from_rgb8(colour.rgb()), &colour.name);
    share >= 0.002 && blob >= BLOB_MIN
}

/// What a colour word covers: a hue range with a chroma that shows a hue (shading moves
/// lightness, not hue), or, for white, black and grey, grey and about as light.
struct ColourWord {
    target: Lab,
    range: (f64, f64),
    neutral: bool,
    brown: bool,
}

impl ColourWord {
    fn new(target: Lab, word: &str) -> ColourWord {
        ColourWord {
            target,
            range: hue_range(word, darkroom_color::Oklab::from_lab(target)),
            neutral: target.chroma() < 10.0,
            brown: word == "brown",
        }
    }

    fn covers(&self, lab: Lab) -> bool {
        if self.neutral {
            return lab.chroma() < 12.0 && (lab.l - self.target.l).abs() < 15.0;
        }
        // Brown is a dark orange: the word says as much about lightness as about hue.
        if self.brown && lab.l > 70.0 {
            return false;
        }
        let o = darkroom_color::Oklab::from_lab(lab);
        o.a.hypot(o.b) > 0.04 && in_range(o.b.atan2(o.a).to_degrees().rem_euclid(360.0), self.range)
    }
}

/// The size in pixels of the largest 8-connected set of `true` in a row-major mask.
fn largest_blob(mask: &[bool], width: usize) -> usize {
    if width == 0 {
        return 0;
    }
    let height = mask.len() / width;
    let mut seen = vec![false; mask.len()];
    let mut stack = Vec::new();
    let mut best = 0;
    for start in 0..mask.len() {
        if !mask[start] || seen[start] {
            continue;
        }
        seen[start] = true;
        stack.push(start);
        let mut size = 0;
        while let Some(i) = stack.pop() {
            size += 1;
            let (x, y) = ((i % width) as isize, (i / width) as isize);
            for dy in -1..=1 {
                for dx in -1..=1 {
                    let (nx, ny) = (x + dx, y + dy);
                    if nx < 0 || ny < 0 || nx >= width as isize || ny >= height as isize {
                        continue;
                    }
                    let j = ny as usize * width + nx as usize;
                    if mask[j] && !seen[j] {
                        seen[j] = true;
                        stack.push(j);
                    }
                }
            }
        }
        best = best.max(size);
    }
    best
}

/// Regions named a colour no closer to it than `WEAK_DE` (ΔE00, shading discounted), none of
/// whose hues the colour's word covers, show it only if they cover at least `WEAK_AREA` of the
/// image.
const WEAK_AREA: f64 = 0.02;
/// See [`WEAK_AREA`].
const WEAK_DE: f64 = 10.0;

/// The smallest connected patch of a colour's hue (share of the working image, about 23
/// pixels of 192 × 120) that could be an object of that colour.
const BLOB_MIN: f64 = 0.001;

/// An entity judged absent (every object region explained by the other entities' colours),
/// and what depends on it.
const ABSENT_CONFIDENCE: f64 = 0.7;
/// The horizon is one edge, and a scene may have none that is the horizon.
const CAMERA_CONFIDENCE: f64 = 0.6;

/// The largest distance at which a region is named with a vocabulary colour.
const NAME_MAX: f64 = 28.0;

struct Found<'a> {
    regions: Vec<&'a Region>,
    /// Indices of `regions` in the segmentation.
    index: Vec<usize>,
    /// Regions matched in colour but whose colour is shared with another entity.
    ambiguous: bool,
}

impl Judge<Scene> for LayoutJudge {
    fn name(&self) -> &'static str {
        "layout"
    }

    fn judge(&self, image: ImageRef<'_>, scene: &Scene) -> Judgement {
        self.judge_segmented(image, &segment(image), scene)
    }
}

impl LayoutJudge {
    /// [`Judge::judge`] on the image's segmentation made already (an audit that also asks
    /// other questions of it segments once).
    pub fn judge_segmented(
        &self,
        image: ImageRef<'_>,
        seg: &Segmentation,
        scene: &Scene,
    ) -> Judgement {
        let mut j = judge_with(seg, scene);
        // Quoted text is answered by reading it (and only then is the image read at all).
        let wanted: Vec<(usize, String)> = scene
            .checklist
            .iter()
            .filter(|a| a.kind == AssertionKind::Text)
            .filter_map(|a| a.value.clone().map(|v| (a.id, v)))
            .collect();
        if !wanted.is_empty() {
            crate::text::answer_all(&mut j.findings, &wanted, || {
                let reader = darkroom_ocr::Reader::system().map_err(str::to_string)?;
                reader
                    .read_until(image.width, image.height, image.rgb, |r| {
                        crate::text::all_found(r, &wanted)
                    })
                    .map_err(|e| e.to_string())
            });
            j.score = Judgement::adherence(&j.findings);
            let decided = j
                .findings
                .iter()
                .filter(|f| f.verdict != Verdict::Undecided)
                .count();
            if let Some(m) = j.metrics.iter_mut().find(|m| m.0 == "decided") {
                m.1 = decided as f64;
            }
        }
        j
    }
}

/// The verdict on a claimed colour no object region has: "no" only on strong evidence (nothing
/// in the image is of the colour's hue, or only scattered pixels are), otherwise undecided or a
/// weak "no".
fn colour_not_found(seg: &Segmentation, target: Lab, name: &str) -> (Verdict, f64, String) {
    // "No" only on strong evidence: nothing in the image is of the colour's hue
    // (or, for white, black and grey, of its lightness). A small, thin, shaded
    // or out-of-focus object of that colour (a ladybird, dandelion seeds, bokeh)
    // is not a region of its own, and a "no" would reject what is true.
    let (share, blob) = hue_share(seg, target, name);
    // A colour word names a range ("blue" is a turquoise sea too); a hex code
    // names one colour, and a large area of a near hue named otherwise (a brand
    // blue drawn as pure blue) is a different colour.
    let precise = name.starts_with('#');
    if share >= 0.002 && blob < BLOB_MIN {
        // Pixels of the hue that touch no others of it are fringes, noise and
        // colour casts: an object, however small or thin, is connected.
        (
            Verdict::No,
            0.75,
            format!(
                "no region has the colour {name}; {:.1}% of the image is of its hue, but only scattered (the largest connected patch {:.2}%): not an object",
                share * 100.0,
                blob * 100.0
            ),
        )
    } else if share >= 0.002 && (share < 0.05 || !precise) {
        (
            Verdict::Undecided,
            0.0,
            format!(
                "no object region is named {name}, but {:.1}% of the image is of a {name}-like colour (small, thin, shaded or another shade of it?): undecided",
                share * 100.0
            ),
        )
    } else if share >= 0.05 {
        // Weak: a large, shaded object of the exact colour may read as a
        // near one. Below the gate's default threshold, so it is recorded but
        // does not reject.
        (
            Verdict::No,
            0.45,
            format!(
                "no region has the colour {name}: the {:.0}% of the image of a similar hue is a different colour (nearest regions are named otherwise)",
                share * 100.0
            ),
        )
    } else {
        (
            Verdict::No,
            0.9,
            format!(
                "no region has the colour {name}, nor anything of its hue (nearest regions are named otherwise)"
            ),
        )
    }
}

/// Whether regions sit where the prompt placed their entity (their area-weighted centre).
fn position_verdict(regions: &[&Region], pos: Position) -> Option<(Verdict, f64, String)> {
    let cx = regions.iter().map(|r| r.cx * r.area).sum::<f64>()
        / regions.iter().map(|r| r.area).sum::<f64>();
    let cy = regions.iter().map(|r| r.cy * r.area).sum::<f64>()
        / regions.iter().map(|r| r.area).sum::<f64>();
    let (yes, no) = match pos {
        Position::Left => (cx < 0.45, cx > 0.55),
        Position::Right => (cx > 0.55, cx < 0.45),
        Position::Top => (cy < 0.45, cy > 0.55),
        Position::Bottom => (cy > 0.55, cy < 0.45),
        Position::Center => (
            (cx - 0.5).abs() < 0.15 && (cy - 0.5).abs() < 0.2,
            (cx - 0.5).abs() > 0.3,
        ),
        _ => (false, false),
    };
    let ev = format!(
        "centre at ({:.0}%, {:.0}%) of the frame",
        cx * 100.0,
        cy * 100.0
    );
    if yes {
        Some((Verdict::Yes, 0.8, ev))
    } else if no {
        Some((Verdict::No, 0.8, ev))
    } else {
        None
    }
}

/// A camera-angle claim against the horizon's height in the frame.
fn camera_verdict(
    angle: Option<CameraAngle>,
    value: Option<&str>,
    horizon: Option<f64>,
) -> Option<(Verdict, f64, String)> {
    match (angle, value, horizon) {
        (Some(CameraAngle::FromBelow), Some("from_below"), Some(h)) => Some(if h > 0.58 {
            (
                Verdict::Yes,
                CAMERA_CONFIDENCE,
                format!(
                    "horizon at {:.0}% of the height: low, the camera looks up",
                    h * 100.0
                ),
            )
        } else if h < 0.42 {
            (
                Verdict::No,
                CAMERA_CONFIDENCE,
                format!("horizon at {:.0}% of the height: high", h * 100.0),
            )
        } else {
            return None;
        }),
        (Some(CameraAngle::FromAbove), Some("from_above"), Some(h)) => Some(if h < 0.3 {
            (
                Verdict::Yes,
                CAMERA_CONFIDENCE,
                format!(
                    "horizon at {:.0}% of the height: high, the camera looks down",
                    h * 100.0
                ),
            )
        } else if h > 0.55 {
            (
                Verdict::No,
                CAMERA_CONFIDENCE,
                format!("horizon at {:.0}% of the height: low", h * 100.0),
            )
        } else {
            return None;
        }),
        (Some(CameraAngle::EyeLevel), Some("eye_level"), Some(h)) => {
            Some(if (0.35..0.65).contains(&h) {
                (
                    Verdict::Yes,
                    CAMERA_CONFIDENCE,
                    format!("horizon at {:.0}% of the height", h * 100.0),
                )
            } else {
                (
                    Verdict::No,
                    CAMERA_CONFIDENCE,
                    format!(
                        "horizon at {:.0}% of the height, far from the middle",
                        h * 100.0
                    ),
                )
            })
        }
        _ => None,
    }
}

/// The prompt's distinct colours, and which of them each entity has. Prompt colours closer
/// than ΔE00 10 cannot be told apart in pixels: one class, and the entities sharing it are
/// ambiguous (their counts and relations are left undecided).
fn prompt_colours(scene: &Scene) -> (Vec<Lab>, Vec<Option<usize>>) {
    let mut colours: Vec<Lab> = Vec::new();
    let mut colour_of: Vec<Option<usize>> = Vec::new();
    for e in &scene.entities {
        colour_of.push(e.color.as_ref().map(|c| {
            let lab = Lab::from_rgb8(c.rgb());
            match colours
                .iter()
                // Prompt colours closer than this cannot be told apart in pixels: one class,
                // and the entities sharing it are ambiguous (their counts and relations are
                // left undecided).
                .position(|x| darkroom_color::de2000(*x, lab) < 10.0)
            {
                Some(i) => i,
                None => {
                    colours.push(lab);
                    colours.len() - 1
                }
            }
        }));
    }
    (colours, colour_of)
}

/// Regions as evidence: where each is and how much of the image it covers.
fn describe(r: &[&Region]) -> String {
    r.iter()
        .map(|x| {
            format!(
                "region at ({:.0}%, {:.0}%) {:.1}% of the image",
                x.cx * 100.0,
                x.cy * 100.0,
                x.area * 100.0
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The findings, one per checklist item: an assertion whose entity is judged absent fails with
/// it, one nothing decided is undecided, and under strongly tinted light a colour the light masks
/// is undecided, never "no".
fn findings(
    seg: &Segmentation,
    scene: &Scene,
    verdicts: &[Option<(Verdict, f64, String)>],
    present: &[Option<bool>],
    (colours, colour_of): (&[Lab], &[Option<usize>]),
) -> Vec<Finding> {
    // Dependencies: an assertion whose entity is judged absent fails with it.
    let mut findings = Vec::with_capacity(scene.checklist.len());
    // The light is estimated only when a colour is claimed: it masks nothing else.
    let tint = scene
        .entities
        .iter()
        .any(|e| e.color.is_some())
        .then(|| light::tint(&seg.pixels))
        .flatten();
    for a in &scene.checklist {
        let absent = a
            .entities
            .iter()
            .find(|&&e| present[e] == Some(false) && a.kind != AssertionKind::Count);
        let (verdict, confidence, evidence) = match (&verdicts[a.id], absent) {
            (_, Some(&e)) if a.kind != AssertionKind::Entity => (
                Verdict::No,
                ABSENT_CONFIDENCE,
                format!("depends on the {}, which is absent", scene.entities[e].noun),
            ),
            (Some((v, c, ev)), _) => (
                *v,
                if *v == Verdict::Undecided { 0.0 } else { *c },
                ev.clone(),
            ),
            (None, _) => (
                Verdict::Undecided,
                0.0,
                "not decidable from colour regions".to_string(),
            ),
        };
        // Under strongly tinted light a colour the light masks is undecided, never "no".
        let masked = tint.filter(|t| {
            verdict == Verdict::No
                && matches!(a.kind, AssertionKind::Color | AssertionKind::Entity)
                && a.entities
                    .first()
                    .is_some_and(|&e| colour_of[e].is_some_and(|c| t.masks(colours[c])))
        });
        let (verdict, evidence, confidence) = match masked {
            Some(t) => (Verdict::Undecided, t.evidence(), 0.0),
            None => (verdict, evidence, confidence),
        };
        findings.push(Finding {
            assertion: Some(a.id),
            verdict,
            evidence,
            confidence,
        });
    }
    findings
}

/// Judges a scene against an existing segmentation (exposed for tests and the audit).
#[expect(
    clippy::too_many_lines,
    reason = "one verdict per assertion kind, the kinds side by side in one match"
)]
pub fn judge_with(seg: &Segmentation, scene: &Scene) -> Judgement {
    let (colours, colour_of) = prompt_colours(scene);
    let vocab = Vocab::new(&colours);
    // Name every object region.
    let named: Vec<(usize, f64)> = seg.regions.iter().map(|r| vocab.name(r.colour)).collect();
    let objects: Vec<usize> = (0..seg.regions.len())
        .filter(|&i| !seg.regions[i].background)
        .collect();
    let find = |entity: usize| -> Option<Found<'_>> {
        let ci = colour_of[entity]?;
        let shared = colour_of.iter().filter(|c| **c == Some(ci)).count() > 1;
        let mut index: Vec<usize> = objects
            .iter()
            .copied()
            .filter(|&i| vocab.entries[named[i].0].2 == Some(ci) && named[i].1 < NAME_MAX)
            .collect();
        // Specks only roughly of the colour (a highlight, a fringe, a bit of the background)
        // are no evidence the object has it: a real object of the colour is either close in
        // colour or large enough to be seen. They are judged as pixels, like anything too small
        // to be a region.
        // A region whose own hue is one the colour's word covers is the colour, however far
        // from the word's reference (a golden yellow box is yellow).
        let word = scene.entities[entity]
            .color
            .as_ref()
            .map_or("", |c| c.name.as_str());
        let like = ColourWord::new(colours[ci], word);
        let area: f64 = index.iter().map(|&i| seg.regions[i].area).sum();
        let best = index
            .iter()
            .map(|&i| named[i].1)
            .fold(f64::INFINITY, f64::min);
        let covered = index.iter().any(|&i| like.covers(seg.regions[i].colour));
        if best > WEAK_DE && area < WEAK_AREA && !covered {
            index.clear();
        }
        let regions = index.iter().map(|&i| &seg.regions[i]).collect();
        Some(Found {
            regions,
            index,
            ambiguous: shared,
        })
    };
    let unexplained = objects
        .iter()
        .filter(|&&i| vocab.entries[named[i].0].2.is_none() || named[i].1 >= NAME_MAX)
        .count();
    // Each decided verdict with its confidence (see `Finding::confidence`) and evidence.
    let mut verdicts: Vec<Option<(Verdict, f64, String)>> = vec![None; scene.checklist.len()];
    let mut present: Vec<Option<bool>> = vec![None; scene.entities.len()];
    for a in &scene.checklist {
        let Some(&e) = a.entities.first() else {
            continue;
        };
        let ent = &scene.entities[e];
        if ent.kind == EntityKind::Setting {
            // Scenery has no colour region of its own to find: undecided, never "no".
            continue;
        }
        let v: Option<(Verdict, f64, String)> = match a.kind {
            AssertionKind::Entity | AssertionKind::Color => match find(e) {
                None => None,
                Some(f) if !f.regions.is_empty() => {
                    let best = f
                        .regions
                        .iter()
                        .map(|r| shading_tolerant_de(r.colour, colours[colour_of[e].unwrap_or(0)]))
                        .fold(f64::INFINITY, f64::min);
                    present[e] = Some(true);
                    Some((
                        Verdict::Yes,
                        // Close in colour is surer than merely nearest.
                        0.95 - 0.3 * (best / NAME_MAX).min(1.0),
                        format!(
                            "{} in its colour (colour difference ΔE00 {best:.1}, shading discounted): {}",
                            ent.noun,
                            describe(&f.regions)
                        ),
                    ))
                }
                Some(_) if a.kind == AssertionKind::Color => {
                    let name = ent.color.as_ref().map_or("", |c| c.name.as_str());
                    Some(colour_not_found(
                        seg,
                        colours[colour_of[e].unwrap_or(0)],
                        name,
                    ))
                }
                // Absent: every object region is explained by the other entities' colours, and
                // there are object regions to explain (a macro photograph where all is
                // background says nothing about what is missing).
                Some(_) if unexplained == 0 && !objects.is_empty() => {
                    present[e] = Some(false);
                    Some((
                        Verdict::No,
                        ABSENT_CONFIDENCE,
                        format!(
                            "no {} colour region and no unexplained object region",
                            ent.noun
                        ),
                    ))
                }
                Some(_) => None,
            },
            AssertionKind::Count => {
                match (find(e), ent.count, ent.count_at_least) {
                    (Some(f), n, al)
                        if !f.ambiguous
                            && !f.regions.is_empty()
                            && objects_in(&f.index, seg).is_some() =>
                    {
                        let k = objects_in(&f.index, seg).unwrap_or(0) as u32;
                        match (n, al) {
                        // Fragments and merged copies make counting on textured images
                        // uncertain; off by one is the usual error.
                        (Some(n), _) if n <= MAX_COUNT && k <= MAX_COUNT => Some((
                            if k == n { Verdict::Yes } else { Verdict::No },
                            if k == n { 0.8 } else if k.abs_diff(n) == 1 { 0.6 } else { 0.75 },
                            format!("{k} separate object(s) of the colour ({} region(s)), {n} asked", f.regions.len()),
                        )),
                        (None, Some(al)) => Some((
                            if k >= al { Verdict::Yes } else { Verdict::No },
                            0.7,
                            format!("{k} separate object(s) of the colour, at least {al} asked"),
                        )),
                        _ => None,
                    }
                    }
                    (Some(f), Some(n), _)
                        if f.regions.is_empty()
                            && n > 0
                            && !f.ambiguous
                            && present[e] == Some(false) =>
                    {
                        Some((Verdict::No, ABSENT_CONFIDENCE, "none found".to_string()))
                    }
                    _ => None,
                }
            }
            AssertionKind::Relation => {
                let o = a.entities.get(1).copied();
                let (Some(fs), Some(fo)) = (find(e), o.and_then(find)) else {
                    continue;
                };
                let pred = scene
                    .relations
                    .iter()
                    .find(|r| {
                        r.subject == e
                            && Some(r.object) == o
                            && r.predicate.as_str() == a.value.as_deref().unwrap_or("")
                    })
                    .map(|r| r.predicate);
                match pred {
                    Some(p)
                        if !fs.ambiguous
                            && !fo.ambiguous
                            && !fs.regions.is_empty()
                            && !fo.regions.is_empty() =>
                    {
                        relation_verdict(p, &fs.regions, &fo.regions)
                    }
                    _ => None,
                }
            }
            AssertionKind::Position => match (find(e), ent.position) {
                (Some(f), Some(pos)) if !f.regions.is_empty() && !f.ambiguous => {
                    position_verdict(&f.regions, pos)
                }
                _ => None,
            },
            _ => None,
        };
        verdicts[a.id] = v;
    }
    // Camera hints from the horizon.
    for a in scene
        .checklist
        .iter()
        .filter(|a| a.kind == AssertionKind::Camera)
    {
        let angle = scene.camera.and_then(|c| c.angle);
        verdicts[a.id] = camera_verdict(angle, a.value.as_deref(), seg.horizon);
    }
    let findings = findings(seg, scene, &verdicts, &present, (&colours, &colour_of));
    let score = Judgement::adherence(&findings);
    let decided = findings
        .iter()
        .filter(|f| f.verdict != Verdict::Undecided)
        .count();
    Judgement {
        judge: "layout".into(),
        score,
        findings,
        metrics: vec![
            (
                "regions".into(),
                seg.regions.iter().filter(|r| !r.background).count() as f64,
            ),
            ("decided".into(), decided as f64),
            ("horizon".into(), seg.horizon.unwrap_or(-1.0)),
        ],
    }
}

/// How many objects a set of same-colour regions forms.
///
/// Fragments of one object (faces of a cube or pyramid, a torus's shaded halves, a bottle's
/// neck) that touch are grouped. The copies of one entity are the same thing at similar depths,
/// so they have similar sizes: the count is the colour's total area over the median group's
/// area, rounded. A split object adds up to one; two touching copies count as two.
fn objects_in(regions: &[usize], seg: &Segmentation) -> Option<usize> {
    let n = regions.len();
    let mut parent: Vec<usize> = (0..n).collect();
    fn root(p: &mut [usize], mut i: usize) -> usize {
        while p[i] != i {
            p[i] = p[p[i]];
            i = p[i];
        }
        i
    }
    for i in 0..n {
        for j in i + 1..n {
            if seg.adjacent[regions[i]].contains(&regions[j]) {
                let (ri, rj) = (root(&mut parent, i), root(&mut parent, j));
                parent[ri.max(rj)] = ri.min(rj);
            }
        }
    }
    let mut area = vec![0f64; n];
    for (i, &reg) in regions.iter().enumerate() {
        let r = root(&mut parent, i);
        area[r] += seg.regions[reg].area;
    }
    let mut groups: Vec<f64> = (0..n)
        .filter(|&i| root(&mut parent, i) == i)
        .map(|i| area[i])
        .collect();
    if groups.len() <= 1 {
        return Some(groups.len());
    }
    groups.sort_by(f64::total_cmp);
    // Copies of one thing are alike in size; when the groups are not (the largest over 2.5×
    // the smallest), fragments and merged copies cannot be told apart: do not guess.
    if groups[groups.len() - 1] > 2.5 * groups[0] {
        return None;
    }
    let median = groups[groups.len() / 2];
    let total: f64 = groups.iter().sum();
    Some(((total / median).round() as usize).max(1))
}

/// GenEval's position rule on every subject/object pair, extended to `on` (above and touching,
/// overlapping horizontally) and `under`.
fn relation_verdict(p: Predicate, s: &[&Region], o: &[&Region]) -> Option<(Verdict, f64, String)> {
    let dir = |a: &Region, b: &Region| -> (f64, f64) {
        let (dx, dy) = (a.cx - b.cx, a.cy - b.cy);
        let mx = 0.1 * (a.w + b.w);
        let my = 0.1 * (a.h + b.h);
        let sx = dx.signum() * (dx.abs() - mx).max(0.0);
        let sy = dy.signum() * (dy.abs() - my).max(0.0);
        let n = dx.hypot(dy).max(1e-9);
        (sx / n, sy / n)
    };
    let want: fn((f64, f64)) -> bool;
    let opposite: fn((f64, f64)) -> bool;
    match p {
        Predicate::LeftOf => {
            want = |d| d.0 < -0.5;
            opposite = |d| d.0 > 0.5;
        }
        Predicate::RightOf => {
            want = |d| d.0 > 0.5;
            opposite = |d| d.0 < -0.5;
        }
        Predicate::Above | Predicate::On => {
            want = |d| d.1 < -0.5;
            opposite = |d| d.1 > 0.5;
        }
        Predicate::Below | Predicate::Under => {
            want = |d| d.1 > 0.5;
            opposite = |d| d.1 < -0.5;
        }
        _ => return None,
    }
    let pairs: Vec<(f64, f64)> = s
        .iter()
        .flat_map(|a| o.iter().map(move |b| dir(a, b)))
        .collect();
    // In words first ("seen left of it"), then the offsets it rests on: across and down, in
    // the objects' sizes, where beyond ±0.5 counts.
    let seen = |d: &(f64, f64)| {
        if d.0.abs() >= d.1.abs() {
            if d.0 < -0.5 {
                "left of"
            } else if d.0 > 0.5 {
                "right of"
            } else {
                "overlapping"
            }
        } else if d.1 < -0.5 {
            "above"
        } else if d.1 > 0.5 {
            "below"
        } else {
            "overlapping"
        }
    };
    let ev = format!(
        "seen {} it (offsets across and down, in object sizes: {}; beyond ±0.5 counts)",
        pairs.first().map_or("apart from", seen),
        pairs
            .iter()
            .map(|d| format!("({:+.2}, {:+.2})", d.0, d.1))
            .collect::<Vec<_>>()
            .join(", ")
    );
    if pairs.iter().all(|&d| want(d)) {
        if p == Predicate::On {
            // Resting on: the subject's bottom meets the object's top, and they overlap sideways.
            let touching = s.iter().all(|a| {
                o.iter()
                    .any(|b| (a.y1 - b.y0).abs() < 0.06 + 0.15 * b.h && a.x0 < b.x1 && a.x1 > b.x0)
            });
            if !touching {
                return None;
            }
        }
        Some((Verdict::Yes, margin_confidence(&pairs), ev))
    } else if pairs.iter().all(|&d| opposite(d)) {
        // "No" only when every pairing of the two objects' regions is reversed: regions that
        // split or merge (a photograph) give mixed pairs, which decide nothing.
        Some((Verdict::No, margin_confidence(&pairs), ev))
    } else {
        // Mixed pairings (regions that split or merge, a photograph): the colour masses as
        // wholes, area-weighted, decide with less confidence, and only when they are clearly
        // apart.
        let mass = |r: &[&Region]| -> Region {
            let area: f64 = r.iter().map(|x| x.area).sum::<f64>().max(1e-9);
            let avg = |f: fn(&Region) -> f64| r.iter().map(|x| f(x) * x.area).sum::<f64>() / area;
            Region {
                area,
                cx: avg(|x| x.cx),
                cy: avg(|x| x.cy),
                w: avg(|x| x.w),
                h: avg(|x| x.h),
                ..*r[0]
            }
        };
        let (ms, mo) = (mass(s), mass(o));
        let d = dir(&ms, &mo);
        let ev = format!(
            "{ev}; as wholes, seen {} it ({:+.2}, {:+.2})",
            seen(&d),
            d.0,
            d.1
        );
        let strong = |d: (f64, f64)| d.0.abs().max(d.1.abs()) > 0.7;
        if want(d) && strong(d) && p != Predicate::On {
            Some((Verdict::Yes, 0.6, ev))
        } else if opposite(d) && strong(d) {
            Some((Verdict::No, 0.55, ev))
        } else {
            None
        }
    }
}

/// How sure a relation is from its weakest pairing: an offset just past ±0.5 (objects nearly
/// overlapping, a region that may be a fragment) is 0.55; well apart (±1, the offsets are unit
/// vectors shrunk by the margin) is 0.9.
fn margin_confidence(pairs: &[(f64, f64)]) -> f64 {
    let weakest = pairs
        .iter()
        .map(|d| d.0.abs().max(d.1.abs()))
        .fold(1.0, f64::min);
    (0.55 + 0.7 * (weakest - 0.5)).clamp(0.55, 0.9)
}
