//! Metadata for the wider web: OpenGraph and Twitter cards, Highwire Press
//! `citation_*` tags (read by Google Scholar and reference managers), schema.org
//! JSON-LD, and the Atom feed of papers.
//!
//! Invariants: pure functions of the assembled site; values go to templates as plain
//! strings that Tera escapes, except [`WebMeta::json_ld`], which is serialized by
//! serde_json with every `<` written as `\u003c`, so no `</script>` or `<!--` can end
//! the script element early; the feed is escaped XML and its order and dates depend
//! only on content (no build time), so two builds give the same bytes.

use std::cmp::Reverse;

use serde::Serialize;
use serde_json::{Value, json};

use crate::assemble::listings;
use crate::assemble::site::{Site, newest_key};
use crate::html::escape_html;
use crate::model::{Paper, PaperFields, Topic};
use crate::parse::config::Config;

/// What `base.html` puts in `<head>` beyond the title and canonical link.
#[derive(Debug, Clone, Serialize)]
pub struct WebMeta {
    pub title: String,
    pub description: String,
    /// The page's canonical URL.
    pub url: String,
    /// OpenGraph type: `website` or `article`.
    pub og_type: &'static str,
    /// JSON-LD, ready to put inside `<script type="application/ld+json">`.
    pub json_ld: Option<String>,
    /// Highwire Press tags in a stable order (paper pages only).
    pub citation: Vec<MetaTag>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MetaTag {
    pub name: &'static str,
    pub content: String,
}

impl WebMeta {
    /// A plain page: OpenGraph and Twitter card only.
    pub fn page(title: &str, description: &str, url: String) -> Self {
        WebMeta {
            title: title.to_string(),
            description: description.to_string(),
            url,
            og_type: "website",
            json_ld: None,
            citation: Vec::new(),
        }
    }
}

/// The home page: a schema.org `WebSite` whose `SearchAction` opens the search page.
pub fn home(config: &Config, title: &str) -> WebMeta {
    let base = config.base_url();
    let data = json!({
        "@context": "https://schema.org",
        "@type": "WebSite",
        "name": config.title,
        "description": config.description,
        "url": base,
        "inLanguage": config.language,
        "potentialAction": {
            "@type": "SearchAction",
            "target": {
                "@type": "EntryPoint",
                "urlTemplate": format!("{base}search/?q={{search_term_string}}"),
            },
            "query-input": "required name=search_term_string",
        },
    });
    WebMeta {
        json_ld: Some(json_ld_script(&data)),
        ..WebMeta::page(title, &config.description, base)
    }
}

/// A paper page: `ScholarlyArticle` JSON-LD and Highwire tags.
/// `topics` name the paper's topics as keywords.
pub fn paper(config: &Config, topics: &[Topic], paper: &Paper, description: &str) -> WebMeta {
    let url = format!("{}{}", config.base_url(), paper.path());
    WebMeta {
        title: paper.fields.title.clone(),
        description: description.to_string(),
        og_type: "article",
        json_ld: Some(json_ld_script(&scholarly_article(
            config, topics, paper, &url,
        ))),
        citation: highwire_tags(&paper.fields),
        url,
    }
}

/// JSON for a `<script>` element: `<` becomes `\u003c`, which JSON reads back as `<`.
pub fn json_ld_script(value: &Value) -> String {
    value.to_string().replace('<', "\\u003c")
}

fn scholarly_article(config: &Config, topics: &[Topic], paper: &Paper, url: &str) -> Value {
    let fields = &paper.fields;
    let base = config.base_url();
    let authors: Vec<Value> = fields
        .named_authors()
        .iter()
        .map(|name| {
            json!({
                "@type": "Person",
                "name": name,
                "url": format!("{base}{}", listings::author_path(name)),
            })
        })
        .collect();
    let mut article = serde_json::Map::new();
    let mut put = |key: &str, value: Value| {
        article.insert(key.to_string(), value);
    };
    put("@context", json!("https://schema.org"));
    put("@type", json!("ScholarlyArticle"));
    put("headline", json!(fields.title));
    put("name", json!(fields.title));
    put("author", json!(authors));
    put("datePublished", json!(publication_date(fields, "-")));
    put("url", json!(url));
    put("mainEntityOfPage", json!(url));
    if let Some(venue) = &fields.venue {
        put("isPartOf", json!({"@type": "CreativeWork", "name": venue}));
    }
    let same_as = external_urls(fields);
    if !same_as.is_empty() {
        put("sameAs", json!(same_as));
    }
    let keywords: Vec<&str> = fields
        .topics
        .iter()
        .filter_map(|id| {
            topics
                .iter()
                .find(|t| t.id == *id)
                .map(|t| t.title.as_str())
        })
        .collect();
    if !keywords.is_empty() {
        put("keywords", json!(keywords.join(", ")));
    }
    Value::Object(article)
}

/// The paper's own pages elsewhere: its URL, arXiv and DOI, without repeats.
fn external_urls(fields: &PaperFields) -> Vec<String> {
    let mut urls: Vec<String> = Vec::new();
    let candidates = [
        fields.url.clone(),
        fields
            .arxiv
            .as_ref()
            .map(|id| format!("https://arxiv.org/abs/{id}")),
        fields
            .doi
            .as_ref()
            .map(|doi| format!("https://doi.org/{doi}")),
    ];
    for url in candidates.into_iter().flatten() {
        if !urls.contains(&url) {
            urls.push(url);
        }
    }
    urls
}

/// `2023` or `2023-07` (with `separator` between year and month).
fn publication_date(fields: &PaperFields, separator: &str) -> String {
    match fields.month.filter(|m| (1..=12).contains(m)) {
        Some(month) => format!("{}{separator}{month:02}", fields.year),
        None => fields.year.to_string(),
    }
}

/// How a venue is published, for choosing the Highwire tag that names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VenueKind {
    Conference,
    Journal,
    /// arXiv, GitHub, blogs: no venue tag (arXiv has its own).
    Unpublished,
}

