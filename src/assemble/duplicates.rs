//! Two paper files for one work: the same arXiv id, DOI, URL or normalised title.
//!
//! Identities are normalised before comparing (arXiv version dropped, DOI and URL
//! lower-cased, URL scheme and trailing slash ignored, title reduced to its letters and
//! digits), so `2305.18290v2` and `2305.18290` are one work. Used by `check` (every
//! pair in the site) and by `import` (a new entry against the site).

use std::collections::{BTreeMap, HashMap};

use crate::diagnostics::{Diagnostic, Diagnostics, Position};
use crate::load::SourceFile;
use crate::model::{Paper, PaperFields};
use crate::parse::frontmatter;

/// One way of naming a work: which field, what it is called, its normalised value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub field: &'static str,
    pub what: &'static str,
    pub value: String,
}

/// Every identity of a paper, in a fixed order (arXiv, DOI, URL, title).
pub fn identities(fields: &PaperFields) -> Vec<Identity> {
    let identity = |field, what, value: Option<String>| {
        value
            .filter(|v| !v.is_empty())
            .map(|value| Identity { field, what, value })
    };
    [
        identity("arxiv", "arXiv id", fields.arxiv.as_deref().map(arxiv_base)),
        identity("doi", "DOI", fields.doi.as_deref().map(str::to_lowercase)),
        identity("url", "URL", fields.url.as_deref().map(normalize_url)),
        identity("title", "title", Some(normalize_title(&fields.title))),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// The first existing paper that shares an identity with `fields`, and that identity.
pub fn find_existing<'a>(
    fields: &PaperFields,
    papers: impl IntoIterator<Item = &'a Paper>,
) -> Option<(&'a Paper, Identity)> {
    let wanted = identities(fields);
    papers.into_iter().find_map(|paper| {
        let theirs = identities(&paper.fields);
        wanted
            .iter()
            .find(|identity| theirs.contains(identity))
            .map(|identity| (paper, identity.clone()))
    })
}

/// Reports each file of a duplicated work at the duplicated field, naming the other
/// file, so both show up (on GitHub, both get an annotation). Returns who each
/// identity belongs to (the first paper, in key order, that has it).
pub fn check(
    papers: &BTreeMap<String, Paper>,
    files: &[SourceFile],
    diagnostics: &mut Diagnostics,
) -> Identities {
    let mut first_with: BTreeMap<(&'static str, String), &Paper> = BTreeMap::new();
    for paper in papers.values() {
        for identity in identities(&paper.fields) {
            let slot = (identity.field, identity.value.clone());
            match first_with.get(&slot) {
                Some(first) => {
                    diagnostics.push(duplicate(paper, first, &identity, files));
                    diagnostics.push(duplicate(first, paper, &identity, files));
                }
                None => {
                    first_with.insert(slot, paper);
                }
            }
        }
    }
    let owners = first_with.into_iter();
    Identities(
        owners
            .map(|(slot, paper)| (slot, paper.key.clone()))
            .collect(),
    )
}

/// Identity (field, normalised value) -> the key of the paper that has it. Kept with
/// an assembled site, which has no duplicates, so that a changed paper is checked
/// against the others without normalising every paper again.
#[derive(Debug, Clone, Default)]
pub struct Identities(HashMap<(&'static str, String), String>);

impl Identities {
    /// Moves the paper `key` from its identities in `before` to those in `after`.
    /// Returns false when another paper already has one of the new identities (that
    /// identity stays with the other paper; a full [`check`] reports the pair).
    pub fn replace(&mut self, key: &str, before: &PaperFields, after: &PaperFields) -> bool {
        for identity in identities(before) {
            let slot = (identity.field, identity.value);
            if self.0.get(&slot).is_some_and(|owner| owner == key) {
                self.0.remove(&slot);
            }
        }
        let mut unique = true;
        for identity in identities(after) {
            let owner = self.0.entry((identity.field, identity.value));
            unique &= owner.or_insert_with(|| key.to_string()) == key;
        }
        unique
    }
}

fn duplicate(
    paper: &Paper,
    other: &Paper,
    identity: &Identity,
    files: &[SourceFile],
) -> Diagnostic {
    Diagnostic::error(
        &paper.source,
        format!("same {} as {}", identity.what, other.source.display()),
    )
    .at(field_position(files, paper, identity.field))
    .span(value_width(files, paper, identity.field))
    .help(format!(
        "one work has one file: keep one of `{}` and `{}`, move the other's topics into it, delete the other file and cite the kept key",
        paper.key, other.key
    ))
}

fn field_position(files: &[SourceFile], paper: &Paper, field: &str) -> Position {
    files
        .iter()
        .find(|file| file.path == paper.source)
        .and_then(|file| {
            let split = frontmatter::split(file).ok()?;
            Some(frontmatter::field_position(file, &split, field))
        })
        .unwrap_or(Position { line: 1, column: 1 })
}

/// Characters from the field's value to the end of its line, for the marker.
fn value_width(files: &[SourceFile], paper: &Paper, field: &str) -> usize {
    let at = field_position(files, paper, field);
    files
        .iter()
        .find(|file| file.path == paper.source)
        .and_then(|file| file.text.lines().nth(at.line.saturating_sub(1)))
        .map_or(1, |line| {
            line.chars().count().saturating_sub(at.column - 1).max(1)
        })
}

/// `2305.18290v2` -> `2305.18290`.
fn arxiv_base(id: &str) -> String {
    match id.rsplit_once('v') {
        Some((base, version))
            if !version.is_empty() && version.chars().all(|c| c.is_ascii_digit()) =>
        {
            base.to_string()
        }
        _ => id.to_string(),
    }
}

fn normalize_url(url: &str) -> String {
    let lower = url.trim().to_lowercase();
    let without_scheme = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))
        .unwrap_or(&lower);
    without_scheme.trim_end_matches('/').to_string()
}

/// Letters and digits only, lower-cased: punctuation and spacing do not make a new work.
pub fn normalize_title(title: &str) -> String {
    title
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(title: &str, arxiv: Option<&str>, url: Option<&str>) -> PaperFields {
        serde_yaml::from_str::<PaperFields>(&format!("title: \"{title}\"\nyear: 2023"))
            .map(|mut f| {
                f.arxiv = arxiv.map(String::from);
                f.url = url.map(String::from);
                f
            })
            .unwrap()
    }

    #[test]
    fn versions_schemes_and_punctuation_do_not_make_a_new_work() {
        let a = identities(&fields(
            "Direct Preference Optimization",
            Some("2305.18290v2"),
            Some("http://arxiv.org/abs/2305.18290/"),
        ));
        let b = identities(&fields(
            "Direct preference optimization!",
            Some("2305.18290"),
            Some("https://arxiv.org/abs/2305.18290"),
        ));
        assert_eq!(a, b);
        assert_eq!(arxiv_base("solv-int/9901001"), "solv-int/9901001");
    }

    #[test]
    fn identities_follow_an_edited_paper_and_report_a_collision() {
        let dpo = fields("Direct Preference Optimization", Some("2305.18290"), None);
        let ppo = fields("Proximal Policy Optimization", Some("1707.06347"), None);
        let mut owners = Identities::default();
        assert!(owners.replace("dpo", &PaperFields::new("", 0), &dpo));
        assert!(owners.replace("ppo", &PaperFields::new("", 0), &ppo));
        // Renaming frees the old title, which another paper may then take.
        let renamed = fields("DPO, Renamed", Some("2305.18290"), None);
        assert!(owners.replace("dpo", &dpo, &renamed));
        let ppo_as_dpo = fields("Direct preference optimization", Some("1707.06347"), None);
        assert!(owners.replace("ppo", &ppo, &ppo_as_dpo));
        // Taking an identity another paper has is a collision, and it stays theirs.
        let clash = fields("Proximal Policy Optimization", Some("2305.18290v3"), None);
        assert!(!owners.replace("ppo", &ppo_as_dpo, &clash));
        assert!(!owners.replace("other", &PaperFields::new("", 0), &renamed));
        assert!(owners.replace("dpo", &renamed, &renamed));
    }
}
