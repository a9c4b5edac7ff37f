//! One content file -> a page, a paper or a topic list: what kind of file it is from
//! its path, its front-matter checked against the file layout, and its body analysed.
//! [`parse_file`] depends on that file alone (and the set of chapter folders), so the
//! engine keeps its result until the file's text changes.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::diagnostics::{Diagnostic, Diagnostics, Position, suggest};
use crate::load::SourceFile;
use crate::model::{Page, PageFields, PageKind, Paper, PaperFields, Topic, is_valid_key};
use crate::parse::markdown::Analysis;
use crate::parse::{frontmatter, markdown, validate};

/// Chapter names that would collide with generated pages.
const RESERVED: &[&str] = &[
    "papers", "authors", "years", "venues", "search", "pagefind", "static", "assets", "topics",
];

/// What one content file contributes, computed from that file alone (its path and
/// text) and the set of chapter folders: the unit that `serve` caches between rebuilds.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Parsed {
    pub entity: Option<Entity>,
    /// Analysis of the entity's Markdown body (empty without an entity).
    pub analysis: Analysis,
    pub diagnostics: Diagnostics,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
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
pub(super) const FILE_START: Position = Position { line: 1, column: 1 };

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
pub(super) fn collect_entities(
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

/// Home first, then chapters by weight, each followed by its sections by weight.
pub(super) fn order_pages(pages: &mut [Page]) {
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

pub(super) fn build_topics(
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
