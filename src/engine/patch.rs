//! The common saves while writing, patched into the last good site instead of
//! assembling and preparing the whole site again.
//!
//! A patch applies when every changed file is a page or paper that existed before, or
//! a new paper, that parses without errors, cites only existing papers and names only
//! existing topics, and, for a page, keeps its front-matter and whether it has prose at
//! all (a paper may change any field; a new paper is a paper whose fields were blank).
//! Deleted files, new pages, `site.yaml`, templates and static files take the full
//! rebuild. What such an edit changes:
//! - always: the body and its page, and the file's own diagnostics (positions move);
//! - citations, links or headings changed (a *graph edit*): its reference list, the
//!   mentions and related papers of every paper it cites before or after (their pages
//!   and orphan warnings), the bibliography exports of a page; for new or removed
//!   anchors, the pages of other files that link into it are checked again;
//! - a paper's fields changed: its reference in the citation style, labels, the order
//!   of lists, the reference lists citing it, listings, exports, the feed, and for new
//!   topics the topic lists and the related papers of those topics' papers.
//!
//! A patch only brings the site up to date; which pages to render again is not its
//! concern: the patched site is rendered like any other ([`LiveBuild::render_stale`]),
//! by what each job recorded reading.
//!
//! Invariant: a patch leaves [`LiveBuild`] exactly as a full rebuild would (outputs,
//! diagnostics, caches). Any doubt (a file that is new, gone or unreadable, an
//! unknown key, an error, a failed render) declines the patch before the site is
//! touched, or drops the kept site, and the full rebuild runs instead. The randomized
//! test in `tests/serve_incremental.rs` checks this after every step.

use std::collections::{BTreeMap, BTreeSet};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};

use super::files::FileHashes;
use super::parse::body_offset;
use super::{CachedParse, LastGood, LiveBuild, NewOutputs, Rebuild, files};
use crate::assemble::site::Site;
use crate::assemble::{self, Entity, Parsed};
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::model::PaperFields;
use crate::parse::markdown::{Analysis, Segment};
use crate::render::JobKey;

/// A body edit to one file, parsed and ready to patch in.
struct BodyEdit {
    path: PathBuf,
    /// The analysis id and template job of the edited page or paper.
    id: String,
    job: JobKey,
    /// Whether its citations, links or headings changed (see the module comment).
    graph: bool,
    /// Whether its headings' anchors changed, which links from other files name.
    anchors: bool,
    /// Whether a paper's fields changed (its front-matter).
    fields: bool,
    /// Whether the file is a new paper.
    new: bool,
    cached: CachedParse,
}

impl LiveBuild {
    /// Rebuilds by patching the last good site when every path in `changed` is a
    /// body edit or a paper's field edit; `None` when the full rebuild is needed (the
    /// kept site is dropped if the patch had already begun).
    pub(super) fn patch(&mut self, changed: &[PathBuf]) -> Option<Rebuild> {
        let edits = self.body_edits(changed)?;
        let mut last = self.last.take()?;
        let rebuild = self.patch_site(&mut last, edits)?;
        self.last = Some(last);
        Some(rebuild)
    }

    fn patch_site(&mut self, last: &mut LastGood, edits: Vec<BodyEdit>) -> Option<Rebuild> {
        let touched = touched_papers(&last.site, &edits);
        let stale_warnings = self.orphan_warnings(&last.site, &touched);
        // A new paper's fields before are blank: no title, year, topics or identities.
        let before = |key: &str| {
            (last.site.papers.get(key))
                .map_or_else(|| PaperFields::new("", 0), |paper| paper.fields.clone())
        };
        let fields: BTreeMap<String, PaperFields> = (edits.iter())
            .filter(|e| e.fields)
            .filter_map(|e| e.id.strip_prefix("papers/"))
            .map(|key| (key.to_string(), before(key)))
            .collect();
        let added = edits.iter().any(|e| e.new);
        for edit in &edits {
            apply_to_site(&mut last.site, edit);
        }
        let rechecked = rechecked_bodies(&last.site, &edits);
        let own = self.own_diagnostics(&last.site, &edits, &rechecked)?;
        // The parse cache follows the files whether or not the patch completes.
        for edit in &edits {
            self.parsed.insert(edit.path.clone(), edit.cached.clone());
        }
        let (rendered, changed_outputs) = if fields.is_empty() {
            // A page's reference list is in the exports; nothing else a body edit
            // changes is.
            let exports = (edits.iter()).any(|e| e.graph && matches!(e.job, JobKey::Page(_)));
            let unchanged: &[usize] = &[];
            self.render_patched(last, (!exports).then_some(unchanged))?
        } else {
            self.render_fields(last, &fields, added)?
        };
        let diagnostics = self.patch_diagnostics(last, own, stale_warnings, &touched);
        Some(Rebuild {
            diagnostics,
            succeeded: true,
            rendered,
            changed_outputs,
            changed_sources: Vec::new(),
            patched: true,
        })
    }

