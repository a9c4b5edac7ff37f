//! References in a real citation style: every paper is formatted once per build with a
//! CSL style bundled in hayagriva (APA unless `site.yaml` names another).
//!
//! Invariants:
//! - the result equals a site-wide run for the order and the references, with a run
//!   per group of colliding labels ([`format_in_one_run`]), though it is made of many
//!   runs in parallel: the letters a style adds to years ("2023a") are assigned
//!   site-wide and every page shows the same letter;
//! - within a group, letters follow the reference-list order ([`run_groups`]);
//! - each run formats with its style's type tests answered for its entries
//!   ([`specialize`]), which changes no output, only the time;
//! - in-text labels take their letters from this run ([`Bibliography::year_suffixes`]),
//!   so a label and its reference-list entry always agree;
//! - styles disambiguate with year letters only: adding names or initials (APA's first
//!   resort) would make "Wang et al." read differently depending on which other papers
//!   the survey holds;
//! - output is escaped HTML produced by [`html`]; nothing hayagriva returns is trusted;
//! - [`Cache`] (for `survey serve`) formats again only the papers changed since its
//!   last call, with a result equal to [`format()`]'s.

mod cache;
pub mod entry;
mod html;
mod order;
mod repair;
mod specialize;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use rayon::prelude::*;

use hayagriva::archive::ArchivedStyle;
use hayagriva::citationberg::{IndependentStyle, Locale, LocaleCode, Style};
use hayagriva::{
    BibliographyDriver, BibliographyRequest, CitationItem, CitationRequest, ElemChildren, Entry,
};

use crate::model::{Paper, PaperFields};

pub use cache::{Cache, Saved, SavedRef};
use specialize::{Shapes, Specialized};

/// The style used when `site.yaml` names none.
pub const DEFAULT_STYLE: &str = "apa";

/// A bundled style by one of its names ("apa", "ieee", "chicago-author-date"), with the
/// site's disambiguation policy applied. `None` for unknown names, dependent styles
/// and styles without a bibliography (nothing to show in reference lists).
pub fn style(name: &str) -> Option<IndependentStyle> {
    let Style::Independent(mut style) = ArchivedStyle::by_name(name)?.get() else {
        return None;
    };
    style.bibliography.as_ref()?;
    style.citation.disambiguate_add_names = false;
    style.citation.disambiguate_add_givenname = false;
    Some(style)
}

/// Every name a bundled style answers to, for "did you mean" suggestions.
pub fn style_names() -> Vec<&'static str> {
    ArchivedStyle::all()
        .iter()
        .flat_map(|style| style.names().iter().copied())
        .collect()
}

/// Starts reading which language each bundled locale is for in the background, so
/// that it overlaps reading and parsing files.
pub fn prepare_locales() {
    std::thread::spawn(bundled_languages);
}

/// The language of each of hayagriva's bundled locales, in the archive's order. Only
/// that field is decoded (a few milliseconds): decoding every locale in full, as
/// hayagriva's `archive::locales` does, took 90 ms of CPU for the two or three a site
/// reads.
fn bundled_languages() -> &'static [Option<LocaleCode>] {
    #[derive(serde::Deserialize)]
    struct Language {
        #[serde(rename = "@xml:lang")]
        lang: Option<LocaleCode>,
    }
    static LANGUAGES: OnceLock<Vec<Option<LocaleCode>>> = OnceLock::new();
    LANGUAGES.get_or_init(|| {
        (hayagriva::archive::LOCALES.iter())
            .map(|bytes| ciborium::from_reader::<Language, _>(*bytes).ok()?.lang)
            .collect()
    })
}

/// Each locale code's set of bundled locales, for this process.
static LOCALE_SETS: Mutex<BTreeMap<String, Arc<[Locale]>>> = Mutex::new(BTreeMap::new());

