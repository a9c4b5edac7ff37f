//! The all-papers table in pages: [`PAGE_SIZE`] rows a page, in two orders that each
//! list every paper, so the table stays small at any size of survey and can be read
//! complete, and re-sorted, without JavaScript.
//!
//! | order | first page | page n |
//! | --- | --- | --- |
//! | newest first (date, then title) | `papers/` | `papers/n/` |
//! | title A to Z | `papers/by-title/` | `papers/by-title/n/` |
//!
//! Invariants: every order has [`page_count`] pages (at least one, also with no paper);
//! the pages of one order hold every paper exactly once, in that order; a page's pager
//! links a bounded number of pages (first, last, and a window around the current one),
//! so its size does not grow with the survey.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::assemble::site::{Site, newest_key};
use crate::model::PaperFields;

/// Rows of one page: small enough for a phone (the budget in
/// `tests/browser/budgets.json` is 1 500 DOM elements, about ten a row).
pub const PAGE_SIZE: usize = 100;

/// Pages linked on each side of the current page in the pager.
const WINDOW: usize = 2;

/// How the table's pages are sorted.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Order {
    /// Newest first, as everywhere else in the site.
    Newest,
    /// By title, ignoring case, A to Z.
    Title,
}

impl Order {
    pub const ALL: [Order; 2] = [Order::Newest, Order::Title];

    /// The folder of the order's pages.
    fn folder(self) -> &'static str {
        match self {
            Order::Newest => "papers/",
            Order::Title => "papers/by-title/",
        }
    }
}

/// One page of the table: its order and its number, from 1.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
pub struct IndexPage {
    pub order: Order,
    pub number: usize,
}

impl IndexPage {
    /// The first page of the newest-first order: `papers/`.
    pub const FIRST: IndexPage = IndexPage {
        order: Order::Newest,
        number: 1,
    };

    /// The page's site path: `papers/`, `papers/3/`, `papers/by-title/2/`.
    pub fn path(&self) -> String {
        match self.number {
            1 => self.order.folder().to_string(),
            n => format!("{}{n}/", self.order.folder()),
        }
    }

    /// The positions of its rows in its order.
    fn rows(&self, papers: usize) -> std::ops::Range<usize> {
        let start = ((self.number - 1) * PAGE_SIZE).min(papers);
        start..(start + PAGE_SIZE).min(papers)
    }
}

/// Pages in each order for `papers` papers.
pub fn page_count(papers: usize) -> usize {
    papers.div_ceil(PAGE_SIZE).max(1)
}

/// Every page of every order, in a fixed order.
pub fn all(papers: usize) -> Vec<IndexPage> {
    let count = page_count(papers);
    (Order::ALL.iter())
        .flat_map(|&order| (1..=count).map(move |number| IndexPage { order, number }))
        .collect()
}

/// Every paper key in each order of the table.
pub struct Orders {
    newest: Vec<String>,
    title: Vec<String>,
}

impl Orders {
    /// The keys on the table page `page`.
    pub fn rows(&self, page: &IndexPage) -> &[String] {
        let keys = match page.order {
            Order::Newest => &self.newest,
            Order::Title => &self.title,
        };
        &keys[page.rows(keys.len())]
    }

    /// Puts the papers in `edited` (whose fields changed, or which are new) back in
    /// place: each is taken out and inserted where the full sort would put it.
    pub fn update(&mut self, site: &Site, edited: &BTreeMap<String, PaperFields>) {
        let kept = |key: &String| !edited.contains_key(key);
        self.newest.retain(kept);
        self.title.retain(kept);
        let newest = |key: &String| (newest_key(&site.papers[key.as_str()].fields), key.clone());
        let title = |key: &String| {
            (
                site.papers[key.as_str()].fields.title.to_lowercase(),
                key.clone(),
            )
        };
        for key in edited
            .keys()
            .filter(|key| site.papers.contains_key(key.as_str()))
        {
            let place = newest(key);
            let at = self.newest.partition_point(|k| newest(k) < place);
            self.newest.insert(at, key.clone());
            let place = title(key);
            let at = self.title.partition_point(|k| title(k) < place);
            self.title.insert(at, key.clone());
        }
    }
}

/// The site's papers in both orders of the table, each sorted once.
pub fn orders(site: &Site) -> Orders {
    let mut newest: Vec<String> = site.papers.keys().cloned().collect();
    site.newest_first_order().sort(&mut newest);
    let mut titled: Vec<(String, &String)> = (site.papers.iter())
        .map(|(key, paper)| (paper.fields.title.to_lowercase(), key))
        .collect();
    titled.sort();
    let title = titled.into_iter().map(|(_, key)| key.clone()).collect();
    Orders { newest, title }
}

