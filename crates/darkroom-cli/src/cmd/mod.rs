//! One module per subcommand (or family of subcommands).

pub mod audit;
pub mod color;
pub mod finishing;
pub mod io;
pub mod parse;
pub mod sketch;
