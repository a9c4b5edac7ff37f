//! What kind of work a paper is (preprint, conference paper, journal article, code
//! repository, web page), decided once from its `venue` and identifiers.
//!
//! Invariant: the CSL formatter, the BibTeX export and the CSL-JSON export all map a
//! paper through [`WorkKind::of`], so the three never disagree about a paper's type.
//! The rules are deliberately plain word lists; a venue that matches none of them is
//! taken to be a conference or workshop, the most common case in this field.

use crate::model::PaperFields;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WorkKind {
    /// On a preprint server; `server` is its name ("arXiv").
    Preprint { server: String },
    /// In the proceedings of a conference or workshop ("NeurIPS 2023").
    Conference { proceedings: String },
    /// In a journal; `journal` is the venue without a trailing year ("IEEE TKDE").
    Journal { journal: String },
    /// A code repository; `host` is where it lives ("GitHub").
    Software { host: String },
    /// A blog post or other web page.
    Web { site: Option<String> },
    /// No venue and nothing to tell: a plain document.
    Document,
}

/// Venues that are code hosts.
const CODE_HOSTS: &[&str] = &["github", "gitlab", "hugging face", "huggingface"];
/// Venues that are web publications rather than papers.
const WEB_VENUES: &[&str] = &["blog", "website", "web"];
/// Words (lowercase) that only journal names contain.
const JOURNAL_WORDS: &[&str] = &[
    "journal",
    "transactions",
    "review",
    "surveys",
    "letters",
    "magazine",
    "science",
    "sciences",
];
/// Journal acronyms (uppercase) common in machine learning and NLP.
const JOURNAL_ACRONYMS: &[&str] = &[
    "TACL", "TMLR", "JMLR", "TPAMI", "TKDE", "TKDD", "TIST", "TOIS", "CSUR", "JAIR",
];

impl WorkKind {
    /// Classifies a paper from its venue, falling back on its identifiers.
    pub fn of(fields: &PaperFields) -> WorkKind {
        match fields.venue.as_deref().map(str::trim) {
            Some(venue) if !venue.is_empty() => Self::of_venue(venue),
            _ if fields.arxiv.is_some() => WorkKind::Preprint {
                server: "arXiv".into(),
            },
            _ if fields.url.is_some() => WorkKind::Web { site: None },
            _ => WorkKind::Document,
        }
    }

    fn of_venue(venue: &str) -> WorkKind {
        let lower = venue.to_lowercase();
        if lower == "arxiv" {
            WorkKind::Preprint {
                server: venue.into(),
            }
        } else if CODE_HOSTS.contains(&lower.as_str()) {
            WorkKind::Software { host: venue.into() }
        } else if WEB_VENUES.contains(&lower.as_str()) {
            WorkKind::Web {
                site: Some(venue.into()),
            }
        } else if is_journal(venue) {
            WorkKind::Journal {
                journal: without_trailing_year(venue).into(),
            }
        } else {
            WorkKind::Conference {
                proceedings: venue.into(),
            }
        }
    }
}

fn is_journal(venue: &str) -> bool {
    venue.split(|c: char| !c.is_alphanumeric()).any(|word| {
        JOURNAL_WORDS.contains(&word.to_lowercase().as_str()) || JOURNAL_ACRONYMS.contains(&word)
    })
}

/// "IEEE TKDE 2024" -> "IEEE TKDE": a journal's name does not carry the year.
fn without_trailing_year(venue: &str) -> &str {
    match venue.rsplit_once(' ') {
        Some((name, year)) if year.len() == 4 && year.chars().all(|c| c.is_ascii_digit()) => {
            name.trim_end()
        }
        _ => venue,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(venue: Option<&str>, arxiv: Option<&str>) -> WorkKind {
        let mut fields: PaperFields = serde_yaml::from_str("title: T\nyear: 2023").unwrap();
        fields.venue = venue.map(Into::into);
        fields.arxiv = arxiv.map(Into::into);
        WorkKind::of(&fields)
    }

    #[test]
    fn classifies_the_venues_of_the_survey() {
        assert_eq!(
            kind(Some("arXiv"), Some("2305.18290")),
            WorkKind::Preprint {
                server: "arXiv".into()
            }
        );
        assert_eq!(
            kind(Some("NeurIPS 2023"), None),
            WorkKind::Conference {
                proceedings: "NeurIPS 2023".into()
            }
        );
        assert_eq!(
            kind(Some("SEALP Workshop at IJCNLP-AACL 2023"), None),
            WorkKind::Conference {
                proceedings: "SEALP Workshop at IJCNLP-AACL 2023".into()
            }
        );
        assert_eq!(
            kind(Some("GitHub"), None),
            WorkKind::Software {
                host: "GitHub".into()
            }
        );
        assert_eq!(
            kind(Some("Blog"), None),
            WorkKind::Web {
                site: Some("Blog".into())
            }
        );
    }

    #[test]
    fn journals_lose_their_trailing_year() {
        for (venue, journal) in [
            ("IEEE TKDE 2024", "IEEE TKDE"),
            ("ACM TKDD 2024", "ACM TKDD"),
            ("TACL", "TACL"),
            ("TMLR 2023", "TMLR"),
            ("ACM Computing Surveys 2025", "ACM Computing Surveys"),
            ("National Science Review 2024", "National Science Review"),
            (
                "Science China Information Sciences",
                "Science China Information Sciences",
            ),
        ] {
            assert_eq!(
                kind(Some(venue), None),
                WorkKind::Journal {
                    journal: journal.into()
                },
                "{venue}"
            );
        }
    }

    #[test]
    fn without_a_venue_the_identifiers_decide() {
        assert_eq!(
            kind(None, Some("2305.18290")),
            WorkKind::Preprint {
                server: "arXiv".into()
            }
        );
        assert_eq!(kind(None, None), WorkKind::Document);
    }
}
