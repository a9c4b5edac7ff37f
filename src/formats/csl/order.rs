//! The reference-list order of all papers, found without one long sort by hayagriva.
//!
//! hayagriva sorts in one thread and each comparison renders the style's sort macros
//! of both papers again (about 0.1 ms), so a site-wide sort costs `n log n` of them:
//! longer than formatting every paper. Here, for styles whose references read alike in
//! any run ([`super::cache::context_free`]):
//! 1. papers are ordered by a guess, the plain text of their formatted reference (an
//!    author-date style sorts by author, date and title, which a reference starts with);
//! 2. each pair of neighbours is checked by hayagriva itself ([`precedes`]), all pairs
//!    in parallel: if every neighbour is in order, so is the whole list;
//! 3. papers out of place are taken out ([`split_in_order`]), sorted by hayagriva among
//!    themselves and put back by binary search ([`insert_sorted`]).
//!
//! Invariant: the result equals the order of one run over all papers, passed in key
//! order, with the style that only sorts. It relies on the style's comparison being a
//! consistent order with ties kept in key order, as hayagriva's stable sort keeps them.
//! When too many papers are out of place, that one run is made instead.

use std::collections::BTreeMap;

use rayon::prelude::*;

use super::{Content, Styles, run};
use crate::model::Paper;

/// Beyond this share of papers out of place (in percent), one sorting run is cheaper.
const MOST_OUT_OF_PLACE: usize = 10;

/// Every paper key in the style's reference-list order. `papers` are in key order and
/// `contents` holds each one's formatted reference.
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
    let guess = guessed_order(papers, contents);
    let (checked, out_of_place) = split_in_order(&guess, styles);
    if out_of_place.len() * 100 > papers.len() * MOST_OUT_OF_PLACE {
        let site_wide = run(papers, &styles.sorting, &styles.locale);
        return site_wide.items.into_iter().map(|(key, _)| key).collect();
    }
    let mut order: Vec<String> = checked.iter().map(|paper| paper.key.clone()).collect();
    let by_key: BTreeMap<&str, &Paper> = papers.iter().map(|p| (p.key.as_str(), *p)).collect();
    let mut out_of_place = out_of_place;
    out_of_place.sort_by(|a, b| a.key.cmp(&b.key));
    insert_sorted(&mut order, &out_of_place, &by_key, styles);
    order
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

/// Papers by the lowercased text of their plain reference, then by key.
fn guessed_order<'a>(papers: &[&'a Paper], contents: &BTreeMap<&str, &Content>) -> Vec<&'a Paper> {
    let mut keyed: Vec<(String, &Paper)> = (papers.par_iter())
        .map(|paper| {
            let text = contents
                .get(paper.key.as_str())
                .map_or_else(String::new, |content| content.plain().to_lowercase());
            (text, *paper)
        })
        .collect();
    keyed.sort_by(|(a, first), (b, second)| a.cmp(b).then_with(|| first.key.cmp(&second.key)));
    keyed.into_iter().map(|(_, paper)| paper).collect()
}

/// Inserts `fresh` papers (in key order) into `order`, a list already in the style's
/// order: they are sorted among themselves by one run, and each one's place among the
/// others is found by binary search, in parallel.
pub(super) fn insert_sorted(
    order: &mut Vec<String>,
    fresh: &[&Paper],
    papers: &BTreeMap<&str, &Paper>,
    styles: &Styles,
) {
    let fresh_run = run(fresh, &styles.sorting, &styles.locale);
    let positions: Vec<usize> = (fresh_run.items.par_iter())
        .map(|(key, _)| {
            let paper = papers[key.as_str()];
            order.partition_point(|other| precedes(papers[other.as_str()], paper, styles))
        })
        .collect();
    // Positions count only the old papers; each earlier insertion shifts the rest.
    for (inserted, ((key, _), position)) in fresh_run.items.into_iter().zip(positions).enumerate() {
        order.insert(position + inserted, key);
    }
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
