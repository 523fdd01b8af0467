//! Pure pixel operations: encoding and decoding images.
//!
//! This crate owns the image codecs so that no other crate depends on them. Today it writes PNG
//! with `tEXt`/`iTXt` metadata (generation parameters travel inside the file) and reads PNG back
//! with a pixel-count limit, naming the file in every error.

pub mod png_io;

pub use png_io::{decode_png, encode_png, read_png, write_png, PngError, RgbImage};
