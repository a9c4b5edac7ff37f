//! The search index: rendered pages in, Pagefind's files (under `pagefind/`) out.
//!
//! Pagefind runs as a library on the pages the render stage made, read one at a time
//! from wherever the build keeps them; nothing is written to disk here. Only pages
//! that mark their searchable part with `data-pagefind-body` are indexed (chapters,
//! sections, papers); listings, the search page and the 404 page are not.
//!
//! Invariants:
//! - pages are added in output-path order and Pagefind names its files by content
//!   hash, so the same pages give byte-identical files (checked by a test); the one
//!   outside input Pagefind reads is the `PAGEFIND_UNSTABLE_INDEX_CHUNK_SIZE`
//!   environment variable, which changes how the word index is split into chunks;
//! - indexed URLs are site-relative (`/papers/x/`): Pagefind's browser script prefixes
//!   the folder it was loaded from, so one index works under any base path;
//! - only the files our own search script needs are kept (the core script, its
//!   worker, WebAssembly and the index), not Pagefind's ready-made UIs.

use std::collections::HashMap;
use std::sync::Arc;

use crate::diagnostics::Diagnostic;
use crate::emit::Output;

/// The attribute that marks a page (and the part of it) to index.
const BODY_MARKER: &[u8] = b"data-pagefind-body";

/// Pagefind files our search page does not load: its ready-made interfaces.
const UNUSED_PREFIXES: &[&str] = &[
    "pagefind-ui.",
    "pagefind-modular-ui.",
    "pagefind-component-ui.",
    "pagefind-highlight.",
    "playground/",
];

/// What indexing made.
#[derive(Debug, Clone, Default)]
pub struct SearchIndex {
    /// Files to add to the site, under `pagefind/`.
    pub outputs: Vec<Output>,
    /// Site-relative URLs of the indexed pages, in the order they were added.
    pub pages: Vec<String>,
}

/// Indexes the pages among `outputs` that carry `data-pagefind-body`.
pub fn index(outputs: &[Output], language: &str) -> Result<SearchIndex, Diagnostic> {
    let by_path: HashMap<&str, &Arc<[u8]>> = (outputs.iter())
        .map(|output| (output.path.as_str(), &output.bytes))
        .collect();
    let paths: Vec<&str> = by_path.keys().copied().collect();
    let read = |path: &str| {
        Ok(by_path
            .get(path)
            .map(|bytes| Arc::clone(bytes))
            .unwrap_or_default())
    };
    index_pages(&paths, read, language)
}

/// Indexes the pages among the output files at `paths` that carry
/// `data-pagefind-body`, reading each one's bytes with `read` when its turn comes: a
/// large site's pages need not all be in memory at once.
pub fn index_pages(
    paths: &[&str],
    read: impl Fn(&str) -> anyhow::Result<Arc<[u8]>>,
    language: &str,
) -> Result<SearchIndex, Diagnostic> {
    let mut pages: Vec<(String, &str)> = (paths.iter())
        .filter(|path| path.ends_with(".html"))
        .map(|path| (page_url(path), *path))
        .collect();
    pages.sort();
    pages.dedup();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .map_err(|error| failure(format!("cannot start the indexer: {error}")))?;
    let (files, indexed) = runtime.block_on(run_pagefind(&pages, read, language))?;
    let mut outputs: Vec<Output> = files
        .into_iter()
        .filter(|(name, _)| !UNUSED_PREFIXES.iter().any(|p| name.starts_with(p)))
        .map(|(name, bytes)| Output {
            path: format!("{}/{name}", crate::paths::SEARCH_DIR),
            bytes: bytes.into(),
        })
        .collect();
    outputs.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(SearchIndex {
        outputs,
        pages: indexed,
    })
}

fn is_searchable(html: &[u8]) -> bool {
    html.windows(BODY_MARKER.len())
        .any(|window| window == BODY_MARKER)
}

/// `papers/x/index.html` -> `/papers/x/`; `404.html` -> `/404.html`.
fn page_url(path: &str) -> String {
    match path.strip_suffix("index.html") {
        Some(folder) => format!("/{folder}"),
        None => format!("/{path}"),
    }
}

