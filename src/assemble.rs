//! The assemble stage: source files -> a validated, cross-linked [`Site`].
//!
//! A pure function: it reads nothing from disk. Every problem becomes a diagnostic,
//! and the stage goes as far as it can so that all problems are reported at once.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;

use crate::cite;
use crate::config::Config;
use crate::csl;
use crate::diagnostics::{Diagnostic, Diagnostics, Position, closest, one_of, suggest};
use crate::duplicates;
use crate::frontmatter;
use crate::link::{self, LinkError, LinkTargets, Target};
use crate::markdown::{self, Analysis, Segment};
use crate::model::{Page, PageFields, PageKind, Paper, PaperFields, Topic, is_valid_key};
use crate::salvage::Salvage;
use crate::site::{Mention, MentionPart, Site};
use crate::source::{SourceFile, Sources};
use crate::validate;

/// Chapter names that would collide with generated pages.
const RESERVED: &[&str] = &[
    "papers", "authors", "years", "venues", "search", "pagefind", "static", "assets", "topics",
];

/// How many related papers a paper page shows.
const RELATED_COUNT: usize = 5;

/// Site-wide results that `serve` keeps between rebuilds, so a rebuild repeats only
/// what its inputs changed. Formatting every reference in a CSL style is the one worth
/// keeping: it dominates a rebuild ([`csl::Cache`] redoes only the changed papers).
#[derive(Debug, Default)]
pub struct Memo {
    references: csl::Cache,
}

impl Memo {
    /// What to keep for the next process ([`csl::Cache::save`]).
    pub fn save(&self) -> Option<csl::Saved> {
        self.references.save()
    }

    /// A memo holding what [`Memo::save`] gave.
    pub fn restore(references: csl::Saved) -> Memo {
        Memo {
            references: csl::Cache::restore(references),
        }
    }
}

/// What one content file contributes, computed from that file alone (its path and
/// text) and the set of chapter folders: the unit that `serve` caches between rebuilds.
#[derive(Debug, Clone)]
pub struct Parsed {
    pub entity: Option<Entity>,
    /// Analysis of the entity's Markdown body (empty without an entity).
    pub analysis: Analysis,
    pub diagnostics: Diagnostics,
}

#[derive(Debug, Clone)]
pub enum Entity {
    Page(Page),
    Paper(Paper),
}

/// Classifies, splits, parses and validates one content file, and analyses its body.
/// `chapters` are the chapter folders ([`chapter_folders`]): a section needs its own.
pub fn parse_file(file: &SourceFile, chapters: &BTreeSet<String>) -> Parsed {
    let mut diagnostics = Diagnostics::default();
    let entity = load_entity(file, chapters, &mut diagnostics);
    let analysis = match &entity {
        Some(Entity::Page(page)) => markdown::analyze(&page.body),
        Some(Entity::Paper(paper)) => markdown::analyze(&paper.body),
        None => Analysis::default(),
    };
    Parsed {
        entity,
        analysis,
        diagnostics,
    }
}

/// [`assemble`] from files already parsed by [`parse_file`]; `sources` still supplies
/// the texts that diagnostics point into.
pub fn assemble_parsed(
    sources: &Sources,
    config: Config,
    parsed: Vec<Parsed>,
    memo: &mut Memo,
    diagnostics: &mut Diagnostics,
) -> Option<Site> {
    let (mut pages, papers, analyses) = collect_entities(parsed, diagnostics);
    // Files that failed have reported why; what they define is not reported again.
    let loaded: BTreeSet<&Path> = (pages.iter().map(|p| p.source.as_path()))
        .chain(papers.iter().map(|p| p.source.as_path()))
        .collect();
    let salvage = Salvage::of_failed(&sources.content, &loaded);
    check_layout(&pages, &salvage, diagnostics);
    order_pages(&mut pages);
    let texts: BTreeMap<&Path, &str> = sources
        .content
        .iter()
        .map(|f| (f.path.as_path(), f.text.as_str()))
        .collect();
    let topics = build_topics(&pages, &texts, diagnostics);
    let papers: BTreeMap<String, Paper> = papers.into_iter().map(|p| (p.key.clone(), p)).collect();
    let bibliography = remembered_references(&papers, &config, memo);
    let labels = cite::labels(papers.values(), bibliography.year_suffixes());
    let link_targets = link_targets(&pages, &papers, &analyses);
    let checker = Checker {
        texts: &texts,
        papers: &papers,
        link_targets: &link_targets,
        salvage: &salvage,
    };
    for (id, analysis) in &analyses {
        let (source, offset) = body_location(id, &pages, &papers);
        checker.check_citations(source, offset, analysis, diagnostics);
        checker.check_links(source, offset, analysis, diagnostics);
        checker.check_math(source, offset, analysis, diagnostics);
    }
    check_paper_topics(&papers, &topics, &salvage, &sources.content, diagnostics);
    let identities = duplicates::check(&papers, &sources.content, diagnostics);
    if diagnostics.has_errors() {
        return None;
    }
    let mut site = Site {
        config,
        pages,
        papers,
        topics,
        analyses,
        labels,
        bibliography,
        mentions: BTreeMap::new(),
        related: BTreeMap::new(),
        topic_papers: BTreeMap::new(),
        references: BTreeMap::new(),
        link_targets,
        identities,
    };
    build_graph(&mut site);
    warn_orphans(&site, &texts, diagnostics);
    Some(site)
}

