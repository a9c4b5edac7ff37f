//! The site's source files in memory, kept equal to what [`load::load`] reads.
//!
//! Invariant: after [`LiveFiles::refresh`] has been called with every root-relative
//! path that changed on disk (a file or a folder; created, modified, renamed or
//! deleted), [`LiveFiles::sources`] and [`LiveFiles::diagnostics`] equal those of a
//! fresh `load::load` of the same root. Only the refreshed paths are read again.
//! Every content file also carries a hash of its text, so callers can tell an edited
//! file from one an editor merely touched.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::load::changes::{ChangeKind, classify};
use crate::load::{self, SourceFile, Sources, StaticFile};

pub struct LiveFiles {
    root: PathBuf,
    sources: Sources,
    /// Problems reading files, each naming the path it concerns.
    problems: Vec<Diagnostic>,
    /// Hash of each content file's text, by root-relative path.
    hashes: HashMap<PathBuf, u64>,
}

/// A hash of `text` ([`crate::hash::hash_of`]).
pub fn text_hash(text: &str) -> u64 {
    crate::hash::hash_of(&text)
}

/// Hashes of one content file: all of it, and its front-matter alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FileHashes {
    pub text: u64,
    pub front: u64,
}

impl FileHashes {
    /// `body_offset` is where the Markdown body starts (0 without front-matter).
    pub fn of(text: &str, body_offset: usize) -> Self {
        let front = text.get(..body_offset).unwrap_or(text);
        FileHashes {
            text: crate::hash::hash_of(&text),
            front: crate::hash::hash_of(&("front", front)),
        }
    }
}

impl LiveFiles {
    /// Reads everything under `root`, as `load::load` does.
    pub fn load(root: &Path) -> Self {
        let mut files = LiveFiles {
            root: root.to_path_buf(),
            sources: Sources::default(),
            problems: Vec::new(),
            hashes: HashMap::new(),
        };
        files.reload();
        files
    }

    /// Reads everything again (after the watcher lost events).
    pub fn reload(&mut self) {
        let mut diagnostics = Diagnostics::default();
        self.sources = load::load(&self.root, &mut diagnostics);
        self.problems = diagnostics.sorted();
        self.hashes = self
            .sources
            .content
            .iter()
            .map(|file| (file.path.clone(), text_hash(&file.text)))
            .collect();
    }

    /// The files as read, given up.
    pub fn take_sources(&mut self) -> Sources {
        std::mem::take(&mut self.sources)
    }

    pub fn sources(&self) -> &Sources {
        &self.sources
    }

    pub fn hash_of(&self, path: &Path) -> Option<u64> {
        self.hashes.get(path).copied()
    }

    /// The content file at `path` (root-relative), if there is one. The files are kept
    /// in path order ([`insert_sorted`], and the walk of `load::load`).
    pub fn content_file(&self, path: &Path) -> Option<&SourceFile> {
        let content = &self.sources.content;
        let index = content
            .binary_search_by(|file| file.path.as_path().cmp(path))
            .ok()?;
        Some(&content[index])
    }

    /// Whether reading the files reported any problem.
    pub fn has_problems(&self) -> bool {
        !self.problems.is_empty()
    }

    /// The problems `load::load` would report now.
    pub fn diagnostics(&self) -> Diagnostics {
        let mut diagnostics = Diagnostics::default();
        for problem in &self.problems {
            diagnostics.push(problem.clone());
        }
        diagnostics
    }

    /// Re-reads `path` (relative to the root): a file, or a whole folder. Returns
    /// whether anything the pipeline sees changed.
    pub fn refresh(&mut self, path: &Path) -> bool {
        match classify(path) {
            ChangeKind::Ignored => false,
            ChangeKind::Everything => {
                self.reload();
                true
            }
            ChangeKind::Config => self.refresh_config(),
            ChangeKind::Content => self.refresh_content(path),
            ChangeKind::Template => self.refresh_templates(path),
            ChangeKind::Stylesheet | ChangeKind::Static => self.refresh_statics(path),
        }
    }

    fn refresh_config(&mut self) -> bool {
        let mut diagnostics = Diagnostics::default();
        let config = load::load_config(&self.root, &mut diagnostics);
        let problems = self.replace_problems(Path::new(crate::paths::CONFIG_FILE), diagnostics);
        let changed = config != self.sources.config;
        self.sources.config = config;
        changed || problems
    }

    fn refresh_content(&mut self, path: &Path) -> bool {
        let mut diagnostics = Diagnostics::default();
        let fresh: Vec<SourceFile> = self
            .files_under(path, &mut diagnostics)
            .into_iter()
            .filter(|p| p.extension().is_some_and(|ext| ext == "md"))
            .filter_map(|p| load::read_text(&self.root, &p, &mut diagnostics))
            .collect();
        let problems = self.replace_problems(path, diagnostics);
        let old = take_under(&mut self.sources.content, path, |f| &f.path);
        self.hashes.retain(|p, _| !p.starts_with(path));
        for file in &fresh {
            self.hashes.insert(file.path.clone(), text_hash(&file.text));
        }
        let changed = old != fresh;
        insert_sorted(&mut self.sources.content, fresh, |f| f.path.clone());
        changed || problems
    }

    fn refresh_templates(&mut self, path: &Path) -> bool {
        let mut diagnostics = Diagnostics::default();
        let fresh: Vec<SourceFile> = self
            .files_under(path, &mut diagnostics)
            .into_iter()
            .filter_map(|p| load::read_text(&self.root, &p, &mut diagnostics))
            .collect();
        let problems = self.replace_problems(path, diagnostics);
        let old = take_under(&mut self.sources.templates, path, |f| &f.path);
        let changed = old != fresh;
        insert_sorted(&mut self.sources.templates, fresh, |f| f.path.clone());
        changed || problems
    }

