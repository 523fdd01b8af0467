//! `sketch`: darkroom's built-in offline renderer and default provider.
//!
//! It draws a prompt's scene graph ([`darkroom_prompt::Scene`]) as a small 3D scene — a
//! composition preview, like a previsualisation pass — with a ray tracer: known shapes as
//! primitives, any other noun as a labelled stand-in of sensible proportions, materials that
//! look different (glass refracts, metal reflects, matte is diffuse), the camera and lighting
//! the prompt asks for, any aspect ratio, up to 8192 px on the long side.
//!
//! Every relation in the prompt holds on screen from the camera's point of view; the seed varies
//! only what the prompt leaves open (spacing, unconstrained order, unspecified colours, camera
//! and light jitter). The same inputs give byte-identical output: all randomness is a seeded
//! splitmix64, and rows are computed independently so rayon's scheduling cannot change a pixel.
//!
//! ```
//! let scene = darkroom_prompt::parse("a red sphere left of a blue cube").unwrap();
//! let img = darkroom_sketch::render(&scene, &darkroom_sketch::Options::new(64, 64, 7)).unwrap();
//! assert_eq!(img.rgb.len(), 64 * 64 * 3);
//! ```

mod layout;
mod material;
mod math;
mod overlay;
mod shapes;
mod stage;
mod trace;

use darkroom_core::{Quality, MAX_SIDE};
use darkroom_prompt::Scene;
use rayon::prelude::*;

use crate::shapes::Ray;
use crate::trace::World;

/// What to render.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Width in pixels, 1..=8192.
    pub width: u32,
    /// Height in pixels, 1..=8192.
    pub height: u32,
    /// Varies what the prompt leaves open.
    pub seed: u64,
    /// Draft (fast) or finish (clean).
    pub quality: Quality,
}

impl Options {
    /// Draft quality at the given size and seed.
    pub fn new(width: u32, height: u32, seed: u64) -> Options {
        Options {
            width,
            height,
            seed,
            quality: Quality::Draft,
        }
    }
}

/// A rendered image with the renderer's own object-id buffer.
#[derive(Debug, Clone)]
pub struct Image {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// 8-bit sRGB, row-major, 3 bytes per pixel.
    pub rgb: Vec<u8>,
    /// Per pixel: 0 for background/ground, `k` for `objects[k - 1]` (primary-ray hit at the
    /// pixel centre). For tests and debugging; the judges never read it.
    pub ids: Vec<u16>,
    /// What each id is: `(entity index, copy)`.
    pub objects: Vec<(usize, u32)>,
    /// The image row (in pixels from the top, possibly outside the image) where the ground's
    /// horizon projects; `None` when the camera looks straight down. Renderer truth, for tests.
    pub horizon: Option<f32>,
}

/// A render request that cannot be honoured.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    /// Width or height is 0 or over [`MAX_SIDE`].
    #[error("invalid image size {width}x{height}; each side must be 1..={MAX_SIDE} pixels")]
    Size {
        /// Requested width.
        width: u32,
        /// Requested height.
        height: u32,
    },
}