/// The bundled locales a style can read for `locale`: hayagriva looks there for the
/// locale itself, then its fallback, then en-US, so the others are left out (and not
/// decoded). Kept per code, and saved with the cache ([`locales_to_save`]) so that a
/// build from the cache decodes none.
fn locales_for(locale: &LocaleCode) -> Arc<[Locale]> {
    let mut sets = LOCALE_SETS.lock().unwrap_or_else(PoisonError::into_inner);
    let set = sets.entry(locale.0.clone()).or_insert_with(|| {
        let wanted = [
            Some(locale.clone()),
            locale.fallback(),
            Some(LocaleCode::en_us()),
        ];
        (bundled_languages().iter().zip(hayagriva::archive::LOCALES))
            .filter(|(lang, _)| lang.is_some() && wanted.contains(lang))
            .filter_map(|(_, bytes)| ciborium::from_reader::<Locale, _>(*bytes).ok())
            .collect()
    });
    Arc::clone(set)
}

/// [`locales_for`] `language`, encoded to be saved.
fn locales_to_save(language: &str) -> Vec<u8> {
    let set = locales_for(&LocaleCode(language.to_string()));
    let mut bytes = Vec::new();
    // Writing to memory cannot fail; an empty result is ignored on restoring.
    let _ = ciborium::into_writer(&*set, &mut bytes);
    bytes
}

/// Takes back what [`locales_to_save`] gave for `language`, if it decodes.
fn restore_locales(language: &str, bytes: &[u8]) {
    let Ok(set) = ciborium::from_reader::<Vec<Locale>, _>(bytes) else {
        return;
    };
    let mut sets = LOCALE_SETS.lock().unwrap_or_else(PoisonError::into_inner);
    sets.entry(language.to_string())
        .or_insert_with(|| set.into());
}

/// One paper's formatted reference.
#[derive(Debug, Clone)]
struct Reference {
    /// Position in the style's reference-list order.
    rank: usize,
    /// Shared with [`Cache`], which keeps it for the next rebuild.
    content: Arc<Content>,
}

/// One formatted reference, equal only to itself: the references of unchanged papers
/// are shared from one rebuild to the next, so HTML written from a reference can be
/// kept by it. Holding it keeps the formatting alive, so its identity is never reused.
#[derive(Debug, Clone)]
pub struct Formatted(Arc<Content>);

impl PartialEq for Formatted {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

/// By content: references equal by identity are equal in content, so this agrees with
/// `eq`, and a fingerprint of a reference is unchanged while its formatting is.
impl std::hash::Hash for Formatted {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.hash(state);
    }
}

impl Formatted {
    /// The reference as escaped HTML, its title linking to `paper_url` (the paper's
    /// page on this site).
    pub fn html(&self, title: &str, paper_url: &str) -> String {
        let mut leaves = self.0.leaves.clone();
        let linked = html::link_title(&mut leaves, title, paper_url);
        let mut out = html::write(&leaves);
        if !linked {
            let url = crate::html::escape_html(paper_url);
            out.push_str(&format!(" <a href=\"{url}\">[details]</a>"));
        }
        out
    }
}

/// A formatted reference as the site keeps it: hayagriva's element tree flattened to
/// leaves, with its punctuation repaired. It is all that is read of a reference after
/// its run, and it can be saved ([`crate::formats::csl::Saved`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Content {
    leaves: Vec<html::Leaf>,
    /// Whether the reference shows its number in the list ([`cache::numbered`]).
    numbered: bool,
}

impl Content {
    fn new(mut tree: ElemChildren) -> Content {
        repair::et_al(&mut tree);
        Content {
            numbered: cache::shows_number(&tree),
            leaves: repair::punctuation(html::flatten(&tree)),
        }
    }

    /// The reference as plain text.
    fn plain(&self) -> String {
        html::plain(&self.leaves)
    }
}

/// The references of all papers, formatted once per build.
#[derive(Debug, Clone, Default)]
pub struct Bibliography {
    references: BTreeMap<String, Reference>,
    /// Paper key -> the letter the style added to its year; `None` when the style does
    /// not disambiguate with letters (numeric styles such as IEEE).
    year_suffixes: Option<BTreeMap<String, String>>,
}

