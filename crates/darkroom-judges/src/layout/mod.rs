//! The layout judge: checklist assertions decided from pixels, without a model.
//!
//! 1. [`segment`] splits a working copy of the image (≤ 192 px) into colour regions in CIELAB:
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

pub mod segment;

use darkroom_color::{Lab, Rgb8};
use darkroom_core::judge::{Finding, ImageRef, Judge, Judgement, Verdict};
use darkroom_prompt::{AssertionKind, CameraAngle, Position, Predicate, Scene};

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

/// How far a hue may be from the asked colour's and still be called by its name: a colour word
/// covers a range ("blue" is a turquoise sea as much as #0000FF).
const HUE_WINDOW: f64 = 40.0;

/// Whether `target` may be in the image on an object too small, thin or blurred to be a region
/// of its own: between 0.2 % and 5 % of its pixels are of the colour's hue (within 40°, with a
/// chroma that shows a hue, lightness within 40 — shading moves lightness, not hue), or for
/// white, black and grey, grey and about as light. The evidence that keeps a colour "no" from
/// being said too soon. More than 5 % of that hue with no region named the colour is a large
/// area of a nearby but different colour (a brand blue rendered as pure blue): the "no" stands.
/// Returns the share of the image of the colour's hue.
fn hue_share(pixels: &[[f32; 3]], target: Lab) -> f64 {
    let (tc, th) = (target.chroma(), target.b.atan2(target.a).to_degrees());
    let like = |p: &[f32; 3]| {
        let (l, a, b) = (f64::from(p[0]), f64::from(p[1]), f64::from(p[2]));
        let c = a.hypot(b);
        if (l - target.l).abs() > 40.0 {
            return false;
        }
        if tc < 10.0 {
            return c < 12.0 && (l - target.l).abs() < 15.0;
        }
        let d = (b.atan2(a).to_degrees() - th).rem_euclid(360.0);
        c > 15.0 && d.min(360.0 - d) < HUE_WINDOW
    };
    let n = pixels.iter().filter(|p| like(p)).count();
    n as f64 / pixels.len().max(1) as f64
}

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
        let seg = segment(image);
        judge_with(&seg, scene)
    }
}