    /// After paper field edits (`old`: key -> fields before): brings the site-wide
    /// results read from paper fields up to date, then renders and applies like a full
    /// rebuild (every job whose fingerprint changed, listings and exports included).
    /// `None` on any error.
    fn render_fields(
        &mut self,
        last: &mut LastGood,
        old: &BTreeMap<String, PaperFields>,
        added: bool,
    ) -> Option<(usize, Vec<String>)> {
        let edited: BTreeSet<String> = old.keys().cloned().collect();
        let refiled = added
            || (old.iter()).any(|(key, before)| {
                let paper = last.site.papers.get(key);
                paper.is_some_and(|paper| paper.fields.topics != before.topics)
            });
        // The exports read only the papers' fields: unless the files list other papers
        // now, they are joined while the rest of the site is brought up to date, on the
        // other core.
        self.entries.rewrite(&last.site, &edited);
        let (entries, content) = (&self.entries, &self.files.sources().content);
        let mut exports = self.exports.take()?;
        let (refreshed, rejoined) = rayon::join(
            || assemble::refresh_paper_fields(&mut last.site, &mut self.memo, content, old),
            || (!refiled).then(|| exports.1.rejoin(entries, &edited)),
        );
        // Up to date, but no longer with the site whose inputs were hashed.
        self.exports = Some((None, exports.1));
        if refreshed.diagnostics.has_errors() {
            return None;
        }
        last.parts.as_mut()?.update_listings(&last.site, old);
        if rejoined.is_some() {
            return self.render_patched(last, rejoined.as_deref());
        }
        // After papers moved between topics the files of those topics are listed anew
        // (the files of all papers too, for a new paper: megabytes at 10 000 papers),
        // on the other core while the pages render. Rendering reads neither.
        let mut exports = self.exports.take()?;
        let entries = std::mem::take(&mut self.entries);
        let topics = &refreshed.topics;
        let rendered = self.render_beside(last, |site| {
            exports.1.refile(site, &entries, topics, &edited)
        });
        (self.exports, self.entries) = (Some(exports), entries);
        let (rendered, outputs, rejoined) = rendered?;
        Some((
            rendered,
            self.apply(outputs, &last.site, rejoined.as_deref()),
        ))
    }

    /// Renders the patched site (the jobs that read something the patch changed) and
    /// puts the outputs in place, with the bibliography exports: only the files
    /// `rejoined` when given, all of them (when their inputs changed) otherwise.
    /// Returns how many jobs were rendered and the changed output paths; `None` if a
    /// template failed.
    fn render_patched(
        &mut self,
        last: &mut LastGood,
        rejoined: Option<&[usize]>,
    ) -> Option<(usize, Vec<String>)> {
        let (rendered, outputs, ()) = self.render_beside(last, |_| ())?;
        Some((rendered, self.apply(outputs, &last.site, rejoined)))
    }

    /// Renders the patched site's jobs that read something the patch changed, while
    /// `beside` runs on the other core with the site; `None` if a template failed.
    fn render_beside<T: Send>(
        &mut self,
        last: &mut LastGood,
        beside: impl FnOnce(&Site) -> T + Send,
    ) -> Option<(usize, NewOutputs, T)> {
        let prepared = last.parts.take()?.attach(&last.site);
        let mut errors = Diagnostics::default();
        let ((rendered, outputs), other) = rayon::join(
            || self.render_stale(&prepared, &mut errors),
            || beside(&last.site),
        );
        last.parts = Some(prepared.into_parts());
        (!errors.has_errors()).then_some((rendered, outputs, other))
    }

    /// Each edited or re-checked file's own diagnostics in the patched `site` (see
    /// [`assemble::own_warning`]); `None` if one of them is an error.
    fn own_diagnostics(
        &self,
        site: &Site,
        edits: &[BodyEdit],
        rechecked: &[String],
    ) -> Option<Vec<(PathBuf, Diagnostics)>> {
        let bodies = (edits.iter())
            .map(|e| (e.id.as_str(), e.path.as_path(), &e.cached.parsed))
            .chain(rechecked.iter().filter_map(|id| {
                let path = assemble::body_source(site, id);
                Some((id.as_str(), path, &self.parsed.get(path)?.parsed))
            }));
        let mut own = Vec::new();
        for (id, path, parsed) in bodies {
            let text = self.text(path);
            let mut diagnostics = parsed.diagnostics.clone();
            if let Some(analysis) = site.analyses.get(id) {
                diagnostics.extend(assemble::body_checks(site, id, analysis, text));
            }
            diagnostics.extend_from(assemble::own_warning(site, id, text));
            if diagnostics.has_errors() {
                return None;
            }
            own.push((path.to_path_buf(), diagnostics));
        }
        Some(own)
    }

