//! Integration tests for darkroom-prompt, one module per topic.

// The compact scene summary the table is written in.
mod summary;
// The 150+ prompt expectation table.
mod table;
// The JSON contract, the checklist, errors and robustness.
mod contract;
// Entity precision and recall on realistic prompts.
mod realistic;
// Entity precision and recall on held-back PartiPrompts.
mod parti;
// GenEval's 553 specs, parsed exactly.
mod geneval;
