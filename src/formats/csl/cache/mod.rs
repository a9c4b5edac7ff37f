//! Formatting references again after a few papers changed, for `survey serve`.
//!
//! [`Cache`] keeps the [`Parts`] of the last [`Bibliography`] and, when only a few
//! papers were added, removed or edited since, redoes only their pieces:
//! - each changed paper is formatted by one run over the changed papers (a reference is
//!   the same whatever other papers a run holds, see [`context_free`]);
//! - it is placed in the reference-list order by binary search, comparing it with one
//!   other paper at a time in a run of the two. hayagriva sorts stably, papers in key
//!   order, so that comparison is the one the site-wide run makes;
//! - only groups of colliding labels ([`super::colliding_groups`]) that gained, lost or
//!   changed a member are run again.
//!
//! Invariant: the result equals [`super::format`] of the same papers, ranks included
//! (tests/csl_cache.rs checks this on randomized edit sequences). Whenever that cannot
//! be assured (another style or language, many changes, a style whose references
//! depend on other entries), everything is formatted from scratch. An unchanged set of
//! papers gives back the same shared [`Bibliography`] without formatting anything.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use hayagriva::citationberg::{IndependentStyle, LayoutRenderingElement, NamesChild, TextTarget};
use hayagriva::{ElemChild, ElemChildren, ElemMeta};

use serde::{Deserialize, Serialize};

use super::{Bibliography, Content, GroupLabel, Parts, Reference, Run, Styles, group_label, run};
use crate::model::{Paper, PaperFields};

/// Changed papers are placed one by one; beyond this many changes (an edit counts as a
/// removal and an addition), or a tenth of the papers if more, a full run is not much
/// slower and does not depend on the cache.
const MOST_CHANGES: usize = 64;

/// How many changed papers [`Last::update`] takes on among `papers`.
fn most_changes(papers: usize) -> usize {
    MOST_CHANGES.max(papers / 10)
}

/// The last formatted references and what they were formatted from.
#[derive(Debug, Default)]
pub struct Cache {
    last: Option<Last>,
}

#[derive(Debug)]
struct Last {
    /// The style name and language as configured.
    setting: (String, String),
    styles: Arc<Styles>,
    /// Whether a reference can be formatted in a run of other papers than the
    /// site-wide run's ([`context_free`]).
    incremental: bool,
    /// Every paper's fields as formatted.
    fields: BTreeMap<String, PaperFields>,
    /// Every label with the keys of the papers that have it (colliding or not).
    members: BTreeMap<GroupLabel, BTreeSet<String>>,
    parts: Parts,
    /// The parts composed, updated in place with them.
    current: Bibliography,
    /// A copy of `current` shared with the sites built from it.
    published: Arc<Bibliography>,
}

impl Cache {
    /// Every paper's reference in the named style (APA if the name is unknown), equal to
    /// [`super::format`] of `papers`, reusing what the last call formatted.
    pub fn format(
        &mut self,
        papers: &BTreeMap<String, Paper>,
        style_name: &str,
        language: &str,
    ) -> Arc<Bibliography> {
        let setting = (style_name.to_string(), language.to_string());
        match self.last.take() {
            Some(mut last) if last.setting == setting => match last.update(papers) {
                Updated::Done => {
                    let bibliography = last.published.clone();
                    self.last = Some(last);
                    bibliography
                }
                Updated::Refused => self.format_all(papers, setting, Some(last.styles)),
            },
            _ => self.format_all(papers, setting, None),
        }
    }

    fn format_all(
        &mut self,
        papers: &BTreeMap<String, Paper>,
        setting: (String, String),
        styles: Option<Arc<Styles>>,
    ) -> Arc<Bibliography> {
        let styles = match styles {
            Some(styles) => styles,
            None => match load_styles(&setting.0, &setting.1) {
                Some(styles) => Arc::new(styles),
                None => return Arc::new(Bibliography::default()),
            },
        };
        let list: Vec<&Paper> = papers.values().collect();
        let parts = Parts::full(&list, &styles);
        let current = parts.compose();
        let last = Last {
            incremental: styles.context_free && !numbered(&parts),
            setting,
            fields: (papers.iter())
                .map(|(key, paper)| (key.clone(), paper.fields.clone()))
                .collect(),
            members: members(papers.iter().map(|(key, paper)| (key, &paper.fields))),
            published: Arc::new(current.clone()),
            current,
            parts,
            styles,
        };
        let bibliography = last.published.clone();
        self.last = Some(last);
        bibliography
    }
}

