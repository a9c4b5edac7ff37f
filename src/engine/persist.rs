//! The engine's memory kept on disk between runs of `survey build` (the cache folder,
//! `.survey-cache/` by default): the formatted references, and every job's last render
//! with the reads it made and their fingerprints. A render is kept as its output's path
//! and hash, not its bytes: the output folder already holds them, and its manifest
//! says which files are still exactly what the last build wrote
//! ([`crate::emit::unchanged`]). A job whose file is gone or was changed by hand
//! is not restored, so it renders again. Beside it, the search index's bundles are
//! kept by key with their files, and its pages' facts by hash ([`search_memory`]), so
//! that a build reads only the pages that changed and indexes again only the bundles
//! they are in.
//!
//! A build that starts from it is a rebuild like `serve`'s after a reload: every file is
//! read and parsed again (cheap), references are formatted again only for papers whose
//! fields changed ([`crate::formats::csl::Cache`]), and a job renders again only if one of its
//! reads fingerprints differently now ([`crate::render::reads`]).
//!
//! Invariants:
//! - a saved state is used only by the same build of the tool ([`build_id`]: its
//!   sources, dependencies and compiler): another build may render differently, so a
//!   stale cache can never change output;
//! - anything unreadable (missing, truncated, another format) is ignored, never an
//!   error: the build then starts from nothing;
//! - the state is written part by part while the engine makes it ([`Writer`]), into a
//!   file of its own that replaces the saved one by a rename once the build succeeded,
//!   so a build that fails or is killed leaves the old state.

use std::collections::HashMap;
use std::fs;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::reads::{ReadId, ReadTable};
use super::{CachedParse, FastMap, JobRecord, LiveBuild};
use crate::assemble::Memo;
use crate::diagnostics::Diagnostic;
use crate::emit::{self, Output};
use crate::formats::csl;
use crate::paths::{ENGINE_STATE_FILE, SEARCH_STATE_FILE};
use crate::render::reads::Read;
use crate::render::{JobKey, exports};
use crate::search::Memory as SearchMemory;

/// What is kept of a [`super::LiveBuild`], in the order the engine makes its parts:
/// [`Writer`] writes each field as soon as it is made, and postcard encodes a struct
/// as its fields one after the other, so the file reads back as one `State`.
#[derive(Deserialize)]
struct State<Job, Read, Parse, Entries> {
    build: u64,
    /// Each content file's parse, by path, with the text hash it was made from.
    parsed: Vec<Parse>,
    references: Option<csl::Saved>,
    /// Each paper's BibTeX and CSL-JSON entry.
    entries: Entries,
    shared: Option<u64>,
    jobs: Vec<Job>,
    /// Every read some job made, with its fingerprint, in the order jobs number them.
    reads: Vec<(Read, u64)>,
}

#[derive(Serialize, Deserialize)]
struct SavedJob<Key, Result, Reads> {
    key: Key,
    result: Result,
    reads: Reads,
}

/// A render as kept: an output by path and content hash, or the error it gave.
#[derive(Serialize, Deserialize)]
enum Saved<Path, Error> {
    Output { path: Path, hash: [u8; 32] },
    Failed(Error),
}

type Loaded = State<
    SavedJob<JobKey, Saved<String, Diagnostic>, Vec<ReadId>>,
    Read,
    (PathBuf, CachedParse),
    exports::Entries,
>;
/// The parts of a [`super::LiveBuild`] restored from a saved state.
pub(super) struct Restored {
    pub(super) memo: Memo,
    pub(super) parsed: HashMap<PathBuf, CachedParse>,
    pub(super) entries: exports::Entries,
    pub(super) shared: Option<u64>,
    pub(super) rendered: FastMap<JobKey, JobRecord>,
    pub(super) reads: ReadTable,
}

