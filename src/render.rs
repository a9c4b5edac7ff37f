//! The render stage: an assembled [`Site`] -> every output file as `(path, bytes)`.
//!
//! Never reads the disk and never mutates the site. Template data shared by all pages
//! (navigation, assets, the survey) is built once per build and set as Tera's global
//! context; every output is a job rendered in parallel with rayon.

use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

use kept::Kept;

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::cite;
use crate::csl;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::exports;
use crate::html::escape_html;
use crate::listings::{self, Group, ListingKind, Listings};
use crate::markdown::{self, CiteTarget, Resolve};
use crate::math;
use crate::meta::{self, WebMeta};
use crate::model::PaperFields;
use crate::model::{Page, PageKind, Paper};
use crate::paper_pages::{self, IndexPage};
use crate::site::{MentionPart, Site};
use crate::source::{SourceFile, StaticFile};
use crate::templates;

mod kept;
pub mod reads;

use reads::{Data, OutlineEntry, Read, SiteView};

/// One file of the built site.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Output {
    /// Path relative to the output directory, with `/` separators.
    pub path: String,
    #[serde(with = "as_bytes")]
    pub bytes: Vec<u8>,
}

/// Serializes an output's bytes as one byte string (the persistent cache holds every
/// output; element by element, reading them back took longer than rendering).
mod as_bytes {
    use serde::Serializer;
    use serde::de::{Deserializer, Error, Visitor};

    pub fn serialize<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bytes(bytes)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u8>, D::Error> {
        deserializer.deserialize_byte_buf(Bytes)
    }

    struct Bytes;

    impl Visitor<'_> for Bytes {
        type Value = Vec<u8>;

        fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
            formatter.write_str("bytes")
        }

        fn visit_bytes<E: Error>(self, bytes: &[u8]) -> Result<Vec<u8>, E> {
            Ok(bytes.to_vec())
        }

        fn visit_byte_buf<E: Error>(self, bytes: Vec<u8>) -> Result<Vec<u8>, E> {
            Ok(bytes)
        }
    }
}

impl Output {
    /// A rendered page at a site path: `index.html` in a folder path's folder.
    fn page(path: &str, html: String) -> Self {
        let path = if path.ends_with(".html") {
            path.to_string()
        } else {
            format!("{path}index.html")
        };
        Output {
            path,
            bytes: html.into_bytes(),
        }
    }
}

/// What one build's template jobs share ([`PreparedParts`]) with the site they render.
/// The engine ([`crate::incremental`]) renders the jobs that are new or read something
/// that changed.
pub struct Prepared<'a> {
    site: &'a Site,
    parts: PreparedParts,
    /// Every paper key in each order of the all-papers table, sorted once per rebuild.
    orders: paper_pages::Orders,
}

/// Names one template job by what it shows.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum JobKey {
    /// A page by id (`""` for home).
    Page(String),
    /// A paper by key.
    Paper(String),
    /// A page of the all-papers table.
    PaperIndex(IndexPage),
    NotFound,
    /// An author's, a year's or a venue's page, by its slug.
    Listing(ListingKind, String),
    ListingIndex(ListingKind),
    Search,
}

/// Parses the templates and builds the shared template data; `None` on template errors.
pub fn prepare<'a>(
    site: &'a Site,
    user_templates: &[SourceFile],
    user_statics: &[StaticFile],
    diagnostics: &mut Diagnostics,
) -> Option<Prepared<'a>> {
    let tera = templates::load(user_templates, diagnostics)?;
    Some(prepare_with(site, tera, user_statics))
}

/// [`prepare`] with templates already parsed by [`templates::load`] (`serve` keeps
/// them while the template files are unchanged).
pub fn prepare_with<'a>(
    site: &'a Site,
    mut tera: tera::Tera,
    user_statics: &[StaticFile],
) -> Prepared<'a> {
    let statics = templates::statics(user_statics);
    let assets = hashed_assets(&statics);
    let global = GlobalData::new(site, &assets);
    let shared_data = serde_json::to_string(&global).unwrap_or_default();
    tera.global_context().insert("site", &global);
    let parts = PreparedParts {
        tera,
        statics,
        assets,
        listings: listings::collect(site),
        shared_data,
        topic_links: topic_links(site),
        kept: PaperHtml::default(),
    };
    parts.attach(site)
}

