//! Body-only edits: the common save while writing, patched into the last good site
//! instead of assembling and preparing the whole site again.
//!
//! An edit is *body-only* when the file keeps its front-matter byte for byte, and its
//! body keeps the same structure: the same headings, the same citations (keys, form,
//! anchor, sentence, which ones share a paragraph) and the same link destinations,
//! and a chapter stays empty or non-empty. Everything site-wide (labels, links,
//! mentions, reference and topic lists, related papers, listings, navigation, exports,
//! the sitemap) reads only those, so it is unchanged; what changes is the body itself,
//! which only its own page renders, and the file's own diagnostics, whose positions
//! move with the text.
//!
//! Invariant: a patch leaves [`LiveBuild`] exactly as a full rebuild would (outputs,
//! diagnostics, caches); any doubt (a file that is new, gone or unreadable, an error,
//! a failed render) declines the patch and the full rebuild runs instead.

use std::collections::BTreeMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::fingerprint::{self, FileHashes};
use super::{CachedParse, LiveBuild, Rebuild, SiteFiles, body_offset, files};
use crate::assemble::{self, Entity, Parsed};
use crate::diagnostics::Diagnostics;
use crate::markdown::{Analysis, Segment};
use crate::render::JobKey;
use crate::site::Site;

/// A body-only edit to one file, parsed and ready to patch in.
struct BodyEdit {
    path: PathBuf,
    /// The analysis id and template job of the edited page or paper.
    id: String,
    job: JobKey,
    cached: CachedParse,
}

impl LiveBuild {
    /// Rebuilds by patching the last good site when every path in `changed` is a
    /// body-only edit; `None` (nothing touched) when the full rebuild is needed.
    pub(super) fn patch(&mut self, changed: &[PathBuf]) -> Option<Rebuild> {
        let edits = self.body_edits(changed)?;
        let last = self.last.as_mut()?;
        let mut rendered = Vec::new();
        for edit in &edits {
            apply_to_site(&mut last.site, edit);
        }
        let prepared = last.parts.take()?.attach(&last.site);
        for edit in &edits {
            let output = prepared.render_job(&edit.job);
            rendered.push(output);
        }
        let sources = self.files.sources();
        let mut prints = Vec::new();
        let lookup = |path: &Path| {
            (edits.iter().find(|e| e.path == path))
                .map(|e| e.cached.hashes)
                .or_else(|| self.parsed.get(path).map(|c| c.hashes))
        };
        for edit in &edits {
            prints.push(fingerprint::fingerprint(
                &last.site,
                prepared.listings(),
                &edit.job,
                &prepared.shared_data,
                &sources.templates,
                &lookup,
            ));
        }
        last.parts = Some(prepared.into_parts());
        let outputs: Vec<_> = match rendered.into_iter().collect::<Result<Vec<_>, _>>() {
            Ok(outputs) => outputs,
            // A template failing on the new body: the full rebuild reports it.
            Err(_) => {
                self.last = None;
                return None;
            }
        };
        let diagnostics = self.patch_diagnostics(&edits);
        let rendered_count = edits.len();
        let mut files = SiteFiles::clone(&self.outputs);
        let mut changed_outputs = Vec::new();
        for ((edit, output), print) in edits.into_iter().zip(outputs).zip(prints) {
            let path = output.path.clone();
            if files.get(&path).map(|b| &b[..]) != Some(output.bytes.as_slice()) {
                files.insert(path.clone(), Arc::from(output.bytes.as_slice()));
                changed_outputs.push(path.clone());
            }
            self.applied.insert(edit.job.clone(), (print, path));
            self.rendered.insert(edit.job, (print, Ok(output)));
            self.parsed.insert(edit.path, edit.cached);
        }
        self.outputs = Arc::new(files);
        changed_outputs.sort();
        Some(Rebuild {
            diagnostics,
            succeeded: true,
            rendered: rendered_count,
            changed_outputs,
            changed_sources: Vec::new(),
            patched: true,
        })
    }