/// The state saved in `folder` by this build of the tool, if there is one, with the
/// outputs read back from the output folder `output` (none without one).
pub(super) fn load(
    folder: &Path,
    output: Option<&Path>,
    emitter: Option<&emit::Emitter>,
) -> Option<Restored> {
    let bytes = fs::read(folder.join(ENGINE_STATE_FILE)).ok()?;
    let state: Loaded = postcard::from_bytes(&bytes).ok()?;
    if state.build != build_id()? {
        return None;
    }
    let known = |id: &ReadId| (*id as usize) < state.reads.len();
    if !(state.jobs.iter()).all(|job| job.reads.iter().all(known)) {
        return None;
    }
    let wanted: Vec<(&str, [u8; 32])> = (state.jobs.iter())
        .filter_map(|job| match &job.result {
            Saved::Output { path, hash } => Some((path.as_str(), *hash)),
            Saved::Failed(_) => None,
        })
        .collect();
    let mut found = emit::unchanged_of(output, emitter, &wanted).into_iter();
    let rendered = (state.jobs.into_iter())
        .filter_map(|job| {
            let (result, kept) = match job.result {
                Saved::Output { path, .. } => {
                    let kept = found.next().flatten()?;
                    (Ok(Output::new(path, Vec::new())), Some(kept))
                }
                Saved::Failed(diagnostic) => (Err(diagnostic), None),
            };
            let record = JobRecord {
                applied: false,
                result,
                reads: job.reads.into_boxed_slice(),
                kept,
                staged: false,
            };
            Some((job.key, record))
        })
        .collect();
    Some(Restored {
        memo: state.references.map(Memo::restore).unwrap_or_default(),
        parsed: state.parsed.into_iter().collect(),
        entries: state.entries,
        shared: state.shared,
        rendered,
        reads: ReadTable::restore(state.reads)?,
    })
}

/// A saved state written part by part while the engine runs, so that an engine which
/// renders once can drop each part (every parse, the formatted references, the
/// export entries: about a third of a 100 000-paper build's memory) as soon as it is
/// written instead of holding it to the end. The file replaces the saved state only
/// at [`Writer::commit`], by a rename; dropped before, it is removed, and a build
/// killed meanwhile leaves it to the next writer, which removes the files of writers
/// no longer running.
pub(super) struct Writer {
    temporary: PathBuf,
    target: PathBuf,
    /// After a failure, the error, which `commit` reports.
    file: Result<BufWriter<fs::File>, Option<std::io::Error>>,
    /// The next part to write.
    next: Part,
}

/// The parts of a [`State`], in the order they are written.
#[derive(Clone, Copy, PartialEq)]
enum Part {
    Parses,
    References,
    Entries,
    Rest,
}

impl Writer {
    /// Starts a state in `folder` (created if needed); `None` when this build of the
    /// tool has no identity to save under ([`build_id`]).
    pub(super) fn create(folder: &Path) -> Option<Writer> {
        let build = build_id()?;
        remove_dead_writers(folder);
        let target = folder.join(ENGINE_STATE_FILE);
        let temporary = folder.join(temporary_name(ENGINE_STATE_FILE));
        let file = fs::create_dir_all(folder)
            .and_then(|()| fs::File::create(&temporary))
            .map(BufWriter::new)
            .map_err(Some);
        let mut writer = Writer {
            temporary,
            target,
            file,
            next: Part::Parses,
        };
        writer.put(&build);
        Some(writer)
    }

    /// Writes every content file's parse, in path order.
    pub(super) fn parses(&mut self, parsed: &HashMap<PathBuf, CachedParse>) {
        let mut parsed: Vec<(&PathBuf, &CachedParse)> = parsed.iter().collect();
        parsed.sort_by(|a, b| a.0.cmp(b.0));
        self.part(Part::Parses, &parsed);
    }

    /// Writes the formatted references.
    pub(super) fn references(&mut self, memo: &Memo) {
        self.part(Part::References, &memo.save());
    }

    /// Writes each paper's export entries.
    pub(super) fn entries(&mut self, entries: &exports::Entries) {
        self.part(Part::Entries, entries);
    }

