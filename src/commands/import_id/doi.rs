//! DOI content negotiation (CSL-JSON) -> [`PaperFields`].
//!
//! The resolver forwards `Accept: application/vnd.citationstyles.csl+json` to the DOI's
//! registration agency (Crossref, DataCite, ...), which answers with a CSL-JSON item.
//! The venue is the `container-title` (the proceedings or journal); the year and month
//! come from `issued`, falling back to the print and online dates.

use serde_json::Value;

use super::{clean_text, status_problem, with_defaults};
use crate::commands::http::Client;
use crate::model::PaperFields;

pub const CSL_JSON: &str = "application/vnd.citationstyles.csl+json";

/// Looks up `doi` at the resolver `base` (which ends in `/`).
pub fn fetch(client: &Client, base: &str, doi: &str) -> Result<PaperFields, String> {
    let url = format!("{}/{doi}", base.trim_end_matches('/'));
    let reply = client.get(&url, CSL_JSON)?;
    if let Some(problem) = status_problem(reply.status, "the DOI resolver") {
        return Err(problem);
    }
    parse(&reply.body, doi)
}

/// The paper in a CSL-JSON item `json` for the DOI `doi`.
pub fn parse(json: &str, doi: &str) -> Result<PaperFields, String> {
    let item: Value = serde_json::from_str(json)
        .map_err(|_| "the DOI resolver did not answer with CSL-JSON".to_string())?;
    let title = text(&item["title"])
        .map(|t| clean_text(&t))
        .filter(|t| !t.is_empty())
        .ok_or("the DOI's record has no title")?;
    let (year, month) = ["issued", "published-print", "published-online", "created"]
        .iter()
        .find_map(|field| year_month(&item[*field]))
        .ok_or("the DOI's record has no date")?;
    let mut fields = PaperFields::new(title, year);
    fields.month = month;
    fields.authors = authors(&item["author"]);
    fields.venue = text(&item["container-title"])
        .map(|t| clean_text(&t))
        .filter(|t| !t.is_empty());
    fields.doi = Some(text(&item["DOI"]).unwrap_or_else(|| doi.to_string()));
    fields.url = text(&item["URL"]).filter(|u| crate::parse::validate::is_http_url(u));
    Ok(with_defaults(fields))
}

/// A string, or the first string of an array (older records use arrays).
fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Array(items) => items.iter().find_map(text),
        _ => None,
    }
}

/// "Given Family" per person; an organisation's `literal` name as it is.
fn authors(value: &Value) -> Vec<String> {
    let Some(people) = value.as_array() else {
        return Vec::new();
    };
    people
        .iter()
        .filter_map(|person| {
            let literal = text(&person["literal"]);
            let parts = ["given", "non-dropping-particle", "family", "suffix"]
                .iter()
                .filter_map(|part| text(&person[*part]))
                .collect::<Vec<_>>()
                .join(" ");
            let name = literal.unwrap_or(parts);
            Some(clean_text(&name)).filter(|n| !n.is_empty())
        })
        .collect()
}

/// `{"date-parts": [[2023, 7, 9]]}` -> (2023, Some(7)).
fn year_month(value: &Value) -> Option<(i32, Option<u32>)> {
    let parts = value["date-parts"].get(0)?.as_array()?;
    let number = |index: usize| -> Option<i64> {
        let part = parts.get(index)?;
        part.as_i64().or_else(|| part.as_str()?.parse().ok())
    };
    let year = i32::try_from(number(0)?).ok()?;
    let month = number(1)
        .and_then(|m| u32::try_from(m).ok())
        .filter(|m| (1..=12).contains(m));
    Some((year, month))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ITEM: &str =
        include_str!("../../../tests/fixtures/import-id/doi-10.18653-v1-2023.acl-long.754.json");

    #[test]
    fn maps_a_csl_item_to_paper_fields() {
        let fields = parse(ITEM, "10.18653/v1/2023.acl-long.754").unwrap();
        assert_eq!(
            fields.title,
            "Self-Instruct: Aligning Language Models with Self-Generated Instructions"
        );
        assert_eq!(fields.authors[4], "Noah A. Smith");
        assert_eq!(fields.authors.len(), 7);
        assert_eq!((fields.year, fields.month), (2023, None));
        assert_eq!(fields.venue.as_deref(), Some("ACL 2023"));
        assert_eq!(fields.doi.as_deref(), Some("10.18653/v1/2023.acl-long.754"));
        assert_eq!(
            fields.url.as_deref(),
            Some("https://aclanthology.org/2023.acl-long.754")
        );
    }

    #[test]
    fn literal_names_arrays_and_string_dates_are_read() {
        let item = r#"{"title": ["A <i>study</i>"], "author": [{"literal": "BigScience Workshop"}],
            "published-online": {"date-parts": [["2022", "13"]]}}"#;
        let fields = parse(item, "10.1/x").unwrap();
        assert_eq!(fields.title, "A study");
        assert_eq!(fields.authors, ["BigScience Workshop"]);
        assert_eq!((fields.year, fields.month), (2022, None));
        assert_eq!(fields.url.as_deref(), Some("https://doi.org/10.1/x"));
    }

    #[test]
    fn html_instead_of_json_is_a_clear_error() {
        assert_eq!(
            parse("<html>", "10.1/x").unwrap_err(),
            "the DOI resolver did not answer with CSL-JSON"
        );
    }
}