/// Classifies a venue string by the words venues use (`Transactions`, `Review`, ...).
pub fn venue_kind(venue: &str) -> VenueKind {
    let lower = venue.to_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| lower.contains(w));
    if has(&[
        "arxiv",
        "github",
        "blog",
        "preprint",
        "technical report",
        "website",
    ]) {
        VenueKind::Unpublished
    } else if has(&[
        "journal",
        "transactions",
        "review",
        "surveys",
        "letters",
        "science",
        "tacl",
        "tmlr",
        "jmlr",
        "ieee t",
        "acm t",
    ]) {
        VenueKind::Journal
    } else {
        VenueKind::Conference
    }
}

/// Highwire Press tags: title, each author, date, venue, arXiv id and DOI.
pub fn highwire_tags(fields: &PaperFields) -> Vec<MetaTag> {
    let tag = |name, content: &str| MetaTag {
        name,
        content: content.to_string(),
    };
    let mut tags = vec![tag("citation_title", &fields.title)];
    tags.extend(
        fields
            .named_authors()
            .iter()
            .map(|name| tag("citation_author", name)),
    );
    tags.push(tag(
        "citation_publication_date",
        &publication_date(fields, "/"),
    ));
    if let Some(venue) = &fields.venue {
        match venue_kind(venue) {
            VenueKind::Conference => tags.push(tag("citation_conference_title", venue)),
            VenueKind::Journal => tags.push(tag("citation_journal_title", venue)),
            VenueKind::Unpublished => {}
        }
    }
    if let Some(id) = &fields.arxiv {
        tags.push(tag("citation_arxiv_id", id));
        tags.push(tag(
            "citation_pdf_url",
            &format!("https://arxiv.org/pdf/{id}"),
        ));
    }
    if let Some(doi) = &fields.doi {
        tags.push(tag("citation_doi", doi));
    }
    tags
}

/// How many papers the feed lists: readers poll a feed for what is new, so a large
/// survey's feed stays small (Hugo and Zola cap theirs the same way).
pub const FEED_ENTRIES: usize = 50;

/// The Atom feed (`atom.xml`): the [`FEED_ENTRIES`] papers added most recently, newest
/// first.
pub fn atom_feed(site: &Site) -> String {
    let base = site.config.base_url();
    let papers = latest_added(site);
    let updated = papers
        .first()
        .map(|p| entry_date(&p.fields))
        .unwrap_or_else(|| "1970-01-01".to_string());
    let (title, language) = (escape_html(&site.config.title), &site.config.language);
    let header = [
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>".to_string(),
        format!(
            "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"{}\">",
            escape_html(language)
        ),
        format!("  <title>{title}</title>"),
        format!(
            "  <subtitle>{}</subtitle>",
            escape_html(&site.config.description)
        ),
        format!("  <link rel=\"self\" type=\"application/atom+xml\" href=\"{base}atom.xml\"/>"),
        format!("  <link rel=\"alternate\" type=\"text/html\" href=\"{base}\"/>"),
        format!("  <id>{base}</id>"),
        format!("  <updated>{updated}T00:00:00Z</updated>"),
        format!("  <author><name>{title}</name></author>"),
        "  <generator>survey</generator>\n".to_string(),
    ];
    let mut xml = header.join("\n");
    for paper in papers {
        xml.push_str(&feed_entry(site, paper, &base));
    }
    xml.push_str("</feed>\n");
    xml
}