    /// Writes what is left, the parts not yet written from `live` first, and puts the
    /// state in place of the saved one.
    pub(super) fn commit(mut self, live: &LiveBuild) -> std::io::Result<()> {
        self.parses(&live.parsed);
        self.references(&live.memo);
        self.entries(&live.entries);
        let mut jobs: Vec<_> = (live.rendered.par_iter())
            .map(|(key, record)| SavedJob {
                key,
                result: match (&record.result, &record.kept) {
                    (Ok(output), Some(kept)) => Saved::Output {
                        path: output.path.as_str(),
                        hash: kept.hash,
                    },
                    (Ok(output), None) => Saved::Output {
                        path: output.path.as_str(),
                        hash: emit::content_hash(&output.bytes),
                    },
                    (Err(diagnostic), _) => Saved::Failed(diagnostic),
                },
                reads: &*record.reads,
            })
            .collect();
        jobs.sort_by(|a, b| a.key.cmp(b.key));
        let reads: Vec<(&Read, u64)> = live.reads.saved().collect();
        self.part(Part::Rest, &(live.shared, jobs, reads));
        let file = std::mem::replace(&mut self.file, Err(None));
        let file =
            file.map_err(|error| error.unwrap_or_else(|| std::io::Error::other("no file")))?;
        file.into_inner()
            .map_err(std::io::IntoInnerError::into_error)?;
        fs::rename(&self.temporary, &self.target)
    }

    /// Writes `value` as `part` if that is the next part; a part comes once.
    fn part(&mut self, part: Part, value: &impl Serialize) {
        if self.next == part {
            self.put(value);
            self.next = match part {
                Part::Parses => Part::References,
                Part::References => Part::Entries,
                Part::Entries | Part::Rest => Part::Rest,
            };
        }
    }

    fn put(&mut self, value: &impl Serialize) {
        if let Ok(file) = &mut self.file
            && let Err(error) = postcard::to_io(value, file)
        {
            self.file = Err(Some(std::io::Error::other(error)));
        }
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        // Committed, the temporary file has become the state; otherwise it is garbage,
        // and so is the folder if nothing else is in it (a failed first build's).
        if fs::remove_file(&self.temporary).is_ok()
            && let Some(folder) = self.temporary.parent()
        {
            let _ = fs::remove_dir(folder);
        }
    }
}

/// What the last build's search index left in `folder` ([`SearchMemory`]), if this
/// build of the tool saved it: page facts read by another build's markers could be
/// wrong.
pub fn search_memory(folder: &Path) -> SearchMemory {
    let bytes = fs::read(folder.join(SEARCH_STATE_FILE)).unwrap_or_default();
    match postcard::from_bytes::<(Option<u64>, SearchMemory)>(&bytes) {
        Ok((build, memory)) if build == build_id() => memory,
        _ => SearchMemory::default(),
    }
}

/// Saves what the search index leaves for the next build in `folder`, by a rename: a
/// killed build leaves the old one, whose files the next build checks against the
/// output folder anyway.
pub fn save_search_memory(folder: &Path, memory: &SearchMemory) -> std::io::Result<()> {
    let bytes = postcard::to_allocvec(&(build_id(), memory)).map_err(std::io::Error::other)?;
    fs::create_dir_all(folder)?;
    let temporary = folder.join(temporary_name(SEARCH_STATE_FILE));
    fs::write(&temporary, bytes)?;
    fs::rename(&temporary, folder.join(SEARCH_STATE_FILE))
}

/// This process's temporary file for the cache file `name`: `name.<pid>`.
fn temporary_name(name: &str) -> String {
    format!("{name}.{}", std::process::id())
}

/// Removes the temporary files in `folder` of processes that are gone (a build killed
/// while saving): only files named as [`temporary_name`] names them.
fn remove_dead_writers(folder: &Path) {
    let Ok(entries) = fs::read_dir(folder) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let pid = (name.to_str())
            .and_then(|name| name.rsplit_once('.'))
            .filter(|(file, _)| [ENGINE_STATE_FILE, SEARCH_STATE_FILE].contains(file))
            .and_then(|(_, pid)| pid.parse::<u32>().ok());
        if pid.is_some_and(|pid| !emit::process_alive(pid))
            && entry.file_type().is_ok_and(|kind| kind.is_file())
        {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// What identifies this build of the tool: a hash of its sources, locked dependencies
/// and compiler, made by build.rs. The crate version is not enough, as code changes
/// between releases; CI builds of the same commit share it, so their cache stays valid
/// from run to run.
fn build_id() -> Option<u64> {
    u64::from_str_radix(env!("SURVEY_BUILD_ID"), 16).ok()
}
