//! Writing new paper files: `survey new paper <key>` (a commented template) and
//! `survey import <file.bib>` (converted entries).
//!
//! Invariants: a paper file is only ever created, never overwritten (the file is
//! opened with `create_new`, so even a race cannot clobber one); what is written always
//! parses back into the same [`PaperFields`] (tested), and passes `survey check` apart
//! from the warning that the paper is not filed under a topic yet.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::assemble::duplicates;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::load::{self, SourceFile};
use crate::model::{Paper, PaperFields, is_valid_key};
use crate::parse::bibtex::Imported;
use crate::{parse::frontmatter, parse::validate};

/// What each field means, written above it in a new paper file.
const FIELD_HELP: &[(&str, &str)] = &[
    (
        "title",
        "Full title as printed on the paper, in double quotes.",
    ),
    (
        "authors",
        "Full names in author order, e.g. [Rafael Rafailov, Archit Sharma]; end with `others` if the list is incomplete.",
    ),
    (
        "year",
        "Year of first publication (the first arXiv version counts).",
    ),
    ("month", "Month of first publication, 1-12 (optional)."),
    (
        "venue",
        "Where it appeared, e.g. NeurIPS 2023, ACL 2023, arXiv (optional).",
    ),
    (
        "arxiv",
        "arXiv id in quotes, without the URL, e.g. \"2305.18290\" (optional).",
    ),
    (
        "doi",
        "DOI without https://doi.org/, e.g. 10.18653/v1/2023.acl-long.754 (optional).",
    ),
    (
        "url",
        "The paper's page, a full https:// address (optional).",
    ),
    (
        "code",
        "The code repository, a full https:// address (optional).",
    ),
    (
        "topics",
        "Topic ids from the survey's tree, e.g. [training/offline/rank-based]; `survey new paper` lists them.",
    ),
    ("added", "The date the paper joined the survey, YYYY-MM-DD."),
];

/// The file for `fields`. With `commented`, every field is present (empty optional
/// ones as bare `field:`, which YAML reads as "not set") under a comment saying what
/// it holds; without, only set fields are written, as in the rest of content/.
pub fn paper_file(fields: &PaperFields, commented: bool) -> String {
    let mut out = String::from("---\n");
    for (name, help) in FIELD_HELP {
        let value = field_value(fields, name);
        if value.is_none() && !commented {
            continue;
        }
        if commented {
            let _ = writeln!(out, "# {help}");
        }
        match value {
            Some(value) => {
                let _ = writeln!(out, "{name}: {value}");
            }
            None => {
                let _ = writeln!(out, "{name}:");
            }
        }
    }
    out.push_str("---\n");
    if commented {
        out.push('\n');
    }
    out
}

/// The YAML text of one field, or `None` when it is not set.
fn field_value(fields: &PaperFields, name: &str) -> Option<String> {
    let text = |value: &Option<String>| value.as_deref().map(quote);
    match name {
        "title" => Some(quote(&fields.title)),
        "authors" => Some(list(&fields.authors)),
        "year" => Some(fields.year.to_string()),
        "month" => fields.month.map(|m| m.to_string()),
        "venue" => text(&fields.venue),
        "arxiv" => text(&fields.arxiv),
        "doi" => text(&fields.doi),
        "url" => fields.url.as_deref().map(url),
        "code" => fields.code.as_deref().map(url),
        "topics" => Some(list(&fields.topics)),
        "added" => fields.added.clone(),
        _ => None,
    }
}

/// A YAML double-quoted scalar (JSON string syntax is valid YAML).
fn quote(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| format!("\"{}\"", text.replace('"', "'")))
}

/// URLs stay bare as in the rest of content/, unless YAML could misread them.
fn url(value: &str) -> String {
    if validate::is_http_url(value) && !value.contains(" #") {
        value.to_string()
    } else {
        quote(value)
    }
}

fn list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|item| quote(item)).collect();
    format!("[{}]", quoted.join(", "))
}

/// Today's date as YYYY-MM-DD (UTC), for `added:`.
pub fn today() -> String {
    let (year, month, day) = validate::today();
    format!("{year:04}-{month:02}-{day:02}")
}

/// The front-matter `survey new paper` starts from: a placeholder title the check
/// warns about until it is replaced, this year, today's date, every other field empty.
pub fn template_fields() -> PaperFields {
    PaperFields {
        added: Some(today()),
        ..PaperFields::new(
            format!("{}: full title of the paper", validate::PLACEHOLDER),
            validate::current_year(),
        )
    }
}

/// Why a key cannot be used for a new file, if it cannot.
pub fn key_problem(key: &str) -> Option<String> {
    (!is_valid_key(key)).then(|| {
        format!("`{key}` is not a valid citation key: use lowercase letters a-z, digits, `-` and `_`, starting with a letter or digit, e.g. rafailov2023direct")
    })
}

