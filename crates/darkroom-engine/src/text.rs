//! Text on deliverables: routing a shot's quoted text to the model or to the typesetter
//! (`text_by`), and setting a shot's texts on each deliverable in its aspect's safe area.
//!
//! `text_by = "auto"` is decided from the draft provider's measured text pass rate: the text
//! questions the pixel judge (OCR) decided on that provider's drafts in this campaign's ledger.
//! At least [`AUTO_MIN_DECIDED`] decided and a pass rate of [`AUTO_MIN_RATE`] keep the text
//! with the model; fewer measurements, or a lower rate, typeset it (a typeset word is always
//! spelt right; a draft with a misspelt sign is paid for and thrown away). The built-in
//! renderer draws the text it is given, so it keeps it.

use std::collections::BTreeMap;

use darkroom_campaign::{Campaign, Shot};
use darkroom_core::judge::{Finding, Verdict};
use darkroom_core::text::TextBy;
use darkroom_core::ProviderKind;
use darkroom_imageops::RgbImage;
use darkroom_ledger::Ledger;
use darkroom_prompt::AssertionKind;
use darkroom_typeset::{Canvas, Font, Spec};

/// Least decided text questions for `auto` to trust a measured pass rate.
pub const AUTO_MIN_DECIDED: usize = 8;
/// Least text pass rate for `auto` to leave the text to the model.
pub const AUTO_MIN_RATE: f64 = 0.8;

/// The share of each side of a deliverable outside its safe area (title-safe: the middle 90 %).
pub const SAFE_MARGIN: f64 = 0.05;

/// How a shot's text was routed, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Routing {
    /// The shot.
    pub shot: String,
    /// As written.
    pub asked: TextBy,
    /// What was chosen.
    pub chosen: TextBy,
    /// Why, in words.
    pub why: String,
}

/// Text questions decided on `provider`'s drafts in a ledger: `(yes, decided)`.
pub fn measured_text(
    ledger: &Ledger,
    provider: &str,
) -> Result<(usize, usize), darkroom_ledger::LedgerError> {
    let dump = ledger.dump_without_scores()?;
    let mut kinds: BTreeMap<String, Vec<AssertionKind>> = BTreeMap::new();
    for a in dump
        .attempts
        .iter()
        .filter(|a| a.provider == provider && a.tier == darkroom_ledger::Tier::Draft)
    {
        let Some(prompt) = crate::prompt_of_params(&a.params) else {
            continue;
        };
        if let Ok(scene) = darkroom_prompt::parse(&prompt) {
            if scene
                .checklist
                .iter()
                .any(|q| q.kind == AssertionKind::Text)
            {
                kinds.insert(
                    a.id.clone(),
                    scene.checklist.iter().map(|q| q.kind).collect(),
                );
            }
        }
    }
    let (mut yes, mut decided) = (0, 0);
    ledger.for_each_score(|s| {
        let Some(k) = kinds.get(&s.attempt) else {
            return;
        };
        if s.judge != "layout" {
            return;
        }
        // A score's verdicts are its judgement as JSON: the findings are under `findings`.
        let Some(findings) = serde_json::from_str::<serde_json::Value>(&s.verdicts)
            .ok()
            .and_then(|v| serde_json::from_value::<Vec<Finding>>(v["findings"].clone()).ok())
        else {
            return;
        };
        for f in findings {
            let is_text = f
                .assertion
                .and_then(|a| k.get(a))
                .is_some_and(|k| *k == AssertionKind::Text);
            if is_text && f.verdict != Verdict::Undecided {
                decided += 1;
                yes += usize::from(f.verdict == Verdict::Yes);
            }
        }
    })?;
    Ok((yes, decided))
}

/// Decides every `auto` shot of a campaign (routing its prompt) and says how each shot with
/// text is routed. `ledger`: the campaign's, when it has run.
pub fn route(campaign: &mut Campaign, ledger: Option<&Ledger>) -> Vec<Routing> {
    let provider = campaign.draft.provider.clone();
    let kind = campaign.providers.get(&provider).map(|p| p.kind);
    let colour = darkroom_campaign::default_text_colour(campaign.brand.as_ref());
    let colour = (colour.0.to_string(), colour.1);
    let mut measured: Option<(usize, usize)> = None;
    let mut out = Vec::new();
    for shot in campaign.shots.iter_mut() {
        let quoted = !darkroom_prompt::blank_text(&shot.written).1.is_empty();
        if !quoted && shot.text.is_empty() {
            continue;
        }
        let asked = shot.text_by;
        let (chosen, why) = match asked {
            TextBy::Model => (TextBy::Model, "text_by = \"model\"".to_string()),
            TextBy::Typeset => (TextBy::Typeset, "text_by = \"typeset\"".to_string()),
            TextBy::Auto if kind == Some(ProviderKind::Sketch) => (
                TextBy::Model,
                format!(
                    "auto: {provider} is the built-in renderer, which draws the text it is given"
                ),
            ),
            TextBy::Auto => {
                let (yes, decided) = *measured.get_or_insert_with(|| {
                    ledger
                        .and_then(|l| measured_text(l, &provider).ok())
                        .unwrap_or((0, 0))
                });
                if decided < AUTO_MIN_DECIDED {
                    (
                        TextBy::Typeset,
                        format!(
                            "auto: {provider}'s text pass rate is not measured yet ({decided} text question(s) decided in this campaign's ledger, {AUTO_MIN_DECIDED} needed); typeset, which is always spelt right"
                        ),
                    )
                } else {
                    let rate = yes as f64 / decided as f64;
                    if rate >= AUTO_MIN_RATE {
                        (
                            TextBy::Model,
                            format!("auto: {provider} rendered the text right in {yes} of {decided} decided drafts ({:.0} %, ≥ {:.0} %)", rate * 100.0, AUTO_MIN_RATE * 100.0),
                        )
                    } else {
                        (
                            TextBy::Typeset,
                            format!("auto: {provider} rendered the text right in only {yes} of {decided} decided drafts ({:.0} %, < {:.0} %)", rate * 100.0, AUTO_MIN_RATE * 100.0),
                        )
                    }
                }
            }
        };
        shot.route(chosen, (&colour.0, colour.1));
        out.push(Routing {
            shot: shot.id.clone(),
            asked,
            chosen,
            why,
        });
    }
    out
}