/// The configured style with the site's policy, APA if it is unknown (`config::parse`
/// reported that already).
fn load_styles(name: &str, language: &str) -> Option<Styles> {
    let style = super::style(name).or_else(|| super::style(super::DEFAULT_STYLE))?;
    Some(Styles::new(style, language))
}

/// Every label with the keys of the papers that have it, from each paper's fields.
fn members<'a>(
    fields: impl Iterator<Item = (&'a String, &'a PaperFields)>,
) -> BTreeMap<GroupLabel, BTreeSet<String>> {
    let mut members: BTreeMap<GroupLabel, BTreeSet<String>> = BTreeMap::new();
    for (key, fields) in fields {
        members
            .entry(group_label(fields))
            .or_default()
            .insert(key.clone());
    }
    members
}

/// What a [`Cache`] holds, in a form that outlives the process: `survey build` saves it
/// in its cache folder and starts the next build from it ([`crate::engine`]).
#[derive(Debug, Serialize, Deserialize)]
pub struct Saved {
    setting: (String, String),
    fields: BTreeMap<String, PaperFields>,
    order: Vec<String>,
    plain: BTreeMap<String, Content>,
    groups: Vec<(GroupLabel, SavedRun)>,
    year_letters: bool,
    /// The locales of the language ([`super::locales_for`]), encoded.
    locales: Vec<u8>,
}

#[derive(Debug, Serialize, Deserialize)]
struct SavedRun {
    items: Vec<(String, Content)>,
    suffixes: BTreeMap<String, String>,
}

/// A [`Saved`] by reference, as [`Cache::save`] writes it: the same fields in the same
/// order, so it reads back as a `Saved`. Saving then copies nothing: at 100 000 papers a
/// copy of every paper's fields and formatted parts, freed at once, left about a hundred
/// MB of the process's memory unusable.
#[derive(Serialize)]
pub struct SavedRef<'a> {
    setting: &'a (String, String),
    fields: &'a BTreeMap<String, PaperFields>,
    order: &'a [String],
    plain: &'a BTreeMap<String, Arc<Content>>,
    groups: GroupsRef<'a>,
    year_letters: bool,
    locales: Vec<u8>,
}

/// The runs of [`Parts::groups`] as [`Saved::groups`] lists them.
struct GroupsRef<'a>(&'a BTreeMap<GroupLabel, Run>);

impl Serialize for GroupsRef<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct RunRef<'a> {
            items: &'a [(String, Arc<Content>)],
            suffixes: &'a BTreeMap<String, String>,
        }
        serializer.collect_seq(self.0.iter().map(|(label, run)| {
            let run = RunRef {
                items: &run.items,
                suffixes: &run.suffixes,
            };
            (label, run)
        }))
    }
}

impl Cache {
    /// The cache's content to save, if it has formatted anything; it reads back as a
    /// [`Saved`].
    pub fn save(&self) -> Option<SavedRef<'_>> {
        let last = self.last.as_ref()?;
        Some(SavedRef {
            setting: &last.setting,
            fields: &last.fields,
            order: &last.parts.order,
            plain: &last.parts.plain,
            groups: GroupsRef(&last.parts.groups),
            year_letters: last.parts.year_letters,
            locales: super::locales_to_save(&last.setting.1),
        })
    }

    /// A cache holding what [`Cache::save`] gave: the next [`Cache::format`] formats
    /// only the papers changed since, as within one process.
    pub fn restore(saved: Saved) -> Cache {
        super::restore_locales(&saved.setting.1, &saved.locales);
        let Some(styles) = load_styles(&saved.setting.0, &saved.setting.1) else {
            return Cache::default();
        };
        let shared = |(key, content): (String, Content)| (key, Arc::new(content));
        let groups = (saved.groups.into_iter())
            .map(|(label, run)| {
                let items = run.items.into_iter().map(shared).collect();
                (
                    label,
                    Run {
                        items,
                        suffixes: run.suffixes,
                    },
                )
            })
            .collect();
        let parts = Parts {
            order: saved.order,
            plain: saved.plain.into_iter().map(shared).collect(),
            groups,
            year_letters: saved.year_letters,
        };
        let current = parts.compose();
        let last = Last {
            incremental: styles.context_free && !numbered(&parts),
            setting: saved.setting,
            members: members(saved.fields.iter()),
            fields: saved.fields,
            published: Arc::new(current.clone()),
            current,
            parts,
            styles: Arc::new(styles),
        };
        Cache { last: Some(last) }
    }
}