/// Creates `root/content/papers/<key>.md` with `text`, refusing to replace a file.
pub fn create_paper(root: &Path, key: &str, text: &str) -> Result<PathBuf> {
    let relative = Path::new(crate::paths::PAPERS_DIR).join(format!("{key}.md"));
    let path = root.join(&relative);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .with_context(|| format!("cannot create {}", relative.display()))?;
    file.write_all(text.as_bytes())
        .with_context(|| format!("cannot write {}", relative.display()))?;
    Ok(relative)
}

/// The papers already in the site, read leniently: a file that does not parse is
/// skipped here (`survey check` reports it), so import works on a site with problems.
pub fn existing_papers(root: &Path) -> Vec<Paper> {
    let mut ignored = Diagnostics::default();
    let sources = load::load(root, &mut ignored);
    sources
        .content
        .iter()
        .filter(|file| file.path.starts_with(crate::paths::PAPERS_DIR))
        .filter_map(parse_paper)
        .collect()
}

fn parse_paper(file: &SourceFile) -> Option<Paper> {
    let split = frontmatter::split(file).ok()?;
    let fields: PaperFields = frontmatter::parse(file, &split).ok()?;
    Some(Paper {
        key: file.path.file_stem()?.to_string_lossy().into_owned(),
        source: file.path.clone(),
        fields,
        body: split.body.to_string(),
        body_offset: split.body_offset,
    })
}

/// Decides, for each converted entry, whether it may be written: not when its key is
/// taken or when it is the same work as an existing paper or an earlier entry.
pub fn screen(
    bib_path: &Path,
    entries: Vec<Imported>,
    existing: &[Paper],
) -> (Vec<Imported>, Vec<Diagnostic>) {
    let mut accepted: Vec<Imported> = Vec::new();
    let mut refused = Vec::new();
    for entry in entries {
        match refusal(&entry, existing, &accepted) {
            Some(reason) => refused.push(
                Diagnostic::error(
                    bib_path,
                    format!("entry `{}` is not imported: {}", entry.bib_key, reason.0),
                )
                .at(entry.position)
                .span(entry.bib_key.chars().count())
                .help(reason.1),
            ),
            None => accepted.push(entry),
        }
    }
    (accepted, refused)
}

/// The reason an entry is refused and the help, if it is.
fn refusal(
    entry: &Imported,
    existing: &[Paper],
    accepted: &[Imported],
) -> Option<(String, String)> {
    if let Some((paper, identity)) = duplicates::find_existing(&entry.fields, existing) {
        return Some((
            format!(
                "it duplicates {} (same {})",
                paper.source.display(),
                identity.what
            ),
            format!("cite the existing paper as `@{}` instead", paper.key),
        ));
    }
    if let Some(path) = existing
        .iter()
        .map(|p| &p.source)
        .find(|p| p.file_stem().is_some_and(|s| s == entry.key.as_str()))
    {
        return Some((
            format!("{} already exists", path.display()),
            "give the entry another key in the .bib file".into(),
        ));
    }
    let earlier = accepted.iter().find(|other| {
        other.key == entry.key
            || duplicates::identities(&other.fields)
                .iter()
                .any(|i| duplicates::identities(&entry.fields).contains(i))
    })?;
    Some((
        format!("it repeats entry `{}` of the same file", earlier.bib_key),
        "remove one of the two entries".into(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_template_parses_back_and_mentions_every_field() {
        let text = paper_file(&template_fields(), true);
        for name in frontmatter::field_names::<PaperFields>() {
            assert!(
                text.contains(&format!("\n{name}:")),
                "{name} missing in\n{text}"
            );
        }
        let file = SourceFile {
            path: "content/papers/x.md".into(),
            text,
        };
        let split = frontmatter::split(&file).unwrap();
        let parsed: PaperFields = frontmatter::parse(&file, &split).unwrap();
        assert_eq!(parsed, template_fields());
    }

    #[test]
    fn written_fields_parse_back_unchanged() {
        let mut fields = template_fields();
        fields.title = "A \"quoted\" title: with colon # and hash".into();
        fields.authors = vec!["Andreas Köpf".into(), "others".into()];
        fields.arxiv = Some("2304.07327".into());
        fields.url = Some("https://arxiv.org/abs/2304.07327".into());
        let file = SourceFile {
            path: "content/papers/x.md".into(),
            text: paper_file(&fields, false),
        };
        let split = frontmatter::split(&file).unwrap();
        let parsed: PaperFields = frontmatter::parse(&file, &split).unwrap();
        assert_eq!(parsed, fields);
        assert!(
            !file.text.contains("doi:"),
            "unset fields are left out: {}",
            file.text
        );
    }

    #[test]
    fn never_overwrites_a_paper() {
        let root = tempfile::tempdir().unwrap();
        create_paper(root.path(), "a", "one").unwrap();
        assert!(create_paper(root.path(), "a", "two").is_err());
        assert_eq!(
            std::fs::read_to_string(root.path().join("content/papers/a.md")).unwrap(),
            "one"
        );
    }
}
