//! BibTeX/BibLaTeX entries -> paper front-matter, for `survey import`.
//!
//! Parsing (braces, `@string` macros, `month = may`, TeX accents such as `K{\"o}pf`)
//! is the `biblatex` crate's; this module only maps fields and cleans text. It is
//! pure: it neither reads nor writes files, and every problem is a diagnostic at its
//! place in the `.bib` file.

use std::path::Path;

use biblatex::{Bibliography, ChunksExt, DateValue, Entry, PermissiveType};
use unicode_normalization::UnicodeNormalization;

use crate::diagnostics::{Diagnostic, Position};
use crate::model::{OTHERS, PaperFields, is_valid_key};

/// One entry of the `.bib` file, converted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    /// Our citation key (the file stem), derived from the BibTeX key.
    pub key: String,
    /// The key as written in the `.bib` file.
    pub bib_key: String,
    pub fields: PaperFields,
    /// Where the entry starts in the `.bib` file.
    pub position: Position,
}

/// Converts every entry of `text` (the contents of `path`). Entries that cannot be
/// converted become diagnostics; the others are returned in file order.
pub fn convert(path: &Path, text: &str) -> (Vec<Imported>, Vec<Diagnostic>) {
    let bibliography = match Bibliography::parse(text) {
        Ok(bibliography) => bibliography,
        Err(error) => {
            let diagnostic = Diagnostic::error(path, format!("cannot parse the BibTeX: {}", error.kind))
                .at(Position::of_offset(text, error.span.start))
                .span(error.span.len().max(1))
                .help("check the braces and commas of this entry: `@article{key, title = {...}, year = {2023}}`");
            return (Vec::new(), vec![diagnostic]);
        }
    };
    let mut imported = Vec::new();
    let mut problems = Vec::new();
    for entry in bibliography.iter() {
        match convert_entry(path, text, entry) {
            Ok(paper) => imported.push(paper),
            Err(diagnostic) => problems.push(diagnostic),
        }
    }
    (imported, problems)
}

fn convert_entry(path: &Path, text: &str, entry: &Entry) -> Result<Imported, Diagnostic> {
    let position = entry_position(text, &entry.key);
    let missing = |field: &str| {
        Diagnostic::error(path, format!("entry `{}` has no {field}", entry.key))
            .at(position)
            .span(entry.key.chars().count())
            .help(format!("add `{field} = {{...}}` to the entry"))
    };
    let title = field_text(entry, "title").ok_or_else(|| missing("title"))?;
    let (year, month) = date(entry).ok_or_else(|| missing("year"))?;
    let arxiv = arxiv_id(entry);
    let fields = PaperFields {
        title,
        authors: authors(entry),
        year,
        month,
        venue: venue(entry, arxiv.is_some()),
        url: field_text(entry, "url").or_else(|| {
            arxiv
                .as_ref()
                .map(|id| format!("https://arxiv.org/abs/{id}"))
        }),
        arxiv,
        doi: field_text(entry, "doi").map(|doi| strip_doi_resolver(&doi)),
        code: None,
        topics: Vec::new(),
        added: None,
    };
    Ok(Imported {
        key: citation_key(&entry.key, &fields),
        bib_key: entry.key.clone(),
        fields,
        position,
    })
}

/// Where `@type{key,` appears, for diagnostics about the whole entry.
fn entry_position(text: &str, key: &str) -> Position {
    let offset = text
        .match_indices(key)
        .map(|(i, _)| i)
        .find(|&i| {
            text[..i].trim_end().ends_with('{')
                && text[i + key.len()..].trim_start().starts_with(',')
        })
        .unwrap_or(0);
    Position::of_offset(text, offset)
}

/// A field as plain Unicode: braces gone, TeX accents resolved, spaces collapsed.
fn field_text(entry: &Entry, name: &str) -> Option<String> {
    let chunks = entry.get(name)?;
    let text = clean(&chunks.format_verbatim());
    (!text.is_empty()).then_some(text)
}