    fn refresh_statics(&mut self, path: &Path) -> bool {
        let mut diagnostics = Diagnostics::default();
        let fresh: Vec<StaticFile> = self
            .files_under(path, &mut diagnostics)
            .into_iter()
            .filter_map(|p| load::read_static(&self.root, &p, &mut diagnostics))
            .collect();
        let problems = self.replace_problems(path, diagnostics);
        let inside_static = path.strip_prefix("static").unwrap_or(path).to_path_buf();
        let old = take_under(&mut self.sources.statics, &inside_static, |f| &f.path);
        let changed = old != fresh;
        insert_sorted(&mut self.sources.statics, fresh, |f| f.path.clone());
        changed || problems
    }

    /// The files `load::load` would find at `path`: the path itself if it is a
    /// regular file, every file below it if it is a folder, nothing if it is gone.
    /// Below a watched folder, symbolic links are skipped, as `load` skips them.
    fn files_under(&self, path: &Path, diagnostics: &mut Diagnostics) -> Vec<PathBuf> {
        let full = self.root.join(path);
        let is_top = path.components().count() == 1;
        let metadata = if is_top {
            std::fs::metadata(&full)
        } else {
            std::fs::symlink_metadata(&full)
        };
        match metadata {
            Ok(meta) if meta.is_dir() => load::walk(&self.root, path, diagnostics),
            Ok(meta) if meta.is_file() && !is_top => vec![path.to_path_buf()],
            _ => Vec::new(),
        }
    }

    /// Drops the problems reported under `path` and records `fresh` ones; returns
    /// whether the set changed.
    fn replace_problems(&mut self, path: &Path, fresh: Diagnostics) -> bool {
        let before = self.problems.len();
        self.problems
            .retain(|problem| !problem.path.starts_with(path));
        let fresh = fresh.sorted();
        let changed = before != self.problems.len() || !fresh.is_empty();
        self.problems.extend(fresh);
        changed
    }
}

/// Removes and returns the items whose path is `under` or below it, in order.
fn take_under<T>(items: &mut Vec<T>, under: &Path, path: impl Fn(&T) -> &PathBuf) -> Vec<T> {
    let mut taken = Vec::new();
    let mut kept = Vec::with_capacity(items.len());
    for item in items.drain(..) {
        if path(&item).starts_with(under) {
            taken.push(item);
        } else {
            kept.push(item);
        }
    }
    *items = kept;
    taken
}

/// Inserts `fresh` into `items`, keeping them sorted by path: the order of
/// `load::load`, whose walk sorts each folder's entries by name, depth first, which
/// is the component-wise order of `Path`.
fn insert_sorted<T>(items: &mut Vec<T>, fresh: Vec<T>, path: impl Fn(&T) -> PathBuf) {
    for item in fresh {
        let key = path(&item);
        let at = items.partition_point(|existing| path(existing) < key);
        items.insert(at, item);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(root: &Path, path: &str, text: &str) {
        let full = root.join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, text).unwrap();
    }

    fn assert_same_as_fresh_load(live: &LiveFiles, root: &Path) {
        let mut diagnostics = Diagnostics::default();
        let fresh = load::load(root, &mut diagnostics);
        assert_eq!(live.sources().config, fresh.config);
        assert_eq!(live.sources().content, fresh.content);
        assert_eq!(live.sources().templates, fresh.templates);
        assert_eq!(live.sources().statics, fresh.statics);
        assert_eq!(live.diagnostics().sorted(), diagnostics.sorted());
    }

    #[test]
    fn refreshing_changed_paths_matches_a_fresh_load() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(root, "site.yaml", "title: T\n");
        write(root, "content/a/x.md", "x");
        write(root, "content/a-b/y.md", "y");
        let mut live = LiveFiles::load(root);
        write(root, "content/a.md", "new");
        write(root, "content/a/z.md", "z");
        write(root, "static/s.css", "body{}");
        std::fs::remove_file(root.join("content/a-b/y.md")).unwrap();
        for path in [
            "content/a.md",
            "content/a/z.md",
            "static",
            "content/a-b/y.md",
        ] {
            assert!(live.refresh(Path::new(path)), "{path}");
        }
        assert_same_as_fresh_load(&live, root);
    }

    #[test]
    fn a_moved_folder_is_refreshed_from_both_ends() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(root, "site.yaml", "title: T\n");
        write(root, "content/old/x.md", "x");
        write(root, "templates/base.html", "b");
        let mut live = LiveFiles::load(root);
        std::fs::rename(root.join("content/old"), root.join("content/new")).unwrap();
        std::fs::remove_file(root.join("site.yaml")).unwrap();
        live.refresh(Path::new("content/old"));
        live.refresh(Path::new("content/new"));
        live.refresh(Path::new("site.yaml"));
        assert_same_as_fresh_load(&live, root);
        assert!(live.diagnostics().has_errors(), "site.yaml is missing");
    }

    #[test]
    fn touching_a_file_without_changing_it_is_no_change() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(root, "site.yaml", "title: T\n");
        write(root, "content/x.md", "x");
        let mut live = LiveFiles::load(root);
        write(root, "content/x.md", "x");
        assert!(!live.refresh(Path::new("content/x.md")));
        assert!(!live.refresh(Path::new("content/x.md~")));
        write(root, "content/x.md", "y");
        assert!(live.refresh(Path::new("content/x.md")));
        assert_eq!(
            live.hash_of(Path::new("content/x.md")),
            Some(text_hash("y"))
        );
    }
}
