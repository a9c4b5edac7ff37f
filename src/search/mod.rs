//! The search index: rendered pages in, Pagefind's files (under `pagefind/`) out.
//!
//! Pagefind runs as a library on the pages the render stage made, read one at a time
//! from wherever the build keeps them; nothing is written to disk here. Only pages
//! that mark their searchable part with `data-pagefind-body` are indexed (chapters,
//! sections, papers); listings, the search page and the 404 page are not. Pagefind is
//! given each page without what cannot change its index ([`trim`]).
//!
//! Invariants:
//! - pages are added in output-path order and Pagefind names its files by content
//!   hash, so the same pages give byte-identical files (checked by a test); the one
//!   outside input Pagefind reads is the `PAGEFIND_UNSTABLE_INDEX_CHUNK_SIZE`
//!   environment variable, which changes how the word index is split into chunks;
//! - indexed URLs are site-relative (`/papers/x/`): Pagefind's browser script prefixes
//!   the folder it was loaded from, so one index works under any base path;
//! - only the files our own search script needs are kept (the core script, its
//!   worker, WebAssembly and the index), not Pagefind's ready-made UIs;
//! - memory is bounded by the bundle, not the site: Pagefind keeps every page's
//!   parsed data until it writes its files (about 80 KB a page), so pages are indexed
//!   in bundles of at most [`PAGES_PER_BUNDLE`], at most [`BUNDLES_AT_ONCE`] at a
//!   time (one in `serve`'s background indexing). Smaller sites get smaller bundles
//!   ([`bundle_size_for`]), so that an edit indexes few pages again and a cold build
//!   keeps both cores busy. The first bundle is in `pagefind/`, the others in
//!   `pagefind/part-N/` with only their index files; `pagefind/parts.json` lists the
//!   others (`[]` when there is one), and the search page merges them into the first
//!   (`mergeIndex`). Pages go
//!   into bundles newest paper first, so that a merged list sorted by date (which
//!   Pagefind orders bundle after bundle) stays newest first;
//! - a bundle is indexed again only if what it is made of changed: its number, its
//!   pages (URL and bytes), the language, this build of the tool and the chunk-size
//!   variable give its key ([`BundleFiles::key`]); a bundle whose key and files the
//!   last build left ([`Reuse`]) is kept as it is. Bundles are cut from the oldest
//!   page, so a new paper (usually the newest) changes only the newest bundle.
//! - a page is read to cut the bundles only if no build before read the same bytes:
//!   what that needs of a page (whether it is searchable, its date) is a function of
//!   its bytes, kept by their hash ([`PageFacts`]); a build from the cache reads only
//!   the pages that changed, and those of the bundles it indexes again.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::diagnostics::Diagnostic;
use crate::emit::{Kept, Output};

/// The attribute that marks a page (and the part of it) to index.
const BODY_MARKER: &[u8] = b"data-pagefind-body";

/// Where a page says when it was published: `data-pagefind-sort="date:2023-07"`.
const DATE_MARKER: &[u8] = b"data-pagefind-sort=\"date:";

/// The most pages one bundle indexes: about 120 MB of Pagefind's memory, and at
/// 100 000 papers about 70 bundles for the search page to merge.
pub const PAGES_PER_BUNDLE: usize = 1_500;

/// The bundle sizes a site may get, smallest first: the first that cuts its
/// searchable pages into at most [`BUNDLES_WANTED`] bundles, else the largest.
/// Steps rather than an exact share, so that a new page changes the size (and so
/// every bundle) only when the site crosses a step. The smallest is 32: an edit to a
/// site of a few hundred pages (the real survey: 256) indexes 32 pages again, not 64,
/// which halved a warm build's time, and a cold one takes as long.
const BUNDLE_SIZES: [usize; 7] = [32, 64, 128, 256, 512, 1_024, PAGES_PER_BUNDLE];

/// How many bundles a site is cut into, at most, while the largest size is not
/// reached. An edit indexes its page's bundle again, so small bundles make warm
/// builds cheap, and several bundles let both cores index a cold build; but the
/// search page fetches every bundle's index for each query, so not too many.
const BUNDLES_WANTED: usize = 16;

/// The most bundles indexed at once: Pagefind indexes a bundle on one thread, so two
/// at once halve the time on two cores, for the memory that one bundle of 3 000
/// pages took. A fixed number, not the machine's, so that memory does not grow
/// with cores.
const BUNDLES_AT_ONCE: usize = 2;

/// Overrides the size [`bundle_size_for`] picks (tests use it to split a small site).
pub const PAGES_PER_BUNDLE_VAR: &str = "SURVEY_SEARCH_PAGES_PER_BUNDLE";

