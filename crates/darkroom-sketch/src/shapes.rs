//! Ray intersection with the renderer's primitives.
//!
//! Every primitive is closed and every intersection routine returns the nearest hit with
//! `t > tmin`, also when the ray starts inside (needed for refraction through glass).
//! Primitives are axis-aligned and upright: the layout never rotates objects, which keeps the
//! maths short and the relations readable from the camera.

use crate::math::{v3, V3};

/// A primitive in world space.
#[derive(Debug, Clone, Copy)]
pub enum Shape {
    Sphere {
        c: V3,
        r: f32,
    },
    Box {
        min: V3,
        max: V3,
    },
    /// Vertical cylinder standing on `base` (its bottom centre).
    Cylinder {
        base: V3,
        r: f32,
        h: f32,
    },
    /// Vertical cone standing on `base`, apex up.
    Cone {
        base: V3,
        r: f32,
        h: f32,
    },
    /// Torus standing upright facing the camera: ring in the xy plane around `c`.
    Torus {
        c: V3,
        big: f32,
        small: f32,
    },
    /// Square pyramid standing on `base` with half-width `a`.
    Pyramid {
        base: V3,
        a: f32,
        h: f32,
    },
}

/// A ray.
#[derive(Debug, Clone, Copy)]
pub struct Ray {
    pub o: V3,
    pub d: V3,
}

impl Ray {
    pub fn at(&self, t: f32) -> V3 {
        self.o + self.d * t
    }
}

/// Slab test against an axis-aligned box; returns `(t_enter, t_exit)` when the ray's line hits.
pub fn slab(r: &Ray, inv: V3, min: V3, max: V3) -> Option<(f32, f32)> {
    let t1 = (min.x - r.o.x) * inv.x;
    let t2 = (max.x - r.o.x) * inv.x;
    let t3 = (min.y - r.o.y) * inv.y;
    let t4 = (max.y - r.o.y) * inv.y;
    let t5 = (min.z - r.o.z) * inv.z;
    let t6 = (max.z - r.o.z) * inv.z;
    let tmin = t1.min(t2).max(t3.min(t4)).max(t5.min(t6));
    let tmax = t1.max(t2).min(t3.max(t4)).min(t5.max(t6));
    if tmax >= tmin.max(0.0) {
        Some((tmin, tmax))
    } else {
        None
    }
}

fn pick(t0: f32, t1: f32, tmin: f32) -> Option<f32> {
    if t0 > tmin {
        Some(t0)
    } else if t1 > tmin {
        Some(t1)
    } else {
        None
    }
}

impl Shape {
    /// Bounding box.
    pub fn bounds(&self) -> (V3, V3) {
        match *self {
            Shape::Sphere { c, r } => (c - V3::ONE * r, c + V3::ONE * r),
            Shape::Box { min, max } => (min, max),
            Shape::Cylinder { base, r, h } | Shape::Cone { base, r, h } => {
                (base - v3(r, 0.0, r), base + v3(r, h, r))
            }
            Shape::Torus { c, big, small } => {
                let e = big + small;
                (c - v3(e, e, small), c + v3(e, e, small))
            }
            Shape::Pyramid { base, a, h } => (base - v3(a, 0.0, a), base + v3(a, h, a)),
        }
    }