/// What [`refresh_paper_fields`] found and changed beyond the edited papers.
#[derive(Debug, Default)]
pub struct Refreshed {
    /// What a fresh assembly would report about duplicates among all papers.
    pub diagnostics: Diagnostics,
    /// Topics that gained or lost a paper.
    pub topics: BTreeSet<String>,
}

/// Brings `site` up to date after the front-matter of some papers changed (`old`: key
/// -> fields before; every topic they name exists): topic lists and the related papers
/// that depend on them, references in the citation style (only the changed papers are
/// formatted again, see [`Memo`]), labels, the order of topic lists, the reference
/// lists of the bodies that cite them, and who has each identity. `serve` uses it to
/// patch such an edit.
pub fn refresh_paper_fields(
    site: &mut Site,
    memo: &mut Memo,
    files: &[SourceFile],
    old: &BTreeMap<String, PaperFields>,
) -> Refreshed {
    let keys: &BTreeSet<String> = &old.keys().cloned().collect();
    let topics = refile(site, old);
    site.bibliography = remembered_references(&site.papers, &site.config, memo);
    relabel(site, keys);
    reorder_topic_lists(site, keys);
    let citing: BTreeSet<String> = (keys.iter())
        .filter_map(|key| site.mentions.get(key))
        .flatten()
        .map(|mention| mention.source.clone())
        .collect();
    for id in citing {
        if let Some(analysis) = site.analyses.get(&id) {
            let keys = reference_keys(site, analysis);
            site.references.insert(id, keys);
        }
    }
    let mut diagnostics = Diagnostics::default();
    let mut unique = true;
    for (key, before) in old {
        if let Some(paper) = site.papers.get(key) {
            unique &= site.identities.replace(key, before, &paper.fields);
        }
    }
    if !unique {
        duplicates::check(&site.papers, files, &mut diagnostics);
    }
    Refreshed {
        diagnostics,
        topics,
    }
}

/// Moves the papers whose topics changed (`old`: their fields before) between topic
/// lists, and finds the related papers of every paper under a topic they left or
/// joined again. Returns those topics.
fn refile(site: &mut Site, old: &BTreeMap<String, PaperFields>) -> BTreeSet<String> {
    let mut topics = BTreeSet::new();
    let mut moved = BTreeSet::new();
    for (key, before) in old {
        let Some(paper) = site.papers.get(key) else {
            continue;
        };
        // A new paper has no related papers yet, even without topics.
        if before.topics == paper.fields.topics && site.related.contains_key(key) {
            continue;
        }
        for topic in &before.topics {
            if let Some(list) = site.topic_papers.get_mut(topic) {
                list.retain(|listed| listed != key);
            }
        }
        for topic in &paper.fields.topics {
            let list = site.topic_papers.entry(topic.clone()).or_default();
            if !list.contains(key) {
                list.push(key.clone());
            }
        }
        topics.extend(before.topics.iter().chain(&paper.fields.topics).cloned());
        moved.insert(key.clone());
    }
    if moved.is_empty() {
        return topics;
    }
    let mut members = moved;
    for topic in &topics {
        members.extend(site.topic_papers.get(topic).into_iter().flatten().cloned());
    }
    for (key, related) in related_of(site, Some(&members)) {
        site.related.insert(key, related);
    }
    topics
}