/// Whether [`Last::update`] brought everything up to date, or a full run is needed.
enum Updated {
    Done,
    Refused,
}

/// What changed since the last run.
struct Changes<'a> {
    /// Keys of papers removed or edited: their old pieces go.
    stale: BTreeSet<String>,
    /// Papers added or edited, in key order: they are formatted and placed anew.
    fresh: Vec<&'a Paper>,
}

impl Last {
    fn update(&mut self, papers: &BTreeMap<String, Paper>) -> Updated {
        let Some(changes) = self.changes(papers) else {
            return Updated::Refused;
        };
        if changes.stale.is_empty() && changes.fresh.is_empty() {
            return Updated::Done;
        }
        if !self.incremental {
            return Updated::Refused;
        }
        let fresh_run = run(&changes.fresh, &self.styles.unsorted, &self.styles.locale);
        if fresh_run.items.iter().any(|(_, content)| content.numbered) {
            return Updated::Refused;
        }
        let affected = self.affected_labels(&changes);
        self.forget(&changes);
        self.place(papers, &changes.fresh, fresh_run);
        self.regroup(papers, affected);
        self.rank();
        self.published = Arc::new(self.current.clone());
        Updated::Done
    }

    /// The changes, or `None` if there are too many to be worth updating piecewise.
    /// One walk over both key-ordered maps.
    fn changes<'a>(&self, papers: &'a BTreeMap<String, Paper>) -> Option<Changes<'a>> {
        let mut stale = BTreeSet::new();
        let mut fresh = Vec::new();
        let most = most_changes(papers.len());
        let mut old = self.fields.iter().peekable();
        for (key, paper) in papers {
            while let Some((old_key, _)) = old.next_if(|(old_key, _)| *old_key < key) {
                stale.insert(old_key.clone());
            }
            match old.next_if(|(old_key, _)| *old_key == key) {
                Some((_, fields)) if same_reference(fields, &paper.fields) => {}
                Some(_) => {
                    stale.insert(key.clone());
                    fresh.push(paper);
                }
                None => fresh.push(paper),
            }
            if stale.len() + fresh.len() > most {
                return None;
            }
        }
        stale.extend(old.map(|(key, _)| key.clone()));
        (stale.len() + fresh.len() <= most).then_some(Changes { stale, fresh })
    }

    /// Labels whose groups may differ: the old labels of stale papers, the new ones of
    /// fresh papers.
    fn affected_labels(&self, changes: &Changes) -> BTreeSet<GroupLabel> {
        let old = (changes.stale.iter()).filter_map(|key| Some(group_label(self.fields.get(key)?)));
        let new = (changes.fresh.iter()).map(|paper| group_label(&paper.fields));
        old.chain(new).collect()
    }

    /// Drops every piece of the stale papers and records the fresh papers' fields.
    fn forget(&mut self, changes: &Changes) {
        for key in &changes.stale {
            let Some(fields) = self.fields.remove(key) else {
                continue;
            };
            let label = group_label(&fields);
            if let Some(keys) = self.members.get_mut(&label) {
                keys.remove(key);
                if keys.is_empty() {
                    self.members.remove(&label);
                }
            }
            self.parts.plain.remove(key);
            self.current.references.remove(key);
        }
        let stale = &changes.stale;
        self.parts.order.retain(|key| !stale.contains(key));
        for paper in &changes.fresh {
            self.fields.insert(paper.key.clone(), paper.fields.clone());
            let label = group_label(&paper.fields);
            self.members
                .entry(label)
                .or_default()
                .insert(paper.key.clone());
        }
    }

    /// Inserts the fresh papers (formatted together in `fresh_run`) into the
    /// reference-list order and their references into the bibliography.
    fn place(&mut self, papers: &BTreeMap<String, Paper>, fresh: &[&Paper], fresh_run: Run) {
        let by_key: BTreeMap<&str, &Paper> =
            (papers.iter()).map(|(k, p)| (k.as_str(), p)).collect();
        super::order::insert_sorted(&mut self.parts.order, fresh, &by_key, &self.styles);
        for (key, content) in fresh_run.items {
            let reference = Reference {
                rank: 0,
                content: content.clone(),
            };
            self.current.references.insert(key.clone(), reference);
            self.parts.plain.insert(key, content);
        }
    }

    /// Runs again the groups of `affected` labels that still collide and drops the
    /// others: their papers' references go back to the plain ones, their year letters
    /// go, then the new runs' references and letters come in.
    fn regroup(&mut self, papers: &BTreeMap<String, Paper>, affected: BTreeSet<GroupLabel>) {
        let old_runs: Vec<Run> = (affected.iter())
            .filter_map(|label| self.parts.groups.remove(label))
            .collect();
        let groups: BTreeMap<GroupLabel, Vec<&Paper>> = (affected.into_iter())
            .filter_map(|label| {
                let keys = self.members.get(&label).filter(|keys| keys.len() > 1)?;
                Some((label, keys.iter().map(|key| &papers[key]).collect()))
            })
            .collect();
        let styles = &self.styles;
        let new_runs =
            super::run_groups(groups, &styles.grouped, &styles.locale, &self.parts.order);
        self.format_plain(papers, &old_runs);
        for old_run in &old_runs {
            self.apply(old_run, false);
        }
        for new_run in new_runs.values() {
            self.apply(new_run, true);
        }
        self.parts.groups.extend(new_runs);
    }

    /// Formats the plain references that members of `runs` lack (a cold format leaves
    /// them out, [`Parts::in_parallel`]), so that they can replace the group's.
    fn format_plain(&mut self, papers: &BTreeMap<String, Paper>, runs: &[Run]) {
        let keys: BTreeSet<&String> = (runs.iter().flat_map(|run| &run.items))
            .map(|(key, _)| key)
            .filter(|key| !self.parts.plain.contains_key(*key))
            .collect();
        let missing: Vec<&Paper> = keys.into_iter().filter_map(|key| papers.get(key)).collect();
        if !missing.is_empty() {
            let plain_run = run(&missing, &self.styles.unsorted, &self.styles.locale);
            self.parts.plain.extend(plain_run.items);
        }
    }

    /// Puts a group's references and year letters in place (or takes them out).
    fn apply(&mut self, group_run: &Run, put: bool) {
        for (key, content) in &group_run.items {
            let Some(reference) = self.current.references.get_mut(key) else {
                continue;
            };
            reference.content = match (put, self.parts.plain.get(key)) {
                (true, _) => content.clone(),
                (false, Some(plain)) => plain.clone(),
                (false, None) => continue,
            };
        }
        if let Some(suffixes) = &mut self.current.year_suffixes {
            for (key, suffix) in &group_run.suffixes {
                if put {
                    suffixes.insert(key.clone(), suffix.clone());
                } else {
                    suffixes.remove(key);
                }
            }
        }
    }

    /// Ranks are positions in the order, as in [`Parts::compose`].
    fn rank(&mut self) {
        for (rank, key) in self.parts.order.iter().enumerate() {
            if let Some(reference) = self.current.references.get_mut(key) {
                reference.rank = rank;
            }
        }
    }
}

