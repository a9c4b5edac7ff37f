//! The reference-list order of all papers, found without one long sort by hayagriva.
//!
//! hayagriva sorts in one thread and each comparison renders the style's sort macros
//! of both papers again (about 0.1 ms), so a site-wide sort costs `n log n` of them:
//! longer than formatting every paper. Here, for styles whose references read alike in
//! any run ([`super::cache::context_free`]):
//! 1. papers are ordered by a guess ([`Guess`]): every author's full name as APA
//!    lists them, the year and title, or else the plain text of the formatted
//!    reference (an author-date style sorts by author, date and title, which a
//!    reference starts with);
//! 2. each pair of neighbours is checked by hayagriva itself ([`precedes`]), all pairs
//!    in parallel: if every neighbour is in order, so is the whole list;
//! 3. papers out of place are taken out ([`split_in_order`]), sorted by hayagriva among
//!    themselves and put back by binary search ([`insert_sorted`]).
//!
//! Invariant: the result equals the order of one run over all papers, passed in key
//! order, with the style that only sorts. It relies on the style's comparison being a
//! consistent order with ties kept in key order, as hayagriva's stable sort keeps them.
//! When so many papers are out of place that sorting all takes fewer comparisons, they
//! are all sorted ([`sort_by_style`]).

use std::collections::{BTreeMap, HashMap};

use rayon::prelude::*;

use super::{Content, Styles, run};
use crate::model::Paper;
use crate::model::names::PersonName;

/// Beyond this share of papers out of place (in percent), the first guess is deemed
/// wrong for the style and the second is tried too.
const MOST_OUT_OF_PLACE: usize = 10;

/// Up to this many papers, one hayagriva run sorts them; beyond, a parallel merge
/// sort by [`precedes`] does, because a run costs the square of its size (see
/// [`super::MAX_RUN`]): one run over 100 000 papers had not ended after ten minutes.
const ONE_SORTING_RUN_AT_MOST: usize = 2_000;

/// Every paper key in the style's reference-list order. `papers` are in key order and
/// `contents` holds the formatted references known so far (those of papers whose labels
/// collide are not: their runs are cited in this order, see [`super::run_groups`]).
pub(super) fn reference_order(
    papers: &[&Paper],
    contents: &BTreeMap<&str, &Content>,
    styles: &Styles,
) -> Vec<String> {
    if !styles.sorts() {
        // Without a sort, a reference list keeps the order of first citation, which
        // is key order in every run here.
        return papers.iter().map(|paper| paper.key.clone()).collect();
    }
    let (checked, out_of_place) = best_split(papers, contents, styles);
    if !inserting_pays(out_of_place.len(), papers.len()) {
        return sort_by_style(papers, styles, ONE_SORTING_RUN_AT_MOST);
    }
    let mut order: Vec<String> = checked.iter().map(|paper| paper.key.clone()).collect();
    let by_key: BTreeMap<&str, &Paper> = papers.iter().map(|p| (p.key.as_str(), *p)).collect();
    let mut out_of_place = out_of_place;
    out_of_place.sort_by(|a, b| a.key.cmp(&b.key));
    insert_sorted(&mut order, &out_of_place, &by_key, styles);
    order
}

/// Each key's place in the reference-list order `order`.
pub(super) fn ranks(order: &[String]) -> HashMap<&str, usize> {
    (order.iter().enumerate())
        .map(|(rank, key)| (key.as_str(), rank))
        .collect()
}

/// Splits the guess into a list in the style's order and the papers out of place.
/// Every pair of neighbours is checked at once, in parallel; a list whose neighbours
/// are all in order is sorted. Where a pair is not, either paper may be the misplaced
/// one: the earlier is dropped if the later follows the one before it, else the later.
fn split_in_order<'a>(guess: &[&'a Paper], styles: &Styles) -> (Vec<&'a Paper>, Vec<&'a Paper>) {
    let in_order: Vec<bool> = (guess.par_windows(2))
        .map(|pair| precedes(pair[0], pair[1], styles))
        .collect();
    let mut sorted: Vec<&Paper> = Vec::with_capacity(guess.len());
    let mut out_of_place = Vec::new();
    for (index, &paper) in guess.iter().enumerate() {
        let follows = match sorted.last() {
            None => true,
            Some(last) if index > 0 && std::ptr::eq(*last, guess[index - 1]) => in_order[index - 1],
            Some(last) => precedes(last, paper, styles),
        };
        if follows {
            sorted.push(paper);
            continue;
        }
        let before_last = sorted.len().checked_sub(2).map(|i| sorted[i]);
        if before_last.is_none_or(|before| precedes(before, paper, styles)) {
            out_of_place.extend(sorted.pop());
            sorted.push(paper);
        } else {
            out_of_place.push(paper);
        }
    }
    (sorted, out_of_place)
}