/// Labels again the papers that read like a changed paper did or does now ("Wang et
/// al., 2023"): year letters are given within such a group only, and the style's
/// letters changed only there, so the other labels stand.
fn relabel(site: &mut Site, keys: &BTreeSet<String>) {
    let mut groups: Vec<(String, i32)> = Vec::new();
    for key in keys {
        if let Some(old) = site.labels.get(key) {
            let digits = old.year.trim_end_matches(|c: char| c.is_ascii_lowercase());
            groups.push((old.names.clone(), digits.parse().unwrap_or_default()));
        }
        if let Some(paper) = site.papers.get(key) {
            groups.push((cite::label_names(&paper.fields), paper.fields.year));
        }
    }
    let in_group = |paper: &Paper| {
        let label = site.labels.get(&paper.key);
        let reads = |(names, year): &(String, i32)| {
            label.is_some_and(|l| &l.names == names) && paper.fields.year == *year
        };
        keys.contains(&paper.key) || groups.iter().any(reads)
    };
    let members: Vec<&Paper> = site.papers.values().filter(|p| in_group(p)).collect();
    let fresh = cite::labels(members, site.bibliography.year_suffixes());
    site.labels.extend(fresh);
}

/// Sorts again the lists of the changed papers' topics (their place depends on date
/// and title; the topics themselves did not change).
fn reorder_topic_lists(site: &mut Site, keys: &BTreeSet<String>) {
    let topics: BTreeSet<String> = (keys.iter())
        .filter_map(|key| site.papers.get(key))
        .flat_map(|paper| paper.fields.topics.iter().cloned())
        .collect();
    for topic in topics {
        if let Some(mut list) = site.topic_papers.remove(&topic) {
            list.sort_by(|a, b| site.newest_first(a, b));
            site.topic_papers.insert(topic, list);
        }
    }
}

/// Every paper in the configured style (checked by `config::parse`; APA if it vanished),
/// reusing the references of papers unchanged since the last rebuild.
fn remembered_references(
    papers: &BTreeMap<String, Paper>,
    config: &Config,
    memo: &mut Memo,
) -> Arc<csl::Bibliography> {
    memo.references
        .format(papers, &config.citation_style, &config.language)
}

/// What a content file is, from its path alone.
pub(crate) enum Kind {
    Home,
    Chapter(String),
    Section(String, String),
    Paper(String),
}

pub(crate) fn classify(path: &Path) -> Result<Kind, Diagnostic> {
    let parts: Vec<String> = path
        .iter()
        .skip(1)
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let stem = |name: &str| name.strip_suffix(".md").unwrap_or(name).to_string();
    let kind = match parts.as_slice() {
        [name] if name == "_index.md" => Kind::Home,
        [dir, name] if dir == "papers" && name == "_index.md" => {
            return Err(layout_error(
                path,
                "the paper list is generated; content/papers/ holds only paper files",
            ));
        }
        [dir, name] if dir == "papers" => Kind::Paper(stem(name)),
        [chapter, name] if name == "_index.md" => Kind::Chapter(chapter.clone()),
        [chapter, name] => Kind::Section(chapter.clone(), stem(name)),
        _ => return Err(layout_error(path, "this file is outside the known layout")),
    };
    Ok(kind)
}

/// Line 1, column 1: where a problem with a whole file is annotated.
const FILE_START: Position = Position { line: 1, column: 1 };

/// Folders under content/ that hold an `_index.md`, i.e. chapters.
pub fn chapter_folders(files: &[SourceFile]) -> BTreeSet<String> {
    files
        .iter()
        .filter_map(|file| match classify(&file.path) {
            Ok(Kind::Chapter(chapter)) => Some(chapter),
            _ => None,
        })
        .collect()
}

