//! One module per subcommand (or family of subcommands).

pub mod audit;
pub mod audit_judges;
pub mod audit_models;
pub mod check;
pub mod color;
pub mod credentials;
pub mod finishing;
pub mod init;
pub mod io;
pub mod judge;
pub mod moving;
pub mod parse;
pub mod recipe;
pub mod report;
pub mod review;
pub mod run;
pub mod simulate;
pub mod sketch;
pub mod status;
pub mod verify;
pub mod worker;
