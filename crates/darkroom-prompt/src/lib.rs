//! Prompt understanding: prompt text → scene graph → checklist, with no model.
//!
//! [`parse`] reads a prompt into a [`Scene`]: entities (singular nouns, multi-word nouns, counts,
//! colours, materials, sizes), spatial relations with the right subject, camera, lighting,
//! setting, style and text to render, a checklist of atomic assertions with dependencies (in the
//! spirit of DSG), and the words it did not understand. It is pure and deterministic; the
//! renderer draws the scene, the judges check images against the checklist, and the report
//! explains failures with it.
//!
//! ```
//! let scene = darkroom_prompt::parse("a red sphere to the left of a blue cube").unwrap();
//! assert_eq!(scene.entities[0].noun, "sphere");
//! assert_eq!(scene.relations[0].predicate.as_str(), "left_of");
//! assert_eq!(scene.checklist.last().unwrap().question, "Is the sphere to the left of the cube?");
//! ```

mod blank;
pub mod checklist;
mod frame;
mod inflect;
mod lexicon;
pub mod mutate;
mod parse;
pub mod scene;
mod text;
mod things;
mod tokenize;
mod wordnet;

pub use blank::blank_text;
pub use inflect::singular;
pub use scene::*;
pub use text::to_text;

/// The longest prompt accepted, in characters.
pub const MAX_PROMPT_CHARS: usize = 10_000;

/// A prompt that cannot be parsed at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PromptError {
    /// Nothing but whitespace.
    #[error("the prompt is empty; give a description such as \"a red sphere on a table\"")]
    Empty,
    /// Over [`MAX_PROMPT_CHARS`].
    #[error("the prompt is {len} characters long; at most {MAX_PROMPT_CHARS} are accepted")]
    TooLong {
        /// Its length in characters.
        len: usize,
    },
}

/// Parses a prompt into a scene graph with its checklist.
pub fn parse(prompt: &str) -> Result<Scene, PromptError> {
    let len = prompt.chars().count();
    if len > MAX_PROMPT_CHARS {
        return Err(PromptError::TooLong { len });
    }
    if prompt.trim().is_empty() {
        return Err(PromptError::Empty);
    }
    let mut scene = parse::parse_scene(prompt);
    scene.checklist = checklist::build(&scene);
    Ok(scene)
}
