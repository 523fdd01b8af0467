//! Campaign files: the prompt as configuration.
//!
//! Three steps with a different type at each (DESIGN.md §3, §10):
//! 1. [`load`] parses the TOML with spans and **validates** it into a [`Campaign`], collecting
//!    every problem at once as `file:line:col: key.path: what is wrong; what is accepted`, with
//!    "did you mean" for misspelt keys, provider kinds and provider names. Unknown keys are
//!    errors. Validation does no IO.
//! 2. Shot templates with `vars` expand into shots with stable ids.
//! 3. [`plan::plan`] turns a campaign into draft attempts with deterministic ids (a hash of
//!    provider, model, prompt, seed and parameters) and an estimate of credits, money and time.

pub mod diag;
pub mod plan;
mod validate;

pub use diag::{Diagnostic, Diagnostics};
pub use validate::{
    load, Budget, Campaign, Gates, Provider, ProviderKind, Shot, SimOverrides, Tier,
};
