//! Listing pages (an author's, a year's, a venue's papers, and their indexes), the
//! search page and the home page's charts.

use super::meta::WebMeta;
use serde::Serialize;

use crate::assemble::listings;
use crate::assemble::listings::{Group, ListingKind};
use crate::diagnostics::Diagnostic;
use crate::formats::cite;
use crate::model::PageKind;

use super::globals::Link;
use super::renderer::{ListedPaper, Renderer};

/// One listing page: an author's, a year's or a venue's papers.
#[derive(Serialize)]
struct ListingData {
    /// `author`, `year` or `venue`.
    pub(super) kind: &'static str,
    pub(super) name: String,
    pub(super) heading: String,
    pub(super) url: String,
    index_url: String,
    index_title: &'static str,
    pub(super) papers: Vec<ListedPaper>,
}

/// The index of all authors, years or venues, in sections (by initial for authors).
#[derive(Serialize)]
struct ListingIndexData {
    pub(super) kind: &'static str,
    pub(super) title: &'static str,
    pub(super) count: usize,
    pub(super) sections: Vec<IndexSection>,
}

#[derive(Serialize)]
struct IndexSection {
    pub(super) heading: Option<String>,
    pub(super) entries: Vec<IndexEntry>,
}

#[derive(Serialize)]
struct IndexEntry {
    pub(super) name: String,
    pub(super) url: String,
    pub(super) count: usize,
}

/// Bars of a home-page chart, with links, for the chart's data table.
#[derive(Serialize)]
struct ChartRow {
    pub(super) label: String,
    pub(super) url: String,
    pub(super) count: usize,
}

#[derive(Serialize)]
pub(super) struct HomeCharts {
    years_svg: String,
    years: Vec<ChartRow>,
    chapters_svg: String,
    chapters: Vec<ChartRow>,
}

/// A facet of the search page: the Pagefind filter name and its label.
#[derive(Serialize)]
struct Facet {
    pub(super) name: &'static str,
    pub(super) label: &'static str,
}

const FACETS: [Facet; 4] = [
    Facet {
        name: "year",
        label: "Year",
    },
    Facet {
        name: "venue",
        label: "Venue",
    },
    Facet {
        name: "topic",
        label: "Topic",
    },
    Facet {
        name: "author",
        label: "Author",
    },
];

/// Listing, search and home-page additions: author/year/venue pages and charts.
impl Renderer<'_> {
    pub(super) fn author_links(&self, names: &[String]) -> Vec<Link> {
        names
            .iter()
            .map(|name| Link {
                title: name.clone(),
                url: self.url(&listings::author_path(name)),
            })
            .collect()
    }

    /// Web metadata of a page that is not a survey page or a paper.
    pub(super) fn plain_meta(&self, title: &str, path: &str) -> WebMeta {
        let config = self.view.config();
        WebMeta::page(
            title,
            &config.description,
            format!("{}{path}", config.base_url()),
        )
    }

    pub(super) fn listing_context(&self, group: &Group) -> Result<tera::Context, Diagnostic> {
        let heading = match group.kind {
            ListingKind::Author => format!("Papers by {}", group.name),
            ListingKind::Year => format!("Papers from {}", group.name),
            ListingKind::Venue => format!("Papers in {}", group.name),
        };
        let data = ListingData {
            kind: group.kind.name(),
            name: group.name.clone(),
            url: self.url(&group.path()),
            index_url: self.url(&format!("{}/", group.kind.folder())),
            index_title: group.kind.index_title(),
            papers: self.listed(&group.keys)?,
            heading,
        };
        let mut context = tera::Context::new();
        context.insert("current", group.kind.folder());
        context.insert("web", &self.plain_meta(&data.heading, &group.path()));
        context.insert("listing", &data);
        Ok(context)
    }

    pub(super) fn listing_index_context(&self, kind: ListingKind) -> tera::Context {
        let groups = self.view.groups(&kind);
        let entry = |group: &Group| IndexEntry {
            name: group.name.clone(),
            url: self.url(&group.path()),
            count: group.keys.len(),
        };
        let sections = if kind == ListingKind::Author {
            by_initial(groups, entry)
        } else {
            vec![IndexSection {
                heading: None,
                entries: groups.iter().map(entry).collect(),
            }]
        };
        let data = ListingIndexData {
            kind: kind.name(),
            title: kind.index_title(),
            count: groups.len(),
            sections,
        };
        let mut context = tera::Context::new();
        context.insert("current", kind.folder());
        let path = format!("{}/", kind.folder());
        context.insert("web", &self.plain_meta(kind.index_title(), &path));
        context.insert("index", &data);
        context
    }

    pub(super) fn search_context(&self) -> tera::Context {
        let mut context = tera::Context::new();
        context.insert("current", "search");
        context.insert("web", &self.plain_meta("Search", "search/"));
        context.insert("facets", &FACETS);
        context.insert(
            "pagefind_url",
            &self.url(&format!("{}/pagefind.js", crate::paths::SEARCH_DIR)),
        );
        context
    }

    pub(super) fn home_charts(&self) -> HomeCharts {
        let years: Vec<ChartRow> = (self.view.groups(&ListingKind::Year).iter())
            .rev()
            .map(|group| ChartRow {
                label: group.name.clone(),
                url: self.url(&group.path()),
                count: group.keys.len(),
            })
            .collect();
        let chapters: Vec<ChartRow> = (self.view.outline().iter())
            .filter(|page| page.kind == PageKind::Chapter)
            .map(|page| ChartRow {
                label: page.title.to_string(),
                url: self.url(&page.path()),
                count: self.view.count_under(page.id),
            })
            .collect();
        let bars = |rows: &[ChartRow]| -> Vec<crate::render::charts::Bar> {
            rows.iter()
                .map(|row| crate::render::charts::Bar {
                    label: row.label.clone(),
                    value: row.count,
                })
                .collect()
        };
        HomeCharts {
            years_svg: crate::render::charts::columns(
                "chart-years",
                "Papers per year",
                &bars(&years),
            ),
            chapters_svg: crate::render::charts::rows(
                "chart-chapters",
                "Papers per chapter",
                &bars(&chapters),
            ),
            years,
            chapters,
        }
    }
}

/// Author groups in sections by the initial of the family name (`A`, `B`, ...).
fn by_initial(groups: &[Group], entry: impl Fn(&Group) -> IndexEntry) -> Vec<IndexSection> {
    let mut sections: Vec<IndexSection> = Vec::new();
    for group in groups {
        let initial = listings::slugify(&cite::family_name(&group.name))
            .chars()
            .next()
            .map_or_else(|| "#".to_string(), |c| c.to_ascii_uppercase().to_string());
        match sections.last_mut() {
            Some(section) if section.heading.as_deref() == Some(initial.as_str()) => {
                section.entries.push(entry(group));
            }
            _ => sections.push(IndexSection {
                heading: Some(initial),
                entries: vec![entry(group)],
            }),
        }
    }
    sections
}
