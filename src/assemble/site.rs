//! The assembled site: entities in maps keyed by id, relations as key lists.
//! Built by [`crate::assemble`], read by [`crate::render`]; never mutated after.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use crate::assemble::duplicates::Identities;
use crate::assemble::link::LinkTargets;
use crate::formats::cite::Label;
use crate::formats::csl::Bibliography;
use crate::model::{Page, Paper, PaperFields, Topic};
use crate::parse::config::Config;
use crate::parse::markdown::Analysis;

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
    pub config: Config,
    /// Home, then each chapter followed by its sections, in reading order.
    pub pages: Vec<Page>,
    pub papers: BTreeMap<String, Paper>,
    /// Every topic in tree order.
    pub topics: Vec<Topic>,
    /// Analyses of page bodies by page id, and of paper notes by `papers/<key>`.
    pub analyses: BTreeMap<String, Analysis>,
    pub labels: BTreeMap<String, Label>,
    /// Every paper's reference in the site's citation style.
    pub bibliography: Arc<Bibliography>,
    /// Paper key -> places that cite it, in reading order.
    pub mentions: BTreeMap<String, Vec<Mention>>,
    /// Paper key -> papers most often cited alongside it.
    pub related: BTreeMap<String, Vec<String>>,
    /// Topic id -> paper keys filed directly under it, newest first.
    pub topic_papers: BTreeMap<String, Vec<String>>,
    /// Page id -> papers cited on the page, in reference-list order.
    pub references: BTreeMap<String, Vec<String>>,
    /// Where internal Markdown links lead.
    pub link_targets: LinkTargets,
    /// Which paper has each arXiv id, DOI, URL and title (no two papers share one).
    pub identities: Identities,
}

impl Site {
    pub fn page(&self, id: &str) -> Option<&Page> {
        self.pages.iter().find(|page| page.id == id)
    }

    pub fn topic(&self, id: &str) -> Option<&Topic> {
        self.topics.iter().find(|topic| topic.id == id)
    }

    /// How many papers are filed under `topic_id` or a topic below it.
    pub fn count_under(&self, topic_id: &str) -> usize {
        self.keys_under(topic_id).len()
    }

    /// Keys filed under `topic_id` or any topic below it (all papers for `""`), without
    /// repeats, in key order.
    pub fn keys_under(&self, topic_id: &str) -> std::collections::BTreeSet<&String> {
        let prefix = format!("{topic_id}/");
        self.topic_papers
            .iter()
            .filter(|(id, _)| {
                topic_id.is_empty() || id.as_str() == topic_id || id.starts_with(&prefix)
            })
            .flat_map(|(_, keys)| keys)
            .collect()
    }

    /// Newest first, then by title, then key: a stable order for paper lists.
    pub fn newest_first(&self, a: &str, b: &str) -> std::cmp::Ordering {
        let (pa, pb) = (&self.papers[a].fields, &self.papers[b].fields);
        (pb.year, pb.month.unwrap_or(0))
            .cmp(&(pa.year, pa.month.unwrap_or(0)))
            .then_with(|| pa.title.to_lowercase().cmp(&pb.title.to_lowercase()))
            .then_with(|| a.cmp(b))
    }

    /// The order of [`Site::newest_first`] with every paper's sort key computed once:
    /// the comparator lowercases two titles per comparison, which dominated sorting
    /// thousands of papers.
    pub fn newest_first_order(&self) -> NewestFirst<'_> {
        let keys = (self.papers.iter())
            .map(|(key, paper)| (key.as_str(), newest_key(&paper.fields)))
            .collect();
        NewestFirst { keys }
    }
}

/// Sort keys of [`Site::newest_first`], by paper key (see [`Site::newest_first_order`]).
pub struct NewestFirst<'a> {
    keys: HashMap<&'a str, NewestKey>,
}

/// Year and month, latest first, then the lowercased title.
pub type NewestKey = (std::cmp::Reverse<(i32, u32)>, String);

/// A paper's place in [`Site::newest_first`] order, before its key breaks ties.
pub fn newest_key(fields: &PaperFields) -> NewestKey {
    let date = (fields.year, fields.month.unwrap_or(0));
    (std::cmp::Reverse(date), fields.title.to_lowercase())
}

impl NewestFirst<'_> {
    /// Compares two paper keys as [`Site::newest_first`] does (unknown keys last).
    pub fn cmp(&self, a: &str, b: &str) -> std::cmp::Ordering {
        let (ka, kb) = (self.keys.get(a), self.keys.get(b));
        (ka.is_none(), ka, a).cmp(&(kb.is_none(), kb, b))
    }

    /// Sorts paper keys newest first.
    pub fn sort<K: AsRef<str>>(&self, keys: &mut [K]) {
        keys.sort_by(|a, b| self.cmp(a.as_ref(), b.as_ref()));
    }
}
