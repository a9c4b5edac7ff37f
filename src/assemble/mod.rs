//! The assemble stage: source files -> a validated, cross-linked [`Site`].
//!
//! A pure function: it reads nothing from disk. Every problem becomes a diagnostic,
//! and the stage goes as far as it can so that all problems are reported at once.

pub mod duplicates;
pub mod link;
pub mod listings;
pub mod salvage;
pub mod site;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;

use crate::assemble::link::LinkTargets;
use crate::assemble::salvage::Salvage;
use crate::assemble::site::Site;
use crate::diagnostics::Diagnostics;
use crate::formats::cite;
use crate::formats::csl;
use crate::hash::FastSet;
use crate::load::{SourceFile, Sources};
use crate::model::{Paper, PaperFields};
use crate::parse::config::Config;

mod checks;
mod entities;
mod graph;
mod related;

use checks::{
    Checker, body_location, check_layout, check_paper_topics, link_targets, warn_orphans,
};
pub use checks::{
    bodies_linking_to, body_checks, body_source, orphan_warning, own_warning, refresh_link_target,
};
pub use entities::{Entity, Parsed, chapter_folders, parse_file};
use entities::{build_topics, collect_entities, order_pages};
use graph::{Graph, reference_keys};
pub use graph::{cited_keys, replace_analysis};
use related::related_of;

/// Site-wide results that `serve` keeps between rebuilds, so a rebuild repeats only
/// what its inputs changed. Formatting every reference in a CSL style is the one worth
/// keeping: it dominates a rebuild ([`csl::Cache`] redoes only the changed papers).
#[derive(Debug, Default)]
pub struct Memo {
    references: csl::Cache,
}

impl Memo {
    /// What to keep for the next process ([`csl::Cache::save`]).
    pub fn save(&self) -> Option<csl::SavedRef<'_>> {
        self.references.save()
    }

    /// A memo holding what [`Memo::save`] gave.
    pub fn restore(references: csl::Saved) -> Memo {
        Memo {
            references: csl::Cache::restore(references),
        }
    }
}

/// The assemble stage, from files already parsed by [`parse_file`]; `sources` supplies
/// the texts that diagnostics point into.
pub fn assemble_parsed(
    sources: &Sources,
    config: Config,
    parsed: Vec<Parsed>,
    memo: &mut Memo,
    diagnostics: &mut Diagnostics,
) -> Option<Site> {
    let (mut pages, papers, analyses) = collect_entities(parsed, diagnostics);
    // Files that failed have reported why; what they define is not reported again.
    let loaded: FastSet<&Path> = (pages.iter().map(|p| p.source.as_path()))
        .chain(papers.iter().map(|p| p.source.as_path()))
        .collect();
    let salvage = Salvage::of_failed(&sources.content, &loaded);
    check_layout(&pages, &salvage, diagnostics);
    order_pages(&mut pages);
    let texts: BTreeMap<&Path, &str> = sources
        .content
        .iter()
        .map(|f| (f.path.as_path(), f.text.as_str()))
        .collect();
    let topics = build_topics(&pages, &texts, diagnostics);
    let papers: BTreeMap<String, Paper> = papers.into_iter().map(|p| (p.key.clone(), p)).collect();
    let mut site = Site {
        config: config.into(),
        pages: pages.into(),
        papers: papers.into(),
        topics: topics.into(),
        analyses: analyses.into(),
        labels: Default::default(),
        formatted: Default::default(),
        bibliography: Default::default(),
        mentions: Default::default(),
        related: Default::default(),
        topic_papers: Default::default(),
        references: Default::default(),
        link_targets: Default::default(),
        identities: Default::default(),
    };
    // The references (most of a cold build's assembly, in parallel runs) beside the
    // checks and the links between papers, which do not read them: those fill the
    // gaps where a run ends and the other thread has none left to take.
    let shared = &site;
    let (bibliography, ((link_targets, identities), graph)) = rayon::join(
        || remembered_references(&shared.papers, &shared.config, memo),
        || {
            rayon::join(
                || check_site(shared, &texts, &salvage, sources, diagnostics),
                || Graph::without_references(shared),
            )
        },
    );
    if diagnostics.has_errors() {
        return None;
    }
    site.labels = cite::labels(site.papers.values(), bibliography.year_suffixes()).into();
    site.formatted = bibliography.all_formatted().collect();
    site.bibliography = bibliography.into();
    site.link_targets = link_targets.into();
    site.identities = identities.into();
    graph.apply(&mut site);
    warn_orphans(&site, &texts, diagnostics);
    Some(site)
}

