//! Fingerprints of what each template job reads, so a rebuild re-renders only the
//! jobs whose inputs changed.
//!
//! Invariant: a job's fingerprint covers everything [`crate::render`] reads for it:
//! - every job: the shared `site` template data (navigation, assets, configuration),
//!   the site's own templates, the page outline (ids, titles, descriptions, order) and
//!   the topic tree;
//! - a page: its source text, its references, the papers listed under its topics, the
//!   topic lists below it (whose sizes it shows), and where each of its internal links
//!   leads;
//! - a paper: its source text and label, the places that cite it (with the labels
//!   quoted there), its related papers, the papers its notes cite, and its links;
//! - the paper index: every paper; an author, year or venue page: its papers; a listing
//!   index: the names and sizes of its groups; the home page also its papers-per-year
//!   chart.
//!
//! A paper that appears in another job's output is covered by its front-matter hash
//! (a *summary*, enough for a list entry), and where it is cited or its reference
//! shown also by its label, not by its notes: editing notes re-renders only the pages
//! that show them, and a year letter that moves ("2016c" to "2016d") only the pages
//! that cite the paper. Equal fingerprints mean byte-identical output; the randomized
//! equivalence test in `tests/serve_incremental.rs` checks that nothing a job reads is
//! missing here, and in debug builds every partial pass ([`fingerprints_after`]) is
//! compared with a full one.

use std::collections::BTreeSet;
use std::hash::{BuildHasher, Hash, Hasher};
use std::path::Path;

use rayon::prelude::*;

use super::{FastMap, FastSet};
use crate::link;
use crate::listings::{Group, ListingKind, Listings};
use crate::render::{JobKey, Prepared};
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

/// The hasher of every fingerprint: foldhash's quality variant, faster than the
/// standard SipHash with the same 64-bit width. Fingerprints live in memory only, so
/// the fixed seed is never seen outside the process.
pub type FingerprintHasher = foldhash::quality::FoldHasher<'static>;

pub fn new_hasher() -> FingerprintHasher {
    foldhash::quality::FixedState::with_seed(0x5eed_5eed).build_hasher()
}

fn hash_of(value: &impl Hash) -> u64 {
    let mut hasher = new_hasher();
    value.hash(&mut hasher);
    hasher.finish()
}

/// A hash of everything the bibliography exports ([`crate::exports::outputs`]) read:
/// every paper's key and fields, the pages, the topics, and which papers each page
/// and topic lists.
pub fn exports_inputs(site: &Site) -> u64 {
    let mut hasher = new_hasher();
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

/// What the fingerprints read: the prepared site, the shared template data, the
/// site's own templates and the hashes of its content files.
pub struct SiteInputs<'a> {
    pub site: &'a Site,
    pub listings: &'a Listings,
    pub shared_data: &'a str,
    pub templates: &'a [SourceFile],
    pub files: &'a FileLookup<'a>,
}

impl<'a> SiteInputs<'a> {
    /// The inputs of `prepared`'s jobs.
    pub fn of(
        prepared: &'a Prepared,
        templates: &'a [SourceFile],
        files: &'a FileLookup<'a>,
    ) -> Self {
        SiteInputs {
            site: prepared.site(),
            listings: prepared.listings(),
            shared_data: prepared.shared_data(),
            templates,
            files,
        }
    }
}

/// The fingerprint of every job in `jobs`, in the same order, and what they read.
pub fn fingerprints(from: &SiteInputs, jobs: &[JobKey]) -> (Vec<u64>, Memo) {
    let mut inputs = Inputs::new(from);
    inputs.summaries = (from.site.papers.keys())
        .map(|key| (key.clone(), inputs.summary_hash(key)))
        .collect();
    let hashed: Vec<JobHash> = jobs.par_iter().map(|job| inputs.job(job)).collect();
    let mut readers: FastMap<&str, Vec<u32>> = FastMap::default();
    let mut citers: FastMap<&str, Vec<u32>> = FastMap::default();
    for (index, job) in hashed.iter().enumerate() {
        for key in &job.reads {
            readers.entry(key).or_default().push(index as u32);
        }
        for key in &job.cites {
            citers.entry(key).or_default().push(index as u32);
        }
    }
    let owned = |by_key: FastMap<&str, Vec<u32>>| {
        (by_key.into_iter())
            .map(|(key, jobs)| (key.to_string(), jobs))
            .collect()
    };
    let memo = Memo {
        shared: inputs.shared,
        job_index: (jobs.iter().enumerate())
            .map(|(index, job)| (job.clone(), index as u32))
            .collect(),
        jobs: jobs.to_vec(),
        readers: owned(readers),
        citers: owned(citers),
        summaries: std::mem::take(&mut inputs.summaries),
    };
    (
        hashed.into_iter().map(|job| job.hasher.finish()).collect(),
        memo,
    )
}

