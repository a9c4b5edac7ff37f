//! BibTeX entries of papers, built as `biblatex` crate values and serialised by it, so
//! TeX specials are escaped by the library and every emitted file parses back.
//!
//! Invariants: titles are written as one verbatim (double-braced) chunk so BibTeX
//! styles keep their capitals; an author list ending in `others` is written as
//! `... and others`, BibTeX's own "et al." marker, never with invented names; the entry
//! type follows [`WorkKind`], shared with the CSL formatter. Output is deterministic:
//! the library writes fields in name order, and [`crate::render::exports`] lists entries in
//! key order.

use biblatex::{
    Chunk, Chunks, Date, DateValue, Datetime, Entry, EntryType, PermissiveType, Spanned, Type,
};

use crate::model::PaperFields;
use crate::model::names::PersonName;
use crate::model::work::WorkKind;

/// The BibTeX entry of one paper, ending in a newline.
pub fn bibtex(key: &str, fields: &PaperFields) -> String {
    let text = entry(key, fields)
        .to_bibtex_string()
        .unwrap_or_else(|_| format!("@misc{{{key},\n}}"));
    indent_fields(&text)
}

/// The library writes fields flush left; BibTeX files conventionally indent them.
/// Text fields also get [`literal_specials`].
fn indent_fields(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 64);
    for line in text.lines() {
        if line.starts_with('@') || line == "}" {
            out.push_str(line);
        } else {
            out.push_str("  ");
            let verbatim = VERBATIM_FIELDS
                .iter()
                .any(|f| line.starts_with(&format!("{f} =")));
            out.push_str(&if verbatim {
                line.into()
            } else {
                literal_specials(line)
            });
        }
        out.push('\n');
    }
    out
}

/// Fields the library writes verbatim (only braces and backslashes escaped).
const VERBATIM_FIELDS: &[&str] = &["url", "doi", "eprint"];

/// The library escapes `~`, `^` and `\` with a backslash, which TeX reads as a tilde
/// accent, a circumflex accent and a line break; these commands print the characters.
fn literal_specials(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('~') => out.push_str("\\textasciitilde{}"),
            Some('^') => out.push_str("\\textasciicircum{}"),
            Some('\\') => out.push_str("\\textbackslash{}"),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// A `.bib` file of entries made by [`bibtex`], in the order given, blank-line
/// separated (each entry ends in a newline).
pub fn join<'a>(entries: impl IntoIterator<Item = &'a str>) -> String {
    entries.into_iter().collect::<Vec<_>>().join("\n")
}

/// The paper as a `biblatex` entry: type, title, authors, date, venue and identifiers.
pub fn entry(key: &str, fields: &PaperFields) -> Entry {
    let kind = WorkKind::of(fields);
    let mut entry = Entry::new(key.to_string(), entry_type(&kind));
    entry.set("title", verbatim(&fields.title));
    if !fields.authors.is_empty() {
        entry.set("author", authors(fields));
    }
    entry.set_date(PermissiveType::Typed(date(fields)));
    set_venue(&mut entry, &kind);
    if let Some(arxiv) = &fields.arxiv {
        entry.set("eprint", normal(arxiv));
        entry.set("archiveprefix", normal("arXiv"));
    }
    if let Some(doi) = &fields.doi {
        entry.set("doi", normal(doi));
    }
    if let Some(url) = &fields.url {
        entry.set("url", normal(url));
    }
    entry
}

fn entry_type(kind: &WorkKind) -> EntryType {
    match kind {
        WorkKind::Conference { .. } => EntryType::InProceedings,
        WorkKind::Journal { .. } => EntryType::Article,
        _ => EntryType::Misc,
    }
}

/// Where the work appeared, in the field BibTeX styles read for its type.
fn set_venue(entry: &mut Entry, kind: &WorkKind) {
    match kind {
        WorkKind::Conference { proceedings } => entry.set("booktitle", normal(proceedings)),
        WorkKind::Journal { journal } => entry.set("journal", normal(journal)),
        WorkKind::Preprint { server } => entry.set("howpublished", normal(server)),
        WorkKind::Software { host } => entry.set("howpublished", normal(host)),
        WorkKind::Web { site: Some(site) } => entry.set("howpublished", normal(site)),
        WorkKind::Web { site: None } | WorkKind::Document => {}
    }
}

/// `Family, Given and ...`, with BibTeX's `and others` for an incomplete list; a
/// literal name ([`PersonName::literal`]) in braces, which BibTeX keeps whole.
fn authors(fields: &PaperFields) -> Chunks {
    let mut chunks: Chunks = Vec::new();
    for (i, name) in fields.named_authors().iter().enumerate() {
        if i > 0 {
            chunks.push(Spanned::detached(Chunk::Normal(" and ".into())));
        }
        let parts = PersonName::parse(name);
        if parts.literal {
            chunks.push(Spanned::detached(Chunk::Verbatim(parts.family)));
        } else {
            chunks.extend(vec![parts.to_biblatex()].to_chunks());
        }
    }
    if fields.authors_incomplete() {
        let joiner = if chunks.is_empty() { "" } else { " and " };
        chunks.push(Spanned::detached(Chunk::Normal(format!("{joiner}others"))));
    }
    chunks
}