/// Formats every paper with `style`; `language` picks the locale of the style's terms.
///
/// Papers whose labels are unique are formatted without disambiguation, and the
/// reference-list order is found over all papers ([`Parts::full`]). Papers whose labels
/// would collide ("Wang et
/// al., 2023") are formatted by one run per group, in parallel: hayagriva 0.10 gives
/// year letters to only one ambiguous group per disambiguation pass (and makes three
/// passes), so a site-wide run would leave most groups without letters. Within a group,
/// letters follow the style's reference-list order, as CSL prescribes.
pub fn format<'a>(
    papers: impl IntoIterator<Item = &'a Paper>,
    style: &IndependentStyle,
    language: &str,
) -> Bibliography {
    let papers: Vec<&Paper> = papers.into_iter().collect();
    Parts::full(&papers, &Styles::new(style.clone(), language)).compose()
}

/// [`format()`] the slow way, with one site-wide run for the order and the plain
/// references: what [`format()`] must equal (tests compare the two).
pub fn format_in_one_run<'a>(
    papers: impl IntoIterator<Item = &'a Paper>,
    style: &IndependentStyle,
    language: &str,
) -> Bibliography {
    let papers: Vec<&Paper> = papers.into_iter().collect();
    Parts::sequential(&papers, &Styles::unspecialized(style.clone(), language)).compose()
}

/// The configured style and the variants of it that runs use, with the locale of the
/// site's language. Each run gets its variant specialized to its entries
/// ([`specialize`]).
struct Styles {
    disambiguating: Specialized,
    /// `disambiguating` without the reference-list sort, for runs of papers given in
    /// that order already ([`run_groups`]).
    grouped: Specialized,
    /// Without disambiguation, for runs that must not add year letters.
    plain: Specialized,
    /// `plain` without the reference-list sort or citations, for runs that only format.
    unsorted: Specialized,
    /// `plain` without layouts: runs that only decide the order render nothing.
    sorting: Specialized,
    /// Whether `plain` formats a reference alike in any run ([`cache::context_free`]).
    context_free: bool,
    locale: LocaleCode,
}

impl std::fmt::Debug for Styles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Styles")
            .field("locale", &self.locale)
            .finish()
    }
}

impl Styles {
    fn new(style: IndependentStyle, language: &str) -> Styles {
        let shapes = Arc::new(Shapes::new(&style));
        Styles::with_shapes(style, language, Some(shapes))
    }

    /// Runs get the styles as they are: what specialized runs must equal.
    fn unspecialized(style: IndependentStyle, language: &str) -> Styles {
        Styles::with_shapes(style, language, None)
    }

    fn with_shapes(style: IndependentStyle, language: &str, shapes: Option<Arc<Shapes>>) -> Styles {
        let plain = without_disambiguation(&style);
        let variant = |style| Specialized::new(style, shapes.clone());
        Styles {
            sorting: variant(sorting_only(&plain)),
            unsorted: variant(without_sort(&plain)),
            context_free: cache::context_free(&plain),
            plain: variant(plain),
            grouped: variant(without_reference_sort(&style)),
            disambiguating: variant(style),
            locale: LocaleCode(language.to_string()),
        }
    }

    /// Whether the style sorts its reference list (else it keeps citation order).
    fn sorts(&self) -> bool {
        (self.plain.plain().bibliography.as_ref())
            .is_some_and(|bibliography| bibliography.sort.is_some())
    }

    fn adds_year_letters(&self) -> bool {
        (self.disambiguating.plain().citation).disambiguate_add_year_suffix
    }
}

