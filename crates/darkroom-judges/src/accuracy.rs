//! How far to trust the layout judge: prompts are generated from templates (GenEval-style: one
//! coloured object, two differently coloured objects, counts up to six, left/right/above/below),
//! half of them are mutated (recoloured, recounted, relation flipped) before rendering, the
//! render is judged against the prompt as asked, and every verdict is compared with the injected
//! truth. The renderer is a parameter, so this crate never depends on it.

use darkroom_core::judge::{ImageRef, Judge, Verdict};
use darkroom_core::Quality;
use darkroom_prompt::mutate::{opposite, Mutation};
use darkroom_prompt::{AssertionKind, Color, Scene};
use serde::Serialize;

use crate::layout::LayoutJudge;

/// Colours of the generated prompts: GenEval's ten.
pub const COLOURS: &[&str] = &[
    "red", "orange", "yellow", "green", "blue", "purple", "pink", "brown", "black", "white",
];
/// Objects of the generated prompts.
pub const OBJECTS: &[(&str, &str)] = &[
    ("sphere", "spheres"),
    ("cube", "cubes"),
    ("cone", "cones"),
    ("cylinder", "cylinders"),
    ("pyramid", "pyramids"),
    ("bottle", "bottles"),
    ("torus", "tori"),
    ("ball", "balls"),
];
const NUMBERS: &[&str] = &["", "one", "two", "three", "four", "five", "six"];

/// A generated test case.
#[derive(Debug, Clone, Serialize)]
pub struct Case {
    /// The prompt.
    pub prompt: String,
    /// Its template family.
    pub family: &'static str,
    /// The mutation applied before rendering, if any.
    pub mutation: Option<Mutation>,
    /// The render seed.
    pub seed: u64,
}

use darkroom_core::rand::SplitMix64 as Rng;

fn article(w: &str) -> &'static str {
    if w.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}

fn colour(name: &str) -> Color {
    Color::new(
        name,
        darkroom_color::named::lookup(name).unwrap_or(darkroom_color::Rgb8::new(0, 0, 0)),
    )
}

/// Generates `n` cases; about `rate` of them carry a mutation of their family's category.
pub fn generate(n: usize, seed: u64, rate: f64) -> Vec<(Case, Scene)> {
    let mut r = Rng(seed ^ 0xACC0_0A11);
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let c1 = COLOURS[r.below(COLOURS.len())];
        let mut c2 = COLOURS[r.below(COLOURS.len())];
        while c2 == c1 {
            c2 = COLOURS[r.below(COLOURS.len())];
        }
        let (o1, o1s) = OBJECTS[r.below(OBJECTS.len())];
        let (o2, _) = OBJECTS[r.below(OBJECTS.len())];
        let (family, prompt) = match out.len() % 4 {
            0 => ("colors", format!("{} {c1} {o1}", article(c1))),
            1 => (
                "color_attr",
                format!("{} {c1} {o1} and {} {c2} {o2}", article(c1), article(c2)),
            ),
            2 => {
                let k = 2 + r.below(5);
                ("counting", format!("{} {c1} {o1s}", NUMBERS[k]))
            }
            _ => {
                let rel = ["to the left of", "to the right of", "above", "below"][r.below(4)];
                (
                    "position",
                    format!("{} {c1} {o1} {rel} {} {c2} {o2}", article(c1), article(c2)),
                )
            }
        };
        let Ok(scene) = darkroom_prompt::parse(&prompt) else {
            continue;
        };
        let mutate = (r.next_u64() % 1_000_000) as f64 / 1_000_000.0 < rate;
        let mutation = if !mutate {
            None
        } else {
            match family {
                "colors" | "color_attr" => {
                    let e = r.below(scene.entities.len());
                    let from = scene.entities[e]
                        .color
                        .clone()
                        .unwrap_or_else(|| colour("red"));
                    let used: Vec<String> = scene
                        .entities
                        .iter()
                        .filter_map(|x| x.color.as_ref().map(|c| c.name.clone()))
                        .collect();
                    let mut to = COLOURS[r.below(COLOURS.len())];
                    while used.iter().any(|u| u == to) {
                        to = COLOURS[r.below(COLOURS.len())];
                    }
                    Some(Mutation::Recolour {
                        entity: e,
                        from,
                        to: colour(to),
                    })
                }
                "counting" => {
                    let from = scene.entities[0].count.unwrap_or(2);
                    let mut to = from;
                    while to == from {
                        to = (from as i64 + [-2, -1, 1, 2][r.below(4)]).clamp(1, 6) as u32;
                    }
                    Some(Mutation::Recount {
                        entity: 0,
                        from,
                        to,
                    })
                }
                _ => scene.relations.first().and_then(|rel| {
                    opposite(rel.predicate).map(|to| Mutation::BreakRelation {
                        relation: 0,
                        from: rel.predicate,
                        to,
                    })
                }),
            }
        };
        let seed = r.next_u64() % 100_000;
        out.push((
            Case {
                prompt,
                family,
                mutation,
                seed,
            },
            scene,
        ));
    }
    out
}

