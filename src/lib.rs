//! `survey`: a static-site generator for living literature surveys.
//!
//! The pipeline flows one way, a folder per stage:
//!
//! - [`load`]: the site's files from disk, once (the only stage that reads them);
//! - [`parse`]: one file -> a value (`site.yaml`, front-matter, Markdown, maths,
//!   highlighting), knowing nothing of the other files;
//! - [`assemble`]: every parsed file -> one validated, cross-linked
//!   [`assemble::site::Site`] (layout, links, citations, the reference graph, related
//!   papers, listings);
//! - [`render`]: the site -> every output file, each page a template job that records
//!   what it read;
//! - [`search`]: the rendered pages -> the search index's files;
//! - [`emit`]: the outputs -> the output folder, all or nothing.
//!
//! Beside the stages: [`model`] (the entities, as plain data), [`formats`] (a paper as
//! a label, a CSL reference, BibTeX, CSL-JSON), [`diagnostics`] (problems as values,
//! never panics), [`paths`], [`hash`], [`html`], [`timings`] and [`tracked`]
//! (containers that know what was read of them and what changed).
//! [`engine::LiveBuild`] runs the pipeline for every command and redoes only what
//! changed: `build` and `check` start it with nothing kept or from the cache folder,
//! [`serve`] keeps it running.
//! [`commands`] holds the command line and what only a command needs.
//!
//! Dependencies point down that list (a stage uses the ones before it and the shared
//! modules, never one after it; the one exception is [`emit::Output`], the file type
//! render and search hand on), and no two modules import each other.

// The API docs are for contributors: `cargo doc --document-private-items` builds
// them (the test command too, with warnings as errors), and there module docs may
// link to the private parts they describe.
#![allow(rustdoc::private_intra_doc_links)]

pub mod assemble;
pub mod commands;
pub mod diagnostics;
pub mod emit;
pub mod engine;
pub mod formats;
pub mod hash;
pub mod html;
pub mod load;
pub mod model;
pub mod parse;
pub mod paths;
pub mod render;
pub mod search;
pub mod serve;
pub mod timings;
pub mod tracked;

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use assemble::site::Site;
use diagnostics::Diagnostics;
use emit::Output;
use load::Sources;

/// The result of running the pipeline in memory (no writes).
pub struct Build {
    pub sources: Sources,
    pub diagnostics: Diagnostics,
    /// Present when there were no errors.
    pub site: Option<Site>,
    /// The files to write; empty for `check`, and without the pages a build placed
    /// as it rendered them ([`BuildOptions::pages`]).
    pub outputs: Vec<Output>,
    /// Files the output folder already holds as this build would write them (from the
    /// cache folder: their bytes were not read). [`emit::emit_keeping`] keeps them.
    pub kept: Vec<emit::Kept>,
    /// Files already written into the new output tree: pages as they were rendered
    /// ([`engine::Pages::Place`]) and, with search, every other file while the index
    /// was made.
    pub staged: Vec<emit::Kept>,
    /// Pages rendered by this build; the others were taken from the cache folder.
    pub rendered: usize,
    /// Search bundles indexed by this build, and in all (none without search); the
    /// others were kept from the output folder.
    pub search_bundles: (usize, usize),
}

impl Build {
    pub fn succeeded(&self) -> bool {
        self.site.is_some() && !self.diagnostics.has_errors()
    }
}

/// Everything `build` validates, plus what only matters in the repository (the README
/// paper list); renders in memory, builds no search index and writes nothing.
pub fn check(root: &Path) -> Build {
    check_with(root, None, None)
}

/// [`check`] starting from the cache folder `cache` (read, never written), with the
/// pages a build left in the folder `output` that are still as it wrote them.
pub fn check_with(root: &Path, cache: Option<&Path>, output: Option<&Path>) -> Build {
    let options = BuildOptions {
        base_url: None,
        search: false,
        cache,
        output,
        save_cache: false,
        pages: engine::Pages::Discard,
    };
    let mut result = build_with(root, options);
    if let (Some(site), Some(readme)) = (&result.site, &result.sources.readme)
        && let Some(stale) = commands::readme::check(readme, site)
    {
        result.diagnostics.push(stale);
    }
    result
}

