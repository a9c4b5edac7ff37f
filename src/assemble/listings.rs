//! Paper listings by author, year and venue: which pages exist and which papers each
//! lists. Pure: computed from the assembled [`Site`], no I/O, no HTML.
//!
//! Invariants: every named author, year and venue of a paper has exactly one group, so
//! a link built with [`author_path`], [`year_path`] or [`venue_path`] always resolves;
//! names that slugify alike (`Yi Zhang`, `Yi  Zhang`) share one page; papers in a group
//! are newest first; the order of groups is deterministic.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::assemble::site::{NewestFirst, Site};
use crate::formats::cite;
use crate::model::PaperFields;

/// What a listing page groups papers by.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum ListingKind {
    Author,
    Year,
    Venue,
}

impl ListingKind {
    /// The folder of this kind's pages and its index (`authors`).
    pub fn folder(self) -> &'static str {
        match self {
            ListingKind::Author => "authors",
            ListingKind::Year => "years",
            ListingKind::Venue => "venues",
        }
    }

    /// Singular, lower-case name for templates (`author`).
    pub fn name(self) -> &'static str {
        match self {
            ListingKind::Author => "author",
            ListingKind::Year => "year",
            ListingKind::Venue => "venue",
        }
    }

    /// Heading of the index page.
    pub fn index_title(self) -> &'static str {
        match self {
            ListingKind::Author => "Authors",
            ListingKind::Year => "Years",
            ListingKind::Venue => "Venues",
        }
    }
}

/// One listing page: an author, a year or a venue and its papers.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Group {
    pub kind: ListingKind,
    pub slug: String,
    /// The name as a paper spells it (the first spelling met, in key order).
    pub name: String,
    /// Paper keys, newest first.
    pub keys: Vec<String>,
}

impl Group {
    /// Site-relative path with a trailing slash (`authors/andreas-kopf/`).
    pub fn path(&self) -> String {
        format!("{}/{}/", self.kind.folder(), self.slug)
    }
}

/// Every listing of the site, each list in its index order.
#[derive(Debug, Clone, Default)]
pub struct Listings {
    /// By family name, then full name (compared as ASCII slugs).
    pub authors: Vec<Group>,
    /// Newest year first.
    pub years: Vec<Group>,
    /// Most papers first, then by name.
    pub venues: Vec<Group>,
    /// Slug -> position, per kind (authors, years, venues): a page looks up each of
    /// its paper's groups, and every rebuild fingerprints those lookups again.
    positions: [HashMap<String, usize>; 3],
}

impl Listings {
    /// The group of `kind` with `slug`, if there is one.
    pub fn group(&self, kind: ListingKind, slug: &str) -> Option<&Group> {
        let at = *self.positions[kind as usize].get(slug)?;
        self.of(kind).get(at)
    }

    /// Records where each group is, after the lists changed.
    fn index_positions(&mut self) {
        for kind in [ListingKind::Author, ListingKind::Year, ListingKind::Venue] {
            let positions = (self.of(kind).iter().enumerate())
                .map(|(at, group)| (group.slug.clone(), at))
                .collect();
            self.positions[kind as usize] = positions;
        }
    }

    pub fn of(&self, kind: ListingKind) -> &[Group] {
        match kind {
            ListingKind::Author => &self.authors,
            ListingKind::Year => &self.years,
            ListingKind::Venue => &self.venues,
        }
    }

    fn of_mut(&mut self, kind: ListingKind) -> &mut Vec<Group> {
        match kind {
            ListingKind::Author => &mut self.authors,
            ListingKind::Year => &mut self.years,
            ListingKind::Venue => &mut self.venues,
        }
    }

    /// Every group of every kind.
    pub fn all(&self) -> impl Iterator<Item = &Group> {
        self.authors.iter().chain(&self.years).chain(&self.venues)
    }
}

/// A URL-safe ASCII slug: `Andreas Köpf` -> `andreas-kopf`; never empty.
pub fn slugify(text: &str) -> String {
    let slug = slug::slugify(text);
    if slug.is_empty() {
        "unnamed".to_string()
    } else {
        slug
    }
}

pub fn author_path(name: &str) -> String {
    format!("authors/{}/", slugify(name))
}

pub fn year_path(year: i32) -> String {
    format!("years/{year}/")
}

pub fn venue_path(venue: &str) -> String {
    format!("venues/{}/", slugify(venue))
}

/// Groups the site's papers by author, year and venue.
pub fn collect(site: &Site) -> Listings {
    let mut authors = Grouper::new(ListingKind::Author);
    let mut years = Grouper::new(ListingKind::Year);
    let mut venues = Grouper::new(ListingKind::Venue);
    for (key, paper) in &site.papers {
        for grouper in [&mut authors, &mut years, &mut venues] {
            for (slug, name) in memberships(grouper.kind, &paper.fields) {
                grouper.add(slug, &name, key);
            }
        }
    }
    let order = site.newest_first_order();
    let finish = |grouper: Grouper| grouper.finish(&order);
    let mut listings = Listings {
        authors: finish(authors),
        years: finish(years),
        venues: finish(venues),
        positions: Default::default(),
    };
    sort_groups(&mut listings);
    listings.index_positions();
    listings
}

/// The groups of `kind` a paper belongs to, as (slug, name as the paper spells it),
/// in the order the paper lists them.
fn memberships(kind: ListingKind, fields: &PaperFields) -> Vec<(String, String)> {
    match kind {
        ListingKind::Author => (fields.named_authors().iter())
            .map(|name| (slugify(name), name.clone()))
            .collect(),
        ListingKind::Year => vec![(fields.year.to_string(), fields.year.to_string())],
        ListingKind::Venue => (fields.venue.iter())
            .map(|venue| (slugify(venue), venue.clone()))
            .collect(),
    }
}

