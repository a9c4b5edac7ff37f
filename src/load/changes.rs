//! What a changed path means for the site ([`classify`]): the one rule, shared by
//! the watcher and the engine, of which files the site is made of.
//!
//! Invariant: `classify` agrees with what [`super::load`] reads (hidden files and
//! folders never matter, `content/` only through `.md` files, everything under
//! `templates/` and `static/`, and `site.yaml`).

use std::path::{Component, Path};

use crate::paths;

/// What a changed path means for the site.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    /// `site.yaml`.
    Config,
    /// A Markdown file under `content/`, or a folder there.
    Content,
    /// Anything under `templates/`.
    Template,
    /// A stylesheet under `static/` (the browser can swap it without reloading).
    Stylesheet,
    /// Any other file under `static/`, or a folder there.
    Static,
    /// The site root itself: everything may have changed.
    Everything,
    /// Not part of the site (editor backups, hidden files, `public/`, ...).
    Ignored,
}

/// Classifies a path relative to the site root.
pub fn classify(path: &Path) -> ChangeKind {
    let parts: Vec<&str> = match normal_parts(path) {
        Some(parts) => parts,
        None => return ChangeKind::Ignored,
    };
    if parts.iter().any(|part| part.starts_with('.')) {
        return ChangeKind::Ignored;
    }
    let extension = (parts.len() > 1)
        .then(|| path.extension().and_then(|e| e.to_str()))
        .flatten();
    match (parts.first().copied(), parts.len()) {
        (None, _) => ChangeKind::Everything,
        (Some(paths::CONFIG_FILE), 1) => ChangeKind::Config,
        (Some(paths::CONTENT_DIR), _) => match extension {
            None | Some("md") => ChangeKind::Content,
            Some(_) => ChangeKind::Ignored,
        },
        (Some(paths::TEMPLATES_DIR), _) => ChangeKind::Template,
        (Some(paths::STATIC_DIR), _) if extension == Some("css") => ChangeKind::Stylesheet,
        (Some(paths::STATIC_DIR), _) => ChangeKind::Static,
        _ => ChangeKind::Ignored,
    }
}

/// The components of a relative path as text; `None` for anything that is not a
/// plain relative path (absolute, `..`, non-UTF-8).
fn normal_parts(path: &Path) -> Option<Vec<&str>> {
    path.components()
        .filter(|c| !matches!(c, Component::CurDir))
        .map(|c| match c {
            Component::Normal(part) => part.to_str(),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(path: &str) -> ChangeKind {
        classify(Path::new(path))
    }

    #[test]
    fn content_matters_only_through_markdown_and_folders() {
        assert_eq!(kind("content/papers/x.md"), ChangeKind::Content);
        assert_eq!(kind("content/data"), ChangeKind::Content);
        assert_eq!(kind("content"), ChangeKind::Content);
        assert_eq!(kind("content/papers/x.md~"), ChangeKind::Ignored);
        assert_eq!(kind("content/papers/x.png"), ChangeKind::Ignored);
    }

    #[test]
    fn hidden_files_and_folders_never_matter() {
        assert_eq!(kind("content/papers/.x.md.swp"), ChangeKind::Ignored);
        assert_eq!(kind("content/.drafts/x.md"), ChangeKind::Ignored);
        assert_eq!(kind(".git/index"), ChangeKind::Ignored);
    }

    #[test]
    fn theme_files_and_config_are_recognised() {
        assert_eq!(kind("site.yaml"), ChangeKind::Config);
        assert_eq!(kind("templates/base.html"), ChangeKind::Template);
        assert_eq!(kind("static/style.css"), ChangeKind::Stylesheet);
        assert_eq!(kind("static/fonts/a.woff2"), ChangeKind::Static);
        assert_eq!(kind("static"), ChangeKind::Static);
    }

    #[test]
    fn paths_outside_the_site_are_ignored() {
        assert_eq!(kind("public/index.html"), ChangeKind::Ignored);
        assert_eq!(kind("target/debug/survey"), ChangeKind::Ignored);
        assert_eq!(kind("README.md"), ChangeKind::Ignored);
        assert_eq!(kind("content/site.yaml/../x"), ChangeKind::Ignored);
        assert_eq!(kind("/etc/passwd"), ChangeKind::Ignored);
        assert_eq!(kind("docs/site.yaml"), ChangeKind::Ignored);
    }

    #[test]
    fn the_root_itself_means_everything() {
        assert_eq!(kind(""), ChangeKind::Everything);
        assert_eq!(kind("."), ChangeKind::Everything);
    }
}
