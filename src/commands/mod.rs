//! Entry points of the commands beside the contributor ones in [`crate::contribute`].
//! Each prints what it did and returns the exit code (see [`crate::cli`]); the work
//! itself is in library modules.

pub mod import;
pub mod init;
