//! The assembled site: entities in maps keyed by id, relations as key lists.
//! Built by [`crate::assemble`], read by [`crate::render`], patched in place by
//! [`crate::engine`]. Every field is a [`crate::tracked`] container, so that what a
//! read saw and what a patch changed are known without listing either by hand.

use std::collections::HashMap;
use std::sync::Arc;

use rayon::slice::ParallelSliceMut;

use crate::assemble::duplicates::Identities;
use crate::assemble::link::LinkTargets;
use crate::formats::cite::Label;
use crate::formats::csl::{Bibliography, Formatted};
use crate::model::{Page, Paper, PaperFields, Topic};
use crate::parse::config::Config;
use crate::parse::markdown::Analysis;
use crate::tracked::{Keyed, Logs, Tracked};

/// A piece of the sentence around a citation, ready to show on the cited paper's page.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum MentionPart {
    Text(String),
    Cite { keys: Vec<String>, in_text: bool },
}

/// One place that cites a paper.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Mention {
    /// Page id (or `papers/<key>` for another paper's notes).
    pub source: String,
    pub title: String,
    /// Site-relative path of the citing page (`data/human/`).
    pub path: String,
    pub anchor: Option<String>,
    /// Text of the heading the anchor belongs to.
    pub heading: Option<String>,
    pub sentence: Vec<MentionPart>,
}

#[derive(Debug, Clone)]
pub struct Site {
    pub config: Tracked<Config>,
    /// Home, then each chapter followed by its sections, in reading order.
    pub pages: Tracked<Vec<Page>>,
    pub papers: Keyed<Paper>,
    /// Every topic in tree order.
    pub topics: Tracked<Vec<Topic>>,
    /// Analyses of page bodies by page id, and of paper notes by `papers/<key>`.
    pub analyses: Keyed<Analysis>,
    pub labels: Keyed<Label>,
    /// Every paper's reference in the site's citation style.
    pub bibliography: Tracked<Arc<Bibliography>>,
    /// Each paper's reference from `bibliography`, as jobs read it: brought up to date
    /// entry by entry ([`Keyed::sync`]), so that a field edit changes only the
    /// references it formatted again.
    pub formatted: Keyed<Formatted>,
    /// Paper key -> places that cite it, in reading order.
    pub mentions: Keyed<Vec<Mention>>,
    /// Paper key -> papers most often cited alongside it.
    pub related: Keyed<Vec<String>>,
    /// Topic id -> paper keys filed directly under it, newest first.
    pub topic_papers: Keyed<Vec<String>>,
    /// Page id -> papers cited on the page, in reference-list order.
    pub references: Keyed<Vec<String>>,
    /// Where internal Markdown links lead.
    pub link_targets: Tracked<LinkTargets>,
    /// Which paper has each arXiv id, DOI, URL and title (no two papers share one).
    pub identities: Tracked<Identities>,
}