/// Renders a scene.
pub fn render(scene: &Scene, opts: &Options) -> Result<Image, RenderError> {
    let (w, h) = (opts.width, opts.height);
    if w == 0 || h == 0 || w > MAX_SIDE || h > MAX_SIDE {
        return Err(RenderError::Size {
            width: w,
            height: h,
        });
    }
    let objects = layout::layout(scene, opts.seed);
    let stage = stage::stage(scene, &objects, w, h, opts.seed);
    let finish = opts.quality == Quality::Finish;
    let world = World::new(&objects, &stage, finish, w, h);
    let lut = srgb_lut();
    let (wf, hf) = (w as f32, h as f32);
    let sample = |x: f32, y: f32, salt: u64| -> ([f32; 3], u16) {
        let (px, py) = (
            (x as usize).min(w as usize - 1),
            (y as usize).min(h as usize - 1),
        );
        let nx = 2.0 * x / wf - 1.0;
        let ny = 1.0 - 2.0 * y / hf;
        let ray = Ray {
            o: stage.cam.pos,
            d: stage.cam.dir(nx, ny),
        };
        let (c, id) = world.radiance_primary(&ray, salt, px, py);
        let r2 = nx * nx * 0.5 + ny * ny * 0.5;
        let v = 1.0 - stage.vignette * r2;
        (tonemap_rgb([c.x * v, c.y * v, c.z * v]), id)
    };
    let wu = w as usize;
    // Pass 1: one sample per pixel centre (the whole draft).
    let mut px = vec![[0f32; 3]; wu * h as usize];
    let mut ids = vec![0u16; wu * h as usize];
    px.par_chunks_mut(wu)
        .zip(ids.par_chunks_mut(wu))
        .enumerate()
        .for_each(|(y, (row, idrow))| {
            for x in 0..wu {
                // The salt is the pixel position itself: the shadow sampler derives its
                // rotation from it, and the render stays a pure function of its inputs.
                let salt = (y as u64) << 32 | x as u64;
                let (c, id) = sample(x as f32 + 0.5, y as f32 + 0.5, salt);
                row[x] = c;
                idrow[x] = id;
            }
        });
    // Pass 2: to sRGB bytes; at finish quality, antialiased where the object changes or the
    // colour jumps. It reads pass 1 and writes the bytes directly, so a 2K finish holds one
    // float frame, not two (a copy of it used to be the largest allocation of a run).
    let mut rgb = vec![0u8; wu * h as usize * 3];
    let edge = |x: usize, y: usize| -> bool {
        let i = y * wu + x;
        let c0 = px[i];
        let l0 = c0[0] * 0.3 + c0[1] * 0.59 + c0[2] * 0.11;
        [(1i64, 0i64), (-1, 0), (0, 1), (0, -1)]
            .iter()
            .any(|(dx, dy)| {
                let (xx, yy) = (x as i64 + dx, y as i64 + dy);
                if xx < 0 || yy < 0 || xx >= wu as i64 || yy >= h as i64 {
                    return false;
                }
                let j = yy as usize * wu + xx as usize;
                let c = px[j];
                let l = c[0] * 0.3 + c[1] * 0.59 + c[2] * 0.11;
                ids[j] != ids[i] || (l - l0).abs() > 0.14
            })
    };
    rgb.par_chunks_mut(wu * 3)
        .zip(px.par_chunks(wu))
        .enumerate()
        .for_each(|(y, (out, row))| {
            for (x, (o, &c0)) in out.chunks_exact_mut(3).zip(row).enumerate() {
                let c = if finish && edge(x, y) {
                    // 8 more samples on a rotated grid.
                    let mut acc = c0;
                    const OFF: [(f32, f32); 8] = [
                        (0.125, 0.375),
                        (0.375, 0.875),
                        (0.625, 0.125),
                        (0.875, 0.625),
                        (0.0625, 0.8125),
                        (0.3125, 0.0625),
                        (0.6875, 0.5625),
                        (0.9375, 0.3125),
                    ];
                    for (k, (ox, oy)) in OFF.iter().enumerate() {
                        let salt = (y as u64) << 32 | x as u64 | ((k as u64 + 1) << 56);
                        let (c, _) = sample(x as f32 + ox, y as f32 + oy, salt);
                        acc = [acc[0] + c[0], acc[1] + c[1], acc[2] + c[2]];
                    }
                    [acc[0] / 9.0, acc[1] / 9.0, acc[2] / 9.0]
                } else {
                    c0
                };
                for k in 0..3 {
                    o[k] = lut[((c[k].clamp(0.0, 1.0) * 4095.0) + 0.5) as usize];
                }
            }
        });
    drop(px);
    let mut img = Image {
        width: w,
        height: h,
        rgb,
        ids,
        objects: objects.iter().map(|o| (o.entity, o.copy)).collect(),
        horizon: horizon_row(&stage.cam, h),
    };
    overlay::draw(&mut img, &objects, &stage);
    Ok(img)
}

fn horizon_row(cam: &stage::Cam, h: u32) -> Option<f32> {
    // Rays with zero vertical component: fwd.y + up.y * ny * tan = 0.
    if cam.up.y.abs() < 1e-3 {
        return None;
    }
    let ny = -cam.fwd.y / (cam.up.y * cam.tan_half);
    Some((1.0 - ny) * 0.5 * h as f32)
}

/// Hue-preserving tone mapping: the filmic curve is applied to the largest channel and the
/// colour is scaled by the same factor, so channel ratios (hue and saturation) survive. Applied
/// per channel, the curve saturated red before green and turned orange objects yellow — and a
/// brand colour must render as itself.
fn tonemap_rgb(c: [f32; 3]) -> [f32; 3] {
    let m = c[0].max(c[1]).max(c[2]);
    if m <= 1e-6 {
        return [0.0; 3];
    }
    let s = tonemap(m) / m;
    [c[0] * s, c[1] * s, c[2] * s]
}

/// Filmic tone curve (Narkowicz's ACES fit) from linear radiance to display-linear 0..1.
fn tonemap(x: f32) -> f32 {
    let x = x.max(0.0) * 0.8;
    ((x * (2.51 * x + 0.03)) / (x * (2.43 * x + 0.59) + 0.14)).clamp(0.0, 1.0)
}

/// Display-linear 0..1 → sRGB byte, sampled at 4096 steps: a table lookup instead of a `powf`
/// per channel keeps the draft inside its time budget.
fn srgb_lut() -> Vec<u8> {
    (0..4096)
        .map(|i| darkroom_color::linear_to_srgb(i as f32 / 4095.0))
        .collect()
}

/// Renders a prompt string directly (parse + render).
pub fn render_prompt(prompt: &str, opts: &Options) -> Result<Image, String> {
    let scene = darkroom_prompt::parse(prompt).map_err(|e| e.to_string())?;
    render(&scene, opts).map_err(|e| e.to_string())
}