/// The fonts a campaign's texts name, opened once (the bundled font under `""`): a font that
/// cannot be read is an error before anything is spent.
pub fn fonts(campaign: &Campaign) -> Result<BTreeMap<String, Font>, String> {
    let mut out = BTreeMap::new();
    out.insert(String::new(), Font::bundled());
    let mut errors = Vec::new();
    for shot in &campaign.shots {
        for (i, t) in shot.text.iter().enumerate() {
            let key = t.font.clone().unwrap_or_default();
            if !out.contains_key(&key) {
                match Font::open(std::path::Path::new(&key)) {
                    Ok(f) => {
                        out.insert(key.clone(), f);
                    }
                    Err(e) => {
                        errors.push(format!("shot {} text[{i}]: {e}", shot.id));
                        continue;
                    }
                }
            }
            // Every text against its font, the bundled one included: a text the font cannot
            // draw would fail at delivery, after its images were paid for.
            let missing = out[&key].missing(&t.content);
            if !missing.is_empty() {
                errors.push(format!(
                    "shot {} text[{i}]: the font {} has no glyph for {missing:?}; choose a font that has them (`font = \"path/to/font.ttf\"`)",
                    shot.id,
                    if key.is_empty() { "bundled with darkroom (DejaVu Sans Bold)" } else { key.as_str() }
                ));
            }
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors.join("\n"))
    }
}

/// A box in 0..1 of the safe area, in pixels of a `w`×`h` frame.
pub fn safe_rect(rect: [f64; 4], w: u32, h: u32) -> [f32; 4] {
    let (w, h) = (f64::from(w), f64::from(h));
    let (sx, sy) = (w * SAFE_MARGIN, h * SAFE_MARGIN);
    let (sw, sh) = (w * (1.0 - 2.0 * SAFE_MARGIN), h * (1.0 - 2.0 * SAFE_MARGIN));
    [
        (sx + rect[0] * sw) as f32,
        (sy + rect[1] * sh) as f32,
        (sx + rect[2] * sw) as f32,
        (sy + rect[3] * sh) as f32,
    ]
}

/// Sets a shot's texts on an image; each set text is a step of the deliverable's record.
pub fn set_all(
    shot: &Shot,
    fonts: &BTreeMap<String, Font>,
    img: &mut RgbImage,
) -> Result<Vec<serde_json::Value>, String> {
    let mut steps = Vec::new();
    for t in &shot.text {
        let key = t.font.clone().unwrap_or_default();
        let font = fonts
            .get(&key)
            .ok_or_else(|| format!("the font {key} was not opened"))?;
        let rect = safe_rect(t.rect, img.width, img.height);
        let mut canvas = Canvas {
            width: img.width,
            height: img.height,
            rgb: &mut img.rgb,
        };
        let set = darkroom_typeset::typeset(
            &mut canvas,
            &Spec {
                content: &t.content,
                rect,
                font,
                color: t.color,
                align: t.align,
            },
        )
        .map_err(|e| format!("{} text {:?}: {e}", shot.id, t.content))?;
        steps.push(serde_json::json!({
            "op": "typeset",
            "content": t.content,
            "font": font.name(),
            "color": t.color_name,
            "hex": t.color.to_hex(),
            "align": t.align.as_str(),
            "box": rect.iter().map(|v| v.round() as i64).collect::<Vec<_>>(),
            "ink": set.ink,
            "size_px": (set.layout.size * 10.0).round() / 10.0,
            "lines": set.layout.lines.len(),
            "contrast": (set.contrast * 100.0).round() / 100.0,
            "contrast_needed": set.needed,
            "plate": set.plate.map(|(c, r)| serde_json::json!({"color": c.to_hex(), "box": r})),
            "contrast_after": (set.contrast_after * 100.0).round() / 100.0,
            "warning": set.warning,
        }));
    }
    Ok(steps)
}
