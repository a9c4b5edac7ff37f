//! The reference graph: which bodies cite which papers, where (mentions, in reading
//! order), each body's reference list in the style's order, and each topic's papers.

use std::collections::{BTreeMap, BTreeSet};

use rayon::prelude::*;

use crate::assemble::site::{Mention, MentionPart, Site};
use crate::parse::markdown::{Analysis, Segment};

use super::related::{related, related_of};

/// The links between papers and pages that do not depend on the citation style:
/// who cites each paper, each topic's papers and each paper's related ones.
pub(super) struct Graph {
    mentions: BTreeMap<String, Vec<Mention>>,
    topic_papers: BTreeMap<String, Vec<String>>,
    related: BTreeMap<String, Vec<String>>,
}

impl Graph {
    /// Three independent passes over the same site, side by side; the site's
    /// references need not be formatted yet.
    pub(super) fn without_references(site: &Site) -> Graph {
        let (mentions, (topic_papers, related)) = rayon::join(
            || mentions(site),
            || rayon::join(|| topic_papers(site), || related(site)),
        );
        Graph {
            mentions,
            topic_papers,
            related,
        }
    }

    /// Puts the graph in `site`, with each body's references, which follow the order
    /// of the site's reference list (formatted by now).
    pub(super) fn apply(self, site: &mut Site) {
        site.mentions = self.mentions.into();
        site.topic_papers = self.topic_papers.into();
        site.related = self.related.into();
        site.references = references(site).into();
    }
}

pub(super) fn mentions(site: &Site) -> BTreeMap<String, Vec<Mention>> {
    let mut mentions: BTreeMap<String, Vec<Mention>> = BTreeMap::new();
    let sources = (site.pages.iter().map(|p| p.id.clone()))
        .chain(site.papers.keys().map(|key| format!("papers/{key}")));
    for id in sources {
        for (key, list) in mentions_in(site, &id) {
            mentions.entry(key).or_default().extend(list);
        }
    }
    mentions
}

/// The places in one body (analysis id `id`) that cite each paper, in reading order.
fn mentions_in(site: &Site, id: &str) -> BTreeMap<String, Vec<Mention>> {
    let mut mentions: BTreeMap<String, Vec<Mention>> = BTreeMap::new();
    let (Some(analysis), Some((title, path))) = (site.analyses.get(id), title_and_path(site, id))
    else {
        return mentions;
    };
    for citation in &analysis.citations {
        let heading = citation
            .anchor
            .as_ref()
            .and_then(|a| analysis.headings.iter().find(|h| &h.id == a))
            .map(|h| h.text.clone());
        let mention = Mention {
            source: id.to_string(),
            title: title.clone(),
            path: path.clone(),
            anchor: citation.anchor.clone(),
            heading,
            sentence: mention_parts(analysis, &citation.sentence),
        };
        let keys: BTreeSet<&String> = citation.keys.iter().map(|k| &k.key).collect();
        for key in keys {
            let list = mentions.entry(key.clone()).or_default();
            if list.last() != Some(&mention) {
                list.push(mention.clone());
            }
        }
    }
    mentions
}

/// Title and site-relative path of the page or paper with analysis id `id`.
fn title_and_path(site: &Site, id: &str) -> Option<(String, String)> {
    match id.strip_prefix("papers/") {
        Some(key) => (site.papers.get(key)).map(|p| (p.fields.title.clone(), p.path())),
        None => site.page(id).map(|p| (p.fields.title.clone(), p.path())),
    }
}

/// Where a body's mentions go in a paper's list: pages in reading order, then the
/// notes of papers by key (the order [`mentions`] visits them).
fn reading_order<'a>(site: &Site, id: &'a str) -> (usize, &'a str) {
    match id.strip_prefix("papers/") {
        Some(key) => (usize::MAX, key),
        None => (site.pages.iter().position(|p| p.id == id).unwrap_or(0), ""),
    }
}

/// Keys a body cites.
pub fn cited_keys(analysis: &Analysis) -> BTreeSet<String> {
    (analysis.citations.iter())
        .flat_map(|c| c.keys.iter().map(|k| k.key.clone()))
        .collect()
}

/// Replaces the analysis of one body (`id`) by `analysis`, whose headings must be the
/// old ones, and brings the reference graph up to date: the body's reference list, and
/// the mentions and related papers of every paper it cited before or cites now. Then
/// the site equals a fresh assembly of the same files (`serve` patches edits with it).
pub fn replace_analysis(site: &mut Site, id: &str, analysis: Analysis) {
    let old = site.analyses.insert(id.to_string(), analysis);
    let mut touched = cited_keys(&site.analyses[id]);
    touched.extend(old.as_ref().map(cited_keys).unwrap_or_default());
    for key in &touched {
        if let Some(list) = site.mentions.get_mut(key) {
            list.retain(|mention| mention.source != id);
            if list.is_empty() {
                site.mentions.remove(key);
            }
        }
    }
    let order = reading_order(site, id);
    for (key, fresh) in mentions_in(site, id) {
        let list = site.mentions.get(&key).map_or(&[][..], Vec::as_slice);
        let at = list.partition_point(|m| reading_order(site, &m.source) < order);
        site.mentions.entry(key).or_default().splice(at..at, fresh);
    }
    let keys = reference_keys(site, &site.analyses[id]);
    site.references.insert(id.to_string(), keys);
    let related = related_of(site, Some(&touched));
    site.related.extend(related);
}

fn mention_parts(analysis: &Analysis, sentence: &[Segment]) -> Vec<MentionPart> {
    sentence
        .iter()
        .map(|segment| match segment {
            Segment::Text(text) => MentionPart::Text(text.clone()),
            Segment::Cite(index) => {
                let citation = &analysis.citations[*index];
                MentionPart::Cite {
                    keys: citation.keys.iter().map(|k| k.key.clone()).collect(),
                    in_text: citation.in_text,
                }
            }
        })
        .collect()
}

/// Papers cited per page, in the order of the style's reference list.
pub(super) fn references(site: &Site) -> BTreeMap<String, Vec<String>> {
    // Each body's list on its own, in parallel: the one step of assembly left after
    // the references are formatted (50 ms at 10 000 papers on one thread).
    let lists: Vec<(String, Vec<String>)> = (site.analyses.par_iter())
        .map(|(id, analysis)| (id.clone(), reference_keys(site, analysis)))
        .collect();
    lists.into_iter().collect()
}

/// The papers one body cites, in the order of the style's reference list.
pub(super) fn reference_keys(site: &Site, analysis: &Analysis) -> Vec<String> {
    let mut keys: Vec<String> = analysis
        .citations
        .iter()
        .flat_map(|c| c.keys.iter().map(|k| k.key.clone()))
        .collect();
    keys.sort_by_key(|key| (site.bibliography.rank(key), key.clone()));
    keys.dedup();
    keys
}

pub(super) fn topic_papers(site: &Site) -> BTreeMap<String, Vec<String>> {
    let mut by_topic: BTreeMap<String, Vec<String>> = site
        .topics
        .iter()
        .map(|t| (t.id.clone(), Vec::new()))
        .collect();
    for paper in site.papers.values() {
        for topic in &paper.fields.topics {
            by_topic
                .entry(topic.clone())
                .or_default()
                .push(paper.key.clone());
        }
    }
    let order = site.newest_first_order();
    for keys in by_topic.values_mut() {
        order.sort(keys);
        keys.dedup();
    }
    by_topic
}