/// What the template shows around the rows: where the page is and how to move on.
#[derive(Debug, Serialize)]
pub struct PageData {
    pub order: Order,
    pub number: usize,
    pub count: usize,
    /// Positions of the first and last rows, from 1 (0 and 0 with no paper).
    pub first_row: usize,
    pub last_row: usize,
    /// The first page of each order: to re-sort the table.
    pub newest_url: String,
    pub title_url: String,
    pub previous_url: Option<String>,
    pub next_url: Option<String>,
    /// The pages the pager links, in order, with gaps as `None`.
    pub pager: Vec<Option<PagerLink>>,
}

#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct PagerLink {
    pub number: usize,
    pub url: String,
    pub current: bool,
}

/// The data of `page` for `papers` papers, URLs made by `url` from site paths.
pub fn page_data(page: &IndexPage, papers: usize, url: impl Fn(&str) -> String) -> PageData {
    let count = page_count(papers);
    let at = |number: usize| url(&IndexPage { number, ..*page }.path());
    let rows = page.rows(papers);
    let first = |order| url(&IndexPage { order, number: 1 }.path());
    PageData {
        order: page.order,
        number: page.number,
        count,
        first_row: if rows.is_empty() { 0 } else { rows.start + 1 },
        last_row: rows.end,
        newest_url: first(Order::Newest),
        title_url: first(Order::Title),
        previous_url: (page.number > 1).then(|| at(page.number - 1)),
        next_url: (page.number < count).then(|| at(page.number + 1)),
        pager: pager_numbers(page.number, count)
            .into_iter()
            .map(|n| {
                n.map(|number| PagerLink {
                    number,
                    url: at(number),
                    current: number == page.number,
                })
            })
            .collect(),
    }
}

/// 1, the window around `current`, `count`; `None` where numbers are skipped.
fn pager_numbers(current: usize, count: usize) -> Vec<Option<usize>> {
    let near = |n: usize| n == 1 || n == count || current.abs_diff(n) <= WINDOW;
    let mut numbers = Vec::new();
    for n in (1..=count).filter(|&n| near(n)) {
        if let Some(Some(last)) = numbers.last()
            && n > last + 1
        {
            numbers.push(None);
        }
        numbers.push(Some(n));
    }
    numbers
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_name_the_order_and_the_page() {
        let page = |order, number| IndexPage { order, number }.path();
        assert_eq!(page(Order::Newest, 1), "papers/");
        assert_eq!(page(Order::Newest, 3), "papers/3/");
        assert_eq!(page(Order::Title, 1), "papers/by-title/");
        assert_eq!(page(Order::Title, 2), "papers/by-title/2/");
    }

    #[test]
    fn every_order_has_enough_pages_and_at_least_one() {
        assert_eq!(page_count(0), 1);
        assert_eq!(page_count(PAGE_SIZE), 1);
        assert_eq!(page_count(PAGE_SIZE + 1), 2);
        assert_eq!(page_count(10_000), 10_000 / PAGE_SIZE);
        assert_eq!(all(PAGE_SIZE + 1).len(), 4);
    }

    #[test]
    fn pages_cover_every_row_once() {
        let papers = 2 * PAGE_SIZE + 7;
        let mut covered = Vec::new();
        for number in 1..=page_count(papers) {
            let page = IndexPage {
                order: Order::Title,
                number,
            };
            covered.extend(page.rows(papers));
        }
        assert_eq!(covered, (0..papers).collect::<Vec<_>>());
    }

    #[test]
    fn the_pager_stays_small_on_a_large_survey() {
        let shown = |current, count| -> Vec<Option<usize>> { pager_numbers(current, count) };
        assert_eq!(shown(1, 1), [Some(1)]);
        assert_eq!(shown(1, 3), [Some(1), Some(2), Some(3)]);
        assert_eq!(
            shown(50, 100),
            [
                Some(1),
                None,
                Some(48),
                Some(49),
                Some(50),
                Some(51),
                Some(52),
                None,
                Some(100)
            ]
        );
        assert!(shown(1, 100).len() <= 2 * WINDOW + 4);
    }

    #[test]
    fn page_data_links_neighbours_and_both_orders() {
        let page = IndexPage {
            order: Order::Newest,
            number: 2,
        };
        let data = page_data(&page, 2 * PAGE_SIZE + 1, |path| format!("/s/{path}"));
        assert_eq!(data.count, 3);
        assert_eq!(
            (data.first_row, data.last_row),
            (PAGE_SIZE + 1, 2 * PAGE_SIZE)
        );
        assert_eq!(data.previous_url.as_deref(), Some("/s/papers/"));
        assert_eq!(data.next_url.as_deref(), Some("/s/papers/3/"));
        assert_eq!(data.title_url, "/s/papers/by-title/");
        let current: Vec<usize> = (data.pager.iter().flatten())
            .filter(|link| link.current)
            .map(|link| link.number)
            .collect();
        assert_eq!(current, [2]);
    }

    #[test]
    fn an_empty_survey_has_one_empty_page() {
        let data = page_data(&IndexPage::FIRST, 0, str::to_string);
        assert_eq!((data.count, data.first_row, data.last_row), (1, 0, 0));
        assert_eq!((data.previous_url, data.next_url), (None, None));
    }
}
