//! The ray tracer: nearest hit, shading, shadows, reflection and refraction.
//!
//! Draft and finish share the geometry and the shading model, and differ only in what they
//! spend: a draft shoots one hard shadow ray and looks reflections and transmission up in the
//! environment (one bounce through glass); a finish traces reflections and refraction up to
//! four bounces and estimates soft shadows with stratified rays on the light's disc, adding
//! samples only where the first ones disagree (penumbrae).

use crate::layout::Object;
use crate::material::{Mat, Pattern, Surface};
use crate::math::{v3, V3};
use crate::shapes::{slab, Ray};
use crate::stage::{Light, Stage};

/// What a ray hit.
pub struct Hit {
    pub t: f32,
    /// Object index + 1; 0 for the ground.
    pub id: u16,
    pub p: V3,
    pub n: V3,
    pub mat: Mat,
}

/// The scene ready for tracing.
pub struct World<'a> {
    pub objects: &'a [Object],
    pub stage: &'a Stage,
    pub finish: bool,
    accel: Accel,
}

/// Culling structures: which objects a ray can possibly hit. They only ever remove objects a
/// ray provably misses (every candidate is still ray-tested), so images are unchanged.
struct Accel {
    /// Screen tiles of `TILE` pixels: the objects whose projected bounds overlap each tile.
    tiles_x: usize,
    tiles: Vec<Vec<u16>>,
    /// Per light: objects' bounding spheres projected along the light onto a grid, so a hard
    /// shadow ray tests only the objects whose footprint contains its own projection.
    grids: Vec<Option<LightGrid>>,
}

const TILE: usize = 16;

struct LightGrid {
    u: V3,
    w: V3,
    min: (f32, f32),
    cell: f32,
    n: usize,
    cells: Vec<Vec<u16>>,
}

impl LightGrid {
    fn build(objects: &[Object], dir: V3) -> Option<LightGrid> {
        if objects.is_empty() {
            return None;
        }
        let a = if dir.y.abs() < 0.9 {
            v3(0.0, 1.0, 0.0)
        } else {
            v3(1.0, 0.0, 0.0)
        };
        let u = a.cross(dir).norm();
        let w = dir.cross(u);
        let spheres: Vec<(f32, f32, f32)> = objects
            .iter()
            .map(|o| {
                let c = (o.bounds.0 + o.bounds.1) * 0.5;
                let r = (o.bounds.1 - o.bounds.0).len() * 0.5 + 4.0 * EPS;
                (c.dot(u), c.dot(w), r)
            })
            .collect();
        let (mut lo, mut hi) = (
            (f32::INFINITY, f32::INFINITY),
            (f32::NEG_INFINITY, f32::NEG_INFINITY),
        );
        for &(cu, cw, r) in &spheres {
            lo = (lo.0.min(cu - r), lo.1.min(cw - r));
            hi = (hi.0.max(cu + r), hi.1.max(cw + r));
        }
        let n = 64;
        let cell = ((hi.0 - lo.0).max(hi.1 - lo.1) / n as f32).max(1e-4);
        let mut cells = vec![Vec::new(); n * n];
        for (k, &(cu, cw, r)) in spheres.iter().enumerate() {
            let i0 = (((cu - r - lo.0) / cell).floor().max(0.0) as usize).min(n - 1);
            let i1 = (((cu + r - lo.0) / cell).floor().max(0.0) as usize).min(n - 1);
            let j0 = (((cw - r - lo.1) / cell).floor().max(0.0) as usize).min(n - 1);
            let j1 = (((cw + r - lo.1) / cell).floor().max(0.0) as usize).min(n - 1);
            for j in j0..=j1 {
                for i in i0..=i1 {
                    cells[j * n + i].push(k as u16);
                }
            }
        }
        Some(LightGrid {
            u,
            w,
            min: lo,
            cell,
            n,
            cells,
        })
    }

    /// Candidate occluders of a ray from `p` along the grid's light direction.
    fn at(&self, p: V3) -> &[u16] {
        let (x, y) = (
            (p.dot(self.u) - self.min.0) / self.cell,
            (p.dot(self.w) - self.min.1) / self.cell,
        );
        if x < 0.0 || y < 0.0 || x >= self.n as f32 || y >= self.n as f32 {
            return &[];
        }
        &self.cells[y as usize * self.n + x as usize]
    }
}

const EPS: f32 = 1e-3;

