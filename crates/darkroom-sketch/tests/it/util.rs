//! Rendering helpers and per-entity statistics from the renderer's object-id buffer.

use darkroom_core::Quality;
use darkroom_sketch::{render, Image, Options};

pub fn draw(
    prompt: &str,
    w: u32,
    h: u32,
    seed: u64,
    q: Quality,
) -> (darkroom_prompt::Scene, Image) {
    let scene = darkroom_prompt::parse(prompt).unwrap();
    let img = render(
        &scene,
        &Options {
            width: w,
            height: h,
            seed,
            quality: q,
        },
    )
    .unwrap();
    (scene, img)
}

/// Visible pixels of one entity (all copies): count, centroid, bounding box.
#[derive(Debug, Clone, Copy)]
pub struct Stats {
    pub n: usize,
    pub cx: f32,
    pub cy: f32,
    pub x0: u32,
    pub x1: u32,
    pub y0: u32,
    pub y1: u32,
}

pub fn stats(img: &Image, entity: usize) -> Stats {
    let mut s = Stats {
        n: 0,
        cx: 0.0,
        cy: 0.0,
        x0: u32::MAX,
        x1: 0,
        y0: u32::MAX,
        y1: 0,
    };
    let (mut sx, mut sy) = (0f64, 0f64);
    for y in 0..img.height {
        for x in 0..img.width {
            let id = img.ids[(y * img.width + x) as usize];
            if id == 0 || img.objects[id as usize - 1].0 != entity {
                continue;
            }
            s.n += 1;
            sx += f64::from(x);
            sy += f64::from(y);
            s.x0 = s.x0.min(x);
            s.x1 = s.x1.max(x);
            s.y0 = s.y0.min(y);
            s.y1 = s.y1.max(y);
        }
    }
    if s.n > 0 {
        s.cx = (sx / s.n as f64) as f32;
        s.cy = (sy / s.n as f64) as f32;
    }
    s
}

/// Mean sRGB colour of an entity's visible pixels.
pub fn mean_rgb(img: &Image, entity: usize) -> [f32; 3] {
    let mut acc = [0f64; 3];
    let mut n = 0f64;
    for (i, &id) in img.ids.iter().enumerate() {
        if id != 0 && img.objects[id as usize - 1].0 == entity {
            for (a, &c) in acc.iter_mut().zip(&img.rgb[i * 3..i * 3 + 3]) {
                *a += f64::from(c);
            }
            n += 1.0;
        }
    }
    acc.map(|a| (a / n.max(1.0)) as f32)
}