/// Brings `listings` (collected from an earlier state of `site`) up to date after the
/// fields of the papers in `old` (key -> fields before) changed, equal to
/// [`collect`] of `site`: only the groups those papers left or joined are rebuilt,
/// and put back in their place in the index order.
pub fn update(listings: &mut Listings, site: &Site, old: &BTreeMap<String, PaperFields>) {
    for kind in [ListingKind::Author, ListingKind::Year, ListingKind::Venue] {
        let mut slugs = BTreeSet::new();
        for (key, before) in old {
            slugs.extend(memberships(kind, before).into_iter().map(|(slug, _)| slug));
            if let Some(paper) = site.papers.get(key) {
                slugs.extend(memberships(kind, &paper.fields).into_iter().map(|(s, _)| s));
            }
        }
        let groups = listings.of_mut(kind);
        for slug in slugs {
            let previous = groups.iter().position(|g| g.slug == slug);
            let mut keys = previous
                .map(|at| groups.remove(at).keys)
                .unwrap_or_default();
            keys.retain(|key| !old.contains_key(key));
            let joined = (old.keys()).filter(|key| {
                (site.papers.get(*key))
                    .is_some_and(|p| memberships(kind, &p.fields).iter().any(|(s, _)| *s == slug))
            });
            keys.extend(joined.cloned());
            if let Some(group) = rebuilt_group(site, kind, slug, keys) {
                let at = groups.partition_point(|g| index_order(g, &group).is_lt());
                groups.insert(at, group);
            }
        }
    }
    listings.index_positions();
}

/// A group from its members, as [`collect`] makes it: newest first, named as the
/// member with the smallest key spells it. `None` without members.
fn rebuilt_group(
    site: &Site,
    kind: ListingKind,
    slug: String,
    mut keys: Vec<String>,
) -> Option<Group> {
    let first = keys.iter().min()?.clone();
    let fields = &site.papers.get(&first)?.fields;
    let name = (memberships(kind, fields).into_iter())
        .find(|(s, _)| *s == slug)
        .map(|(_, name)| name)?;
    site.sort_newest_first(&mut keys);
    keys.dedup();
    Some(Group {
        kind,
        slug,
        name,
        keys,
    })
}

fn sort_groups(listings: &mut Listings) {
    // The key is computed once per author: slugifying in every comparison took
    // milliseconds per build.
    listings.authors.sort_by_cached_key(author_order);
    listings.years.sort_by(index_order);
    listings.venues.sort_by(index_order);
}

/// The order of groups in their index: authors by the ASCII slug of the family name
/// (so `Ángel` files under A, not after Z), years newest first, venues with most
/// papers first, then by name.
fn index_order(a: &Group, b: &Group) -> std::cmp::Ordering {
    match a.kind {
        ListingKind::Author => author_order(a).cmp(&author_order(b)),
        ListingKind::Year => {
            let year = |g: &Group| g.slug.parse::<i64>().unwrap_or(i64::MIN);
            year(b).cmp(&year(a))
        }
        ListingKind::Venue => b
            .keys
            .len()
            .cmp(&a.keys.len())
            .then_with(|| a.name.to_lowercase().cmp(&b.name.to_lowercase()))
            .then_with(|| a.slug.cmp(&b.slug)),
    }
}

fn author_order(group: &Group) -> (String, String) {
    (slugify(&cite::family_name(&group.name)), group.slug.clone())
}

/// Collects keys per slug, remembering the first spelling of each name.
struct Grouper {
    kind: ListingKind,
    groups: BTreeMap<String, (String, Vec<String>)>,
}

impl Grouper {
    fn new(kind: ListingKind) -> Self {
        Grouper {
            kind,
            groups: BTreeMap::new(),
        }
    }

    fn add(&mut self, slug: String, name: &str, key: &str) {
        let (_, keys) = self
            .groups
            .entry(slug)
            .or_insert_with(|| (name.to_string(), Vec::new()));
        keys.push(key.to_string());
    }

    fn finish(self, order: &NewestFirst) -> Vec<Group> {
        self.groups
            .into_iter()
            .map(|(slug, (name, mut keys))| {
                order.sort(&mut keys);
                keys.dedup();
                Group {
                    kind: self.kind,
                    slug,
                    name,
                    keys,
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_ascii_and_never_empty() {
        assert_eq!(slugify("Andreas Köpf"), "andreas-kopf");
        assert_eq!(
            slugify("Charbel-Raphaël Segerie"),
            "charbel-raphael-segerie"
        );
        assert_eq!(
            slugify("NeurIPS 2023 (Datasets and Benchmarks Track)"),
            "neurips-2023-datasets-and-benchmarks-track"
        );
        assert_eq!(slugify("???"), "unnamed");
    }

    #[test]
    fn paths_of_listing_pages() {
        assert_eq!(author_path("Yi Zhang"), "authors/yi-zhang/");
        assert_eq!(year_path(2023), "years/2023/");
        assert_eq!(venue_path("ACL 2023"), "venues/acl-2023/");
    }

    #[test]
    fn names_that_slugify_alike_share_a_group() {
        let mut grouper = Grouper::new(ListingKind::Author);
        grouper.add(slugify("Yi Zhang"), "Yi Zhang", "a");
        grouper.add(slugify("Yi  Zhang"), "Yi  Zhang", "b");
        assert_eq!(grouper.groups.len(), 1);
        let (name, keys) = &grouper.groups["yi-zhang"];
        assert_eq!(name, "Yi Zhang");
        assert_eq!(keys, &["a", "b"]);
    }
}