/// 16 points of a golden-angle spiral on the unit disc: `(radius, cos θ, sin θ)`.
static SPIRAL: std::sync::LazyLock<[(f32, f32, f32); 16]> = std::sync::LazyLock::new(|| {
    std::array::from_fn(|k| {
        let r = ((k as f32 + 0.5) / 16.0).sqrt();
        let th = k as f32 * 2.399_963;
        (r, th.cos(), th.sin())
    })
});

fn inv(d: V3) -> V3 {
    v3(1.0 / d.x, 1.0 / d.y, 1.0 / d.z)
}

impl<'a> World<'a> {
    /// Prepares a scene for an image of `width × height` pixels.
    pub fn new(
        objects: &'a [Object],
        stage: &'a Stage,
        finish: bool,
        width: u32,
        height: u32,
    ) -> World<'a> {
        let (w, h) = (width as usize, height as usize);
        let (tiles_x, tiles_y) = (w.div_ceil(TILE), h.div_ceil(TILE));
        let mut tiles = vec![Vec::new(); tiles_x * tiles_y];
        for (k, o) in objects.iter().enumerate() {
            let (lo, hi) = o.bounds;
            let mut rect = Some((
                f32::INFINITY,
                f32::INFINITY,
                f32::NEG_INFINITY,
                f32::NEG_INFINITY,
            ));
            for c in 0..8 {
                let p = v3(
                    if c & 1 == 0 { lo.x } else { hi.x },
                    if c & 2 == 0 { lo.y } else { hi.y },
                    if c & 4 == 0 { lo.z } else { hi.z },
                );
                match (stage.cam.project(p), rect) {
                    (Some((nx, ny)), Some((x0, y0, x1, y1))) => {
                        let (px, py) = ((nx + 1.0) * 0.5 * w as f32, (1.0 - ny) * 0.5 * h as f32);
                        rect = Some((x0.min(px), y0.min(py), x1.max(px), y1.max(py)));
                    }
                    // A corner behind the camera: the object may cover anything.
                    _ => rect = None,
                }
            }
            let (x0, y0, x1, y1) = rect.unwrap_or((0.0, 0.0, w as f32, h as f32));
            let clamp_t =
                |v: f32, n: usize| ((v / TILE as f32).floor().max(0.0) as usize).min(n - 1);
            if x1 < -2.0 || y1 < -2.0 || x0 > w as f32 + 2.0 || y0 > h as f32 + 2.0 {
                continue;
            }
            for ty in clamp_t(y0 - 2.0, tiles_y)..=clamp_t(y1 + 2.0, tiles_y) {
                for tx in clamp_t(x0 - 2.0, tiles_x)..=clamp_t(x1 + 2.0, tiles_x) {
                    tiles[ty * tiles_x + tx].push(k as u16);
                }
            }
        }
        let grids = stage
            .lights
            .iter()
            .map(|l| {
                if l.shadows {
                    LightGrid::build(objects, l.dir)
                } else {
                    None
                }
            })
            .collect();
        World {
            objects,
            stage,
            finish,
            accel: Accel {
                tiles_x,
                tiles,
                grids,
            },
        }
    }

    /// Radiance of a primary ray through pixel `(x, y)` (only the tile's objects are tested).
    pub fn radiance_primary(&self, r: &Ray, salt: u64, x: usize, y: usize) -> (V3, u16) {
        let tile = &self.accel.tiles[(y / TILE) * self.accel.tiles_x + x / TILE];
        self.radiance_in(r, 0, salt, Some(tile))
    }

    /// Nearest hit among candidate objects (all when `None`).
    fn hit_in(&self, r: &Ray, cands: Option<&[u16]>) -> Option<Hit> {
        // Generic over the candidate iterator: no allocation on the per-ray path.
        match cands {
            Some(c) => self.hit_among(r, c.iter().map(|&k| k as usize)),
            None => self.hit_among(r, 0..self.objects.len()),
        }
    }

    fn hit_among(&self, r: &Ray, list: impl Iterator<Item = usize>) -> Option<Hit> {
        let iv = inv(r.d);
        let mut best_t = f32::INFINITY;
        let mut best: Option<(usize, usize)> = None;
        for oi in list {
            let o = &self.objects[oi];
            let Some((t0, _)) = slab(
                r,
                iv,
                o.bounds.0 - V3::ONE * EPS,
                o.bounds.1 + V3::ONE * EPS,
            ) else {
                continue;
            };
            if t0 > best_t {
                continue;
            }
            for (pi, (s, _)) in o.parts.iter().enumerate() {
                if let Some(t) = s.hit(r, iv, EPS) {
                    if t < best_t {
                        best_t = t;
                        best = Some((oi, pi));
                    }
                }
            }
        }
        let ground_t = if r.d.y < -1e-6 {
            -r.o.y / r.d.y
        } else {
            f32::INFINITY
        };
        if ground_t > EPS && ground_t < best_t {
            let p = r.at(ground_t);
            return Some(Hit {
                t: ground_t,
                id: 0,
                p,
                n: v3(0.0, 1.0, 0.0),
                mat: Mat::ground(self.stage.ground),
            });
        }
        let (oi, pi) = best?;
        let (s, mat) = self.objects[oi].parts[pi];
        let p = r.at(best_t);
        Some(Hit {
            t: best_t,
            id: (oi + 1).min(u16::MAX as usize) as u16,
            p,
            n: s.normal(p),
            mat,
        })
    }

    /// Light transmitted from `p` toward a direction: 1 lit, 0 blocked, glass lets part through.
    fn transmit(&self, p: V3, d: V3) -> f32 {
        self.transmit_in(p, d, None)
    }

    fn transmit_in(&self, p: V3, d: V3, cands: Option<&[u16]>) -> f32 {
        match cands {
            Some(c) => self.transmit_among(p, d, c.iter().map(|&k| &self.objects[k as usize])),
            None => self.transmit_among(p, d, self.objects.iter()),
        }
    }

    fn transmit_among<'o>(&self, p: V3, d: V3, objects: impl Iterator<Item = &'o Object>) -> f32 {
        let r = Ray { o: p, d };
        let iv = inv(d);
        let mut t = 1.0;
        for o in objects {
            if slab(
                &r,
                iv,
                o.bounds.0 - V3::ONE * EPS,
                o.bounds.1 + V3::ONE * EPS,
            )
            .is_none()
            {
                continue;
            }
            for (s, m) in &o.parts {
                if s.hit(&r, iv, EPS).is_some() {
                    if m.surface == Surface::Glass {
                        t *= 0.62;
                    } else {
                        return 0.0;
                    }
                }
            }
        }
        t
    }

    /// Visibility of a light from `p`, soft in the finish tier.
    fn shadow(&self, p: V3, l: &Light, li: usize, salt: u64, depth: u32) -> f32 {
        if !l.shadows {
            return 1.0;
        }
        // Penumbrae seen in reflections or through glass are not worth their rays.
        if !self.finish || l.radius < 0.02 || depth > 0 {
            let cands = self
                .accel
                .grids
                .get(li)
                .and_then(|g| g.as_ref())
                .map(|g| g.at(p));
            return self.transmit_in(p, l.dir, cands);
        }
        self.soft_shadow(p, l, salt)
    }

    /// Soft shadow estimate on the light's disc. Kept out of line on purpose: LLVM treats
    /// `sin`/`cos` as speculatable and, inlined, hoisted the sample directions above the draft's
    /// early return, making every draft pixel pay for them (13 % of a draft in a profile).
    #[inline(never)]
    fn soft_shadow(&self, p: V3, l: &Light, salt: u64) -> f32 {
        // Stratified directions on the light's disc, rotated per pixel so the penumbra noise
        // does not form bands.
        let a = if l.dir.y.abs() < 0.9 {
            v3(0.0, 1.0, 0.0)
        } else {
            v3(1.0, 0.0, 0.0)
        };
        let u = a.cross(l.dir).norm();
        let w = l.dir.cross(u);
        // Interleaved gradient noise (Jimenez 2014) of the pixel position rotates the pattern:
        // neighbouring pixels get well-spread rotations, so 16 rays read as a smooth penumbra
        // rather than salt-and-pepper noise. `salt` carries the pixel and the AA sample index.
        let (px, py, k) = (
            (salt & 0xFFFF_FFFF) as f32,
            ((salt >> 32) & 0xFF_FFFF) as f32,
            (salt >> 56) as f32,
        );
        let (px, py) = (px + 5.588 * k, py + 5.588 * k);
        let ign = (52.982_918 * (0.067_110_56 * px + 0.005_837_15 * py).fract()).fract();
        let (rs, rc) = (ign * std::f32::consts::TAU).sin_cos();
        let sample = |k: u32| {
            // The golden-angle spiral, precomputed, rotated by this pixel's angle.
            let (r, c0, s0) = SPIRAL[k as usize];
            let (c, sn) = (c0 * rc - s0 * rs, s0 * rc + c0 * rs);
            (l.dir + u * (r * l.radius * c) + w * (r * l.radius * sn)).norm()
        };
        // Four probes first; only a penumbra (where they disagree) pays for 16 rays.
        let first: f32 = (0..4).map(|k| self.transmit(p, sample(k * 4))).sum::<f32>() / 4.0;
        if first == 0.0 || first == 1.0 {
            return first;
        }
        let rest: f32 = (0..16)
            .filter(|k| k % 4 != 0)
            .map(|k| self.transmit(p, sample(k)))
            .sum::<f32>();
        (first * 4.0 + rest) / 16.0
    }

    /// The environment seen along a direction (sky, or the seamless backdrop).
    pub fn env(&self, d: V3) -> V3 {
        let s = self.stage;
        if s.seamless {
            // A sweep backdrop is lit from the front and falls off upward; the gradient gives
            // metal and glass something to reflect.
            // Behind the camera the studio is dark, which is what chrome shows in a real one.
            let toward_camera = (-d.dot(s.cam.fwd)).max(0.0);
            return s.sky_horizon
                * (1.0 - 0.45 * d.y.clamp(0.0, 1.0).sqrt())
                * (1.0 - 0.8 * toward_camera * toward_camera.sqrt());
        }
        if d.y < 0.0 {
            return s.ground * 0.8;
        }
        let t = d.y.clamp(0.0, 1.0).sqrt();
        s.sky_horizon.lerp(s.sky_zenith, t)
    }

    /// Radiance along a ray.
    pub fn radiance(&self, r: &Ray, depth: u32, salt: u64) -> (V3, u16) {
        self.radiance_in(r, depth, salt, None)
    }

    fn radiance_in(&self, r: &Ray, depth: u32, salt: u64, cands: Option<&[u16]>) -> (V3, u16) {
        let Some(h) = self.hit_in(r, cands) else {
            return (self.env(r.d), 0);
        };
        let s = self.stage;
        let mut n = h.n;
        let entering = n.dot(r.d) < 0.0;
        if !entering {
            n = -n;
        }
        let mut albedo = h.mat.albedo;
        match h.mat.pattern {
            Pattern::Wood => {
                let g = ((h.p.x * 9.0 + (h.p.z * 3.0).sin() * 0.6 + (h.p.y * 2.0).sin() * 0.3)
                    .sin()
                    * 0.5
                    + 0.5)
                    .powf(3.0);
                albedo = albedo * (0.82 + 0.28 * g);
            }
            Pattern::Marble => {
                let v = ((h.p.x * 4.0 + h.p.y * 6.0 + (h.p.z * 5.0 + h.p.x * 3.0).sin() * 1.5)
                    .sin())
                .abs()
                .powf(0.25);
                albedo = albedo * (0.72 + 0.28 * v);
            }
            Pattern::None => {}
        }
        let view = -r.d;
        let p_out = h.p + n * EPS * 2.0;
        // Distant ground fades into the sky (faster on a seamless backdrop, hiding the horizon).
        let fog_len = if s.seamless { 18.0 } else { 80.0 };
        // 1 - 1/(1 + x + x²/2) follows 1 - e^-x closely where fog matters, without `exp`.
        let fog = if h.id == 0 {
            let x = h.t / fog_len;
            1.0 - 1.0 / (1.0 + x + 0.5 * x * x)
        } else {
            0.0
        };
        if h.mat.surface == Surface::Glass {
            return (self.glass(r, &h, n, entering, depth, salt), h.id);
        }
        let mut c = V3::ZERO;
        for (li, l) in s.lights.iter().enumerate() {
            let ndl = n.dot(l.dir);
            if ndl <= 0.0 {
                continue;
            }
            let vis = self.shadow(p_out, l, li, salt, depth);
            if vis <= 0.0 {
                continue;
            }
            let hv = (l.dir + view).norm();
            let spec = if h.mat.spec > 0.0 {
                h.mat.spec * n.dot(hv).max(0.0).powi(h.mat.shin as i32)
            } else {
                0.0
            };
            let (kd, ks) = match h.mat.surface {
                Surface::Metal => (albedo * 0.12, albedo * spec),
                _ => (albedo, V3::ONE * spec),
            };
            c = c + (kd * ndl + ks).mul(l.color) * vis;
        }
        // Sky light from above, bounce light from the ground below.
        let hemi = s
            .ground
            .mul(s.ambient * 1.5)
            .lerp(s.ambient, 0.5 + 0.5 * n.y);
        let occl = if h.id == 0 {
            1.0
        } else {
            0.75 + 0.25 * (h.p.y * 4.0).min(1.0)
        };
        // Metals have (almost) no diffuse term: their colour is what they reflect.
        let diffuse_share = if h.mat.surface == Surface::Metal {
            0.12
        } else {
            1.0
        };
        c = c + albedo.mul(hemi) * (occl * diffuse_share);
        if h.mat.reflect > 0.0 {
            let rd = r.d.reflect(n);
            let refl = if self.finish && depth < 4 {
                self.radiance(&Ray { o: p_out, d: rd }, depth + 1, salt.wrapping_mul(31))
                    .0
            } else {
                self.env(rd)
            };
            c = match h.mat.surface {
                Surface::Metal => c + refl.mul(albedo) * h.mat.reflect,
                _ => {
                    let f = schlick(view.dot(n).max(0.0), 0.04) * h.mat.reflect * 4.0;
                    c.lerp(refl, f.min(0.6))
                }
            };
        }
        if fog > 0.0 {
            c = c.lerp(self.env(v3(r.d.x, 0.001, r.d.z)), fog);
        }
        (c, h.id)
    }

    fn glass(&self, r: &Ray, h: &Hit, n: V3, entering: bool, depth: u32, salt: u64) -> V3 {
        let view = -r.d;
        let cos = view.dot(n).max(0.0);
        let f = schlick(cos, 0.04);
        let tint = h.mat.albedo;
        let rd = r.d.reflect(n);
        let p_out = h.p + n * EPS * 2.0;
        let p_in = h.p - n * EPS * 2.0;
        let mut highlight = V3::ZERO;
        for l in &self.stage.lights {
            let hv = (l.dir + view).norm();
            highlight = highlight + l.color * n.dot(hv).max(0.0).powi(h.mat.shin as i32) * 1.5;
        }
        if self.finish && depth < 5 {
            let refl = self
                .radiance(&Ray { o: p_out, d: rd }, depth + 1, salt.wrapping_mul(17))
                .0;
            let eta = if entering { 1.0 / 1.5 } else { 1.5 };
            let refr = refract(r.d, n, eta);
            let through = match refr {
                Some(d) => {
                    self.radiance(&Ray { o: p_in, d }, depth + 1, salt.wrapping_mul(13))
                        .0
                }
                None => refl,
            };
            let t = if entering { tint } else { V3::ONE };
            refl * f + through.mul(t) * (1.0 - f) + highlight
        } else {
            // Draft: see straight through (one bounce), reflections from the environment.
            let through = if depth < 2 {
                let far = self.exit_point(r, h);
                self.radiance(&Ray { o: far, d: r.d }, depth + 1, salt).0
            } else {
                self.env(r.d)
            };
            self.env(rd) * (f + 0.05) + through.mul(tint) * (0.92 - f) + highlight
        }
    }

    /// Where a straight ray leaves the glass part it entered (for the draft's see-through).
    fn exit_point(&self, r: &Ray, h: &Hit) -> V3 {
        let o = &self.objects[(h.id as usize).saturating_sub(1)];
        let inside = Ray {
            o: h.p + r.d * EPS * 2.0,
            d: r.d,
        };
        let iv = inv(r.d);
        let t = o
            .parts
            .iter()
            .filter_map(|(s, _)| s.hit(&inside, iv, EPS))
            .fold(0.0f32, f32::max);
        inside.at(t + EPS * 2.0)
    }
}

fn schlick(cos: f32, f0: f32) -> f32 {
    f0 + (1.0 - f0) * (1.0 - cos).powi(5)
}

fn refract(d: V3, n: V3, eta: f32) -> Option<V3> {
    let cos_i = -d.dot(n);
    let k = 1.0 - eta * eta * (1.0 - cos_i * cos_i);
    if k < 0.0 {
        None
    } else {
        Some((d * eta + n * (eta * cos_i - k.sqrt())).norm())
    }
}
