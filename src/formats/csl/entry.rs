//! A paper as a hayagriva [`Entry`]: the deliberate mapping from [`WorkKind`] to the
//! entry types and parents hayagriva turns into CSL types.
//!
//! | work | hayagriva entry | CSL type |
//! | --- | --- | --- |
//! | preprint (arXiv) | `Article`, publisher = server | `article` |
//! | conference paper | `Article` with a `Proceedings` parent | `paper-conference` |
//! | journal article | `Article` with a `Periodical` parent | `article-journal` |
//! | code repository | `Repository`, publisher = host if it has authors | `software` |
//! | blog post, web page | `Web` | `webpage` |
//! | anything else | `Misc` | `document` |
//!
//! Invariants: titles and venues are verbatim chunks, so styles that change case
//! cannot turn "NeurIPS" into "Neurips"; a conference paper carries no month (ours is
//! the preprint's month, not the meeting's); an incomplete author list ends in the
//! [`ET_AL`] placeholder, which [`super::html`] renders as the style's "et al.";
//! a paper's topics and `added` date are not read (`super::cache` reuses references
//! across edits of those).

use hayagriva::Entry;
use hayagriva::types::{
    ChunkKind, ChunkedString, Date, EntryType, FormatString, Person, Publisher, QualifiedUrl,
};

use crate::model::PaperFields;
use crate::model::names::PersonName;
use crate::model::work::WorkKind;

/// The family name of the placeholder person that ends an incomplete author list.
pub const ET_AL: &str = "et al.";

pub fn entry(key: &str, fields: &PaperFields) -> Entry {
    let kind = WorkKind::of(fields);
    let mut entry = Entry::new(key, entry_type(&kind));
    entry.set_title(verbatim(&fields.title));
    let authors = authors(fields);
    if !authors.is_empty() {
        entry.set_authors(authors);
    }
    entry.set_date(date(fields, &kind));
    attach_venue(&mut entry, &kind, !fields.authors.is_empty());
    if let Some(url) = link(fields, &kind) {
        entry.set_url(QualifiedUrl::new(url, None));
    }
    if let Some(doi) = &fields.doi {
        entry.set_doi(doi.clone());
    }
    entry
}

fn entry_type(kind: &WorkKind) -> EntryType {
    match kind {
        WorkKind::Preprint { .. } | WorkKind::Conference { .. } | WorkKind::Journal { .. } => {
            EntryType::Article
        }
        WorkKind::Software { .. } => EntryType::Repository,
        WorkKind::Web { .. } => EntryType::Web,
        WorkKind::Document => EntryType::Misc,
    }
}

/// Parents and publishers. A code host is a publisher only beside named authors: with
/// none, APA would cite the host ("GitHub, 2023d") in place of the work.
fn attach_venue(entry: &mut Entry, kind: &WorkKind, has_authors: bool) {
    let parent = |entry_type: EntryType, title: &str| {
        let mut parent = Entry::new(entry.key(), entry_type);
        parent.set_title(verbatim(title));
        parent
    };
    match kind {
        WorkKind::Conference { proceedings } => {
            let parent = parent(EntryType::Proceedings, proceedings);
            entry.set_parents(vec![parent]);
        }
        WorkKind::Journal { journal } => {
            let parent = parent(EntryType::Periodical, journal);
            entry.set_parents(vec![parent]);
        }
        WorkKind::Preprint { server: name } => {
            entry.set_publisher(Publisher::new(Some(verbatim(name)), None));
        }
        WorkKind::Software { host } if has_authors => {
            entry.set_publisher(Publisher::new(Some(verbatim(host)), None));
        }
        WorkKind::Software { .. } | WorkKind::Web { .. } | WorkKind::Document => {}
    }
}

/// Named authors split BibTeX-style, then the [`ET_AL`] placeholder if the list is
/// incomplete (and names someone).
fn authors(fields: &PaperFields) -> Vec<Person> {
    let mut people: Vec<Person> = fields
        .named_authors()
        .iter()
        .map(|name| person(&PersonName::parse(name)))
        .collect();
    if fields.authors_incomplete() && !people.is_empty() {
        people.push(Person {
            name: ET_AL.into(),
            given_name: None,
            prefix: None,
            suffix: None,
            comma_suffix: false,
            alias: None,
        });
    }
    people
}

fn person(name: &PersonName) -> Person {
    let some = |part: &str| (!part.is_empty()).then(|| part.to_string());
    Person {
        name: name.family.clone(),
        given_name: some(&name.given),
        prefix: some(&name.particle),
        suffix: some(&name.suffix),
        comma_suffix: false,
        alias: None,
    }
}

fn date(fields: &PaperFields, kind: &WorkKind) -> Date {
    let month = match kind {
        WorkKind::Conference { .. } | WorkKind::Journal { .. } => None,
        _ => fields
            .month
            .filter(|m| (1..=12).contains(m))
            .map(|m| (m - 1) as u8),
    };
    Date {
        year: fields.year,
        month,
        day: None,
        approximate: false,
        season: None,
    }
}

/// The address a reference points to: the paper's URL, else its arXiv page, else (for
/// software) its code.
fn link(fields: &PaperFields, kind: &WorkKind) -> Option<url::Url> {
    let arxiv = fields
        .arxiv
        .as_ref()
        .map(|id| format!("https://arxiv.org/abs/{id}"));
    let code = matches!(kind, WorkKind::Software { .. })
        .then(|| fields.code.clone())
        .flatten();
    let address = fields.url.clone().or(arxiv).or(code)?;
    url::Url::parse(&address).ok()
}

fn verbatim(text: &str) -> FormatString {
    let mut chunks = ChunkedString::new();
    chunks.push_str(text, ChunkKind::Verbatim);
    FormatString {
        value: chunks,
        short: None,
    }
}
