//! Fingerprints of what each template job reads, so a rebuild re-renders only the
//! jobs whose inputs changed.
//!
//! Invariant: a job's fingerprint covers everything [`crate::render`] reads for it:
//! - every job: the shared `site` template data (navigation with paper counts, assets,
//!   configuration), the site's own templates, the page outline (ids, titles,
//!   descriptions, order) and the topic tree;
//! - a page: its source text, its references, the papers listed under its topics, and
//!   where each of its internal links leads;
//! - a paper: its source text and label, the places that cite it (with the labels
//!   quoted there), its related papers, the papers its notes cite, and its links;
//! - the paper index: every paper; an author, year or venue page: its papers; a listing
//!   index: the names and sizes of its groups; the home page also its papers-per-year
//!   chart.
//!
//! A paper that appears in another job's output (a citation, a list entry, a reference)
//! is covered by its front-matter hash and label, not its notes, so editing notes
//! re-renders only the pages that show them. Equal fingerprints mean byte-identical
//! output; the randomized equivalence test in `tests/serve_incremental.rs` checks that
//! nothing a job reads is missing here.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::Path;

use rayon::prelude::*;

use crate::link;
use crate::listings::{Group, ListingKind, Listings};
use crate::render::JobKey;
use crate::site::{Mention, MentionPart, Site};
use crate::source::SourceFile;

/// Hashes of one content file: all of it, and its front-matter alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileHashes {
    pub text: u64,
    pub front: u64,
}

impl FileHashes {
    /// `body_offset` is where the Markdown body starts (0 without front-matter).
    pub fn of(text: &str, body_offset: usize) -> Self {
        let front = text.get(..body_offset).unwrap_or(text);
        FileHashes {
            text: hash_of(&text),
            front: hash_of(&("front", front)),
        }
    }
}

fn hash_of(value: &impl Hash) -> u64 {
    let mut hasher = DefaultHasher::new();
    value.hash(&mut hasher);
    hasher.finish()
}

/// A hash of everything the bibliography exports ([`crate::exports::outputs`]) read:
/// every paper's key and fields, the pages, the topics, and which papers each page
/// and topic lists.
pub fn exports_inputs(site: &Site) -> u64 {
    let mut hasher = DefaultHasher::new();
    for paper in site.papers.values() {
        (&paper.key, &paper.fields).hash(&mut hasher);
    }
    for page in &site.pages {
        (&page.id, page.kind as u8).hash(&mut hasher);
    }
    for topic in &site.topics {
        (&topic.id, &topic.anchor).hash(&mut hasher);
    }
    site.references.hash(&mut hasher);
    site.topic_papers.hash(&mut hasher);
    hasher.finish()
}

/// The fingerprint of every job in `jobs`, in the same order.
pub fn fingerprints(
    site: &Site,
    listings: &Listings,
    jobs: &[JobKey],
    shared_data: &str,
    templates: &[SourceFile],
    files: &FileLookup,
) -> Vec<u64> {
    let mut inputs = Inputs::new(site, shared_data, templates, files);
    inputs.listings = Some(listings);
    inputs.summaries = site
        .papers
        .keys()
        .map(|key| (key.as_str(), inputs.summary_hash(key)))
        .collect();
    jobs.par_iter().map(|job| inputs.job(job)).collect()
}

/// The fingerprints of a few `jobs`, equal to what [`fingerprints`] gives them; paper
/// summaries are hashed as the jobs read them instead of all at once.
pub fn fingerprints_of_few(
    site: &Site,
    listings: &Listings,
    jobs: &[JobKey],
    shared_data: &str,
    templates: &[SourceFile],
    files: &FileLookup,
) -> Vec<u64> {
    let mut inputs = Inputs::new(site, shared_data, templates, files);
    inputs.listings = Some(listings);
    jobs.iter().map(|job| inputs.job(job)).collect()
}

/// The hashes of a content file by its root-relative path.
pub type FileLookup<'a> = dyn Fn(&Path) -> Option<FileHashes> + Sync + 'a;

struct Inputs<'a> {
    site: &'a Site,
    listings: Option<&'a Listings>,
    files: &'a FileLookup<'a>,
    /// Everything every job reads.
    shared: u64,
    /// Paper key -> how the paper reads wherever another page shows it (computed up
    /// front when every job is fingerprinted; a miss is hashed on demand).
    summaries: HashMap<&'a str, u64>,
}

impl<'a> Inputs<'a> {
    fn new(
        site: &'a Site,
        shared_data: &str,
        templates: &[SourceFile],
        files: &'a FileLookup<'a>,
    ) -> Self {
        let mut inputs = Inputs {
            site,
            listings: None,
            files,
            shared: 0,
            summaries: HashMap::new(),
        };
        inputs.shared = inputs.shared_hash(shared_data, templates);
        inputs
    }

    fn shared_hash(&self, shared_data: &str, templates: &[SourceFile]) -> u64 {
        let mut hasher = DefaultHasher::new();
        shared_data.hash(&mut hasher);
        for template in templates {
            (&template.path, &template.text).hash(&mut hasher);
        }
        for page in &self.site.pages {
            (&page.id, page.kind as u8, &page.fields.title).hash(&mut hasher);
            page.fields.description.hash(&mut hasher);
        }
        for topic in &self.site.topics {
            (&topic.id, &topic.title, &topic.description).hash(&mut hasher);
            (&topic.page, &topic.anchor).hash(&mut hasher);
        }
        hasher.finish()
    }