/// A section must sit in a chapter folder. Checked from the file layout, before
/// parsing, so `content/paper/x.md` (a typo for `papers/`) is reported as such and
/// not as a page with paper fields.
fn require_chapter(
    kind: Kind,
    file: &SourceFile,
    chapters: &BTreeSet<String>,
) -> Result<Kind, Diagnostic> {
    let Kind::Section(chapter, section) = &kind else {
        return Ok(kind);
    };
    if chapters.contains(chapter) {
        return Ok(kind);
    }
    let candidates = chapters.iter().map(String::as_str).chain(["papers"]);
    let help = match suggest(chapter, candidates) {
        Some(name) => format!(
            "did you mean content/{name}/? Otherwise create content/{chapter}/_index.md for the chapter"
        ),
        None => format!("create content/{chapter}/_index.md for the chapter"),
    };
    Err(Diagnostic::error(
        &file.path,
        format!("section `{chapter}/{section}` has no chapter"),
    )
    .at(FILE_START)
    .help(help))
}

fn layout_error(path: &Path, message: &str) -> Diagnostic {
    Diagnostic::error(path, message).at(FILE_START).help(
        "use content/_index.md (home), content/<chapter>/_index.md, content/<chapter>/<section>.md or content/papers/<key>.md",
    )
}

fn load_entity(
    file: &SourceFile,
    chapters: &BTreeSet<String>,
    diagnostics: &mut Diagnostics,
) -> Option<Entity> {
    let kind = classify(&file.path)
        .and_then(|kind| require_chapter(kind, file, chapters))
        .map_err(|diagnostic| diagnostics.push(diagnostic))
        .ok()?;
    if file.text.trim().is_empty() {
        diagnostics.push(
            Diagnostic::error(&file.path, "the file is empty")
                .at(FILE_START)
                .help("add front-matter between `---` lines, or delete the file"),
        );
        return None;
    }
    let split = frontmatter::split(file)
        .map_err(|diagnostic| diagnostics.push(diagnostic))
        .ok()?;
    match kind {
        Kind::Paper(key) => load_paper(file, &split, key, diagnostics).map(Entity::Paper),
        kind => load_page(file, &split, kind, diagnostics).map(Entity::Page),
    }
}

/// Pages, papers by key and analyses by id (`papers/<key>` for paper notes), with the
/// per-file diagnostics moved into `diagnostics`.
fn collect_entities(
    parsed: Vec<Parsed>,
    diagnostics: &mut Diagnostics,
) -> (Vec<Page>, Vec<Paper>, BTreeMap<String, Analysis>) {
    let mut pages = Vec::new();
    let mut papers = Vec::new();
    let mut analyses = BTreeMap::new();
    for file in parsed {
        diagnostics.extend(file.diagnostics);
        match file.entity {
            Some(Entity::Page(page)) => {
                analyses.insert(page.id.clone(), file.analysis);
                pages.push(page);
            }
            Some(Entity::Paper(paper)) => {
                analyses.insert(format!("papers/{}", paper.key), file.analysis);
                papers.push(paper);
            }
            None => {}
        }
    }
    (pages, papers, analyses)
}

fn load_paper(
    file: &SourceFile,
    split: &frontmatter::Split,
    key: String,
    diagnostics: &mut Diagnostics,
) -> Option<Paper> {
    if !is_valid_key(&key) {
        diagnostics.push(invalid_key(&file.path, &key));
        return None;
    }
    let fields: PaperFields = frontmatter::parse(file, split)
        .map_err(|problems| problems.into_iter().for_each(|d| diagnostics.push(d)))
        .ok()?;
    validate::paper(file, split, &fields, diagnostics);
    Some(Paper {
        key,
        source: file.path.clone(),
        fields,
        body: split.body.to_string(),
        body_offset: split.body_offset,
    })
}

/// A file name that cannot be a citation key; one that could leave the output
/// directory (`..`, slashes) says so.
fn invalid_key(path: &Path, key: &str) -> Diagnostic {
    let escapes = key.contains("..") || key.contains(['/', '\\']) || key.starts_with('.');
    let message = if escapes {
        format!("the file name `{key}` would write outside the output directory")
    } else {
        format!("`{key}` is not a valid citation key")
    };
    Diagnostic::error(path, message).at(FILE_START).help(
        "rename the file: lowercase letters a-z, digits, `-` and `_` only, e.g. rafailov2023direct.md",
    )
}