/// The checks of every body (citations, links, maths) and of the papers' topics and
/// identities, in the order they report; returns where links may lead and who has
/// each identity.
fn check_site(
    site: &Site,
    texts: &BTreeMap<&Path, &str>,
    salvage: &Salvage,
    sources: &Sources,
    diagnostics: &mut Diagnostics,
) -> (LinkTargets, duplicates::Identities) {
    let link_targets = link_targets(&site.pages, &site.papers, &site.analyses);
    let checker = Checker {
        texts,
        papers: &site.papers,
        link_targets: &link_targets,
        salvage,
    };
    for (id, analysis) in site.analyses.iter() {
        let (source, offset) = body_location(id, &site.pages, &site.papers);
        checker.check_citations(source, offset, analysis, diagnostics);
        checker.check_links(source, offset, analysis, diagnostics);
        checker.check_math(source, offset, analysis, diagnostics);
    }
    check_paper_topics(
        &site.papers,
        &site.topics,
        salvage,
        &sources.content,
        diagnostics,
    );
    let identities = duplicates::check(&site.papers, &sources.content, diagnostics);
    (link_targets, identities)
}

/// What [`refresh_paper_fields`] found and changed beyond the edited papers.
#[derive(Debug, Default)]
pub struct Refreshed {
    /// What a fresh assembly would report about duplicates among all papers.
    pub diagnostics: Diagnostics,
    /// Topics that gained or lost a paper.
    pub topics: BTreeSet<String>,
}

/// Brings `site` up to date after the front-matter of some papers changed (`old`: key
/// -> fields before; every topic they name exists): topic lists and the related papers
/// that depend on them, references in the citation style (only the changed papers are
/// formatted again, see [`Memo`]), labels, the order of topic lists, the reference
/// lists of the bodies that cite them, and who has each identity. `serve` uses it to
/// patch such an edit.
pub fn refresh_paper_fields(
    site: &mut Site,
    memo: &mut Memo,
    files: &[SourceFile],
    old: &BTreeMap<String, PaperFields>,
) -> Refreshed {
    let keys: &BTreeSet<String> = &old.keys().cloned().collect();
    let (topics, members) = refile(site, old);
    // Both read the site only: the related papers of the topics' members (found in
    // parallel themselves) and the changed papers' references, formatted again on
    // one thread (a new paper's label group).
    let (related, bibliography) = rayon::join(
        || members.map(|members| related_of(site, Some(&members))),
        || remembered_references(&site.papers, &site.config, memo),
    );
    for (key, related) in related.into_iter().flatten() {
        site.related.insert(key, related);
    }
    site.bibliography = bibliography.into();
    site.formatted.sync(site.bibliography.all_formatted());
    relabel(site, keys);
    reorder_topic_lists(site, keys);
    let citing: BTreeSet<String> = (keys.iter())
        .filter_map(|key| site.mentions.get(key))
        .flatten()
        .map(|mention| mention.source.clone())
        .collect();
    for id in citing {
        if let Some(analysis) = site.analyses.get(&id) {
            let keys = reference_keys(site, analysis);
            site.references.insert(id, keys);
        }
    }
    let mut diagnostics = Diagnostics::default();
    let mut unique = true;
    for (key, before) in old {
        if let Some(paper) = site.papers.get(key) {
            unique &= site.identities.replace(key, before, &paper.fields);
        }
    }
    if !unique {
        duplicates::check(&site.papers, files, &mut diagnostics);
    }
    Refreshed {
        diagnostics,
        topics,
    }
}

