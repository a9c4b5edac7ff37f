//! One file of the built site, as every stage after assembling passes it on: render
//! and the search index make them, emit writes them.

use std::sync::Arc;

/// One file of the built site. The bytes are shared, not copied, between the engine's
/// record of the job that made them, the site it serves and the build it hands to emit:
/// at 10 000 papers the pages alone are over 200 MB.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    /// Path relative to the output directory, with `/` separators.
    pub path: String,
    pub bytes: Arc<[u8]>,
}

impl Output {
    /// A file at `path` with `bytes`.
    pub fn new(path: impl Into<String>, bytes: impl Into<Arc<[u8]>>) -> Self {
        Output {
            path: path.into(),
            bytes: bytes.into(),
        }
    }

    /// A rendered page at a site path: `index.html` in a folder path's folder.
    pub(crate) fn page(path: &str, html: String) -> Self {
        let path = if path.ends_with(".html") {
            path.to_string()
        } else {
            format!("{path}index.html")
        };
        Output::new(path, html.into_bytes())
    }
}

/// A file the output folder already holds exactly as the last build wrote it, and the
/// new site has unchanged: emit keeps it without its bytes ever being read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kept {
    /// Path relative to the output directory, with `/` separators.
    pub path: String,
    /// BLAKE3 hash of its bytes, as the output folder's manifest records it.
    pub hash: [u8; 32],
    pub size: u64,
}