    /// Every changed path as a body edit, or `None` if one of them is not.
    fn body_edits(&self, changed: &[PathBuf]) -> Option<Vec<BodyEdit>> {
        // Only `serve`'s engine keeps what a patch starts from; any other would parse
        // the changed files here only to find no earlier parse and rebuild in full.
        if !self.pages.patches()
            || self.last.is_none()
            || changed.is_empty()
            || self.files.has_problems()
        {
            return None;
        }
        let chapters = assemble::chapter_folders(&self.files.sources().content);
        let chapters_hash = files::text_hash(&format!("{chapters:?}"));
        let mut edits: Vec<BodyEdit> = Vec::new();
        let site = &self.last.as_ref()?.site;
        for path in changed {
            let file = self.files.content_file(path)?;
            let old = self.parsed.get(path);
            let text_hash = self.files.hash_of(path)?;
            let other_chapters = old.is_some_and(|old| old.chapters_hash != chapters_hash);
            if other_chapters || edits.iter().any(|e| &e.path == path) {
                return None;
            }
            let parsed = assemble::parse_file(file, &chapters);
            let hashes = FileHashes::of(&file.text, body_offset(&parsed));
            let (id, job) = match old {
                Some(old) => same_entity(old, &parsed, hashes)?,
                None => new_paper(site, &parsed)?,
            };
            // Unknown keys and topics are errors the full rebuild reports; the graph must
            // not see them.
            let cited = assemble::cited_keys(&parsed.analysis);
            if !cited.iter().all(|key| site.papers.contains_key(key)) {
                return None;
            }
            if let Some(Entity::Paper(paper)) = &parsed.entity
                && !paper
                    .fields
                    .topics
                    .iter()
                    .all(|id| site.topic(id).is_some())
            {
                return None;
            }
            let fields = old.is_none_or(|old| old.hashes.front != hashes.front);
            let old_analysis = old.map(|old| &old.parsed.analysis);
            let shape_changed = old_analysis.is_none_or(|a| shape(a) != shape(&parsed.analysis));
            let anchors_changed =
                old_analysis.is_none_or(|a| anchors(a) != anchors(&parsed.analysis));
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
                // A paper's title shows in the mentions its notes make.
                graph: fields || shape_changed,
                anchors: anchors_changed,
                fields,
                new: old.is_none(),
                cached,
            });
        }
        Some(edits)
    }

    /// The text of the content file at `path` ("" if it is gone).
    fn text(&self, path: &Path) -> &str {
        self.files
            .content_file(path)
            .map_or("", |f| f.text.as_str())
    }

    /// The "neither cited nor filed" warnings of the papers `keys` in `site`.
    fn orphan_warnings(&self, site: &Site, keys: &BTreeSet<String>) -> Vec<Diagnostic> {
        (keys.iter())
            .filter_map(|key| {
                let text = site.papers.get(key).map_or("", |p| self.text(&p.source));
                assemble::orphan_warning(site, key, text)
            })
            .collect()
    }

    /// The last good diagnostics with `own` replacing those of the files it names,
    /// and the orphan warnings of the papers whose mentions changed brought up to date.
    fn patch_diagnostics(
        &self,
        last: &mut LastGood,
        own: Vec<(PathBuf, Diagnostics)>,
        stale_warnings: Vec<Diagnostic>,
        touched: &BTreeSet<String>,
    ) -> Diagnostics {
        let refreshed: BTreeSet<PathBuf> = own.iter().map(|(path, _)| path.clone()).collect();
        let fresh_warnings = self.orphan_warnings(&last.site, touched);
        let diagnostics = &mut last.diagnostics;
        diagnostics.retain(|d| !refreshed.contains(&d.path) && !stale_warnings.contains(d));
        diagnostics
            .extend_from((fresh_warnings.into_iter()).filter(|d| !refreshed.contains(&d.path)));
        for (_, found) in own {
            diagnostics.extend(found);
        }
        diagnostics.clone()
    }
}

