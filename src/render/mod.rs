//! The render stage: an assembled [`Site`] -> every output file as `(path, bytes)`.
//!
//! Never reads the disk and never mutates the site. Template data shared by all pages
//! (navigation, assets, the survey) is built once per build and set as Tera's global
//! context; every output is a job rendered in parallel with rayon.

pub mod charts;
pub mod exports;
pub mod meta;
pub mod paper_pages;
pub mod templates;

use std::collections::{BTreeMap, HashMap};

use kept::Kept;

use crate::assemble::listings::{self, Group, ListingKind, Listings};
use crate::assemble::site::Site;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::formats::csl;
use crate::load::{SourceFile, StaticFile};
use crate::model::PaperFields;
use crate::model::{Page, Paper};
use crate::tracked::Tracked;
use paper_pages::IndexPage;

mod kept;
pub mod reads;

use reads::{Data, Read, SiteView};

use crate::emit::Output;

mod assets;
mod bodies;
mod globals;
mod listing_pages;
mod nav;
mod pages;
mod renderer;
mod sanitize;
mod tables;

use assets::{hashed_assets, plain_outputs, static_outputs};
pub use globals::Link;
pub use globals::NavItem;
use globals::{GlobalData, topic_links};
use renderer::Renderer;
use tables::Recorded;

/// What one build's template jobs share ([`PreparedParts`]) with the site they render.
/// The engine ([`crate::engine`]) renders the jobs that are new or read something
/// that changed.
pub struct Prepared<'a> {
    site: &'a Site,
    parts: PreparedParts,
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

impl JobKey {
    /// When to start this job among others rendered in parallel, lowest first: the
    /// jobs that list many papers (the author index alone takes as long as fifty
    /// paper pages), so that a parallel loop does not end with one thread on a long
    /// job and the other idle.
    pub fn start_rank(&self) -> u8 {
        match self {
            JobKey::ListingIndex(_) => 0,
            JobKey::Page(_) | JobKey::PaperIndex(_) => 1,
            JobKey::Listing(ListingKind::Year | ListingKind::Venue, _) => 1,
            _ => 2,
        }
    }
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
        listings: listings::collect(site).into(),
        orders: paper_pages::orders(site).into(),
        shared_data,
        topic_links: topic_links(site).into(),
        kept: PaperHtml::default(),
        navs: nav::NavHtml::default(),
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
    listings: Tracked<Listings>,
    /// Every paper key in each order of the all-papers table; like the listings, it
    /// changes only with the papers' fields.
    orders: Tracked<paper_pages::Orders>,
    /// The `site` template data, serialized: it changes exactly when that data does.
    shared_data: String,
    topic_links: Tracked<HashMap<String, Link>>,
    kept: PaperHtml,
    navs: nav::NavHtml,
}

/// What `papers.html` receives as `rows` and outputs with `| safe`: the page's rows
/// are spliced in there after rendering rather than copied through Tera's values.
const ROWS_MARKER: &str = "<!-- survey: the rows of every paper -->";

/// Per paper, what the renderer writes and keeps ([`kept::Kept`]): its row of the
/// all-papers table with its place in it, its entry in paper lists, its reference in
/// HTML; and each page's body without its citations ([`bodies`]). Rows and entries
/// are kept while the paper's fields hash the same ([`Renderer::fields_hash`], itself
/// kept with the fields it hashed), references while its formatted reference and
/// title are.
#[derive(Default)]
struct PaperHtml {
    fields: kept::FieldsHashes,
    rows: Kept<u64, Recorded<String>>,
    items: Kept<u64, Recorded<String>>,
    references: Kept<(Option<csl::Formatted>, String), String>,
    bodies: bodies::KeptBodies,
}

impl PreparedParts {
    /// Brings the listings and the table's orders up to date after the fields of the
    /// papers in `old` (key -> fields before) changed ([`listings::update`]).
    pub fn update_listings(&mut self, site: &Site, old: &BTreeMap<String, PaperFields>) {
        listings::update(&mut self.listings, site, old);
        self.orders.update(site, old);
    }

    /// Valid only with the site these parts were prepared from, or one that differs
    /// from it in nothing the shared data reads (see `incremental::patch`).
    pub fn attach(self, site: &Site) -> Prepared<'_> {
        Prepared { site, parts: self }
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
            orders: &self.parts.orders,
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

    /// Renders one job, recording what it read of the site ([`reads`]) if `records`.
    pub fn render_job(&self, key: &JobKey, records: bool) -> Rendered {
        let view = SiteView::new(self.data(), records);
        let renderer = Renderer {
            base_path: view.config().base_path(),
            view,
            tera: &self.parts.tera,
            kept: &self.parts.kept,
            navs: &self.parts.navs,
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