/// Moves the papers whose topics changed (`old`: their fields before) between topic
/// lists. Returns the topics they left or joined, and the papers whose related papers
/// are to be found again (every paper under those topics), if any.
fn refile(
    site: &mut Site,
    old: &BTreeMap<String, PaperFields>,
) -> (BTreeSet<String>, Option<BTreeSet<String>>) {
    let mut topics = BTreeSet::new();
    let mut moved = BTreeSet::new();
    for (key, before) in old {
        let Some(paper) = site.papers.get(key) else {
            continue;
        };
        // A new paper has no related papers yet, even without topics.
        if before.topics == paper.fields.topics && site.related.contains_key(key) {
            continue;
        }
        for topic in &before.topics {
            if let Some(list) = site.topic_papers.get_mut(topic) {
                list.retain(|listed| listed != key);
            }
        }
        for topic in &paper.fields.topics {
            let list = site.topic_papers.entry(topic.clone()).or_default();
            if !list.contains(key) {
                list.push(key.clone());
            }
        }
        topics.extend(before.topics.iter().chain(&paper.fields.topics).cloned());
        moved.insert(key.clone());
    }
    if moved.is_empty() {
        return (topics, None);
    }
    let mut members = moved;
    for topic in &topics {
        members.extend(site.topic_papers.get(topic).into_iter().flatten().cloned());
    }
    (topics, Some(members))
}

/// Labels again the papers that read like a changed paper did or does now ("Wang et
/// al., 2023"): year letters are given within such a group only, and the style's
/// letters changed only there, so the other labels stand.
fn relabel(site: &mut Site, keys: &BTreeSet<String>) {
    let mut groups: Vec<(String, i32)> = Vec::new();
    for key in keys {
        if let Some(old) = site.labels.get(key) {
            let digits = old.year.trim_end_matches(|c: char| c.is_ascii_lowercase());
            groups.push((old.names.clone(), digits.parse().unwrap_or_default()));
        }
        if let Some(paper) = site.papers.get(key) {
            groups.push((cite::label_names(&paper.fields), paper.fields.year));
        }
    }
    let in_group = |paper: &Paper| {
        let label = site.labels.get(&paper.key);
        let reads = |(names, year): &(String, i32)| {
            label.is_some_and(|l| &l.names == names) && paper.fields.year == *year
        };
        keys.contains(&paper.key) || groups.iter().any(reads)
    };
    let members: Vec<&Paper> = site.papers.values().filter(|p| in_group(p)).collect();
    let fresh = cite::labels(members, site.bibliography.year_suffixes());
    site.labels.extend(fresh);
}

/// Sorts again the lists of the changed papers' topics (their place depends on date
/// and title; the topics themselves did not change).
fn reorder_topic_lists(site: &mut Site, keys: &BTreeSet<String>) {
    let topics: BTreeSet<String> = (keys.iter())
        .filter_map(|key| site.papers.get(key))
        .flat_map(|paper| paper.fields.topics.iter().cloned())
        .collect();
    for topic in topics {
        if let Some(mut list) = site.topic_papers.remove(&topic) {
            site.sort_newest_first(&mut list);
            site.topic_papers.insert(topic, list);
        }
    }
}

/// Every paper in the configured style (checked by `config::parse`; APA if it vanished),
/// reusing the references of papers unchanged since the last rebuild.
fn remembered_references(
    papers: &BTreeMap<String, Paper>,
    config: &Config,
    memo: &mut Memo,
) -> Arc<csl::Bibliography> {
    memo.references
        .format(papers, &config.citation_style, &config.language)
}
