//! The bibliography files the site publishes beside its pages:
//!
//! - `papers.bib` and `papers.json` (CSL-JSON): every paper;
//! - `<chapter>/papers.bib`, `<chapter>/<section>/papers.bib`: every paper a page lists
//!   (its topic lists and its reference list);
//! - `<finer topic id>/papers.bib`: the papers of one finer topic.
//!
//! Invariants: a page links a file only if this module writes it (both use
//! [`page_bib`] and [`topic_bib`]); entries come from [`crate::formats::bibtex`], so every file
//! parses back with the `biblatex` crate; files are deterministic (key order).

use std::collections::{BTreeSet, HashMap};

use rayon::prelude::*;

use crate::assemble::site::Site;
use crate::emit::Output;
use crate::formats::bibtex;
use crate::formats::csljson;
use crate::model::{Page, PageKind, PaperFields, Topic};
use crate::paths::{ALL_BIB, ALL_JSON};

/// Paper keys a page lists: the papers filed under it and the papers it cites.
pub fn page_papers(site: &Site, page: &Page) -> BTreeSet<String> {
    let mut keys: BTreeSet<String> = match page.kind {
        PageKind::Home => BTreeSet::new(),
        PageKind::Chapter | PageKind::Section => {
            site.keys_under(&page.id).into_iter().cloned().collect()
        }
    };
    keys.extend(site.references.get(&page.id).into_iter().flatten().cloned());
    keys
}

/// Whether [`page_papers`] has any, without collecting them: every rebuild asks it
/// again for every page whose `.bib` link changed reads.
fn has_papers(site: &Site, page: &Page) -> bool {
    site.references
        .get(&page.id)
        .is_some_and(|keys| !keys.is_empty())
        || (page.kind != PageKind::Home && site.has_papers_under(&page.id))
}

/// Site-relative path of the `.bib` of a chapter or section; `None` when the page
/// lists no papers, and for the home page, which links the file of all papers.
pub fn page_bib(site: &Site, page: &Page) -> Option<String> {
    match page.kind {
        PageKind::Home => None,
        _ if !has_papers(site, page) => None,
        _ => Some(bib_in(&page.id)),
    }
}

/// The `.bib` file in a page's or topic's folder.
fn bib_in(id: &str) -> String {
    format!("{id}/{ALL_BIB}")
}

/// Site-relative path of a finer topic's `.bib`; `None` for a page's own topic (the
/// page's file covers it) and for topics without papers.
pub fn topic_bib(site: &Site, topic: &Topic) -> Option<String> {
    let has_papers = site
        .topic_papers
        .get(&topic.id)
        .is_some_and(|k| !k.is_empty());
    (topic.anchor.is_some() && has_papers).then(|| bib_in(&topic.id))
}

/// A hash of everything the bibliography files read: every paper's key and fields,
/// the pages, the topics, and which papers each page cites and each topic lists.
pub fn inputs_hash(site: &Site) -> u64 {
    let papers: Vec<(&String, &crate::model::PaperFields)> = (site.papers.iter())
        .map(|(key, paper)| (key, &paper.fields))
        .collect();
    let pages: Vec<(&String, PageKind)> = site.pages.iter().map(|p| (&p.id, p.kind)).collect();
    let topics: Vec<(&String, &Option<String>)> =
        site.topics.iter().map(|t| (&t.id, &t.anchor)).collect();
    crate::hash::hash_of(&(
        papers,
        pages,
        topics,
        &*site.references,
        &*site.topic_papers,
    ))
}

/// All bibliography files of the site.
pub fn outputs(site: &Site) -> Vec<Output> {
    Files::new(site, &mut Entries::default()).into_outputs()
}

/// Each paper's BibTeX entry and CSL-JSON item, written once per paper and joined into
/// every file that lists it; `serve` keeps them between rebuilds, so only papers whose
/// fields changed are written again.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct Entries {
    by_key: HashMap<String, Entry, foldhash::fast::RandomState>,
}