/// Precision, recall and undecided rate of one category.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Stats {
    /// Checklist category.
    pub category: String,
    /// Assertions judged.
    pub assertions: usize,
    /// Of them, made false by a mutation.
    pub violated: usize,
    /// Judge said no, and it was false.
    pub true_no: usize,
    /// Judge said no, but it held.
    pub false_no: usize,
    /// Judge said yes, but it was false.
    pub false_yes: usize,
    /// Judge said yes, and it held.
    pub true_yes: usize,
    /// Judge could not tell.
    pub undecided: usize,
}

impl Stats {
    /// Of the violations the judge reported, the share that were real.
    pub fn precision(&self) -> f64 {
        ratio(self.true_no, self.true_no + self.false_no)
    }
    /// Of the real (decided) violations, the share the judge reported.
    pub fn recall(&self) -> f64 {
        ratio(self.true_no, self.true_no + self.false_yes)
    }
    /// Share of assertions left undecided.
    pub fn undecided_rate(&self) -> f64 {
        ratio(self.undecided, self.assertions)
    }
    /// Share of decided verdicts that were right.
    pub fn accuracy(&self) -> f64 {
        ratio(
            self.true_no + self.true_yes,
            self.assertions - self.undecided,
        )
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        1.0
    } else {
        a as f64 / b as f64
    }
}

/// The result for one quality tier.
#[derive(Debug, Clone, Serialize)]
pub struct TierReport {
    /// `draft` or `finish`.
    pub tier: String,
    /// Per category: colour, count, position (relation).
    pub categories: Vec<Stats>,
    /// Adherence the judge gives the un-mutated renders, on what it decides.
    pub clean_adherence: f64,
    /// Cases where the judge was wrong, for a look (up to 20).
    pub mistakes: Vec<String>,
}

/// Renders a scene: `(scene, seed, quality) → (width, height, rgb)`.
pub type Render<'a> = dyn Fn(&Scene, u64, Quality) -> (u32, u32, Vec<u8>) + Sync + 'a;

/// Runs the cases at one tier.
pub fn run(cases: &[(Case, Scene)], quality: Quality, render: &Render<'_>) -> TierReport {
    let cats = [
        ("color", AssertionKind::Color),
        ("count", AssertionKind::Count),
        ("position", AssertionKind::Relation),
    ];
    let mut stats: Vec<Stats> = cats
        .iter()
        .map(|c| Stats {
            category: c.0.into(),
            ..Stats::default()
        })
        .collect();
    let (mut clean_yes, mut clean_decided) = (0usize, 0usize);
    let mut mistakes = Vec::new();
    for (case, scene) in cases {
        let mut shown = scene.clone();
        let falsified = match &case.mutation {
            Some(m) => {
                m.apply(&mut shown);
                m.falsifies(scene)
            }
            None => Vec::new(),
        };
        let (w, h, rgb) = render(&shown, case.seed, quality);
        let j = LayoutJudge.judge(
            ImageRef {
                width: w,
                height: h,
                rgb: &rgb,
            },
            scene,
        );
        for f in &j.findings {
            let Some(id) = f.assertion else { continue };
            let a = &scene.checklist[id];
            let truth = !falsified.contains(&id);
            if case.mutation.is_none() && f.verdict != Verdict::Undecided {
                clean_decided += 1;
                clean_yes += usize::from(f.verdict == Verdict::Yes);
            }
            let Some(k) = cats.iter().position(|c| c.1 == a.kind) else {
                continue;
            };
            let s = &mut stats[k];
            s.assertions += 1;
            s.violated += usize::from(!truth);
            match (f.verdict, truth) {
                (Verdict::Undecided, _) => s.undecided += 1,
                (Verdict::No, false) => s.true_no += 1,
                (Verdict::No, true) => s.false_no += 1,
                (Verdict::Yes, false) => s.false_yes += 1,
                (Verdict::Yes, true) => s.true_yes += 1,
            }
            let wrong = matches!(
                (f.verdict, truth),
                (Verdict::No, true) | (Verdict::Yes, false)
            );
            if wrong && mistakes.len() < 20 {
                mistakes.push(format!(
                    "`{}` seed {} {:?}: \"{}\" judged {:?} ({})",
                    case.prompt,
                    case.seed,
                    case.mutation
                        .as_ref()
                        .map(|m| serde_json::to_string(m).unwrap_or_default()),
                    a.question,
                    f.verdict,
                    f.evidence
                ));
            }
        }
    }
    TierReport {
        tier: quality.to_string(),
        categories: stats,
        clean_adherence: ratio(clean_yes, clean_decided),
        mistakes,
    }
}
