//! Pure pixel operations: decoding with limits, PNG writing with metadata, Lanczos3 resizing,
//! sharpness and clipping, perceptual hashes, and local out-painting (extend) and in-painting.
//!
//! This crate owns the image codecs (`png`, `image`) and the resizer (`fast_image_resize`) so
//! that no other crate depends on them. Nothing here does IO beyond the `read_*`/`write_*`
//! helpers, and nothing panics on any input: errors name the file.

pub mod alpha;
pub mod decode;
pub mod fill;
pub mod metrics;
pub mod phash;
pub mod png_io;
pub mod resize;
pub mod thumb;

pub use decode::{
    decode, decode_with_alpha, read_image, read_image_with_alpha, DecodeError, Limits,
};
pub use png_io::{
    decode_png, decode_png_alpha, encode_png, encode_png_rgba, png_text, read_png, with_png_text,
    write_png, PngError, RgbImage,
};
pub use thumb::{encode_jpeg, thumbnail_jpeg, with_jpeg_user_comment};