#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct Entry {
    fields: PaperFields,
    bibtex: String,
    /// The CSL-JSON item, [`csljson::indent`]ed.
    json: String,
}

impl Entry {
    fn new(key: &str, fields: &PaperFields) -> Self {
        Entry {
            fields: fields.clone(),
            bibtex: bibtex::bibtex(key, fields),
            json: csljson::indent(&csljson::item_json(key, fields)),
        }
    }
}

impl Entries {
    /// Forgets papers that are gone and writes the entries of new or changed ones.
    fn update(&mut self, site: &Site) {
        self.by_key.retain(|key, _| site.papers.contains_key(key));
        let stale: Vec<(&String, &PaperFields)> = (site.papers.iter())
            .filter(|(key, p)| self.by_key.get(*key).is_none_or(|e| e.fields != p.fields))
            .map(|(key, p)| (key, &p.fields))
            .collect();
        let fresh: Vec<(String, Entry)> = (stale.par_iter())
            .map(|(key, fields)| ((*key).clone(), Entry::new(key, fields)))
            .collect();
        self.by_key.extend(fresh);
    }

    /// Writes again the entries of the papers `keys` (their fields changed).
    pub fn rewrite(&mut self, site: &Site, keys: &BTreeSet<String>) {
        for key in keys {
            if let Some(paper) = site.papers.get(key) {
                self.by_key
                    .insert(key.clone(), Entry::new(key, &paper.fields));
            }
        }
    }

    /// One file's text: the entries of `keys` joined as BibTeX or as CSL-JSON.
    fn join(&self, keys: &[String], format: Format) -> String {
        let listed = keys.iter().filter_map(|key| self.by_key.get(key));
        match format {
            Format::Bibtex => bibtex::join(listed.map(|entry| entry.bibtex.as_str())),
            Format::CslJson => csljson::join_indented(listed.map(|entry| entry.json.as_str())),
        }
    }
}

/// The bibliography files of a site, each with the papers it lists. `serve` keeps
/// them, so that after an edit to some papers' fields only the files listing those
/// papers are joined again.
#[derive(Debug)]
pub struct Files {
    files: Vec<File>,
}

#[derive(Debug)]
struct File {
    output: Output,
    /// The listed paper keys, sorted, as the file lists them.
    keys: Vec<String>,
    format: Format,
}

impl File {
    /// Whether the file lists one of the papers `keys` (its keys are sorted).
    fn lists_any(&self, keys: &BTreeSet<String>) -> bool {
        keys.iter().any(|key| self.keys.binary_search(key).is_ok())
    }
}

#[derive(Debug, Clone, Copy)]
enum Format {
    Bibtex,
    CslJson,
}

impl Files {
    /// Every bibliography file of `site`, with the entries of unchanged papers taken
    /// from `entries`.
    pub fn new(site: &Site, entries: &mut Entries) -> Self {
        entries.update(site);
        let all: Vec<String> = site.papers.keys().cloned().collect();
        let mut listed = vec![
            (ALL_BIB.to_string(), all.clone(), Format::Bibtex),
            (ALL_JSON.to_string(), all, Format::CslJson),
        ];
        for page in &site.pages {
            if let Some(path) = page_bib(site, page) {
                let keys = page_papers(site, page).into_iter().collect();
                listed.push((path, keys, Format::Bibtex));
            }
        }
        for topic in &site.topics {
            if let Some(path) = topic_bib(site, topic) {
                let keys: BTreeSet<&String> = site.topic_papers[&topic.id].iter().collect();
                let keys = keys.into_iter().cloned().collect();
                listed.push((path, keys, Format::Bibtex));
            }
        }
        // In parallel: the files of all papers run to megabytes at 10 000 papers, and
        // the topics' files are many.
        let entries = &*entries;
        let files = (listed.into_par_iter())
            .map(|(path, keys, format)| File {
                output: output(path, entries.join(&keys, format)),
                keys,
                format,
            })
            .collect();
        Files { files }
    }

