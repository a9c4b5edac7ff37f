//! The engine's memory kept on disk between runs of `survey build` (the cache folder,
//! `.survey-cache/` by default): the formatted references, and every job's last render
//! with the reads it made and their fingerprints. A render is kept as its output's path
//! and hash, not its bytes: the output folder already holds them, and its manifest
//! says which files are still exactly what the last build wrote
//! ([`crate::emit::unchanged`]). A job whose file is gone or was changed by hand
//! is not restored, so it renders again.
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
//! - the file is replaced by a rename, so a build killed while saving leaves the old
//!   state or the new one.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::reads::{ReadId, ReadTable};
use super::{CachedParse, FastMap, JobRecord, LiveBuild};
use crate::assemble::Memo;
use crate::diagnostics::Diagnostic;
use crate::emit::{self, Output};
use crate::formats::csl;
use crate::render::reads::Read;
use crate::render::{JobKey, exports};

/// What is kept of a [`super::LiveBuild`]: generic so that saving serializes the
/// engine's own records by reference ([`ToSave`]) in the shape loading reads ([`Loaded`]),
/// instead of copying every output first.
#[derive(Serialize, Deserialize)]
struct State<Job, Read, Parse, Entries> {
    build: u64,
    references: Option<csl::Saved>,
    /// Each content file's parse, by path, with the text hash it was made from.
    parsed: Vec<Parse>,
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
type ToSave<'a> = State<
    SavedJob<&'a JobKey, Saved<&'a str, &'a Diagnostic>, &'a [ReadId]>,
    &'a Read,
    (&'a PathBuf, &'a CachedParse),
    &'a exports::Entries,
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
pub(super) fn load(folder: &Path, output: Option<&Path>) -> Option<Restored> {
    let bytes = fs::read(folder.join(crate::paths::ENGINE_STATE_FILE)).ok()?;
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
    let mut found = match output {
        Some(output) => emit::unchanged(output, &wanted),
        None => vec![None; wanted.len()],
    }
    .into_iter();
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

/// Saves the engine's memory in `folder` (created if needed), replacing what was there.
pub(super) fn save(folder: &Path, live: &LiveBuild) -> std::io::Result<()> {
    let Some(build) = build_id() else {
        return Ok(());
    };
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
    let mut parsed: Vec<(&PathBuf, &CachedParse)> = live.parsed.iter().collect();
    parsed.sort_by(|a, b| a.0.cmp(b.0));
    let state: ToSave = State {
        build,
        references: live.memo.save(),
        parsed,
        entries: &live.entries,
        shared: live.shared,
        jobs,
        reads,
    };
    fs::create_dir_all(folder)?;
    let temporary = folder.join(format!(
        "{}.{}",
        crate::paths::ENGINE_STATE_FILE,
        std::process::id()
    ));
    let file = std::io::BufWriter::new(fs::File::create(&temporary)?);
    let file = postcard::to_io(&state, file).map_err(std::io::Error::other)?;
    file.into_inner()
        .map_err(std::io::IntoInnerError::into_error)?;
    fs::rename(&temporary, folder.join(crate::paths::ENGINE_STATE_FILE))
}

/// What identifies this build of the tool: a hash of its sources, locked dependencies
/// and compiler, made by build.rs. The crate version is not enough, as code changes
/// between releases; CI builds of the same commit share it, so their cache stays valid
/// from run to run.
fn build_id() -> Option<u64> {
    u64::from_str_radix(env!("SURVEY_BUILD_ID"), 16).ok()
}
