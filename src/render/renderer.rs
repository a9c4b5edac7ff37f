//! The renderer of one job: a template with its context, reaching the site only
//! through a [`SiteView`] so that every read is recorded, and the helpers every page
//! kind shares (URLs, Markdown bodies, paper summaries, references).

use super::reads::SiteView;
use serde::Serialize;

use crate::assemble::listings;
use crate::diagnostics::Diagnostic;
use crate::emit::Output;
use crate::html::escape_html;
use crate::model::{PageKind, PaperFields};
use crate::parse::markdown;
use crate::parse::markdown::{CiteTarget, Resolve};

use super::globals::Link;
use super::sanitize::cleaned;
use super::{Job, JobKey, PaperHtml, ROWS_MARKER, template_error};

/// Renders one job. It reaches the site only through its [`SiteView`], which records
/// every read.
pub(super) struct Renderer<'a> {
    pub(super) view: SiteView<'a>,
    pub(super) tera: &'a tera::Tera,
    /// site.yaml's base path, read through the view when the renderer is made.
    pub(super) base_path: String,
    pub(super) kept: &'a PaperHtml,
    pub(super) navs: &'a super::nav::NavHtml,
}

/// Resolves citations and links of one source file while its Markdown renders.
pub(super) struct PageResolver<'a> {
    pub(super) renderer: &'a Renderer<'a>,
    pub(super) source: &'a std::path::Path,
}

impl Resolve for PageResolver<'_> {
    fn citation(&self, key: &str) -> Option<CiteTarget> {
        let view = &self.renderer.view;
        let (fields, label) = (view.fields(key)?, view.label(key)?);
        Some(CiteTarget {
            url: self.renderer.url(&paper_path(key)),
            names: label.names.clone(),
            year: label.year.clone(),
            title: fields.title.clone(),
        })
    }

    fn link(&self, destination: &str) -> Option<String> {
        let (path, anchor) = self.renderer.view.link_target(self.source, destination)?;
        let url = self.renderer.url(path);
        Some(match anchor {
            Some(anchor) => format!("{url}#{anchor}"),
            None => url,
        })
    }
}

#[derive(Serialize)]
pub(super) struct PaperSummary {
    pub(super) key: String,
    pub(super) url: String,
    pub(super) title: String,
    pub(super) authors: String,
    /// The first three named authors, each linking to their page.
    pub(super) author_links: Vec<Link>,
    /// More authors than `author_links` shows ("et al.").
    more_authors: bool,
    pub(super) year: i32,
    pub(super) year_url: String,
    pub(super) venue: Option<String>,
    pub(super) venue_url: Option<String>,
    pub(super) topics: Vec<Link>,
}

/// A paper in a list (`paper_list.html`): its entry, rendered from `paper_item.html`.
#[derive(Serialize)]
pub(super) struct ListedPaper {
    pub(super) item: String,
}