/// What the last fingerprinting of every job read, kept so that after an edit to some
/// papers' fields only the jobs that show those papers are fingerprinted again
/// ([`fingerprints_after`]).
#[derive(Debug, Default)]
pub struct Memo {
    /// The hash of what every job reads.
    shared: u64,
    /// Paper key -> how the paper reads wherever another page shows it, and how it is
    /// cited (its label and its reference's year letter).
    summaries: FastMap<String, (u64, u64)>,
    /// The jobs fingerprinted so far, in the order first seen.
    jobs: Vec<JobKey>,
    job_index: FastMap<JobKey, u32>,
    /// Paper key -> the jobs (indices into `jobs`) that read its summary. Reads are
    /// added as jobs are fingerprinted again and never removed, so this may name more
    /// jobs than read a paper now, never fewer.
    readers: FastMap<String, Vec<u32>>,
    /// Paper key -> the jobs that cite it (show its label), kept like `readers`.
    citers: FastMap<String, Vec<u32>>,
}

impl Memo {
    fn record(&mut self, job: &JobKey, hashed: &JobHash) {
        let index = match self.job_index.get(job) {
            Some(index) => *index,
            None => {
                let index = self.jobs.len() as u32;
                self.jobs.push(job.clone());
                self.job_index.insert(job.clone(), index);
                index
            }
        };
        add_reads(&mut self.readers, &hashed.reads, index);
        add_reads(&mut self.citers, &hashed.cites, index);
    }
}

fn add_reads(by_key: &mut FastMap<String, Vec<u32>>, keys: &[&str], index: u32) {
    for key in keys {
        match by_key.get_mut(*key) {
            Some(jobs) if jobs.contains(&index) => {}
            Some(jobs) => jobs.push(index),
            None => {
                by_key.insert(key.to_string(), vec![index]);
            }
        }
    }
}

/// The fingerprints of `jobs`, equal to what [`fingerprints`] gives them, after an edit
/// that changed nothing any job reads except the summaries of some of `candidates`
/// and whatever the jobs in `also` read. Those jobs, the jobs that read a changed
/// summary and the jobs never fingerprinted are fingerprinted; the others keep their
/// `previous` print. `None` if the shared inputs changed: every job must be hashed.
pub fn fingerprints_after(
    from: &SiteInputs,
    jobs: &[JobKey],
    memo: &mut Memo,
    previous: &dyn Fn(&JobKey) -> Option<u64>,
    candidates: &BTreeSet<String>,
    also: &BTreeSet<JobKey>,
) -> Option<Vec<u64>> {
    let mut inputs = Inputs::new(from);
    if inputs.shared != memo.shared {
        return None;
    }
    inputs.summaries = std::mem::take(&mut memo.summaries);
    let mut stale: FastSet<u32> = FastSet::default();
    for key in candidates {
        let (summary, label) = inputs.summary_hash(key);
        let before = inputs.summaries.insert(key.clone(), (summary, label));
        if before.is_none_or(|(s, _)| s != summary) {
            stale.extend(memo.readers.get(key).into_iter().flatten());
        }
        if before.is_none_or(|(_, l)| l != label) {
            stale.extend(memo.citers.get(key).into_iter().flatten());
        }
    }
    let is_stale = |job: &JobKey| {
        also.contains(job) || memo.job_index.get(job).is_none_or(|i| stale.contains(i))
    };
    let fresh: Vec<(&JobKey, JobHash)> = (jobs.iter())
        .filter(|job| is_stale(job) || previous(job).is_none())
        .map(|job| (job, inputs.job(job)))
        .collect();
    let mut prints: FastMap<&JobKey, u64> = FastMap::default();
    for (job, hashed) in fresh {
        memo.record(job, &hashed);
        prints.insert(job, hashed.hasher.finish());
    }
    memo.summaries = std::mem::take(&mut inputs.summaries);
    let prints: Vec<u64> = (jobs.iter())
        .map(|job| {
            prints
                .get(job)
                .copied()
                .or_else(|| previous(job))
                .unwrap_or(0)
        })
        .collect();
    if cfg!(debug_assertions) {
        let (all, _) = fingerprints(from, jobs);
        for ((job, print), full) in jobs.iter().zip(&prints).zip(&all) {
            assert_eq!(
                print, full,
                "{job:?} read something fingerprints_after missed"
            );
        }
    }
    Some(prints)
}