fn load_page(
    file: &SourceFile,
    split: &frontmatter::Split,
    kind: Kind,
    diagnostics: &mut Diagnostics,
) -> Option<Page> {
    let (id, kind) = match kind {
        Kind::Home => (String::new(), PageKind::Home),
        Kind::Chapter(chapter) => (chapter, PageKind::Chapter),
        Kind::Section(chapter, section) => (format!("{chapter}/{section}"), PageKind::Section),
        Kind::Paper(_) => unreachable!("papers are loaded by load_paper"),
    };
    for part in id.split('/').filter(|p| !p.is_empty()) {
        if !is_valid_key(part) {
            diagnostics.push(Diagnostic::error(&file.path, format!("`{part}` is not a valid page name")).at(FILE_START).help(
                "rename it with lowercase letters a-z, digits, `-` and `_` only (it becomes the URL)",
            ));
            return None;
        }
    }
    if kind == PageKind::Chapter && RESERVED.contains(&id.as_str()) {
        diagnostics.push(
            Diagnostic::error(
                &file.path,
                format!("`{id}` is reserved for generated pages"),
            )
            .at(FILE_START)
            .help("choose another chapter folder name"),
        );
        return None;
    }
    let fields: PageFields = frontmatter::parse(file, split)
        .map_err(|problems| problems.into_iter().for_each(|d| diagnostics.push(d)))
        .ok()?;
    if fields.title.trim().is_empty() {
        let at = frontmatter::field_position(file, split, "title");
        diagnostics.push(
            Diagnostic::error(&file.path, "the title is empty")
                .at(at)
                .help("write the page's title"),
        );
    }
    Some(Page {
        id,
        kind,
        source: file.path.clone(),
        fields,
        body: split.body.to_string(),
        body_offset: split.body_offset,
    })
}

/// The site needs a home page (one whose file failed to load has said why).
fn check_layout(pages: &[Page], salvage: &Salvage, diagnostics: &mut Diagnostics) {
    if !pages.iter().any(|p| p.kind == PageKind::Home) && !salvage.has_home() {
        diagnostics.push(
            Diagnostic::error("content/_index.md", "the home page is missing")
                .help("create content/_index.md with a `title:`"),
        );
    }
}

/// Home first, then chapters by weight, each followed by its sections by weight.
fn order_pages(pages: &mut [Page]) {
    let chapter_weight: BTreeMap<String, i64> = pages
        .iter()
        .filter(|p| p.kind == PageKind::Chapter)
        .map(|p| (p.id.clone(), p.fields.weight))
        .collect();
    pages.sort_by_key(|page| {
        let chapter = page.chapter().unwrap_or_default().to_string();
        let own = if page.kind == PageKind::Section {
            page.fields.weight
        } else {
            i64::MIN
        };
        (
            page.kind != PageKind::Home,
            chapter_weight.get(&chapter).copied().unwrap_or(0),
            chapter,
            own,
            page.id.clone(),
        )
    });
}

fn build_topics(
    pages: &[Page],
    texts: &BTreeMap<&Path, &str>,
    diagnostics: &mut Diagnostics,
) -> Vec<Topic> {
    let mut topics = Vec::new();
    for page in pages.iter().filter(|p| p.kind != PageKind::Home) {
        topics.push(Topic {
            id: page.id.clone(),
            title: page.fields.title.clone(),
            description: page.fields.description.clone(),
            page: page.id.clone(),
            anchor: None,
        });
        let mut seen = BTreeSet::new();
        for finer in &page.fields.topics {
            if !is_valid_key(&finer.id) || !seen.insert(finer.id.clone()) {
                diagnostics.push(
                    Diagnostic::error(
                        &page.source,
                        format!("topic id `{}` is invalid or repeated", finer.id),
                    )
                    .at(topic_position(
                        texts.get(page.source.as_path()).copied().unwrap_or(""),
                        &finer.id,
                    ))
                    .help("topic ids are unique per page: lowercase letters, digits, `-` and `_`"),
                );
                continue;
            }
            topics.push(Topic {
                id: format!("{}/{}", page.id, finer.id),
                title: finer.title.clone(),
                description: finer.description.clone(),
                page: page.id.clone(),
                anchor: Some(finer.id.clone()),
            });
        }
    }
    topics
}

/// Position of the value in `id: <topic>` within a page's front-matter.
fn topic_position(text: &str, id: &str) -> Position {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let item = line.trim_start().trim_start_matches('-').trim_start();
        if let Some(value) = item.strip_prefix("id:")
            && value.trim().trim_matches(['"', '\'']) == id
        {
            let column_offset = line.len() - value.trim_start().len();
            return Position::of_offset(text, offset + column_offset);
        }
        offset += line.len();
    }
    Position { line: 1, column: 1 }
}

