//! Checks on paper front-matter values that the YAML types cannot express
//! (ranges, identifier formats, URLs), each reported at the offending field.

use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::load::SourceFile;
use crate::model::PaperFields;
use crate::parse::frontmatter::{self, Split};

/// Validates `fields` of the paper in `file`, pushing one diagnostic per problem.
pub fn paper(
    file: &SourceFile,
    split: &Split,
    fields: &PaperFields,
    diagnostics: &mut Diagnostics,
) {
    let at = |field: &str| frontmatter::field_position(file, split, field);
    let error = |field: &str, message: String, help: &str| {
        Diagnostic::error(&file.path, message)
            .at(at(field))
            .span(value_width(file, at(field)))
            .help(help)
    };
    if fields.title.trim().is_empty() {
        diagnostics.push(error(
            "title",
            "the title is empty".into(),
            "write the paper's full title",
        ));
    }
    let latest = current_year() + 1;
    if !(1950..=latest).contains(&fields.year) {
        diagnostics.push(error(
            "year",
            format!("year {} is outside 1950..={latest}", fields.year),
            "write the year of first publication, four digits",
        ));
    }
    if let Some(month) = fields.month.filter(|m| !(1..=12).contains(m)) {
        diagnostics.push(error(
            "month",
            format!("month {month} is outside 1..=12"),
            "write the month as a number from 1 to 12",
        ));
    }
    for (name, value) in optional_texts(fields) {
        if value.is_some_and(|v| v.trim().is_empty()) {
            diagnostics.push(error(
                name,
                format!("the `{name}` field is empty"),
                "write the value, or delete the line",
            ));
        }
    }
    if fields.title.trim_start().starts_with(PLACEHOLDER) {
        diagnostics.push(
            Diagnostic::warning(&file.path, "the title is still the placeholder")
                .at(at("title"))
                .span(value_width(file, at("title")))
                .help("write the paper's full title, as printed on the paper"),
        );
    }
    let filled = |value: &Option<String>| value.clone().filter(|v| !v.trim().is_empty());
    if let Some(arxiv) = filled(&fields.arxiv).filter(|id| !is_arxiv_id(id)) {
        diagnostics.push(error(
            "arxiv",
            format!("`{arxiv}` is not an arXiv identifier"),
            "write it like `2305.18290`, `2305.18290v2` or `cs/0112017`, without the URL",
        ));
    }
    if let Some(doi) = filled(&fields.doi).filter(|doi| !is_doi(doi)) {
        diagnostics.push(error(
            "doi",
            format!("`{doi}` is not a DOI"),
            "write it like `10.18653/v1/2023.acl-long.1`, without https://doi.org/",
        ));
    }
    for (name, value) in [("url", &fields.url), ("code", &fields.code)] {
        if let Some(url) = filled(value).filter(|url| !is_http_url(url)) {
            diagnostics.push(error(
                name,
                format!("`{url}` is not an absolute http(s) URL"),
                "write the full address, starting with https://",
            ));
        }
    }
    if let Some(added) = filled(&fields.added).filter(|date| !is_iso_date(date)) {
        diagnostics.push(error(
            "added",
            format!("`{added}` is not a date"),
            "write the date the paper joined the survey as YYYY-MM-DD",
        ));
    }
    for (index, author) in fields.authors.iter().enumerate() {
        if author.trim().is_empty() {
            diagnostics.push(
                Diagnostic::error(&file.path, "an author name is empty")
                    .at(frontmatter::list_item_position(
                        file, split, "authors", index,
                    ))
                    .help("write the author's full name, or remove the item"),
            );
        }
    }
}

/// The title `survey new paper` writes until the contributor replaces it.
pub const PLACEHOLDER: &str = "TODO";

