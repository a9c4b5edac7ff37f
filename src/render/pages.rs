//! The contexts of content pages (home, chapters, sections) and paper pages.

use super::meta::WebMeta;
use super::reads::OutlineEntry;
use serde::Serialize;

use crate::assemble::listings;
use crate::assemble::site::MentionPart;
use crate::diagnostics::Diagnostic;
use crate::formats::cite;
use crate::html::escape_html;
use crate::model::{Page, PageKind, Paper};
use crate::parse::markdown;

use super::globals::Link;
use super::meta;
use super::renderer::{ListedPaper, Renderer};

#[derive(Serialize)]
pub(super) struct TopicBlock {
    pub(super) id: String,
    pub(super) title: String,
    pub(super) anchor: Option<String>,
    pub(super) papers: Vec<ListedPaper>,
    /// The topic's own `.bib` (finer topics only).
    bibtex_url: Option<String>,
}

#[derive(Serialize)]
struct TocEntry {
    pub(super) id: String,
    pub(super) text: String,
    pub(super) children: Vec<TocEntry>,
}

/// Level-2 headings, each with its level-3 headings nested below it.
fn table_of_contents(headings: &[markdown::Heading]) -> Vec<TocEntry> {
    let mut toc: Vec<TocEntry> = Vec::new();
    for heading in headings.iter().filter(|h| (2..=3).contains(&h.level)) {
        let entry = TocEntry {
            id: heading.id.clone(),
            text: heading.text.clone(),
            children: Vec::new(),
        };
        match toc.last_mut() {
            Some(parent) if heading.level == 3 => parent.children.push(entry),
            _ => toc.push(entry),
        }
    }
    toc
}

#[derive(Serialize)]
pub(super) struct PageData {
    pub(super) id: String,
    pub(super) kind: PageKind,
    pub(super) title: String,
    pub(super) description: Option<String>,
    pub(super) url: String,
    permalink: String,
    pub(super) content: String,
    toc: Vec<TocEntry>,
    pub(super) topics: Vec<TopicBlock>,
    pub(super) sections: Vec<NavSummary>,
    pub(super) references: Vec<String>,
    /// The `.bib` of every paper the page lists.
    bibtex_url: Option<String>,
    previous: Option<Link>,
    pub(super) next: Option<Link>,
    pub(super) chapter: Option<Link>,
    edit_url: Option<String>,
}

#[derive(Serialize)]
pub(super) struct NavSummary {
    pub(super) title: String,
    pub(super) url: String,
    pub(super) description: Option<String>,
    pub(super) count: usize,
}

#[derive(Serialize)]
struct MentionData {
    pub(super) title: String,
    pub(super) url: String,
    pub(super) heading: Option<String>,
    sentence: String,
}

#[derive(Serialize)]
struct PaperData {
    pub(super) key: String,
    pub(super) title: String,
    pub(super) authors: Vec<String>,
    et_al: bool,
    pub(super) year: i32,
    pub(super) month: Option<u32>,
    pub(super) venue: Option<String>,
    /// The venue's series, the search page's venue facet value ([`crate::parse::venue`]).
    venue_series: Option<String>,
    pub(super) arxiv: Option<String>,
    arxiv_url: Option<String>,
    pub(super) doi: Option<String>,
    pub(super) url: Option<String>,
    pub(super) code: Option<String>,
    pub(super) label: String,
    pub(super) topics: Vec<Link>,
    pub(super) author_links: Vec<Link>,
    pub(super) year_url: String,
    pub(super) venue_url: Option<String>,
    /// `2023-07` (month `00` when unknown): sorts papers by date in search.
    date_key: String,
    pub(super) bibtex: String,
    reference: String,
    pub(super) mentions: Vec<MentionData>,
    pub(super) related: Vec<ListedPaper>,
    notes: String,
    permalink: String,
    edit_url: Option<String>,
}

