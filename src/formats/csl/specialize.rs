//! Styles with their type tests answered in advance, for runs whose entries all give
//! the same answers.
//!
//! A style's `<if type="...">` tests are most of what hayagriva spends formatting a
//! reference: each one builds and matches selector trees over the entry and its
//! parents, and a layout asks again for every child it may render. The answer depends
//! only on the entry's shape (its type, its parents' types and whether it has a URL
//! or a publisher, [`ShapeKey`]), and a site has a handful of shapes. So each shape's
//! answers are asked of hayagriva once, by a run of a probe style ([`probe`]), and a
//! run gets the style with every test whose answer all its entries share replaced by
//! that answer ([`specialize`]).
//!
//! Invariant: a specialized style renders every entry of its run exactly as the style
//! does. A branch keeps the same truth for each entry: hayagriva folds a branch's tests
//! in a fixed order (disambiguate, is-numeric, is-uncertain-date, locator, position,
//! type, variable) with its match mode, type tests read nothing but the entry, so a
//! known answer that does not decide the fold is dropped, and one that decides it makes
//! the branch constant, unless a test evaluated before it (the disambiguate test marks
//! the run) is present. Tests compare specialized runs with plain ones.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use hayagriva::citationberg::LayoutRenderingElement as Element;
use hayagriva::citationberg::taxonomy::Kind;
use hayagriva::citationberg::{
    Affixes, Choose, ChooseBranch, ChooseMatch, Formatting, IndependentStyle, LocaleCode,
    NamesChild, Text, TextTarget,
};
use hayagriva::{BibliographyDriver, BibliographyRequest, CitationItem, CitationRequest, Entry};

/// What hayagriva's type tests read of an entry: its type, whether it has a URL and a
/// publisher, and the same of its parents, in order.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(super) struct ShapeKey(String);

impl ShapeKey {
    pub(super) fn of_paper(paper: &crate::model::Paper) -> ShapeKey {
        ShapeKey::of(&super::entry::entry(&paper.key, &paper.fields))
    }

    pub(super) fn of(entry: &Entry) -> ShapeKey {
        let mut key = String::new();
        write_shape(entry, &mut key);
        ShapeKey(key)
    }
}

fn write_shape(entry: &Entry, key: &mut String) {
    key.push_str(&format!(
        "{:?} {} {} [",
        entry.entry_type(),
        entry.has("url"),
        entry.has("publisher")
    ));
    for parent in entry.parents() {
        write_shape(parent, key);
        key.push(',');
    }
    key.push(']');
}

/// Each shape's answers to the type tests of a style, found when first needed and
/// shared by the variants of that style (they test the same kinds).
#[derive(Debug)]
pub(super) struct Shapes {
    /// The style the answers are probed with.
    style: IndependentStyle,
    /// Every kind the style tests, in the order of the answers.
    kinds: Vec<Kind>,
    answers: Mutex<HashMap<ShapeKey, Option<Arc<[bool]>>>>,
}

impl Shapes {
    pub(super) fn new(style: &IndependentStyle) -> Shapes {
        let mut kinds = Vec::new();
        for_each_element(style, &mut |element| {
            if let Element::Choose(choose) = element {
                let tested = choose.branches().filter_map(|b| b.type_.as_ref()).flatten();
                for kind in tested {
                    if !kinds.contains(kind) {
                        kinds.push(*kind);
                    }
                }
            }
        });
        Shapes {
            style: style.clone(),
            kinds,
            answers: Mutex::default(),
        }
    }

    /// The answers for `entry`'s shape, probed the first time; `None` if the probe
    /// could not be read.
    fn answers(&self, shape: &ShapeKey, entry: &Entry, locale: &LocaleCode) -> Option<Arc<[bool]>> {
        let known = self.answers.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(answers) = known.get(shape) {
            return answers.clone();
        }
        drop(known);
        let answers = probe(&self.style, &self.kinds, entry, locale).map(Arc::from);
        let mut known = self.answers.lock().unwrap_or_else(PoisonError::into_inner);
        known.entry(shape.clone()).or_insert(answers).clone()
    }
}

/// A style and the versions of it specialized so far, by the shapes of a run's
/// entries.
#[derive(Debug)]
pub(super) struct Specialized {
    style: Arc<IndependentStyle>,
    /// `None`: runs get the style itself (the reference runs of tests).
    shapes: Option<Arc<Shapes>>,
    styles: Mutex<HashMap<Vec<ShapeKey>, Arc<IndependentStyle>>>,
}