/// Source path and body offset of the page or paper notes with analysis id `id`.
fn body_location<'a>(
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

fn link_targets(
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

struct Checker<'a> {
    texts: &'a BTreeMap<&'a Path, &'a str>,
    papers: &'a BTreeMap<String, Paper>,
    link_targets: &'a LinkTargets,
    /// Names defined by files that failed to load: not reported as unknown.
    salvage: &'a Salvage,
}

impl Checker<'_> {
    fn position(&self, source: &Path, offset: usize) -> Position {
        Position::of_offset(self.texts.get(source).copied().unwrap_or(""), offset)
    }

    fn check_citations(
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
    fn check_math(
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

    fn check_links(
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

fn check_paper_topics(
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

fn build_graph(site: &mut Site) {
    // Four independent passes over the same site: run them side by side.
    let shared: &Site = site;
    let ((mentions, references), (topic_papers, related)) = rayon::join(
        || rayon::join(|| mentions(shared), || references(shared)),
        || rayon::join(|| topic_papers(shared), || related(shared)),
    );
    site.mentions = mentions;
    site.references = references;
    site.topic_papers = topic_papers;
    site.related = related;
}

fn mentions(site: &Site) -> BTreeMap<String, Vec<Mention>> {
    let mut mentions: BTreeMap<String, Vec<Mention>> = BTreeMap::new();
    let sources = (site.pages.iter().map(|p| p.id.clone()))
        .chain(site.papers.keys().map(|key| format!("papers/{key}")));
    for id in sources {
        for (key, list) in mentions_in(site, &id) {
            mentions.entry(key).or_default().extend(list);
        }
    }
    mentions
}

/// The places in one body (analysis id `id`) that cite each paper, in reading order.
fn mentions_in(site: &Site, id: &str) -> BTreeMap<String, Vec<Mention>> {
    let mut mentions: BTreeMap<String, Vec<Mention>> = BTreeMap::new();
    let (Some(analysis), Some((title, path))) = (site.analyses.get(id), title_and_path(site, id))
    else {
        return mentions;
    };
    for citation in &analysis.citations {
        let heading = citation
            .anchor
            .as_ref()
            .and_then(|a| analysis.headings.iter().find(|h| &h.id == a))
            .map(|h| h.text.clone());
        let mention = Mention {
            source: id.to_string(),
            title: title.clone(),
            path: path.clone(),
            anchor: citation.anchor.clone(),
            heading,
            sentence: mention_parts(analysis, &citation.sentence),
        };
        let keys: BTreeSet<&String> = citation.keys.iter().map(|k| &k.key).collect();
        for key in keys {
            let list = mentions.entry(key.clone()).or_default();
            if list.last() != Some(&mention) {
                list.push(mention.clone());
            }
        }
    }
    mentions
}

/// Title and site-relative path of the page or paper with analysis id `id`.
fn title_and_path(site: &Site, id: &str) -> Option<(String, String)> {
    match id.strip_prefix("papers/") {
        Some(key) => (site.papers.get(key)).map(|p| (p.fields.title.clone(), p.path())),
        None => site.page(id).map(|p| (p.fields.title.clone(), p.path())),
    }
}

/// Where a body's mentions go in a paper's list: pages in reading order, then the
/// notes of papers by key (the order [`mentions`] visits them).
fn reading_order<'a>(site: &Site, id: &'a str) -> (usize, &'a str) {
    match id.strip_prefix("papers/") {
        Some(key) => (usize::MAX, key),
        None => (site.pages.iter().position(|p| p.id == id).unwrap_or(0), ""),
    }
}

/// Keys a body cites.
pub fn cited_keys(analysis: &Analysis) -> BTreeSet<String> {
    (analysis.citations.iter())
        .flat_map(|c| c.keys.iter().map(|k| k.key.clone()))
        .collect()
}

/// Replaces the analysis of one body (`id`) by `analysis`, whose headings must be the
/// old ones, and brings the reference graph up to date: the body's reference list, and
/// the mentions and related papers of every paper it cited before or cites now. Then
/// the site equals a fresh assembly of the same files (`serve` patches edits with it).
pub fn replace_analysis(site: &mut Site, id: &str, analysis: Analysis) {
    let old = site.analyses.insert(id.to_string(), analysis);
    let mut touched = cited_keys(&site.analyses[id]);
    touched.extend(old.as_ref().map(cited_keys).unwrap_or_default());
    for key in &touched {
        if let Some(list) = site.mentions.get_mut(key) {
            list.retain(|mention| mention.source != id);
            if list.is_empty() {
                site.mentions.remove(key);
            }
        }
    }
    let order = reading_order(site, id);
    for (key, fresh) in mentions_in(site, id) {
        let list = site.mentions.get(&key).map_or(&[][..], Vec::as_slice);
        let at = list.partition_point(|m| reading_order(site, &m.source) < order);
        site.mentions.entry(key).or_default().splice(at..at, fresh);
    }
    let keys = reference_keys(site, &site.analyses[id]);
    site.references.insert(id.to_string(), keys);
    let related = related_of(site, Some(&touched));
    site.related.extend(related);
}

fn mention_parts(analysis: &Analysis, sentence: &[Segment]) -> Vec<MentionPart> {
    sentence
        .iter()
        .map(|segment| match segment {
            Segment::Text(text) => MentionPart::Text(text.clone()),
            Segment::Cite(index) => {
                let citation = &analysis.citations[*index];
                MentionPart::Cite {
                    keys: citation.keys.iter().map(|k| k.key.clone()).collect(),
                    in_text: citation.in_text,
                }
            }
        })
        .collect()
}

/// Papers cited per page, in the order of the style's reference list.
fn references(site: &Site) -> BTreeMap<String, Vec<String>> {
    (site.analyses.iter())
        .map(|(id, analysis)| (id.clone(), reference_keys(site, analysis)))
        .collect()
}

/// The papers one body cites, in the order of the style's reference list.
fn reference_keys(site: &Site, analysis: &Analysis) -> Vec<String> {
    let mut keys: Vec<String> = analysis
        .citations
        .iter()
        .flat_map(|c| c.keys.iter().map(|k| k.key.clone()))
        .collect();
    keys.sort_by_key(|key| (site.bibliography.rank(key), key.clone()));
    keys.dedup();
    keys
}

fn topic_papers(site: &Site) -> BTreeMap<String, Vec<String>> {
    let mut by_topic: BTreeMap<String, Vec<String>> = site
        .topics
        .iter()
        .map(|t| (t.id.clone(), Vec::new()))
        .collect();
    for paper in site.papers.values() {
        for topic in &paper.fields.topics {
            by_topic
                .entry(topic.clone())
                .or_default()
                .push(paper.key.clone());
        }
    }
    let order = site.newest_first_order();
    for keys in by_topic.values_mut() {
        order.sort(keys);
        keys.dedup();
    }
    by_topic
}

/// Papers cited in the same paragraph most often; ties (and a short list) are settled
/// by shared topics. Candidates come from co-citations and from a topic -> papers index,
/// never from all pairs of papers, so the pass stays near-linear (10 000 papers took
/// seconds when every pair was scored).
fn related(site: &Site) -> BTreeMap<String, Vec<String>> {
    related_of(site, None)
}

/// [`related`] for the papers in `only` (all papers for `None`).
fn related_of(site: &Site, only: Option<&BTreeSet<String>>) -> BTreeMap<String, Vec<String>> {
    let together = co_citations(site, only);
    let by_topic = papers_by_topic(site);
    (site.papers.keys())
        .filter(|key| only.is_none_or(|keys| keys.contains(*key)))
        .map(|key| {
            let cited_with = together.get(key.as_str());
            (key.clone(), related_to(site, key, cited_with, &by_topic))
        })
        .collect()
}

/// Paper key -> key cited in the same paragraph -> in how many paragraphs; for the
/// papers in `only` (all for `None`), skipping bodies that cite none of them.
fn co_citations<'a>(
    site: &'a Site,
    only: Option<&BTreeSet<String>>,
) -> BTreeMap<&'a str, BTreeMap<&'a str, usize>> {
    let wanted = |key: &str| only.is_none_or(|keys| keys.contains(key));
    let mut together: BTreeMap<&str, BTreeMap<&str, usize>> = BTreeMap::new();
    for analysis in site.analyses.values() {
        let mut cited = analysis.citations.iter().flat_map(|c| &c.keys);
        if only.is_some() && !cited.any(|k| wanted(&k.key)) {
            continue;
        }
        let mut blocks: BTreeMap<usize, BTreeSet<&str>> = BTreeMap::new();
        for citation in &analysis.citations {
            blocks
                .entry(citation.block)
                .or_default()
                .extend(citation.keys.iter().map(|k| k.key.as_str()));
        }
        for keys in blocks.values() {
            for a in keys.iter().filter(|a| wanted(a)) {
                for b in keys.iter().filter(|b| *b != a) {
                    *together.entry(a).or_default().entry(b).or_default() += 1;
                }
            }
        }
    }
    together
}

/// Topic id -> keys of the papers listing it, sorted; a paper listing a topic twice
/// appears twice, so counting occurrences counts shared topics the way a paper lists them.
fn papers_by_topic(site: &Site) -> BTreeMap<&str, Vec<&str>> {
    let mut by_topic: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for paper in site.papers.values() {
        for topic in &paper.fields.topics {
            by_topic.entry(topic).or_default().push(&paper.key);
        }
    }
    by_topic
}

/// Ranks by co-citations, then shared topics, then key. Papers that only share topics
/// compete for the places the co-cited ones leave, so only the best few are kept.
fn related_to(
    site: &Site,
    key: &str,
    cited_with: Option<&BTreeMap<&str, usize>>,
    by_topic: &BTreeMap<&str, Vec<&str>>,
) -> Vec<String> {
    let topics: BTreeSet<&str> = site.papers[key]
        .fields
        .topics
        .iter()
        .map(String::as_str)
        .collect();
    let shared = |other: &str| {
        (site.papers.get(other).into_iter())
            .flat_map(|paper| &paper.fields.topics)
            .filter(|t| topics.contains(t.as_str()))
            .count()
    };
    let mut scored: Vec<(usize, usize, &str)> = cited_with
        .into_iter()
        .flatten()
        .map(|(other, count)| (*count, shared(other), *other))
        .collect();
    let lists: Vec<&[&str]> = topics
        .iter()
        .filter_map(|topic| by_topic.get(topic).map(Vec::as_slice))
        .collect();
    let mut best: Vec<(usize, usize, &str)> = Vec::with_capacity(RELATED_COUNT + 1);
    for (other, shared) in occurrence_counts(&lists) {
        let co_cited = cited_with.is_some_and(|c| c.contains_key(other));
        if other != key && !co_cited {
            keep_best(&mut best, (0, shared, other));
        }
    }
    scored.extend(best);
    scored.sort_by(related_order);
    scored
        .into_iter()
        .take(RELATED_COUNT)
        .map(|(_, _, other)| other.to_string())
        .collect()
}

/// More co-citations first, then more shared topics, then by key.
fn related_order(a: &(usize, usize, &str), b: &(usize, usize, &str)) -> std::cmp::Ordering {
    b.0.cmp(&a.0).then(b.1.cmp(&a.1)).then(a.2.cmp(b.2))
}

/// Inserts `candidate` into `best` (sorted by [`related_order`]) if it ranks among
/// the first [`RELATED_COUNT`].
fn keep_best<'a>(best: &mut Vec<(usize, usize, &'a str)>, candidate: (usize, usize, &'a str)) {
    let at = best.partition_point(|kept| related_order(kept, &candidate).is_lt());
    if at < RELATED_COUNT {
        best.insert(at, candidate);
        best.truncate(RELATED_COUNT);
    }
}

/// Each key of the sorted `lists` with how many times it occurs across them, by key.
fn occurrence_counts<'a>(lists: &[&[&'a str]]) -> Vec<(&'a str, usize)> {
    let mut all: Vec<&str> = lists.iter().flat_map(|list| list.iter().copied()).collect();
    if lists.len() > 1 {
        all.sort_unstable();
    }
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for key in all {
        match counts.last_mut() {
            Some((last, count)) if *last == key => *count += 1,
            _ => counts.push((key, 1)),
        }
    }
    counts
}

/// Warnings: a paper neither cited nor filed under a topic; a chapter without prose.
fn warn_orphans(site: &Site, texts: &BTreeMap<&Path, &str>, diagnostics: &mut Diagnostics) {
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