/// Whether two papers' references read the same: every field but the topics and the
/// date it joined the survey, which no style shows. Spelled out so that a new field
/// must be considered here.
fn same_reference(old: &PaperFields, new: &PaperFields) -> bool {
    let PaperFields {
        title,
        authors,
        year,
        month,
        venue,
        arxiv,
        doi,
        url,
        code,
        topics: _,
        added: _,
    } = old;
    (title, authors, year, month, venue, arxiv, doi, url, code)
        == (
            &new.title,
            &new.authors,
            &new.year,
            &new.month,
            &new.venue,
            &new.arxiv,
            &new.doi,
            &new.url,
            &new.code,
        )
}

/// Whether a reference formatted in one run reads the same in any other run, as far as
/// the style can tell: references must not replace a repeated author list by a dash
/// (`subsequent-author-substitute` reads the previous entry), and must not test for
/// ambiguity (`disambiguate="true"` depends on which other papers cite alike; styles
/// such as Chicago test it in citations only, which is fine). Cited numbers are checked
/// on the output instead ([`numbered`]).
pub(super) fn context_free(style: &IndependentStyle) -> bool {
    let Some(bibliography) = &style.bibliography else {
        return true;
    };
    let macros: BTreeMap<&str, &[LayoutRenderingElement]> = (style.macros.iter())
        .map(|m| (m.name.as_str(), m.children.as_slice()))
        .collect();
    let mut walk = Walk {
        macros,
        seen: BTreeSet::new(),
    };
    bibliography.subsequent_author_substitute.is_none()
        && !walk.any(&bibliography.layout.elements, &tests_ambiguity)
}