impl Specialized {
    pub(super) fn new(style: IndependentStyle, shapes: Option<Arc<Shapes>>) -> Specialized {
        Specialized {
            style: Arc::new(style),
            shapes,
            styles: Mutex::default(),
        }
    }

    /// The style itself.
    pub(super) fn plain(&self) -> &IndependentStyle {
        &self.style
    }

    /// The style specialized for `entries`: the same rendering of each, with fewer
    /// tests. The style itself when a shape's answers could not be found.
    pub(super) fn for_entries(
        &self,
        entries: &[Entry],
        locale: &LocaleCode,
    ) -> Arc<IndependentStyle> {
        let Some(shapes) = self.shapes.as_deref().filter(|s| !s.kinds.is_empty()) else {
            return Arc::clone(&self.style);
        };
        let keys: Vec<ShapeKey> = entries.iter().map(ShapeKey::of).collect();
        let mut distinct = keys.clone();
        distinct.sort();
        distinct.dedup();
        let known = self.styles.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(style) = known.get(&distinct) {
            return Arc::clone(style);
        }
        drop(known);
        let answers: Option<Vec<Arc<[bool]>>> = (distinct.iter())
            .map(|shape| {
                let entry = &entries[keys.iter().position(|key| key == shape)?];
                shapes.answers(shape, entry, locale)
            })
            .collect();
        let style = match answers {
            Some(answers) => Arc::new(specialize(&self.style, &shapes.kinds, &answers)),
            None => Arc::clone(&self.style),
        };
        let mut known = self.styles.lock().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(known.entry(distinct).or_insert(style))
    }
}

/// Which of `kinds` hayagriva says `entry` is: a run of `style` with a bibliography
/// that prints, for each kind the entry matches, its number (`k3k`). `None` if the
/// run's text cannot be read back.
fn probe(
    style: &IndependentStyle,
    kinds: &[Kind],
    entry: &Entry,
    locale: &LocaleCode,
) -> Option<Vec<bool>> {
    let mut probe = style.clone();
    probe.citation.layout.elements.clear();
    let bibliography = probe.bibliography.as_mut()?;
    bibliography.sort = None;
    bibliography.subsequent_author_substitute = None;
    let layout = &mut bibliography.layout;
    layout.prefix = None;
    layout.suffix = None;
    layout.delimiter = None;
    layout.elements = (kinds.iter().enumerate())
        .map(|(number, kind)| Element::Choose(test_of(*kind, &format!("k{number}k"))))
        .collect();
    let files = super::locales_for(locale);
    let mut driver = BibliographyDriver::new();
    driver.citation(CitationRequest::new(
        vec![CitationItem::with_entry(entry)],
        &probe,
        Some(locale.clone()),
        &files,
        None,
    ));
    let rendered = driver.finish(BibliographyRequest::new(
        &probe,
        Some(locale.clone()),
        &files,
    ));
    let items = rendered.bibliography.map(|b| b.items).unwrap_or_default();
    let text = match items.as_slice() {
        [item] => format!("{:#}", item.content),
        [] => String::new(),
        _ => return None,
    };
    let mut answers = vec![false; kinds.len()];
    for number in text.split('k').filter(|part| !part.is_empty()) {
        *answers.get_mut(number.parse::<usize>().ok()?)? = true;
    }
    Some(answers)
}

/// `<choose><if type="kind"><text value="text"/></if></choose>`.
fn test_of(kind: Kind, text: &str) -> Choose {
    let text = Text {
        target: TextTarget::Value {
            val: text.to_string(),
        },
        formatting: Formatting::default(),
        affixes: Affixes::default(),
        display: None,
        quotes: false,
        strip_periods: false,
        text_case: None,
    };
    let mut branch = constant(false);
    branch.type_ = Some(vec![kind]);
    branch.children = vec![Element::Text(text)];
    Choose {
        if_: branch,
        else_if: Vec::new(),
        otherwise: None,
    }
}

/// `style` with the type tests whose answer is the same in every one of `answers`
/// (one list per shape, in the order of `kinds`) answered.
pub(super) fn specialize(
    style: &IndependentStyle,
    kinds: &[Kind],
    answers: &[Arc<[bool]>],
) -> IndependentStyle {
    let known = |kind: Kind| -> Option<bool> {
        let index = kinds.iter().position(|k| *k == kind)?;
        let first = answers.first()?[index];
        answers.iter().all(|a| a[index] == first).then_some(first)
    };
    let mut style = style.clone();
    for_each_element_mut(&mut style, &mut |element| {
        if let Element::Choose(choose) = element {
            answer_tests(choose, &known);
        }
    });
    style
}

