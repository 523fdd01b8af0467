//! The gates a judged image passes or fails (adherence, on-palette share, sharpness,
//! near-duplicate), and the restatement of a failed question that refines the next round.

use darkroom_campaign::Gates;
use darkroom_ledger::Reason;

use crate::stages::judge::Scored;
use crate::Ctx;

/// The gate of a campaign: `None` when the draft passes, else the reason code.
pub(crate) fn gate(ctx: &Ctx, s: &Scored, near_dup: bool) -> Option<Reason> {
    gate_with(
        &ctx.campaign.gates,
        ctx.campaign.brand.is_some(),
        s,
        near_dup,
    )
}

/// The gate: `None` when the draft passes, else the first reason code in the order adherence,
/// on-palette share (only with a brand), sharpness, near-duplicate.
pub(super) fn gate_with(g: &Gates, branded: bool, s: &Scored, near_dup: bool) -> Option<Reason> {
    if g.adherence.is_some_and(|m| s.adherence < m) {
        return Some(Reason::BelowAdherence);
    }
    if branded && g.on_palette.is_some_and(|m| s.on_palette < m) {
        return Some(Reason::BelowOnPalette);
    }
    if g.sharpness.is_some_and(|m| s.sharpness < m) {
        return Some(Reason::BelowSharpness);
    }
    if near_dup {
        return Some(Reason::NearDuplicate);
    }
    None
}

/// "Is the sphere to the left of the cube?" → "the sphere to the left of the cube".
pub(crate) fn restate(q: &str) -> String {
    let q = q.trim_end_matches('?');
    for p in ["Is there ", "Are there ", "Is ", "Are ", "Does ", "Do "] {
        if let Some(rest) = q.strip_prefix(p) {
            return rest.to_string();
        }
    }
    q.to_string()
}
