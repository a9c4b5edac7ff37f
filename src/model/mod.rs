//! The site's entities as plain data: front-matter structs (what a contributor writes)
//! and the typed values built from them. No I/O and no HTML here.

pub mod names;
pub mod work;

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// Front-matter of `content/papers/<key>.md` (and of the survey itself in `site.yaml`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PaperFields {
    pub title: String,
    /// Full names; a list ending in `others` is incomplete ("et al.").
    #[serde(default)]
    pub authors: Vec<String>,
    pub year: i32,
    pub month: Option<u32>,
    pub venue: Option<String>,
    pub arxiv: Option<String>,
    pub doi: Option<String>,
    pub url: Option<String>,
    pub code: Option<String>,
    /// Topic ids, e.g. `training/offline/rank-based`.
    #[serde(default)]
    pub topics: Vec<String>,
    /// The date (YYYY-MM-DD) the paper joined the survey.
    pub added: Option<String>,
}

/// The marker that ends an incomplete author list.
pub const OTHERS: &str = "others";

impl PaperFields {
    /// A paper with only the required fields set.
    pub fn new(title: impl Into<String>, year: i32) -> Self {
        PaperFields {
            title: title.into(),
            authors: Vec::new(),
            year,
            month: None,
            venue: None,
            arxiv: None,
            doi: None,
            url: None,
            code: None,
            topics: Vec::new(),
            added: None,
        }
    }

    /// Authors without the trailing `others` marker.
    pub fn named_authors(&self) -> &[String] {
        match self.authors.last() {
            Some(last) if last == OTHERS => &self.authors[..self.authors.len() - 1],
            _ => &self.authors,
        }
    }

    pub fn authors_incomplete(&self) -> bool {
        self.authors.last().is_some_and(|last| last == OTHERS)
    }
}

/// A finer topic declared in a chapter's or section's front-matter.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TopicFields {
    pub id: String,
    pub title: String,
    pub description: Option<String>,
}

/// Front-matter of the home page, a chapter or a section.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PageFields {
    pub title: String,
    #[serde(default)]
    pub weight: i64,
    pub description: Option<String>,
    #[serde(default)]
    pub topics: Vec<TopicFields>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PageKind {
    Home,
    Chapter,
    Section,
}

/// A Markdown page of the survey: the home page, a chapter or a section.
#[derive(Debug, Clone, Hash, Deserialize, Serialize)]
pub struct Page {
    /// `""` for home, `data` for a chapter, `data/human` for a section. Also its topic id.
    pub id: String,
    pub kind: PageKind,
    pub source: PathBuf,
    pub fields: PageFields,
    pub body: String,
    /// Byte offset of the body in the source file.
    pub body_offset: usize,
}

impl Page {
    /// The chapter id of a chapter or section; `None` for home.
    pub fn chapter(&self) -> Option<&str> {
        match self.kind {
            PageKind::Home => None,
            _ => self.id.split('/').next(),
        }
    }

    /// Output path relative to the site root, with a trailing slash (`data/human/`).
    pub fn path(&self) -> String {
        if self.id.is_empty() {
            String::new()
        } else {
            format!("{}/", self.id)
        }
    }
}

/// A paper of the survey.
#[derive(Debug, Clone, Hash, Deserialize, Serialize)]
pub struct Paper {
    /// The citation key: the file stem.
    pub key: String,
    pub source: PathBuf,
    pub fields: PaperFields,
    pub body: String,
    pub body_offset: usize,
}

impl Paper {
    pub fn path(&self) -> String {
        format!("papers/{}/", self.key)
    }

    /// A paper with only these fields and no body, filed where its key says: the
    /// unit tests' one way to make a paper.
    #[cfg(test)]
    pub fn for_tests(key: &str, authors: &[&str], year: i32, title: &str) -> Paper {
        Paper {
            key: key.into(),
            source: format!("content/papers/{key}.md").into(),
            fields: PaperFields {
                authors: authors.iter().map(|a| a.to_string()).collect(),
                ..PaperFields::new(title, year)
            },
            body: String::new(),
            body_offset: 0,
        }
    }
}

/// A node of the taxonomy: every chapter and section is a topic, and so is every finer
/// topic a page declares.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Topic {
    /// `data`, `data/human` or `data/human/nlp-benchmarks`.
    pub id: String,
    pub title: String,
    pub description: Option<String>,
    /// The page that presents this topic.
    pub page: String,
    /// Anchor on that page (finer topics only).
    pub anchor: Option<String>,
}

/// Is `key` a valid citation key and file stem: lowercase ASCII letters, digits, `-`, `_`?
pub fn is_valid_key(key: &str) -> bool {
    !key.is_empty()
        && key.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_keys_are_lowercase_slugs() {
        assert!(is_valid_key("rafailov2023direct"));
        assert!(is_valid_key("a-b_c1"));
        assert!(!is_valid_key("Rafailov"));
        assert!(!is_valid_key("../x"));
        assert!(!is_valid_key("-x"));
        assert!(!is_valid_key(""));
    }

    #[test]
    fn others_marks_an_incomplete_author_list() {
        let fields: PaperFields =
            serde_yaml::from_str("title: T\nyear: 2020\nauthors: [A B, others]").unwrap();
        assert_eq!(fields.named_authors(), ["A B"]);
        assert!(fields.authors_incomplete());
    }
}