/// The split of the better guess: by the authors' names ([`Guess::Names`]); if that
/// leaves more than a tenth out of place, by the reference's text ([`Guess::Text`])
/// too, keeping the split with fewer papers out of place.
fn best_split<'a>(
    papers: &[&'a Paper],
    contents: &BTreeMap<&str, &Content>,
    styles: &Styles,
) -> (Vec<&'a Paper>, Vec<&'a Paper>) {
    let first = split_in_order(&guessed_order(papers, contents, Guess::Names), styles);
    if first.1.len() * 100 <= papers.len() * MOST_OUT_OF_PLACE {
        return first;
    }
    let second = split_in_order(&guessed_order(papers, contents, Guess::Text), styles);
    if second.1.len() < first.1.len() {
        second
    } else {
        first
    }
}

/// Whether putting `out_of_place` papers back one by one costs fewer comparisons
/// (each a hayagriva run) than sorting all `papers`: sorting them among themselves
/// and a binary search each, against a sort of everything.
fn inserting_pays(out_of_place: usize, papers: usize) -> bool {
    let log = |n: usize| f64::from(usize::BITS - n.leading_zeros());
    let (k, n) = (out_of_place as f64, papers as f64);
    k * log(out_of_place) + k * log(papers) < n * log(papers)
}

/// How a first order is guessed, before hayagriva checks it.
#[derive(Debug, Clone, Copy)]
enum Guess {
    /// By every author's full name, as APA lists them ([`sorted_names`]), the year,
    /// the title, then [`Guess::Text`]. APA and Chicago sort by the
    /// authors with full given names (a reference shows initials, so two authors
    /// with the same initials interleave in the text but not in the style's order);
    /// at 10 000 generated papers this guess left 1 paper out of place, the text
    /// 2 380.
    Names,
    /// By the lowercased text of the formatted reference: a style that sorts by every
    /// author, then the date and title, reads in that order.
    Text,
}

/// Papers in the order `guess` expects, ties by key.
fn guessed_order<'a>(
    papers: &[&'a Paper],
    contents: &BTreeMap<&str, &Content>,
    guess: Guess,
) -> Vec<&'a Paper> {
    let mut keyed: Vec<(GuessKey, &Paper)> = (papers.par_iter())
        .map(|paper| {
            let text = contents
                .get(paper.key.as_str())
                .map_or_else(String::new, |content| content.plain().to_lowercase());
            let key = match guess {
                Guess::Names => GuessKey {
                    names: sorted_names(paper),
                    year: paper.fields.year,
                    title: paper.fields.title.to_lowercase(),
                    text,
                },
                Guess::Text => GuessKey {
                    text,
                    ..GuessKey::default()
                },
            };
            (key, *paper)
        })
        .collect();
    keyed.sort_by(|(a, first), (b, second)| a.cmp(b).then_with(|| first.key.cmp(&second.key)));
    keyed.into_iter().map(|(_, paper)| paper).collect()
}

/// What papers are ordered by in a guess, field by field.
#[derive(Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
struct GuessKey {
    names: String,
    year: i32,
    title: String,
    text: String,
}

/// Every named author as "family, given", then "et al." if the list is incomplete,
/// the last after "&", lowercased; the title for a paper without named authors.
fn sorted_names(paper: &Paper) -> String {
    let named = paper.fields.named_authors();
    if named.is_empty() {
        return paper.fields.title.to_lowercase();
    }
    let mut names: Vec<String> = (named.iter())
        .map(|name| {
            let name = PersonName::parse(name);
            format!("{}, {}", name.family, name.given)
        })
        .collect();
    if paper.fields.authors_incomplete() {
        names.push("et al.".to_string());
    }
    // As APA lists them: "&" before the last, which sorts a list of two before a
    // longer one with the same first author.
    let last = names.pop().unwrap_or_default();
    let names = match names.is_empty() {
        true => last,
        false => format!("{}, & {last}", names.join(", ")),
    };
    names.to_lowercase()
}

/// Inserts `fresh` papers (in key order) into `order`, a list already in the style's
/// order: they are sorted among themselves ([`sort_by_style`]), and each one's place
/// among the others is found by binary search, in parallel.
pub(super) fn insert_sorted(
    order: &mut Vec<String>,
    fresh: &[&Paper],
    papers: &BTreeMap<&str, &Paper>,
    styles: &Styles,
) {
    let fresh = sort_by_style(fresh, styles, ONE_SORTING_RUN_AT_MOST);
    let positions: Vec<usize> = (fresh.par_iter())
        .map(|key| {
            let paper = papers[key.as_str()];
            order.partition_point(|other| precedes(papers[other.as_str()], paper, styles))
        })
        .collect();
    // Positions count only the old papers; each earlier insertion shifts the rest.
    for (inserted, (key, position)) in fresh.into_iter().zip(positions).enumerate() {
        order.insert(position + inserted, key);
    }
}