/// The [`FEED_ENTRIES`] papers added last, most recent first (then newest first, as
/// every paper list). Only papers added on or after the cut-off date are sorted.
fn latest_added(site: &Site) -> Vec<&Paper> {
    let mut dated: Vec<(String, &Paper)> = (site.papers.values())
        .map(|paper| (entry_date(&paper.fields), paper))
        .collect();
    if dated.len() > FEED_ENTRIES {
        let (_, cutoff, _) = dated.select_nth_unstable_by(FEED_ENTRIES - 1, |a, b| b.0.cmp(&a.0));
        let cutoff = cutoff.0.clone();
        dated.retain(|(date, _)| *date >= cutoff);
    }
    dated.sort_by_cached_key(|(date, paper)| {
        (
            Reverse(date.clone()),
            newest_key(&paper.fields),
            paper.key.clone(),
        )
    });
    dated.truncate(FEED_ENTRIES);
    dated.into_iter().map(|(_, paper)| paper).collect()
}

/// The date a paper joined the survey, or its publication date if unknown.
fn entry_date(fields: &PaperFields) -> String {
    fields.added.clone().unwrap_or_else(|| {
        format!(
            "{:04}-{:02}-01",
            fields.year,
            fields.month.filter(|m| (1..=12).contains(m)).unwrap_or(1)
        )
    })
}

fn feed_entry(site: &Site, paper: &Paper, base: &str) -> String {
    let fields = &paper.fields;
    let url = escape_html(&format!("{base}{}", paper.path()));
    let mut entry = format!(
        "  <entry>\n    <title>{}</title>\n    <link rel=\"alternate\" type=\"text/html\" href=\"{url}\"/>\n    <id>{url}</id>\n    <updated>{}T00:00:00Z</updated>\n",
        escape_html(&fields.title),
        entry_date(fields)
    );
    for name in fields.named_authors() {
        entry.push_str(&format!(
            "    <author><name>{}</name></author>\n",
            escape_html(name)
        ));
    }
    let summary = match &fields.venue {
        Some(venue) => format!("{venue}, {}.", fields.year),
        None => format!("{}.", fields.year),
    };
    entry.push_str(&format!(
        "    <summary type=\"text\">{}</summary>\n",
        escape_html(&summary)
    ));
    for id in &fields.topics {
        if let Some(topic) = site.topic(id) {
            entry.push_str(&format!(
                "    <category term=\"{}\" label=\"{}\"/>\n",
                escape_html(id),
                escape_html(&topic.title)
            ));
        }
    }
    entry.push_str("  </entry>\n");
    entry
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(yaml: &str) -> PaperFields {
        serde_yaml::from_str(yaml).unwrap()
    }

    #[test]
    fn json_ld_cannot_close_its_script_element() {
        let text = json_ld_script(&json!({"name": "</script><script>alert(1)</script><!--"}));
        assert!(!text.contains('<'), "{text}");
        let back: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back["name"], "</script><script>alert(1)</script><!--");
    }

    #[test]
    fn highwire_tags_name_each_author_and_the_venue_kind() {
        let tags = highwire_tags(&fields(
            "title: T\nauthors: [A B, C D, others]\nyear: 2023\nmonth: 7\nvenue: NeurIPS 2023\narxiv: '2305.18290'\ndoi: 10.1/x",
        ));
        let names: Vec<&str> = tags.iter().map(|t| t.name).collect();
        assert_eq!(
            names,
            [
                "citation_title",
                "citation_author",
                "citation_author",
                "citation_publication_date",
                "citation_conference_title",
                "citation_arxiv_id",
                "citation_pdf_url",
                "citation_doi"
            ]
        );
        assert_eq!(tags[3].content, "2023/07");
        assert_eq!(tags[5].content, "2305.18290");
    }

    #[test]
    fn venues_are_classified_by_their_words() {
        assert_eq!(venue_kind("ICLR 2024"), VenueKind::Conference);
        assert_eq!(
            venue_kind("NLP4ConvAI Workshop 2023"),
            VenueKind::Conference
        );
        assert_eq!(venue_kind("TACL"), VenueKind::Journal);
        assert_eq!(venue_kind("IEEE TKDE 2024"), VenueKind::Journal);
        assert_eq!(venue_kind("ACM Computing Surveys 2025"), VenueKind::Journal);
        assert_eq!(venue_kind("arXiv"), VenueKind::Unpublished);
        assert_eq!(venue_kind("GitHub"), VenueKind::Unpublished);
    }

    #[test]
    fn a_paper_without_added_date_dates_its_entry_by_publication() {
        assert_eq!(
            entry_date(&fields("title: T\nyear: 2021\nmonth: 3")),
            "2021-03-01"
        );
        assert_eq!(
            entry_date(&fields("title: T\nyear: 2021\nadded: 2024-05-06")),
            "2024-05-06"
        );
    }
}
