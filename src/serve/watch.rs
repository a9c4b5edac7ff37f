//! Watching the site's sources: a debounced watcher thread that hands over batches of
//! changed paths, those that [`classify`] says matter.
//!
//! Invariant: a batch is delivered once no
//! event has arrived for [`QUIET`] (or after [`MAX_WAIT`] of continuous events), so an
//! editor's save-burst (temporary file, rename, chmod) becomes one rebuild.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use notify::{RecursiveMode, Watcher as _};

use crate::load::changes::{ChangeKind, classify};
use crate::paths;

/// How long the file system must stay quiet before a batch is delivered. An editor's
/// save (temporary file, rename, attributes) happens within a millisecond or two; a
/// longer pause only delays the preview.
pub const QUIET: Duration = Duration::from_millis(5);
/// The longest a batch waits while events keep arriving (a `git checkout`).
pub const MAX_WAIT: Duration = Duration::from_millis(250);

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
        for dir in paths::SOURCE_DIRS {
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
            if let Some(dir) = paths::SOURCE_DIRS.iter().find(|d| relative == Path::new(d)) {
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
