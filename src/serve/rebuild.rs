//! The watcher thread's work: rebuild after each batch of changes, publish the new
//! snapshot, and index it for search off the rebuild path.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use super::watch::Batch;

use crate::engine::{LiveBuild, Rebuild, SiteFiles};
use crate::load::changes::{ChangeKind, classify};

use super::report::Reporter;
use super::{Shared, Snapshot, watch};

/// The watcher thread: rebuilds after each batch and publishes the result.
pub(super) struct Rebuilder {
    pub(super) live: LiveBuild,
    pub(super) shared: Arc<Shared>,
    pub(super) reporter: Reporter,
    pub(super) indexer: Option<SearchIndexer>,
}

impl Rebuilder {
    pub(super) fn run(mut self, watcher: watch::Watcher, stop: &AtomicBool) {
        watcher.run(stop, |batch| {
            self.rebuild(&batch);
            true
        });
    }

    pub(super) fn rebuild(&mut self, batch: &Batch) {
        let started = Instant::now();
        let rebuild = if batch.rescan {
            Some(self.live.reload())
        } else {
            self.live.update(&batch.paths)
        };
        let Some(rebuild) = rebuild else {
            return; // saved without changes, or only files the site does not use
        };
        let elapsed = started.elapsed();
        self.reporter.rebuild(batch, &rebuild, &self.live, elapsed);
        let errors =
            (!rebuild.succeeded).then(|| self.reporter.plain_diagnostics(&rebuild, &self.live));
        let snapshot = self.next_snapshot(batch, &rebuild, errors, elapsed);
        let generation = snapshot.status.generation;
        let new_files = !Arc::ptr_eq(&snapshot.files, &self.shared.snapshot().files);
        self.shared.publish(snapshot);
        if let Some(indexer) = self.indexer.as_ref().filter(|_| new_files) {
            indexer.request(generation, &self.live);
        }
    }

    fn next_snapshot(
        &self,
        batch: &Batch,
        rebuild: &Rebuild,
        errors: Option<String>,
        elapsed: Duration,
    ) -> Snapshot {
        let previous = self.shared.snapshot();
        let mut status = previous.status.clone();
        status.rebuilds += 1;
        status.last_rebuild = elapsed;
        status.errors = errors;
        if !rebuild.succeeded || rebuild.changed_outputs.is_empty() {
            return Snapshot {
                files: Arc::clone(&previous.files),
                status,
                token: previous.token.clone(),
                stylesheet_change: previous.stylesheet_change.clone(),
            };
        }
        status.generation += 1;
        let only_stylesheets = !batch.rescan
            && rebuild
                .changed_sources
                .iter()
                .all(|path| classify(path) == ChangeKind::Stylesheet);
        let files = self.live.outputs();
        // Changed outputs include removed ones (the old hashed stylesheet): only
        // files that exist now can be swapped in.
        let present: Vec<String> = rebuild
            .changed_outputs
            .iter()
            .filter(|path| files.contains_key(path.as_str()))
            .cloned()
            .collect();
        Snapshot {
            files,
            token: format!("{}.{}", self.shared.instance, status.generation),
            status,
            stylesheet_change: only_stylesheets
                .then(|| (previous.token.clone(), stylesheet_urls(&present))),
        }
    }
}

/// Builds the search index off the rebuild path: a page reloads as soon as it is
/// rebuilt, and the index files join the served snapshot when ready, if no newer
/// rebuild replaced it meanwhile (then the newer one is indexed instead).
pub(super) struct SearchIndexer {
    pub(super) requests: std::sync::mpsc::Sender<IndexRequest>,
}

pub(super) struct IndexRequest {
    pub(super) generation: u64,
    pub(super) files: Arc<SiteFiles>,
    pub(super) language: String,
}

impl SearchIndexer {
    pub(super) fn start(shared: Arc<Shared>) -> Self {
        let (requests, incoming) = std::sync::mpsc::channel::<IndexRequest>();
        // Detached: it ends when the rebuilder (holding the sender) is gone.
        std::thread::spawn(move || {
            while let Ok(mut request) = incoming.recv() {
                while let Ok(newer) = incoming.try_recv() {
                    request = newer; // only the latest build matters
                }
                index_and_publish(&shared, request);
            }
        });
        SearchIndexer { requests }
    }

    pub(super) fn request(&self, generation: u64, live: &LiveBuild) {
        let _ = self.requests.send(IndexRequest {
            generation,
            files: live.outputs(),
            language: live.language().to_string(),
        });
    }
}

fn index_and_publish(shared: &Shared, request: IndexRequest) {
    let outputs: Vec<crate::emit::Output> = request
        .files
        .iter()
        .map(|(path, bytes)| crate::emit::Output {
            path: path.to_string(),
            bytes: Arc::clone(bytes),
        })
        .collect();
    let index = match crate::search::index(&outputs, &request.language) {
        Ok(index) => index,
        Err(diagnostic) => {
            eprintln!("search index: {}", diagnostic.message);
            return;
        }
    };
    let mut guard = shared.snapshot.lock().unwrap_or_else(|e| e.into_inner());
    if guard.status.generation != request.generation || !Arc::ptr_eq(&guard.files, &request.files) {
        return; // a newer build is served; its own request follows
    }
    let mut files = SiteFiles::clone(&request.files);
    for output in index.outputs {
        files.insert(Arc::from(output.path), output.bytes);
    }
    let snapshot = Snapshot {
        files: Arc::new(files),
        status: guard.status.clone(),
        token: guard.token.clone(),
        stylesheet_change: guard.stylesheet_change.clone(),
    };
    *guard = Arc::new(snapshot);
}

/// `{"style.css": "/style.1a2b3c4d5e.css", ...}` for the stylesheets among `paths`
/// (which must all exist in the new build):
/// the name a page's `<link>` is matched by, and the URL it should load now.
pub(super) fn stylesheet_urls(paths: &[String]) -> String {
    let mut urls = std::collections::BTreeMap::new();
    for path in paths.iter().filter(|p| p.ends_with(".css")) {
        let logical = match path.rsplitn(3, '.').collect::<Vec<_>>().as_slice() {
            [_, hash, stem] if hash.len() == 10 && hash.bytes().all(|b| b.is_ascii_hexdigit()) => {
                format!("{stem}.css")
            }
            _ => path.clone(),
        };
        let url = format!("/{path}");
        let hashed = logical != *path;
        if hashed || !urls.contains_key(&logical) {
            urls.insert(logical, url);
        }
    }
    serde_json::to_string(&urls).unwrap_or_else(|_| "{}".into())
}
