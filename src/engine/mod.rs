//! The engine: the pipeline of `build`, `check` and `serve`, stage by stage, with
//! three caches in front of the expensive steps.
//!
//! 1. Files: only the paths the watcher reports are read again ([`files`]).
//! 2. Parsing: each content file's front-matter, validation and Markdown analysis are
//!    kept by path and text hash ([`crate::assemble::parse_file`] is a pure function
//!    of the file), so only edited files are parsed again. Assembling (labels, links,
//!    the reference graph) runs over all of them, except that only papers whose
//!    fields changed are formatted again in the CSL style ([`assemble::Memo`]).
//! 3. Rendering: every template job records what it reads of the site as it reads it
//!    ([`crate::render::reads`]); a rebuild fingerprints again the reads some job made
//!    whose answer may have changed, and renders again exactly the jobs with a read
//!    whose fingerprint changed (all of them when the templates or the shared template
//!    data changed). For `serve`, each fingerprint comes with what its answer was made
//!    of, noted by the site's containers themselves ([`crate::tracked`]); while none of
//!    that changed, the read is not answered again, so a one-paper edit costs in
//!    proportion to the edit rather than to the site ([`reads`]).
//!
//! Before all of that, the usual saves while writing (a page's or a paper's body,
//! citations and headings included, any field of a paper, its topics too, and a new
//! paper) are patched into the last good site, updating only what they can change
//! ([`patch`]): on a large survey the site-wide passes above take far longer than the
//! pages.
//!
//! The same memory can be saved on disk and taken up by the next process
//! ([`persist`]): `survey build` then starts where the last build ended, as `serve`
//! does after a reload.
//!
//! Invariant: after any sequence of [`LiveBuild::update`] calls naming the paths that
//! changed, the outputs of a successful rebuild and the diagnostics of any rebuild
//! equal those of a clean `survey::build` of the same files with the same base URL.
//! A failed rebuild keeps the last good outputs, so a preview never goes blank.

mod files;
mod outputs;
mod pages;
mod parse;
mod patch;
pub mod persist;
mod reads;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use crate::assemble::site::Site;
use crate::assemble::{self, Parsed};
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::emit::{Kept, Output};
use crate::load::Sources;
use crate::parse::config;
use crate::render::exports;
use crate::render::{self, JobKey};
use files::FileHashes;
use outputs::NewOutputs;

pub use files::LiveFiles;
pub use pages::Pages;
use parse::parse_cached;
use reads::{ReadId, ReadTable};

pub use crate::hash::{FastMap, FastSet};

/// The built site: output path -> bytes, shared cheaply with the HTTP server.
pub type SiteFiles = BTreeMap<Arc<str>, Arc<[u8]>>;

/// A site kept built in memory, rebuilt as its files change.
pub struct LiveBuild {
    /// Replaces site.yaml's `base_url` when given (`--base-url`, or `serve`'s address).
    base_url: Option<String>,
    files: LiveFiles,
    parsed: HashMap<PathBuf, CachedParse>,
    /// Site-wide assemble results (the formatted references) with their inputs' hash.
    memo: assemble::Memo,
    /// The bibliography exports now in `outputs`, with the hash of their inputs
    /// (`None` after a patch, which keeps them up to date without hashing).
    exports: Option<(Option<u64>, exports::Files)>,
    /// Each paper's entry in those exports, kept while its fields are unchanged.
    entries: exports::Entries,
    /// The parsed templates with the hash of the template files they came from.
    templates: Option<(u64, tera::Tera)>,
    /// Job -> its last render, with what it read.
    rendered: FastMap<JobKey, JobRecord>,
    /// Every read of some job in `rendered`, with its fingerprint as of the last rebuild.
    reads: ReadTable,
    /// A hash of the templates and the shared template data the jobs were rendered with.
    shared: Option<u64>,
    /// Output paths of dropped job records that were put in `outputs`: removed by the
    /// next successful rebuild unless a job makes them again.
    retired: Vec<String>,
    /// Paths of the other outputs that need no template (static files, sitemap, ...).
    other_paths: Vec<String>,
    /// The site's language as of the last successful rebuild (for the search index).
    language: String,
    outputs: Arc<SiteFiles>,
    /// Where rendered pages go; unless kept, their outputs stay with empty bytes.
    pages: Pages,
    /// What the last rebuild assembled, if it succeeded: what [`patch`] starts from.
    last: Option<LastGood>,
    /// The state being saved for the next process, written part by part by the first
    /// rebuild; an engine not updated here ([`Pages::patches`]) drops each part once
    /// written.
    saving: Option<persist::Writer>,
}