/// What a [`Bibliography`] is composed of, kept by [`Cache`] so that a rebuild can
/// redo only the pieces whose papers changed.
#[derive(Debug, Clone)]
struct Parts {
    /// Every paper key in the style's reference-list order.
    order: Vec<String>,
    /// Papers' references formatted without disambiguation: every paper's, except
    /// that a cold [`Parts::in_parallel`] leaves out papers in groups (their group's
    /// reference is shown instead; [`Cache`] makes the plain one if the group goes).
    plain: BTreeMap<String, Arc<Content>>,
    /// The run of each group of papers whose labels collide, by that label.
    groups: BTreeMap<GroupLabel, Run>,
    /// Whether the style adds year letters (else `year_suffixes` is `None`).
    year_letters: bool,
}

impl Parts {
    /// Every piece from scratch, equal to [`Parts::sequential`]: by
    /// [`Parts::in_parallel`] where the style allows it.
    fn full(papers: &[&Paper], styles: &Styles) -> Parts {
        let fast = styles
            .context_free
            .then(|| Parts::in_parallel(papers, styles));
        match fast.filter(|parts| !cache::numbered(parts)) {
            Some(parts) => parts,
            None => Parts::sequential(papers, styles),
        }
    }

    /// The site-wide run (order and plain references), then every group's run.
    fn sequential(papers: &[&Paper], styles: &Styles) -> Parts {
        let site_wide = run(papers, &styles.plain, &styles.locale);
        let order: Vec<String> = (site_wide.items.iter())
            .map(|(key, _)| key.clone())
            .collect();
        let (sorted, locale) = (&styles.disambiguating, &styles.locale);
        let groups = run_groups(colliding_groups(papers), sorted, locale, &order);
        Parts {
            order,
            plain: site_wide.items.into_iter().collect(),
            groups,
            year_letters: styles.adds_year_letters(),
        }
    }

    /// Runs over chunks of the papers whose labels are unique, which only format; the
    /// order from their references ([`order::reference_order`]); then the groups'
    /// runs, which cite their papers in that order. Valid for a context-free style
    /// whose references do not show their number (the caller checks
    /// [`cache::numbered`]): a reference then reads the same in any run. Papers in
    /// groups get no plain reference: their group's replaces it (see [`Parts::plain`]).
    fn in_parallel(papers: &[&Paper], styles: &Styles) -> Parts {
        let groups = colliding_groups(papers);
        let grouped: BTreeSet<&str> = groups.values().flatten().map(|p| p.key.as_str()).collect();
        let mut single: Vec<&Paper> = (papers.iter().copied())
            .filter(|paper| !grouped.contains(paper.key.as_str()))
            .collect();
        // Runs of papers of one shape get the most specialized style.
        single.par_sort_by_cached_key(|paper| specialize::ShapeKey::of_paper(paper));
        let chunk = single
            .len()
            .div_ceil(4 * rayon::current_num_threads())
            .clamp(16, MAX_RUN);
        let plain: BTreeMap<String, Arc<Content>> = (single.par_chunks(chunk))
            .flat_map_iter(|chunk| run(chunk, &styles.unsorted, &styles.locale).items)
            .collect();
        let contents = (plain.iter())
            .map(|(key, content)| (key.as_str(), &**content))
            .collect();
        let order = order::reference_order(papers, &contents, styles);
        Parts {
            groups: run_groups(groups, &styles.grouped, &styles.locale, &order),
            order,
            plain,
            year_letters: styles.adds_year_letters(),
        }
    }

    /// Each paper's reference as the bibliography shows it, by key.
    #[cfg(test)]
    fn contents(&self) -> BTreeMap<&str, &Content> {
        let plain = (self.plain.iter()).map(|(key, content)| (key.as_str(), &**content));
        let grouped = (self.groups.values().flat_map(|run| &run.items))
            .map(|(key, content)| (key.as_str(), &**content));
        plain.chain(grouped).collect()
    }