/// The parsed templates, the static files, the listings and the data every template
/// sees as `site`: a [`Prepared`] without its site. `serve` keeps them between
/// rebuilds so that an edit which changes no shared template data renders its pages
/// without preparing again.
pub struct PreparedParts {
    tera: tera::Tera,
    statics: Vec<StaticFile>,
    assets: BTreeMap<String, String>,
    listings: Listings,
    /// The `site` template data, serialized: it changes exactly when that data does.
    shared_data: String,
    topic_links: HashMap<String, Link>,
    kept: PaperHtml,
}

/// What `papers.html` receives as `rows` and outputs with `| safe`: the page's rows
/// are spliced in there after rendering rather than copied through Tera's values.
const ROWS_MARKER: &str = "<!-- survey: the rows of every paper -->";

/// Per paper, what the renderer writes and keeps ([`Kept`]): its row of the
/// all-papers table with its place in it, its entry in paper lists, its reference in
/// HTML. Rows and entries are kept while the paper's fields hash the same
/// ([`Renderer::fields_hash`]), references while its formatted reference and title are.
#[derive(Default)]
struct PaperHtml {
    rows: Kept<u64, Recorded<String>>,
    items: Kept<u64, Recorded<String>>,
    references: Kept<(Option<csl::Formatted>, String), String>,
}

impl PreparedParts {
    /// Brings the listings up to date after the fields of the papers in `old` (key ->
    /// fields before) changed ([`listings::update`]).
    pub fn update_listings(&mut self, site: &Site, old: &BTreeMap<String, PaperFields>) {
        listings::update(&mut self.listings, site, old);
    }

    /// Valid only with the site these parts were prepared from, or one that differs
    /// from it in nothing the shared data reads (see `incremental::patch`).
    pub fn attach(self, site: &Site) -> Prepared<'_> {
        Prepared {
            site,
            parts: self,
            orders: paper_pages::orders(site),
        }
    }
}

impl Prepared<'_> {
    /// Releases the site, keeping everything prepared from it.
    pub fn into_parts(self) -> PreparedParts {
        self.parts
    }

    /// The `site` template data, serialized: it changes exactly when that data does.
    pub fn shared_data(&self) -> &str {
        &self.parts.shared_data
    }

    /// What the jobs read: the site and what was prepared from it.
    pub fn data(&self) -> Data<'_> {
        Data {
            site: self.site,
            listings: &self.parts.listings,
            topic_links: &self.parts.topic_links,
            orders: &self.orders,
        }
    }

    /// Every template job of the site, in a fixed order.
    pub fn jobs(&self) -> Vec<JobKey> {
        let site = self.site;
        let mut jobs: Vec<JobKey> = site
            .pages
            .iter()
            .map(|page| JobKey::Page(page.id.clone()))
            .collect();
        jobs.extend(site.papers.keys().cloned().map(JobKey::Paper));
        let pages = paper_pages::all(site.papers.len());
        jobs.extend(pages.into_iter().map(JobKey::PaperIndex));
        jobs.push(JobKey::NotFound);
        jobs.extend(
            self.parts
                .listings
                .all()
                .map(|group| JobKey::Listing(group.kind, group.slug.clone())),
        );
        jobs.extend(
            [ListingKind::Author, ListingKind::Year, ListingKind::Venue].map(JobKey::ListingIndex),
        );
        jobs.push(JobKey::Search);
        jobs
    }

    /// The author, year and venue groups, as the listing pages show them.
    pub fn listings(&self) -> &Listings {
        &self.parts.listings
    }

    /// Renders one job, recording what it read of the site ([`reads`]).
    pub fn render_job(&self, key: &JobKey) -> Rendered {
        let view = SiteView::new(self.data());
        let renderer = Renderer {
            base_path: view.config().base_path(),
            view,
            tera: &self.parts.tera,
            kept: &self.parts.kept,
        };
        let result = renderer.render_key(key);
        Rendered {
            result,
            reads: renderer.view.take_reads(),
        }
    }

    /// The outputs that need no template: [`Prepared::plain_outputs`] and the
    /// bibliography exports.
    pub fn other_outputs(&self) -> Vec<Output> {
        let mut outputs = self.plain_outputs();
        outputs.extend(exports::outputs(self.site));
        outputs
    }

    /// Static files, sitemap.xml, robots.txt and .nojekyll.
    pub fn plain_outputs(&self) -> Vec<Output> {
        let mut outputs = static_outputs(&self.parts.statics, &self.parts.assets);
        outputs.extend(plain_outputs(self.site, &self.parts.listings));
        outputs
    }
}