/// The assembled site of the last successful rebuild, with what was prepared from it
/// and the diagnostics reported.
struct LastGood {
    site: Site,
    /// Taken while a patch renders; present between rebuilds of an engine that
    /// patches ([`Pages::patches`]). Others drop them at once: they keep every paper's
    /// row, list entry and reference in HTML.
    parts: Option<render::PreparedParts>,
    diagnostics: Diagnostics,
}

#[derive(Clone, serde::Serialize, serde::Deserialize)]
struct CachedParse {
    text_hash: u64,
    chapters_hash: u64,
    parsed: Parsed,
    hashes: FileHashes,
}

/// What one rebuild did.
#[derive(Debug, Clone)]
pub struct Rebuild {
    /// Exactly the diagnostics a clean build would report.
    pub diagnostics: Diagnostics,
    /// False when there were errors; the previous outputs are still served.
    pub succeeded: bool,
    /// Template jobs rendered again (the rest were reused).
    pub rendered: usize,
    /// Output paths added, replaced or removed, sorted.
    pub changed_outputs: Vec<String>,
    /// The reported paths that changed what the site is made of (empty after a reload).
    pub changed_sources: Vec<PathBuf>,
    /// True when only bodies changed and the last site was patched ([`patch`]).
    pub patched: bool,
}

impl LiveBuild {
    /// Loads and builds the site under `root`, with `base_url` replacing site.yaml's.
    pub fn new(root: &Path, base_url: Option<&str>) -> (Self, Rebuild) {
        Self::with_cache(root, base_url, None, false, None, Pages::Keep)
    }

    /// [`LiveBuild::new`] starting from what an earlier engine saved in `cache`, if
    /// that is readable and from this build of the tool ([`persist`]), with the
    /// outputs the last build wrote into the folder `output` that are still as written;
    /// rendered pages go where `pages` says. With `save`, this engine's state is saved
    /// in `cache` as it is made, and replaces the saved one at [`LiveBuild::save`].
    pub fn with_cache(
        root: &Path,
        base_url: Option<&str>,
        cache: Option<&Path>,
        save: bool,
        output: Option<&Path>,
        pages: Pages,
    ) -> (Self, Rebuild) {
        // Independent reads of the disk: the saved state (a tenth of a warm build at
        // 10 000 papers) and every source file.
        let (restored, files) = rayon::join(
            || cache.and_then(|cache| persist::load(cache, output, pages.emitter())),
            || LiveFiles::load(root),
        );
        crate::timings::mark("cache and sources read");
        if restored.is_none() {
            crate::formats::csl::prepare_locales();
        }
        let mut live = LiveBuild {
            base_url: base_url.map(str::to_string),
            files,
            parsed: HashMap::new(),
            memo: assemble::Memo::default(),
            exports: None,
            entries: exports::Entries::default(),
            templates: None,
            rendered: FastMap::default(),
            reads: ReadTable::default(),
            shared: None,
            retired: Vec::new(),
            other_paths: Vec::new(),
            language: "en".to_string(),
            outputs: Arc::new(SiteFiles::new()),
            pages,
            last: None,
            saving: cache.filter(|_| save).and_then(persist::Writer::create),
        };
        if let Some(restored) = restored {
            live.memo = restored.memo;
            live.parsed = restored.parsed;
            live.entries = restored.entries;
            live.shared = restored.shared;
            live.rendered = restored.rendered;
            live.reads = restored.reads;
        }
        let rebuild = live.rebuild(&[]);
        (live, rebuild)
    }

    /// Puts the state that [`LiveBuild::with_cache`] started saving in place of the
    /// one saved before, for a later engine to start from; does nothing for an engine
    /// that saves nothing. Call it after a successful first rebuild: an engine dropped
    /// without it leaves the saved state as it was.
    pub fn save(&mut self) -> std::io::Result<()> {
        match self.saving.take() {
            Some(writer) => writer.commit(self),
            None => Ok(()),
        }
    }

