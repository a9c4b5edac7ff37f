//! Related papers: for each paper, the few cited beside it most often, then those
//! sharing its topics. Near-linear: candidates come from co-citations and a topic
//! index, never from all pairs.

use std::collections::{BTreeMap, BTreeSet};

use rayon::prelude::*;

use crate::assemble::site::Site;

/// How many related papers a paper page shows.
const RELATED_COUNT: usize = 5;

/// Papers cited in the same paragraph most often; ties (and a short list) are settled
/// by shared topics. Candidates come from co-citations and from a topic -> papers index,
/// never from all pairs of papers, so the pass stays near-linear (10 000 papers took
/// seconds when every pair was scored).
pub(super) fn related(site: &Site) -> BTreeMap<String, Vec<String>> {
    related_of(site, None)
}

/// [`related`] for the papers in `only` (all papers for `None`).
pub(super) fn related_of(
    site: &Site,
    only: Option<&BTreeSet<String>>,
) -> BTreeMap<String, Vec<String>> {
    let together = co_citations(site, only);
    let by_topic = papers_by_topic(site);
    let keys: Vec<&String> = (site.papers.keys())
        .filter(|key| only.is_none_or(|keys| keys.contains(*key)))
        .collect();
    // Each paper's list is found on its own: in parallel, then put in key order.
    let related: Vec<(String, Vec<String>)> = (keys.par_iter())
        .map(|key| {
            let cited_with = together.get(key.as_str());
            ((*key).clone(), related_to(site, key, cited_with, &by_topic))
        })
        .collect();
    related.into_iter().collect()
}

/// Paper key -> key cited in the same paragraph -> in how many paragraphs; for the
/// papers in `only` (all for `None`), skipping bodies that cite none of them.
fn co_citations<'a>(
    site: &'a Site,
    only: Option<&BTreeSet<String>>,
) -> BTreeMap<&'a str, BTreeMap<&'a str, usize>> {
    let wanted = |key: &str| only.is_none_or(|keys| keys.contains(key));
    let mut together: BTreeMap<&str, BTreeMap<&str, usize>> = BTreeMap::new();
    for analysis in site.analyses.values() {
        let mut cited = analysis.citations.iter().flat_map(|c| &c.keys);
        if only.is_some() && !cited.any(|k| wanted(&k.key)) {
            continue;
        }
        let mut blocks: BTreeMap<usize, BTreeSet<&str>> = BTreeMap::new();
        for citation in &analysis.citations {
            blocks
                .entry(citation.block)
                .or_default()
                .extend(citation.keys.iter().map(|k| k.key.as_str()));
        }
        for keys in blocks.values() {
            for a in keys.iter().filter(|a| wanted(a)) {
                for b in keys.iter().filter(|b| *b != a) {
                    *together.entry(a).or_default().entry(b).or_default() += 1;
                }
            }
        }
    }
    together
}

/// Topic id -> keys of the papers listing it, sorted; a paper listing a topic twice
/// appears twice, so counting occurrences counts shared topics the way a paper lists them.
fn papers_by_topic(site: &Site) -> BTreeMap<&str, Vec<&str>> {
    let mut by_topic: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for paper in site.papers.values() {
        for topic in &paper.fields.topics {
            by_topic.entry(topic).or_default().push(&paper.key);
        }
    }
    by_topic
}

/// Ranks by co-citations, then shared topics, then key. Papers that only share topics
/// compete for the places the co-cited ones leave, so only the best few are kept.
fn related_to(
    site: &Site,
    key: &str,
    cited_with: Option<&BTreeMap<&str, usize>>,
    by_topic: &BTreeMap<&str, Vec<&str>>,
) -> Vec<String> {
    let topics: BTreeSet<&str> = site.papers[key]
        .fields
        .topics
        .iter()
        .map(String::as_str)
        .collect();
    let shared = |other: &str| {
        (site.papers.get(other).into_iter())
            .flat_map(|paper| &paper.fields.topics)
            .filter(|t| topics.contains(t.as_str()))
            .count()
    };
    let mut scored: Vec<(usize, usize, &str)> = cited_with
        .into_iter()
        .flatten()
        .map(|(other, count)| (*count, shared(other), *other))
        .collect();
    let lists: Vec<&[&str]> = topics
        .iter()
        .filter_map(|topic| by_topic.get(topic).map(Vec::as_slice))
        .collect();
    let mut best: Vec<(usize, usize, &str)> = Vec::with_capacity(RELATED_COUNT + 1);
    for (other, shared) in occurrence_counts(&lists) {
        let co_cited = cited_with.is_some_and(|c| c.contains_key(other));
        if other != key && !co_cited {
            keep_best(&mut best, (0, shared, other));
        }
    }
    scored.extend(best);
    scored.sort_by(related_order);
    scored
        .into_iter()
        .take(RELATED_COUNT)
        .map(|(_, _, other)| other.to_string())
        .collect()
}

/// More co-citations first, then more shared topics, then by key.
fn related_order(a: &(usize, usize, &str), b: &(usize, usize, &str)) -> std::cmp::Ordering {
    b.0.cmp(&a.0).then(b.1.cmp(&a.1)).then(a.2.cmp(b.2))
}

/// Inserts `candidate` into `best` (sorted by [`related_order`]) if it ranks among
/// the first [`RELATED_COUNT`].
fn keep_best<'a>(best: &mut Vec<(usize, usize, &'a str)>, candidate: (usize, usize, &'a str)) {
    let at = best.partition_point(|kept| related_order(kept, &candidate).is_lt());
    if at < RELATED_COUNT {
        best.insert(at, candidate);
        best.truncate(RELATED_COUNT);
    }
}

/// Each key of the sorted `lists` with how many times it occurs across them, by key.
fn occurrence_counts<'a>(lists: &[&[&'a str]]) -> Vec<(&'a str, usize)> {
    let mut all: Vec<&str> = lists.iter().flat_map(|list| list.iter().copied()).collect();
    if lists.len() > 1 {
        all.sort_unstable();
    }
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for key in all {
        match counts.last_mut() {
            Some((last, count)) if *last == key => *count += 1,
            _ => counts.push((key, 1)),
        }
    }
    counts
}