/// The file that lists the bundles after the first, relative to `pagefind/`.
pub const PARTS_FILE: &str = "parts.json";

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
    /// Files of bundles the last build made of the same pages, kept as they are.
    pub kept: Vec<Kept>,
    /// Site-relative URLs of the indexed pages, in the order they were added.
    pub pages: Vec<String>,
    /// What the next build starts from: every bundle's key and files, every page's
    /// facts.
    pub memory: Memory,
    /// How many bundles Pagefind indexed (the others were kept).
    pub indexed: usize,
}

/// One bundle's files, by path and content hash, with the key of what they were made
/// from: equal keys give equal files.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BundleFiles {
    pub key: u64,
    pub files: Vec<(String, [u8; 32])>,
}

/// What the indexer reads in a page before indexing it: whether it is searchable and
/// its date. Kept by the hash of the page's bytes, so that a build cuts its bundles
/// without reading the pages that did not change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageFacts {
    searchable: bool,
    /// The date sort key (`2023-07`) of a searchable page that has one.
    date: Option<Vec<u8>>,
}

impl PageFacts {
    fn of(html: &[u8]) -> PageFacts {
        let searchable = memchr::memmem::find(html, BODY_MARKER).is_some();
        PageFacts {
            searchable,
            date: searchable.then(|| date_of(html)).flatten(),
        }
    }
}

/// What one index leaves for the next build's ([`index_pages`]).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Memory {
    pub bundles: Vec<BundleFiles>,
    /// The facts of this build's pages, by the BLAKE3 hash of their bytes.
    pub pages: Facts,
}

/// A page the indexer may read: its path in the output, the BLAKE3 hash of its bytes and
/// its size (which tells which bundles take longest to index).
#[derive(Debug, Clone, Copy)]
pub struct PageFile<'a> {
    pub path: &'a str,
    pub hash: [u8; 32],
    pub size: u64,
}

impl<'a> PageFile<'a> {
    /// The page `path` with the bytes `bytes`, hashed here.
    pub fn of(path: &'a str, bytes: &[u8]) -> Self {
        PageFile {
            path,
            hash: crate::emit::content_hash(bytes),
            size: bytes.len() as u64,
        }
    }
}

/// For each bundle key, the files of a bundle with that key the last build left
/// unchanged, if there is one. All keys at once: the output folder's manifest is then
/// read once.
pub type Reuse<'a> = &'a dyn Fn(&[u64]) -> Vec<Option<Vec<Kept>>>;

/// What the last build's index left: its [`Memory`]'s page facts, and its bundles'
/// files where the output folder still holds them as written.
pub struct Last<'a> {
    pub facts: HashMap<[u8; 32], PageFacts>,
    pub reuse: Reuse<'a>,
}

impl Last<'_> {
    /// Nothing from a last build: every page is read and every bundle indexed.
    pub fn none() -> Last<'static> {
        Last {
            facts: HashMap::new(),
            reuse: &|keys| vec![None; keys.len()],
        }
    }
}

/// Indexes the pages among `outputs` that carry `data-pagefind-body`, one bundle at a
/// time: `serve` runs this in the background, and its rebuilds keep the other core.
pub fn index(outputs: &[Output], language: &str) -> Result<SearchIndex, Diagnostic> {
    let by_path: HashMap<&str, &Arc<[u8]>> = (outputs.iter())
        .map(|output| (output.path.as_str(), &output.bytes))
        .collect();
    let pages: Vec<PageFile> = (outputs.iter())
        .filter(|output| output.path.ends_with(".html"))
        .map(|output| PageFile::of(&output.path, &output.bytes))
        .collect();
    let read = |path: &str| {
        Ok(by_path
            .get(path)
            .map(|bytes| Arc::clone(bytes))
            .unwrap_or_default())
    };
    index_in_bundles(&pages, read, language, None, &Last::none(), 1)
}

/// Indexes the pages among the output files `pages` that carry `data-pagefind-body`,
/// reading each one's bytes with `read` when its turn comes: a large site's pages need
/// not all be in memory at once. A page whose hash `last` knows is not read to cut the
/// bundles, and a bundle that `last` has files for is not indexed again.
pub fn index_pages(
    pages: &[PageFile],
    read: impl Fn(&str) -> anyhow::Result<Arc<[u8]>> + Sync,
    language: &str,
    last: &Last,
) -> Result<SearchIndex, Diagnostic> {
    index_in_bundles(pages, read, language, None, last, BUNDLES_AT_ONCE)
}

