//! Reading the site's files from disk, once.
//!
//! `load` is the only stage of the pipeline that reads the file system. It returns
//! every file as text (or bytes, for `static/`) with its path relative to the root,
//! sorted, so everything after it is deterministic and free of I/O.

pub mod changes;

use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use crate::diagnostics::{Diagnostic, Diagnostics, Position};

/// A text file of the site, with its path relative to the site root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    pub path: PathBuf,
    pub text: String,
}

/// A file under `static/`, copied to the output as is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaticFile {
    /// Path relative to `static/`.
    pub path: PathBuf,
    pub bytes: Vec<u8>,
}

/// Everything the pipeline needs, read from disk.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    pub config: Option<SourceFile>,
    pub content: Vec<SourceFile>,
    pub templates: Vec<SourceFile>,
    pub statics: Vec<StaticFile>,
    /// `README.md`, whose paper list `check` compares with the content.
    pub readme: Option<SourceFile>,
}

impl Sources {
    /// Text of a file by its root-relative path, for quoting lines in diagnostics.
    pub fn text_of(&self, path: &Path) -> Option<String> {
        self.config
            .iter()
            .chain(&self.content)
            .chain(&self.templates)
            .chain(&self.readme)
            .find(|file| file.path == path)
            .map(|file| file.text.clone())
    }
}

/// Reads `site.yaml`, `content/**.md`, `templates/**` and `static/**` under `root`.
/// Unreadable or non-UTF-8 files become diagnostics; missing folders are allowed
/// (templates fall back to the built-in theme).
pub fn load(root: &Path, diagnostics: &mut Diagnostics) -> Sources {
    let config = load_config(root, diagnostics);
    let content = walk(root, "content", diagnostics)
        .into_iter()
        .filter(|path| path.extension().is_some_and(|ext| ext == "md"))
        .filter_map(|path| read_text(root, &path, diagnostics))
        .collect();
    let templates = walk(root, "templates", diagnostics)
        .into_iter()
        .filter_map(|path| read_text(root, &path, diagnostics))
        .collect();
    let statics = walk(root, "static", diagnostics)
        .into_iter()
        .filter_map(|path| read_static(root, &path, diagnostics))
        .collect();
    let readme = read_text(root, Path::new(crate::paths::README_FILE), diagnostics);
    Sources {
        config,
        content,
        templates,
        statics,
        readme,
    }
}

/// Reads `site.yaml`; a missing one is an error that says what to write.
pub fn load_config(root: &Path, diagnostics: &mut Diagnostics) -> Option<SourceFile> {
    let config = read_text(root, Path::new(crate::paths::CONFIG_FILE), diagnostics);
    if config.is_none() && !root.join(crate::paths::CONFIG_FILE).exists() {
        diagnostics.push(
            Diagnostic::error(crate::paths::CONFIG_FILE, "site.yaml is missing").help(format!(
                "create {} with at least `title:` and `base_url:`",
                root.join(crate::paths::CONFIG_FILE).display()
            )),
        );
    }
    config
}

/// Root-relative paths of the regular files under `root/dir`, sorted; hidden files skipped.
/// Public so that `serve` can re-read one changed folder exactly as `load` reads it.
pub fn walk(root: &Path, dir: impl AsRef<Path>, diagnostics: &mut Diagnostics) -> Vec<PathBuf> {
    let base = root.join(dir);
    if !base.is_dir() {
        return Vec::new();
    }
    let mut paths = Vec::new();
    let entries = WalkDir::new(&base)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|entry| {
            entry.depth() == 0 || !entry.file_name().to_string_lossy().starts_with('.')
        });
    for entry in entries {
        match entry {
            Ok(entry) if entry.file_type().is_file() => {
                if let Ok(relative) = entry.path().strip_prefix(root) {
                    paths.push(relative.to_path_buf());
                }
            }
            Ok(_) => {}
            Err(error) => diagnostics.push(Diagnostic::error(
                error
                    .path()
                    .unwrap_or(&base)
                    .strip_prefix(root)
                    .unwrap_or(&base),
                format!("cannot read: {error}"),
            )),
        }
    }
    paths
}

/// Reads one text file (`path` relative to `root`); a vanished file is `None` without a diagnostic.
pub fn read_text(root: &Path, path: &Path, diagnostics: &mut Diagnostics) -> Option<SourceFile> {
    let bytes = match std::fs::read(root.join(path)) {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return None,
        Err(error) => {
            diagnostics.push(Diagnostic::error(
                path,
                format!("cannot read the file: {error}"),
            ));
            return None;
        }
    };
    match String::from_utf8(bytes) {
        Ok(text) => Some(SourceFile {
            path: path.to_path_buf(),
            // A byte-order mark is invisible in editors, so columns must not count it.
            text: text
                .strip_prefix('\u{feff}')
                .unwrap_or(&text)
                .replace("\r\n", "\n"),
        }),
        Err(error) => {
            let offset = error.utf8_error().valid_up_to();
            let valid = String::from_utf8_lossy(&error.as_bytes()[..offset]).into_owned();
            diagnostics.push(
                Diagnostic::error(path, "the file is not valid UTF-8")
                    .at(Position::of_offset(&valid, offset))
                    .help("save the file with UTF-8 encoding"),
            );
            None
        }
    }
}

/// Reads one file under `static/` (`path` relative to `root`).
pub fn read_static(root: &Path, path: &Path, diagnostics: &mut Diagnostics) -> Option<StaticFile> {
    match std::fs::read(root.join(path)) {
        Ok(bytes) => Some(StaticFile {
            path: path.strip_prefix("static").unwrap_or(path).to_path_buf(),
            bytes,
        }),
        Err(error) => {
            diagnostics.push(Diagnostic::error(
                path,
                format!("cannot read the file: {error}"),
            ));
            None
        }
    }
}
