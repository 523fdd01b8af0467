//! Integration tests for darkroom-prompt.