fn date(fields: &PaperFields) -> Date {
    let month = fields
        .month
        .filter(|m| (1..=12).contains(m))
        .map(|m| (m - 1) as u8);
    Date {
        value: DateValue::At(Datetime {
            year: fields.year,
            month,
            day: None,
            time: None,
        }),
        uncertain: false,
        approximate: false,
    }
}

fn normal(text: &str) -> Chunks {
    vec![Spanned::detached(Chunk::Normal(text.to_string()))]
}

fn verbatim(text: &str) -> Chunks {
    vec![Spanned::detached(Chunk::Verbatim(text.to_string()))]
}

#[cfg(test)]
mod tests {
    use super::*;
    use biblatex::{Bibliography, ChunksExt};

    fn fields(yaml: &str) -> PaperFields {
        serde_yaml::from_str(yaml).unwrap()
    }

    #[test]
    fn conference_paper_is_inproceedings_with_a_braced_title() {
        let paper = fields(
            "title: \"Direct Preference Optimization: Your LM\"\nauthors: [Rafael Rafailov, Chelsea Finn]\nyear: 2023\nmonth: 5\nvenue: NeurIPS 2023\narxiv: \"2305.18290\"\nurl: https://arxiv.org/abs/2305.18290",
        );
        assert_eq!(
            bibtex("rafailov2023direct", &paper),
            "@inproceedings{rafailov2023direct,\n\
             \x20 archiveprefix = {arXiv},\n\
             \x20 author = {Rafailov, Rafael and Finn, Chelsea},\n\
             \x20 booktitle = {NeurIPS 2023},\n\
             \x20 year = {2023},\n\
             \x20 month = {05},\n\
             \x20 eprint = {2305.18290},\n\
             \x20 title = {{Direct Preference Optimization: Your LM}},\n\
             \x20 url = {https://arxiv.org/abs/2305.18290},\n\
             }\n"
        );
    }

    #[test]
    fn escapes_tex_specials_and_keeps_others() {
        let paper = fields(
            "title: \"Q&A at 100% for $5 #1 a_b\"\nauthors: [Ann Lee, others]\nyear: 2023\nvenue: arXiv",
        );
        let text = bibtex("k", &paper);
        assert!(text.starts_with("@misc{k,\n"), "{text}");
        assert!(
            text.contains(r"title = {{Q\&A at 100\% for \$5 \#1 a\_b}},"),
            "{text}"
        );
        assert!(
            text.contains("  author = {Lee, Ann and others},\n"),
            "{text}"
        );
        assert!(text.contains("howpublished = {arXiv},"), "{text}");
    }

    #[test]
    fn emitted_entries_parse_back_to_the_same_fields() {
        let paper = fields(
            "title: \"Q&A {braces} at 100% ~x^2 \\\\ y\"\nauthors: [Dimitri von Rütte, Henrique Ponde de Oliveira Pinto, others]\nyear: 2024\nvenue: IEEE TKDE 2024\ndoi: 10.1000/x_y",
        );
        let text = bibtex("k", &paper);
        assert!(
            text.contains(r"\textasciitilde{}x\textasciicircum{}2 \textbackslash{} y"),
            "{text}"
        );
        let parsed = Bibliography::parse(&text).unwrap();
        let entry = parsed.get("k").unwrap();
        assert_eq!(entry.entry_type, EntryType::Article);
        assert_eq!(
            entry.title().unwrap().format_verbatim(),
            "Q&A {braces} at 100% ~x^2 \\ y"
        );
        let names: Vec<String> = entry
            .author()
            .unwrap()
            .iter()
            .map(|p| p.to_string())
            .collect();
        assert_eq!(
            names,
            [
                "Dimitri von Rütte",
                "Henrique Ponde de Oliveira Pinto",
                "others"
            ]
        );
        assert_eq!(entry.journal().unwrap().format_verbatim(), "IEEE TKDE");
        assert_eq!(entry.doi().unwrap(), "10.1000/x_y");
    }

    #[test]
    fn a_file_separates_entries_by_a_blank_line_in_the_order_given() {
        let (a, b) = (
            fields("title: A\nyear: 2020"),
            fields("title: B\nyear: 2021"),
        );
        let (a, b) = (bibtex("a", &a), bibtex("b", &b));
        let text = join([b.as_str(), a.as_str()]);
        assert_eq!(text, format!("{b}\n{a}"));
        assert!(text.contains("}\n\n@misc{a,"), "{text}");
    }
}