impl Renderer<'_> {
    pub(super) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_path)
    }

    pub(super) fn render_key(&self, key: &JobKey) -> Result<Output, Diagnostic> {
        let view = &self.view;
        let job = match key {
            JobKey::Page(id) => view.page(id).map(Job::Page),
            JobKey::Paper(key) => view.paper(key).map(Job::Paper),
            JobKey::PaperIndex(page) => Some(Job::PaperIndex(*page)),
            JobKey::NotFound => Some(Job::NotFound),
            JobKey::Listing(kind, slug) => view.group(kind, slug).map(Job::Listing),
            JobKey::ListingIndex(kind) => Some(Job::ListingIndex(*kind)),
            JobKey::Search => Some(Job::Search),
        }
        .ok_or_else(|| Diagnostic::error("content", format!("nothing to render for {key:?}")))?;
        self.render(&job)
    }

    pub(super) fn render(&self, job: &Job) -> Result<Output, Diagnostic> {
        let (template, path, context) = match job {
            Job::Page(page) => {
                let template = if page.kind == PageKind::Home {
                    "home.html"
                } else {
                    "page.html"
                };
                (template, page.path(), self.page_context(page)?)
            }
            Job::Paper(paper) => ("paper.html", paper.path(), self.paper_context(paper)?),
            Job::PaperIndex(index) => {
                let context = self.paper_index_context(index);
                let page = self.render_page("papers.html", context)?;
                let html = match page.split_once(ROWS_MARKER) {
                    Some((before, after)) => self.with_paper_rows(index, before, after)?,
                    None => page,
                };
                return Ok(Output::page(&index.path(), html));
            }
            Job::NotFound => {
                let mut context = tera::Context::new();
                context.insert("current", "404");
                ("404.html", "404.html".to_string(), context)
            }
            Job::Listing(group) => ("listing.html", group.path(), self.listing_context(group)?),
            Job::ListingIndex(kind) => (
                "listing_index.html",
                format!("{}/", kind.folder()),
                self.listing_index_context(*kind),
            ),
            Job::Search => ("search.html", "search/".to_string(), self.search_context()),
        };
        let html = self.render_page(template, context)?;
        Ok(Output::page(&path, html))
    }

    /// A whole page: its context gets the navigation for its `current` as `nav`
    /// ([`super::nav`]); fragments (rows, list entries) go through `render_template`.
    fn render_page(
        &self,
        template: &str,
        mut context: tera::Context,
    ) -> Result<String, Diagnostic> {
        let current = context.get("current").and_then(tera::Value::as_str);
        let nav = (self.navs.get(self.tera, current))
            .map_err(|error| template_error(super::nav::TEMPLATE, &error))?;
        context.insert_value("nav", tera::Value::safe_string(&nav));
        self.render_template(template, &context)
    }

    pub(super) fn render_template(
        &self,
        template: &str,
        context: &tera::Context,
    ) -> Result<String, Diagnostic> {
        (self.tera.render(template, context)).map_err(|error| template_error(template, &error))
    }

    pub(super) fn markdown(&self, body: &str, source: &std::path::Path) -> String {
        let resolver = PageResolver {
            renderer: self,
            source,
        };
        let rendered = markdown::render(body, &resolver);
        cleaned(rendered.html, rendered.needs_cleaning)
    }

    pub(super) fn summary(&self, key: &str, fields: &PaperFields) -> PaperSummary {
        let named = fields.named_authors().len();
        PaperSummary {
            key: key.to_string(),
            url: self.url(&paper_path(key)),
            title: fields.title.clone(),
            authors: short_authors(fields),
            author_links: self.author_links(&fields.named_authors()[..named.min(3)]),
            more_authors: named > 3 || fields.authors_incomplete(),
            year: fields.year,
            year_url: self.url(&listings::year_path(fields.year)),
            venue: fields.venue.clone(),
            venue_url: (fields.venue.as_ref()).map(|v| self.url(&listings::venue_path(v))),
            topics: fields
                .topics
                .iter()
                .filter_map(|id| self.topic_link(id))
                .collect(),
        }
    }

    /// The paper's reference in the site's style, its title linking to the paper page.
    pub(super) fn reference(&self, key: &str) -> String {
        self.references(&[key]).pop().unwrap_or_default()
    }

    /// [`Renderer::reference`] of each of `keys` (a page cites hundreds of papers).
    pub(super) fn references(&self, keys: &[&str]) -> Vec<String> {
        let title = |key: &str| self.view.fields(key).map(|f| f.title.clone());
        let made = |key: &str| (self.view.formatted(key), title(key).unwrap_or_default());
        let write = |key: &str| {
            let url = self.url(&paper_path(key));
            let (formatted, title) = made(key);
            let html = formatted.map(|f| f.html(&title, &url));
            Ok::<_, std::convert::Infallible>(html.unwrap_or_else(|| escape_html(&title)))
        };
        let read = |html: Vec<&String>| html.into_iter().cloned().collect();
        match self.kept.references.with(keys, made, write, read) {
            Ok(html) => html,
            Err(never) => match never {},
        }
    }

    pub(super) fn topic_link(&self, id: &str) -> Option<Link> {
        self.view.topic_link(id).cloned()
    }

    pub(super) fn edit_url(&self, source: &std::path::Path) -> Option<String> {
        let repo = self.view.config().repo_url.as_ref()?;
        Some(format!(
            "{}/edit/main/{}",
            repo.trim_end_matches('/'),
            source.to_string_lossy().replace('\\', "/")
        ))
    }
}

/// A paper's site-relative path, as [`crate::model::Paper::path`] gives it.
pub(super) fn paper_path(key: &str) -> String {
    format!("papers/{key}/")
}

/// "A, B, C et al." with at most three names, for lists.
pub(super) fn short_authors(fields: &crate::model::PaperFields) -> String {
    let named = fields.named_authors();
    let shown: Vec<&str> = named.iter().take(3).map(String::as_str).collect();
    let more = named.len() > 3 || fields.authors_incomplete();
    match (shown.is_empty(), more) {
        (true, _) => String::new(),
        (false, true) => format!("{} et al.", shown.join(", ")),
        (false, false) => shown.join(", "),
    }
}
