//! Integration tests for darkroom-judges, one module per topic.

// The layout judge's accuracy against injected mutations, at both tiers.
mod accuracy;
// The layout judge on an image made outside the renderer.
mod photo;
// The layout judge on real photographs: abstain rather than reject what is true.
mod photographs;
// The vision judge's prompt and its strict parsing of recorded answers.
mod vision;
// Brand, quality and novelty judges.
mod others;
// Relations of a white stand-in on sketch renders.
mod stand_ins;
// The text judge reads sketch signs and typeset text (needs Tesseract).
mod text;