/// How to build: what `survey build` and `survey check` ask for.
#[derive(Clone)]
pub struct BuildOptions<'a> {
    /// Overrides site.yaml's `base_url`.
    pub base_url: Option<&'a str>,
    /// Build the search index (`--no-search` turns it off; `check` never needs it).
    pub search: bool,
    /// The cache folder to start from (`None`: `--no-cache`, start from nothing).
    pub cache: Option<&'a Path>,
    /// The output folder the last build wrote: the cache keeps pages by hash, and the
    /// unchanged ones are read back from there.
    pub output: Option<&'a Path>,
    /// Whether to save the engine's memory into `cache` after a successful build.
    pub save_cache: bool,
    /// What becomes of each page once rendered: kept in the build's outputs, dropped
    /// (`check`: each page is still rendered, so template errors are errors), or
    /// written into the output tree at once (`build`). Unless kept, memory does not
    /// grow with the pages.
    pub pages: engine::Pages,
}

/// Loads, assembles, renders and indexes the site under `root`; `base_url` overrides
/// site.yaml's.
pub fn build(root: &Path, base_url: Option<&str>) -> Build {
    build_with(
        root,
        BuildOptions {
            base_url,
            search: true,
            cache: None,
            output: None,
            save_cache: false,
            pages: engine::Pages::Keep,
        },
    )
}

/// [`build`] with every option: the engine ([`engine::LiveBuild`]) started with
/// nothing kept or from the cache folder, so `build`, `check` and `serve` run one
/// pipeline.
pub fn build_with(root: &Path, options: BuildOptions) -> Build {
    let (mut engine, rebuild) = engine::LiveBuild::with_cache(
        root,
        options.base_url,
        options.cache,
        options.save_cache,
        options.output,
        options.pages.clone(),
    );
    let save = options.cache.filter(|_| rebuild.succeeded);
    let mut build = engine.take_build(rebuild);
    let search = options.search && build.site.is_some();
    if search {
        return_freed_memory();
    }
    // What is left is three independent steps: saving the engine's memory, indexing
    // the pages (mostly one bundle, on one thread, after an edit) and, meanwhile,
    // putting the files made so far in the new tree rather than after the index.
    let (saved, (placed, index)) = rayon::join(
        // The engine goes once saved, as before the index was made beside it: what it
        // keeps for a later build is no use to the index.
        move || save.map(|folder| (folder, engine.save())),
        || index_and_place(&build, &options, search),
    );
    crate::timings::mark("search indexed, cache saved, files placed");
    if let Some((folder, Err(error))) = saved {
        eprintln!(
            "note: could not save the cache in {}: {error}",
            folder.display()
        );
    }
    if let Some(placed) = placed {
        build.outputs.clear();
        build.kept.clear();
        build.staged.extend(placed);
    }
    let Some(index) = index else {
        return build;
    };
    let memory = add_search_index(&mut build, index);
    if build.diagnostics.has_errors() {
        build.site = None;
    }
    if let Some(folder) = options.cache.filter(|_| options.save_cache)
        && build.succeeded()
        && let Err(error) = engine::persist::save_search_memory(folder, &memory)
    {
        eprintln!(
            "note: could not save the search index's keys in {}: {error}",
            folder.display()
        );
    }
    build
}

/// The files put in the new tree, and the search index or what stopped it.
type Indexed = (
    Option<Vec<emit::Kept>>,
    Option<Result<search::SearchIndex, diagnostics::Diagnostic>>,
);

/// With `search`, the build's search index ([`search_index`]) and, at the same time,
/// the build's files put in the new tree, if it has one ([`engine::Pages::Place`]).
fn index_and_place(build: &Build, options: &BuildOptions, search: bool) -> Indexed {
    let emitter = options.pages.emitter().filter(|_| search);
    let last = options.cache.zip(options.output);
    rayon::join(
        || emitter.map(|e| e.place_all_but(&build.outputs, &build.kept, paths::SEARCH_DIR)),
        || search.then(|| search_index(build, options.output, emitter, last)),
    )
}

