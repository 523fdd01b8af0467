//! Camera, lighting, materials, sizes and image dimensions follow the prompt.

use darkroom_core::Quality;
use darkroom_sketch::{render, Options, RenderError};

use crate::util::{draw, mean_rgb, stats};

#[test]
fn camera_angle_moves_the_horizon() {
    let h = |p: &str| draw(p, 160, 160, 2, Quality::Draft).1.horizon;
    let below = h("a tall tower, view from below").unwrap();
    let level = h("a tall tower, eye level").unwrap();
    let above = h("a tall tower, view from above").unwrap();
    // Image rows grow downward: looking up puts the horizon low, looking down puts it high.
    assert!(below > level + 20.0, "below {below} level {level}");
    assert!(above < level - 40.0, "above {above} level {level}");
    assert!(
        (level - 80.0).abs() < 12.0,
        "eye level keeps the horizon near the middle: {level}"
    );
    // Looking straight down, the horizon is far above the frame.
    assert!(h("a tall tower, top-down").is_none_or(|r| r < -1000.0));
}

#[test]
fn close_up_fills_the_frame_and_wide_shows_more() {
    let area = |p: &str| stats(&draw(p, 160, 160, 4, Quality::Draft).1, 0).n;
    let close = area("a close-up of a red sphere next to a blue cube");
    let normal = area("a red sphere next to a blue cube");
    let wide = area("a wide shot of a red sphere next to a blue cube");
    assert!(close > normal * 2, "close {close} normal {normal}");
    assert!(wide * 2 < normal, "wide {wide} normal {normal}");
}

#[test]
fn light_direction_follows_the_prompt() {
    // Compare the brightness of the left and right halves of a matte grey sphere (mid-grey, so
    // the tone curve does not compress the difference).
    let halves = |p: &str| {
        let (_, img) = draw(p, 200, 200, 3, Quality::Draft);
        let s = stats(&img, 0);
        let (mut l, mut r, mut nl, mut nr) = (0f64, 0f64, 0f64, 0f64);
        for y in s.y0..=s.y1 {
            for x in s.x0..=s.x1 {
                let i = (y * img.width + x) as usize;
                if img.ids[i] == 0 {
                    continue;
                }
                let v = f64::from(img.rgb[i * 3])
                    + f64::from(img.rgb[i * 3 + 1])
                    + f64::from(img.rgb[i * 3 + 2]);
                if (x as f32) < s.cx {
                    l += v;
                    nl += 1.0;
                } else {
                    r += v;
                    nr += 1.0;
                }
            }
        }
        (l / nl, r / nr)
    };
    let (l, r) = halves("a matte gray sphere, light from the left");
    assert!(l > r * 1.3, "left {l} right {r}");
    let (l, r) = halves("a matte gray sphere, light from the right");
    assert!(r > l * 1.3, "left {l} right {r}");
}

#[test]
fn materials_look_different() {
    let look = |p: &str| {
        let (_, img) = draw(p, 160, 160, 1, Quality::Finish);
        let m = mean_rgb(&img, 0);
        // Spread of the object's pixel values: glass and chrome show their surroundings.
        let vals: Vec<f32> = img
            .ids
            .iter()
            .enumerate()
            .filter(|(_, &id)| id != 0)
            .map(|(i, _)| f32::from(img.rgb[i * 3 + 1]))
            .collect();
        let mean = vals.iter().sum::<f32>() / vals.len() as f32;
        let sd = (vals.iter().map(|v| (v - mean).powi(2)).sum::<f32>() / vals.len() as f32).sqrt();
        (m, sd)
    };
    let (matte, _) = look("a matte red sphere on a checkered floor");
    let (glossy, _) = look("a glossy red sphere on a checkered floor");
    let (glass, _) = look("a red glass sphere on a checkered floor");
    let (chrome, chrome_sd) = look("a chrome sphere on a checkered floor");
    let dist = |a: [f32; 3], b: [f32; 3]| (0..3).map(|k| (a[k] - b[k]).abs()).sum::<f32>();
    assert!(
        dist(matte, glossy) > 4.0,
        "matte {matte:?} glossy {glossy:?}"
    );
    assert!(dist(matte, glass) > 30.0, "matte {matte:?} glass {glass:?}");
    assert!(
        dist(glass, chrome) > 30.0,
        "glass {glass:?} chrome {chrome:?}"
    );
    assert!(
        chrome_sd > 10.0,
        "chrome reflects a varied world: sd {chrome_sd}"
    );
}

#[test]
fn sizes_and_aspects_are_exact() {
    for (w, h) in [(512, 512), (320, 180), (90, 160), (8192, 4), (1, 1)] {
        let (_, img) = draw("a red cube", w, h, 0, Quality::Draft);
        assert_eq!((img.width, img.height), (w, h));
        assert_eq!(img.rgb.len(), (w * h * 3) as usize);
    }
    let scene = darkroom_prompt::parse("a cube").unwrap();
    for (w, h) in [(0, 10), (10, 0), (8193, 10)] {
        let e = render(&scene, &Options::new(w, h, 0)).unwrap_err();
        assert_eq!(
            e,
            RenderError::Size {
                width: w,
                height: h
            }
        );
        assert!(e.to_string().contains("1..=8192"));
    }
}

#[test]
fn size_words_change_relative_size() {
    let (_, img) = draw(
        "a tiny red cube next to a huge blue cube",
        200,
        120,
        0,
        Quality::Draft,
    );
    assert!(stats(&img, 1).n > stats(&img, 0).n * 4);
}

#[test]
fn unknown_nouns_get_labelled_stand_ins_and_signs_show_their_text() {
    // The label is drawn over the stand-in: dark text pixels appear in a light label box
    // above the object, where the id buffer still says "background" or the object.
    let (_, plain) = draw("a zorblax", 240, 240, 0, Quality::Draft);
    let (_, sign) = draw("a sign that says \"OPEN\"", 240, 240, 0, Quality::Draft);
    let (_, blank) = draw("a sign", 240, 240, 0, Quality::Draft);
    assert_ne!(sign.rgb, blank.rgb, "the sign's text is drawn");
    let dark_on_light = |img: &darkroom_sketch::Image| {
        img.rgb
            .chunks_exact(3)
            .filter(|p| p[0] < 60 && p[1] < 60 && p[2] < 60)
            .count()
    };
    assert!(dark_on_light(&plain) > 20, "the stand-in carries a label");
}