    /// The bibliography: ranks from the order, each paper's group run replacing its
    /// plain reference, year letters from the group runs.
    fn compose(&self) -> Bibliography {
        let grouped: BTreeMap<&str, &Arc<Content>> = (self.groups.values())
            .flat_map(|run| {
                run.items
                    .iter()
                    .map(|(key, content)| (key.as_str(), content))
            })
            .collect();
        let references: BTreeMap<String, Reference> = (self.order.iter().enumerate())
            .filter_map(|(rank, key)| {
                let content = grouped.get(key.as_str()).copied().or(self.plain.get(key))?;
                let content = Arc::clone(content);
                Some((key.clone(), Reference { rank, content }))
            })
            .collect();
        let suffixes = (self.groups.values())
            .flat_map(|run| run.suffixes.clone())
            .collect();
        Bibliography {
            references,
            year_suffixes: self.year_letters.then_some(suffixes),
        }
    }
}

/// The style with disambiguation off, for the site-wide run: its references of papers
/// in colliding groups are replaced by the groups' own runs anyway.
fn without_disambiguation(style: &IndependentStyle) -> IndependentStyle {
    let mut style = style.clone();
    style.citation.disambiguate_add_year_suffix = false;
    style
}

/// The style without the reference-list sort (order is decided by another run) and
/// with an empty citation layout: such runs only format references.
fn without_sort(style: &IndependentStyle) -> IndependentStyle {
    let mut style = without_reference_sort(style);
    style.citation.layout.elements.clear();
    style
}

/// The style without its reference-list sort: a run keeps the order papers are cited in.
fn without_reference_sort(style: &IndependentStyle) -> IndependentStyle {
    let mut style = style.clone();
    if let Some(bibliography) = &mut style.bibliography {
        bibliography.sort = None;
    }
    style
}

/// The style with empty layouts: hayagriva sorts the reference list by the style's sort
/// keys (variables and macros) before it renders anything, so the order is the same.
fn sorting_only(style: &IndependentStyle) -> IndependentStyle {
    let mut style = style.clone();
    style.citation.layout.elements.clear();
    if let Some(bibliography) = &mut style.bibliography {
        bibliography.layout.elements.clear();
    }
    style
}

/// What makes papers' labels collide: the names of the in-text label and the year.
type GroupLabel = (String, i32);

fn group_label(fields: &PaperFields) -> GroupLabel {
    (crate::formats::cite::label_names(fields), fields.year)
}

/// Papers whose author-year labels read the same, in groups of two or more, by label.
fn colliding_groups<'a>(papers: &[&'a Paper]) -> BTreeMap<GroupLabel, Vec<&'a Paper>> {
    let mut groups: BTreeMap<GroupLabel, Vec<&Paper>> = BTreeMap::new();
    for paper in papers {
        groups
            .entry(group_label(&paper.fields))
            .or_default()
            .push(paper);
    }
    groups.retain(|_, group| group.len() > 1);
    groups
}

/// One run per group of colliding labels, in parallel, by label. Each group cites its
/// papers in reference-list order (`order`): hayagriva gives year letters in the order
/// papers are first cited, so the letters follow the reference list ("2023a" listed
/// first), as APA and CSL want. `style` is [`Styles::disambiguating`] or, as the papers
/// come sorted already, [`Styles::grouped`], which does not sort them again
/// (hayagriva's sort renders both papers' sort keys at every comparison); a stable sort
/// of a sorted list changes nothing, so both give the same runs (tests compare them).
fn run_groups(
    groups: BTreeMap<GroupLabel, Vec<&Paper>>,
    style: &Specialized,
    locale: &LocaleCode,
    order: &[String],
) -> BTreeMap<GroupLabel, Run> {
    let ranks = order::ranks(order);
    let rank = |paper: &&Paper| ranks.get(paper.key.as_str()).copied().unwrap_or(usize::MAX);
    (groups.into_par_iter())
        .map(|(label, mut group)| {
            group.sort_by_key(rank);
            (label, run(&group, style, locale))
        })
        .collect()
}

