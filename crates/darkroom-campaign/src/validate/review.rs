//! `[review]`: whether only what a person approved is delivered.

use super::*;

/// Checks `[review]`: `required`.
pub(super) fn check(v: &mut V<'_>, node: Option<&Node>) -> bool {
    let mut review_required = false;
    if let Some(r) = node {
        for (k, n) in v.keys(r, "review", &["required"]) {
            if let Some(b) = v.boolean(n, &format!("review.{k}")) {
                review_required = b;
            }
        }
    }
    review_required
}