    /// Re-reads `changed` paths (relative to the root; files or folders, existing or
    /// not) and rebuilds. `None` when none of them changed what the site is made of.
    pub fn update(&mut self, changed: &[PathBuf]) -> Option<Rebuild> {
        let changed_sources: Vec<PathBuf> = changed
            .iter()
            .filter(|path| self.files.refresh(path))
            .cloned()
            .collect();
        if changed_sources.is_empty() {
            return None;
        }
        self.forget_renders_without_reads();
        let mut rebuild = self.rebuild(&changed_sources);
        rebuild.changed_sources = changed_sources;
        Some(rebuild)
    }

    /// Re-reads every file and rebuilds (after the watcher lost events).
    pub fn reload(&mut self) -> Rebuild {
        self.files.reload();
        self.forget_renders_without_reads();
        self.rebuild(&[])
    }

    /// Without the reads of its jobs ([`Pages::Discard`]) no render can be trusted
    /// after a change: every job renders again.
    fn forget_renders_without_reads(&mut self) {
        if !self.pages.rebuilds() {
            self.rendered.clear();
            self.reads.clear();
        }
    }

    /// The engine's result after `rebuild` (its last), as `survey build` and `check`
    /// report and write it: the site and its outputs only if the rebuild succeeded.
    /// The files, outputs and site are taken out; what the engine keeps for a later
    /// build stays, so that [`LiveBuild::save`] may still run (beside the search index).
    pub fn take_build(&mut self, rebuild: Rebuild) -> crate::Build {
        let succeeded = rebuild.succeeded;
        let (staged, kept): (Vec<&JobRecord>, Vec<&JobRecord>) = (self.rendered.values())
            .filter(|record| succeeded && record.kept.is_some())
            .partition(|record| record.staged);
        let files_of = |records: Vec<&JobRecord>| -> Vec<Kept> {
            records.into_iter().filter_map(|r| r.kept.clone()).collect()
        };
        let (staged, kept) = (files_of(staged), files_of(kept));
        let elsewhere: HashSet<&str> = (kept.iter().chain(&staged))
            .map(|file| file.path.as_str())
            .collect();
        let outputs = if succeeded && self.pages.writes() {
            let outputs = std::mem::take(&mut self.outputs);
            let files = Arc::try_unwrap(outputs).unwrap_or_else(|shared| (*shared).clone());
            (files.into_iter())
                .filter(|(path, _)| !elsewhere.contains(&**path))
                .map(|(path, bytes)| Output {
                    path: path.to_string(),
                    bytes,
                })
                .collect()
        } else {
            Vec::new()
        };
        crate::Build {
            sources: self.files.take_sources(),
            diagnostics: rebuild.diagnostics,
            site: (self.last.take())
                .map(|last| last.site)
                .filter(|_| succeeded),
            outputs,
            kept,
            staged,
            rendered: rebuild.rendered,
            search_bundles: (0, 0),
        }
    }

    /// The outputs of the last successful rebuild.
    pub fn outputs(&self) -> Arc<SiteFiles> {
        Arc::clone(&self.outputs)
    }

    /// The site's language (site.yaml's `language`) as of the last successful rebuild.
    pub fn language(&self) -> &str {
        &self.language
    }

    /// The files as read, for quoting source lines in diagnostics.
    pub fn sources(&self) -> &Sources {
        self.files.sources()
    }