/// A rendered job with what it read of the site.
pub struct Rendered {
    pub result: Result<Output, Diagnostic>,
    pub reads: Box<[Read]>,
}

/// One page to render.
#[derive(Debug)]
enum Job<'a> {
    Page(&'a Page),
    Paper(&'a Paper),
    PaperIndex(IndexPage),
    NotFound,
    /// An author's, a year's or a venue's papers.
    Listing(&'a Group),
    /// All authors, years or venues.
    ListingIndex(ListingKind),
    Search,
}

/// Static files with a content hash in the name for CSS and JS, so browsers never use a
/// stale copy after a deploy: logical name -> hashed path.
fn hashed_assets(statics: &[StaticFile]) -> BTreeMap<String, String> {
    statics
        .iter()
        .filter(|file| {
            matches!(
                file.path.extension().and_then(|e| e.to_str()),
                Some("css" | "js")
            )
        })
        .map(|file| {
            let name = file.path.to_string_lossy().replace('\\', "/");
            let digest = Sha256::digest(&file.bytes);
            let hash: String = digest.iter().take(5).map(|b| format!("{b:02x}")).collect();
            let (stem, extension) = name.rsplit_once('.').unwrap_or((&name, ""));
            (name.clone(), format!("{stem}.{hash}.{extension}"))
        })
        .collect()
}

fn static_outputs(statics: &[StaticFile], assets: &BTreeMap<String, String>) -> Vec<Output> {
    let mut outputs = Vec::new();
    for file in statics {
        let path = file.path.to_string_lossy().replace('\\', "/");
        if let Some(hashed) = assets.get(&path) {
            outputs.push(Output {
                path: hashed.clone(),
                bytes: file.bytes.clone(),
            });
        }
        outputs.push(Output {
            path,
            bytes: file.bytes.clone(),
        });
    }
    outputs
}

/// sitemap.xml, atom.xml, robots.txt and .nojekyll (GitHub Pages must not run Jekyll
/// on the output).
fn plain_outputs(site: &Site, listings: &Listings) -> Vec<Output> {
    let base = site.config.base_url();
    let mut paths: Vec<String> = site.pages.iter().map(Page::path).collect();
    let table = paper_pages::all(site.papers.len());
    paths.extend(table.iter().map(paper_pages::IndexPage::path));
    paths.extend(site.papers.values().map(Paper::path));
    paths.extend(["authors/", "years/", "venues/"].map(String::from));
    paths.extend(listings.all().map(Group::path));
    let mut sitemap = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    let base_escaped = escape_html(&base);
    for path in paths {
        sitemap.push_str("  <url><loc>");
        sitemap.push_str(&base_escaped);
        sitemap.push_str(&escape_html(&path));
        sitemap.push_str("</loc></url>\n");
    }
    sitemap.push_str("</urlset>\n");
    let robots = format!("User-agent: *\nAllow: /\nSitemap: {base}sitemap.xml\n");
    vec![
        Output {
            path: "sitemap.xml".into(),
            bytes: sitemap.into_bytes(),
        },
        Output {
            path: "atom.xml".into(),
            bytes: meta::atom_feed(site).into_bytes(),
        },
        Output {
            path: "robots.txt".into(),
            bytes: robots.into_bytes(),
        },
        Output {
            path: ".nojekyll".into(),
            bytes: Vec::new(),
        },
    ]
}

/// Topic id -> its title and where it is, as paper summaries link it (looked up for
/// every paper of every list).
fn topic_links(site: &Site) -> HashMap<String, Link> {
    let base_path = site.config.base_path();
    (site.topics.iter())
        .filter_map(|topic| {
            let page = site.page(&topic.page)?;
            let anchor = (topic.anchor.as_ref()).map(|a| format!("#{a}"));
            let url = format!("{base_path}{}{}", page.path(), anchor.unwrap_or_default());
            let title = topic.title.clone();
            Some((topic.id.clone(), Link { title, url }))
        })
        .collect()
}

/// Data every template sees as `site`.
#[derive(Serialize)]
struct GlobalData {
    title: String,
    description: String,
    base_url: String,
    base_path: String,
    repo_url: Option<String>,
    language: String,
    assets: BTreeMap<String, String>,
    nav: Vec<NavItem>,
    survey: Option<SurveyData>,
}

#[derive(Serialize, Hash)]
pub struct NavItem {
    /// `chapter`, `section` or `topic`.
    kind: &'static str,
    id: String,
    title: String,
    url: String,
    /// Papers filed here or below; only in the home page's taxonomy, so that filing a
    /// paper does not change every page's navigation.
    #[serde(skip_serializing_if = "Option::is_none")]
    count: Option<usize>,
    children: Vec<NavItem>,
}

#[derive(Serialize)]
struct SurveyData {
    title: String,
    authors: String,
    year: i32,
    venue: Option<String>,
    arxiv: Option<String>,
    url: Option<String>,
    code: Option<String>,
    bibtex: String,
}

impl GlobalData {
    fn new(site: &Site, assets: &BTreeMap<String, String>) -> Self {
        let base_path = site.config.base_path();
        let assets = assets
            .iter()
            .map(|(name, hashed)| {
                (
                    name.replace(['.', '/', '-'], "_"),
                    format!("{base_path}{hashed}"),
                )
            })
            .collect();
        let survey = site.config.survey.as_ref().map(|fields| SurveyData {
            title: fields.title.clone(),
            authors: fields.authors.join(", "),
            year: fields.year,
            venue: fields.venue.clone(),
            arxiv: fields.arxiv.clone(),
            url: fields.url.clone(),
            code: fields.code.clone(),
            bibtex: cite::bibtex(&survey_key(fields), fields),
        });
        GlobalData {
            title: site.config.title.clone(),
            description: site.config.description.clone(),
            base_url: site.config.base_url(),
            base_path: base_path.clone(),
            repo_url: site.config.repo_url.clone(),
            language: site.config.language.clone(),
            assets,
            nav: nav_tree(site, &base_path, false),
            survey,
        }
    }
}

/// A BibTeX key for the survey: first author's family name, year, first title word.
fn survey_key(fields: &crate::model::PaperFields) -> String {
    let author = fields
        .authors
        .first()
        .map(|a| cite::family_name(a).to_lowercase())
        .unwrap_or_default();
    let word = fields
        .title
        .split_whitespace()
        .next()
        .unwrap_or("")
        .to_lowercase();
    let key: String = format!("{author}{}{word}", fields.year)
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    key
}

/// Chapters -> sections -> finer topics, with paper counts if `counted`.
fn nav_tree(site: &Site, base_path: &str, counted: bool) -> Vec<NavItem> {
    let item =
        |kind: &'static str, id: &str, title: &str, url: String, children: Vec<NavItem>| NavItem {
            kind,
            id: id.to_string(),
            title: title.to_string(),
            url,
            count: counted.then(|| site.count_under(id)),
            children,
        };
    let finer = |page: &Page| -> Vec<NavItem> {
        site.topics
            .iter()
            .filter(|t| t.page == page.id && t.anchor.is_some())
            .map(|t| {
                item(
                    "topic",
                    &t.id,
                    &t.title,
                    format!(
                        "{base_path}{}#{}",
                        page.path(),
                        t.anchor.as_deref().unwrap_or("")
                    ),
                    Vec::new(),
                )
            })
            .collect()
    };
    site.pages
        .iter()
        .filter(|p| p.kind == PageKind::Chapter)
        .map(|chapter| {
            let mut children: Vec<NavItem> = site
                .pages
                .iter()
                .filter(|p| p.kind == PageKind::Section && p.chapter() == Some(chapter.id.as_str()))
                .map(|section| {
                    item(
                        "section",
                        &section.id,
                        &section.fields.title,
                        format!("{base_path}{}", section.path()),
                        finer(section),
                    )
                })
                .collect();
            children.extend(finer(chapter));
            item(
                "chapter",
                &chapter.id,
                &chapter.fields.title,
                format!("{base_path}{}", chapter.path()),
                children,
            )
        })
        .collect()
}

/// Renders one job. It reaches the site only through its [`SiteView`], which records
/// every read.
struct Renderer<'a> {
    view: SiteView<'a>,
    tera: &'a tera::Tera,
    /// site.yaml's base path, read through the view when the renderer is made.
    base_path: String,
    kept: &'a PaperHtml,
}

