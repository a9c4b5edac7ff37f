//! Tests of the search index.

use std::borrow::Cow;
use std::collections::BTreeMap;

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

fn paper(key: &str, date: &str) -> Output {
    page(
        &format!("papers/{key}/index.html"),
        &format!(
            "<main data-pagefind-body data-pagefind-sort=\"date:{date}\"><h1>{key}</h1></main>"
        ),
    )
}

fn files_of(outputs: &[Output]) -> Vec<PageFile<'_>> {
    (outputs.iter())
        .map(|o| PageFile::of(&o.path, &o.bytes))
        .collect()
}

fn bundled(outputs: &[Output], per_bundle: usize) -> SearchIndex {
    let read = |path: &str| {
        let output = outputs.iter().find(|o| o.path == path).unwrap();
        Ok(Arc::clone(&output.bytes))
    };
    let last = Last::none();
    index_in_bundles(&files_of(outputs), read, "en", Some(per_bundle), &last, 2).unwrap()
}

fn file<'i>(index: &'i SearchIndex, path: &str) -> &'i [u8] {
    let found = index.outputs.iter().find(|o| o.path == path);
    &found.unwrap_or_else(|| panic!("no {path}")).bytes
}

fn page_count(index: &SearchIndex, folder: &str) -> serde_json::Value {
    let entry = file(index, &format!("{folder}/pagefind-entry.json"));
    serde_json::from_slice::<serde_json::Value>(entry).unwrap()["languages"]["en"]["page_count"]
        .clone()
}

#[test]
fn a_site_over_the_bundle_size_is_indexed_in_bundles_newest_papers_first() {
    let mut outputs = sample();
    outputs.extend([
        paper("old", "2019-01"),
        paper("new", "2024-05"),
        paper("mid", "2022-00"),
    ]);
    let index = bundled(&outputs, 2);
    assert_eq!(
        file(&index, "pagefind/parts.json"),
        br#"["part-1/","part-2/"]"#
    );
    // Cut from the oldest end: the newest paper alone, then the two older dated
    // ones, then the undated pages; each bundle in URL order.
    assert_eq!(
        index.pages,
        [
            "/papers/new/",
            "/papers/mid/",
            "/papers/old/",
            "/papers/dpo/",
            "/training/"
        ]
    );
    assert_eq!(page_count(&index, "pagefind"), 1);
    assert_eq!(page_count(&index, "pagefind/part-1"), 2);
    assert_eq!(page_count(&index, "pagefind/part-2"), 2);
    // The last bundle holds the page with a filter (DPO's year).
    let part: Vec<&str> = (index.outputs.iter())
        .filter_map(|o| o.path.strip_prefix("pagefind/part-2/"))
        .collect();
    assert!(
        part.iter().any(|name| name.ends_with(".pf_meta")),
        "{part:?}"
    );
    assert!(
        part.iter().any(|name| name.starts_with("filter/")),
        "{part:?}"
    );
    assert!(
        !part
            .iter()
            .any(|name| name.ends_with(".js") || name.starts_with("wasm.")),
        "{part:?}"
    );
}

/// Indexes `outputs` in bundles of two, keeping the bundles `last` made whose key
/// is unchanged (as if their files were still in the output folder), and reading
/// only the pages whose facts `last` does not know.
fn reindexed(outputs: &[Output], last: &SearchIndex) -> (SearchIndex, Vec<String>) {
    let reads = std::sync::Mutex::new(Vec::new());
    let read = |path: &str| {
        reads.lock().unwrap().push(path.to_string());
        let output = outputs.iter().find(|o| o.path == path).unwrap();
        Ok(Arc::clone(&output.bytes))
    };
    let reuse_one = |key: &u64| {
        let bundle = (last.memory.bundles.iter()).find(|bundle| bundle.key == *key)?;
        let kept = bundle.files.iter().map(|(path, hash)| Kept {
            path: path.clone(),
            hash: *hash,
            size: 0,
        });
        Some(kept.collect())
    };
    let reuse = |keys: &[u64]| keys.iter().map(reuse_one).collect();
    let last = Last {
        facts: last.memory.pages.iter().cloned().collect(),
        reuse: &reuse,
    };
    let index = index_in_bundles(&files_of(outputs), read, "en", Some(2), &last, 2).unwrap();
    let mut reads = reads.into_inner().unwrap();
    reads.sort();
    (index, reads)
}

