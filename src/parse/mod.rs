//! The parse stage: one file's text -> a value, with no knowledge of the rest of the
//! site. Each function here is pure, so the engine keeps its result by the text's hash.

pub mod bibtex;
pub mod config;
pub mod frontmatter;
pub mod highlight;
pub mod markdown;
pub mod math;
pub mod validate;
pub mod venue;