/// Resolves citations and links of one source file while its Markdown renders.
struct PageResolver<'a> {
    renderer: &'a Renderer<'a>,
    source: &'a std::path::Path,
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
struct PaperSummary {
    key: String,
    url: String,
    title: String,
    authors: String,
    /// The first three named authors, each linking to their page.
    author_links: Vec<Link>,
    /// More authors than `author_links` shows ("et al.").
    more_authors: bool,
    year: i32,
    year_url: String,
    venue: Option<String>,
    venue_url: Option<String>,
    topics: Vec<Link>,
}

/// A paper in a list (`paper_list.html`): its entry, rendered from `paper_item.html`.
#[derive(Serialize)]
struct ListedPaper {
    item: String,
}

#[derive(Serialize, Clone, Hash)]
pub struct Link {
    title: String,
    url: String,
}

#[derive(Serialize)]
struct TopicBlock {
    id: String,
    title: String,
    anchor: Option<String>,
    papers: Vec<ListedPaper>,
    /// The topic's own `.bib` (finer topics only).
    bibtex_url: Option<String>,
}

#[derive(Serialize)]
struct TocEntry {
    id: String,
    text: String,
    children: Vec<TocEntry>,
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
struct PageData {
    id: String,
    kind: PageKind,
    title: String,
    description: Option<String>,
    url: String,
    permalink: String,
    content: String,
    toc: Vec<TocEntry>,
    topics: Vec<TopicBlock>,
    sections: Vec<NavSummary>,
    references: Vec<String>,
    /// The `.bib` of every paper the page lists.
    bibtex_url: Option<String>,
    previous: Option<Link>,
    next: Option<Link>,
    chapter: Option<Link>,
    edit_url: Option<String>,
}

#[derive(Serialize)]
struct NavSummary {
    title: String,
    url: String,
    description: Option<String>,
    count: usize,
}

#[derive(Serialize)]
struct MentionData {
    title: String,
    url: String,
    heading: Option<String>,
    sentence: String,
}

#[derive(Serialize)]
struct PaperData {
    key: String,
    title: String,
    authors: Vec<String>,
    et_al: bool,
    year: i32,
    month: Option<u32>,
    venue: Option<String>,
    /// The venue's series, the search page's venue facet value ([`crate::venue`]).
    venue_series: Option<String>,
    arxiv: Option<String>,
    arxiv_url: Option<String>,
    doi: Option<String>,
    url: Option<String>,
    code: Option<String>,
    label: String,
    topics: Vec<Link>,
    author_links: Vec<Link>,
    year_url: String,
    venue_url: Option<String>,
    /// `2023-07` (month `00` when unknown): sorts papers by date in search.
    date_key: String,
    bibtex: String,
    reference: String,
    mentions: Vec<MentionData>,
    related: Vec<ListedPaper>,
    notes: String,
    permalink: String,
    edit_url: Option<String>,
}

impl Renderer<'_> {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_path)
    }

    fn render_key(&self, key: &JobKey) -> Result<Output, Diagnostic> {
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

    fn render(&self, job: &Job) -> Result<Output, Diagnostic> {
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
                let page = self.render_template("papers.html", &context)?;
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
        let html = self.render_template(template, &context)?;
        Ok(Output::page(&path, html))
    }

    fn render_template(
        &self,
        template: &str,
        context: &tera::Context,
    ) -> Result<String, Diagnostic> {
        (self.tera.render(template, context)).map_err(|error| template_error(template, &error))
    }

    fn markdown(&self, body: &str, source: &std::path::Path) -> String {
        let resolver = PageResolver {
            renderer: self,
            source,
        };
        let (html, _) = markdown::render(body, &resolver);
        sanitize(&html)
    }

    fn summary(&self, key: &str, fields: &PaperFields) -> PaperSummary {
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
    fn reference(&self, key: &str) -> String {
        self.references(&[key]).pop().unwrap_or_default()
    }

    /// [`Renderer::reference`] of each of `keys` (a page cites hundreds of papers).
    fn references(&self, keys: &[&str]) -> Vec<String> {
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

    fn topic_link(&self, id: &str) -> Option<Link> {
        self.view.topic_link(id).cloned()
    }

    fn edit_url(&self, source: &std::path::Path) -> Option<String> {
        let repo = self.view.config().repo_url.as_ref()?;
        Some(format!(
            "{}/edit/main/{}",
            repo.trim_end_matches('/'),
            source.to_string_lossy().replace('\\', "/")
        ))
    }

    fn page_context(&self, page: &Page) -> Result<tera::Context, Diagnostic> {
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
            content: self.markdown(&page.body, &page.source),
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

    fn paper_context(&self, paper: &Paper) -> Result<tera::Context, Diagnostic> {
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
            venue_series: (fields.venue.as_deref()).map(|v| crate::venue::split(v).series),
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

    /// A page of the all-papers table's data; its `rows` are a marker that
    /// [`ROWS_MARKER`] replaces after rendering.
    fn paper_index_context(&self, index: &IndexPage) -> tera::Context {
        let count = self.view.paper_keys().len();
        let mut context = tera::Context::new();
        context.insert("current", "papers");
        context.insert("count", &count);
        context.insert("rows", ROWS_MARKER);
        context.insert(
            "table",
            &paper_pages::page_data(index, count, |p| self.url(p)),
        );
        let title = match (index.order, index.number) {
            (paper_pages::Order::Newest, 1) => "All papers".to_string(),
            (paper_pages::Order::Newest, n) => format!("All papers, page {n}"),
            (paper_pages::Order::Title, n) => format!("All papers by title, page {n}"),
        };
        context.insert("web", &self.plain_meta(&title, &index.path()));
        context.insert("page_title", &title);
        context
    }

    /// `before`, the rows of the table page `index` in its order, then `after`.
    fn with_paper_rows(
        &self,
        index: &IndexPage,
        before: &str,
        after: &str,
    ) -> Result<String, Diagnostic> {
        let keys: Vec<&str> = self
            .view
            .table_rows(index)
            .iter()
            .map(String::as_str)
            .collect();
        let fields_hash = |key: &str| self.fields_hash(key);
        let write =
            |key: &str| self.recorded(|renderer| renderer.paper_row(key, renderer.fields(key)?));
        let join = |rows: Vec<&Recorded<String>>| {
            let rows: Vec<&String> = rows.into_iter().map(|row| self.replayed(row)).collect();
            let size: usize = rows.iter().map(|row| row.len()).sum();
            let mut html = String::with_capacity(before.len() + size + after.len());
            html.push_str(before);
            rows.into_iter().for_each(|row| html.push_str(row));
            html.push_str(after);
            html
        };
        self.kept.rows.with(&keys, fields_hash, write, join)
    }

    /// The papers `keys` as a list shows them, their entries kept while unchanged.
    fn listed(&self, keys: &[String]) -> Result<Vec<ListedPaper>, Diagnostic> {
        let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
        let fields_hash = |key: &str| self.fields_hash(key);
        let write =
            |key: &str| self.recorded(|renderer| renderer.paper_item(key, renderer.fields(key)?));
        let read = |items: Vec<&Recorded<String>>| {
            let entry = |item: &Recorded<String>| ListedPaper {
                item: self.replayed(item).clone(),
            };
            items.into_iter().map(entry).collect()
        };
        self.kept.items.with(&keys, fields_hash, write, read)
    }

    /// Runs `write` on a renderer of the same job with a log of its own, so that a
    /// value kept for other jobs carries the reads it was written from.
    fn recorded<T, E>(
        &self,
        write: impl FnOnce(&Renderer) -> Result<T, E>,
    ) -> Result<Recorded<T>, E> {
        let renderer = Renderer {
            view: self.view.fresh(),
            tera: self.tera,
            base_path: self.base_path.clone(),
            kept: self.kept,
        };
        let value = write(&renderer)?;
        let reads = renderer.view.take_reads();
        Ok(Recorded { value, reads })
    }

    /// A kept value, its reads logged as this job's.
    fn replayed<'v, T>(&self, kept: &'v Recorded<T>) -> &'v T {
        self.view.replay(&kept.reads);
        &kept.value
    }

    /// A paper's fields; an error for an unknown key (assembly checked every key).
    fn fields(&self, key: &str) -> Result<&PaperFields, Diagnostic> {
        (self.view.fields(key))
            .ok_or_else(|| Diagnostic::error("content", format!("no paper `{key}` to list")))
    }

    fn paper_item(&self, key: &str, fields: &PaperFields) -> Result<String, Diagnostic> {
        let mut context = tera::Context::new();
        context.insert("p", &self.summary(key, fields));
        self.render_template("paper_item.html", &context)
    }

    /// A hash of what [`Renderer::summary`] reads from the paper itself: its fields.
    fn fields_hash(&self, key: &str) -> u64 {
        crate::hash::hash_of(&self.view.fields(key))
    }

    fn paper_row(&self, key: &str, fields: &PaperFields) -> Result<String, Diagnostic> {
        let mut context = tera::Context::new();
        context.insert("p", &self.summary(key, fields));
        self.render_template("paper_row.html", &context)
    }
}

/// A value kept across jobs ([`Kept`]) with the reads it was written from, which every
/// job that uses it logs as its own.
struct Recorded<T> {
    value: T,
    reads: Box<[Read]>,
}

/// A paper's site-relative path, as [`Paper::path`] gives it.
fn paper_path(key: &str) -> String {
    format!("papers/{key}/")
}

/// One listing page: an author's, a year's or a venue's papers.
#[derive(Serialize)]
struct ListingData {
    /// `author`, `year` or `venue`.
    kind: &'static str,
    name: String,
    heading: String,
    url: String,
    index_url: String,
    index_title: &'static str,
    papers: Vec<ListedPaper>,
}

/// The index of all authors, years or venues, in sections (by initial for authors).
#[derive(Serialize)]
struct ListingIndexData {
    kind: &'static str,
    title: &'static str,
    count: usize,
    sections: Vec<IndexSection>,
}

#[derive(Serialize)]
struct IndexSection {
    heading: Option<String>,
    entries: Vec<IndexEntry>,
}

#[derive(Serialize)]
struct IndexEntry {
    name: String,
    url: String,
    count: usize,
}

/// Bars of a home-page chart, with links, for the chart's data table.
#[derive(Serialize)]
struct ChartRow {
    label: String,
    url: String,
    count: usize,
}

#[derive(Serialize)]
struct HomeCharts {
    years_svg: String,
    years: Vec<ChartRow>,
    chapters_svg: String,
    chapters: Vec<ChartRow>,
}

/// A facet of the search page: the Pagefind filter name and its label.
#[derive(Serialize)]
struct Facet {
    name: &'static str,
    label: &'static str,
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
    fn author_links(&self, names: &[String]) -> Vec<Link> {
        names
            .iter()
            .map(|name| Link {
                title: name.clone(),
                url: self.url(&listings::author_path(name)),
            })
            .collect()
    }

    /// Web metadata of a page that is not a survey page or a paper.
    fn plain_meta(&self, title: &str, path: &str) -> WebMeta {
        let config = self.view.config();
        WebMeta::page(
            title,
            &config.description,
            format!("{}{path}", config.base_url()),
        )
    }

    fn listing_context(&self, group: &Group) -> Result<tera::Context, Diagnostic> {
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

    fn listing_index_context(&self, kind: ListingKind) -> tera::Context {
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

    fn search_context(&self) -> tera::Context {
        let mut context = tera::Context::new();
        context.insert("current", "search");
        context.insert("web", &self.plain_meta("Search", "search/"));
        context.insert("facets", &FACETS);
        context.insert(
            "pagefind_url",
            &self.url(&format!("{}/pagefind.js", crate::search::FOLDER)),
        );
        context
    }

    fn home_charts(&self) -> HomeCharts {
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
        let bars = |rows: &[ChartRow]| -> Vec<crate::charts::Bar> {
            rows.iter()
                .map(|row| crate::charts::Bar {
                    label: row.label.clone(),
                    value: row.count,
                })
                .collect()
        };
        HomeCharts {
            years_svg: crate::charts::columns("chart-years", "Papers per year", &bars(&years)),
            chapters_svg: crate::charts::rows(
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

/// "A, B, C et al." with at most three names, for lists.
fn short_authors(fields: &crate::model::PaperFields) -> String {
    let named = fields.named_authors();
    let shown: Vec<&str> = named.iter().take(3).map(String::as_str).collect();
    let more = named.len() > 3 || fields.authors_incomplete();
    match (shown.is_empty(), more) {
        (true, _) => String::new(),
        (false, true) => format!("{} et al.", shown.join(", ")),
        (false, false) => shown.join(", "),
    }
}

fn template_error(template: &str, error: &tera::Error) -> Diagnostic {
    let mut message = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        message.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    Diagnostic::error(
        format!("templates/{template}"),
        format!("template error: {message}"),
    )
    .help(
        "fix the template; the built-in templates in the survey repository show the available data",
    )
}

/// Sanitizes rendered Markdown: raw HTML from content cannot run script or break out.
/// MathML is allowed exactly as far as `crate::math` emits it.
pub fn sanitize(html: &str) -> String {
    static CLEANER: OnceLock<ammonia::Builder<'static>> = OnceLock::new();
    CLEANER
        .get_or_init(|| {
            let mut builder = ammonia::Builder::default();
            builder
                .add_generic_attributes(["class", "id", "aria-label", "aria-hidden"])
                .add_tags(["mark", "figure", "figcaption", "section"])
                .add_tag_attributes("span", ["tabindex"])
                .link_rel(None);
            allow_mathml(&mut builder);
            builder
        })
        .clean(html)
        .to_string()
}

fn allow_mathml(builder: &mut ammonia::Builder<'static>) {
    builder.add_tags(math::MATHML_ELEMENTS.iter().copied());
    for tag in math::MATHML_ELEMENTS {
        builder.add_tag_attributes(*tag, math::MATHML_ATTRIBUTES.iter().copied());
    }
    builder.filter_style_properties(math::MATHML_STYLE_PROPERTIES.iter().copied().collect());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitize_removes_scripts_and_handlers_but_keeps_our_markup() {
        let html = sanitize(
            "<h2 id=\"x\">T<a class=\"anchor\" href=\"#x\">#</a></h2><script>alert(1)</script><img src=x onerror=alert(1)>",
        );
        assert!(html.contains("<h2 id=\"x\">"), "{html}");
        assert!(html.contains("class=\"anchor\""), "{html}");
        assert!(!html.contains("script"), "{html}");
        assert!(!html.contains("onerror"), "{html}");
    }

    /// Element and attribute names in `html`, with counts (a test-only scanner).
    fn markup_names(html: &str) -> BTreeMap<String, usize> {
        let mut names = BTreeMap::new();
        for tag in html.split('<').skip(1).filter(|t| !t.starts_with('/')) {
            let inside = tag.split('>').next().unwrap_or("");
            let element = inside.split_whitespace().next().unwrap_or("");
            let element = element.trim_end_matches('/');
            *names.entry(format!("<{element}")).or_default() += 1;
            // Attribute names run back from each `=` (pulldown-latex sometimes omits
            // the space between attributes; browsers and ammonia accept that).
            for (at, _) in inside.match_indices("=\"") {
                let before = &inside[..at];
                let start = before
                    .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
                    .map_or(0, |i| i + 1);
                *names
                    .entry(format!("{element}@{}", &before[start..]))
                    .or_default() += 1;
            }
        }
        names
    }

    #[test]
    fn sanitize_keeps_every_element_and_attribute_our_mathml_uses() {
        let formulas = [
            r"\mathcal{L}_{\mathrm{DPO}} = -\,\mathbb{E}\left[\log \sigma\!\left(\beta \frac{a}{b}\right)\right]",
            r"\sqrt{x} + \sqrt[3]{y} + \sum_{t=1}^{|h|} w_t + \binom{n}{k} + \overline{x} + \underbrace{a}_{b}",
            r"\begin{pmatrix} a & b \\ c & d \end{pmatrix} \begin{cases} 1 & x \\ 0 & y \end{cases} \color{red}{x} \text{pass@}k",
            r"\max_{\pi_\theta} \big[ r \big] \Big\| \displaystyle\int_0^1 \not= \lim_{x\to 0}",
        ];
        for tex in formulas {
            for display in [false, true] {
                let formula = math::to_mathml(tex, display).unwrap();
                assert_eq!(
                    markup_names(&sanitize(&formula)),
                    markup_names(&formula),
                    "{tex}"
                );
            }
        }
    }

    #[test]
    fn sanitize_drops_script_inside_maths() {
        let html = sanitize(
            "<math><mi onclick=\"x()\" href=\"javascript:x\">a</mi><script>alert(1)</script><mtext><img src=x onerror=y></mtext><maction>b</maction><mi style=\"position: fixed; color: red\">c</mi></math>",
        );
        assert!(!html.contains("script"), "{html}");
        assert!(!html.contains("alert"), "{html}");
        assert!(!html.contains("onclick"), "{html}");
        assert!(!html.contains("onerror"), "{html}");
        assert!(!html.contains("javascript"), "{html}");
        assert!(!html.contains("maction"), "{html}");
        assert!(!html.contains("position"), "{html}");
        assert!(html.contains("<mi>a</mi>"), "{html}");
    }

    #[test]
    fn hashed_asset_names_change_with_content() {
        let a = hashed_assets(&[StaticFile {
            path: "style.css".into(),
            bytes: b"a".to_vec(),
        }]);
        let b = hashed_assets(&[StaticFile {
            path: "style.css".into(),
            bytes: b"b".to_vec(),
        }]);
        assert_ne!(a["style.css"], b["style.css"]);
        assert!(a["style.css"].starts_with("style.") && a["style.css"].ends_with(".css"));
    }
}