    fn file(&self, path: &Path) -> FileHashes {
        // Every page and paper comes from a content file, so the lookup succeeds; a
        // miss hashes as "unknown", which only ever causes an extra render.
        (self.files)(path).unwrap_or(FileHashes {
            text: u64::MAX,
            front: u64::MAX,
        })
    }

    fn summary_hash(&self, key: &str) -> u64 {
        let front = self
            .site
            .papers
            .get(key)
            .map(|p| self.file(&p.source).front);
        let label = self.site.labels.get(key).map(|l| (&l.names, &l.year));
        hash_of(&(key, front, label))
    }

    fn summary(&self, key: &str) -> u64 {
        match self.summaries.get(key) {
            Some(hash) => *hash,
            None => self.summary_hash(key),
        }
    }

    fn job(&self, job: &JobKey) -> u64 {
        let mut hasher = DefaultHasher::new();
        (self.shared, job).hash(&mut hasher);
        match job {
            JobKey::Page(id) => self.page(id, &mut hasher),
            JobKey::Paper(key) => self.paper(key, &mut hasher),
            JobKey::PaperIndex => {
                for key in self.site.papers.keys() {
                    self.summary(key).hash(&mut hasher);
                }
            }
            JobKey::NotFound | JobKey::Search => {}
            JobKey::Listing(kind, slug) => {
                let group = self.groups(*kind).iter().find(|g| &g.slug == slug);
                if let Some(group) = group {
                    group.name.hash(&mut hasher);
                    for key in &group.keys {
                        self.summary(key).hash(&mut hasher);
                    }
                }
            }
            JobKey::ListingIndex(kind) => self.group_counts(*kind, &mut hasher),
        }
        hasher.finish()
    }

    fn groups(&self, kind: ListingKind) -> &[Group] {
        self.listings.map_or(&[], |listings| listings.of(kind))
    }

    /// Names, slugs and sizes of one kind of listing, as its index and charts show them.
    fn group_counts(&self, kind: ListingKind, hasher: &mut DefaultHasher) {
        for group in self.groups(kind) {
            (&group.name, &group.slug, group.keys.len()).hash(hasher);
        }
    }

    fn page(&self, id: &str, hasher: &mut DefaultHasher) {
        let Some(page) = self.site.page(id) else {
            return;
        };
        self.file(&page.source).text.hash(hasher);
        self.references(id, hasher);
        self.links(id, &page.source, hasher);
        if id.is_empty() {
            // The home page charts papers per year.
            self.group_counts(ListingKind::Year, hasher);
        }
        for topic in self.site.topics.iter().filter(|t| t.page == id) {
            topic.id.hash(hasher);
            for key in self.site.topic_papers.get(&topic.id).into_iter().flatten() {
                self.summary(key).hash(hasher);
            }
        }
    }

    fn paper(&self, key: &str, hasher: &mut DefaultHasher) {
        let Some(paper) = self.site.papers.get(key) else {
            return;
        };
        self.file(&paper.source).text.hash(hasher);
        self.summary(key).hash(hasher);
        let notes = format!("papers/{key}");
        self.references(&notes, hasher);
        self.links(&notes, &paper.source, hasher);
        for related in self.site.related.get(key).into_iter().flatten() {
            self.summary(related).hash(hasher);
        }
        for mention in self.site.mentions.get(key).into_iter().flatten() {
            self.mention(mention, hasher);
        }
    }

    /// The papers an analysed body cites, as they read there.
    fn references(&self, analysis_id: &str, hasher: &mut DefaultHasher) {
        for key in self.site.references.get(analysis_id).into_iter().flatten() {
            self.summary(key).hash(hasher);
        }
    }

    /// Where each internal link of an analysed body leads now.
    fn links(&self, analysis_id: &str, source: &Path, hasher: &mut DefaultHasher) {
        let Some(analysis) = self.site.analyses.get(analysis_id) else {
            return;
        };
        for written in &analysis.links {
            match link::resolve(&self.site.link_targets, source, &written.destination) {
                Ok((path, anchor)) => (0u8, path, anchor).hash(hasher),
                Err(_) => 1u8.hash(hasher),
            }
        }
    }

    fn mention(&self, mention: &Mention, hasher: &mut DefaultHasher) {
        (&mention.source, &mention.title, &mention.path).hash(hasher);
        (&mention.anchor, &mention.heading).hash(hasher);
        for part in &mention.sentence {
            match part {
                MentionPart::Text(text) => (0u8, text).hash(hasher),
                MentionPart::Cite { keys, in_text } => {
                    (1u8, in_text).hash(hasher);
                    for key in keys {
                        self.summary(key).hash(hasher);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn front_hash_ignores_the_body() {
        let a = FileHashes::of("---\ntitle: A\n---\nnotes", 16);
        let b = FileHashes::of("---\ntitle: A\n---\nother notes", 16);
        let c = FileHashes::of("---\ntitle: B\n---\nnotes", 16);
        assert_eq!(a.front, b.front);
        assert_ne!(a.text, b.text);
        assert_ne!(a.front, c.front);
    }
}