/// NFC (so `o` + combining diaeresis becomes `ö`), single spaces, no stray braces.
pub fn clean(text: &str) -> String {
    let composed: String = text.nfc().collect();
    composed
        .replace(['{', '}'], "")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// "Given prefix Family" per person; BibTeX's `and others` becomes our `others` marker.
fn authors(entry: &Entry) -> Vec<String> {
    let Ok(people) = entry.author() else {
        return Vec::new();
    };
    let mut names: Vec<String> = people
        .iter()
        .map(|person| {
            let parts = [
                &person.given_name,
                &person.prefix,
                &person.name,
                &person.suffix,
            ];
            clean(
                &parts
                    .iter()
                    .filter(|p| !p.is_empty())
                    .map(|p| p.as_str())
                    .collect::<Vec<_>>()
                    .join(" "),
            )
        })
        .filter(|name| !name.is_empty())
        .collect();
    if let Some(index) = names.iter().position(|n| n == OTHERS) {
        names.truncate(index + 1);
    }
    names
}

/// Year and month (1-based) from `date`, or from `year` and `month` (`month = may` too).
fn date(entry: &Entry) -> Option<(i32, Option<u32>)> {
    match entry.date().ok()? {
        PermissiveType::Typed(date) => {
            let at = match date.value {
                DateValue::At(at) | DateValue::After(at) | DateValue::Before(at) => at,
                DateValue::Between(start, _) => start,
            };
            Some((at.year, at.month.map(|m| u32::from(m) + 1)))
        }
        PermissiveType::Chunks(chunks) => {
            let text = chunks.format_verbatim();
            let year = text.get(..4)?.parse().ok()?;
            Some((year, None))
        }
    }
}

/// `journal`/`journaltitle`, else `booktitle`, else "arXiv" for a preprint. A Google
/// Scholar style `journal = {arXiv preprint arXiv:2305.18290}` only counts when there
/// is no `booktitle`: the published venue wins over the preprint.
fn venue(entry: &Entry, is_preprint: bool) -> Option<String> {
    let is_arxiv = |name: &String| name.to_lowercase().starts_with("arxiv");
    let journal = field_text(entry, "journaltitle").or_else(|| field_text(entry, "journal"));
    journal
        .clone()
        .filter(|name| !is_arxiv(name))
        .or_else(|| field_text(entry, "booktitle"))
        .or_else(|| (is_preprint || journal.is_some()).then(|| "arXiv".to_string()))
}

/// From `eprint` (with `eprinttype`/`archiveprefix` arXiv, or none), an `arxiv` field,
/// `journal = {arXiv preprint arXiv:ID}`, or an arxiv.org URL.
fn arxiv_id(entry: &Entry) -> Option<String> {
    let eprint_is_arxiv = field_text(entry, "eprinttype")
        .or_else(|| field_text(entry, "archiveprefix"))
        .is_none_or(|kind| kind.eq_ignore_ascii_case("arxiv"));
    let candidates = [
        field_text(entry, "eprint").filter(|_| eprint_is_arxiv),
        field_text(entry, "arxiv"),
        field_text(entry, "journal").and_then(|j| after(&j, "arXiv:")),
        field_text(entry, "url").and_then(|u| after(&u, "arxiv.org/abs/")),
    ];
    candidates
        .into_iter()
        .flatten()
        .map(|id| id.trim_start_matches("arXiv:").trim().to_string())
        .find(|id| crate::parse::validate::is_arxiv_id(id))
}

/// The word after `marker` in `text`.
fn after(text: &str, marker: &str) -> Option<String> {
    let start = text.find(marker)? + marker.len();
    text[start..]
        .split_whitespace()
        .next()
        .map(|id| id.trim_end_matches('/').to_string())
}

fn strip_doi_resolver(doi: &str) -> String {
    [
        "https://doi.org/",
        "http://doi.org/",
        "https://dx.doi.org/",
        "doi:",
    ]
    .iter()
    .find_map(|prefix| doi.strip_prefix(prefix))
    .unwrap_or(doi)
    .to_string()
}

/// The BibTeX key made into a valid key (lower-case ASCII, `-` for punctuation);
/// when nothing usable is left, family name + year + first title word.
pub fn citation_key(bib_key: &str, fields: &PaperFields) -> String {
    let from_bib = slug(bib_key);
    if is_valid_key(&from_bib) {
        return from_bib;
    }
    let family = fields
        .named_authors()
        .first()
        .map(|name| slug(&crate::formats::cite::family_name(name)).replace('-', ""))
        .unwrap_or_default();
    let word = fields
        .title
        .split_whitespace()
        .map(|w| slug(w).replace('-', ""))
        .find(|w| w.len() > 3)
        .unwrap_or_default();
    format!("{family}{}{word}", fields.year)
}

/// Lower-case ASCII letters, digits, `-` and `_`; accents dropped (`Köpf` -> `kopf`).
fn slug(text: &str) -> String {
    let ascii: String = text
        .nfd()
        .filter(char::is_ascii)
        .map(|c| match c.to_ascii_lowercase() {
            c @ ('a'..='z' | '0'..='9' | '_' | '-') => c,
            _ => '-',
        })
        .collect();
    let mut collapsed = String::with_capacity(ascii.len());
    for c in ascii.chars() {
        if !(c == '-' && collapsed.ends_with('-')) {
            collapsed.push(c);
        }
    }
    collapsed.trim_matches('-').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(bib: &str) -> Imported {
        let (mut entries, problems) = convert(Path::new("x.bib"), bib);
        assert!(problems.is_empty(), "{problems:?}");
        entries.remove(0)
    }

    #[test]
    fn resolves_braces_and_accents_to_unicode() {
        let paper = one(
            r#"@article{Kopf2023:OA, title = {{OpenAssistant} Conversations}, author = {K{\"o}pf, Andreas and von R\"{u}tte, Dimitri and Nagyfi, Rich{\'a}rd and others}, year = 2023, month = apr, journal = {arXiv preprint arXiv:2304.07327}}"#,
        );
        assert_eq!(paper.fields.title, "OpenAssistant Conversations");
        assert_eq!(
            paper.fields.authors,
            [
                "Andreas Köpf",
                "Dimitri von Rütte",
                "Richárd Nagyfi",
                "others"
            ]
        );
        assert_eq!((paper.fields.year, paper.fields.month), (2023, Some(4)));
        assert_eq!(paper.fields.venue.as_deref(), Some("arXiv"));
        assert_eq!(paper.fields.arxiv.as_deref(), Some("2304.07327"));
        assert_eq!(
            paper.fields.url.as_deref(),
            Some("https://arxiv.org/abs/2304.07327")
        );
        assert_eq!(paper.key, "kopf2023-oa");
    }

    #[test]
    fn maps_booktitle_eprint_and_doi() {
        let paper = one(
            "@inproceedings{li2021prefix, title = {Prefix-Tuning}, author = {Xiang Lisa Li and Percy Liang}, booktitle = {ACL 2021}, year = {2021}, eprint = {2101.00190}, archivePrefix = {arXiv}, doi = {https://doi.org/10.18653/v1/2021.acl-long.353}}",
        );
        assert_eq!(paper.fields.venue.as_deref(), Some("ACL 2021"));
        assert_eq!(paper.fields.arxiv.as_deref(), Some("2101.00190"));
        assert_eq!(
            paper.fields.doi.as_deref(),
            Some("10.18653/v1/2021.acl-long.353")
        );
        assert_eq!(paper.fields.authors, ["Xiang Lisa Li", "Percy Liang"]);
    }

    #[test]
    fn reports_a_missing_year_at_the_entry() {
        let (_, problems) = convert(Path::new("x.bib"), "\n@misc{nokey,\n title = {T}}");
        assert_eq!(problems[0].message, "entry `nokey` has no year");
        assert_eq!((problems[0].line, problems[0].column), (2, 7));
    }

    #[test]
    fn derives_a_key_when_the_bib_key_is_unusable() {
        let fields: PaperFields =
            serde_yaml::from_str("title: The Method of Köpf\nyear: 2023\nauthors: [Andreas Köpf]")
                .unwrap();
        assert_eq!(citation_key("::", &fields), "kopf2023method");
        assert_eq!(citation_key("Smith:2020/Foo", &fields), "smith-2020-foo");
    }
}