/// Gives the memory the process freed back to the system. glibc keeps a freed block
/// in the arena of the thread that freed it, and work on other threads allocates from
/// others: without this, the search index's memory comes on top of the engine's, freed
/// or not (at 30 000 papers the peak RSS was 766 MB with 352 MB in use).
pub(crate) fn return_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim takes no pointer; it only walks glibc's own arenas.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Indexes the rendered pages: those in memory, those kept in the output folder
/// `output` and those `placed` in the new tree, read one at a time. With `last` (the
/// cache folder and the output folder of the last build), pages whose facts that
/// build saved are not read to cut the bundles, and bundles of unchanged pages whose
/// files that build left as it wrote them are kept instead of indexed.
fn search_index(
    build: &Build,
    output: Option<&Path>,
    placed: Option<&emit::Emitter>,
    last: Option<(&Path, &Path)>,
) -> Result<search::SearchIndex, diagnostics::Diagnostic> {
    let language = (build.site.as_ref()).map_or("en", |site| site.config.language.as_str());
    let in_memory: HashMap<&str, &Output> = (build.outputs.iter())
        .map(|output| (output.path.as_str(), output))
        .collect();
    let kept: HashMap<&str, &emit::Kept> = (build.kept.iter())
        .map(|file| (file.path.as_str(), file))
        .collect();
    let pages = searchable_candidates(build);
    let read = |path: &str| -> anyhow::Result<Arc<[u8]>> {
        if let Some(output) = in_memory.get(path) {
            return Ok(Arc::clone(&output.bytes));
        }
        if let (Some(file), Some(output)) = (kept.get(path), output) {
            return Ok(emit::read_kept_file(output, file)?.into());
        }
        match placed {
            Some(emitter) => Ok(emitter.read(path)?.into()),
            None => anyhow::bail!("{path} is neither in memory nor in a folder"),
        }
    };
    let saved = last
        .map(|(cache, _)| engine::persist::search_memory(cache))
        .unwrap_or_default();
    let bundles: HashMap<u64, &search::BundleFiles> = (saved.bundles.iter())
        .map(|bundle| (bundle.key, bundle))
        .collect();
    let output = last.map(|(_, output)| output);
    let reuse = |keys: &[u64]| kept_bundles(&bundles, output, placed, keys);
    let last = search::Last {
        facts: saved.pages.iter().cloned().collect(),
        reuse: &reuse,
    };
    search::index_pages(&pages, read, language, &last)
}

/// Adds the search `index` (or the error that stopped it) to the build's files;
/// returns what the next build starts from.
fn add_search_index(
    build: &mut Build,
    index: Result<search::SearchIndex, diagnostics::Diagnostic>,
) -> search::Memory {
    match index {
        Ok(index) => {
            build.search_bundles = (index.indexed, index.memory.bundles.len());
            build.outputs.extend(index.outputs);
            build.outputs.sort_by(|a, b| a.path.cmp(&b.path));
            build.kept.extend(index.kept);
            index.memory
        }
        Err(diagnostic) => {
            build.diagnostics.push(diagnostic);
            search::Memory::default()
        }
    }
}

/// For each of the bundle `keys`, the files the last build made for it (`bundles`), if
/// the output folder `output` still holds every one as it was written (as the
/// `emitter` of the build found it, if it has one).
fn kept_bundles(
    bundles: &HashMap<u64, &search::BundleFiles>,
    output: Option<&Path>,
    emitter: Option<&emit::Emitter>,
    keys: &[u64],
) -> Vec<Option<Vec<emit::Kept>>> {
    let known: Vec<Option<&search::BundleFiles>> =
        keys.iter().map(|key| bundles.get(key).copied()).collect();
    let wanted: Vec<(&str, [u8; 32])> = (known.iter().flatten())
        .flat_map(|bundle| &bundle.files)
        .map(|(path, hash)| (path.as_str(), *hash))
        .collect();
    let mut found = emit::unchanged_of(output, emitter, &wanted).into_iter();
    // A bundle is kept only if every one of its files is.
    (known.into_iter())
        .map(|bundle| {
            let count = bundle?.files.len();
            let kept: Vec<Option<emit::Kept>> = found.by_ref().take(count).collect();
            kept.into_iter().collect()
        })
        .collect()
}

/// Every page of the build, wherever it is, with the hash of its bytes: those in
/// memory are hashed here, the others' hashes are known.
fn searchable_candidates(build: &Build) -> Vec<search::PageFile<'_>> {
    let in_memory = (build.outputs.iter())
        .filter(|output| output.path.ends_with(".html"))
        .map(|output| search::PageFile::of(&output.path, &output.bytes));
    let on_disk = (build.kept.iter().chain(&build.staged))
        .filter(|file| file.path.ends_with(".html"))
        .map(|file| search::PageFile {
            path: &file.path,
            hash: file.hash,
            size: file.size,
        });
    in_memory.chain(on_disk).collect()
}