impl Renderer<'_> {
    pub(super) fn page_context(&self, page: &Page) -> Result<tera::Context, Diagnostic> {
        let outline = self.view.outline();
        let position = outline.iter().position(|p| p.id == page.id).unwrap_or(0);
        let neighbour = |index: Option<usize>| {
            index.and_then(|i| outline.get(i)).map(|p| Link {
                title: p.title.to_string(),
                url: self.url(&p.path()),
            })
        };
        let cited: Vec<&str> = (self.view.cited(&page.id).iter())
            .map(String::as_str)
            .collect();
        let references = self.references(&cited);
        let config = self.view.config();
        let data = PageData {
            id: page.id.clone(),
            kind: page.kind,
            title: page.fields.title.clone(),
            description: page.fields.description.clone(),
            url: self.url(&page.path()),
            permalink: format!("{}{}", config.base_url(), page.path()),
            content: self.page_body(page),
            toc: table_of_contents(self.view.headings(&page.id)),
            topics: self.topic_blocks(page)?,
            sections: self.child_sections(page),
            references,
            bibtex_url: self.view.page_bib(&page.id).map(|path| self.url(&path)),
            previous: neighbour(position.checked_sub(1)),
            next: neighbour(Some(position + 1)),
            chapter: page
                .chapter()
                .filter(|_| page.kind == PageKind::Section)
                .and_then(|c| outline.iter().find(|p| p.id == c))
                .map(|c| Link {
                    title: c.title.to_string(),
                    url: self.url(&c.path()),
                }),
            edit_url: self.edit_url(&page.source),
        };
        let mut context = tera::Context::new();
        context.insert("current", &page.id);
        if page.kind == PageKind::Home {
            context.insert("web", &meta::home(config, &config.title));
            context.insert("charts", &self.home_charts());
            context.insert("taxonomy", &self.view.taxonomy());
        } else {
            let description = data.description.as_deref();
            let description = description.unwrap_or(&config.description);
            context.insert(
                "web",
                &WebMeta::page(&data.title, description, data.permalink.clone()),
            );
        }
        context.insert("page", &data);
        Ok(context)
    }

    /// The generated paper lists of a page: its own topic, then each finer topic.
    fn topic_blocks(&self, page: &Page) -> Result<Vec<TopicBlock>, Diagnostic> {
        (self.view.topics().iter())
            .filter(|topic| topic.page == page.id)
            .map(|topic| {
                Ok(TopicBlock {
                    id: topic.id.clone(),
                    title: topic.title.clone(),
                    anchor: topic.anchor.clone(),
                    papers: self.listed(self.view.topic_papers(&topic.id))?,
                    bibtex_url: self.view.topic_bib(&topic.id).map(|path| self.url(&path)),
                })
            })
            .filter(|block| !matches!(block, Ok(block) if block.papers.is_empty()))
            .collect()
    }

    fn child_sections(&self, page: &Page) -> Vec<NavSummary> {
        let child = |p: &OutlineEntry| match page.kind {
            PageKind::Home => p.kind == PageKind::Chapter,
            PageKind::Chapter => p.kind == PageKind::Section && p.chapter() == Some(&page.id),
            PageKind::Section => false,
        };
        (self.view.outline().iter())
            .filter(|p| child(p))
            .map(|p| NavSummary {
                title: p.title.to_string(),
                url: self.url(&p.path()),
                description: p.description.map(str::to_string),
                count: self.view.count_under(p.id),
            })
            .collect()
    }

    pub(super) fn paper_context(&self, paper: &Paper) -> Result<tera::Context, Diagnostic> {
        let fields = &paper.fields;
        let label = self.view.label(&paper.key).ok_or_else(|| {
            Diagnostic::error("content", format!("no label for paper `{}`", paper.key))
        })?;
        let mentions = (self.view.mentions(&paper.key).iter()).map(|m| {
            let anchor = m
                .anchor
                .as_ref()
                .map(|a| format!("#{a}"))
                .unwrap_or_default();
            MentionData {
                title: m.title.clone(),
                url: format!("{}{anchor}", self.url(&m.path)),
                heading: m.heading.clone(),
                sentence: self.sentence_html(&m.sentence, &paper.key),
            }
        });
        let data = PaperData {
            key: paper.key.clone(),
            title: fields.title.clone(),
            authors: fields.named_authors().to_vec(),
            et_al: fields.authors_incomplete(),
            year: fields.year,
            month: fields.month,
            venue: fields.venue.clone(),
            venue_series: (fields.venue.as_deref()).map(|v| crate::parse::venue::split(v).series),
            arxiv: fields.arxiv.clone(),
            arxiv_url: fields
                .arxiv
                .as_ref()
                .map(|id| format!("https://arxiv.org/abs/{id}")),
            doi: fields.doi.clone(),
            url: fields.url.clone(),
            code: fields.code.clone(),
            label: format!("{}, {}", label.names, label.year),
            topics: fields
                .topics
                .iter()
                .filter_map(|id| self.topic_link(id))
                .collect(),
            author_links: self.author_links(fields.named_authors()),
            year_url: self.url(&listings::year_path(fields.year)),
            venue_url: fields
                .venue
                .as_ref()
                .map(|v| self.url(&listings::venue_path(v))),
            date_key: format!("{:04}-{:02}", fields.year, fields.month.unwrap_or(0)),
            bibtex: cite::bibtex(&paper.key, fields),
            reference: self.reference(&paper.key),
            mentions: mentions.collect(),
            related: self.listed(self.view.related(&paper.key))?,
            notes: self.markdown(&paper.body, &paper.source),
            permalink: format!("{}{}", self.view.config().base_url(), paper.path()),
            edit_url: self.edit_url(&paper.source),
        };
        let description = format!("{}: {}", data.label, data.title);
        let web = meta::paper(self.view.config(), self.view.topics(), paper, &description);
        let mut context = tera::Context::new();
        context.insert("current", "papers");
        context.insert("paper", &data);
        context.insert("web", &web);
        Ok(context)
    }

    /// The sentence around a citation, with the paper being shown in bold.
    fn sentence_html(&self, parts: &[MentionPart], current: &str) -> String {
        let mut html = String::new();
        for part in parts {
            match part {
                MentionPart::Text(text) => html.push_str(&escape_html(text)),
                MentionPart::Cite { keys, in_text } => {
                    let labels: Vec<String> = keys
                        .iter()
                        .filter_map(|key| {
                            let label = self.view.label(key)?;
                            let text = if *in_text {
                                format!("{} ({})", label.names, label.year)
                            } else {
                                format!("{}, {}", label.names, label.year)
                            };
                            let text = escape_html(&text);
                            Some(if key == current {
                                format!("<strong>{text}</strong>")
                            } else {
                                text
                            })
                        })
                        .collect();
                    if *in_text {
                        html.push_str(&labels.join("; "));
                    } else {
                        html.push_str(&format!("({})", labels.join("; ")));
                    }
                }
            }
        }
        html
    }
}
