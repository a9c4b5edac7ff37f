//! The search index: rendered pages in, Pagefind's files (under `pagefind/`) out.
//!
//! Pagefind runs as a library on the HTML strings the render stage made; nothing is
//! read from or written to disk here. Only pages that mark their searchable part with
//! `data-pagefind-body` are indexed (chapters, sections, papers); listings, the search
//! page and the 404 page are not.
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
    let mut pages: Vec<(String, String)> = outputs
        .iter()
        .filter(|output| is_searchable(output))
        .map(|output| {
            (
                page_url(&output.path),
                String::from_utf8_lossy(&output.bytes).into_owned(),
            )
        })
        .collect();
    pages.sort_by(|a, b| a.0.cmp(&b.0));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .map_err(|error| failure(format!("cannot start the indexer: {error}")))?;
    let files = runtime.block_on(run_pagefind(&pages, language))?;
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
        pages: pages.into_iter().map(|(url, _)| url).collect(),
    })
}

fn is_searchable(output: &Output) -> bool {
    output.path.ends_with(".html")
        && output
            .bytes
            .windows(BODY_MARKER.len())
            .any(|window| window == BODY_MARKER)
}

/// `papers/x/index.html` -> `/papers/x/`; `404.html` -> `/404.html`.
fn page_url(path: &str) -> String {
    match path.strip_suffix("index.html") {
        Some(folder) => format!("/{folder}"),
        None => format!("/{path}"),
    }
}

/// Feeds every page to Pagefind and returns its files as (name, bytes).
async fn run_pagefind(
    pages: &[(String, String)],
    language: &str,
) -> Result<Vec<(String, Vec<u8>)>, Diagnostic> {
    let options = pagefind::options::PagefindServiceConfig::builder()
        .force_language(language.to_string())
        // Heading anchors are a bare `#`, and a formula's TeX source (its MathML
        // annotation) is markup, not words: both are noise in excerpts.
        .exclude_selectors(vec![".anchor".to_string(), "math annotation".to_string()])
        .build();
    let mut index = pagefind::api::PagefindIndex::new(Some(options))
        .map_err(|error| failure(format!("cannot configure Pagefind: {error:#}")))?;
    for (url, html) in pages {
        index
            .add_html_file(None, Some(url.clone()), html.clone())
            .await
            .map_err(|error| failure(format!("cannot index {url}: {error:#}")))?;
    }
    let files = index
        .get_files()
        .await
        .map_err(|error| failure(format!("cannot build the search index: {error:#}")))?;
    Ok(files
        .into_iter()
        .map(|file| {
            let name = file.filename.to_string_lossy().replace('\\', "/");
            (name, file.contents)
        })
        .collect())
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
