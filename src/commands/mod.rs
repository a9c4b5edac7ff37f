//! Entry points of the commands beside the contributor ones in [`crate::commands::contribute`].
//! Each prints what it did and returns the exit code (see [`crate::commands::cli`]); the work
//! itself is in library modules.

pub mod cli;
pub mod contribute;
pub mod http;
pub mod import_id;
pub mod linkcheck;
pub mod readme;
pub mod scaffold;

pub mod import;
pub mod init;