/// The files of a bundled index, kept ones by hash, made ones hashed.
fn file_hashes(index: &SearchIndex) -> Vec<(String, [u8; 32])> {
    let made =
        (index.outputs.iter()).map(|o| (o.path.clone(), crate::emit::content_hash(&o.bytes)));
    let kept = index.kept.iter().map(|file| (file.path.clone(), file.hash));
    let mut files: Vec<_> = made.chain(kept).collect();
    files.sort();
    files
}

#[test]
fn only_the_bundles_whose_pages_changed_are_indexed_again() {
    let mut outputs = vec![
        paper("a", "2019-01"),
        paper("b", "2020-01"),
        paper("c", "2021-01"),
        paper("d", "2022-01"),
    ];
    let first = bundled(&outputs, 2);
    assert_eq!((first.indexed, first.memory.bundles.len()), (2, 2));
    let (unchanged, reads) = reindexed(&outputs, &first);
    assert_eq!(unchanged.indexed, 0);
    assert_eq!(file_hashes(&unchanged), file_hashes(&first));
    assert_eq!(reads, Vec::<String>::new(), "unchanged pages are not read");
    // One page edited: its bundle only, and the same files as a clean index. The
    // edited page is read for its facts, then its bundle's pages to index them.
    outputs[0] = page(
        "papers/a/index.html",
        "<main data-pagefind-body data-pagefind-sort=\"date:2019-01\"><h1>a, edited</h1></main>",
    );
    let (edited, reads) = reindexed(&outputs, &first);
    assert_eq!(edited.indexed, 1);
    assert_eq!(file_hashes(&edited), file_hashes(&bundled(&outputs, 2)));
    assert_ne!(file_hashes(&edited), file_hashes(&first));
    assert_eq!(
        reads,
        [
            "papers/a/index.html",
            "papers/a/index.html",
            "papers/b/index.html"
        ]
    );
    // A paper newer than all: only the newest bundle, which had room.
    outputs.truncate(3);
    let three = bundled(&outputs, 2);
    outputs.push(paper("e", "2023-01"));
    let (added, _) = reindexed(&outputs, &three);
    assert_eq!((added.indexed, added.memory.bundles.len()), (1, 2));
    assert_eq!(file_hashes(&added), file_hashes(&bundled(&outputs, 2)));
}

#[test]
fn a_page_s_facts_are_kept_by_the_hash_of_its_bytes() {
    let outputs = vec![
        paper("a", "2019-01"),
        paper("b", "2020-01"),
        paper("c", "2021-01"),
    ];
    let first = bundled(&outputs, 2);
    let facts: HashMap<_, _> = first.memory.pages.iter().cloned().collect();
    let b = &outputs[1];
    assert_eq!(
        facts[&crate::emit::content_hash(&b.bytes)],
        PageFacts::of(&b.bytes)
    );
    assert_eq!(
        PageFacts::of(&b.bytes).date.as_deref(),
        Some(&b"2020-01"[..])
    );
    assert_eq!(
        PageFacts::of(&sample()[2].bytes),
        PageFacts {
            searchable: false,
            date: None
        }
    );
}

#[test]
fn a_site_within_the_bundle_size_is_one_bundle() {
    let index = bundled(&sample(), 2);
    assert_eq!(file(&index, "pagefind/parts.json"), b"[]");
    assert!(!index.outputs.iter().any(|o| o.path.contains("part-")));
    assert_eq!(page_count(&index, "pagefind"), 2);
}

/// The real site's searchable pages, built without search.
fn real_site_pages() -> Vec<Output> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let options = crate::BuildOptions {
        base_url: None,
        search: false,
        cache: None,
        output: None,
        save_cache: false,
        pages: crate::engine::Pages::Keep,
    };
    let build = crate::build_with(root, options);
    assert!(build.succeeded(), "{:?}", build.diagnostics);
    (build.outputs.into_iter())
        .filter(|output| PageFacts::of(&output.bytes).searchable)
        .collect()
}