/// Drops the branches of `choose` that can no longer be taken, and those after one
/// that is always taken; answers the type tests `known` knows in the others.
fn answer_tests(choose: &mut Choose, known: &impl Fn(Kind) -> Option<bool>) {
    let placeholder = constant(false);
    let first = std::mem::replace(&mut choose.if_, placeholder);
    let branches = std::iter::once(first).chain(std::mem::take(&mut choose.else_if));
    let mut kept = Vec::new();
    for mut branch in branches {
        match answer(&mut branch, known) {
            Some(false) => {}
            Some(true) => {
                let mut always = constant(true);
                always.children = branch.children;
                kept.push(always);
                choose.otherwise = None;
                break;
            }
            None => kept.push(branch),
        }
    }
    let mut kept = kept.into_iter();
    // With no branch left, one never taken leaves the choice to the `else`.
    choose.if_ = kept.next().unwrap_or_else(|| constant(false));
    choose.else_if = kept.collect();
}

/// A branch's truth if its known type tests decide it for every entry; else `None`,
/// with the known tests that cannot decide it dropped.
fn answer(branch: &mut ChooseBranch, known: &impl Fn(Kind) -> Option<bool>) -> Option<bool> {
    let kinds = branch.type_.take()?;
    // The value of a test that settles the fold: true for `any`, false for `all`,
    // true for `none` (which then fails).
    let settling = !matches!(branch.match_, ChooseMatch::All);
    let settled = kinds.iter().any(|kind| known(*kind) == Some(settling));
    let tested_before = tests_before_type(branch);
    if settled {
        if tested_before {
            branch.type_ = Some(kinds);
            return None;
        }
        return Some(matches!(branch.match_, ChooseMatch::Any));
    }
    let unknown: Vec<Kind> = (kinds.into_iter())
        .filter(|kind| known(*kind).is_none())
        .collect();
    if !unknown.is_empty() {
        branch.type_ = Some(unknown);
        return None;
    }
    // Every type test passed without settling: the rest decides, as it did.
    let untested = !tested_before && branch.variable.is_none();
    untested.then_some(!matches!(branch.match_, ChooseMatch::Any))
}

/// Whether the branch has a test hayagriva runs before its type tests.
fn tests_before_type(branch: &ChooseBranch) -> bool {
    branch.disambiguate.is_some()
        || branch.is_numeric.is_some()
        || branch.is_uncertain_date.is_some()
        || branch.locator.is_some()
        || branch.position.is_some()
}

/// A branch without tests: hayagriva folds no test, so `all` holds and `any` fails.
fn constant(truth: bool) -> ChooseBranch {
    ChooseBranch {
        disambiguate: None,
        is_numeric: None,
        is_uncertain_date: None,
        locator: None,
        position: None,
        type_: None,
        variable: None,
        match_: if truth {
            ChooseMatch::All
        } else {
            ChooseMatch::Any
        },
        children: Vec::new(),
    }
}

/// Calls `visit` on every element of the style's layouts and macros, outer first.
fn for_each_element(style: &IndependentStyle, visit: &mut impl FnMut(&Element)) {
    let mut style = style.clone();
    for_each_element_mut(&mut style, &mut |element| visit(element));
}

/// Calls `visit` on every element of the style's layouts and macros, then on the
/// elements inside it (as `visit` left them).
fn for_each_element_mut(style: &mut IndependentStyle, visit: &mut impl FnMut(&mut Element)) {
    let layouts = std::iter::once(&mut style.citation.layout.elements)
        .chain(style.bibliography.as_mut().map(|b| &mut b.layout.elements))
        .chain(style.macros.iter_mut().map(|m| &mut m.children));
    for elements in layouts {
        walk(elements, visit);
    }
}