/// The bundle size [`PAGES_PER_BUNDLE_VAR`] sets, if it does.
fn size_override() -> Option<usize> {
    (std::env::var(PAGES_PER_BUNDLE_VAR).ok())
        .and_then(|value| value.parse().ok())
        .filter(|pages| *pages > 0)
}

/// How many pages each bundle holds for a site of `searchable` pages: the smallest of
/// [`BUNDLE_SIZES`] that needs at most [`BUNDLES_WANTED`] bundles, else the largest.
fn bundle_size_for(searchable: usize) -> usize {
    let wanted = searchable.div_ceil(BUNDLES_WANTED);
    (BUNDLE_SIZES.into_iter())
        .find(|size| *size >= wanted)
        .unwrap_or(PAGES_PER_BUNDLE)
}

fn index_in_bundles(
    pages: &[PageFile],
    read: impl Fn(&str) -> anyhow::Result<Arc<[u8]>> + Sync,
    language: &str,
    per_bundle: Option<usize>,
    last: &Last,
    at_once: usize,
) -> Result<SearchIndex, Diagnostic> {
    let mut pages: Vec<(String, PageFile)> = (pages.iter())
        .filter(|page| page.path.ends_with(".html"))
        .map(|page| (page_url(page.path), *page))
        .collect();
    pages.sort_by(|a, b| (&a.0, a.1.path).cmp(&(&b.0, b.1.path)));
    pages.dedup_by(|a, b| a.1.path == b.1.path);
    let (bundles, facts) = newest_first_bundles(pages, &read, &last.facts, per_bundle)?;
    let keys: Vec<u64> = (bundles.iter().enumerate())
        .map(|(number, bundle)| bundle_key(number, language, bundle))
        .collect();
    let kept = (last.reuse)(&keys);
    let to_index: Vec<&[BundlePage]> = (bundles.iter().zip(&kept))
        .filter(|(_, kept)| kept.is_none())
        .map(|(bundle, _)| bundle.as_slice())
        .collect();
    let index = |bundle: &[BundlePage]| index_bundle(bundle, &read, language);
    let mut made = largest_first(&to_index, at_once, index).into_iter();
    let bundled = (kept.into_iter())
        .map(|kept| match kept {
            Some(kept) => Ok(Bundled::Kept(kept)),
            None => (made.next().expect("a result for each bundle to index")).map(Bundled::Made),
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut index = SearchIndex {
        memory: Memory {
            bundles: Vec::new(),
            pages: facts,
        },
        ..SearchIndex::default()
    };
    let mut parts = Vec::new();
    for (number, ((bundle, key), bundled)) in (bundles.iter().zip(keys).zip(bundled)).enumerate() {
        let folder = match number {
            0 => crate::paths::SEARCH_DIR.to_string(),
            _ => {
                parts.push(format!("part-{number}/"));
                format!("{}/part-{number}", crate::paths::SEARCH_DIR)
            }
        };
        index
            .pages
            .extend(bundle.iter().map(|page| page.url.clone()));
        let files: Vec<(String, [u8; 32])> = match bundled {
            Bundled::Kept(kept) => {
                let files = kept.iter().map(|file| (file.path.clone(), file.hash));
                let files = files.collect();
                index.kept.extend(kept);
                files
            }
            Bundled::Made(made) => {
                let needed = (made.into_iter())
                    .filter(|(name, _)| is_needed(name, number == 0))
                    .map(|(name, bytes)| Output {
                        path: format!("{folder}/{name}"),
                        bytes: bytes.into(),
                    });
                let start = index.outputs.len();
                index.outputs.extend(needed);
                index.indexed += 1;
                (index.outputs[start..].iter())
                    .map(|o| (o.path.clone(), crate::emit::content_hash(&o.bytes)))
                    .collect()
            }
        };
        index.memory.bundles.push(BundleFiles { key, files });
    }
    index.outputs.push(Output {
        path: format!("{}/{PARTS_FILE}", crate::paths::SEARCH_DIR),
        bytes: serde_json::to_vec(&parts)
            .expect("a list of strings serializes")
            .into(),
    });
    index.outputs.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(index)
}

/// `index` of each of the `bundles`, in their order, run on at most `at_once` threads
/// (a bundle's index is in memory while it is made) that take the largest bundle left
/// first. In order, the last bundle (it ends with the undated pages, chapters and
/// sections, the longest) came last, to one thread while the other had nothing left.
fn largest_first<T: Send>(
    bundles: &[&[BundlePage]],
    at_once: usize,
    index: impl Fn(&[BundlePage]) -> T + Sync,
) -> Vec<T> {
    let size = |pages: &[BundlePage]| pages.iter().map(|page| page.size).sum::<u64>();
    let mut order: Vec<usize> = (0..bundles.len()).collect();
    order.sort_by_key(|&at| std::cmp::Reverse(size(bundles[at])));
    let next = AtomicUsize::new(0);
    let done: Vec<Mutex<Option<T>>> = bundles.iter().map(|_| Mutex::new(None)).collect();
    let worker = || {
        while let Some(&at) = order.get(next.fetch_add(1, Ordering::Relaxed)) {
            let result = index(bundles[at]);
            *done[at].lock().unwrap_or_else(PoisonError::into_inner) = Some(result);
        }
    };
    std::thread::scope(|scope| {
        for _ in 1..at_once.min(bundles.len()) {
            scope.spawn(worker);
        }
        worker();
    });
    (done.into_iter())
        .map(|result| result.into_inner().unwrap_or_else(PoisonError::into_inner))
        .map(|result| result.expect("each bundle is taken by one worker, which ran to the end"))
        .collect()
}

/// The files Pagefind made for a bundle, as (name, bytes).
type PagefindFiles = Vec<(String, Vec<u8>)>;

/// A bundle's files: those the last build left, or those Pagefind made now.
enum Bundled {
    Kept(Vec<Kept>),
    Made(PagefindFiles),
}

/// Searchable pages cut into bundles.
type Bundles<'a> = Vec<Vec<BundlePage<'a>>>;

/// Pages' facts by the hash of their bytes, as [`Memory::pages`] keeps them.
type Facts = Vec<([u8; 32], PageFacts)>;

/// Indexes one bundle's pages with a Pagefind of its own.
fn index_bundle(
    bundle: &[BundlePage],
    read: &(impl Fn(&str) -> anyhow::Result<Arc<[u8]>> + Sync),
    language: &str,
) -> Result<PagefindFiles, Diagnostic> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .map_err(|error| failure(format!("cannot start the indexer: {error}")))?;
    let files = runtime.block_on(run_pagefind(bundle, read, language, trim::for_indexing));
    drop(runtime);
    // Pagefind's state was freed in the arenas of this thread and of the runtime's
    // threads, where the next bundle may not reuse it: given back, it does not add up.
    crate::return_freed_memory();
    files
}

/// Whether a file Pagefind made is one the search page loads: for the first bundle
/// its script, worker, WebAssembly and index; for the others only the index, which
/// the first bundle's script reads.
fn is_needed(name: &str, first: bool) -> bool {
    if UNUSED_PREFIXES
        .iter()
        .any(|prefix| name.starts_with(prefix))
    {
        return false;
    }
    first
        || !(name.starts_with("pagefind.js")
            || name.starts_with("pagefind-worker.")
            || name.starts_with("wasm."))
}

/// A searchable page of a bundle.
struct BundlePage<'a> {
    url: String,
    path: &'a str,
    /// The BLAKE3 hash of its bytes.
    hash: [u8; 32],
    size: u64,
}

