//! Whole-site checks of what bodies point at: internal links and their anchors,
//! citation keys, the topics papers name; and the warnings for papers nothing cites
//! and chapters without prose.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::link::{LinkError, LinkTargets, Target};

use crate::assemble::salvage::Salvage;
use crate::assemble::site::Site;
use crate::diagnostics::{Diagnostic, Diagnostics, Position, closest, one_of};
use crate::load::SourceFile;
use crate::model::{Page, PageKind, Paper, Topic};
use crate::parse::frontmatter;
use crate::parse::markdown::Analysis;

use super::entities::FILE_START;
use super::link;

/// Source path and body offset of the page or paper notes with analysis id `id`.
pub(super) fn body_location<'a>(
    id: &str,
    pages: &'a [Page],
    papers: &'a BTreeMap<String, Paper>,
) -> (&'a Path, usize) {
    if let Some(key) = id.strip_prefix("papers/")
        && let Some(paper) = papers.get(key)
    {
        return (&paper.source, paper.body_offset);
    }
    let page = pages
        .iter()
        .find(|p| p.id == id)
        .expect("every analysis belongs to a page");
    (&page.source, page.body_offset)
}

pub(super) fn link_targets(
    pages: &[Page],
    papers: &BTreeMap<String, Paper>,
    analyses: &BTreeMap<String, Analysis>,
) -> LinkTargets {
    let mut targets = LinkTargets::new();
    for page in pages {
        let target = page_target(page, analyses.get(&page.id));
        targets.insert(page.source.clone(), target);
    }
    for paper in papers.values() {
        let target = paper_target(paper, analyses.get(&format!("papers/{}", paper.key)));
        targets.insert(paper.source.clone(), target);
    }
    targets
}

/// Where links to a page lead: its path, its headings' and topics' anchors, and its
/// reference list.
fn page_target(page: &Page, analysis: Option<&Analysis>) -> Target {
    let mut anchors = heading_ids(analysis);
    anchors.extend(page.fields.topics.iter().map(|t| t.id.clone()));
    anchors.insert("references".into());
    Target {
        path: page.path(),
        anchors,
    }
}

/// Where links to a paper lead: its page, the anchors of its notes' headings and of
/// the sections every paper page has.
fn paper_target(paper: &Paper, analysis: Option<&Analysis>) -> Target {
    let mut anchors = heading_ids(analysis);
    anchors.extend(["bibtex", "discussed-in", "related", "notes"].map(String::from));
    Target {
        path: paper.path(),
        anchors,
    }
}

fn heading_ids(analysis: Option<&Analysis>) -> BTreeSet<String> {
    (analysis.into_iter())
        .flat_map(|a| a.headings.iter().map(|h| h.id.clone()))
        .collect()
}

/// Recomputes where links to the body `id` lead, after its headings changed.
pub fn refresh_link_target(site: &mut Site, id: &str) {
    let analysis = site.analyses.get(id);
    let (source, target) = match id.strip_prefix("papers/") {
        Some(key) => match site.papers.get(key) {
            Some(paper) => (paper.source.clone(), paper_target(paper, analysis)),
            None => return,
        },
        None => match site.page(id) {
            Some(page) => (page.source.clone(), page_target(page, analysis)),
            None => return,
        },
    };
    site.link_targets.insert(source, target);
}

/// The bodies (analysis ids) other than `file`'s own with a link into `file`.
pub fn bodies_linking_to(site: &Site, file: &Path) -> Vec<String> {
    let name = file.file_name().map(|n| n.to_string_lossy().into_owned());
    let Some(name) = name else {
        return Vec::new();
    };
    (site.analyses.iter())
        .filter(|(id, analysis)| {
            let (source, _) = body_location(id, &site.pages, &site.papers);
            source != file
                && (analysis.links.iter())
                    .filter(|link| link.destination.contains(name.as_str()))
                    .any(|link| link::target_file(source, &link.destination) == file)
        })
        .map(|(id, _)| id.clone())
        .collect()
}

/// The content file of the body `id` (a page id or `papers/<key>`).
pub fn body_source<'a>(site: &'a Site, id: &str) -> &'a Path {
    body_location(id, &site.pages, &site.papers).0
}

pub(super) struct Checker<'a> {
    pub(super) texts: &'a BTreeMap<&'a Path, &'a str>,
    pub(super) papers: &'a BTreeMap<String, Paper>,
    pub(super) link_targets: &'a LinkTargets,
    /// Names defined by files that failed to load: not reported as unknown.
    pub(super) salvage: &'a Salvage,
}

