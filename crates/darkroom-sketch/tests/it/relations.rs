//! Every relation in a prompt holds on screen, from the camera's point of view, for many
//! prompts and seeds. Checked from the renderer's object-id buffer, never from layout internals.

use darkroom_core::Quality;
use darkroom_prompt::Predicate;

use crate::util::{draw, stats};

const PROMPTS: &[&str] = &[
    "a red sphere on a glass table to the left of a blue cube, cinematic lighting",
    "a dog right of a teddy bear",
    "a cat to the left of a dog",
    "a green cone to the right of a yellow cylinder",
    "a lamp above a desk",
    "a torus above a cylinder",
    "a ball below a table",
    "a cat under a table",
    "a vase on a table",
    "a red cube on a blue cube",
    "a cube on a sphere on a cylinder",
    "a car in front of a house",
    "a tree behind a house",
    "a dog next to a cat",
    "a sphere between a cube and a cone",
    "a teddy bear between a blue ball and a red car",
    "a cup between two plates",
    "a cat and a dog on a sofa",
    "a table with a vase on it",
    "a red sphere on the left and a blue cube on the right",
    "three yellow rubber ducks in a row in front of a blue bathtub",
    "a small white cup on a large black saucer next to a silver spoon",
    "four green bottles and two red cans on a shelf",
    "a purple cone under a yellow table",
    "a red sphere left of a green cube left of a blue cone",
    "a blue cube right of a red sphere, a yellow cone left of the sphere",
    "a matte black bottle on a white pedestal, soft light from the left, view from below",
    "a wooden sign that says \"OPEN\" next to a fire hydrant, golden hour",
    "a red sphere on a glass table to the left of a blue cube and a green cone behind the table",
    "a pyramid to the left of a torus, a bottle on the right",
    "two cats and a dog sitting on a green sofa in a living room",
    "a coffee mug on a desk next to a laptop",
    "a gold ring on a marble plinth to the right of a glass bottle",
    "an astronaut floating above the moon",
];

fn check(prompt: &str, seed: u64, w: u32, h: u32) -> Vec<String> {
    let (scene, img) = draw(prompt, w, h, seed, Quality::Draft);
    let mut errs = Vec::new();
    let st: Vec<_> = (0..scene.entities.len()).map(|e| stats(&img, e)).collect();
    for (e, s) in st.iter().enumerate() {
        // Scenery is the ground and sky, not an object with pixels of its own.
        let object = scene.entities[e].kind != darkroom_prompt::EntityKind::Setting;
        if object && s.n == 0 && scene.entities[e].count != Some(0) {
            errs.push(format!("{} is not visible", scene.entities[e].noun));
        }
    }
    let top_down =
        scene.camera.and_then(|c| c.angle) == Some(darkroom_prompt::CameraAngle::TopDown);
    for r in &scene.relations {
        let (s, o) = (st[r.subject], st[r.object]);
        if s.n == 0 || o.n == 0 {
            continue;
        }
        let name = format!(
            "{} {} {}",
            scene.entities[r.subject].noun,
            r.predicate.as_str(),
            scene.entities[r.object].noun
        );
        let ok = match r.predicate {
            Predicate::LeftOf => s.cx < o.cx,
            Predicate::RightOf => s.cx > o.cx,
            Predicate::Above => top_down || s.cy < o.cy,
            Predicate::Below | Predicate::Under => top_down || s.cy > o.cy,
            Predicate::On => top_down || (s.cy < o.cy && s.x0 <= o.x1 && s.x1 >= o.x0),
            // Nearer objects stand lower in the frame (their ground contact is nearer).
            Predicate::InFrontOf => s.y1 >= o.y1,
            Predicate::Behind => s.y1 <= o.y1,
            Predicate::NextTo => (s.cx - o.cx).abs() < w as f32 * 0.6,
            Predicate::Between => {
                let o2 = st[r.object2.unwrap()];
                if r.object2 == Some(r.object) {
                    // Between two copies of one entity: inside their horizontal extent.
                    o.x0 as f32 <= s.cx && s.cx <= o.x1 as f32
                } else {
                    (o.cx < s.cx && s.cx < o2.cx) || (o2.cx < s.cx && s.cx < o.cx)
                }
            }
        };
        if !ok {
            errs.push(format!("{name}: subject {s:?} object {o:?}"));
        }
    }
    for e in &scene.entities {
        let s = st[e.id];
        match e.position {
            Some(darkroom_prompt::Position::Left) if s.cx >= w as f32 / 2.0 => {
                errs.push(format!("{} not on the left", e.noun))
            }
            Some(darkroom_prompt::Position::Right) if s.cx <= w as f32 / 2.0 => {
                errs.push(format!("{} not on the right", e.noun))
            }
            _ => {}
        }
    }
    errs
}

#[test]
fn relations_hold_on_screen_for_many_seeds() {
    let mut failures = Vec::new();
    for p in PROMPTS {
        for seed in 0..6 {
            for (w, h) in [(160, 160), (224, 126)] {
                for e in check(p, seed, w, h) {
                    failures.push(format!("`{p}` seed {seed} {w}x{h}: {e}"));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn a_relation_checker_that_cannot_fail_is_no_check() {
    // The checker must catch a violated relation: render "A left of B" and check the opposite.
    let (scene, img) = draw(
        "a red sphere to the left of a blue cube",
        160,
        160,
        3,
        Quality::Draft,
    );
    assert_eq!(scene.relations[0].predicate, Predicate::LeftOf);
    let (s, o) = (stats(&img, 0), stats(&img, 1));
    assert!(s.cx < o.cx);
    let right_of_holds = s.cx > o.cx;
    assert!(!right_of_holds, "right_of would have been reported");
}
