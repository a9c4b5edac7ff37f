//! The theme: Tera templates and static files. A built-in theme (the repository's
//! own `templates/` and `static/`, compiled in) is the fallback, so a new survey only
//! needs `content/` and `site.yaml`; files a site provides replace built-in ones by name.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::load::{SourceFile, StaticFile};

const BUILTIN_TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../../templates/base.html")),
    ("nav.html", include_str!("../../templates/nav.html")),
    ("home.html", include_str!("../../templates/home.html")),
    ("page.html", include_str!("../../templates/page.html")),
    ("paper.html", include_str!("../../templates/paper.html")),
    ("papers.html", include_str!("../../templates/papers.html")),
    (
        "paper_row.html",
        include_str!("../../templates/paper_row.html"),
    ),
    ("404.html", include_str!("../../templates/404.html")),
    (
        "references.html",
        include_str!("../../templates/references.html"),
    ),
    (
        "bibtex_copy.html",
        include_str!("../../templates/bibtex_copy.html"),
    ),
    (
        "paper_list.html",
        include_str!("../../templates/paper_list.html"),
    ),
    (
        "paper_item.html",
        include_str!("../../templates/paper_item.html"),
    ),
    ("listing.html", include_str!("../../templates/listing.html")),
    (
        "listing_index.html",
        include_str!("../../templates/listing_index.html"),
    ),
    ("search.html", include_str!("../../templates/search.html")),
    (
        "web_meta.html",
        include_str!("../../templates/web_meta.html"),
    ),
];

const BUILTIN_STATICS: &[(&str, &[u8])] = &[
    ("style.css", include_bytes!("../../static/style.css")),
    ("survey.js", include_bytes!("../../static/survey.js")),
    ("search.js", include_bytes!("../../static/search.js")),
    ("favicon.svg", include_bytes!("../../static/favicon.svg")),
];

/// Built-in templates overridden by the site's, parsed by Tera.
pub fn load(user: &[SourceFile], diagnostics: &mut Diagnostics) -> Option<tera::Tera> {
    let mut sources: BTreeMap<String, (String, String)> = BUILTIN_TEMPLATES
        .iter()
        .map(|(name, text)| {
            (
                name.to_string(),
                (format!("(built-in) templates/{name}"), text.to_string()),
            )
        })
        .collect();
    for file in user {
        let name = file
            .path
            .strip_prefix("templates")
            .unwrap_or(&file.path)
            .to_string_lossy()
            .replace('\\', "/");
        sources.insert(
            name,
            (file.path.to_string_lossy().into_owned(), file.text.clone()),
        );
    }
    let mut tera = tera::Tera::default();
    tera.autoescape_on([".html", ".xml"]);
    tera.set_escape_fn(crate::html::write_escaped);
    let templates: Vec<(&str, &str)> = sources
        .iter()
        .map(|(name, (_, text))| (name.as_str(), text.as_str()))
        .collect();
    match tera.add_raw_templates(templates) {
        Ok(()) => Some(tera),
        Err(error) => {
            diagnostics.push(
                Diagnostic::error("templates", format!("cannot parse the templates: {}", full_error(&error)))
                    .help("fix the template syntax (Tera 2: {{ value }}, {% if %}, {% for %}, {% block %})"),
            );
            None
        }
    }
}

/// A Tera error with its chain of causes, which hold the useful detail.
pub fn full_error(error: &tera::Error) -> String {
    let mut message = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        message.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    message
}

/// Built-in static files overridden and extended by the site's `static/`.
pub fn statics(user: &[StaticFile]) -> Vec<StaticFile> {
    let mut files: BTreeMap<PathBuf, Vec<u8>> = BUILTIN_STATICS
        .iter()
        .map(|(name, bytes)| (PathBuf::from(name), bytes.to_vec()))
        .collect();
    for file in user {
        files.insert(file.path.clone(), file.bytes.clone());
    }
    files
        .into_iter()
        .map(|(path, bytes)| StaticFile { path, bytes })
        .collect()
}
