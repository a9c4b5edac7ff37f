//! Parsing every content file, from the cache where nothing it depends on changed.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::CachedParse;
use super::files::{self, FileHashes, LiveFiles};
use super::persist::Writer;
use crate::assemble::{self, Parsed};

/// Every content file parsed, from the cache where its text and the set of chapter
/// folders (a section's parse depends on whether its chapter exists) are unchanged.
/// The cache, brought up to date, goes to `saving` if given; then, unless `keep`, it
/// is emptied into the result: an engine that is not updated in this process would
/// otherwise hold every parse twice, the cache's and the site's (hundreds of MB at
/// 100 000 papers).
pub(super) fn parse_cached(
    cache: &mut HashMap<PathBuf, CachedParse>,
    files: &LiveFiles,
    chapters: &BTreeSet<String>,
    keep: bool,
    saving: Option<&mut Writer>,
) -> Vec<Parsed> {
    let content = &files.sources().content;
    let chapters_hash = files::text_hash(&format!("{chapters:?}"));
    let stale: Vec<(usize, u64)> = content
        .iter()
        .enumerate()
        .filter_map(|(index, file)| {
            let hash = files.hash_of(&file.path).unwrap_or_default();
            let fresh = cache
                .get(&file.path)
                .is_some_and(|c| c.text_hash == hash && c.chapters_hash == chapters_hash);
            (!fresh).then_some((index, hash))
        })
        .collect();
    let parsed: Vec<(PathBuf, CachedParse)> = stale
        .par_iter()
        .map(|&(index, text_hash)| {
            let file = &content[index];
            let parsed = assemble::parse_file(file, chapters);
            let hashes = FileHashes::of(&file.text, body_offset(&parsed));
            let cached = CachedParse {
                text_hash,
                chapters_hash,
                parsed,
                hashes,
            };
            (file.path.clone(), cached)
        })
        .collect();
    cache.extend(parsed);
    if cache.len() != content.len() {
        let present: HashSet<&Path> = content.iter().map(|f| f.path.as_path()).collect();
        cache.retain(|path, _| present.contains(path.as_path()));
    }
    if let Some(writer) = saving {
        writer.parses(cache);
    }
    if !keep {
        let mut taken = std::mem::take(cache);
        return (content.iter())
            .filter_map(|file| taken.remove(&file.path).map(|c| c.parsed))
            .collect();
    }
    content
        .iter()
        .filter_map(|file| cache.get(&file.path).map(|c| c.parsed.clone()))
        .collect()
}

pub(super) fn body_offset(parsed: &Parsed) -> usize {
    match &parsed.entity {
        Some(assemble::Entity::Page(page)) => page.body_offset,
        Some(assemble::Entity::Paper(paper)) => paper.body_offset,
        None => 0,
    }
}