/// Splits the searchable `pages` into bundles of at most `per_bundle` (else what
/// [`PAGES_PER_BUNDLE_VAR`] says, else [`bundle_size_for`] their number), dated pages
/// newest first (then by URL), undated ones after; each bundle in URL order. Bundles
/// are cut from the oldest page, so only the newest bundle may be short, and a page
/// added at the newest end moves no other page to another bundle. Reads only the
/// pages whose facts `known` lacks; returns every page's facts with the bundles.
fn newest_first_bundles<'a>(
    pages: Vec<(String, PageFile<'a>)>,
    read: impl Fn(&str) -> anyhow::Result<Arc<[u8]>> + Sync,
    known: &HashMap<[u8; 32], PageFacts>,
    per_bundle: Option<usize>,
) -> Result<(Bundles<'a>, Facts), Diagnostic> {
    // A cold build reads every page here (1 800 on the real site): in parallel.
    let found: Vec<PageFacts> = (pages.par_iter())
        .map(|(_, page)| match known.get(&page.hash) {
            Some(found) => Ok(found.clone()),
            None => Ok(PageFacts::of(&read_page(&read, page.path)?)),
        })
        .collect::<Result<_, Diagnostic>>()?;
    let mut dated = Vec::new();
    let mut facts = Vec::with_capacity(pages.len());
    for ((url, page), found) in pages.into_iter().zip(found) {
        if found.searchable {
            dated.push((std::cmp::Reverse(found.date.clone()), url, page));
        }
        facts.push((page.hash, found));
    }
    facts.sort_by_key(|(hash, _)| *hash);
    facts.dedup_by(|a, b| a.0 == b.0);
    dated.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    let per_bundle =
        (per_bundle.or_else(size_override)).unwrap_or_else(|| bundle_size_for(dated.len()));
    let mut bundles: Vec<Vec<BundlePage>> = (dated.rchunks(per_bundle))
        .map(|chunk| {
            let mut bundle: Vec<BundlePage> = (chunk.iter())
                .map(|(_, url, page)| BundlePage {
                    url: url.clone(),
                    path: page.path,
                    hash: page.hash,
                    size: page.size,
                })
                .collect();
            bundle.sort_by(|a, b| a.url.cmp(&b.url));
            bundle
        })
        .collect();
    bundles.reverse();
    if bundles.is_empty() {
        bundles.push(Vec::new());
    }
    Ok((bundles, facts))
}