/// Judges a scene against an existing segmentation (exposed for tests and the audit).
pub fn judge_with(seg: &Segmentation, scene: &Scene) -> Judgement {
    // Distinct prompt colours.
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
    let vocab = Vocab::new(&colours);
    // Name every object region.
    let named: Vec<(usize, f64)> = seg.regions.iter().map(|r| vocab.name(r.colour)).collect();
    let objects: Vec<usize> = (0..seg.regions.len())
        .filter(|&i| !seg.regions[i].background)
        .collect();
    let find = |entity: usize| -> Option<Found<'_>> {
        let ci = colour_of[entity]?;
        let shared = colour_of.iter().filter(|c| **c == Some(ci)).count() > 1;
        let index: Vec<usize> = objects
            .iter()
            .copied()
            .filter(|&i| vocab.entries[named[i].0].2 == Some(ci) && named[i].1 < NAME_MAX)
            .collect();
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
    let mut verdicts: Vec<Option<(Verdict, String)>> = vec![None; scene.checklist.len()];
    let mut present: Vec<Option<bool>> = vec![None; scene.entities.len()];
    let describe = |r: &[&Region]| -> String {
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
    };
    for a in &scene.checklist {
        let Some(&e) = a.entities.first() else {
            continue;
        };
        let ent = &scene.entities[e];
        let v: Option<(Verdict, String)> = match a.kind {
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
                        format!(
                            "{} in its colour (colour difference ΔE00 {best:.1}, shading discounted): {}",
                            ent.noun,
                            describe(&f.regions)
                        ),
                    ))
                }
                Some(_) if a.kind == AssertionKind::Color => {
                    let target = colours[colour_of[e].unwrap_or(0)];
                    let name = ent.color.as_ref().map_or("", |c| c.name.as_str());
                    // "No" only on strong evidence: nothing in the image is of the colour's hue
                    // (or, for white, black and grey, of its lightness). A small, thin, shaded
                    // or out-of-focus object of that colour (a ladybird, dandelion seeds, bokeh)
                    // is not a region of its own, and a "no" would reject what is true.
                    let share = hue_share(&seg.pixels, target);
                    // A colour word names a range ("blue" is a turquoise sea too); a hex code
                    // names one colour, and a large area of a near hue named otherwise (a brand
                    // blue drawn as pure blue) is a different colour.
                    let precise = name.starts_with('#');
                    if share >= 0.002 && (share < 0.05 || !precise) {
                        Some((
                            Verdict::Undecided,
                            format!(
                                "no object region is named {name}, but {:.1}% of the image is of a {name}-like colour (small, thin, shaded or another shade of it?): undecided",
                                share * 100.0
                            ),
                        ))
                    } else if share >= 0.05 {
                        Some((
                            Verdict::No,
                            format!(
                                "no region has the colour {name}: the {:.0}% of the image of a similar hue is a different colour (nearest regions are named otherwise)",
                                share * 100.0
                            ),
                        ))
                    } else {
                        Some((
                            Verdict::No,
                            format!(
                                "no region has the colour {name}, nor anything of its hue (nearest regions are named otherwise)"
                            ),
                        ))
                    }
                }
                // Absent: every object region is explained by the other entities' colours, and
                // there are object regions to explain (a macro photograph where all is
                // background says nothing about what is missing).
                Some(_) if unexplained == 0 && !objects.is_empty() => {
                    present[e] = Some(false);
                    Some((
                        Verdict::No,
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
                        (Some(n), _) if n <= MAX_COUNT && k <= MAX_COUNT => Some((
                            if k == n { Verdict::Yes } else { Verdict::No },
                            format!("{k} separate object(s) of the colour ({} region(s)), {n} asked", f.regions.len()),
                        )),
                        (None, Some(al)) => Some((
                            if k >= al { Verdict::Yes } else { Verdict::No },
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
                        Some((Verdict::No, "none found".to_string()))
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
                    let cx = f.regions.iter().map(|r| r.cx * r.area).sum::<f64>()
                        / f.regions.iter().map(|r| r.area).sum::<f64>();
                    let cy = f.regions.iter().map(|r| r.cy * r.area).sum::<f64>()
                        / f.regions.iter().map(|r| r.area).sum::<f64>();
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
                        Some((Verdict::Yes, ev))
                    } else if no {
                        Some((Verdict::No, ev))
                    } else {
                        None
                    }
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
        let v = match (angle, a.value.as_deref(), seg.horizon) {
            (Some(CameraAngle::FromBelow), Some("from_below"), Some(h)) => Some(if h > 0.58 {
                (
                    Verdict::Yes,
                    format!(
                        "horizon at {:.0}% of the height: low, the camera looks up",
                        h * 100.0
                    ),
                )
            } else if h < 0.42 {
                (
                    Verdict::No,
                    format!("horizon at {:.0}% of the height: high", h * 100.0),
                )
            } else {
                continue;
            }),
            (Some(CameraAngle::FromAbove), Some("from_above"), Some(h)) => Some(if h < 0.3 {
                (
                    Verdict::Yes,
                    format!(
                        "horizon at {:.0}% of the height: high, the camera looks down",
                        h * 100.0
                    ),
                )
            } else if h > 0.55 {
                (
                    Verdict::No,
                    format!("horizon at {:.0}% of the height: low", h * 100.0),
                )
            } else {
                continue;
            }),
            (Some(CameraAngle::EyeLevel), Some("eye_level"), Some(h)) => {
                Some(if (0.35..0.65).contains(&h) {
                    (
                        Verdict::Yes,
                        format!("horizon at {:.0}% of the height", h * 100.0),
                    )
                } else {
                    (
                        Verdict::No,
                        format!(
                            "horizon at {:.0}% of the height, far from the middle",
                            h * 100.0
                        ),
                    )
                })
            }
            _ => None,
        };
        verdicts[a.id] = v;
    }
    // Dependencies: an assertion whose entity is judged absent fails with it.
    let mut findings = Vec::with_capacity(scene.checklist.len());
    for a in &scene.checklist {
        let absent = a
            .entities
            .iter()
            .find(|&&e| present[e] == Some(false) && a.kind != AssertionKind::Count);
        let (verdict, evidence) = match (&verdicts[a.id], absent) {
            (_, Some(&e)) if a.kind != AssertionKind::Entity => (
                Verdict::No,
                format!("depends on the {}, which is absent", scene.entities[e].noun),
            ),
            (Some((v, ev)), _) => (*v, ev.clone()),
            (None, _) => (
                Verdict::Undecided,
                "not decidable from colour regions".to_string(),
            ),
        };
        findings.push(Finding {
            assertion: Some(a.id),
            verdict,
            evidence,
        });
    }
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
fn relation_verdict(p: Predicate, s: &[&Region], o: &[&Region]) -> Option<(Verdict, String)> {
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
        Some((Verdict::Yes, ev))
    } else if pairs.iter().all(|&d| opposite(d)) {
        // "No" only when every pairing of the two objects' regions is reversed: regions that
        // split or merge (a photograph) give mixed pairs, which decide nothing.
        Some((Verdict::No, ev))
    } else {
        None
    }
}
