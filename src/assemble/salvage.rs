//! What a content file that failed to load still tells the rest of the site.
//!
//! A paper or page whose front-matter does not parse (or whose file name is not a
//! valid key) reports that error and is left out of the site. Other files still name
//! it: citations of its key, links to its file, topics it declares, the home page it
//! is. Reporting each of those as unknown would repeat one mistake many times
//! ("unknown citation key" at every citation of a paper whose `year` is mistyped), so
//! the checks that resolve names ask the [`Salvage`] before reporting.
//!
//! Invariants: a salvage is built only from files that did not load, and it only
//! silences diagnostics about names such a file defines or might define; it adds
//! nothing to the site, so a failed file is never rendered (its own error fails the
//! build). What the failed file says is used as far as it parses: headings from its
//! body, finer topics from its `topics` field; where that is unknown (the YAML or the
//! fences themselves are broken), any name the file could define is accepted.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use super::entities::{Kind, classify};
use crate::hash::FastSet;
use crate::load::SourceFile;
use crate::model::TopicFields;
use crate::parse::frontmatter;
use crate::parse::markdown;

/// Names defined by content files that failed to load.
#[derive(Debug, Default)]
pub struct Salvage {
    /// Citation keys (file stems) of paper files that did not load.
    papers: BTreeSet<String>,
    /// Source path -> the anchors links into it may name (`None`: any).
    files: BTreeMap<PathBuf, Option<BTreeSet<String>>>,
    /// Page id -> the finer topic ids it declares (`None`: unknown, any).
    topics: BTreeMap<String, Option<BTreeSet<String>>>,
    /// The home page's file exists but did not load.
    home: bool,
}

impl Salvage {
    /// What the `files` that are not among `loaded` (the sources of the pages and
    /// papers that did load) still define.
    pub fn of_failed<'a>(
        files: impl IntoIterator<Item = &'a SourceFile>,
        loaded: &FastSet<&Path>,
    ) -> Salvage {
        let mut salvage = Salvage::default();
        for file in files {
            if !loaded.contains(file.path.as_path()) {
                salvage.add(file);
            }
        }
        salvage
    }

    fn add(&mut self, file: &SourceFile) {
        let Ok(kind) = classify(&file.path) else {
            return; // Outside the layout: it never defined anything.
        };
        let split = frontmatter::split(file).ok();
        let id = match kind {
            Kind::Paper(key) => {
                self.papers.insert(key);
                self.files.insert(file.path.clone(), None);
                return;
            }
            Kind::Home => {
                self.home = true;
                String::new()
            }
            Kind::Chapter(chapter) => chapter,
            Kind::Section(chapter, section) => format!("{chapter}/{section}"),
        };
        let finer = split.as_ref().and_then(declared_topics);
        let anchors = match (&split, &finer) {
            (Some(split), Some(finer)) => Some(page_anchors(split.body, finer)),
            _ => None,
        };
        self.files.insert(file.path.clone(), anchors);
        if !id.is_empty() {
            self.topics.insert(id, finer);
        }
    }

    /// Is `key` the key of a paper file that failed to load?
    pub fn has_paper(&self, key: &str) -> bool {
        self.papers.contains(key)
    }

    /// Does a link to `file` (with `anchor`, if any) point into a file that failed to
    /// load, at an anchor it has or might have?
    pub fn has_link(&self, file: &Path, anchor: Option<&str>) -> bool {
        match (self.files.get(file), anchor) {
            (None, _) => false,
            (Some(None), _) | (Some(Some(_)), None) => true,
            (Some(Some(anchors)), Some(anchor)) => anchors.contains(anchor),
        }
    }

    /// Is `topic` declared, or possibly declared, by a page that failed to load?
    pub fn has_topic(&self, topic: &str) -> bool {
        if self.topics.contains_key(topic) {
            return true;
        }
        let Some((page, finer)) = topic.rsplit_once('/') else {
            return false;
        };
        match self.topics.get(page) {
            Some(Some(declared)) => declared.contains(finer),
            Some(None) => true,
            None => false,
        }
    }

    /// Does the home page's file exist, though it failed to load?
    pub fn has_home(&self) -> bool {
        self.home
    }
}

/// The ids of the finer topics in the front-matter's `topics` field, if the YAML
/// parses that far (no field: none).
fn declared_topics(split: &frontmatter::Split) -> Option<BTreeSet<String>> {
    let topics: Vec<TopicFields> = frontmatter::salvage_field(split, "topics")?;
    Some(topics.into_iter().map(|topic| topic.id).collect())
}

/// The anchors a page defines: its headings, its finer topics and its reference list.
fn page_anchors(body: &str, finer: &BTreeSet<String>) -> BTreeSet<String> {
    let analysis = markdown::analyze(body);
    let mut anchors: BTreeSet<String> = analysis.headings.into_iter().map(|h| h.id).collect();
    anchors.extend(finer.iter().cloned());
    anchors.insert("references".into());
    anchors
}

#[cfg(test)]
mod tests {
    use super::*;

    fn salvage(path: &str, text: &str) -> Salvage {
        let file = SourceFile {
            path: path.into(),
            text: text.into(),
        };
        Salvage::of_failed([&file], &FastSet::default())
    }

    #[test]
    fn a_failed_paper_keeps_its_key_and_file() {
        let s = salvage("content/papers/zhou2023lima.md", "---\nyear: \"x\"\n---\n");
        assert!(s.has_paper("zhou2023lima"));
        assert!(!s.has_paper("zhou2023"));
        assert!(s.has_link(Path::new("content/papers/zhou2023lima.md"), Some("bibtex")));
    }

    #[test]
    fn a_failed_page_keeps_its_headings_and_declared_topics() {
        let text = "---\ntitle: T\nweight: heavy\ntopics:\n  - id: rank\n    title: R\n---\n## Offline training\n";
        let s = salvage("content/methods/_index.md", text);
        let file = Path::new("content/methods/_index.md");
        assert!(s.has_link(file, Some("offline-training")));
        assert!(s.has_link(file, Some("rank")));
        assert!(
            !s.has_link(file, Some("online")),
            "an anchor it does not define"
        );
        assert!(s.has_topic("methods") && s.has_topic("methods/rank"));
        assert!(
            !s.has_topic("methods/ranking"),
            "a topic it does not declare"
        );
        assert!(!s.has_home());
    }

    #[test]
    fn a_page_whose_yaml_is_broken_might_define_any_anchor_or_topic() {
        let s = salvage("content/_index.md", "---\ntitle: \"T\n---\n");
        assert!(s.has_home());
        assert!(s.has_link(Path::new("content/_index.md"), Some("anything")));
        let s = salvage("content/methods/_index.md", "---\ntitle: [\n---\n");
        assert!(s.has_topic("methods/anything"));
        assert!(!s.has_topic("other/anything"));
    }

    #[test]
    fn files_that_loaded_or_sit_outside_the_layout_define_nothing() {
        let file = SourceFile {
            path: "content/papers/a.md".into(),
            text: String::new(),
        };
        let loaded = FastSet::from_iter([Path::new("content/papers/a.md")]);
        assert!(!Salvage::of_failed([&file], &loaded).has_paper("a"));
        let s = salvage("content/a/b/c.md", "");
        assert!(!s.has_link(Path::new("content/a/b/c.md"), None));
    }
}