    /// After the fields of the papers `keys` changed, and nothing else (not their
    /// topics, no citation), and their entries were written again
    /// ([`Entries::rewrite`]): joins again the files that list them. Returns those
    /// files' indices ([`Files::output`]).
    pub fn rejoin(&mut self, entries: &Entries, keys: &BTreeSet<String>) -> Vec<usize> {
        self.join_where(entries, |_, file| file.lists_any(keys))
    }

    /// Joins again the files `which` picks (by index and file), in parallel; returns
    /// their indices, in order.
    fn join_where(
        &mut self,
        entries: &Entries,
        which: impl Fn(usize, &File) -> bool + Sync,
    ) -> Vec<usize> {
        (self.files.par_iter_mut().enumerate())
            .filter(|(index, file)| which(*index, file))
            .map(|(index, file)| {
                file.output.bytes = entries.join(&file.keys, file.format).into_bytes().into();
                index
            })
            .collect()
    }

    /// After papers moved between `topics` or were added (and the fields of `keys`
    /// changed, their entries written again): lists anew the files of those topics
    /// and of the pages above them, and the files of all papers, and joins again every
    /// file whose list changed or lists a paper of `keys`. Returns those files'
    /// indices, or `None` when a file would appear or go (a topic got its first paper
    /// or lost its last): then [`Files::new`] is needed.
    pub fn refile(
        &mut self,
        site: &Site,
        entries: &Entries,
        topics: &BTreeSet<String>,
        keys: &BTreeSet<String>,
    ) -> Option<Vec<usize>> {
        let under = |id: &str| {
            let below = format!("{id}/");
            topics
                .iter()
                .any(|topic| topic == id || topic.starts_with(&below))
        };
        let mut relisted: Vec<(String, Vec<String>)> = Vec::new();
        for page in site
            .pages
            .iter()
            .filter(|p| p.kind != PageKind::Home && under(&p.id))
        {
            let keys = page_papers(site, page);
            relisted.push((bib_in(&page.id), keys.into_iter().collect()));
        }
        // A topic without an anchor is its page's own: the page's file lists it.
        let finer = |topic: &&Topic| topic.anchor.is_some() && topics.contains(&topic.id);
        for topic in site.topics.iter().filter(finer) {
            let listed = site.topic_papers.get(&topic.id).into_iter().flatten();
            let keys: BTreeSet<&String> = listed.collect();
            relisted.push((bib_in(&topic.id), keys.into_iter().cloned().collect()));
        }
        if self
            .files
            .first()
            .is_some_and(|all| all.keys.len() != site.papers.len())
        {
            let all: Vec<String> = site.papers.keys().cloned().collect();
            relisted.push((ALL_BIB.to_string(), all.clone()));
            relisted.push((ALL_JSON.to_string(), all));
        }
        let mut changed: BTreeSet<usize> = BTreeSet::new();
        for (path, keys) in relisted {
            let index = self.files.iter().position(|file| file.output.path == path);
            match index {
                Some(index) if !keys.is_empty() => {
                    if self.files[index].keys != keys {
                        self.files[index].keys = keys;
                        changed.insert(index);
                    }
                }
                None if keys.is_empty() => {}
                _ => return None,
            }
        }
        let relisted = changed;
        Some(self.join_where(entries, |index, file| {
            relisted.contains(&index) || file.lists_any(keys)
        }))
    }

    pub fn output(&self, index: usize) -> &Output {
        &self.files[index].output
    }

    pub fn outputs(&self) -> impl Iterator<Item = &Output> {
        self.files.iter().map(|file| &file.output)
    }

    pub fn into_outputs(self) -> Vec<Output> {
        self.files.into_iter().map(|file| file.output).collect()
    }
}

fn output(path: String, text: String) -> Output {
    Output {
        path,
        bytes: text.into_bytes().into(),
    }
}