/// The keys of `papers` (in key order) in the style's order, as one run over them all
/// gives it: by that run up to `one_run_at_most` papers, else by a stable parallel
/// merge sort comparing pairs with [`precedes`]. Both agree because the style's
/// comparison is a consistent order whose ties stay in key order (see the module doc).
fn sort_by_style(papers: &[&Paper], styles: &Styles, one_run_at_most: usize) -> Vec<String> {
    if papers.len() <= one_run_at_most {
        let one_run = run(papers, &styles.sorting, &styles.locale);
        return one_run.items.into_iter().map(|(key, _)| key).collect();
    }
    let mut sorted = papers.to_vec();
    sorted.par_sort_by(|a, b| {
        if a.key == b.key {
            std::cmp::Ordering::Equal
        } else if precedes(a, b, styles) {
            std::cmp::Ordering::Less
        } else {
            std::cmp::Ordering::Greater
        }
    });
    sorted.into_iter().map(|paper| paper.key.clone()).collect()
}

/// Whether `first` comes before `second` in the site-wide reference list: a run of the
/// two, passed in key order as the site-wide run passes all papers, with a style that
/// only sorts.
pub(super) fn precedes(first: &Paper, second: &Paper, styles: &Styles) -> bool {
    let pair = if first.key < second.key {
        [first, second]
    } else {
        [second, first]
    };
    let pair_run = run(&pair, &styles.sorting, &styles.locale);
    (pair_run.items.first()).is_some_and(|(key, _)| *key == first.key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::csl::{Parts, style};

    /// Papers whose order needs every sort key: shared and distinct authors, years
    /// and titles, and exact ties (left in key order).
    fn papers() -> Vec<Paper> {
        let rows = [
            ("Zoe Zeta", 2021, "Later"),
            ("Ann Alpha", 2023, "Beta study"),
            ("Ann Alpha", 2023, "Alpha study"),
            ("Ann Alpha", 2020, "Gamma study"),
            ("Bob Beta", 2022, "Same title"),
            ("Bob Beta", 2022, "Same title"),
            ("Carl van der Berg", 2019, "Particles"),
            ("OpenAI", 2024, "A report"),
            ("ann alpha", 2023, "lowercase"),
        ];
        (rows.iter().enumerate())
            .map(|(index, (author, year, title))| {
                Paper::for_tests(&format!("paper{index:02}"), &[author], *year, title)
            })
            .collect()
    }

    #[test]
    fn the_merge_sort_gives_the_order_of_one_run() {
        let papers = papers();
        let papers: Vec<&Paper> = papers.iter().collect();
        for name in ["apa", "chicago-author-date", "ieee"] {
            let styles = Styles::new(style(name).unwrap(), "en");
            let one_run = sort_by_style(&papers, &styles, usize::MAX);
            let merged = sort_by_style(&papers, &styles, 0);
            assert_eq!(merged, one_run, "{name}");
        }
    }

    /// Authors who share a family name and initials but not given names, lists of one,
    /// two and more sharing a first author, and several years: what the text of a
    /// reference ("Abe, A., & Sato, I.") orders differently from APA.
    fn shared_initials() -> Vec<Paper> {
        let rows: [(&[&str], i32, &str); 8] = [
            (&["Anil Abe", "Ivan Sato"], 2018, "Cascade"),
            (&["Ada Abe", "Cy Cohen", "Di Huang"], 2017, "Meridian"),
            (&["Anil Abe", "Kai Abe", "Noor Usman"], 2015, "Orchid"),
            (&["Ada Abe", "Bo Brown", "Cy Chen"], 2020, "Pioneer"),
            (&["Anil Abe"], 2023, "Tundra"),
            (
                &["Ada Abe", "Tariq Takahashi", "Mei Nakamura"],
                2017,
                "Quartz",
            ),
            (&["Ada Abe"], 2015, "Iris"),
            (
                &["Anil Abe", "Lena Reyes", "Femi Gupta", "others"],
                2017,
                "Kestrel",
            ),
        ];
        (rows.iter().enumerate())
            .map(|(index, (authors, year, title))| {
                Paper::for_tests(&format!("abe{index}"), authors, *year, title)
            })
            .collect()
    }

    /// The guess by names is APA's order itself on authors that share initials, where
    /// the guess by the reference's text is not.
    #[test]
    fn the_guess_by_names_follows_apa_where_the_text_does_not() {
        let papers = shared_initials();
        let papers: Vec<&Paper> = papers.iter().collect();
        let styles = Styles::new(style("apa").unwrap(), "en");
        let parts = Parts::sequential(&papers, &styles);
        let contents = parts.contents();
        let keys = |order: Vec<&Paper>| -> Vec<String> {
            order.into_iter().map(|paper| paper.key.clone()).collect()
        };
        assert_eq!(
            keys(guessed_order(&papers, &contents, Guess::Names)),
            parts.order
        );
        assert_ne!(
            keys(guessed_order(&papers, &contents, Guess::Text)),
            parts.order
        );
        assert_eq!(reference_order(&papers, &contents, &styles), parts.order);
    }

    #[test]
    fn papers_are_put_back_one_by_one_only_when_that_is_cheaper() {
        assert!(inserting_pays(0, 10_000));
        assert!(inserting_pays(2_380, 10_000));
        assert!(!inserting_pays(6_000, 10_000));
        assert!(!inserting_pays(10_000, 10_000));
    }
}