    /// Patches the last good site when `changed` (the content paths that changed;
    /// empty when unknown) are body-only edits, and runs the full pipeline otherwise.
    fn rebuild(&mut self, changed: &[PathBuf]) -> Rebuild {
        if let Some(rebuild) = self.patch(changed) {
            return rebuild;
        }
        self.last = None;
        let mut diagnostics = self.files.diagnostics();
        let outcome = self.run_pipeline(&mut diagnostics);
        if !self.pages.patches() {
            // Rendering is over, and what was prepared for it (every paper's row, list
            // entry and reference in HTML: 400 MB at 100 000 papers) is freed; the
            // exports, made next on other threads, would not reuse that memory.
            crate::return_freed_memory();
        }
        let succeeded = outcome.is_some() && !diagnostics.has_errors();
        let (rendered, changed_outputs) = match outcome {
            Some((rendered, outputs, last)) if succeeded => {
                let changed = self.apply(outputs, &last.site, None);
                crate::timings::mark("outputs updated");
                self.last = Some(LastGood {
                    diagnostics: diagnostics.clone(),
                    ..last
                });
                (rendered, changed)
            }
            Some((rendered, _, _)) => (rendered, Vec::new()),
            None => (0, Vec::new()),
        };
        Rebuild {
            diagnostics,
            succeeded,
            rendered,
            changed_outputs,
            changed_sources: Vec::new(),
            patched: false,
        }
    }

    /// Config -> assemble -> render, as `survey::build` runs them. Returns how many
    /// jobs were rendered, the new outputs by job (or `None` for other outputs), and
    /// the site with what was prepared from it (its diagnostics still to be filled in).
    fn run_pipeline(
        &mut self,
        diagnostics: &mut Diagnostics,
    ) -> Option<(usize, NewOutputs, LastGood)> {
        let sources = self.files.sources();
        let config = sources
            .config
            .as_ref()
            .and_then(|file| config::parse(file, self.base_url.as_deref(), diagnostics));
        // As in `survey::build`: with a broken site.yaml the content is still checked.
        let config_ok = config.is_some();
        let config = config.unwrap_or_else(config::fallback);
        let chapters = assemble::chapter_folders(&sources.content);
        // What only a later rebuild reuses (every parse; the memo's fields of every
        // paper and formatted parts, beside the site's references) is saved, if it
        // is, and then kept only by an engine updated in this process.
        let keep = self.pages.patches();
        let saving = self.saving.as_mut();
        let parsed = parse_cached(&mut self.parsed, &self.files, &chapters, keep, saving);
        crate::timings::mark("parsed");
        let site = assemble::assemble_parsed(sources, config, parsed, &mut self.memo, diagnostics);
        crate::timings::mark("assembled");
        if let Some(writer) = &mut self.saving {
            writer.references(&self.memo);
        }
        if !keep {
            self.memo = assemble::Memo::default();
        }
        let site = site.filter(|_| config_ok)?;
        if diagnostics.has_errors() {
            return None;
        }
        self.language = site.config.language.clone();
        let tera = parsed_templates(&mut self.templates, &sources.templates, diagnostics)?;
        let prepared = render::prepare_with(&site, tera, &sources.statics);
        let (rendered, outputs) = self.render_stale(&prepared, diagnostics);
        crate::timings::mark("rendered");
        let parts = self.pages.patches().then(|| prepared.into_parts());
        let last = LastGood {
            site,
            parts,
            diagnostics: Diagnostics::default(),
        };
        Some((rendered, outputs, last))
    }

    /// Renders the jobs of the prepared site that are new or read something that
    /// changed (template errors go to `diagnostics`), and makes the outputs that need no
    /// template. Returns how many jobs were rendered.
    fn render_stale(
        &mut self,
        prepared: &render::Prepared,
        diagnostics: &mut Diagnostics,
    ) -> (usize, NewOutputs) {
        // The feed, the sitemap and the static files read no job: they are made on
        // another core while this one finds the stale jobs (an edit's serial part).
        let (rendered, others) = rayon::join(
            || self.render_stale_jobs(prepared, diagnostics),
            || prepared.plain_outputs(),
        );
        (rendered, NewOutputs { others })
    }

