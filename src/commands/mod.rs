//! The command line: arguments and dispatch ([`cli`]), and each command's entry point,
//! which prints what it did and returns one of the exit codes below. The work itself
//! is in the pipeline's modules; what only a command needs (the README list, new
//! paper files, imports by identifier, the link checker, the HTTP client) is here.

pub mod cli;
pub mod contribute;
pub mod http;
pub mod import_id;
pub mod linkcheck;
pub mod readme;
pub mod scaffold;

pub mod import;
pub mod init;

/// Success (warnings allowed).
pub const EXIT_OK: u8 = 0;
/// The site has problems: errors in content, or a failed build.
pub const EXIT_PROBLEMS: u8 = 1;
/// The command was used wrongly (bad arguments, a missing site).
pub const EXIT_USAGE: u8 = 2;