impl Checker<'_> {
    fn position(&self, source: &Path, offset: usize) -> Position {
        Position::of_offset(self.texts.get(source).copied().unwrap_or(""), offset)
    }

    pub(super) fn check_citations(
        &self,
        source: &Path,
        body_offset: usize,
        analysis: &Analysis,
        diagnostics: &mut Diagnostics,
    ) {
        for cited in analysis.citations.iter().flat_map(|c| &c.keys) {
            if self.papers.contains_key(&cited.key) || self.salvage.has_paper(&cited.key) {
                continue;
            }
            let near = closest(&cited.key, self.papers.keys().map(String::as_str), 3);
            let help = match near.as_slice() {
                [_, ..] => format!(
                    "did you mean {}? Otherwise add content/papers/{}.md",
                    one_of(&near, "@"),
                    cited.key
                ),
                [] => format!(
                    "add the paper as content/papers/{}.md (`survey new paper {}`), or write `\\@` for a literal @",
                    cited.key, cited.key
                ),
            };
            diagnostics.push(
                Diagnostic::error(source, format!("unknown citation key `{}`", cited.key))
                    .at(self.position(source, body_offset + cited.range.start))
                    .span(cited.range.len())
                    .help(help),
            );
        }
    }

    /// TeX that does not convert is shown as written; a warning says where and why.
    pub(super) fn check_math(
        &self,
        source: &Path,
        body_offset: usize,
        analysis: &Analysis,
        diagnostics: &mut Diagnostics,
    ) {
        for problem in &analysis.math_problems {
            diagnostics.push(
                Diagnostic::warning(source, format!("this formula is not valid TeX: {}", problem.message))
                    .at(self.position(source, body_offset + problem.offset))
                    .span(problem.length)
                    .help("fix the TeX between the `$` signs (the page shows it as written until then); only maths-mode commands are supported"),
            );
        }
    }

    pub(super) fn check_links(
        &self,
        source: &Path,
        body_offset: usize,
        analysis: &Analysis,
        diagnostics: &mut Diagnostics,
    ) {
        for written in &analysis.links {
            let error = match link::resolve(self.link_targets, source, &written.destination) {
                Ok(_) => continue,
                Err(LinkError::NoSuchFile(path))
                    if self.salvage.has_link(&path, anchor_of(&written.destination)) =>
                {
                    continue;
                }
                Err(LinkError::NoSuchFile(path)) => (
                    format!("link to `{}`: no such page ({})", written.destination, path.display()),
                    "link to another Markdown source by its relative path, e.g. `../training/offline.md`".to_string(),
                ),
                Err(LinkError::NoSuchAnchor { file, anchor }) => {
                    let anchors = self.link_targets.get(&file).map(|t| &t.anchors);
                    let near = anchors.map(|a| closest(&anchor, a.iter().map(String::as_str), 3)).unwrap_or_default();
                    (
                        format!("link to `{}`: {} has no anchor `#{anchor}`", written.destination, file.display()),
                        match near.as_slice() {
                            [_, ..] => format!("did you mean {}?", one_of(&near, "#")),
                            [] => "anchors come from headings (`## Title {#id}` sets one explicitly)".to_string(),
                        },
                    )
                }
            };
            let (offset, span) = destination_span(
                self.texts.get(source).copied().unwrap_or(""),
                body_offset + written.offset,
                &written.destination,
            );
            diagnostics.push(
                Diagnostic::error(source, error.0)
                    .at(self.position(source, offset))
                    .span(span)
                    .help(error.1),
            );
        }
    }
}

/// The `#anchor` part of a link destination, if any.
fn anchor_of(destination: &str) -> Option<&str> {
    destination.split_once('#').map(|(_, anchor)| anchor)
}

/// Offset and length (in characters) of a link's destination, searched from the link's
/// start, so the marker sits under `../x.md#y` rather than under the link text.
fn destination_span(text: &str, link_offset: usize, destination: &str) -> (usize, usize) {
    let after = text.get(link_offset..).unwrap_or("");
    let line_end = after.find("\n\n").unwrap_or(after.len());
    match after[..line_end].find(destination) {
        Some(i) if !destination.is_empty() => (link_offset + i, destination.chars().count()),
        _ => (link_offset, 1),
    }
}

pub(super) fn check_paper_topics(
    papers: &BTreeMap<String, Paper>,
    topics: &[Topic],
    salvage: &Salvage,
    files: &[SourceFile],
    diagnostics: &mut Diagnostics,
) {
    let ids: BTreeSet<&str> = topics.iter().map(|t| t.id.as_str()).collect();
    for paper in papers.values() {
        for (index, topic) in paper.fields.topics.iter().enumerate() {
            if ids.contains(topic.as_str()) || salvage.has_topic(topic) {
                continue;
            }
            let file = files
                .iter()
                .find(|f| f.path == paper.source)
                .expect("papers come from files");
            let position = frontmatter::split(file)
                .map(|split| frontmatter::list_item_position(file, &split, "topics", index))
                .unwrap_or_default();
            let near = closest(topic, ids.iter().copied(), 3);
            let help = match near.as_slice() {
                [_, ..] => format!("did you mean {}?", one_of(&near, "")),
                [] => unknown_topic_help(topics),
            };
            diagnostics.push(
                Diagnostic::error(&paper.source, format!("unknown topic `{topic}`"))
                    .at(position)
                    .span(topic.chars().count())
                    .help(help),
            );
        }
    }
}

