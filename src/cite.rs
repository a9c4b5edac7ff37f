//! How papers read when cited: author-year labels (disambiguated site-wide with
//! letters, "2023a"), reference-list entries and BibTeX.
//!
//! Labels are computed once per build from all papers, so the same paper reads the
//! same on every page.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::markdown::escape_html;
use crate::model::{OTHERS, Paper, PaperFields};

/// How a paper reads in an author-year citation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    /// "Rafailov et al.", "Hu and Shen", "Touvron", or a short title.
    pub names: String,
    /// "2023", or "2023a" when two papers would otherwise read the same.
    pub year: String,
}

/// Family name: the last word of a full name ("Christopher D. Manning" -> "Manning").
pub fn family_name(full_name: &str) -> &str {
    full_name.split_whitespace().last().unwrap_or(full_name)
}

/// "A", "A and B", or "A et al."; a work without authors is named by its short title.
pub fn label_names(fields: &PaperFields) -> String {
    let named = fields.named_authors();
    match (named, fields.authors_incomplete()) {
        ([], _) => short_title(&fields.title),
        ([only], false) => family_name(only).to_string(),
        ([first, second], false) => format!("{} and {}", family_name(first), family_name(second)),
        ([first, ..], _) => format!("{} et al.", family_name(first)),
    }
}

/// The part of a title before its colon ("FastChat: An Open Platform" -> "FastChat").
pub fn short_title(title: &str) -> String {
    let head = title.split(':').next().unwrap_or(title).trim();
    let words: Vec<&str> = head.split_whitespace().collect();
    if words.len() <= 5 {
        words.join(" ")
    } else {
        format!("{} …", words[..5].join(" "))
    }
}

/// Labels for every paper, with letters added where names and year collide.
/// Colliding papers are lettered in title order, as APA orders them.
pub fn labels<'a>(papers: impl IntoIterator<Item = &'a Paper>) -> BTreeMap<String, Label> {
    let mut groups: BTreeMap<(String, i32), Vec<&Paper>> = BTreeMap::new();
    for paper in papers {
        groups
            .entry((label_names(&paper.fields), paper.fields.year))
            .or_default()
            .push(paper);
    }
    let mut labels = BTreeMap::new();
    for ((names, year), mut group) in groups {
        group.sort_by(|a, b| {
            a.fields
                .title
                .to_lowercase()
                .cmp(&b.fields.title.to_lowercase())
                .then(a.key.cmp(&b.key))
        });
        let lettered = group.len() > 1;
        for (i, paper) in group.iter().enumerate() {
            let suffix = if lettered { letter(i) } else { String::new() };
            labels.insert(
                paper.key.clone(),
                Label {
                    names: names.clone(),
                    year: format!("{year}{suffix}"),
                },
            );
        }
    }
    labels
}

/// a, b, …, z, aa, ab, …
fn letter(index: usize) -> String {
    let alphabet = b"abcdefghijklmnopqrstuvwxyz";
    if index < 26 {
        (alphabet[index] as char).to_string()
    } else {
        format!("{}{}", letter(index / 26 - 1), alphabet[index % 26] as char)
    }
}

/// "Rafailov, R." from "Rafael Rafailov".
fn reference_name(full_name: &str) -> String {
    let words: Vec<&str> = full_name.split_whitespace().collect();
    match words.split_last() {
        Some((family, given)) if !given.is_empty() => {
            let initials: Vec<String> = given
                .iter()
                .filter_map(|w| w.chars().next())
                .map(|c| format!("{c}."))
                .collect();
            format!("{family}, {}", initials.join(" "))
        }
        _ => full_name.to_string(),
    }
}

/// Author list in reference style: "A, B., C, D., &amp; E, F." (APA-like).
fn reference_authors(fields: &PaperFields) -> String {
    let names: Vec<String> = fields
        .named_authors()
        .iter()
        .map(|n| reference_name(n))
        .collect();
    match (names.as_slice(), fields.authors_incomplete()) {
        ([], _) => String::new(),
        (all, true) => format!("{}, et al.", all.join(", ")),
        ([only], false) => only.clone(),
        ([init @ .., last], false) => format!("{}, &amp; {}", init.join(", "), last),
    }
}

/// One reference-list entry as HTML (escaped): authors, year, title, venue, link.
pub fn reference_html(paper: &Paper, label: &Label, paper_url: &str) -> String {
    let fields = &paper.fields;
    let mut html = String::new();
    let authors = reference_authors(fields);
    let title = escape_html(&fields.title);
    if authors.is_empty() {
        let _ = write!(
            html,
            "<a href=\"{}\"><cite>{title}</cite></a> ({}).",
            escape_html(paper_url),
            escape_html(&label.year)
        );
    } else {
        let authors = escape_html(&authors).replace("&amp;amp;", "&amp;");
        let _ = write!(
            html,
            "{authors} ({}). <a href=\"{}\">{title}</a>.",
            escape_html(&label.year),
            escape_html(paper_url)
        );
    }
    if let Some(venue) = &fields.venue {
        let _ = write!(html, " <em>{}</em>.", escape_html(venue));
    }
    if let Some(arxiv) = &fields.arxiv {
        let _ = write!(html, " arXiv:{}.", escape_html(arxiv));
    }
    if let Some(doi) = &fields.doi {
        let _ = write!(html, " https://doi.org/{}", escape_html(doi));
    }
    html
}