/// What a bundle's files are made from, hashed: its place, its pages, the language,
/// this build of the tool (Pagefind's version with it) and Pagefind's one outside
/// input.
fn bundle_key(number: usize, language: &str, pages: &[BundlePage]) -> u64 {
    let pages: Vec<(&str, [u8; 32])> = pages.iter().map(|p| (p.url.as_str(), p.hash)).collect();
    let chunk_size = std::env::var("PAGEFIND_UNSTABLE_INDEX_CHUNK_SIZE").ok();
    let tool = env!("SURVEY_BUILD_ID");
    crate::hash::hash_of(&(number, language, pages, chunk_size, tool))
}

/// The page's date sort key (`2023-07`), or `None` (sorted after every date).
fn date_of(html: &[u8]) -> Option<Vec<u8>> {
    let start = memchr::memmem::find(html, DATE_MARKER)? + DATE_MARKER.len();
    let length = html[start..].iter().position(|byte| *byte == b'"')?;
    Some(html[start..start + length].to_vec())
}

/// The page at `path`.
fn read_page(
    read: impl Fn(&str) -> anyhow::Result<Arc<[u8]>>,
    path: &str,
) -> Result<Arc<[u8]>, Diagnostic> {
    read(path).map_err(|error| failure(format!("cannot read {path} to index it: {error:#}")))
}

/// `papers/x/index.html` -> `/papers/x/`; `404.html` -> `/404.html`.
fn page_url(path: &str) -> String {
    match path.strip_suffix("index.html") {
        Some(folder) => format!("/{folder}"),
        None => format!("/{path}"),
    }
}

/// Feeds the searchable `pages` to Pagefind, in order, each as `given` makes it of
/// the page ([`trim::for_indexing`]: what the index needs of it); returns its files.
async fn run_pagefind(
    pages: &[BundlePage<'_>],
    read: &impl Fn(&str) -> anyhow::Result<Arc<[u8]>>,
    language: &str,
    given: fn(&[u8]) -> std::borrow::Cow<'_, [u8]>,
) -> Result<PagefindFiles, Diagnostic> {
    let options = pagefind::options::PagefindServiceConfig::builder()
        .force_language(language.to_string())
        // Heading anchors are a bare `#`, and a formula's TeX source (its MathML
        // annotation) is markup, not words: both are noise in excerpts.
        .exclude_selectors(vec![".anchor".to_string(), "math annotation".to_string()])
        .build();
    let mut index = pagefind::api::PagefindIndex::new(Some(options))
        .map_err(|error| failure(format!("cannot configure Pagefind: {error:#}")))?;
    let prepare = |page: &BundlePage| -> Result<String, Diagnostic> {
        let bytes = read_page(read, page.path)?;
        Ok(String::from_utf8_lossy(&given(&bytes)).into_owned())
    };
    let mut pages = pages.iter();
    let mut next = pages.next().map(|page| (page, prepare(page)));
    while let Some((page, html)) = next {
        let added = index.add_html_file(None, Some(page.url.clone()), html?);
        // Pagefind indexes a page on a thread of its own: the next page is read and
        // trimmed here meanwhile (a tenth of a bundle's time when it is the only one).
        let following = async { pages.next().map(|page| (page, prepare(page))) };
        let (added, following) = tokio::join!(added, following);
        added.map_err(|error| failure(format!("cannot index {}: {error:#}", page.url)))?;
        next = following;
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
    Ok(files)
}

fn failure(message: String) -> Diagnostic {
    Diagnostic::error(crate::paths::SEARCH_DIR, message)
        .help("this is a problem in the search indexer, not in your content; `survey build --no-search` builds the site without search")
}

mod trim;

#[cfg(test)]
mod tests;