/// Pagefind's files for `pages` in one bundle, each page given as `given` makes it.
fn pagefind_files(pages: &[Output], given: fn(&[u8]) -> Cow<'_, [u8]>) -> PagefindFiles {
    let bundle: Vec<BundlePage> = (pages.iter())
        .map(|output| BundlePage {
            url: page_url(&output.path),
            path: &output.path,
            hash: crate::emit::content_hash(&output.bytes),
            size: output.bytes.len() as u64,
        })
        .collect();
    let read = |path: &str| {
        let output = pages.iter().find(|o| o.path == path).unwrap();
        Ok(Arc::clone(&output.bytes))
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime
        .block_on(run_pagefind(&bundle, &read, "en", given))
        .unwrap()
}

/// What [`trim`] cuts changes nothing in the index: on every searchable page of the
/// real site, Pagefind makes the same files from the cut pages as from the whole
/// ones, while it is given well under two thirds of their bytes.
#[test]
fn pages_cut_for_indexing_give_the_index_of_whole_pages() {
    let pages = real_site_pages();
    assert!(pages.len() > 150, "{} searchable pages", pages.len());
    let whole: usize = pages.iter().map(|page| page.bytes.len()).sum();
    let given: usize = (pages.iter())
        .map(|page| trim::for_indexing(&page.bytes).len())
        .sum();
    assert!(given * 3 < whole * 2, "given {given} of {whole} bytes");
    let from_whole = pagefind_files(&pages, |page| Cow::Borrowed(page));
    let from_cut = pagefind_files(&pages, trim::for_indexing);
    assert!(from_whole.len() > 10);
    // Pagefind lists its files in no fixed order; the build sorts them by path.
    let names = |files: &PagefindFiles| -> BTreeMap<String, [u8; 32]> {
        (files.iter())
            .map(|(name, bytes)| (name.clone(), crate::emit::content_hash(bytes)))
            .collect()
    };
    assert_eq!(names(&from_cut), names(&from_whole));
}

#[test]
fn page_urls_drop_index_html() {
    assert_eq!(page_url("papers/x/index.html"), "/papers/x/");
    assert_eq!(page_url("index.html"), "/");
    assert_eq!(page_url("404.html"), "/404.html");
}

#[test]
fn bundles_grow_in_steps_with_the_site() {
    assert_eq!(bundle_size_for(0), 32);
    assert_eq!(bundle_size_for(32 * BUNDLES_WANTED), 32);
    assert_eq!(bundle_size_for(32 * BUNDLES_WANTED + 1), 64);
    assert_eq!(bundle_size_for(64 * BUNDLES_WANTED), 64);
    assert_eq!(bundle_size_for(64 * BUNDLES_WANTED + 1), 128);
    assert_eq!(bundle_size_for(1_040), 128);
    assert_eq!(bundle_size_for(10_400), 1_024);
    assert_eq!(bundle_size_for(1_000_000), PAGES_PER_BUNDLE);
    for searchable in [1, 500, 5_000, 20_000] {
        let size = bundle_size_for(searchable);
        assert!(size == PAGES_PER_BUNDLE || searchable.div_ceil(size) <= BUNDLES_WANTED);
    }
}

/// Bundles are taken largest first (one worker shows the order taken), and their
/// results come back in the bundles' order whatever the number of workers.
#[test]
fn bundles_are_indexed_largest_first_and_returned_in_order() {
    let page = |size: u64| BundlePage {
        url: String::new(),
        path: "",
        hash: [0; 32],
        size,
    };
    let bundles: Vec<Vec<BundlePage>> = vec![
        vec![page(10), page(10)],
        vec![page(5)],
        vec![page(30), page(40)],
        vec![page(25)],
    ];
    let slices: Vec<&[BundlePage]> = bundles.iter().map(Vec::as_slice).collect();
    let total = |pages: &[BundlePage]| pages.iter().map(|page| page.size).sum::<u64>();
    let taken = std::sync::Mutex::new(Vec::new());
    let results = largest_first(&slices, 1, |pages| {
        taken.lock().unwrap().push(total(pages));
        total(pages)
    });
    assert_eq!(taken.into_inner().unwrap(), [70, 25, 20, 5]);
    assert_eq!(results, [20, 5, 70, 25]);
    for at_once in [2, 3, 8] {
        assert_eq!(largest_first(&slices, at_once, total), [20, 5, 70, 25]);
    }
}
