//! The statistics a recipe check rests on: Wilson intervals for a pass rate (the engine's), Fisher's exact
//! test for "has this rate changed", and Holm's correction for testing many questions at once.

/// The Wilson score interval (95 %) is the engine's, as `audit models` reports it.
pub use darkroom_engine::audit::wilson;

fn ln_factorial(n: u64) -> f64 {
    (1..=n).map(|i| (i as f64).ln()).sum()
}

/// Two-sided Fisher's exact test on the 2×2 table `[[a, b], [c, d]]` (successes and failures
/// before, successes and failures now): the p-value, the summed probability of every table with
/// the same margins that is no more likely than this one.
pub fn fisher(a: u64, b: u64, c: u64, d: u64) -> f64 {
    // Counts of drafts: never near this. A table past it (a damaged input that slipped past
    // validation) is not summed over, which would take longer than anyone waits; no evidence.
    const MOST: u64 = 10_000_000;
    if [a, b, c, d].iter().any(|&x| x > MOST) {
        return 1.0;
    }
    let (r1, r2, c1) = (a + b, c + d, a + c);
    let n = r1 + r2;
    let base = ln_factorial(r1) + ln_factorial(r2) + ln_factorial(c1) + ln_factorial(n - c1)
        - ln_factorial(n);
    let p = |x: u64| -> f64 {
        let (xa, xb, xc) = (x, r1 - x, c1 - x);
        let xd = r2 - xc;
        (base - ln_factorial(xa) - ln_factorial(xb) - ln_factorial(xc) - ln_factorial(xd)).exp()
    };
    let lo = c1.saturating_sub(r2);
    let hi = r1.min(c1);
    let observed = p(a);
    (lo..=hi)
        .map(p)
        .filter(|&q| q <= observed * (1.0 + 1e-7))
        .sum::<f64>()
        .min(1.0)
}

/// Holm's step-down correction: each p-value adjusted for testing all of them.
pub fn holm(ps: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..ps.len()).collect();
    order.sort_by(|&i, &j| ps[i].total_cmp(&ps[j]));
    let m = ps.len();
    let mut out = vec![0.0; m];
    let mut run = 0.0f64;
    for (rank, &i) in order.iter().enumerate() {
        run = run.max(((m - rank) as f64 * ps[i]).min(1.0));
        out[i] = run;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fisher_matches_r() {
        // R: fisher.test(matrix(c(3, 1, 1, 3), 2))$p.value = 0.4857143
        assert!((fisher(3, 1, 1, 3) - 0.485_714_3).abs() < 1e-6);
        // R: fisher.test(matrix(c(10, 0, 2, 8), 2))$p.value (rows 10/2, 0/8) = 0.0007144
        assert!(
            (fisher(10, 2, 0, 8) - 0.000_714_4).abs() < 1e-6,
            "{}",
            fisher(10, 2, 0, 8)
        );
        assert!((fisher(5, 5, 5, 5) - 1.0).abs() < 1e-9);
    }

    #[test]
    fn fisher_ends_on_any_input() {
        // What `decided - yes` wraps to when yes > decided.
        assert_eq!(fisher(5, u64::MAX - 2, 3, 4), 1.0);
        assert!(fisher(0, 0, 0, 0) <= 1.0);
    }

    #[test]
    fn holm_adjusts_in_order() {
        let a = holm(&[0.01, 0.04, 0.03]);
        assert!(
            (a[0] - 0.03).abs() < 1e-12
                && (a[2] - 0.06).abs() < 1e-12
                && (a[1] - 0.06).abs() < 1e-12,
            "{a:?}"
        );
    }
}