    /// Every changed path as a body-only edit, or `None` if one of them is not.
    fn body_edits(&self, changed: &[PathBuf]) -> Option<Vec<BodyEdit>> {
        if self.last.is_none() || changed.is_empty() || self.files.has_problems() {
            return None;
        }
        let chapters = assemble::chapter_folders(&self.files.sources().content);
        let chapters_hash = files::text_hash(&format!("{chapters:?}"));
        let mut edits: Vec<BodyEdit> = Vec::new();
        for path in changed {
            let file = self.files.content_file(path)?;
            let old = self.parsed.get(path)?;
            let text_hash = self.files.hash_of(path)?;
            if old.chapters_hash != chapters_hash || edits.iter().any(|e| &e.path == path) {
                return None;
            }
            let parsed = assemble::parse_file(file, &chapters);
            let hashes = FileHashes::of(&file.text, body_offset(&parsed));
            let (id, job) = same_shape(old, &parsed, hashes)?;
            let cached = CachedParse {
                text_hash,
                chapters_hash,
                parsed,
                hashes,
            };
            edits.push(BodyEdit {
                path: path.clone(),
                id,
                job,
                cached,
            });
        }
        Some(edits)
    }

    /// The last good diagnostics with the edited files' own ones computed again.
    fn patch_diagnostics(&mut self, edits: &[BodyEdit]) -> Diagnostics {
        let Some(last) = self.last.as_mut() else {
            return Diagnostics::default();
        };
        last.diagnostics
            .retain(|d| !edits.iter().any(|edit| edit.path == d.path));
        for edit in edits {
            let text = (self.files.content_file(&edit.path)).map_or("", |f| f.text.as_str());
            last.diagnostics
                .extend(edit.cached.parsed.diagnostics.clone());
            last.diagnostics
                .extend(assemble::body_diagnostics(&last.site, &edit.id, text));
        }
        last.diagnostics.clone()
    }
}

/// The analysis id and job of `new` when it differs from `old` in its body alone
/// (see the module comment); `None` otherwise.
fn same_shape(old: &CachedParse, new: &Parsed, hashes: FileHashes) -> Option<(String, JobKey)> {
    if old.hashes.front != hashes.front || new.diagnostics.has_errors() {
        return None;
    }
    if structure(&old.parsed.analysis) != structure(&new.analysis) {
        return None;
    }
    match (old.parsed.entity.as_ref()?, new.entity.as_ref()?) {
        (Entity::Paper(a), Entity::Paper(b))
            if a.key == b.key && a.body_offset == b.body_offset =>
        {
            Some((format!("papers/{}", b.key), JobKey::Paper(b.key.clone())))
        }
        (Entity::Page(a), Entity::Page(b))
            if a.id == b.id
                && a.body_offset == b.body_offset
                && a.body.trim().is_empty() == b.body.trim().is_empty() =>
        {
            Some((b.id.clone(), JobKey::Page(b.id.clone())))
        }
        _ => None,
    }
}

/// Puts the edited body and its analysis into the site.
fn apply_to_site(site: &mut Site, edit: &BodyEdit) {
    let parsed = &edit.cached.parsed;
    match &parsed.entity {
        Some(Entity::Paper(paper)) => {
            if let Some(kept) = site.papers.get_mut(&paper.key) {
                kept.body.clone_from(&paper.body);
            }
        }
        Some(Entity::Page(page)) => {
            if let Some(kept) = site.pages.iter_mut().find(|p| p.id == page.id) {
                kept.body.clone_from(&page.body);
            }
        }
        None => {}
    }
    site.analyses
        .insert(edit.id.clone(), parsed.analysis.clone());
}

/// A hash of what the site-wide passes read from an analysis: everything but byte
/// offsets (which move with any edit above them) and formula problems (which only
/// produce the file's own warnings). Paragraph numbers are replaced by their rank, as
/// only which citations share a paragraph matters.
fn structure(analysis: &Analysis) -> u64 {
    let mut hasher = DefaultHasher::new();
    for heading in &analysis.headings {
        (heading.level, &heading.text, &heading.id).hash(&mut hasher);
    }
    let mut paragraphs: BTreeMap<usize, usize> = BTreeMap::new();
    for citation in &analysis.citations {
        let next = paragraphs.len();
        let paragraph = *paragraphs.entry(citation.block).or_insert(next);
        (paragraph, citation.in_text, &citation.anchor).hash(&mut hasher);
        for key in &citation.keys {
            key.key.hash(&mut hasher);
        }
        for segment in &citation.sentence {
            match segment {
                Segment::Text(text) => (0u8, text).hash(&mut hasher),
                Segment::Cite(index) => (1u8, index).hash(&mut hasher),
            }
        }
    }
    for link in &analysis.links {
        link.destination.hash(&mut hasher);
    }
    hasher.finish()
}
