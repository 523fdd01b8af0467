//! splitmix64: the one small, seedable generator every deterministic part of darkroom uses
//! (renders, palettes, fills, the simulator, the judge audit), so the same seed gives the same
//! bytes everywhere and no crate needs a random-number dependency.

/// The splitmix64 increment (the golden ratio in 64 bits).
pub const GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

/// The splitmix64 finaliser, also a good stateless hash of a `u64`.
pub fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A splitmix64 stream.
#[derive(Debug, Clone)]
pub struct SplitMix64(pub u64);

impl SplitMix64 {
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(GAMMA);
        mix(self.0)
    }

    /// Uniform in `[0, 1)` with 53 bits of precision.
    pub fn unit_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// An integer in `0..n` (`n > 0`; modulo bias is negligible for the small `n` used here).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_reference_splitmix64_stream() {
        // First outputs of splitmix64 seeded with 0 (Vigna's reference implementation).
        let mut r = SplitMix64(0);
        assert_eq!(r.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(r.next_u64(), 0x6E78_9E6A_A1B9_65F4);
        let u = SplitMix64(7).unit_f64();
        assert!((0.0..1.0).contains(&u));
        assert!(SplitMix64(7).below(3) < 3);
    }
}

/// The largest integer a JSON reader that holds numbers as doubles (JavaScript, `jq`) reads
/// exactly: 2^53 − 1.
pub const JSON_SAFE_MAX: u64 = (1 << 53) - 1;

/// A seed for JSON: a number when every reader reads it exactly, else its decimal digits as
/// a string — a 64-bit seed written as a number comes back changed from JavaScript or `jq`,
/// and no longer reproduces the image.
pub fn seed_json(seed: u64) -> serde_json::Value {
    if seed <= JSON_SAFE_MAX {
        serde_json::Value::from(seed)
    } else {
        serde_json::Value::from(seed.to_string())
    }
}

#[cfg(test)]
mod seed_tests {
    use super::*;

    #[test]
    fn a_seed_past_2_53_is_a_string() {
        assert_eq!(seed_json(42), serde_json::json!(42));
        assert_eq!(
            seed_json(JSON_SAFE_MAX),
            serde_json::json!(9_007_199_254_740_991u64)
        );
        assert_eq!(
            seed_json(JSON_SAFE_MAX + 2),
            serde_json::json!("9007199254740993")
        );
        // As a double, 2^53 + 1 reads back as 2^53: the reason for the string.
        assert_eq!((JSON_SAFE_MAX + 2) as f64 as u64, JSON_SAFE_MAX + 1);
    }
}
