//! Tinted light: when the whole scene takes the colour of its light (dusk, blue hour, tungsten,
//! neon), a white building is blue in the pixels and a grey road is orange, and a colour claim
//! that is achromatic or near the light's own hue cannot be told from the light. The judge then
//! says "undecided", never "no" (issue 31).
//!
//! The illuminant is estimated twice, as colour constancy does: white-patch (the mean chroma of
//! the brightest 3 % of pixels, where a white surface shows the light's colour) and grey-world
//! (the mean chroma of all pixels). A scene is strongly tinted when the white patch is clearly
//! coloured but not saturated (12–50 in a*b*: a yellow flower filling the frame has brightest
//! pixels of chroma 70–85 and is an object's colour, not the light's), and the grey world either
//! points the same way (within 75°) or is nearly neutral (a sunset sky against blue water
//! averages out). Measured on Debian's wallpapers: blue hour, dusk, a sunset and a storm read
//! as tinted; daylight flowers, a meadow, a clear sky with white clouds and fog do not.

use darkroom_color::Lab;

/// The light's colour, when the scene is strongly tinted.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tint {
    /// a* of the white patch.
    pub a: f32,
    /// b* of the white patch.
    pub b: f32,
}

/// White-patch chroma below this is neutral light.
const MIN_TINT: f32 = 12.0;
/// White-patch chroma above this is an object's saturated colour, not the light's.
const MAX_TINT: f32 = 50.0;
/// Grey-world chroma below this says nothing about direction.
const WEAK_WORLD: f32 = 8.0;
/// Largest angle between the two estimates that still agree, in degrees.
const AGREE_DEG: f32 = 75.0;
/// A claim with less chroma than this is achromatic (white, grey, black, silver).
const ACHROMATIC: f64 = 12.0;
/// An achromatic claim darker than this (black, charcoal) is not masked.
const MIN_LIGHT_ACHROMATIC: f64 = 35.0;
/// A claim within this hue angle of the light's, in degrees, is masked by it.
const NEAR_HUE_DEG: f64 = 30.0;

/// Estimates the light from the working pixels (CIELAB); `None` when it is not strongly tinted.
pub fn tint(pixels: &[[f32; 3]]) -> Option<Tint> {
    if pixels.is_empty() {
        return None;
    }
    let n = pixels.len() as f32;
    let (sa, sb) = pixels
        .iter()
        .fold((0.0f32, 0.0f32), |(a, b), p| (a + p[1], b + p[2]));
    let world = (sa / n, sb / n);
    // The brightest 3 %: the lightness at that rank, then the mean chroma above it.
    let mut ls: Vec<f32> = pixels.iter().map(|p| p[0]).collect();
    let k = (pixels.len() * 97 / 100).min(pixels.len() - 1);
    let (_, cut, _) = ls.select_nth_unstable_by(k, f32::total_cmp);
    let cut = *cut;
    let (mut wa, mut wb, mut wn) = (0.0f32, 0.0f32, 0.0f32);
    for p in pixels.iter().filter(|p| p[0] >= cut) {
        wa += p[1];
        wb += p[2];
        wn += 1.0;
    }
    let white = (wa / wn.max(1.0), wb / wn.max(1.0));
    let cw = white.0.hypot(white.1);
    if !(MIN_TINT..=MAX_TINT).contains(&cw) {
        return None;
    }
    let cg = world.0.hypot(world.1);
    let angle = (white.1.atan2(white.0) - world.1.atan2(world.0))
        .to_degrees()
        .rem_euclid(360.0);
    let angle = angle.min(360.0 - angle);
    (cg < WEAK_WORLD || angle <= AGREE_DEG).then_some(Tint {
        a: white.0,
        b: white.1,
    })
}

impl Tint {
    /// Whether the light masks a claim of this colour: it is achromatic, or its hue is near
    /// the light's.
    pub fn masks(&self, claim: Lab) -> bool {
        let chroma = claim.a.hypot(claim.b);
        if chroma < ACHROMATIC {
            // Black stays near-black under any light: a dark claim is still checkable.
            return claim.l >= MIN_LIGHT_ACHROMATIC;
        }
        let d = (claim.b.atan2(claim.a) - f64::from(self.b).atan2(f64::from(self.a)))
            .to_degrees()
            .rem_euclid(360.0);
        d.min(360.0 - d) <= NEAR_HUE_DEG
    }

    /// The words a finding gives as its evidence.
    pub fn evidence(&self) -> String {
        format!(
            "the scene is lit by tinted light (estimated a* {:.0}, b* {:.0}); this colour cannot be told from the light's",
            self.a, self.b
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flat(l: f32, a: f32, b: f32, n: usize) -> Vec<[f32; 3]> {
        vec![[l, a, b]; n]
    }

    #[test]
    fn a_blue_hour_scene_is_tinted_and_neutral_daylight_is_not() {
        // Everything blue, the brightest parts too.
        let mut blue = flat(30.0, 2.0, -25.0, 970);
        blue.extend(flat(80.0, -2.0, -27.0, 30));
        let t = tint(&blue).expect("tinted");
        assert!(t.masks(Lab {
            l: 90.0,
            a: 0.0,
            b: 0.0
        }));
        assert!(t.masks(Lab {
            l: 50.0,
            a: 0.0,
            b: -40.0
        }));
        assert!(!t.masks(Lab {
            l: 50.0,
            a: 60.0,
            b: 40.0
        }));
        // A blue sky with white clouds: the brightest pixels are neutral.
        let mut sky = flat(60.0, 5.0, -35.0, 970);
        sky.extend(flat(95.0, 0.0, -1.0, 30));
        assert_eq!(tint(&sky), None);
        // A yellow flower filling the frame: saturated brightest pixels are the object's.
        let mut flower = flat(60.0, 6.0, 48.0, 970);
        flower.extend(flat(90.0, -12.0, 84.0, 30));
        assert_eq!(tint(&flower), None);
        assert_eq!(tint(&[]), None);
    }
}