fn optional_texts(fields: &PaperFields) -> [(&'static str, Option<&String>); 6] {
    [
        ("venue", fields.venue.as_ref()),
        ("arxiv", fields.arxiv.as_ref()),
        ("doi", fields.doi.as_ref()),
        ("url", fields.url.as_ref()),
        ("code", fields.code.as_ref()),
        ("added", fields.added.as_ref()),
    ]
}

fn value_width(file: &SourceFile, at: crate::diagnostics::Position) -> usize {
    file.text
        .lines()
        .nth(at.line.saturating_sub(1))
        .map_or(1, |line| {
            line.chars()
                .skip(at.column.saturating_sub(1))
                .count()
                .max(1)
        })
}

/// The current year, from the system clock.
pub fn current_year() -> i32 {
    today().0
}

/// Today's UTC date as (year, month, day), from the system clock
/// (civil-from-days, Howard Hinnant's algorithm).
pub fn today() -> (i32, u32, u32) {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let days = seconds.div_euclid(86_400) + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month_index >= 10);
    (year as i32, month as u32, day as u32)
}

/// New-style `YYMM.NNNN(N)` with optional version, or old-style `archive/YYMMNNN`.
pub fn is_arxiv_id(id: &str) -> bool {
    let (base, version) = match id.rsplit_once('v') {
        Some((base, v)) if !v.is_empty() && v.chars().all(|c| c.is_ascii_digit()) => {
            (base, Some(v))
        }
        _ => (id, None),
    };
    let _ = version;
    if let Some((archive, number)) = base.split_once('/') {
        let archive_ok = !archive.is_empty()
            && archive
                .chars()
                .all(|c| c.is_ascii_lowercase() || c == '-' || c == '.');
        return archive_ok && number.len() == 7 && number.chars().all(|c| c.is_ascii_digit());
    }
    let Some((yymm, number)) = base.split_once('.') else {
        return false;
    };
    let month_ok = yymm.len() == 4
        && yymm.chars().all(|c| c.is_ascii_digit())
        && matches!(yymm[2..].parse::<u32>(), Ok(1..=12));
    // Numbers have four digits until 2014 (YYMM < 1501) and five since.
    let digits = if yymm < "1501" { 4 } else { 5 };
    month_ok && number.len() == digits && number.chars().all(|c| c.is_ascii_digit())
}

pub fn is_doi(doi: &str) -> bool {
    let Some(rest) = doi.strip_prefix("10.") else {
        return false;
    };
    let Some((registrant, suffix)) = rest.split_once('/') else {
        return false;
    };
    !registrant.is_empty()
        && registrant.chars().all(|c| c.is_ascii_digit() || c == '.')
        && !suffix.trim().is_empty()
}

pub fn is_http_url(url: &str) -> bool {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    rest.is_some_and(|rest| {
        let host = rest.split(['/', '?', '#']).next().unwrap_or("");
        !host.is_empty() && !url.chars().any(char::is_whitespace)
    })
}

fn is_iso_date(date: &str) -> bool {
    let parts: Vec<&str> = date.split('-').collect();
    matches!(parts.as_slice(), [y, m, d] if y.len() == 4 && m.len() == 2 && d.len() == 2
        && matches!(m.parse::<u32>(), Ok(1..=12)) && matches!(d.parse::<u32>(), Ok(1..=31))
        && y.chars().all(|c| c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_new_old_and_versioned_arxiv_ids() {
        for id in [
            "2305.18290",
            "2305.18290v2",
            "cs/0112017",
            "1706.03741",
            "0704.0001",
        ] {
            assert!(is_arxiv_id(id), "{id}");
        }
        for id in [
            "2305.1829",
            "2313.18290",
            "arxiv:2305.18290",
            "https://arxiv.org/abs/2305.18290",
            "cs/01120",
        ] {
            assert!(!is_arxiv_id(id), "{id}");
        }
    }

    #[test]
    fn checks_dois_and_urls() {
        assert!(is_doi("10.18653/v1/2023.emnlp-main.153"));
        assert!(!is_doi("https://doi.org/10.1/x"));
        assert!(!is_doi("10.1/"));
        assert!(is_http_url("https://arxiv.org/abs/1"));
        assert!(!is_http_url("arxiv.org/abs/1"));
        assert!(!is_http_url("ftp://x"));
        assert!(!is_http_url("https://"));
    }

    #[test]
    fn current_year_is_plausible() {
        assert!((2024..2200).contains(&current_year()));
    }
}