/// The fingerprints of a few `jobs`, equal to what [`fingerprints`] gives them, with
/// what they read recorded in `memo`; paper summaries are hashed as the jobs read them
/// instead of all at once.
pub fn fingerprints_of_few(from: &SiteInputs, jobs: &[JobKey], memo: &mut Memo) -> Vec<u64> {
    let inputs = Inputs::new(from);
    (jobs.iter())
        .map(|job| {
            let hashed = inputs.job(job);
            memo.record(job, &hashed);
            hashed.hasher.finish()
        })
        .collect()
}

/// A job's fingerprint being made, the papers whose summaries it read, and the
/// papers it cites.
struct JobHash<'a> {
    hasher: FingerprintHasher,
    reads: Vec<&'a str>,
    cites: Vec<&'a str>,
}

/// The hashes of a content file by its root-relative path.
pub type FileLookup<'a> = dyn Fn(&Path) -> Option<FileHashes> + Sync + 'a;

struct Inputs<'a> {
    site: &'a Site,
    listings: &'a Listings,
    files: &'a FileLookup<'a>,
    /// Everything every job reads.
    shared: u64,
    /// Paper key -> how the paper reads wherever another page shows it (computed up
    /// front when every job is fingerprinted; a miss is hashed on demand).
    summaries: FastMap<String, (u64, u64)>,
    /// The listing groups by kind and slug (a site has thousands of authors).
    groups_by_slug: FastMap<(ListingKind, &'a str), &'a Group>,
}

impl<'a> Inputs<'a> {
    fn new(from: &SiteInputs<'a>) -> Self {
        let groups_by_slug = (from.listings.all())
            .map(|group| ((group.kind, group.slug.as_str()), group))
            .collect();
        let mut inputs = Inputs {
            site: from.site,
            listings: from.listings,
            files: from.files,
            shared: 0,
            summaries: FastMap::default(),
            groups_by_slug,
        };
        inputs.shared = inputs.shared_hash(from.shared_data, from.templates);
        inputs
    }

    fn shared_hash(&self, shared_data: &str, templates: &[SourceFile]) -> u64 {
        let mut hasher = new_hasher();
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

    /// How the paper reads in lists (its front-matter), and how it is cited: its label,
    /// whose year letter its reference shows too.
    fn summary_hash(&self, key: &str) -> (u64, u64) {
        let front = self
            .site
            .papers
            .get(key)
            .map(|p| self.file(&p.source).front);
        let label = self.site.labels.get(key).map(|l| (&l.names, &l.year));
        (hash_of(&(key, front)), hash_of(&label))
    }

    fn summary(&self, key: &str) -> (u64, u64) {
        match self.summaries.get(key) {
            Some(hash) => *hash,
            None => self.summary_hash(key),
        }
    }

    /// The job's fingerprint and the papers whose summaries it read.
    fn job(&self, job: &JobKey) -> JobHash<'a> {
        let mut out = JobHash {
            hasher: new_hasher(),
            reads: Vec::new(),
            cites: Vec::new(),
        };
        (self.shared, job).hash(&mut out.hasher);
        match job {
            JobKey::Page(id) => self.page(id, &mut out),
            JobKey::Paper(key) => self.paper(key, &mut out),
            // Every page of the table reads every paper: its place in both orders.
            JobKey::PaperIndex(_) => {
                for key in self.site.papers.keys() {
                    self.read_summary(key, &mut out);
                }
            }
            JobKey::NotFound | JobKey::Search => {}
            JobKey::Listing(kind, slug) => {
                if let Some(group) = self.groups_by_slug.get(&(*kind, slug.as_str())) {
                    group.name.hash(&mut out.hasher);
                    for key in &group.keys {
                        self.read_summary(key, &mut out);
                    }
                }
            }
            JobKey::ListingIndex(kind) => self.group_counts(*kind, &mut out),
        }
        out
    }

