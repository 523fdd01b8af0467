//! Integration tests for darkroom-sketch.