/// Feeds every searchable page of `pages` (URL, output path) to Pagefind, in order;
/// returns its files as (name, bytes) and the URLs indexed.
async fn run_pagefind(
    pages: &[(String, &str)],
    read: impl Fn(&str) -> anyhow::Result<Arc<[u8]>>,
    language: &str,
) -> Result<(Vec<(String, Vec<u8>)>, Vec<String>), Diagnostic> {
    let options = pagefind::options::PagefindServiceConfig::builder()
        .force_language(language.to_string())
        // Heading anchors are a bare `#`, and a formula's TeX source (its MathML
        // annotation) is markup, not words: both are noise in excerpts.
        .exclude_selectors(vec![".anchor".to_string(), "math annotation".to_string()])
        .build();
    let mut index = pagefind::api::PagefindIndex::new(Some(options))
        .map_err(|error| failure(format!("cannot configure Pagefind: {error:#}")))?;
    let mut indexed = Vec::new();
    for (url, path) in pages {
        let bytes = read(path)
            .map_err(|error| failure(format!("cannot read {path} to index it: {error:#}")))?;
        if !is_searchable(&bytes) {
            continue;
        }
        let html = String::from_utf8_lossy(&bytes).into_owned();
        drop(bytes);
        index
            .add_html_file(None, Some(url.clone()), html)
            .await
            .map_err(|error| failure(format!("cannot index {url}: {error:#}")))?;
        indexed.push(url.clone());
    }
    let files = index
        .get_files()
        .await
        .map_err(|error| failure(format!("cannot build the search index: {error:#}")))?;
    let files = files
        .into_iter()
        .map(|file| {
            let name = file.filename.to_string_lossy().replace('\\', "/");
            (name, file.contents)
        })
        .collect();
    Ok((files, indexed))
}

fn failure(message: String) -> Diagnostic {
    Diagnostic::error(crate::paths::SEARCH_DIR, message)
        .help("this is a problem in the search indexer, not in your content; `survey build --no-search` builds the site without search")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(path: &str, body: &str) -> Output {
        Output {
            path: path.into(),
            bytes: format!("<!DOCTYPE html><html lang=\"en\"><head><title>t</title></head><body>{body}</body></html>").into_bytes().into(),
        }
    }

    fn sample() -> Vec<Output> {
        vec![
            page(
                "papers/dpo/index.html",
                "<main data-pagefind-body><h1>Direct preference optimization</h1><p data-pagefind-filter=\"year\">2023</p></main>",
            ),
            page(
                "training/index.html",
                "<main data-pagefind-body><h1>Training</h1><p>Rank-based training.</p></main>",
            ),
            page("404.html", "<main><h1>Not found</h1></main>"),
        ]
    }

    #[test]
    fn indexes_only_marked_pages_under_site_relative_urls() {
        let index = index(&sample(), "en").unwrap();
        assert_eq!(index.pages, ["/papers/dpo/", "/training/"]);
        let entry = index
            .outputs
            .iter()
            .find(|o| o.path == "pagefind/pagefind-entry.json")
            .expect("an entry file");
        let entry: serde_json::Value = serde_json::from_slice(&entry.bytes).unwrap();
        assert_eq!(entry["languages"]["en"]["page_count"], 2);
    }

    #[test]
    fn keeps_the_core_files_and_drops_the_ready_made_interfaces() {
        let index = index(&sample(), "en").unwrap();
        let paths: Vec<&str> = index.outputs.iter().map(|o| o.path.as_str()).collect();
        for needed in [
            "pagefind/pagefind.js",
            "pagefind/pagefind-worker.js",
            "pagefind/wasm.en.pagefind",
        ] {
            assert!(paths.contains(&needed), "{needed} missing from {paths:?}");
        }
        assert!(paths.iter().any(|p| p.starts_with("pagefind/filter/")));
        assert!(!paths.iter().any(|p| p.contains("-ui.")), "{paths:?}");
    }

    #[test]
    fn the_same_pages_give_the_same_bytes() {
        let first = index(&sample(), "en").unwrap();
        let mut reversed = sample();
        reversed.reverse();
        let second = index(&reversed, "en").unwrap();
        assert_eq!(first.outputs, second.outputs);
    }

    #[test]
    fn page_urls_drop_index_html() {
        assert_eq!(page_url("papers/x/index.html"), "/papers/x/");
        assert_eq!(page_url("index.html"), "/");
        assert_eq!(page_url("404.html"), "/404.html");
    }
}
