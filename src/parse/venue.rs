//! A venue string split into its series and its year, for the search page's venue
//! facet: "every NeurIPS paper" is one value however many editions the survey cites.
//!
//! The rule, applied to the venue as written in a paper's front-matter:
//! 1. a trailing parenthesised qualifier is dropped ("NeurIPS 2023 (Datasets and
//!    Benchmarks Track)" -> "NeurIPS 2023");
//! 2. the first word that is a year (four digits, 1900 to 2099, optionally after an
//!    apostrophe-free separator such as a comma) is the year, and is taken out;
//! 3. what is left, with spaces collapsed and separators (`,`, `-`, `–`, `:`) trimmed
//!    from both ends, is the series; if nothing is left, the series is the venue as
//!    written.
//!
//! So "NeurIPS 2023" -> ("NeurIPS", 2023), "Findings of ACL 2024" -> ("Findings of
//! ACL", 2024), "arXiv" -> ("arXiv", none), "TMLR" -> ("TMLR", none).
//!
//! Invariant: only the facet uses the series; pages, references, exports and the venue
//! listings keep the exact venue string.

/// A venue's series and, when it names one, its year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VenueParts {
    pub series: String,
    pub year: Option<i32>,
}

/// Splits `venue` by the rule of the module documentation.
pub fn split(venue: &str) -> VenueParts {
    let venue = venue.trim();
    let main = without_qualifier(venue);
    let mut year = None;
    let mut words: Vec<&str> = Vec::new();
    for word in main.split_whitespace() {
        match (year, as_year(word)) {
            (None, Some(found)) => year = Some(found),
            _ => words.push(word),
        }
    }
    let is_separator = |c: char| matches!(c, ',' | '-' | '–' | ':' | ' ');
    let series = words.join(" ").trim_matches(is_separator).to_string();
    let series = if series.is_empty() {
        venue.to_string()
    } else {
        series
    };
    VenueParts { series, year }
}

/// `venue` without a final "( ... )" group, when something comes before it.
fn without_qualifier(venue: &str) -> &str {
    if let Some(open) = venue.strip_suffix(')').and_then(|v| v.rfind('(')) {
        let before = venue[..open].trim_end();
        if !before.is_empty() {
            return before;
        }
    }
    venue
}

/// A word that is a year, with a trailing comma or colon allowed ("2023,").
fn as_year(word: &str) -> Option<i32> {
    let digits = word.trim_end_matches([',', ':']);
    let year: i32 = (digits.len() == 4 && digits.bytes().all(|b| b.is_ascii_digit()))
        .then(|| digits.parse().ok())
        .flatten()?;
    (1900..=2099).contains(&year).then_some(year)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(venue: &str) -> (String, Option<i32>) {
        let VenueParts { series, year } = split(venue);
        (series, year)
    }

    #[test]
    fn a_conference_edition_is_its_series_and_year() {
        assert_eq!(parts("NeurIPS 2023"), ("NeurIPS".into(), Some(2023)));
        assert_eq!(parts("ICLR 2024"), ("ICLR".into(), Some(2024)));
        assert_eq!(
            parts("LREC-COLING 2024"),
            ("LREC-COLING".into(), Some(2024))
        );
    }

    #[test]
    fn a_track_in_parentheses_belongs_to_the_series() {
        let track = "NeurIPS 2023 (Datasets and Benchmarks Track)";
        assert_eq!(parts(track), ("NeurIPS".into(), Some(2023)));
        let demos = "ACL 2022 (System Demonstrations)";
        assert_eq!(parts(demos), ("ACL".into(), Some(2022)));
    }

    #[test]
    fn a_venue_without_a_year_is_its_own_series() {
        assert_eq!(parts("arXiv"), ("arXiv".into(), None));
        assert_eq!(parts("TMLR"), ("TMLR".into(), None));
        let journal = "Science China Information Sciences";
        assert_eq!(parts(journal), (journal.into(), None));
    }

    #[test]
    fn words_around_the_year_stay_in_the_series() {
        let findings = "Findings of ACL 2024";
        assert_eq!(parts(findings), ("Findings of ACL".into(), Some(2024)));
        let workshop = "NeurIPS 2023 Workshop on Instruction Tuning";
        let expected = "NeurIPS Workshop on Instruction Tuning";
        assert_eq!(parts(workshop), (expected.into(), Some(2023)));
        assert_eq!(parts("ACL, 2021"), ("ACL".into(), Some(2021)));
    }

    #[test]
    fn numbers_that_are_not_years_stay() {
        assert_eq!(parts("GPT-4 Report"), ("GPT-4 Report".into(), None));
        assert_eq!(parts("Volume 12345"), ("Volume 12345".into(), None));
        assert_eq!(parts("Pages 1024"), ("Pages 1024".into(), None));
    }

    #[test]
    fn a_venue_that_is_only_a_year_or_a_qualifier_is_kept_whole() {
        assert_eq!(parts("2023"), ("2023".into(), Some(2023)));
        assert_eq!(parts("(Anonymous)"), ("(Anonymous)".into(), None));
    }
}