/// How topic ids are formed, with an example from this site's own tree (its first
/// deepest topic, which shows the most of the pattern).
fn unknown_topic_help(topics: &[Topic]) -> String {
    let depth = |topic: &&Topic| topic.id.matches('/').count();
    match topics.iter().min_by_key(|topic| std::cmp::Reverse(depth(topic))) {
        Some(example) => format!(
            "topic ids are chapter/section paths plus the finer topics sections declare, e.g. `{}`",
            example.id
        ),
        None => "this site has no topics yet: each folder under content/ is a chapter, and its chapter and section ids are the topics".into(),
    }
}

/// Warnings: a paper neither cited nor filed under a topic; a chapter without prose.
pub(super) fn warn_orphans(
    site: &Site,
    texts: &BTreeMap<&Path, &str>,
    diagnostics: &mut Diagnostics,
) {
    let text_of = |path: &Path| texts.get(path).copied().unwrap_or("");
    for paper in site.papers.values() {
        diagnostics.extend_from(orphan_paper(site, paper, text_of(&paper.source)));
    }
    for page in &site.pages {
        diagnostics.extend_from(chapter_without_prose(page, text_of(&page.source)));
    }
}

/// A warning for a paper neither cited nor filed under a topic; `text` is its file's.
fn orphan_paper(site: &Site, paper: &Paper, text: &str) -> Option<Diagnostic> {
    let orphan = paper.fields.topics.is_empty() && !site.mentions.contains_key(&paper.key);
    orphan.then(|| {
        Diagnostic::warning(
            &paper.source,
            format!("`{}` is neither cited nor in any topic", paper.key),
        )
        .at(line_starting(text, "topics:").unwrap_or(FILE_START))
        .help("add it to a topic (`topics: [...]`) or cite it with [@key] in a chapter")
    })
}

/// A warning for a chapter page whose body is empty; `text` is its file's.
fn chapter_without_prose(page: &Page, text: &str) -> Option<Diagnostic> {
    let empty = page.kind == PageKind::Chapter && page.body.trim().is_empty();
    empty.then(|| {
        let line = Position::of_offset(text, page.body_offset.saturating_sub(1)).line;
        Diagnostic::warning(&page.source, format!("chapter `{}` has no prose", page.id))
            .at(Position { line, column: 1 })
            .span(3)
            .help("write an introduction to the chapter below its front-matter")
    })
}

/// The warning about the page or paper with analysis id `id` itself (a paper neither
/// cited nor filed, a chapter without prose); `text` is its file's. With
/// [`body_checks`] and what parsing the file reported, that is everything a good build
/// reports for one content file (`serve` relies on this to patch a body edit).
pub fn own_warning(site: &Site, id: &str, text: &str) -> Option<Diagnostic> {
    match id.strip_prefix("papers/") {
        Some(key) => orphan_warning(site, key, text),
        None => site.page(id).and_then(|p| chapter_without_prose(p, text)),
    }
}

/// The citations, links and formulas of `analysis`, checked as the body `id` of
/// `site` (whose file's text is `text`).
pub fn body_checks(site: &Site, id: &str, analysis: &Analysis, text: &str) -> Diagnostics {
    let mut diagnostics = Diagnostics::default();
    let (source, offset) = body_location(id, &site.pages, &site.papers);
    let texts = BTreeMap::from([(source, text)]);
    // A site only exists when every file loaded: nothing to salvage.
    let checker = Checker {
        texts: &texts,
        papers: &site.papers,
        link_targets: &site.link_targets,
        salvage: &Salvage::default(),
    };
    checker.check_citations(source, offset, analysis, &mut diagnostics);
    checker.check_links(source, offset, analysis, &mut diagnostics);
    checker.check_math(source, offset, analysis, &mut diagnostics);
    diagnostics
}

/// The warning for paper `key` if it is neither cited nor filed; `text` is its file's.
pub fn orphan_warning(site: &Site, key: &str, text: &str) -> Option<Diagnostic> {
    site.papers
        .get(key)
        .and_then(|p| orphan_paper(site, p, text))
}

/// Line 1-based position of the first line of `text` that starts with `prefix`.
fn line_starting(text: &str, prefix: &str) -> Option<Position> {
    text.lines()
        .position(|line| line.starts_with(prefix))
        .map(|index| Position {
            line: index + 1,
            column: 1,
        })
}

/// The site needs a home page (one whose file failed to load has said why).
pub(super) fn check_layout(pages: &[Page], salvage: &Salvage, diagnostics: &mut Diagnostics) {
    if !pages.iter().any(|p| p.kind == PageKind::Home) && !salvage.has_home() {
        diagnostics.push(
            Diagnostic::error("content/_index.md", "the home page is missing")
                .help("create content/_index.md with a `title:`"),
        );
    }
}
