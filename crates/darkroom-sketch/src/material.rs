//! What an entity's colour and material words become on screen.
//!
//! Materials must *look* different, because the judges and the people reading the preview tell
//! them apart: matte is diffuse only; glossy, plastic and ceramic add a highlight and a faint
//! reflection; metals reflect the world tinted by their colour; glass transmits and refracts
//! with a Fresnel reflection; wood and marble carry a procedural pattern.

use darkroom_color::Rgb8;
use darkroom_prompt::{Entity, Material};

use crate::layout::Kind;
use crate::math::{v3, V3};

/// How light interacts with a surface.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Surface {
    Diffuse,
    Metal,
    Glass,
}

/// A procedural surface pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pattern {
    None,
    Wood,
    Marble,
}

/// A surface description in linear RGB.
#[derive(Debug, Clone, Copy)]
pub struct Mat {
    pub albedo: V3,
    pub surface: Surface,
    /// Strength of the specular highlight.
    pub spec: f32,
    /// Blinn-Phong exponent.
    pub shin: f32,
    /// Share of mirror reflection (metal: of the tinted reflection).
    pub reflect: f32,
    pub pattern: Pattern,
}

fn lin(c: Rgb8) -> V3 {
    let [r, g, b] = c.to_linear();
    // A little floor keeps "black" objects readable as shapes under any light.
    v3(r.max(0.012), g.max(0.012), b.max(0.012))
}

impl Mat {
    fn diffuse(albedo: V3, spec: f32, shin: f32, reflect: f32) -> Mat {
        Mat {
            albedo,
            surface: Surface::Diffuse,
            spec,
            shin,
            reflect,
            pattern: Pattern::None,
        }
    }

    /// The dark post of a sign.
    pub fn post() -> Mat {
        Mat::diffuse(v3(0.05, 0.05, 0.055), 0.3, 60.0, 0.0)
    }

    /// The ground: purely diffuse (a sheen there was invisible and cost 7 % of a draft).
    pub fn ground(albedo: V3) -> Mat {
        Mat::diffuse(albedo, 0.0, 1.0, 0.0)
    }
}

/// The material of one entity; `open` is the seed's colour for an entity the prompt leaves
/// uncoloured (neither a colour nor a material that implies one).
pub fn for_entity(e: &Entity, kind: Kind, open: Rgb8) -> Mat {
    let given = e.color.as_ref().map(|c| c.rgb());
    let kind_default = match kind {
        Kind::Table => Some(Rgb8::new(0xA6, 0x7B, 0x5B)),
        Kind::Pedestal => Some(Rgb8::new(0xEC, 0xE9, 0xE3)),
        Kind::Slab => Some(Rgb8::new(0xBF, 0xC3, 0xC7)),
        Kind::Sign => Some(Rgb8::new(0xF4, 0xF1, 0xEA)),
        _ => None,
    };
    let colour = |fallback: Rgb8| lin(given.unwrap_or(fallback));
    let plain = lin(given.or(kind_default).unwrap_or(open));
    match e.material {
        None => {
            if kind == Kind::Table && given.is_none() {
                Mat {
                    pattern: Pattern::Wood,
                    ..Mat::diffuse(colour(Rgb8::new(0xA0, 0x70, 0x3C)), 0.1, 30.0, 0.0)
                }
            } else {
                Mat::diffuse(plain, 0.25, 60.0, 0.0)
            }
        }
        Some(Material::Matte) | Some(Material::Fabric) | Some(Material::Paper) => {
            Mat::diffuse(plain, 0.0, 1.0, 0.0)
        }
        Some(Material::Glossy) => Mat::diffuse(plain, 0.7, 300.0, 0.12),
        Some(Material::Plastic) => Mat::diffuse(plain, 0.45, 120.0, 0.05),
        Some(Material::Ceramic) => Mat::diffuse(plain, 0.55, 200.0, 0.08),
        Some(Material::Stone) => Mat::diffuse(colour(Rgb8::new(0x8A, 0x87, 0x82)), 0.05, 10.0, 0.0),
        Some(Material::Leather) => {
            Mat::diffuse(colour(Rgb8::new(0x6B, 0x3E, 0x26)), 0.3, 40.0, 0.0)
        }
        Some(Material::Rubber) => {
            Mat::diffuse(colour(Rgb8::new(0x2A, 0x2A, 0x2A)), 0.15, 20.0, 0.0)
        }
        Some(Material::Wood) => Mat {
            pattern: Pattern::Wood,
            ..Mat::diffuse(colour(Rgb8::new(0xA0, 0x70, 0x3C)), 0.1, 30.0, 0.0)
        },
        Some(Material::Marble) => Mat {
            pattern: Pattern::Marble,
            ..Mat::diffuse(colour(Rgb8::new(0xEE, 0xEA, 0xE4)), 0.4, 200.0, 0.06)
        },
        Some(
            m @ (Material::Metal
            | Material::Chrome
            | Material::Gold
            | Material::Silver
            | Material::Copper
            | Material::Brass),
        ) => {
            let (base, reflect) = match m {
                Material::Chrome => (Rgb8::new(0xE8, 0xEA, 0xEC), 0.92),
                Material::Gold => (Rgb8::new(0xFF, 0xC8, 0x5A), 0.8),
                Material::Silver => (Rgb8::new(0xF2, 0xF0, 0xEA), 0.85),
                Material::Copper => (Rgb8::new(0xF0, 0x9A, 0x72), 0.8),
                Material::Brass => (Rgb8::new(0xDC, 0xB0, 0x5A), 0.75),
                _ => (Rgb8::new(0xB8, 0xBC, 0xC2), 0.7),
            };
            Mat {
                surface: Surface::Metal,
                ..Mat::diffuse(colour(base), 1.0, 400.0, reflect)
            }
        }
        Some(Material::Glass) => {
            // A glass tint is a pale version of the named colour: coloured glass still lets
            // most light through.
            let tint = given.map_or(v3(0.93, 0.98, 0.98), |c| {
                lin(c.mix(Rgb8::new(255, 255, 255), 0.25))
            });
            Mat {
                surface: Surface::Glass,
                ..Mat::diffuse(tint, 1.0, 500.0, 1.0)
            }
        }
    }
}
