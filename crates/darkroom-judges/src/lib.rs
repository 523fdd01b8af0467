//! Judges: what scores an image, and why.
//!
//! Every judge implements [`darkroom_core::judge::Judge`] for its own context and returns a
//! score with findings (`yes` / `no` / `undecided`, each with evidence):
//! - [`layout::LayoutJudge`] answers checklist assertions from pixels alone: colour regions in
//!   CIELAB, matched to the prompt's coloured entities, give presence, colour, count and
//!   left/right/above/below/on; the horizon gives camera hints. What it cannot decide stays
//!   undecided.
//!   Quoted text is answered by reading the image ([`text`], with Tesseract).
//! - [`brand::BrandJudge`], [`quality::QualityJudge`], [`novelty::NoveltyJudge`]: on-palette
//!   share, sharpness/clipping/size, and pHash distance to sibling drafts.
//! - [`vision::VisionJudge`]: the DSG question list asked of a vision-language model in one call,
//!   answers parsed strictly.
//! - [`accuracy`]: how far to trust the layout judge, measured against injected mutations.

pub mod accuracy;
pub mod brand;
pub mod layout;
pub mod novelty;
pub mod photos;
pub mod quality;
pub mod text;
pub mod vision;

pub use darkroom_core::judge::{Finding, ImageRef, Judge, Judgement, Verdict};

/// The judges' version: changed whenever a judge may answer differently on the same image
/// (a recipe lock records it, so `recipe check` can tell judge drift from model drift).
pub const VERSION: &str = "2026-12-01 (text read by OCR; oklab colour words, confidence)";
