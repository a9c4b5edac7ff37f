//! `papers.json`: every paper as CSL-JSON, the bibliography format citation managers
//! (Zotero, citeproc-js, Pandoc, hayagriva) read.
//!
//! Invariants: the item type follows [`WorkKind`] like the BibTeX and formatted
//! references; names are split by [`PersonName`]; an incomplete author list keeps only
//! the named authors and says so in `note` (CSL-JSON has no "et al." marker, and we
//! never invent names). [`crate::render::exports`] joins items in key order, so the file is
//! deterministic.

use serde::Serialize;

use crate::model::PaperFields;
use crate::model::names::PersonName;
use crate::model::work::WorkKind;

/// One CSL-JSON item.
#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Item {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub title: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub author: Vec<Name>,
    pub issued: Issued,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container_title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub publisher: Option<String>,
    /// "arXiv:2305.18290" for preprints, as Zotero stores it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    #[serde(rename = "DOI", skip_serializing_if = "Option::is_none")]
    pub doi: Option<String>,
    #[serde(rename = "URL", skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Name {
    /// A name kept whole ([`PersonName::literal`]): then the only part.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub literal: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub family: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub given: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub non_dropping_particle: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub suffix: String,
}

#[derive(Debug, Serialize)]
pub struct Issued {
    /// `[[year]]` or `[[year, month]]`.
    #[serde(rename = "date-parts")]
    pub date_parts: Vec<Vec<i32>>,
}

/// One paper's item as pretty-printed JSON, for [`indent`] and [`join_indented`].
pub fn item_json(key: &str, fields: &PaperFields) -> String {
    serde_json::to_string_pretty(&item(key, fields)).unwrap_or_else(|_| "{}".into())
}

/// An item made by [`item_json`] indented as an element of the array
/// [`join_indented`] lays out; kept that way, a large file is joined without going
/// through every line.
pub fn indent(item: &str) -> String {
    let mut indented = String::with_capacity(item.len() + item.len() / 8);
    // JSON strings escape newlines, so every line break is the layout's own.
    for (index, line) in item.lines().enumerate() {
        if index > 0 {
            indented.push('\n');
        }
        indented.push_str("  ");
        indented.push_str(line);
    }
    indented
}

/// The array of items made by [`item_json`] and [`indent`]ed, in the order given, laid
/// out exactly as `serde_json::to_string_pretty` lays out the array (so a file can be
/// assembled from items written once and kept), with a final newline.
pub fn join_indented<'a>(items: impl IntoIterator<Item = &'a str>) -> String {
    let mut json = String::from("[");
    let mut empty = true;
    for item in items {
        json.push_str(if empty { "\n" } else { ",\n" });
        empty = false;
        json.push_str(item);
    }
    json.push_str(if empty { "]\n" } else { "\n]\n" });
    json
}

pub fn item(key: &str, fields: &PaperFields) -> Item {
    let kind = WorkKind::of(fields);
    let (container_title, publisher) = venue(&kind);
    Item {
        id: key.to_string(),
        kind: csl_type(&kind),
        title: fields.title.clone(),
        author: fields.named_authors().iter().map(|n| name(n)).collect(),
        issued: issued(fields),
        container_title,
        publisher,
        number: fields.arxiv.as_ref().map(|id| format!("arXiv:{id}")),
        doi: fields.doi.clone(),
        url: fields.url.clone(),
        note: fields
            .authors_incomplete()
            .then(|| "The author list is incomplete (et al.).".to_string()),
    }
}

/// The CSL item type of a kind of work.
pub fn csl_type(kind: &WorkKind) -> &'static str {
    match kind {
        WorkKind::Preprint { .. } => "article",
        WorkKind::Conference { .. } => "paper-conference",
        WorkKind::Journal { .. } => "article-journal",
        WorkKind::Software { .. } => "software",
        WorkKind::Web { .. } => "webpage",
        WorkKind::Document => "document",
    }
}

/// (container-title, publisher) of a kind of work.
fn venue(kind: &WorkKind) -> (Option<String>, Option<String>) {
    match kind {
        WorkKind::Conference { proceedings } => (Some(proceedings.clone()), None),
        WorkKind::Journal { journal } => (Some(journal.clone()), None),
        WorkKind::Preprint { server } => (None, Some(server.clone())),
        WorkKind::Software { host } => (None, Some(host.clone())),
        WorkKind::Web { site } => (site.clone(), None),
        WorkKind::Document => (None, None),
    }
}

fn name(full_name: &str) -> Name {
    let parts = PersonName::parse(full_name);
    if parts.literal {
        return Name {
            literal: parts.family,
            family: String::new(),
            given: String::new(),
            non_dropping_particle: String::new(),
            suffix: String::new(),
        };
    }
    Name {
        literal: String::new(),
        family: parts.family,
        given: parts.given,
        non_dropping_particle: parts.particle,
        suffix: parts.suffix,
    }
}

fn issued(fields: &PaperFields) -> Issued {
    let mut parts = vec![fields.year];
    if let Some(month) = fields.month.filter(|m| (1..=12).contains(m)) {
        parts.push(month as i32);
    }
    Issued {
        date_parts: vec![parts],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The file the exports write from these items.
    fn join<'a>(items: impl IntoIterator<Item = &'a str>) -> String {
        let indented: Vec<String> = items.into_iter().map(indent).collect();
        join_indented(indented.iter().map(String::as_str))
    }

    #[test]
    fn joined_items_are_laid_out_as_serde_lays_out_the_array() {
        let mut a = PaperFields::new("A \"quoted\"\ntitle", 2023);
        a.authors = vec!["Ann Lee".into(), "others".into()];
        let b = PaperFields::new("B", 2020);
        let items = vec![item("a", &a), item("b", &b)];
        let expected = format!("{}\n", serde_json::to_string_pretty(&items).unwrap());
        let (a, b) = (item_json("a", &a), item_json("b", &b));
        assert_eq!(join([a.as_str(), b.as_str()]), expected);
        let none: Vec<Item> = Vec::new();
        let expected = format!("{}\n", serde_json::to_string_pretty(&none).unwrap());
        assert_eq!(join([]), expected);
    }

    #[test]
    fn a_preprint_with_an_incomplete_author_list() {
        let fields: PaperFields = serde_yaml::from_str(
            "title: T\nauthors: [Dimitri von Rütte, others]\nyear: 2023\nmonth: 7\nvenue: arXiv\narxiv: \"2307.12966\"",
        )
        .unwrap();
        let json: serde_json::Value =
            serde_json::from_str(&join([item_json("k", &fields).as_str()])).unwrap();
        let item = &json[0];
        assert_eq!(item["id"], "k");
        assert_eq!(item["type"], "article");
        assert_eq!(item["author"][0]["family"], "Rütte");
        assert_eq!(item["author"][0]["non-dropping-particle"], "von");
        assert_eq!(item["author"].as_array().unwrap().len(), 1);
        assert_eq!(
            item["issued"]["date-parts"][0],
            serde_json::json!([2023, 7])
        );
        assert_eq!(item["publisher"], "arXiv");
        assert_eq!(item["number"], "arXiv:2307.12966");
        assert!(item["note"].as_str().unwrap().contains("et al."));
    }
}
