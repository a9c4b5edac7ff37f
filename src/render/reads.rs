//! What each render job reads of the site, recorded as it reads it.
//!
//! The renderer never holds the [`Site`]: it reaches site data only through a
//! [`SiteView`], whose every accessor logs a [`Read`] (what was asked for) before it
//! answers. The `reads!` table below generates, from one lookup per row, both the
//! accessor and the arm of [`Read::fingerprint`] that hashes the same lookup's answer,
//! so a read's fingerprint covers exactly what its accessor returned.
//!
//! Invariant: with the same templates and the same shared template data, a job whose
//! recorded reads all fingerprint as they did when it last rendered renders the same
//! bytes again. The engine ([`crate::engine`]) re-renders exactly the jobs with a
//! read whose fingerprint changed; nothing lists by hand what a job depends on.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use super::globals::{Link, NavItem};
use crate::assemble::listings::{Group, ListingKind, Listings};
use crate::assemble::site::{Mention, Site};
use crate::formats::cite::Label;
use crate::formats::csl::Formatted;
use crate::hash::hash_of;
use crate::model::{Page, PageKind, Paper, PaperFields, Topic};
use crate::parse::config::Config;
use crate::parse::markdown::Heading;
use crate::render::paper_pages::IndexPage;
use crate::tracked::{Logs, Tracked};

/// Everything a job may read: the assembled site and what was prepared from it.
#[derive(Clone, Copy)]
pub struct Data<'a> {
    pub site: &'a Site,
    pub listings: &'a Tracked<Listings>,
    pub topic_links: &'a Tracked<HashMap<String, Link>>,
    pub orders: &'a Tracked<crate::render::paper_pages::Orders>,
}

impl<'a> Data<'a> {
    /// The change logs of everything a read can reach (see [`crate::tracked`]).
    pub fn logs(&self) -> Logs<'a> {
        let Data {
            site,
            listings,
            topic_links,
            orders,
        } = *self;
        let mut logs = Logs::default();
        site.logs(&mut logs);
        logs.add(listings).add(topic_links).add(orders);
        logs
    }
}

/// A page as the outline shows it (navigation, neighbours, child sections): no body.
#[derive(Debug, Clone, Copy, Hash, PartialEq, Eq)]
pub struct OutlineEntry<'a> {
    pub id: &'a str,
    pub kind: PageKind,
    pub title: &'a str,
    pub description: Option<&'a str>,
}

impl OutlineEntry<'_> {
    /// The page's site-relative path, as [`Page::path`] gives it.
    pub fn path(&self) -> String {
        if self.id.is_empty() {
            String::new()
        } else {
            format!("{}/", self.id)
        }
    }

    /// The chapter id of a section, as [`Page::chapter`] gives it.
    pub fn chapter(&self) -> Option<&str> {
        (self.kind == PageKind::Section)
            .then(|| self.id.split_once('/').map(|(chapter, _)| chapter))
            .flatten()
    }
}

