//! How papers read when cited in prose: author-year labels ("Rafailov et al., 2023",
//! "Wang et al., 2023a"), and the BibTeX entry shown beside them.
//!
//! Labels are computed once per build from all papers, so the same paper reads the
//! same on every page. Their letters come from the CSL run over all papers
//! ([`crate::formats::csl::Bibliography::year_suffixes`]) whenever the style assigns letters, so
//! a label and the paper's reference-list entry carry the same letter; only for styles
//! without letters (numeric ones) does [`labels`] letter collisions itself.

use std::collections::BTreeMap;

use rayon::prelude::*;

use crate::model::names::PersonName;
use crate::model::{Paper, PaperFields};

/// How a paper reads in an author-year citation.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Label {
    /// "Rafailov et al.", "Hu and Shen", "Touvron", or a short title.
    pub names: String,
    /// "2023", or "2023a" when two papers would otherwise read the same.
    pub year: String,
}

/// Family name as cited, split BibTeX-style ("Christopher D. Manning" -> "Manning").
/// A lowercase particle is dropped ("Dimitri von Rütte" -> "Rütte"), as BibLaTeX and
/// CSL styles do by default, so the label matches the reference list ("Rütte, D. von").
pub fn family_name(full_name: &str) -> String {
    PersonName::parse(full_name).family
}

/// "A", "A and B", or "A et al."; a work without authors is named by its short title.
pub fn label_names(fields: &PaperFields) -> String {
    let named = fields.named_authors();
    match (named, fields.authors_incomplete()) {
        ([], _) => short_title(&fields.title),
        ([only], false) => family_name(only),
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

/// Labels for every paper. With `style_letters` (the CSL style's year letters, by
/// key) a paper's year carries exactly the style's letter. Papers whose names and year
/// collide but that the style left unlettered (numeric styles, or `None`) are lettered
/// in title order, as APA orders them, so no two labels ever read the same.
pub fn labels<'a>(
    papers: impl IntoIterator<Item = &'a Paper>,
    style_letters: Option<&BTreeMap<String, String>>,
) -> BTreeMap<String, Label> {
    // Reading the names is most of the work (every author's name is parsed), and
    // independent per paper: in parallel, then grouped in order.
    let papers: Vec<&Paper> = papers.into_iter().collect();
    let names: Vec<String> = (papers.par_iter())
        .map(|paper| label_names(&paper.fields))
        .collect();
    let mut groups: BTreeMap<(String, i32), Vec<&Paper>> = BTreeMap::new();
    for (paper, names) in papers.into_iter().zip(names) {
        groups
            .entry((names, paper.fields.year))
            .or_default()
            .push(paper);
    }
    let mut labels = BTreeMap::new();
    for ((names, year), group) in groups {
        let lettered = letter_group(group);
        let styled = style_letters.filter(|letters| {
            lettered.len() == 1 || lettered.iter().all(|(p, _)| letters.contains_key(&p.key))
        });
        for (paper, own_letter) in lettered {
            let letter = match styled {
                Some(letters) => letters.get(&paper.key).cloned().unwrap_or_default(),
                None => own_letter,
            };
            let label = Label {
                names: names.clone(),
                year: format!("{year}{letter}"),
            };
            labels.insert(paper.key.clone(), label);
        }
    }
    labels
}

/// Papers that would read the same, each with its letter ("" when alone), in title order.
fn letter_group(mut group: Vec<&Paper>) -> Vec<(&Paper, String)> {
    group.sort_by(|a, b| {
        let title = |p: &Paper| p.fields.title.to_lowercase();
        title(a).cmp(&title(b)).then(a.key.cmp(&b.key))
    });
    let lettered = group.len() > 1;
    (group.into_iter().enumerate())
        .map(|(i, paper)| (paper, if lettered { letter(i) } else { String::new() }))
        .collect()
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

/// The BibTeX entry of a paper (see [`crate::formats::bibtex`], which builds it with the
/// `biblatex` crate).
pub fn bibtex(key: &str, fields: &PaperFields) -> String {
    crate::formats::bibtex::bibtex(key, fields)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paper(key: &str, authors: &[&str], year: i32, title: &str) -> Paper {
        Paper::for_tests(key, authors, year, title)
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
        let labels = labels(&papers, None);
        assert_eq!(labels["w1"].year, "2023a");
        assert_eq!(labels["w2"].year, "2023b");
        assert_eq!(labels["w3"].year, "2022");
    }

    #[test]
    fn style_letters_override_title_order() {
        let papers = [
            paper("w2", &["Yi Wang", "X", "Y"], 2023, "Zebra"),
            paper("w1", &["Yi Wang", "P", "Q"], 2023, "Aardvark"),
            paper("w3", &["Yi Wang", "P", "Q"], 2022, "Other"),
        ];
        let letters: BTreeMap<String, String> = [
            ("w2".to_string(), "a".to_string()),
            ("w1".into(), "b".into()),
        ]
        .into();
        let labels = labels(&papers, Some(&letters));
        assert_eq!(labels["w2"].year, "2023a");
        assert_eq!(labels["w1"].year, "2023b");
        assert_eq!(labels["w3"].year, "2022");
    }

    #[test]
    fn family_names_drop_lowercase_particles() {
        assert_eq!(family_name("Dimitri von Rütte"), "Rütte");
        assert_eq!(family_name("Teven Le Scao"), "Scao");
        assert_eq!(family_name("Christopher D. Manning"), "Manning");
    }
}
