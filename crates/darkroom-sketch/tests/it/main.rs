//! Integration tests for darkroom-sketch, one module per topic.

// Shared helpers: rendering and reading the object-id buffer.
mod util;
// Every relation of a prompt holds on screen (checked from the object-id buffer).
mod relations;
// Same inputs → same bytes; the seed varies only what the prompt leaves open.
mod determinism;
// Camera, lighting, materials and sizes follow the prompt.
mod cues;
// Golden images with a stated tolerance.
mod golden;
