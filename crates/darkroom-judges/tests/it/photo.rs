//! The layout judge on a photograph-like image composed by hand (not by the renderer): shaded
//! balls with highlights and soft shadows on a noisy, textured background.

use darkroom_judges::layout::LayoutJudge;
use darkroom_judges::{ImageRef, Judge, Verdict};

/// 320×240: a warm grey textured wall and floor, a shaded red ball on the left, a shaded blue
/// ball on the right, a small yellow box above the middle.
fn photo() -> Vec<u8> {
    let (w, h) = (320i32, 240i32);
    let mut rgb = Vec::with_capacity((w * h * 3) as usize);
    let mut noise = 12345u32;
    for y in 0..h {
        for x in 0..w {
            noise = noise.wrapping_mul(1_103_515_245).wrapping_add(12345);
            let n = ((noise >> 16) % 9) as f32 - 4.0;
            // Wall above, floor below, a texture of slow stripes, a vignette.
            let base = if y < 150 {
                150.0 + 8.0 * ((x as f32) * 0.08).sin()
            } else {
                120.0 + 6.0 * ((y as f32) * 0.3).sin()
            };
            let vig = 1.0
                - 0.25 * (((x - 160) as f32 / 160.0).powi(2) + ((y - 120) as f32 / 120.0).powi(2));
            let mut c = [base * vig + n, base * vig * 0.97 + n, base * vig * 0.92 + n];
            // Soft shadows under the balls.
            for (bx, by) in [(90.0, 185.0), (230.0, 185.0)] {
                let d =
                    (((x as f32 - bx) / 45.0).powi(2) + ((y as f32 - by) / 10.0).powi(2)).sqrt();
                let s = (1.0 - d).clamp(0.0, 1.0) * 0.45;
                for v in c.iter_mut() {
                    *v *= 1.0 - s;
                }
            }
            // Balls: Lambert shading lit from the upper left, a specular highlight.
            for (bx, by, r, col) in [
                (90.0f32, 140.0f32, 40.0f32, [200.0f32, 30.0, 35.0]),
                (230.0, 140.0, 40.0, [30.0, 60.0, 190.0]),
            ] {
                let (dx, dy) = ((x as f32 - bx) / r, (y as f32 - by) / r);
                let rr = dx * dx + dy * dy;
                if rr <= 1.0 {
                    let nz = (1.0 - rr).sqrt();
                    let lambert = (-0.5 * dx - 0.6 * dy + 0.62 * nz).max(0.0);
                    let shade = 0.3 + 0.8 * lambert;
                    let spec = lambert.powi(40) * 120.0;
                    c = [
                        col[0] * shade + spec,
                        col[1] * shade + spec,
                        col[2] * shade + spec,
                    ];
                }
            }
            // A yellow box above, between the balls.
            if (145..175).contains(&x) && (40..65).contains(&y) {
                let shade = if y < 46 { 1.1 } else { 0.9 };
                c = [235.0 * shade, 200.0 * shade, 30.0 * shade];
            }
            rgb.extend(c.map(|v| v.clamp(0.0, 255.0) as u8));
        }
    }
    rgb
}

fn verdicts(prompt: &str) -> Vec<(String, Verdict)> {
    let scene = darkroom_prompt::parse(prompt).unwrap();
    let px = photo();
    let j = LayoutJudge.judge(
        ImageRef {
            width: 320,
            height: 240,
            rgb: &px,
        },
        &scene,
    );
    j.findings
        .iter()
        .map(|f| {
            (
                scene.checklist[f.assertion.unwrap()].question.clone(),
                f.verdict,
            )
        })
        .collect()
}

fn get(v: &[(String, Verdict)], q: &str) -> Verdict {
    v.iter()
        .find(|(x, _)| x == q)
        .unwrap_or_else(|| panic!("no question {q}: {v:?}"))
        .1
}

#[test]
fn sensible_verdicts_on_a_hand_made_image() {
    // Written for a look (and for `darkroom judge` by hand).
    let out = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/test-output");
    let _ = std::fs::create_dir_all(&out);
    let _ = darkroom_imageops::write_png(&out.join("judge_photo.png"), 320, 240, &photo(), &[]);
    let v = verdicts("a red ball to the left of a blue ball");
    assert_eq!(get(&v, "Is the red ball red?"), Verdict::Yes);
    assert_eq!(get(&v, "Is the blue ball blue?"), Verdict::Yes);
    assert_eq!(
        get(&v, "Is the red ball to the left of the blue ball?"),
        Verdict::Yes
    );

    let v = verdicts("a red ball to the right of a blue ball");
    assert_eq!(
        get(&v, "Is the red ball to the right of the blue ball?"),
        Verdict::No
    );

    let v = verdicts("a yellow box above a blue ball");
    assert_eq!(get(&v, "Is the box yellow?"), Verdict::Yes);
    assert_eq!(get(&v, "Is the box above the ball?"), Verdict::Yes);

    let v = verdicts("three red balls");
    assert_eq!(get(&v, "Are the balls red?"), Verdict::Yes);
    assert_eq!(get(&v, "Are there exactly three balls?"), Verdict::No);

    let v = verdicts("a green ball");
    assert_eq!(get(&v, "Is the ball green?"), Verdict::No);

    // Undecidable from colour regions: material, lighting, text.
    let v = verdicts("a glass ball, soft lighting, a sign that says \"OPEN\"");
    assert!(
        v.iter()
            .all(|(q, verdict)| *verdict == Verdict::Undecided || q.starts_with("Is there")),
        "{v:?}"
    );
}
