//! arXiv's query API (Atom XML) -> [`PaperFields`].
//!
//! The first version's `published` date gives year and month (the contract counts the
//! first arXiv version); the id is stored without its version; the venue is "arXiv", as
//! the `.bib` import writes for a preprint.

use roxmltree::{Document, Node};

use super::{clean_text, status_problem, with_defaults};
use crate::commands::http::Client;
use crate::model::PaperFields;

const ATOM: &str = "http://www.w3.org/2005/Atom";
const ARXIV: &str = "http://arxiv.org/schemas/atom";

/// Looks up `id` at the API `base`.
pub fn fetch(client: &Client, base: &str, id: &str) -> Result<PaperFields, String> {
    let url = format!("{base}?id_list={id}&max_results=1");
    let reply = client.get(&url, "application/atom+xml")?;
    if let Some(problem) = status_problem(reply.status, "arXiv") {
        return Err(problem);
    }
    parse(&reply.body, id)
}

/// The paper in an API answer `xml` for the query `id`.
pub fn parse(xml: &str, id: &str) -> Result<PaperFields, String> {
    let document =
        Document::parse(xml).map_err(|e| format!("arXiv's answer is not valid XML: {e}"))?;
    let entry = document
        .root_element()
        .children()
        .find(|n| n.has_tag_name((ATOM, "entry")))
        .ok_or("arXiv has no paper with this id")?;
    let text = |name: (&str, &str)| child_text(entry, name);
    if text((ATOM, "id")).is_some_and(|i| i.contains("/api/errors")) {
        let reason = text((ATOM, "summary")).unwrap_or_default();
        return Err(format!("arXiv refused the query: {}", clean_text(&reason)));
    }
    let title = text((ATOM, "title"))
        .map(|t| clean_text(&t))
        .filter(|t| !t.is_empty())
        .ok_or("arXiv has no paper with this id")?;
    let (year, month) = text((ATOM, "published"))
        .as_deref()
        .and_then(year_month)
        .ok_or("arXiv's answer has no publication date")?;
    let base_id = without_version(id);
    let mut fields = PaperFields::new(title, year);
    fields.month = Some(month);
    fields.authors = entry
        .children()
        .filter(|n| n.has_tag_name((ATOM, "author")))
        .filter_map(|author| child_text(author, (ATOM, "name")))
        .map(|name| clean_text(&name))
        .filter(|name| !name.is_empty())
        .collect();
    fields.venue = Some("arXiv".to_string());
    fields.doi = text((ARXIV, "doi")).map(|d| d.trim().to_string());
    fields.arxiv = Some(base_id);
    Ok(with_defaults(fields))
}

fn child_text(node: Node, name: (&str, &str)) -> Option<String> {
    node.children()
        .find(|n| n.has_tag_name(name))
        .map(|n| n.text().unwrap_or("").to_string())
}

/// `2023-05-29T17:57:46Z` -> (2023, 5).
fn year_month(date: &str) -> Option<(i32, u32)> {
    let year = date.get(..4)?.parse::<i32>().ok()?;
    let month = date
        .get(5..7)?
        .parse::<u32>()
        .ok()
        .filter(|m| (1..=12).contains(m))?;
    Some((year, month))
}

/// `2305.18290v3` -> `2305.18290`.
fn without_version(id: &str) -> String {
    match id.rsplit_once('v') {
        Some((base, v)) if !v.is_empty() && v.chars().all(|c| c.is_ascii_digit()) => {
            base.to_string()
        }
        _ => id.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FEED: &str = include_str!("../../../tests/fixtures/import-id/arxiv-2305.18290.xml");

    #[test]
    fn maps_an_entry_to_paper_fields() {
        let fields = parse(FEED, "2305.18290v2").unwrap();
        assert_eq!(
            fields.title,
            "Direct Preference Optimization: Your Language Model is Secretly a Reward Model"
        );
        assert_eq!(fields.authors.len(), 6);
        assert_eq!(fields.authors[3], "Christopher D. Manning");
        assert_eq!((fields.year, fields.month), (2023, Some(5)));
        assert_eq!(fields.arxiv.as_deref(), Some("2305.18290"));
        assert_eq!(
            fields.url.as_deref(),
            Some("https://arxiv.org/abs/2305.18290")
        );
        assert_eq!(fields.venue.as_deref(), Some("arXiv"));
    }

    #[test]
    fn an_empty_feed_and_an_error_entry_are_errors() {
        let empty = format!("<feed xmlns=\"{ATOM}\"><title>q</title></feed>");
        assert_eq!(
            parse(&empty, "2301.00001").unwrap_err(),
            "arXiv has no paper with this id"
        );
        let error = format!(
            "<feed xmlns=\"{ATOM}\"><entry><id>http://arxiv.org/api/errors#bad</id><title>Error</title><summary>incorrect id format</summary></entry></feed>"
        );
        assert!(
            parse(&error, "x")
                .unwrap_err()
                .contains("incorrect id format")
        );
    }
}