/// Escapes TeX specials in a BibTeX field value.
fn tex_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' | '%' | '$' | '#' | '_' => {
                out.push('\\');
                out.push(c);
            }
            '{' | '}' => {}
            '~' => out.push_str("\\textasciitilde{}"),
            '^' => out.push_str("\\textasciicircum{}"),
            '\\' => out.push_str("\\textbackslash{}"),
            _ => out.push(c),
        }
    }
    out
}

/// Is the venue a peer-reviewed one (not a preprint server, code host or blog)?
fn is_published_venue(venue: &str) -> bool {
    !matches!(
        venue.to_ascii_lowercase().as_str(),
        "arxiv" | "github" | "blog" | ""
    )
}

/// The BibTeX entry of a paper. Titles are double-braced to keep their capitals.
pub fn bibtex(key: &str, fields: &PaperFields) -> String {
    let venue = fields.venue.as_deref().unwrap_or("");
    let (kind, venue_field) = if is_published_venue(venue) {
        let journal =
            venue.to_ascii_lowercase().contains("journal") || venue.contains("Transactions");
        if journal {
            ("article", "journal")
        } else {
            ("inproceedings", "booktitle")
        }
    } else {
        ("misc", "howpublished")
    };
    let mut entries: Vec<(&str, String)> =
        vec![("title", format!("{{{}}}", tex_escape(&fields.title)))];
    if !fields.authors.is_empty() {
        let names: Vec<String> = fields
            .authors
            .iter()
            .map(|a| {
                if a == OTHERS {
                    "others".into()
                } else {
                    tex_escape(a)
                }
            })
            .collect();
        entries.push(("author", names.join(" and ")));
    }
    entries.push(("year", fields.year.to_string()));
    if let Some(month) = fields.month {
        entries.push(("month", month.to_string()));
    }
    if !venue.is_empty() {
        entries.push((venue_field, tex_escape(venue)));
    }
    if let Some(arxiv) = &fields.arxiv {
        entries.push(("eprint", tex_escape(arxiv)));
        entries.push(("archiveprefix", "arXiv".into()));
    }
    if let Some(doi) = &fields.doi {
        entries.push(("doi", tex_escape(doi)));
    }
    if let Some(url) = &fields.url {
        entries.push(("url", url.replace(['{', '}'], "")));
    }
    let mut out = format!("@{kind}{{{key},\n");
    for (name, value) in entries {
        let _ = writeln!(out, "  {name} = {{{value}}},");
    }
    out.push_str("}\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paper(key: &str, authors: &[&str], year: i32, title: &str) -> Paper {
        Paper {
            key: key.into(),
            source: format!("content/papers/{key}.md").into(),
            fields: PaperFields {
                title: title.into(),
                authors: authors.iter().map(|a| a.to_string()).collect(),
                year,
                month: None,
                venue: None,
                arxiv: None,
                doi: None,
                url: None,
                code: None,
                topics: vec![],
                added: None,
            },
            body: String::new(),
            body_offset: 0,
        }
    }

    #[test]
    fn names_follow_author_count() {
        assert_eq!(
            label_names(&paper("a", &["Ann Lee"], 2020, "T").fields),
            "Lee"
        );
        assert_eq!(
            label_names(&paper("a", &["Ann Lee", "Bo Ma"], 2020, "T").fields),
            "Lee and Ma"
        );
        assert_eq!(
            label_names(&paper("a", &["Ann Lee", "Bo Ma", "C D"], 2020, "T").fields),
            "Lee et al."
        );
        assert_eq!(
            label_names(&paper("a", &["Ann Lee", "others"], 2020, "T").fields),
            "Lee et al."
        );
        assert_eq!(
            label_names(&paper("a", &[], 2023, "FastChat: An Open Platform").fields),
            "FastChat"
        );
    }

    #[test]
    fn colliding_labels_get_letters_in_title_order() {
        let papers = [
            paper("w2", &["Yi Wang", "X", "Y"], 2023, "Zebra"),
            paper("w1", &["Yi Wang", "P", "Q"], 2023, "Aardvark"),
            paper("w3", &["Yi Wang", "P", "Q"], 2022, "Other"),
        ];
        let labels = labels(&papers);
        assert_eq!(labels["w1"].year, "2023a");
        assert_eq!(labels["w2"].year, "2023b");
        assert_eq!(labels["w3"].year, "2022");
    }

    #[test]
    fn bibtex_escapes_tex_specials_and_marks_incomplete_authors() {
        let mut p = paper("k", &["Ann Lee", "others"], 2023, "Q&A at 100%");
        p.fields.venue = Some("NeurIPS 2023".into());
        let bib = bibtex("k", &p.fields);
        assert!(bib.starts_with("@inproceedings{k,\n"), "{bib}");
        assert!(bib.contains("title = {{Q\\&A at 100\\%}}"), "{bib}");
        assert!(bib.contains("author = {Ann Lee and others}"), "{bib}");
        assert!(bib.contains("booktitle = {NeurIPS 2023}"), "{bib}");
    }

    #[test]
    fn reference_lists_authors_apa_style() {
        let p = paper(
            "k",
            &["Rafael Rafailov", "Archit Sharma", "Chelsea Finn"],
            2023,
            "DPO",
        );
        let label = Label {
            names: String::new(),
            year: "2023".into(),
        };
        let html = reference_html(&p, &label, "/papers/k/");
        assert!(
            html.starts_with("Rafailov, R., Sharma, A., &amp; Finn, C. (2023)."),
            "{html}"
        );
    }
}