    fn read_summary(&self, key: &'a str, out: &mut JobHash<'a>) {
        self.summary(key).0.hash(&mut out.hasher);
        out.reads.push(key);
    }

    /// A paper as a citation shows it: its summary and its label.
    fn read_citation(&self, key: &'a str, out: &mut JobHash<'a>) {
        let (summary, label) = self.summary(key);
        (summary, label).hash(&mut out.hasher);
        out.reads.push(key);
        out.cites.push(key);
    }

    fn groups(&self, kind: ListingKind) -> &[Group] {
        self.listings.of(kind)
    }

    /// Names, slugs and sizes of one kind of listing, as its index and charts show them.
    fn group_counts(&self, kind: ListingKind, out: &mut JobHash<'a>) {
        for group in self.groups(kind) {
            (&group.name, &group.slug, group.keys.len()).hash(&mut out.hasher);
        }
    }

    fn page(&self, id: &str, out: &mut JobHash<'a>) {
        let Some(page) = self.site.page(id) else {
            return;
        };
        self.file(&page.source).text.hash(&mut out.hasher);
        self.references(id, out);
        self.links(id, &page.source, out);
        if id.is_empty() {
            // The home page charts papers per year.
            self.group_counts(ListingKind::Year, out);
        }
        // Paper counts of the page's topics and those below it (the home page's
        // taxonomy, a chapter's sections).
        let below = format!("{id}/");
        for (topic, keys) in &self.site.topic_papers {
            if id.is_empty() || topic == id || topic.starts_with(&below) {
                (topic, keys).hash(&mut out.hasher);
            }
        }
        for topic in self.site.topics.iter().filter(|t| t.page == id) {
            topic.id.hash(&mut out.hasher);
            for key in self.site.topic_papers.get(&topic.id).into_iter().flatten() {
                self.read_summary(key, out);
            }
        }
    }

    fn paper(&self, key: &str, out: &mut JobHash<'a>) {
        let Some((key, paper)) = self.site.papers.get_key_value(key) else {
            return;
        };
        self.file(&paper.source).text.hash(&mut out.hasher);
        self.read_citation(key, out);
        let notes = format!("papers/{key}");
        self.references(&notes, out);
        self.links(&notes, &paper.source, out);
        for related in self.site.related.get(key).into_iter().flatten() {
            self.read_summary(related, out);
        }
        for mention in self.site.mentions.get(key).into_iter().flatten() {
            self.mention(mention, out);
        }
    }

    /// The papers an analysed body cites, as they read there.
    fn references(&self, analysis_id: &str, out: &mut JobHash<'a>) {
        for key in self.site.references.get(analysis_id).into_iter().flatten() {
            self.read_citation(key, out);
        }
    }

    /// Where each internal link of an analysed body leads now.
    fn links(&self, analysis_id: &str, source: &Path, out: &mut JobHash<'a>) {
        let Some(analysis) = self.site.analyses.get(analysis_id) else {
            return;
        };
        for written in &analysis.links {
            match link::resolve(&self.site.link_targets, source, &written.destination) {
                Ok((path, anchor)) => (0u8, path, anchor).hash(&mut out.hasher),
                Err(_) => 1u8.hash(&mut out.hasher),
            }
        }
    }

    fn mention(&self, mention: &'a Mention, out: &mut JobHash<'a>) {
        (&mention.source, &mention.title, &mention.path).hash(&mut out.hasher);
        (&mention.anchor, &mention.heading).hash(&mut out.hasher);
        for part in &mention.sentence {
            match part {
                MentionPart::Text(text) => (0u8, text).hash(&mut out.hasher),
                MentionPart::Cite { keys, in_text } => {
                    (1u8, in_text).hash(&mut out.hasher);
                    for key in keys {
                        self.read_citation(key, out);
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