    /// Nearest hit distance beyond `tmin`.
    pub fn hit(&self, r: &Ray, inv: V3, tmin: f32) -> Option<f32> {
        match *self {
            Shape::Sphere { c, r: rad } => {
                let oc = r.o - c;
                let b = oc.dot(r.d);
                let cc = oc.dot(oc) - rad * rad;
                let disc = b * b - cc;
                if disc < 0.0 {
                    return None;
                }
                let s = disc.sqrt();
                pick(-b - s, -b + s, tmin)
            }
            Shape::Box { min, max } => {
                let (t0, t1) = slab(r, inv, min, max)?;
                pick(t0, t1, tmin)
            }
            Shape::Cylinder { base, r: rad, h } => {
                // Intersect the infinite cylinder, then clip with the two cap planes.
                let (ox, oz) = (r.o.x - base.x, r.o.z - base.z);
                let a = r.d.x * r.d.x + r.d.z * r.d.z;
                let (mut t0, mut t1);
                if a < 1e-12 {
                    if ox * ox + oz * oz > rad * rad {
                        return None;
                    }
                    t0 = f32::NEG_INFINITY;
                    t1 = f32::INFINITY;
                } else {
                    let b = ox * r.d.x + oz * r.d.z;
                    let c = ox * ox + oz * oz - rad * rad;
                    let disc = b * b - a * c;
                    if disc < 0.0 {
                        return None;
                    }
                    let s = disc.sqrt();
                    t0 = (-b - s) / a;
                    t1 = (-b + s) / a;
                }
                let ya = (base.y - r.o.y) * inv.y;
                let yb = (base.y + h - r.o.y) * inv.y;
                let (y0, y1) = (ya.min(yb), ya.max(yb));
                if r.d.y.abs() < 1e-12 {
                    if r.o.y < base.y || r.o.y > base.y + h {
                        return None;
                    }
                } else {
                    t0 = t0.max(y0);
                    t1 = t1.min(y1);
                }
                if t0 > t1 {
                    return None;
                }
                pick(t0, t1, tmin)
            }
            Shape::Cone { base, r: rad, h } => {
                // Points with radius <= k (apex_y - y), k = r/h, and y >= base.y.
                let k = rad / h;
                let apex = base.y + h;
                let (ox, oy, oz) = (r.o.x - base.x, apex - r.o.y, r.o.z - base.z);
                let (dx, dy, dz) = (r.d.x, -r.d.y, r.d.z);
                let k2 = k * k;
                let a = dx * dx + dz * dz - k2 * dy * dy;
                let b = ox * dx + oz * dz - k2 * oy * dy;
                let c = ox * ox + oz * oz - k2 * oy * oy;
                let mut ts: [f32; 3] = [f32::INFINITY; 3];
                let mut n = 0;
                if a.abs() > 1e-9 {
                    let disc = b * b - a * c;
                    if disc >= 0.0 {
                        let s = disc.sqrt();
                        for t in [(-b - s) / a, (-b + s) / a] {
                            let y = r.o.y + r.d.y * t;
                            if y >= base.y && y <= apex {
                                ts[n] = t;
                                n += 1;
                            }
                        }
                    }
                }
                if r.d.y.abs() > 1e-12 {
                    let t = (base.y - r.o.y) / r.d.y;
                    let p = r.at(t);
                    if (p.x - base.x).powi(2) + (p.z - base.z).powi(2) <= rad * rad {
                        ts[n] = t;
                        n += 1;
                    }
                }
                let mut best: Option<f32> = None;
                for &t in &ts[..n] {
                    if t > tmin && best.is_none_or(|b| t < b) {
                        best = Some(t);
                    }
                }
                best
            }
            Shape::Torus { c, big, small } => {
                // Sphere tracing the signed distance inside the bounding box: a torus is rare in
                // a scene and this is far shorter than solving the quartic robustly.
                let (lo, hi) = self.bounds();
                let (e0, e1) = slab(r, inv, lo - V3::ONE * 0.01, hi + V3::ONE * 0.01)?;
                let mut t = e0.max(tmin);
                let inside = torus_sdf(r.at(t) - c, big, small) < 0.0;
                let sign = if inside { -1.0 } else { 1.0 };
                for _ in 0..96 {
                    if t > e1 {
                        return None;
                    }
                    let d = sign * torus_sdf(r.at(t) - c, big, small);
                    if d < 1e-4 {
                        return if t > tmin { Some(t) } else { None };
                    }
                    t += d.max(1e-4);
                }
                None
            }
            Shape::Pyramid { base, a, h } => {
                let (mut t0, mut t1) = (f32::NEG_INFINITY, f32::INFINITY);
                for (n, d) in pyramid_planes(base, a, h) {
                    let dn = r.d.dot(n);
                    let dist = d - r.o.dot(n);
                    if dn.abs() < 1e-12 {
                        if dist < 0.0 {
                            return None;
                        }
                        continue;
                    }
                    let t = dist / dn;
                    if dn < 0.0 {
                        t0 = t0.max(t);
                    } else {
                        t1 = t1.min(t);
                    }
                    if t0 > t1 {
                        return None;
                    }
                }
                pick(t0, t1, tmin)
            }
        }
    }