    /// [`LiveBuild::render_stale`]'s jobs; returns how many were rendered.
    fn render_stale_jobs(
        &mut self,
        prepared: &render::Prepared,
        diagnostics: &mut Diagnostics,
    ) -> usize {
        let jobs = prepared.jobs();
        let templates = self.templates.as_ref().map(|(hash, _)| *hash);
        let shared = crate::hash::hash_of(&(prepared.shared_data(), templates));
        if self.shared != Some(shared) {
            self.retire(|_| false);
            self.reads.clear();
            self.shared = Some(shared);
        }
        let data = prepared.data();
        let witness = self.pages.patches();
        let changed = self.reads.refresh(data, witness);
        let rendered = &self.rendered;
        let mut stale: Vec<&JobKey> = (jobs.par_iter())
            .filter(|job| match rendered.get(*job) {
                None => true,
                Some(record) => changed.any_of(&record.reads),
            })
            .collect();
        stale.sort_by_key(|job| job.start_rank());
        let pages = &self.pages;
        // A rendered job, its reads looked up in the table ([`ReadTable::look_up`]).
        type Fresh = (
            JobKey,
            Result<Output, Diagnostic>,
            Vec<Result<ReadId, render::reads::Read>>,
            Option<Kept>,
        );
        // A job's reads are owned values until they are numbered: numbering each chunk
        // of jobs once rendered holds a chunk's reads at a time, not every job's (at
        // 30 000 papers those, freed at once, left 100 MB of memory unusable).
        for chunk in stale.chunks(RENDER_CHUNK) {
            let table = &self.reads;
            let fresh: Vec<Fresh> = (chunk.par_iter())
                .map(|job| {
                    let render::Rendered { mut result, reads } =
                        prepared.render_job(job, pages.rebuilds());
                    let staged = (result.as_mut().ok()).and_then(|output| pages.take(output));
                    ((*job).clone(), result, table.look_up(reads), staged)
                })
                .collect();
            for (job, result, reads, staged) in fresh {
                let record = JobRecord {
                    applied: false,
                    result,
                    reads: self.reads.number(reads, data, witness),
                    staged: staged.is_some(),
                    kept: staged,
                };
                self.rendered.insert(job, record);
            }
        }
        let rendered = stale.len();
        // Every current job is kept, so equal sizes mean nothing else is.
        if self.rendered.len() > jobs.len() {
            let current: FastSet<&JobKey> = jobs.iter().collect();
            self.retire(|job| current.contains(job));
            (self.reads).keep_used(self.rendered.values_mut().map(|record| &mut record.reads));
        }
        if self.rendered.values().any(|record| record.result.is_err()) {
            for job in &jobs {
                if let Some(JobRecord {
                    result: Err(diagnostic),
                    ..
                }) = self.rendered.get(job)
                {
                    diagnostics.push(diagnostic.clone());
                }
            }
        }
        rendered
    }

    /// Drops the job records `keep` says no to; the outputs of those already in place
    /// are removed by the next [`LiveBuild::apply`], unless a current job makes them.
    fn retire(&mut self, keep: impl Fn(&JobKey) -> bool) {
        let retired = &mut self.retired;
        self.rendered.retain(|job, record| {
            let keep = keep(job);
            if let (false, true, Ok(output)) = (keep, record.applied, &record.result) {
                retired.push(output.path.clone());
            }
            keep
        });
    }
}

/// The site's templates parsed as [`crate::render::templates::load`] parses them, from `cache`
/// while the template files are unchanged (parsing them is a good part of a small
/// rebuild). Failures are not cached, so they are reported again every time.
fn parsed_templates(
    cache: &mut Option<(u64, tera::Tera)>,
    files: &[crate::load::SourceFile],
    diagnostics: &mut Diagnostics,
) -> Option<tera::Tera> {
    let hash = files::text_hash(&format!("{files:?}"));
    if let Some((cached, tera)) = cache
        && *cached == hash
    {
        return Some(tera.clone());
    }
    let tera = crate::render::templates::load(files, diagnostics)?;
    *cache = Some((hash, tera.clone()));
    Some(tera)
}

/// How many jobs render in parallel before their reads are numbered.
const RENDER_CHUNK: usize = 1024;

/// A job's last render and what it read of the site.
struct JobRecord {
    /// Whether its output is in [`LiveBuild::outputs`] (after a successful rebuild).
    applied: bool,
    /// The output; its bytes are empty when it is `kept`.
    result: Result<Output, Diagnostic>,
    /// What it read, by number in [`LiveBuild::reads`].
    reads: Box<[ReadId]>,
    /// Restored from the cache folder with the output folder's file as its output,
    /// whose bytes are not read unless needed ([`persist`]); or, when `staged`, the
    /// file [`Pages::Place`] wrote into the new tree.
    kept: Option<Kept>,
    staged: bool,
}