fn tests_ambiguity(element: &LayoutRenderingElement) -> bool {
    let LayoutRenderingElement::Choose(choose) = element else {
        return false;
    };
    let mut branches = std::iter::once(&choose.if_).chain(&choose.else_if);
    branches.any(|branch| branch.disambiguate == Some(true))
}

/// A walk over the elements a layout renders, into the macros it calls (each once).
struct Walk<'a> {
    macros: BTreeMap<&'a str, &'a [LayoutRenderingElement]>,
    seen: BTreeSet<&'a str>,
}

type Test = dyn Fn(&LayoutRenderingElement) -> bool;

impl<'a> Walk<'a> {
    /// Whether any element reachable from `elements` satisfies `test`.
    fn any(&mut self, elements: &'a [LayoutRenderingElement], test: &Test) -> bool {
        elements.iter().any(|element| self.visits(element, test))
    }

    fn visits(&mut self, element: &'a LayoutRenderingElement, test: &Test) -> bool {
        if test(element) {
            return true;
        }
        match element {
            LayoutRenderingElement::Text(text) => match &text.target {
                TextTarget::Macro { name } => self.calls(name, test),
                _ => false,
            },
            LayoutRenderingElement::Group(group) => self.any(&group.children, test),
            LayoutRenderingElement::Choose(choose) => {
                let branches = std::iter::once(&choose.if_).chain(&choose.else_if);
                let otherwise = choose.otherwise.iter().map(|b| &b.children);
                let mut all = branches.map(|b| &b.children).chain(otherwise);
                all.any(|children| self.any(children, test))
            }
            LayoutRenderingElement::Names(names) => {
                names.children.iter().any(|child| match child {
                    NamesChild::Substitute(substitute) => self.any(&substitute.children, test),
                    _ => false,
                })
            }
            _ => false,
        }
    }

    fn calls(&mut self, name: &str, test: &Test) -> bool {
        let Some((name, children)) = self.macros.get_key_value(name).map(|(n, c)| (*n, *c)) else {
            return false;
        };
        self.seen.insert(name) && self.any(children, test)
    }
}

/// Whether any reference shows its number in the list (outside the margin field that
/// hayagriva splits off): numbers depend on the position among all papers.
pub(super) fn numbered(parts: &Parts) -> bool {
    let plain = parts.plain.values();
    let grouped = parts
        .groups
        .values()
        .flat_map(|run| run.items.iter().map(|(_, c)| c));
    plain.chain(grouped).any(|content| content.numbered)
}

pub(super) fn shows_number(content: &ElemChildren) -> bool {
    content.0.iter().any(|child| match child {
        ElemChild::Elem(elem) => {
            elem.meta == Some(ElemMeta::CitationNumber) || shows_number(&elem.children)
        }
        _ => false,
    })
}

#[cfg(test)]
mod tests;