impl Site {
    /// The change logs of every part of the site (see [`crate::tracked`]): listing a
    /// field here is what lets a witness of it hold, and the pattern names every field.
    pub fn logs<'a>(&'a self, logs: &mut Logs<'a>) {
        let Site {
            config,
            pages,
            papers,
            topics,
            analyses,
            labels,
            bibliography,
            formatted,
            mentions,
            related,
            topic_papers,
            references,
            link_targets,
            identities,
        } = self;
        logs.add(config)
            .add(pages)
            .add(papers)
            .add(topics)
            .add(analyses);
        logs.add(labels)
            .add(bibliography)
            .add(formatted)
            .add(mentions)
            .add(related);
        logs.add(topic_papers)
            .add(references)
            .add(link_targets)
            .add(identities);
    }

    pub fn page(&self, id: &str) -> Option<&Page> {
        self.pages.iter().find(|page| page.id == id)
    }

    pub fn topic(&self, id: &str) -> Option<&Topic> {
        self.topics.iter().find(|topic| topic.id == id)
    }

    /// How many papers are filed under `topic_id` or a topic below it.
    pub fn count_under(&self, topic_id: &str) -> usize {
        let mut keys = crate::hash::FastSet::default();
        keys.extend(self.filed_under(topic_id).flatten());
        keys.len()
    }

    /// Whether any paper is filed under `topic_id` or a topic below it.
    pub fn has_papers_under(&self, topic_id: &str) -> bool {
        self.filed_under(topic_id).any(|keys| !keys.is_empty())
    }

    /// Keys filed under `topic_id` or any topic below it (all papers for `""`), without
    /// repeats, in key order.
    pub fn keys_under(&self, topic_id: &str) -> std::collections::BTreeSet<&String> {
        self.filed_under(topic_id).flatten().collect()
    }

    /// The lists of papers filed directly under `topic_id` and each topic below it.
    fn filed_under(&self, topic_id: &str) -> impl Iterator<Item = &Vec<String>> + use<'_> {
        let topic_id = topic_id.to_owned();
        let below = move |id: &str| {
            let rest = id.strip_prefix(topic_id.as_str());
            topic_id.is_empty() || rest.is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        };
        (self.topic_papers.iter())
            .filter(move |(id, _)| below(id))
            .map(|(_, keys)| keys)
    }

    /// Newest first, then by title, then key: a stable order for paper lists.
    pub fn newest_first(&self, a: &str, b: &str) -> std::cmp::Ordering {
        let (pa, pb) = (&self.papers[a].fields, &self.papers[b].fields);
        (pb.year, pb.month.unwrap_or(0))
            .cmp(&(pa.year, pa.month.unwrap_or(0)))
            .then_with(|| pa.title.to_lowercase().cmp(&pb.title.to_lowercase()))
            .then_with(|| a.cmp(b))
    }

    /// Sorts `keys` (all known papers) as [`Site::newest_first`] orders them, with each
    /// one's sort key computed once.
    pub fn sort_newest_first(&self, keys: &mut [String]) {
        keys.sort_by_cached_key(|key| (newest_key(&self.papers[key.as_str()].fields), key.clone()));
    }

    /// The order of [`Site::newest_first`] as every paper's rank: the comparator
    /// lowercases two titles per comparison, and the site sorts thousands of short
    /// lists (each author's, year's, venue's and topic's papers), so the titles are
    /// compared once, in one sort of all papers, and the lists compare numbers.
    pub fn newest_first_order(&self) -> NewestFirst<'_> {
        let mut keyed: Vec<(NewestKey, &str)> = (self.papers.iter())
            .map(|(key, paper)| (newest_key(&paper.fields), key.as_str()))
            .collect();
        keyed.par_sort_unstable();
        let ranks = (keyed.into_iter().enumerate())
            .map(|(rank, (_, key))| (key, rank))
            .collect();
        NewestFirst { ranks }
    }
}

/// Each paper's place in [`Site::newest_first`] order, by paper key (see
/// [`Site::newest_first_order`]).
pub struct NewestFirst<'a> {
    ranks: HashMap<&'a str, usize, foldhash::fast::RandomState>,
}

/// Year and month, latest first, then the lowercased title.
pub type NewestKey = (std::cmp::Reverse<(i32, u32)>, String);

/// A paper's place in [`Site::newest_first`] order, before its key breaks ties.
pub fn newest_key(fields: &PaperFields) -> NewestKey {
    let date = (fields.year, fields.month.unwrap_or(0));
    (std::cmp::Reverse(date), fields.title.to_lowercase())
}

impl NewestFirst<'_> {
    /// A key's place: its rank; unknown keys after every paper, by key.
    fn place<'k>(&self, key: &'k str) -> (usize, &'k str) {
        match self.ranks.get(key) {
            Some(rank) => (*rank, ""),
            None => (usize::MAX, key),
        }
    }

    /// Compares two paper keys as [`Site::newest_first`] does (unknown keys last).
    pub fn cmp(&self, a: &str, b: &str) -> std::cmp::Ordering {
        self.place(a).cmp(&self.place(b))
    }

    /// Sorts paper keys newest first.
    pub fn sort<K: AsRef<str>>(&self, keys: &mut [K]) {
        keys.sort_by(|a, b| self.cmp(a.as_ref(), b.as_ref()));
    }
}
