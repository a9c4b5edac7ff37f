//! The bibliography files the site publishes beside its pages:
//!
//! - `papers.bib` and `papers.json` (CSL-JSON): every paper;
//! - `<chapter>/papers.bib`, `<chapter>/<section>/papers.bib`: every paper a page lists
//!   (its topic lists and its reference list);
//! - `<finer topic id>/papers.bib`: the papers of one finer topic.
//!
//! Invariants: a page links a file only if this module writes it (both use
//! [`page_bib`] and [`topic_bib`]); entries come from [`crate::bibtex_export`], so every file
//! parses back with the `biblatex` crate; files are deterministic (key order).

use std::collections::{BTreeSet, HashMap};

use rayon::prelude::*;

use crate::bibtex_export;
use crate::csljson;
use crate::model::{Page, PageKind, PaperFields, Topic};
use crate::render::Output;
use crate::site::Site;

/// Every paper, as BibTeX.
pub const ALL_BIB: &str = "papers.bib";
/// Every paper, as CSL-JSON.
pub const ALL_JSON: &str = "papers.json";

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

/// Site-relative path of the `.bib` of a chapter or section; `None` when the page
/// lists no papers, and for the home page, which links the file of all papers.
pub fn page_bib(site: &Site, page: &Page) -> Option<String> {
    match page.kind {
        PageKind::Home => None,
        _ if page_papers(site, page).is_empty() => None,
        _ => Some(format!("{}/{ALL_BIB}", page.id)),
    }
}

/// Site-relative path of a finer topic's `.bib`; `None` for a page's own topic (the
/// page's file covers it) and for topics without papers.
pub fn topic_bib(site: &Site, topic: &Topic) -> Option<String> {
    let has_papers = site
        .topic_papers
        .get(&topic.id)
        .is_some_and(|k| !k.is_empty());
    (topic.anchor.is_some() && has_papers).then(|| format!("{}/{ALL_BIB}", topic.id))
}

/// All bibliography files of the site.
pub fn outputs(site: &Site) -> Vec<Output> {
    outputs_with(site, &mut Entries::default())
}

/// Each paper's BibTeX entry and CSL-JSON item, written once per paper and joined into
/// every file that lists it; `serve` keeps them between rebuilds, so only papers whose
/// fields changed are written again.
#[derive(Debug, Default)]
pub struct Entries {
    by_key: HashMap<String, Entry>,
}

#[derive(Debug)]
struct Entry {
    fields: PaperFields,
    bibtex: String,
    json: String,
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
            .map(|(key, fields)| {
                let entry = Entry {
                    fields: (*fields).clone(),
                    bibtex: bibtex_export::bibtex(key, fields),
                    json: csljson::item_json(key, fields),
                };
                ((*key).clone(), entry)
            })
            .collect();
        self.by_key.extend(fresh);
    }

    fn bibtex<'a>(&'a self, keys: impl IntoIterator<Item = &'a String>) -> String {
        let listed = keys.into_iter().filter_map(|key| self.by_key.get(key));
        bibtex_export::join(listed.map(|entry| entry.bibtex.as_str()))
    }
}

/// [`outputs`], with the entries of unchanged papers taken from `entries`.
pub fn outputs_with(site: &Site, entries: &mut Entries) -> Vec<Output> {
    entries.update(site);
    let items = site.papers.keys().filter_map(|key| entries.by_key.get(key));
    let mut outputs = vec![
        output(ALL_BIB.to_string(), entries.bibtex(site.papers.keys())),
        output(
            ALL_JSON.to_string(),
            csljson::join(items.map(|entry| entry.json.as_str())),
        ),
    ];
    for page in &site.pages {
        if let Some(path) = page_bib(site, page) {
            outputs.push(output(path, entries.bibtex(&page_papers(site, page))));
        }
    }
    for topic in &site.topics {
        if let Some(path) = topic_bib(site, topic) {
            let keys: BTreeSet<&String> = site.topic_papers[&topic.id].iter().collect();
            outputs.push(output(path, entries.bibtex(keys)));
        }
    }
    outputs
}

fn output(path: String, text: String) -> Output {
    Output {
        path,
        bytes: text.into_bytes(),
    }
}