/// The papers whose mentions or related lists the graph edits change: those cited,
/// before or after, by an edited body.
fn touched_papers(site: &Site, edits: &[BodyEdit]) -> BTreeSet<String> {
    let mut touched = BTreeSet::new();
    for edit in edits.iter().filter(|e| e.graph) {
        touched.extend(assemble::cited_keys(&edit.cached.parsed.analysis));
        if let Some(old) = site.analyses.get(&edit.id) {
            touched.extend(assemble::cited_keys(old));
        }
    }
    touched.retain(|key| site.papers.contains_key(key));
    touched
}

/// The analysis id and job of `new` when it is the same page or paper as `old`, with
/// no errors, the same front-matter (a paper may change any field but its topics,
/// which the navigation on every page counts), and a chapter as empty or not as before;
/// `None` otherwise.
fn same_entity(old: &CachedParse, new: &Parsed, hashes: FileHashes) -> Option<(String, JobKey)> {
    if new.diagnostics.has_errors() {
        return None;
    }
    let same_front = old.hashes.front == hashes.front;
    match (old.parsed.entity.as_ref()?, new.entity.as_ref()?) {
        (Entity::Paper(a), Entity::Paper(b)) if a.key == b.key => {
            Some((format!("papers/{}", b.key), JobKey::Paper(b.key.clone())))
        }
        (Entity::Page(a), Entity::Page(b))
            if same_front
                && a.id == b.id
                && a.body.trim().is_empty() == b.body.trim().is_empty() =>
        {
            Some((b.id.clone(), JobKey::Page(b.id.clone())))
        }
        _ => None,
    }
}

/// The analysis id and job of a new file if it is a paper the site does not have yet,
/// parsed without errors.
fn new_paper(site: &Site, parsed: &Parsed) -> Option<(String, JobKey)> {
    match parsed.entity.as_ref()? {
        Entity::Paper(paper)
            if !parsed.diagnostics.has_errors() && !site.papers.contains_key(&paper.key) =>
        {
            Some((
                format!("papers/{}", paper.key),
                JobKey::Paper(paper.key.clone()),
            ))
        }
        _ => None,
    }
}

/// Puts the edited body and its analysis into the site.
fn apply_to_site(site: &mut Site, edit: &BodyEdit) {
    let parsed = &edit.cached.parsed;
    match &parsed.entity {
        Some(Entity::Paper(paper)) => match site.papers.get_mut(&paper.key) {
            Some(kept) => kept.clone_from(paper),
            None => {
                site.papers.insert(paper.key.clone(), paper.clone());
            }
        },
        Some(Entity::Page(page)) => {
            if let Some(kept) = site.pages.iter_mut().find(|p| p.id == page.id) {
                kept.body.clone_from(&page.body);
            }
        }
        None => {}
    }
    if edit.graph {
        assemble::replace_analysis(site, &edit.id, parsed.analysis.clone());
    } else {
        site.analyses
            .insert(edit.id.clone(), parsed.analysis.clone());
    }
    if edit.anchors {
        assemble::refresh_link_target(site, &edit.id);
    }
}

/// Bodies whose links into an edited file may now resolve differently (its anchors
/// changed): their diagnostics and pages are checked again.
fn rechecked_bodies(site: &Site, edits: &[BodyEdit]) -> Vec<String> {
    let mut rechecked = BTreeSet::new();
    for edit in edits.iter().filter(|e| e.anchors) {
        rechecked.extend(assemble::bodies_linking_to(site, &edit.path));
    }
    rechecked.retain(|id| !edits.iter().any(|e| &e.id == id));
    rechecked.into_iter().collect()
}

fn anchors(analysis: &Analysis) -> BTreeSet<&str> {
    analysis.headings.iter().map(|h| h.id.as_str()).collect()
}

/// Hashes of what the site-wide passes read from an analysis, without byte offsets
/// (which move with any edit above them) and formula problems (which only produce the
/// file's own warnings).
#[derive(PartialEq, Eq)]
struct Shape {
    /// Levels, texts and ids: anchors other files link to, and mention headings.
    headings: u64,
    /// Citations (keys, form, anchor, sentence, which share a paragraph) and links.
    graph: u64,
}

fn shape(analysis: &Analysis) -> Shape {
    let mut hasher = DefaultHasher::new();
    for heading in &analysis.headings {
        (heading.level, &heading.text, &heading.id).hash(&mut hasher);
    }
    let headings = hasher.finish();
    let mut hasher = DefaultHasher::new();
    // Paragraph numbers are replaced by their rank: only which citations share a
    // paragraph matters, not how many paragraphs came before.
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
    Shape {
        headings,
        graph: hasher.finish(),
    }
}