/// Generates [`Read`], the [`SiteView`] accessors and [`Read::fingerprint`] from one
/// table: `Variant(arg: Owned as Borrowed, ...) => fn name(data) -> Answer { lookup }`.
macro_rules! reads {
    ($(
        $(#[$doc:meta])*
        $variant:ident ( $($arg:ident : $owned:ty as $param:ty),* )
            => fn $name:ident ($data:ident) -> $answer:ty $lookup:block
    )*) => {
        /// One thing a job read, by what identifies it (see the module comment).
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        pub enum Read {
            $( $(#[$doc])* $variant($($owned),*), )*
        }

        /// The lookups, shared by the accessors and the fingerprints.
        mod lookup {
            #[allow(unused_imports)]
            use super::*;
            $(
                pub(super) fn $name<'a>($data: Data<'a>, $($arg: $param),*) -> $answer $lookup
            )*
        }

        impl<'a> SiteView<'a> {
            $(
                $(#[$doc])*
                pub fn $name(&self, $($arg: $param),*) -> $answer {
                    if self.records {
                        self.log(Read::$variant($($arg.to_owned()),*));
                    }
                    lookup::$name(self.data, $($arg),*)
                }
            )*
        }

        impl Read {
            /// A hash of what this read's accessor returns from `data` now.
            pub fn fingerprint(&self, data: Data) -> u64 {
                match self {
                    $( Read::$variant($($arg),*) => hash_of(&lookup::$name(data, $($arg),*)), )*
                }
            }
        }
    };
}

reads! {
    /// The site configuration (site.yaml).
    Config() => fn config(data) -> &'a Config { &data.site.config }
    /// Every page, in reading order, without bodies.
    Outline() => fn outline(data) -> Vec<OutlineEntry<'a>> {
        (data.site.pages.iter()).map(|page| OutlineEntry {
            id: &page.id,
            kind: page.kind,
            title: &page.fields.title,
            description: page.fields.description.as_deref(),
        }).collect()
    }
    /// One page, body included.
    Page(id: String as &str) => fn page(data) -> Option<&'a Page> { data.site.page(id) }
    /// The headings of a page's body or a paper's notes (by analysis id).
    Headings(id: String as &str) => fn headings(data) -> &'a [Heading] {
        data.site.analyses.get(id).map_or(&[], |analysis| &analysis.headings)
    }
    /// The papers a page cites, in reference-list order.
    Cited(id: String as &str) => fn cited(data) -> &'a [String] {
        data.site.references.get(id).map_or(&[], Vec::as_slice)
    }
    /// How many papers the site has.
    PaperCount() => fn paper_count(data) -> usize { data.site.papers.len() }
    /// One paper, notes included.
    Paper(key: String as &str) => fn paper(data) -> Option<&'a Paper> { data.site.papers.get(key) }
    /// One paper's front-matter fields.
    Fields(key: String as &str) => fn fields(data) -> Option<&'a PaperFields> {
        data.site.papers.get(key).map(|paper| &paper.fields)
    }
    /// A paper's citation label ("Wang et al." and "2023b").
    Label(key: String as &str) => fn label(data) -> Option<&'a Label> { data.site.labels.get(key) }
    /// A paper's reference in the citation style.
    Formatted(key: String as &str) => fn formatted(data) -> Option<Formatted> {
        data.site.formatted.get(key).cloned()
    }
    /// The places that cite a paper.
    Mentions(key: String as &str) => fn mentions(data) -> &'a [Mention] {
        data.site.mentions.get(key).map_or(&[], Vec::as_slice)
    }
    /// A paper's related papers.
    Related(key: String as &str) => fn related(data) -> &'a [String] {
        data.site.related.get(key).map_or(&[], Vec::as_slice)
    }
    /// Every topic, in tree order.
    Topics() => fn topics(data) -> &'a [Topic] { &data.site.topics }
    /// The papers filed directly under a topic, newest first.
    TopicPapers(id: String as &str) => fn topic_papers(data) -> &'a [String] {
        data.site.topic_papers.get(id).map_or(&[], Vec::as_slice)
    }
    /// A topic's title and address.
    TopicLink(id: String as &str) => fn topic_link(data) -> Option<&'a Link> {
        data.topic_links.get(id)
    }
    /// How many papers are filed under a topic or below it.
    CountUnder(id: String as &str) => fn count_under(data) -> usize { data.site.count_under(id) }
    /// The `.bib` of a page, if it lists papers.
    PageBib(id: String as &str) => fn page_bib(data) -> Option<String> {
        let page = data.site.page(id)?;
        crate::render::exports::page_bib(data.site, page)
    }
    /// The `.bib` of a finer topic, if it has papers.
    TopicBib(id: String as &str) => fn topic_bib(data) -> Option<String> {
        crate::render::exports::topic_bib(data.site, data.site.topic(id)?)
    }
    /// Where an internal link from a source file leads (site path and anchor).
    LinkTarget(source: PathBuf as &Path, destination: String as &str)
        => fn link_target(data) -> Option<(&'a str, Option<String>)> {
        crate::assemble::link::resolve(&data.site.link_targets, source, destination).ok()
    }
    /// One author's, year's or venue's group, by slug.
    Group(kind: ListingKind as &ListingKind, slug: String as &str)
        => fn group(data) -> Option<&'a Group> {
        data.listings.group(*kind, slug)
    }
    /// Every author's, year's or venue's group.
    Groups(kind: ListingKind as &ListingKind) => fn groups(data) -> &'a [Group] {
        data.listings.of(*kind)
    }
    /// The paper keys on one page of the all-papers table.
    TableRows(page: IndexPage as &IndexPage) => fn table_rows(data) -> &'a [String] {
        data.orders.rows(page)
    }
    /// The taxonomy tree with paper counts, as the home page shows it.
    Taxonomy() => fn taxonomy(data) -> Vec<NavItem> {
        crate::render::globals::nav_tree(data.site, &data.site.config.base_path(), true)
    }
}

/// A job's window on the site: answers from [`Data`], logging every [`Read`] if it
/// records them.
pub struct SiteView<'a> {
    data: Data<'a>,
    /// False for an engine that renders once (`check`, `build --no-cache`): nothing
    /// would ever ask what a job read, and the log costs an owned copy of each read's
    /// arguments.
    records: bool,
    log: Mutex<Vec<Read>>,
}

impl<'a> SiteView<'a> {
    pub fn new(data: Data<'a>, records: bool) -> Self {
        SiteView {
            data,
            records,
            log: Mutex::default(),
        }
    }

    /// A view of the same data with a log of its own.
    pub fn fresh(&self) -> Self {
        SiteView::new(self.data, self.records)
    }

    fn log(&self, read: Read) {
        self.lock().push(read);
    }

    /// Logs reads made elsewhere on this job's behalf (a kept list entry's).
    pub fn replay(&self, reads: &[Read]) {
        if self.records {
            self.lock().extend_from_slice(reads);
        }
    }

    /// The reads logged so far, sorted and without repeats; the log is emptied.
    pub fn take_reads(&self) -> Box<[Read]> {
        let mut reads = std::mem::take(&mut *self.lock());
        reads.sort_unstable();
        reads.dedup();
        reads.into_boxed_slice()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Read>> {
        self.log.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