    /// Outward unit normal at a surface point `p`.
    pub fn normal(&self, p: V3) -> V3 {
        match *self {
            Shape::Sphere { c, .. } => (p - c).norm(),
            Shape::Box { min, max } => {
                let c = (min + max) * 0.5;
                let e = (max - min) * 0.5;
                let d = p - c;
                let q = v3(
                    d.x / e.x.max(1e-6),
                    d.y / e.y.max(1e-6),
                    d.z / e.z.max(1e-6),
                );
                let (ax, ay, az) = (q.x.abs(), q.y.abs(), q.z.abs());
                if ax >= ay && ax >= az {
                    v3(q.x.signum(), 0.0, 0.0)
                } else if ay >= az {
                    v3(0.0, q.y.signum(), 0.0)
                } else {
                    v3(0.0, 0.0, q.z.signum())
                }
            }
            Shape::Cylinder { base, r, h } => {
                let eps = 1e-3 * h.max(r);
                if (p.y - (base.y + h)).abs() < eps {
                    v3(0.0, 1.0, 0.0)
                } else if (p.y - base.y).abs() < eps {
                    v3(0.0, -1.0, 0.0)
                } else {
                    v3(p.x - base.x, 0.0, p.z - base.z).norm()
                }
            }
            Shape::Cone { base, r, h } => {
                if (p.y - base.y).abs() < 1e-3 * h {
                    return v3(0.0, -1.0, 0.0);
                }
                let radial = v3(p.x - base.x, 0.0, p.z - base.z).norm();
                (radial * h + v3(0.0, r, 0.0)).norm()
            }
            Shape::Torus { c, big, small } => {
                let q = p - c;
                let e = 1e-3 * small;
                let f = |d: V3| torus_sdf(q + d, big, small);
                v3(
                    f(v3(e, 0.0, 0.0)) - f(v3(-e, 0.0, 0.0)),
                    f(v3(0.0, e, 0.0)) - f(v3(0.0, -e, 0.0)),
                    f(v3(0.0, 0.0, e)) - f(v3(0.0, 0.0, -e)),
                )
                .norm()
            }
            Shape::Pyramid { base, a, h } => {
                let mut best = (f32::INFINITY, v3(0.0, 1.0, 0.0));
                for (n, d) in pyramid_planes(base, a, h) {
                    let dist = (d - p.dot(n)).abs();
                    if dist < best.0 {
                        best = (dist, n);
                    }
                }
                best.1
            }
        }
    }
}

fn torus_sdf(q: V3, big: f32, small: f32) -> f32 {
    let ring = (q.x * q.x + q.y * q.y).sqrt() - big;
    (ring * ring + q.z * q.z).sqrt() - small
}

/// The five bounding planes of a pyramid as `(outward normal, offset)`: `n·p <= d` inside.
fn pyramid_planes(base: V3, a: f32, h: f32) -> [(V3, f32); 5] {
    let side = |nx: f32, nz: f32| {
        let n = v3(nx * h, a, nz * h).norm();
        let apex = base + v3(0.0, h, 0.0);
        (n, n.dot(apex))
    };
    let bottom = v3(0.0, -1.0, 0.0);
    [
        side(1.0, 0.0),
        side(-1.0, 0.0),
        side(0.0, 1.0),
        side(0.0, -1.0),
        (bottom, bottom.dot(base)),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ray(o: V3, d: V3) -> (Ray, V3) {
        let d = d.norm();
        (Ray { o, d }, v3(1.0 / d.x, 1.0 / d.y, 1.0 / d.z))
    }

    #[test]
    fn every_shape_is_hit_from_outside_and_inside() {
        let shapes = [
            Shape::Sphere {
                c: v3(0.0, 0.5, 0.0),
                r: 0.5,
            },
            Shape::Box {
                min: v3(-0.5, 0.0, -0.5),
                max: v3(0.5, 1.0, 0.5),
            },
            Shape::Cylinder {
                base: V3::ZERO,
                r: 0.5,
                h: 1.0,
            },
            Shape::Cone {
                base: V3::ZERO,
                r: 0.5,
                h: 1.0,
            },
            Shape::Torus {
                c: v3(0.0, 0.5, 0.0),
                big: 0.35,
                small: 0.15,
            },
            Shape::Pyramid {
                base: V3::ZERO,
                a: 0.5,
                h: 1.0,
            },
        ];
        for s in shapes {
            let (r, inv) = ray(v3(0.0, 0.3, -5.0), v3(0.0, 0.0, 1.0));
            let probe = if matches!(s, Shape::Torus { .. }) {
                v3(0.35, 0.5, -5.0)
            } else {
                r.o
            };
            let (r, inv) = if probe == r.o {
                (r, inv)
            } else {
                ray(probe, v3(0.0, 0.0, 1.0))
            };
            let t = s
                .hit(&r, inv, 1e-4)
                .unwrap_or_else(|| panic!("{s:?} missed"));
            let p = r.at(t);
            let n = s.normal(p);
            assert!(
                n.dot(r.d) < 0.0,
                "{s:?}: normal {n:?} does not face the ray"
            );
            // From just inside, the exit is found.
            let (ri, invi) = ray(p + r.d * 1e-3, r.d);
            let t2 = s
                .hit(&ri, invi, 1e-4)
                .unwrap_or_else(|| panic!("{s:?} no exit"));
            assert!(t2 > 0.0);
            // A ray that passes far away misses.
            let (rm, invm) = ray(v3(5.0, 5.0, -5.0), v3(0.0, 0.0, 1.0));
            assert!(s.hit(&rm, invm, 1e-4).is_none(), "{s:?}");
        }
    }
}