/// What one hayagriva run produced: references in the style's order, and year letters.
#[derive(Debug, Clone)]
struct Run {
    items: Vec<(String, Arc<Content>)>,
    suffixes: BTreeMap<String, String>,
}

/// One hayagriva run: a citation per paper, then the reference list.
/// The most papers one formatting run of [`Parts::in_parallel`] takes. hayagriva's
/// `finish` compares every entry with the ones before it, so a run costs the square
/// of its size: at 100 000 papers, eight runs of 12 500 spent minutes in
/// `Entry::eq` alone. Short runs keep the whole linear; there are still enough of
/// them for every thread.
const MAX_RUN: usize = 128;

fn run(papers: &[&Paper], style: &Specialized, locale: &LocaleCode) -> Run {
    let locale_files = locales_for(locale);
    let entries: Vec<Entry> = papers
        .iter()
        .map(|paper| entry::entry(&paper.key, &paper.fields))
        .collect();
    let style = &*style.for_entries(&entries, locale);
    let mut driver = BibliographyDriver::new();
    for entry in &entries {
        let items = vec![CitationItem::with_entry(entry)];
        let locale = Some(locale.clone());
        driver.citation(CitationRequest::new(
            items,
            style,
            locale,
            &locale_files,
            None,
        ));
    }
    let request = BibliographyRequest::new(style, Some(locale.clone()), &locale_files);
    let rendered = driver.finish(request);
    let suffixes = (papers.iter().zip(&rendered.citations))
        .filter_map(|(paper, cite)| {
            let text = format!("{:#}", cite.citation);
            let suffix = suffix_after_year(&text, paper.fields.year)?;
            Some((paper.key.clone(), suffix))
        })
        .collect();
    let items = rendered.bibliography.map(|b| b.items).unwrap_or_default();
    let items = (items.into_iter())
        .map(|item| (item.key, Arc::new(Content::new(item.content))))
        .collect();
    Run { items, suffixes }
}

/// The letters right after the last occurrence of `year` in a citation ("(Wang et al.,
/// 2023b)" -> "b"). The last occurrence, because a title cited in place of missing
/// authors may itself contain the year.
fn suffix_after_year(citation: &str, year: i32) -> Option<String> {
    let year = year.to_string();
    let after = &citation[citation.rfind(&year)? + year.len()..];
    let letters: String = after
        .chars()
        .take_while(|c| c.is_ascii_lowercase())
        .collect();
    (!letters.is_empty() && letters.len() <= 3).then_some(letters)
}

impl Bibliography {
    /// Paper key -> year letter, when the style assigns them (see [`Bibliography`]).
    pub fn year_suffixes(&self) -> Option<&BTreeMap<String, String>> {
        self.year_suffixes.as_ref()
    }

    /// Every paper's formatted reference, by key.
    pub fn all_formatted(&self) -> impl Iterator<Item = (String, Formatted)> {
        (self.references.iter())
            .map(|(key, reference)| (key.clone(), Formatted(Arc::clone(&reference.content))))
    }

    /// The paper's position in the style's reference-list order (unknown keys last).
    pub fn rank(&self, key: &str) -> usize {
        self.references.get(key).map_or(usize::MAX, |r| r.rank)
    }

    /// The reference as escaped HTML, its title linking to `paper_url` (the paper's
    /// page on this site). `None` for unknown keys.
    pub fn html(&self, key: &str, title: &str, paper_url: &str) -> Option<String> {
        Some(self.formatted(key)?.html(title, paper_url))
    }

    /// The reference as plain text (for tests and plain-text exports).
    pub fn text(&self, key: &str) -> Option<String> {
        Some(self.references.get(key)?.content.plain())
    }

    /// The paper's formatted reference, to recognise it in a later bibliography.
    pub fn formatted(&self, key: &str) -> Option<Formatted> {
        let reference = self.references.get(key)?;
        Some(Formatted(Arc::clone(&reference.content)))
    }
}

#[cfg(test)]
mod tests;
