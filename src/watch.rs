//! Watching the site's sources: which paths matter ([`classify`], pure) and a
//! debounced watcher thread that hands over batches of changed paths.
//!
//! Invariants: `classify` agrees with what [`crate::source::load`] reads (hidden
//! files and folders never matter, `content/` only through `.md` files, everything
//! under `templates/` and `static/`, and `site.yaml`); a batch is delivered once no
//! event has arrived for [`QUIET`] (or after [`MAX_WAIT`] of continuous events), so an
//! editor's save-burst (temporary file, rename, chmod) becomes one rebuild.

use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use notify::{RecursiveMode, Watcher as _};

/// How long the file system must stay quiet before a batch is delivered. An editor's
/// save (temporary file, rename, attributes) happens within a millisecond or two; a
/// longer pause only delays the preview.
pub const QUIET: Duration = Duration::from_millis(5);
/// The longest a batch waits while events keep arriving (a `git checkout`).
pub const MAX_WAIT: Duration = Duration::from_millis(250);

/// The folders (besides `site.yaml`) whose files make up the site.
pub const WATCHED_DIRS: [&str; 3] = ["content", "templates", "static"];

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
        (Some("site.yaml"), 1) => ChangeKind::Config,
        (Some("content"), _) => match extension {
            None | Some("md") => ChangeKind::Content,
            Some(_) => ChangeKind::Ignored,
        },
        (Some("templates"), _) => ChangeKind::Template,
        (Some("static"), _) if extension == Some("css") => ChangeKind::Stylesheet,
        (Some("static"), _) => ChangeKind::Static,
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

/// One debounced batch of changes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Batch {
    /// Changed paths relative to the site root, sorted, without repeats or ignored paths.
    pub paths: Vec<PathBuf>,
    /// The watcher lost events (queue overflow): re-read everything.
    pub rescan: bool,
}

impl Batch {
    pub fn is_empty(&self) -> bool {
        self.paths.is_empty() && !self.rescan
    }
}

/// A running file watcher on a site root; [`Watcher::run`] delivers its batches.
pub struct Watcher {
    root: PathBuf,
    watcher: notify::RecommendedWatcher,
    events: Events,
}

/// How often a waiting watcher checks whether it should stop.
const STOP_CHECK: Duration = Duration::from_millis(100);

impl Watcher {
    /// Starts watching `root` (canonical): the root itself for `site.yaml` and for
    /// folders created later, and `content/`, `templates/`, `static/` recursively.
    pub fn start(root: &Path) -> Result<Self> {
        let (sender, events) = mpsc::channel();
        let mut watcher =
            notify::recommended_watcher(sender).context("cannot start watching files")?;
        watcher
            .watch(root, RecursiveMode::NonRecursive)
            .with_context(|| format!("cannot watch {}", root.display()))?;
        for dir in WATCHED_DIRS {
            watch_dir(&mut watcher, root, dir);
        }
        Ok(Watcher {
            root: root.to_path_buf(),
            watcher,
            events,
        })
    }

    /// Calls `on_batch` for each debounced batch, on the calling thread, until `stop`
    /// is set or `on_batch` returns `false`.
    pub fn run(mut self, stop: &AtomicBool, mut on_batch: impl FnMut(Batch) -> bool) {
        while let Some(batch) = self.next_batch(stop) {
            if !batch.is_empty() && !on_batch(batch) {
                break;
            }
        }
    }

    /// Waits for an event, then collects until the file system is quiet. `None` when
    /// told to stop or when the watcher is gone.
    fn next_batch(&mut self, stop: &AtomicBool) -> Option<Batch> {
        let first = loop {
            if stop.load(Ordering::Relaxed) {
                return None;
            }
            match self.events.recv_timeout(STOP_CHECK) {
                Ok(event) => break event,
                Err(RecvTimeoutError::Timeout) => continue,
                Err(RecvTimeoutError::Disconnected) => return None,
            }
        };
        let started = Instant::now();
        let mut collector = Collector::default();
        collector.add(first, &self.root, &mut self.watcher);
        while started.elapsed() < MAX_WAIT {
            match self.events.recv_timeout(QUIET) {
                Ok(event) => collector.add(event, &self.root, &mut self.watcher),
                Err(_) => break,
            }
        }
        Some(collector.finish())
    }
}

/// Watches `root/dir` recursively if it exists (it may be created later).
fn watch_dir(watcher: &mut impl notify::Watcher, root: &Path, dir: &str) {
    let path = root.join(dir);
    if path.is_dir() {
        let _ = watcher.watch(&path, RecursiveMode::Recursive);
    }
}

type Events = Receiver<notify::Result<notify::Event>>;

#[derive(Default)]
struct Collector {
    paths: Vec<PathBuf>,
    rescan: bool,
}

impl Collector {
    fn add(
        &mut self,
        event: notify::Result<notify::Event>,
        root: &Path,
        watcher: &mut impl notify::Watcher,
    ) {
        let Ok(event) = event else {
            self.rescan = true;
            return;
        };
        self.rescan |= event.need_rescan();
        if matches!(event.kind, notify::EventKind::Access(_)) {
            // Reading a file (our own rebuild does) changes nothing.
            return;
        }
        for path in &event.paths {
            let Ok(relative) = path.strip_prefix(root) else {
                continue;
            };
            if let Some(dir) = WATCHED_DIRS.iter().find(|d| relative == Path::new(d)) {
                // A watched folder was created (or replaced) after we started.
                watch_dir(watcher, root, dir);
            }
            if classify(relative) != ChangeKind::Ignored {
                self.paths.push(relative.to_path_buf());
            }
        }
    }

    fn finish(mut self) -> Batch {
        self.paths.sort();
        self.paths.dedup();
        Batch {
            paths: self.paths,
            rescan: self.rescan,
        }
    }
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