fn walk(elements: &mut [Element], visit: &mut impl FnMut(&mut Element)) {
    for element in elements {
        visit(element);
        match element {
            Element::Group(group) => walk(&mut group.children, visit),
            Element::Choose(choose) => {
                walk(&mut choose.if_.children, visit);
                for branch in &mut choose.else_if {
                    walk(&mut branch.children, visit);
                }
                if let Some(otherwise) = &mut choose.otherwise {
                    walk(&mut otherwise.children, visit);
                }
            }
            Element::Names(names) => {
                for child in &mut names.children {
                    if let NamesChild::Substitute(substitute) = child {
                        walk(&mut substitute.children, visit);
                    }
                }
            }
            Element::Text(_) | Element::Date(_) | Element::Number(_) | Element::Label(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::csl::{Run, run, style};
    use crate::model::Paper;
    use hayagriva::archive::ArchivedStyle;
    use hayagriva::citationberg::Style;

    /// One paper of every shape the site makes, two of some: preprint, conference,
    /// journal, code with and without authors, blog post, web page, bare document.
    fn papers() -> Vec<Paper> {
        // Author, venue, arXiv id, URL.
        type Row<'a> = (&'a str, Option<&'a str>, Option<&'a str>, Option<&'a str>);
        let rows: [Row; 9] = [
            ("Ann Alpha", None, Some("2301.00001"), None),
            ("Bob Beta", Some("NeurIPS 2023"), None, None),
            (
                "Cy Gamma",
                Some("Transactions on Machine Learning Research"),
                None,
                None,
            ),
            (
                "Dee Delta",
                Some("GitHub"),
                None,
                Some("https://github.com/x/y"),
            ),
            ("", Some("GitHub"), None, Some("https://github.com/x/z")),
            (
                "Eve Eps",
                Some("Blog"),
                None,
                Some("https://example.org/post"),
            ),
            ("Fay Zeta", None, None, Some("https://example.org/page")),
            ("Gus Eta", None, None, None),
            ("Hal Theta", Some("ICML 2023"), Some("2302.00002"), None),
        ];
        (rows.iter().enumerate())
            .map(|(index, (author, venue, arxiv, url))| {
                let authors: Vec<&str> = [*author].into_iter().filter(|a| !a.is_empty()).collect();
                let mut paper = Paper::for_tests(&format!("p{index}"), &authors, 2023, "A study");
                paper.fields.venue = venue.map(str::to_string);
                paper.fields.arxiv = arxiv.map(str::to_string);
                paper.fields.url = url.map(str::to_string);
                paper
            })
            .collect()
    }

    fn texts(run: &Run) -> Vec<(String, String)> {
        (run.items.iter())
            .map(|(key, content)| (key.clone(), content.plain()))
            .collect()
    }

    fn type_tests(style: &IndependentStyle) -> usize {
        let mut count = 0;
        for_each_element(style, &mut |element| {
            if let Element::Choose(choose) = element {
                let answerable = |b: &&ChooseBranch| b.type_.is_some() && !tests_before_type(b);
                count += choose.branches().filter(answerable).count();
            }
        });
        count
    }

    /// Every bundled style with a bibliography formats each paper alone, and all
    /// together, exactly as its specialized versions do.
    #[test]
    fn specialized_runs_equal_plain_runs_in_every_bundled_style() {
        let papers = papers();
        let locale = LocaleCode::en_us();
        let mut compared = 0;
        for archived in ArchivedStyle::all() {
            let Style::Independent(style) = archived.get() else {
                continue;
            };
            if style.bibliography.is_none() {
                continue;
            }
            let shapes = Some(Arc::new(Shapes::new(&style)));
            let specialized = Specialized::new(style.clone(), shapes);
            let plain = Specialized::new(style, None);
            let name = archived.names()[0];
            let all: Vec<&Paper> = papers.iter().collect();
            let runs = std::iter::once(all).chain(papers.iter().map(|paper| vec![paper]));
            for papers in runs {
                let expected = texts(&run(&papers, &plain, &locale));
                assert_eq!(
                    texts(&run(&papers, &specialized, &locale)),
                    expected,
                    "{name}"
                );
            }
            compared += 1;
        }
        assert!(compared > 20, "only {compared} styles compared");
    }

    /// The specialization is not a no-op: for one shape, APA keeps no type test.
    #[test]
    fn one_shape_answers_every_type_test() {
        let apa = style("apa").unwrap();
        assert!(type_tests(&apa) > 10);
        let papers = papers();
        let preprint = crate::formats::csl::entry::entry(&papers[0].key, &papers[0].fields);
        let shapes = Arc::new(Shapes::new(&apa));
        let specialized = Specialized::new(apa, Some(Arc::clone(&shapes)));
        let locale = LocaleCode::en_us();
        let one = specialized.for_entries(std::slice::from_ref(&preprint), &locale);
        assert_eq!(type_tests(&one), 0);
        let answers = shapes
            .answers(&ShapeKey::of(&preprint), &preprint, &locale)
            .unwrap();
        let article = shapes
            .kinds
            .iter()
            .position(|k| *k == Kind::Article)
            .unwrap();
        let journal = shapes
            .kinds
            .iter()
            .position(|k| *k == Kind::ArticleJournal)
            .unwrap();
        assert!(
            answers[article] && !answers[journal],
            "a preprint is an article"
        );
    }
}
