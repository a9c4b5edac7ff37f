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

use std::collections::{BTreeMap, BTreeSet};

use rayon::prelude::*;

use crate::bibtex_export;
use crate::csljson;
use crate::model::{Page, PageKind, Topic};
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
        PageKind::Chapter | PageKind::Section => site.papers_under(&page.id).into_iter().collect(),
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
    // Each paper is in several files (all papers, its pages, its topics): write its
    // entry once, in parallel, and join the entries each file lists.
    let entries: BTreeMap<&str, String> = (site.papers.par_iter())
        .map(|(key, paper)| (key.as_str(), bibtex_export::bibtex(key, &paper.fields)))
        .collect();
    let bib_of = |keys: &BTreeSet<String>| {
        let listed = keys.iter().filter_map(|key| entries.get(key.as_str()));
        bibtex_export::join(listed.map(String::as_str))
    };
    let all = site.papers.iter().map(|(key, p)| (key.as_str(), &p.fields));
    let mut outputs = vec![
        output(
            ALL_BIB.to_string(),
            bibtex_export::join(entries.values().map(String::as_str)),
        ),
        output(ALL_JSON.to_string(), csljson::file(all)),
    ];
    for page in &site.pages {
        if let Some(path) = page_bib(site, page) {
            outputs.push(output(path, bib_of(&page_papers(site, page))));
        }
    }
    for topic in &site.topics {
        if let Some(path) = topic_bib(site, topic) {
            let keys: BTreeSet<String> = site.topic_papers[&topic.id].iter().cloned().collect();
            outputs.push(output(path, bib_of(&keys)));
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
